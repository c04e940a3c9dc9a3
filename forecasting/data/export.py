"""Downloads and written tables: the user's own id columns back, and no cell a spreadsheet would run.

Every table the studio writes (the command line's CSV files, the app's CSV and
Excel downloads) goes through :func:`csv_bytes`, :func:`write_csv` or
:func:`excel_bytes` here, which apply :func:`~forecasting.data.formulas.neutralise`:
ids, categories, product names and reasons taken from an upload cannot become
formulas when the file is opened in Excel or LibreOffice (CSV injection, OWASP).
The Excel workbook, in addition, holds no formula cell at all.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from ..errors import ConfigError
from ..schema import ColumnMapping
from .convert import ID_SEPARATOR
from .formulas import FORMULA_STARTS, GUARD, guard, is_formula_like, neutralise, unguard, unneutralise

__all__ = ["FORMULA_STARTS", "GUARD", "check_writable", "csv_bytes", "csv_text", "excel_bytes", "guard",
           "is_formula_like", "neutralise", "plan_for_upload", "unguard", "unneutralise", "with_id_columns",
           "write_csv"]

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
