"""Downloads and written tables: the user's own id columns back, and no cell a spreadsheet would run.

Every table the studio writes (the command line's CSV files, the app's CSV and
Excel downloads) goes through :func:`neutralise` here, so ids, categories,
product names and reasons taken from an upload cannot become formulas when the
file is opened in Excel or LibreOffice (CSV injection, OWASP): a text cell or
column name that starts with ``= + - @``, a tab or a carriage return gets a
leading ``'``. Cells that are plain numbers written as text (``-5``, ``+1.5e3``)
are left alone, since a spreadsheet reads them as numbers; numeric columns stay
numbers. :func:`unguard` removes the mark again when such a file is read back
(the Review page's adjustments import).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from ..errors import ConfigError
from ..schema import ColumnMapping
from .convert import ID_SEPARATOR

#: First characters that make a spreadsheet evaluate a cell (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def with_id_columns(table: pd.DataFrame, mapping: ColumnMapping) -> pd.DataFrame:
    """Add the original id columns (split back out of ``unique_id``) so a download joins to the user's systems."""
    ids = list(mapping.ids)
    if not ids or ids == ["unique_id"]:
        return table
    if len(ids) == 1:  # the id is the whole unique_id, even when it contains the separator
        return table if ids[0] in table.columns else table.assign(**{ids[0]: table["unique_id"]})
    parts = table["unique_id"].str.split(ID_SEPARATOR, n=len(ids) - 1, expand=True, regex=False)
    return table.assign(**{column: parts[i] for i, column in enumerate(ids) if column not in table.columns})


def plan_for_upload(plan: pd.DataFrame, mapping: ColumnMapping) -> pd.DataFrame:
    """A future plan under the sales file's own column names, the shape ``--future`` and the plan upload read.

    A price derived from a sales value (no price column) keeps the name ``price``, which the reader accepts.
    """
    names = {"ds": mapping.date, "price": mapping.price or "price", "promo": mapping.promo or "promo"}
    table = with_id_columns(plan, mapping).rename(columns={k: v for k, v in names.items() if v})
    if list(mapping.ids) and list(mapping.ids) != ["unique_id"]:
        table = table.drop(columns="unique_id")
    ids = [c for c in mapping.ids if c in table.columns]
    return table[ids + [c for c in table.columns if c not in ids]]


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


def csv_text(table: pd.DataFrame, **options) -> str:
    """The table as CSV text, neutralised (``options`` go to :meth:`pandas.DataFrame.to_csv`, index off by default)."""
    safe = neutralise(table)
    if _has_carriage_return(safe):  # the csv module quotes a lone CR only when it is in the line terminator
        options.setdefault("quoting", csv.QUOTE_NONNUMERIC)
    return safe.to_csv(index=options.pop("index", False), **options)


def _has_carriage_return(table: pd.DataFrame) -> bool:
    if any("\r" in str(c) for c in table.columns):
        return True
    return any(column.astype("str").str.contains("\r", regex=False).any() for _, column in table.items()
               if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_datetime64_any_dtype(column)))


def csv_bytes(table: pd.DataFrame, **options) -> bytes:
    """:func:`csv_text` as UTF-8 bytes: what a download button serves."""
    return csv_text(table, **options).encode("utf-8")


def write_csv(table: pd.DataFrame, path: str | Path, **options) -> None:
    """Write the table to ``path`` as neutralised CSV."""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        handle.write(csv_text(table, **options))


def excel_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An .xlsx workbook with one sheet per table (names cut to Excel's 31 characters), dates as dates.

    Cells are neutralised as for CSV, and then every cell is forced to be a value:
    openpyxl stores any string starting with ``=`` as a live formula, so no
    cell of the workbook may keep the formula type.
    """
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, table in sheets.items():
            neutralise(table).to_excel(writer, sheet_name=name[:31], index=False)
        for sheet in writer.book.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f":
                        cell.data_type = "s"
    return buffer.getvalue()


def check_writable(path: str | Path | None) -> None:
    """Refuse an output path whose folder does not exist, before any work is done (typed error, one line)."""
    if path is None:
        return
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if target.is_dir():
        raise ConfigError(f"{str(target)!r} is a folder; give a file name to write to")
    if not folder.is_dir():
        raise ConfigError(f"the folder {str(folder)!r} of the output file {str(target)!r} does not exist; "
                          "create it first or write somewhere else")
