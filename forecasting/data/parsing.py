"""Turn raw cells into dates and numbers, reporting every cell that does not parse.

Date formats are detected from the values: ISO, US month-first, day-first
(``dd/mm/yy``), dotted European, month names, ``yyyymmdd`` integers and Excel
serial numbers. When both day-first and month-first read every value, the one
that gives the more regular spacing wins (sales come at a steady rhythm).
Numbers accept currency signs, thousands separators, decimal commas,
accounting negatives ``(12)`` and percentages.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

MISSING_TOKENS = frozenset({"", "na", "n/a", "nan", "null", "none", "-", "--", "?", "#n/a", "nat"})
TRUE_TOKENS = frozenset({"true", "yes", "y", "t"})
FALSE_TOKENS = frozenset({"false", "no", "n", "f"})

DATE_FORMATS = (
    "ISO8601",
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%m/%d/%y",
    "%d/%m/%y",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%d.%m.%Y",
    "%d.%m.%y",
    "%d.%m.%Y %H:%M",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y%m%d",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %Y",
    "%B %Y",
    "%b-%y",
    "%Y年%m月%d日",
    "%Y年%m月",
)
FORMAT_LABELS = {"ISO8601": "YYYY-MM-DD", "%m/%d/%Y": "MM/DD/YYYY", "%d/%m/%Y": "DD/MM/YYYY"}
EXCEL_SERIAL_RANGE = (20_000, 80_000)  # 1954 .. 2119
DATE_RANGE = (pd.Timestamp("1900-01-01"), pd.Timestamp("2199-12-31"))
SAMPLE_SIZE = 2_000


@dataclass(frozen=True)
class ParsedDates:
    """Dates of a column, the format that read them and the rows that did not parse."""

    values: pd.Series  # datetime64[ns], NaT where bad or missing
    format: str
    bad: pd.Series  # the original cells that did not parse (index = row numbers)
    ambiguous: bool = False  # both day-first and month-first read every value
    out_of_range: pd.Series | None = None  # cells that are dates, but placeholders such as 9999-12-31


@dataclass(frozen=True)
class ParsedNumbers:
    """Numbers of a column and the cells that are text, not numbers or missing markers."""

    values: pd.Series  # float64, NaN where missing or bad
    bad: pd.Series


def format_label(fmt: str) -> str:
    """Readable name of a date format for messages."""
    return FORMAT_LABELS.get(fmt, fmt.replace("%", ""))


def parse_dates(cells: pd.Series, date_format: str | None = None) -> ParsedDates:
    """Parse a column of dates, detecting the format unless ``date_format`` is given."""
    if isinstance(cells.dtype, pd.DatetimeTZDtype):
        return _done(cells.dt.tz_convert(None), cells, "datetime")
    if pd.api.types.is_datetime64_any_dtype(cells):
        return _done(cells, cells, "datetime")
    if pd.api.types.is_numeric_dtype(cells) and not pd.api.types.is_bool_dtype(cells):
        return _parse_numeric_dates(cells)
    text = cells.astype("string").str.strip()
    uniques = pd.Series(text.dropna().unique())
    uniques = uniques[~uniques.str.lower().isin(MISSING_TOKENS)]
    if date_format is not None:
        fmt, ambiguous = date_format, False
    else:
        fmt, ambiguous = _detect_format(uniques)
    lookup = pd.Series(_to_datetime(uniques, fmt).to_numpy(), index=uniques.to_numpy())
    values = text.map(lookup)
    return _done(values, cells, fmt, ambiguous)


def _parse_numeric_dates(cells: pd.Series) -> ParsedDates:
    numbers = pd.to_numeric(cells, errors="coerce")
    present = numbers.dropna()
    low, high = EXCEL_SERIAL_RANGE
    if len(present) and present.between(low, high).all():
        values = pd.to_datetime(numbers, unit="D", origin="1899-12-30")
        return _done(values, cells, "excel serial")
    if len(present) and present.between(19000101, 21001231).all() and (present % 1 == 0).all():
        values = pd.to_datetime(numbers.astype("Int64").astype("string"), format="%Y%m%d", errors="coerce")
        return _done(values, cells, "%Y%m%d")
    return _done(pd.Series(pd.NaT, index=cells.index), cells, "none")


def _done(values: pd.Series, cells: pd.Series, fmt: str, ambiguous: bool = False) -> ParsedDates:
    values = pd.Series(values, index=cells.index)
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert(None)
    outside = pd.Series(False, index=cells.index)
    if pd.api.types.is_datetime64_any_dtype(values):
        # Placeholders such as 9999-12-31 are not sales dates (and overflow nanoseconds).
        low, high = DATE_RANGE
        outside = values.notna() & ((values < low) | (values > high))
        values = values.where(~outside)
    values = values.astype("datetime64[ns]")
    if pd.api.types.is_datetime64_any_dtype(cells) or pd.api.types.is_numeric_dtype(cells):
        filled = cells.notna()  # missing-value words are text: no need to print 1.5 M dates to look for them
    else:
        filled = cells.notna() & ~cells.astype("string").str.strip().str.lower().isin(MISSING_TOKENS)
    bad = cells[values.isna() & filled]
    return ParsedDates(values, fmt, bad, ambiguous, cells[outside.to_numpy()])


def _to_datetime(values: pd.Series, fmt: str) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return pd.to_datetime(values, format=fmt, errors="coerce")


def _detect_format(uniques: pd.Series) -> tuple[str, bool]:
    """Choose the format that reads the most sample values; break ties by regular spacing."""
    if uniques.empty:
        return "ISO8601", False
    sample = uniques.sample(min(len(uniques), SAMPLE_SIZE), random_state=0) if len(uniques) > SAMPLE_SIZE else uniques
    rates = {fmt: _to_datetime(sample, fmt).notna().mean() for fmt in DATE_FORMATS}
    best_rate = max(rates.values())
    if best_rate < 0.5:
        mixed = _to_datetime(sample, "mixed").notna().mean()
        if mixed > best_rate:
            return "mixed", False
    best = [fmt for fmt in DATE_FORMATS if rates[fmt] == best_rate]
    if len(best) == 1:
        return best[0], False
    # Several formats read everything (e.g. 03/04/2024): prefer the one with regular spacing.
    spread = {fmt: _spacing_irregularity(_to_datetime(uniques, fmt)) for fmt in best}
    ranked = sorted(best, key=lambda fmt: (spread[fmt], best.index(fmt)))
    ambiguous = len(ranked) > 1 and spread[ranked[0]] == spread[ranked[1]] and _day_month_pair(ranked[:2])
    return ranked[0], ambiguous


def _day_month_pair(formats: list[str]) -> bool:
    return {f.replace("%d", "X").replace("%m", "X") for f in formats}.__len__() == 1


def _spacing_irregularity(dates: pd.Series) -> int:
    """Number of distinct gaps between consecutive distinct dates (1 for a perfectly regular calendar)."""
    days = np.sort(dates.dropna().unique())
    if len(days) < 3:
        return 0
    return len(np.unique(np.diff(days)))


_NUMBER_JUNK = re.compile(r"[\s\u00a0$€£¥₹'’]|(?<=\d)(?:USD|EUR|GBP|CNY|RMB|元)$", re.IGNORECASE)
_US_THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_EU_NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})*,\d+$|^-?\d+,\d+$")


def parse_numbers(cells: pd.Series) -> ParsedNumbers:
    """Parse a column of numbers; missing markers become NaN, other text is reported as bad."""
    if pd.api.types.is_bool_dtype(cells):
        return ParsedNumbers(cells.astype("float64"), cells.iloc[:0])
    if pd.api.types.is_numeric_dtype(cells):
        values = cells.astype("float64")
        return ParsedNumbers(values.where(np.isfinite(values)), cells.iloc[:0])
    text = cells.astype("string").str.strip()
    uniques = pd.Series(text.dropna().unique())
    lookup = pd.Series(_numbers_from_text(uniques).to_numpy(), index=uniques.to_numpy(), dtype="float64")
    values = text.map(lookup).astype("float64")
    missing = text.isna() | text.str.lower().isin(MISSING_TOKENS)
    bad = cells[values.isna() & ~missing]
    return ParsedNumbers(values, bad)


def _numbers_from_text(text: pd.Series) -> pd.Series:
    lowered = text.str.lower()
    flags = pd.Series(np.where(lowered.isin(TRUE_TOKENS), 1.0, np.where(lowered.isin(FALSE_TOKENS), 0.0, np.nan)))
    cleaned = text.str.replace(_NUMBER_JUNK, "", regex=True)
    negative = cleaned.str.match(r"^\(.*\)$")
    cleaned = cleaned.str.strip("()")
    percent = cleaned.str.endswith("%")
    cleaned = cleaned.str.rstrip("%")
    decimal_comma = _uses_decimal_comma(cleaned)
    if decimal_comma:
        cleaned = cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    else:
        cleaned = cleaned.str.replace(",", "", regex=False)
    values = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    values = values.where(~negative, -values).where(~percent, values / 100)
    return values.fillna(flags).reset_index(drop=True)


def _uses_decimal_comma(text: pd.Series) -> bool:
    """True when commas are decimal marks (``12,5``, ``1.234,50``) rather than thousands separators."""
    with_comma = text[text.str.contains(",", regex=False)]
    if with_comma.empty:
        return False
    european = with_comma.str.match(_EU_NUMBER).mean()
    us = with_comma.str.match(_US_THOUSANDS).mean()
    return european > us
