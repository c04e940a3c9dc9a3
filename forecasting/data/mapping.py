"""Guess which column plays which role, and which shape the table has.

Detection reads column names first (``Order Date``, ``Weekly_Sales``, ``qty``,
``price_actual``, ``onpromotion``, ``IsHoliday`` ...) and checks the values
second (a date column must parse as dates, a target must be numeric). Every
guess can be overridden: :func:`detect_mapping` keeps every field the user
gave and guesses only the rest.
"""

from __future__ import annotations

import re

import pandas as pd

from ..errors import MappingError
from ..schema import ColumnMapping, Shape
from .issues import examples
from .parsing import parse_dates, parse_numbers

# Name patterns, best first. Names are compared lower-cased with separators removed.
DATE_NAMES = ("date", "ds", "orderdate", "day", "week", "weekstart", "month", "period", "time", "timestamp",
              "datetime", "orderdatetime", "salesdate", "transactiondate", "invoicedate", "datum", "fecha", "data",
              "tag", "jour", "日期", "时间", "下单时间", "订单日期")
TARGET_NAMES = ("units", "unitssold", "qty", "quantity", "quantitysold", "sold", "volume", "demand", "y",
                "sales", "weeklysales", "dailysales", "monthlysales", "salesqty", "salesunits", "orders",
                "orderquantity", "count", "menge", "anzahl", "stück", "stueck", "absatz", "cantidad", "unidades",
                "quantité", "quantite", "ventes", "quantità", "销量", "数量", "件数", "revenue", "umsatz", "amount",
                "value")
ID_ALONE_NAMES = ("uniqueid", "id", "seriesid", "series", "timeseries", "key")
ID_NAMES = ("sku", "skuid", "item", "itemid", "productid", "product", "productcode", "article", "asin", "ean",
            "upc", "barcode", "store", "storeid", "shop", "agency", "dept", "department", "location",
            "warehouse", "artikel", "artikelnummer", "produkt", "producto", "produit", "articulo", "article",
            "filiale", "tienda", "magasin", "商品", "商品编码", "商品id", "店铺", "门店")
PRICE_NAMES = ("price", "priceactual", "actualprice", "sellprice", "sellingprice", "unitprice", "salesprice",
               "avgprice", "pricepaid", "preis", "verkaufspreis", "precio", "prix", "prezzo", "单价", "价格", "售价")
REVENUE_NAMES = ("revenue", "sales", "salesamount", "salesvalue", "netsales", "grosssales", "amount", "turnover",
                 "umsatz", "ventas", "importe", "chiffredaffaires", "销售额", "金额")
PROMO_NAMES = ("promo", "promotion", "onpromotion", "onpromo", "ispromo", "promoflag", "deal",
               "discountinpercent", "discountpct", "discountpercent", "discount", "discountrate", "aktion", "rabatt",
               "promocion", "promoción", "descuento", "remise", "促销", "折扣")
CATEGORY_NAMES = ("category", "productcategory", "cat", "categoryname", "family", "productfamily", "class",
                  "group", "productgroup", "dept", "department", "subcategory", "kategorie", "warengruppe", "categoria",
                  "categoría", "catégorie", "类目", "品类", "类别")
STOCK_NAMES = ("stock", "stockonhand", "onhand", "inventory", "instock", "stocklevel", "available",
               "availability", "bestand", "lagerbestand", "existencias", "库存")
DRIVER_PATTERN = re.compile(r"holiday|event|markdown|feature|display|campaign|snap|festival|mailer")
NOT_DRIVER_PATTERN = re.compile(r"temp|fuel|cpi|unemploy|weather|population|income|volume")
MIN_WIDE_SERIES = 3  # two unnamed numeric columns are more likely quantity and price than two series
ORDER_LINE_REPEAT_SHARE = 0.10  # repeats of (series, day) above this share mean order lines
ROW_NUMBER_NAMES = ("rowid", "row", "index", "rownumber", "unnamed0", "")
ORDER_ID_PATTERN = re.compile(r"^(order|invoice|transaction|receipt|basket)(id|no|nr|number|code)?$|^订单")


def normalise(name: str) -> str:
    """Lower-case a column name and drop spaces, underscores, dashes and dots."""
    return re.sub(r"[\s_\-.:/()#]+", "", str(name).lower())


def _rank(columns: list[str], names: tuple[str, ...]) -> list[str]:
    """Columns whose normalised name is in ``names``, best-ranked name first."""
    hits = [(names.index(normalise(c)), i, c) for i, c in enumerate(columns) if normalise(c) in names]
    return [c for _, _, c in sorted(hits)]


