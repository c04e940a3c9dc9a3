"""Convert a mapped raw table (panel, order lines or wide) into the long contract table.

Steps: melt a wide table; parse dates and numbers, dropping and reporting rows
that are not data (blank lines, "Total" lines); build ``unique_id`` from the id
columns; set aside future rows that only carry planned drivers; aggregate order
lines to days; then resample to the chosen frequency.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import DataValidationError, MappingError
from ..schema import CATEGORY, DS, PRICE, PROMO, STOCK, UID, ColumnMapping, FreqCode, Shape, Y
from .frequency import aggregate, infer_freq, resample
from .issues import Issue, examples
from .mapping import row_number_columns
from .parsing import DATE_RANGE, ParsedDates, format_label, parse_dates, parse_numbers

SINGLE_SERIES_ID = "total"
ID_SEPARATOR = " / "
BAD_DATE_TOLERANCE = 0.01  # share of rows with unreadable dates that is dropped with a warning, not refused
TOTAL_WORDS = r"(?i)^\s*(?:grand\s+|sub\s*-?)?totals?\b|^\s*(?:合计|总计|小计)"


@dataclass(frozen=True)
class Conversion:
    """The long table and what converting it found.

    ``frame`` may still hold exact duplicate rows of a panel: removing them is
    a cleaning step the user sees in the cleaning report.
    """

    frame: pd.DataFrame
    shape: Shape
    native_freq: str
    freq: str
    issues: tuple[Issue, ...]
    future: pd.DataFrame
    duplicate_rows: pd.Index = field(default_factory=lambda: pd.Index([]))


def to_long(
    raw: pd.DataFrame,
    mapping: ColumnMapping,
    shape: Shape,
    *,
    freq: FreqCode | None = None,
    drop_duplicates: bool = False,
    date_format: str | None = None,
    today: pd.Timestamp | None = None,
) -> Conversion:
    """Map, parse, aggregate and resample a raw table into the contract table.

    Parameters
    ----------
    raw
        The table as read; its index holds the row numbers the user sees.
    mapping, shape
        Which column is which, and how rows relate to periods.
    freq
        Target frequency, ``None`` to keep the data's own.
    drop_duplicates
        Remove rows that repeat another row exactly (row-number columns aside).
    date_format
        A strptime format to force, when detection is wrong.
    today
        Rows dated after this with no target are planned future drivers.
    """
    if raw.empty:
        raise DataValidationError("the file has a header but no data rows; export the table again with its rows")
    issues: list[Issue] = []
    duplicates = _exact_duplicates(raw, mapping)
    if drop_duplicates and len(duplicates):
        raw = raw.drop(index=duplicates)
    if shape == "wide":
        raw = _melt_wide(raw, mapping)
        mapping = ColumnMapping(date=mapping.date, target=Y, ids=(UID,), drivers=mapping.drivers)
    lines = _standardise(raw, mapping, date_format, issues)
    lines, future = _split_future(lines, mapping, today, issues)
    if shape == "order_lines":
        n_lines = len(lines)
        lines = aggregate(lines.assign(**{DS: lines[DS].dt.normalize(), "_q": lines[Y]}), weights="_q").drop(
            columns="_q"
        )
        issues.append(Issue("order_lines", f"{n_lines:,} order lines were summed into {len(lines):,} daily rows.",
                            n_lines, "info"))
    elif shape == "panel":
        _check_conflicting_rows(lines, raw, mapping)
    native = "D" if shape == "order_lines" else infer_freq(lines[DS], lines[UID])
    resampled = resample(lines, native, freq)
    issues.extend(resampled.issues)
    frame = resampled.frame.sort_values([UID, DS], kind="stable").reset_index(drop=True)
    return Conversion(frame, shape, native, resampled.freq, tuple(issues), future, duplicates)


def future_drivers(raw: pd.DataFrame, mapping: ColumnMapping, *, date_format: str | None = None) -> pd.DataFrame:
    """Planned drivers for the forecast periods from a file shaped like the sales file.

    The file needs the date and id columns and any of price, promotion and
    drivers; a target column is not needed (and is ignored).
    """
    if raw.empty:
        raise DataValidationError("the future file has a header but no rows; add one row per series and period")
    needed = [mapping.date, *mapping.ids]
    missing = [c for c in needed if c not in raw.columns]
    if missing:
        raise MappingError(f"the future file has no column {missing[0]!r}; it needs the same date and id columns as "
                           "the sales file", column=missing[0])
    # A price derived from a sales value has no column of its own: a plan names it "price".
    optional = {"price": mapping.price or "price", "promo": mapping.promo, "category": mapping.category}
    present = ColumnMapping(date=mapping.date, target=None, ids=mapping.ids,
                            **{k: v for k, v in optional.items() if v in raw.columns},
                            drivers=tuple(d for d in mapping.drivers if d in raw.columns))
    issues: list[Issue] = []
    frame = _standardise(raw, present, date_format, issues).drop(columns=[Y])
    return frame.reset_index(drop=True)


def _exact_duplicates(raw: pd.DataFrame, mapping: ColumnMapping) -> pd.Index:
    """Row numbers of rows identical to an earlier row, ignoring columns that only number the rows."""
    ignore = [c for c in row_number_columns(raw) if c not in mapping.columns()]
    repeated = raw.drop(columns=ignore).duplicated(keep="first")
    return raw.index[repeated.to_numpy()]


def _melt_wide(raw: pd.DataFrame, mapping: ColumnMapping) -> pd.DataFrame:
    keep = [mapping.date, *mapping.drivers]
    long = raw.reset_index().melt(id_vars=["row", *keep], value_vars=list(mapping.series), var_name=UID, value_name=Y)
    return long.set_index("row")


def _standardise(raw: pd.DataFrame, mapping: ColumnMapping, date_format: str | None, issues: list[Issue]) -> pd.DataFrame:
    dates = parse_dates(raw[mapping.date], date_format)
    keep = _drop_non_data_rows(raw, mapping, dates, issues)
    raw = raw.loc[keep]
    dates = ParsedDates(dates.values[keep], dates.format, dates.bad[dates.bad.index.isin(raw.index)], dates.ambiguous,
                        dates.out_of_range)
    keep = _check_dates(dates, mapping.date, len(raw), issues)
    raw = raw.loc[keep]
    if raw.empty:
        raise DataValidationError("no data rows are left after dropping rows that are not data; check the file")
    out = pd.DataFrame(index=raw.index)
    out[UID] = _series_ids(raw, mapping, issues)
    out[DS] = dates.values[keep]
    out[Y] = _target(raw[mapping.target], mapping.target) if mapping.target in raw.columns else np.nan
    if mapping.price:
        out[PRICE] = _price(raw[mapping.price], mapping.price, issues)
    elif mapping.revenue:
        out[PRICE] = _price_from_revenue(raw[mapping.revenue], out[Y], mapping.revenue, issues)
    if mapping.promo:
        out[PROMO] = _promo(raw[mapping.promo], mapping.promo, issues)
    if mapping.category:
        out[CATEGORY] = raw[mapping.category].astype("string").fillna("(none)").astype(str)
    if mapping.stock:
        out[STOCK] = _optional_numbers(raw[mapping.stock], mapping.stock, issues)
    for driver in mapping.drivers:
        out[driver] = _driver(raw[driver], driver, issues)
    return out


def _drop_non_data_rows(raw: pd.DataFrame, mapping: ColumnMapping, dates: ParsedDates, issues: list[Issue]) -> np.ndarray:
    """Blank rows and "Total" rows have no readable date; they are dropped and reported, not fatal."""
    no_date = dates.values.isna().to_numpy()
    if not no_date.any():
        return np.ones(len(raw), dtype=bool)
    suspects = raw.loc[no_date]
    text = suspects.astype("string")
    blank = text.apply(lambda col: col.isna() | (col.str.strip() == "")).all(axis=1)
    total = text.apply(lambda col: col.str.contains(TOTAL_WORDS, regex=True).fillna(False)).any(axis=1)
    not_data = suspects.index[(blank | total).to_numpy()]
    if len(not_data):
        rows = ", ".join(str(r) for r in not_data[:5])
        issues.append(Issue("non_data_rows", f"{len(not_data)} row(s) that are not data (blank or 'Total' lines) were "
                            f"dropped: row {rows}.", len(not_data), "info"))
    return ~raw.index.isin(not_data)


def _check_dates(dates: ParsedDates, column: str, n_rows: int, issues: list[Issue]) -> np.ndarray:
    bad = dates.bad
    if len(bad) == 0 and dates.values.isna().any():
        bad = dates.values[dates.values.isna()]
    shown = examples([f"{v!r} (row {r})" if isinstance(v, str) else f"empty (row {r})" for r, v in bad.items()], quote=False)
    fmt = format_label(dates.format)
    if dates.format == "none" or dates.values.notna().sum() == 0:
        raise DataValidationError(
            f"column {column!r} holds no dates we can read ({shown})",
            fix="map the date column ({date}) or give its format ({date_format})",
            column=column,
            rows=list(bad.index[:20]),
        )
    placeholders = dates.out_of_range if dates.out_of_range is not None else bad.iloc[:0]
    if len(placeholders) > BAD_DATE_TOLERANCE * n_rows:
        low, high = (d.year for d in DATE_RANGE)
        shown = examples([f"{v!s} (row {r})" for r, v in placeholders.items()], quote=False)
        raise DataValidationError(
            f"column {column!r} has {len(placeholders)} date(s) outside {low}-{high}, such as {shown}, which look "
            "like placeholders; fix the dates or remove those rows",
            column=column,
            rows=list(placeholders.index[:20]),
        )
    if len(bad) > BAD_DATE_TOLERANCE * n_rows:
        raise DataValidationError(
            f"column {column!r} mixes date formats or has text: {len(bad)} value(s) are not dates like the rest "
            f"({fmt}): {shown}; use one date format for the whole column",
            column=column,
            rows=list(bad.index[:20]),
        )
    if len(bad):
        issues.append(Issue("bad_dates", f"{len(bad)} row(s) with unreadable dates in {column!r} were dropped: {shown}.",
                            len(bad)))
    if dates.ambiguous:
        issues.append(Issue("ambiguous_dates", f"Dates in {column!r} read both day-first and month-first; "
                            f"read as {fmt}", 1, fix="give the date format ({date_format}) if that is wrong."))
    return dates.values.notna().to_numpy()


def _series_ids(raw: pd.DataFrame, mapping: ColumnMapping, issues: list[Issue]) -> pd.Series:
    if not mapping.ids:
        return pd.Series(SINGLE_SERIES_ID, index=raw.index, dtype=str)
    parts = [raw[c].astype("string").str.strip().fillna("(blank)") for c in mapping.ids]
    blank = sum((p == "(blank)").sum() for p in parts)
    if blank:
        issues.append(Issue("blank_ids", f"{blank} row(s) have no value in the id column(s) "
                            f"{', '.join(mapping.ids)}; they form a series named '(blank)'.", int(blank)))
    ids = parts[0]
    for part in parts[1:]:
        ids = ids + ID_SEPARATOR + part
    return ids.astype(str)


def _target(cells: pd.Series, column: str) -> pd.Series:
    parsed = parse_numbers(cells)
    if len(parsed.bad):
        shown = examples([f"{v!r} (row {r})" for r, v in parsed.bad.items()], quote=False)
        raise DataValidationError(
            f"target column {column!r} has text where numbers are expected: {shown}",
            fix="fix those cells or choose another target column ({target})",
            column=column,
            rows=list(parsed.bad.index[:20]),
        )
    return parsed.values


def _optional_numbers(cells: pd.Series, column: str, issues: list[Issue]) -> pd.Series:
    """Numbers of a driver column; text cells become missing and are reported."""
    parsed = parse_numbers(cells)
    if len(parsed.bad) == len(cells.dropna()) and len(parsed.bad):
        raise MappingError(
            f"column {column!r} holds text ({examples(parsed.bad.tolist())}), not numbers; "
            "map a numeric column to this field or leave it empty",
            column=column,
        )
    if len(parsed.bad):
        shown = examples([f"{v!r} (row {r})" for r, v in parsed.bad.items()], quote=False)
        issues.append(Issue("bad_numbers", f"{len(parsed.bad)} cell(s) of {column!r} are not numbers and were "
                            f"treated as missing: {shown}.", len(parsed.bad)))
    return parsed.values


def _price(cells: pd.Series, column: str, issues: list[Issue]) -> pd.Series:
    price = _optional_numbers(cells, column, issues)
    bad = price <= 0
    if bad.any():
        shown = examples([f"{v:g} (row {r})" for r, v in price[bad].items()], quote=False)
        issues.append(Issue("price_nonpositive", f"{int(bad.sum())} price(s) in {column!r} are zero or negative "
                            f"({shown}); they are treated as unknown.", int(bad.sum())))
    return price.where(~bad)


def _price_from_revenue(cells: pd.Series, quantity: pd.Series, column: str, issues: list[Issue]) -> pd.Series:
    """Price per unit as revenue / quantity; rows without units sold (returns, zero lines) have no price."""
    revenue = _optional_numbers(cells, column, issues)
    price = (revenue / quantity.where(quantity > 0)).where(revenue > 0)
    issues.append(Issue("price_from_revenue", f"Price per unit derived as {column!r} / quantity (no price column); "
                        f"{int(price.notna().sum()):,} row(s) have one.", int(price.notna().sum()), "info"))
    return price


def _promo(cells: pd.Series, column: str, issues: list[Issue]) -> pd.Series:
    """Promotion as a 0/1 flag or a discount depth in [0, 1]; percentages are divided by 100."""
    promo = _optional_numbers(cells, column, issues)
    present = promo.dropna()
    if present.empty:
        return promo
    if present.max() > 1:
        if (present > 100).mean() > 0.05:
            raise MappingError(
                f"promotion column {column!r} has values up to {present.max():,.0f}, which look like amounts, not a "
                "0/1 flag or a percentage",
                fix="map a flag or percent column as promotion, or leave it empty ({promo:none})",
                column=column,
            )
        promo = promo / 100
        issues.append(Issue("promo_percent", f"Promotion column {column!r} is in percent; divided by 100.",
                            len(present), "info"))
    out_of_range = (promo < 0) | (promo > 1)
    if out_of_range.any():
        shown = examples([f"{v:.0%} (row {r})" for r, v in promo[out_of_range].items()], quote=False)
        issues.append(Issue("promo_out_of_range", f"{int(out_of_range.sum())} promotion value(s) in {column!r} are "
                            f"outside 0-100% ({shown}); they were clipped to that range.", int(out_of_range.sum())))
    return promo.clip(0, 1)


def _driver(cells: pd.Series, column: str, issues: list[Issue]) -> pd.Series:
    values = _optional_numbers(cells, column, issues)
    missing = values.isna().mean()
    if missing > 0.2:
        issues.append(Issue("driver_missing", f"Driver {column!r} is empty in {missing:.0%} of rows; empty means "
                            "unknown, not zero.", int(values.isna().sum())))
    return values


def _split_future(
    lines: pd.DataFrame, mapping: ColumnMapping, today: pd.Timestamp | None, issues: list[Issue]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows after today with no target are planned drivers; rows after today with sales are an error."""
    today = (today or pd.Timestamp.now()).normalize()
    after = lines[DS] > today + pd.Timedelta(days=1)
    if not after.any():
        return lines, lines.iloc[:0]
    with_sales = after & lines[Y].notna()
    if with_sales.any():
        rows = lines.index[with_sales.to_numpy()]
        shown = examples([f"{d:%Y-%m-%d} (row {r})" for r, d in lines.loc[with_sales, DS].items()], quote=False)
        raise DataValidationError(
            f"column {mapping.date!r} has {int(with_sales.sum())} date(s) after today with sales: {shown}; "
            "sales history cannot be in the future",
            fix="fix the dates or the day/month order ({date_format})",
            column=mapping.date,
            rows=list(rows[:20]),
        )
    issues.append(Issue("future_rows", f"{int(after.sum())} row(s) after today have no sales; they are kept as "
                        "planned drivers for the forecast.", int(after.sum()), "info"))
    return lines.loc[~after], lines.loc[after]


