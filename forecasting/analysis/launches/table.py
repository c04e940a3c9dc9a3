"""Read a new-products file: an id, a name or description, and optionally category, price and launch date."""

from __future__ import annotations

import pandas as pd

from ...data.io import DEFAULT_MAX_MB, Source, read_table
from ...data.issues import examples
from ...data.mapping import normalise
from ...data.parsing import parse_dates, parse_numbers
from ...errors import DataReadError, DataValidationError, MappingError
from ...schema import CATEGORY, PRICE, UID
from .text import text_columns

ID_NAMES = ("uniqueid", "id", "sku", "skuid", "productid", "product", "item", "itemid", "code", "productcode",
            "article", "ean")
PRICE_NAMES = ("price", "unitprice", "sellingprice", "listprice", "regularprice", "retailprice", "plannedprice")
LAUNCH_NAMES = ("launch", "launchdate", "start", "startdate", "firstsale", "releasedate", "date", "ds")
LAUNCH = "launch"


def _column(frame: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    by_name = {normalise(c): c for c in reversed(frame.columns)}
    return next((by_name[n] for n in names if n in by_name), None)


def read_new_products(source: Source | pd.DataFrame, *, max_mb: float = DEFAULT_MAX_MB) -> pd.DataFrame:
    """New products as a table: ``unique_id``, their text columns, and ``category``, ``price``, ``launch``.

    Parameters
    ----------
    source
        A CSV / Excel / Parquet file (path or bytes) or a frame typed in the app.

    Raises
    ------
    DataReadError
        The file is empty or has no rows.
    MappingError
        No id column, or no name or description column.
    DataValidationError
        A repeated id, a price that is not a number, a launch date that is not a date.
    """
    raw = source if isinstance(source, pd.DataFrame) else read_table(source, max_mb=max_mb).frame
    raw = raw.dropna(how="all")
    if raw.empty:
        raise DataReadError("the new-products file has no rows", fix="give one row per new product")
    uid = _column(raw, ID_NAMES)
    texts = text_columns(raw.drop(columns=[uid]) if uid else raw)
    if not ({"name", "description"} & set(texts)):
        raise MappingError(f"the new-products file has no name or description column (columns: "
                           f"{examples(list(raw.columns))})", fix="add a column called name or description")
    if uid is None:  # the name is the id when there is none, and stays the text too
        out = raw.assign(**{UID: raw[texts.get("name", texts.get("description"))]})
    else:
        out = raw.rename(columns={uid: UID}) if uid != UID else raw.copy()
    out[UID] = out[UID].astype("str").str.strip()
    blank = out[UID].isin(["", "nan", "<NA>", "None"])
    if blank.any():
        raise DataValidationError(f"{int(blank.sum())} new products have no id",
                                  fix="give every new product an id or a name", rows=(out.index[blank] + 2).tolist())
    repeated = out[UID][out[UID].duplicated()].unique().tolist()
    if repeated:
        raise DataValidationError(f"new product ids repeat: {examples(repeated)}", fix="give each new product one row",
                                  ids=repeated)
    if "category" in texts and texts["category"] != CATEGORY:
        out[CATEGORY] = out[texts["category"]]
    if CATEGORY in out.columns:
        out[CATEGORY] = out[CATEGORY].astype("str").where(out[CATEGORY].notna())
    price = _column(out.drop(columns=[UID]), PRICE_NAMES)
    if price is not None:
        parsed = parse_numbers(out[price])
        if len(parsed.bad):
            raise DataValidationError(f"price column {price!r} has values that are not numbers: "
                                      f"{examples(parsed.bad.astype('str').tolist())}", fix="write prices as numbers",
                                      column=price)
        out[PRICE] = parsed.values.where(parsed.values > 0)
    launch = _column(out.drop(columns=[UID]), LAUNCH_NAMES)
    if launch is not None:
        dates = parse_dates(out[launch])
        if len(dates.bad):
            raise DataValidationError(f"launch column {launch!r} has values that are not dates: "
                                      f"{examples(dates.bad.astype('str').tolist())}",
                                      fix="write launch dates like 2026-03-02", column=launch)
        out[LAUNCH] = dates.values
    return out.reset_index(drop=True)
