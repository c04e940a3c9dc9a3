"""The products file: what inventory, pricing and promotion decisions need to know per series.

A products file has one row per product: its id (``sku``) and any of unit
cost, selling price, supplier lead time, review period, stock on hand and on
order, holding cost rate, order cost, minimum order quantity and target
service level. Columns are found by name, as in the sales file (``unit_cost``
or ``cost``, ``lead_time_days`` or ``lead_time``, ``stock_on_hand`` or
``on_hand`` ...). :func:`read_products` reads and normalises such a file,
:func:`match_products` lines it up with the sales series and says which ids
did not match, and :func:`default_products` fills every value still unknown
with a stated default, so a decision never silently runs on a blank.

Units: lead time and review period are in **days** whatever the data's
frequency (:func:`period_days` converts them); holding rate is a share of the
unit cost per year; service level is a share (0.95), percentages are read too.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.convert import ID_SEPARATOR
from ..data.io import DEFAULT_MAX_MB, Source, read_table
from ..data.issues import examples
from ..data.mapping import normalise
from ..data.parsing import parse_numbers
from ..errors import ConfigError, DataValidationError, MappingError
from ..schema import DS, PRICE, STOCK, UID, Y, freq_family

#: Numeric fields of the normalised products table, in display order.
FIELDS = ("unit_cost", "price", "lead_time", "review_period", "on_hand", "on_order", "holding_rate", "order_cost",
          "moq", "service_level")
TEXT_FIELDS = ("name", "category")
COLUMNS = (UID, *TEXT_FIELDS, *FIELDS)
DEFAULTED = "defaulted"  #: comma-joined fields that hold a default rather than a value from the file

#: Column names per field (compared normalised: lower case, no spaces or underscores), best first.
NAMES: dict[str, tuple[str, ...]] = {
    UID: ("uniqueid", "sku", "skuid", "id", "item", "itemid", "productid", "product", "productcode", "article",
          "articleid", "asin", "ean", "upc", "series", "seriesid", "code", "artikel", "artikelnummer"),
    "name": ("name", "productname", "title", "itemname", "description"),
    "category": ("category", "productcategory", "categoryname", "family", "department", "dept", "group",
                 "productgroup", "kategorie", "warengruppe", "categoria"),
    "unit_cost": ("unitcost", "cost", "costprice", "purchaseprice", "purchasecost", "cogs", "landedcost",
                  "unitcogs", "buyprice", "einkaufspreis", "ek", "coste", "costo"),
    "price": ("price", "unitprice", "sellingprice", "sellprice", "regularprice", "listprice", "retailprice",
              "salesprice", "preis", "verkaufspreis", "precio", "prix"),
    "lead_time": ("leadtimedays", "leadtime", "leadtimed", "supplierleadtime", "supplierleadtimedays", "leaddays",
                  "leadtimeweeks", "leadtimemonths", "lieferzeit", "wiederbeschaffungszeit"),
    "review_period": ("reviewperioddays", "reviewperiod", "reviewdays", "reviewinterval", "orderinterval",
                      "ordercycle", "ordercycledays", "reviewperiodweeks"),
    "on_hand": ("stockonhand", "onhand", "stock", "onhandqty", "qtyonhand", "inventory", "inventoryonhand",
                "available", "instock", "stocklevel", "bestand", "lagerbestand", "existencias"),
    "on_order": ("onorder", "stockonorder", "onorderqty", "openorders", "openorderqty", "inbound", "intransit",
                 "pipeline", "incoming", "bestellt"),
    "holding_rate": ("holdingrate", "holdingcostrate", "holdingcost", "carryingrate", "carryingcostrate",
                     "carryingcost", "inventorycarryingrate"),
    "order_cost": ("ordercost", "orderingcost", "costperorder", "fixedordercost", "setupcost", "ordercostfixed"),
    "moq": ("moq", "minorderqty", "minorderquantity", "minimumorderquantity", "minimumorderqty", "minorder",
            "minimumorder", "minqty", "mindestbestellmenge"),
    "service_level": ("servicelevel", "targetservicelevel", "servicelevelpct", "csl", "cycleservicelevel",
                      "targetsl"),
}
UNIT_DAYS = {"weeks": 7.0, "months": 365.25 / 12}  # lead time / review period columns named in weeks or months
PERIOD_DAYS = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}
SHARE_FIELDS = ("holding_rate", "service_level")  # values above 1 are read as percentages
RECENT_PRICE_DAYS = 28  # the default price is the median selling price of about the last four weeks


@dataclass(frozen=True)
class ProductDefaults:
    """The values used where the products file (or the lack of one) says nothing; shown to the user.

    Parameters
    ----------
    lead_time_days
        Supplier lead time.
    review_period_days
        Days between two looks at the stock (two order opportunities); ``None``:
        a week, or one period when periods are longer.
    holding_rate
        Cost of holding one unit for a year, as a share of its unit cost.
    order_cost
        Fixed cost of placing one order (same currency as prices).
    moq
        Minimum order quantity in units.
    service_level
        Target cycle service level: the share of replenishment cycles without a stock-out.
    cost_share
        Unit cost as a share of the selling price, when the cost is unknown.
    """

    lead_time_days: float = 14.0
    review_period_days: float | None = None
    holding_rate: float = 0.25
    order_cost: float = 50.0
    moq: float = 1.0
    service_level: float = 0.95
    cost_share: float = 0.6

    def __post_init__(self) -> None:
        if not 0.5 <= self.service_level < 1:
            raise ConfigError(f"service level must be between 0.5 and 1 (e.g. 0.95), got {self.service_level}")
        if not 0 < self.cost_share < 1:
            raise ConfigError(f"cost share of the price must be between 0 and 1, got {self.cost_share}")
        for name in ("lead_time_days", "holding_rate", "order_cost", "moq"):
            if getattr(self, name) < 0:
                raise ConfigError(f"default {name} cannot be negative, got {getattr(self, name)}")
        if self.review_period_days is not None and self.review_period_days <= 0:
            raise ConfigError(f"review period must be above 0 days, got {self.review_period_days}")

    def review_days(self, freq: str) -> float:
        return self.review_period_days or max(7.0, period_days(freq))

    def describe(self, freq: str) -> dict[str, float]:
        """The defaults as plain values for this frequency, for captions and reports."""
        return {**asdict(self), "review_period_days": self.review_days(freq)}


@dataclass(frozen=True)
class ProductMatch:
    """A products table lined up with the sales series.

    ``table`` has one row per sales series (every field filled, see
    :func:`default_products`); ``unknown`` lists product ids that match no
    series, ``missing`` the series that the file does not mention.
    """

    table: pd.DataFrame
    unknown: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)


def period_days(freq: str) -> float:
    """Days in one period of the data: 1, 7 or 30.44."""
    return PERIOD_DAYS[freq_family(freq)]


# --- reading -----------------------------------------------------------------------


def read_products(source: Source | pd.DataFrame, *, mapping: dict[str, str | None] | None = None,
                  name: str | None = None, max_mb: float = DEFAULT_MAX_MB, sheet: str | None = None) -> pd.DataFrame:
    """Read a products file (CSV, Excel, Parquet, or a frame) into the normalised products table.

    Parameters
    ----------
    source
        Path, bytes, file object or an already-read frame.
    mapping
        ``field -> column`` for columns whose names are not recognised (fields: ``unique_id``, ``name``,
        ``category`` and :data:`FIELDS`); ``None`` ignores a column that would be detected.

    Returns
    -------
    pandas.DataFrame
        One row per product: ``unique_id``, ``name``, ``category`` and the float columns of :data:`FIELDS`
        (NaN where the file has no value). Lead time and review period are in days.

    Raises
    ------
    MappingError
        No id column, or a mapped column that is not in the file.
    DataValidationError
        Text where numbers belong, negative values, service levels outside (0, 1), or one id with two rows.
    """
    if isinstance(source, pd.DataFrame):
        raw = source.copy()
    else:
        shown = name or (Path(source).name if isinstance(source, (str, Path)) else "products file")
        raw = read_table(source, name=shown, max_mb=max_mb, sheet=sheet).frame
    columns = detect_product_columns(raw, mapping)
    table = pd.DataFrame({UID: _ids(raw[columns[UID]], columns[UID])})
    for text in TEXT_FIELDS:
        table[text] = raw[columns[text]].astype("string").str.strip().to_numpy() if columns[text] else pd.NA
    for name_ in FIELDS:
        table[name_] = _numbers(raw, columns[name_], name_) if columns[name_] else np.nan
    table = table.reset_index(drop=True)
    _check_duplicates(table, raw.index)
    return table[list(COLUMNS)]


def detect_product_columns(frame: pd.DataFrame, given: dict[str, str | None] | None = None) -> dict[str, str | None]:
    """Which column holds which field: the user's choices first, then names from :data:`NAMES`."""
    given = dict(given or {})
    unknown = sorted(set(given) - set(NAMES))
    if unknown:
        raise ConfigError(f"unknown products field {unknown[0]!r}; valid fields are {', '.join(NAMES)}")
    for key, column in given.items():
        if column is not None and column not in frame.columns:
            raise MappingError(f"column {column!r} (given as {key}) is not in the products file; its columns are "
                               f"{examples(list(frame.columns), 12)}", column=column)
    taken = {c for c in given.values() if c}
    found: dict[str, str | None] = {}
    for key, names in NAMES.items():
        if key in given:
            found[key] = given[key]
            continue
        ranked = sorted((names.index(normalise(c)), i, c) for i, c in enumerate(frame.columns)
                        if normalise(c) in names and c not in taken)
        found[key] = ranked[0][2] if ranked else None
        taken.add(found[key])
    if found[UID] is None:
        raise MappingError(f"the products file has no id column (columns: {examples(list(frame.columns), 12)}); "
                           "name it sku or unique_id, matching the ids of the sales data")
    return found