def row_number_columns(frame: pd.DataFrame) -> list[str]:
    """Columns that only number the rows (``Row ID``, an exported index): ignored by duplicate checks."""
    found = []
    for column in frame.columns:
        if normalise(column) not in ROW_NUMBER_NAMES and not normalise(column).startswith("unnamed"):
            continue
        values = pd.to_numeric(frame[column], errors="coerce")
        if values.notna().all() and values.is_unique:
            found.append(column)
    return found


def detect_mapping(frame: pd.DataFrame, given: dict | None = None) -> ColumnMapping:
    """Guess the column mapping of a raw table, keeping the fields the user gave.

    Parameters
    ----------
    frame
        The raw table.
    given
        Fields the user set (``field -> column``, a list for ``ids``/``drivers``/``series``);
        ``None`` or ``[]`` means "none" and is never re-guessed.

    Raises
    ------
    MappingError
        When a given column is missing, no column can be a date, or no numeric
        column can be the target.
    """
    given = {k: tuple(v) if isinstance(v, (list, tuple)) else v for k, v in (given or {}).items()}
    _check_columns_exist(frame, given)
    used = {c for v in given.values() for c in (v if isinstance(v, tuple) else (v,)) if c}
    skipped = set(row_number_columns(frame)) | used  # once, not once per column: 10,000 columns stay fast
    free = [c for c in frame.columns if c not in skipped]
    sample = frame.head(500)

    def pick(field, guess):
        return given[field] if field in given else guess()

    date = pick("date", lambda: _detect_date(sample, free))
    free = [c for c in free if c != date]
    numeric = [c for c in free if _is_numeric(sample[c])]
    numeric_set = set(numeric)  # membership in a set keeps this linear in 10,000 columns
    text = [c for c in free if c not in numeric_set]
    numbered = [c for c in numeric if _is_numbered_id(sample[c], c)]
    keys = [c for c in numbered if normalise(c) in ID_ALONE_NAMES]  # a numbered key only when nothing else names
    ids = pick("ids", lambda: _detect_ids(frame, text + [c for c in numbered if c not in keys])
               or _detect_ids(frame, keys))
    taken = {date, *ids, *used}

    def choose(field, candidates):
        value = pick(field, lambda: _first(candidates, taken))
        taken.add(value)
        return value

    price = choose("price", _rank(numeric, PRICE_NAMES))
    promo = choose("promo", _rank(numeric, PROMO_NAMES))
    stock = choose("stock", _rank(numeric, STOCK_NAMES))
    n_series = len(frame[list(ids)].drop_duplicates()) if ids else 0  # once, not once per candidate column
    groups = [c for c in text + [c for c in numeric if n_series and _low_cardinality(frame[c])]
              if _groups_series(frame, c, n_series)]
    category = choose("category", _rank(groups, CATEGORY_NAMES))
    # A column named like the target but holding some text is still the target: conversion names the bad cells.
    target = choose("target", _rank(numeric, TARGET_NAMES) + _rank(text, TARGET_NAMES))
    # Value per row next to a quantity target gives the price when no price column exists.
    value_target = target is None or normalise(target) in REVENUE_NAMES
    revenue = choose("revenue", [] if price or value_target else _rank(numeric, REVENUE_NAMES))
    drivers = pick("drivers", lambda: tuple(c for c in numeric if c not in taken and _is_driver(frame, c, date, ids)))
    series = given.get("series", ())
    if target is None and not series and "target" not in given:
        skipped = taken | set(drivers)
        rest = tuple(c for c in numeric if c not in skipped)
        if len(rest) >= MIN_WIDE_SERIES and not ids:
            series = rest
        elif len(rest) == 1:
            target = rest[0]
    if target is None and not series:
        raise MappingError(
            f"no column looks like the quantity to forecast (numeric columns: {examples(numeric, 6) or 'none'})",
            fix="choose the target column ({target})",
        )
    return ColumnMapping(date=date, target=target, ids=ids, price=price, revenue=revenue, promo=promo,
                         category=category, stock=stock, drivers=drivers, series=series)


def _first(candidates: list[str], taken: set) -> str | None:
    return next((c for c in candidates if c not in taken), None)