def _check_conflicting_rows(lines: pd.DataFrame, raw: pd.DataFrame, mapping: ColumnMapping) -> None:
    """A panel has one row per series and period; repeats that are not exact copies are an error."""
    key = lines.duplicated([UID, DS], keep=False)
    if not key.any():
        return
    exact = raw.loc[lines.index[key.to_numpy()]].drop(columns=row_number_columns(raw), errors="ignore")
    exact_dupes = exact.duplicated(keep=False)
    conflicts = lines.loc[key.to_numpy()][~exact_dupes.to_numpy()]
    if conflicts.empty:
        return
    first = conflicts.iloc[0]
    same = conflicts[(conflicts[UID] == first[UID]) & (conflicts[DS] == first[DS])]
    rows = " and ".join(str(r) for r in same.index[:2])
    differing = _differing_column(raw.loc[same.index[:2]], mapping)
    problem = (f"{len(conflicts)} rows repeat a (series, date) pair with different values, e.g. {first[UID]} on "
               f"{first[DS]:%Y-%m-%d} (rows {rows})")
    add_up = "choose the order-lines shape to add them up ({shape:order_lines})"
    raise DataValidationError(
        f"{problem}; they differ in {differing!r}" if differing else problem,
        fix=f"add it as an id column ({{ids}}), or {add_up}" if differing else add_up,
        rows=list(conflicts.index[:20]),
        ids=[str(first[UID])],
    )


def _differing_column(pair: pd.DataFrame, mapping: ColumnMapping) -> str | None:
    mapped = set(mapping.columns())
    for column in pair.columns:
        if column not in mapped and pair[column].nunique(dropna=False) > 1 and column not in row_number_columns(pair):
            return column
    return None