def _ids(values: pd.Series, column: str) -> pd.Series:
    ids = values.astype("string").str.strip()
    blank = ids.isna() | (ids == "")
    if blank.any():
        raise DataValidationError(f"the products id column {column!r} is empty in row(s) "
                                  f"{examples(list(values.index[blank]), quote=False)}; give every row an id",
                                  column=column)
    return ids.astype(str)


def _numbers(raw: pd.DataFrame, column: str, name: str) -> np.ndarray:
    parsed = parse_numbers(raw[column])
    if len(parsed.bad):
        cells = [f"{v!r} (row {i})" for i, v in parsed.bad.items()]
        raise DataValidationError(f"products column {column!r} ({name}) has text where numbers are expected: "
                                  f"{examples(cells, quote=False)}; fix or clear those cells", column=column)
    values = parsed.values.to_numpy(dtype="float64")
    values = values * _unit_days(column) if name in ("lead_time", "review_period") else values
    if name in SHARE_FIELDS:
        values = np.where(values > 1, values / 100, values)  # 95 means 95%
    negative = np.flatnonzero(values < 0)
    if len(negative):
        rows = [raw.index[i] for i in negative]
        raise DataValidationError(f"products column {column!r} ({name}) is negative in row(s) "
                                  f"{examples(rows, quote=False)}; costs, times and quantities must be 0 or more",
                                  column=column, rows=rows)
    if name == "service_level":
        bad = np.flatnonzero((values < 0.5) | (values >= 1))
        if len(bad):
            raise DataValidationError(f"service level in column {column!r} must be a share from 0.5 to below 1 (or "
                                      f"50-99.9 percent); row(s) {examples([raw.index[i] for i in bad], quote=False)} "
                                      "are not", column=column)
    return values