def _is_numeric(values: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
        return True
    if values.dropna().astype(str).str.match(r"0\d").any():  # codes such as 007 (the reader kept the zeros)
        return False
    parsed = parse_numbers(values)
    filled = values.notna().sum()
    return filled > 0 and len(parsed.bad) / filled < 0.05


def _is_numbered_id(values: pd.Series, column: str) -> bool:
    """Whole numbers in a column named like an id (``store``, ``sku``, ``item_id``): series ids, not quantities."""
    return normalise(column) in ID_ALONE_NAMES + ID_NAMES and pd.api.types.is_integer_dtype(values)


def _low_cardinality(values: pd.Series) -> bool:
    return values.nunique() <= max(50, len(values) // 100)


def _groups_series(frame: pd.DataFrame, column: str, n_series: int) -> bool:
    """A category groups several series: it has fewer distinct values than there are series (0: no ids)."""
    return n_series > 0 and 1 < frame[column].nunique() < n_series


def _detect_date(sample: pd.DataFrame, columns: list[str]) -> str:
    """The first column that reads as dates: half of the values for a date-like name, nearly all otherwise.

    A named date column with some bad cells is still the date column, so that
    conversion can name the bad cells instead of saying no dates were found.
    """
    named = _rank(columns, DATE_NAMES) + [c for c in columns if re.search(r"date|day|week|month|time|日期", c, re.I)]
    for column in dict.fromkeys(named + columns):
        values = sample[column].dropna()
        if values.empty or (pd.api.types.is_numeric_dtype(values) and column not in named):
            continue
        parsed = parse_dates(values)
        readable = parsed.values.notna().mean()
        if readable >= (0.5 if column in named else 0.95):
            return column
    raise MappingError(
        f"no column holds dates (columns: {examples(columns, 8)})", fix="choose the date column ({date})"
    )


def _detect_ids(frame: pd.DataFrame, text_columns: list[str]) -> tuple[str, ...]:
    alone = _rank(text_columns, ID_ALONE_NAMES)
    if alone:
        return (alone[0],)
    ranked = _rank(text_columns, ID_NAMES)
    chosen: list[str] = []
    for column in ranked:
        stem = _entity(column)
        if any(_entity(c) == stem for c in chosen):  # "Product ID" beats "Product Name"
            continue
        chosen.append(column)
    return tuple(c for c in frame.columns if c in chosen)  # in the file's order: agency, then sku


def _entity(column: str) -> str:
    return re.sub(r"(id|code|name|key|nr|no)$", "", normalise(column))


def _is_driver(frame: pd.DataFrame, column: str, date: str, ids: tuple[str, ...]) -> bool:
    """A known-in-advance driver: named like one (holiday, markdown ...) or a 0/1 flag set by the calendar."""
    name = normalise(column)
    if NOT_DRIVER_PATTERN.search(name):
        return False
    if DRIVER_PATTERN.search(name):
        return True
    if not ids:  # checked first: a wide table of 10,000 series columns has no ids and skips the scan below
        return False
    values = frame[column]
    if not set(pd.unique(values.dropna())) <= {0, 1}:
        return False
    # A calendar flag has one value per date, whatever the series.
    per_date = frame.groupby(frame[date], sort=False)[column].nunique(dropna=True)
    return bool((per_date <= 1).all()) and values.nunique() == 2


def _check_columns_exist(frame: pd.DataFrame, overrides: dict) -> None:
    columns = list(frame.columns)
    for key, value in overrides.items():
        for column in value if isinstance(value, (list, tuple)) else [value]:
            if column is not None and column not in columns:
                raise MappingError(
                    f"column {column!r} (given as {key}) is not in the file; its columns are {examples(columns, 12)}",
                    column=column,
                )


def detect_shape(frame: pd.DataFrame, mapping: ColumnMapping, dates: pd.Series) -> Shape:
    """``wide`` when series are columns; ``order_lines`` when (ids, day) repeat; else ``panel``.

    ``dates`` are the parsed date column. Order lines show as times of day, as
    many rows for the same series and day, or as an order-id column with any
    repeats.
    """
    if mapping.series:
        return "wide"
    keys = [frame[c] for c in mapping.ids] + [dates.dt.normalize()]
    has_times = bool((dates.dropna() != dates.dropna().dt.normalize()).mean() > 0.5)
    has_order_ids = any(ORDER_ID_PATTERN.match(normalise(c)) for c in frame.columns if c not in mapping.columns())
    repeated = pd.DataFrame({i: k.to_numpy() for i, k in enumerate(keys)}).duplicated().mean()
    if has_times or repeated > ORDER_LINE_REPEAT_SHARE or (has_order_ids and repeated > 0):
        return "order_lines"
    return "panel"
