"""The formula guard: text a spreadsheet would evaluate gets a leading ``'`` (OWASP CSV injection).

A text cell or column name that starts with ``= + - @``, a tab or a carriage
return is run by Excel or LibreOffice as a formula (``=HYPERLINK(...)``,
``+cmd|' /C calc'!A0``). :func:`neutralise` marks such text in a table before it
is written (:mod:`forecasting.data.export` uses it for every CSV and Excel file);
cells that are plain numbers written as text (``-5``, ``+1.5e3``) stay as they
are, since a spreadsheet reads them as numbers, and numeric columns stay
numbers. :func:`unneutralise` takes the mark off again when a file the studio
wrote is read back (adjustments, future plans). No imports from this floor, so
readers and writers can both use it.
"""

from __future__ import annotations

import re

import pandas as pd

#: First characters that make a spreadsheet evaluate a cell (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could evaluate ``text`` typed into a cell (a plain number is not)."""
    return text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text)


def guard(value):
    """``value`` with a leading ``'`` when it is text a spreadsheet would evaluate; anything else unchanged."""
    return GUARD + value if isinstance(value, str) and is_formula_like(value) else value


def unguard(value):
    """Undo :func:`guard`: drop the ``'`` in front of formula-like text (a file exported by the studio, read back)."""
    if isinstance(value, str) and value.startswith(GUARD) and is_formula_like(value[1:]):
        return value[1:]
    return value


def neutralise(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text cells and column names a spreadsheet would not evaluate.

    Numeric, boolean and date columns are returned as they are; text columns
    are checked with vectorised string methods, so this stays cheap on large forecasts.
    """
    out = table.rename(columns=guard)
    for position in range(out.shape[1]):
        guarded = _guard_column(out.iloc[:, position])
        if guarded is not None:
            if out is table:
                out = table.copy()
            out.isetitem(position, guarded)
    return out


def _guard_column(column: pd.Series) -> pd.Series | None:
    """The column with formula-like text guarded, or ``None`` when nothing changes."""
    if isinstance(column.dtype, pd.StringDtype):
        text = column
    elif isinstance(column.dtype, pd.CategoricalDtype) or pd.api.types.is_object_dtype(column.dtype):
        text = column.map(lambda v: v if isinstance(v, str) else None).astype("str")
    else:
        return None  # numbers, booleans and dates stay as they are
    risky = (text.str.startswith(FORMULA_STARTS) & ~text.str.fullmatch(_NUMBER.pattern)).fillna(False).astype(bool)
    if not risky.any():
        return None
    column = column.astype(object) if isinstance(column.dtype, pd.CategoricalDtype) else column
    return column.mask(risky, GUARD + text)


def unneutralise(table: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`neutralise` on a table of text cells read back from a studio export."""
    out = table.rename(columns=unguard)
    for position, (_, column) in enumerate(out.items()):
        if pd.api.types.is_string_dtype(column) or pd.api.types.is_object_dtype(column):
            out.isetitem(position, column.map(unguard, na_action="ignore"))
    return out