def _unit_days(column: str) -> float:
    name = normalise(column)
    return next((days for unit, days in UNIT_DAYS.items() if re.search(unit + "$", name)), 1.0)


def _check_duplicates(table: pd.DataFrame, rows: pd.Index) -> None:
    repeated = table[UID].duplicated(keep=False)
    if not repeated.any():
        return
    conflicting = table.loc[repeated].drop_duplicates()
    if conflicting[UID].duplicated().any():
        ids = conflicting.loc[conflicting[UID].duplicated(), UID].unique().tolist()
        raise DataValidationError(f"the products file has several different rows for id(s) {examples(ids)}; "
                                  "keep one row per product", ids=[str(i) for i in ids])


# --- matching and defaults ----------------------------------------------------------


def match_products(products: pd.DataFrame, df: pd.DataFrame, freq: str, *,
                   defaults: ProductDefaults = ProductDefaults()) -> ProductMatch:
    """Line the products table up with the sales series, report what did not match, and fill the gaps.

    Ids are matched exactly. When the sales ids combine several columns
    (``"store / sku"``) and the products file is keyed by one of them, each
    product row applies to every series that has it in that position, which
    the notes say, since stock on hand is then counted per series.

    Raises
    ------
    DataValidationError
        When no product id matches any series.
    """
    products = products.drop_duplicates(UID)
    series = pd.Index(df[UID].astype(str).unique())
    keyed, notes = _key_to_series(products, series)
    unknown = tuple(sorted(set(products[UID]) - set(keyed["_source_id"])))
    missing = tuple(sorted(set(series) - set(keyed[UID])))
    if unknown:
        notes.append(f"{len(unknown)} product id(s) in the products file match no sales series and are ignored: "
                     f"{examples(unknown)}")
    if missing:
        notes.append(f"{len(missing)} series have no row in the products file and use the defaults: "
                     f"{examples(missing)}")
    table = default_products(df, freq, keyed.drop(columns="_source_id"), defaults=defaults)
    return ProductMatch(table, unknown, missing, tuple(notes))


