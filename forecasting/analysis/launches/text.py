"""Product text -> one embedding per product (TF-IDF on words and character n-grams, truncated SVD).

The text of a product joins whichever of its name, description, category, sub-category, brand, size and
colour columns exist. The encoder needs no download: scikit-learn's ``TfidfVectorizer`` on words (and word
pairs) and on character 3-5-grams inside word boundaries (so "bookcase" and "bookcases" meet), stacked,
reduced by ``TruncatedSVD`` (seeded) and scaled to unit length, so a dot product is a cosine similarity.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...data.convert import ID_SEPARATOR
from ...data.mapping import normalise
from ...errors import DataValidationError, MappingError
from ...schema import UID

#: Text fields, in the order they are joined; each is found by its normalised column name.
TEXT_NAMES: dict[str, tuple[str, ...]] = {
    "name": ("name", "productname", "title", "itemname", "product", "productdescription"),
    "description": ("description", "desc", "details", "longdescription", "text"),
    "category": ("category", "productcategory", "categoryname", "department", "family"),
    "subcategory": ("subcategory", "productsubcategory", "subcat", "type", "producttype", "class"),
    "brand": ("brand", "brandname", "manufacturer", "maker", "vendor"),
    "size": ("size", "packsize", "pack", "volume", "weight", "format"),
    "colour": ("colour", "color", "flavour", "flavor", "variant"),
}


@dataclass(frozen=True)
class Embedding:
    """Unit-length vectors of products, one row per id (``vectors[i]`` belongs to ``ids[i]``).

    ``terms`` is the sparse TF-IDF matrix before the SVD (same rows): every word and n-gram kept, for a
    model that learns which words mean more sales (:mod:`.level`).
    """

    ids: tuple[str, ...]
    vectors: np.ndarray
    terms: object = None

    def rows(self, ids: list[str]) -> list[int]:
        """Row positions of ``ids``."""
        position = {uid: i for i, uid in enumerate(self.ids)}
        return [position[u] for u in ids]

    def similarity(self, rows: list[str], columns: list[str]) -> np.ndarray:
        """Cosine similarity of the ``rows`` products to the ``columns`` products."""
        return self.vectors[self.rows(rows)] @ self.vectors[self.rows(columns)].T


#: Product texts (indexed by id) -> their :class:`Embedding`; the default is :func:`embed_products`. Another
#: encoder (a pretrained sentence model, ``bench/bench_launch_encoders.py``) plugs in through
#: ``launch_backtest(..., encoder=...)``.
Encoder = Callable[[pd.Series], Embedding]


def encode(texts: pd.Series, encoder: Encoder | None = None, *, components: int = 32, seed: int = 0) -> Embedding:
    """Embed ``texts`` with ``encoder`` (default: :func:`embed_products` with ``components`` and ``seed``).

    Raises
    ------
    DataValidationError
        When the encoder leaves out products, or its ``terms`` (the level model's features) are missing or
        have another number of rows than its vectors.
    """
    if encoder is None:
        return embed_products(texts, components=components, seed=seed)
    embedding = encoder(texts)
    missing = sorted(set(texts.index.astype("str")) - set(embedding.ids))
    if missing:
        raise DataValidationError(f"the text encoder gave no vector for {len(missing)} products: "
                                  f"{', '.join(missing[:3])}", fix="return one row per product text", ids=missing)
    rows = embedding.vectors.shape[0]
    if embedding.terms is None or embedding.terms.shape[0] != rows or len(embedding.ids) != rows:
        raise DataValidationError("the text encoder gave no terms, or its ids, vectors and terms have different "
                                  "numbers of rows",
                                  fix="return an Embedding with one row per product in ids, vectors and terms")
    return embedding


def text_columns(frame: pd.DataFrame) -> dict[str, str]:
    """``field -> column`` for the text fields present in ``frame`` (first matching column per field)."""
    found: dict[str, str] = {}
    by_name = {normalise(c): c for c in reversed(frame.columns)}
    for field, names in TEXT_NAMES.items():
        column = next((by_name[n] for n in names if n in by_name and by_name[n] not in found.values()), None)
        if column is not None:
            found[field] = column
    return found


def product_texts(products: pd.DataFrame, columns: list[str] | None = None) -> pd.Series:
    """One text per product id: the given (or detected) text columns joined, blanks skipped.

    Parameters
    ----------
    products
        One row per product with a ``unique_id`` column (repeated ids: the first non-blank text wins).
    columns
        Text columns to join; detected from :data:`TEXT_NAMES` when not given.
    """
    columns = columns or list(text_columns(products.drop(columns=[UID])).values())
    if not columns:
        raise MappingError("the products table has no name or description column",
                           fix="add a column called name or description")
    parts = products[columns].astype("str").where(products[columns].notna(), "")
    text = parts.apply(lambda row: " ".join(v.strip() for v in row if v.strip() and v.strip() != "nan"), axis=1)
    table = pd.DataFrame({UID: products[UID].astype("str"), "text": text})
    table = table[table["text"] != ""].drop_duplicates(UID)
    return table.set_index(UID)["text"].rename("text")


def products_from_sales(raw: pd.DataFrame, ids: list[str] | tuple[str, ...], *,
                        category: str | None = None) -> pd.DataFrame:
    """Per-product text columns of a sales file (Superstore's ``Product Name``, ``Sub-Category`` ...).

    The most frequent value of each text column per id is kept; ``ids`` are joined as the data contract
    joins them, so the result lines up with the series ``unique_id``.
    """
    if not ids:
        raise MappingError("the sales file has one series, so there are no products to compare",
                           fix="choose the product id column ({ids})")
    found = text_columns(raw.drop(columns=list(ids)))
    if category and category in raw.columns and category not in found.values():
        found["category"] = category
    if not found:
        return pd.DataFrame({UID: pd.Series(dtype="str")})
    key = raw[list(ids)].astype("str").agg(ID_SEPARATOR.join, axis=1)
    frame = raw[list(found.values())].assign(**{UID: key})
    out = frame.groupby(UID, sort=True).agg(lambda s: s.mode().iloc[0] if s.notna().any() else pd.NA)
    return out.reset_index()


def embed_products(texts: pd.Series, *, components: int = 32, seed: int = 0) -> Embedding:
    """TF-IDF (words + character n-grams) -> truncated SVD -> unit-length vectors.

    Parameters
    ----------
    texts
        Product text indexed by product id (:func:`product_texts`).
    components
        Most SVD components; fewer when there are fewer products or terms.
    seed
        ``random_state`` of the SVD, so the same texts always give the same vectors.
    """
    from scipy.sparse import hstack  # noqa: PLC0415 - scikit-learn loads only when text is embedded
    from sklearn.decomposition import TruncatedSVD  # noqa: PLC0415
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415
    from sklearn.preprocessing import normalize  # noqa: PLC0415

    docs = texts.astype("str").str.lower().tolist()
    words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w+\b")
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True)
    # Words say more than shared letters: the character block counts half.
    matrix = hstack([words.fit_transform(docs), 0.5 * chars.fit_transform(docs)]).tocsr()
    n = min(components, matrix.shape[0] - 1, matrix.shape[1] - 1)
    if n >= 2:
        dense = TruncatedSVD(n_components=n, random_state=seed).fit_transform(matrix)
    else:
        dense = matrix.toarray()
    return Embedding(tuple(texts.index.astype("str")), normalize(dense), matrix)