def _key_to_series(products: pd.DataFrame, series: pd.Index) -> tuple[pd.DataFrame, list[str]]:
    """Products re-keyed by sales series id, with the product id kept in ``_source_id``."""
    exact = products[products[UID].isin(series)]
    if len(exact):
        return exact.assign(_source_id=exact[UID]), []
    composite = series.str.contains(ID_SEPARATOR, regex=False)
    if composite.all():
        parts = series.to_series().str.split(ID_SEPARATOR, regex=False, expand=True)
        hits = [(parts[i].isin(products[UID]).sum(), i) for i in parts.columns]
        count, position = max(hits)
        if count:
            links = pd.DataFrame({UID: series, "_source_id": parts[position].to_numpy()})
            keyed = links.merge(products.rename(columns={UID: "_source_id"}), on="_source_id", how="inner")
            note = (f"the sales series ids combine several columns (e.g. {series[0]!r}); the products file matched "
                    f"their part {position + 1}, so each product's values, stock included, apply to each of its "
                    f"series. For stock per series, write the products ids like {series[0]!r}")
            return keyed, [note]
    hint = (f" The sales ids combine several columns joined by {ID_SEPARATOR!r}: write the products ids the same way, "
            f"e.g. {series[0]!r}" if composite.any() else "")
    raise DataValidationError(f"none of the {len(products)} product ids (e.g. {products[UID].iloc[0]!r}) matches a "
                              f"sales series id (e.g. {series[0]!r}); check the products id column.{hint}")


def default_products(df: pd.DataFrame, freq: str, products: pd.DataFrame | None = None, *,
                     defaults: ProductDefaults = ProductDefaults()) -> pd.DataFrame:
    """One row per sales series with every field filled: the products' values, else a stated default.

    Defaults: price = the median selling price of about the last four weeks
    of sales (so one promotion day does not set it); unit cost =
    ``defaults.cost_share`` of the price (1.0, so money reads as units, when
    there is no price either); stock on hand = the last period's ``stock``
    minus its sales (stock is read as the level at the start of the period), or
    unknown (NaN) without a stock column; on order 0; the rest from ``defaults``. The
    ``defaulted`` column lists which fields of each row are defaults.
    """
    series = pd.Index(sorted(df[UID].astype(str).unique()), name=UID)
    table = pd.DataFrame(index=series)
    given = products.set_index(UID) if products is not None and len(products) else pd.DataFrame(index=series)
    for column in COLUMNS[1:]:
        table[column] = given[column].reindex(series) if column in given.columns else np.nan
    table[list(FIELDS)] = table[list(FIELDS)].astype("float64")
    if table["category"].isna().all() and "category" in df.columns:
        table["category"] = df.drop_duplicates(UID).set_index(UID)["category"].astype(str).reindex(series)
    fallback = _fallbacks(df, freq, series, table, defaults)
    defaulted = pd.DataFrame({name: table[name].isna() for name in FIELDS}, index=series)
    for name in FIELDS:
        table[name] = table[name].fillna(fallback[name])
    table[DEFAULTED] = [", ".join(f for f in FIELDS if row[f]) for _, row in defaulted.iterrows()]
    return table.reset_index()


def _fallbacks(df: pd.DataFrame, freq: str, series: pd.Index, table: pd.DataFrame,
               defaults: ProductDefaults) -> dict[str, pd.Series | float]:
    ordered = df.sort_values(DS, kind="stable").assign(**{UID: lambda f: f[UID].astype(str)})
    last = ordered.groupby(UID, sort=True).tail(1).set_index(UID).reindex(series)
    recent = ordered.groupby(UID, sort=True).tail(max(4, round(RECENT_PRICE_DAYS / period_days(freq))))
    typical = recent.groupby(UID)[PRICE].median().reindex(series) if PRICE in df.columns else np.nan
    price = table["price"].fillna(typical)
    cost = (price * defaults.cost_share).fillna(1.0)
    price = price.fillna(table["unit_cost"].fillna(cost) / defaults.cost_share)
    # Unknown stock stays unknown (NaN): the policy needs no stock, an order quantity and a risk do.
    on_hand = (last[STOCK] - last[Y].fillna(0)).clip(lower=0) if STOCK in last.columns else np.nan
    return {"unit_cost": cost, "price": price, "lead_time": defaults.lead_time_days,
            "review_period": defaults.review_days(freq), "on_hand": on_hand, "on_order": 0.0,
            "holding_rate": defaults.holding_rate, "order_cost": defaults.order_cost, "moq": defaults.moq,
            "service_level": defaults.service_level}


def load_products(source: Source | pd.DataFrame | None, df: pd.DataFrame, freq: str, *,
                  mapping: dict[str, str | None] | None = None, defaults: ProductDefaults = ProductDefaults(),
                  name: str | None = None, max_mb: float = DEFAULT_MAX_MB) -> ProductMatch:
    """Read (when given), match and complete a products file for the sales table ``df``: what the CLI and app use."""
    if source is None:
        return ProductMatch(default_products(df, freq, defaults=defaults),
                            missing=tuple(sorted(df[UID].astype(str).unique())),
                            notes=("no products file: every value is a default",))
    return match_products(read_products(source, mapping=mapping, name=name, max_mb=max_mb), df, freq,
                          defaults=defaults)
