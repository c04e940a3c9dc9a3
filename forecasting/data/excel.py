"""Read one sheet of an .xlsx workbook within :class:`~forecasting.data.limits.ReadLimits`.

A workbook is a zip of XML parts, and each way it can blow up is checked
before the work it would cause: the parts' uncompressed sizes and
compression ratios from the zip directory (the reader never inflates more than
a part declares), a DTD in any part (a workbook never has one; entity
expansion lives there), the sheet's declared ``dimension`` (one cell at
XFD1048576 would make a grid of 17 billion cells), and, while streaming the
chosen sheet with openpyxl's read-only mode, its real rows, columns and cells.
Only the chosen sheet is read; empty columns are never materialised.

Cells convert as pandas' own Excel reader converts them (whole numbers as
integers, error cells as missing), and the grid goes through the same text
parser, so the result matches ``pandas.read_excel(header=None)``.
"""

from __future__ import annotations

import io
import zipfile
from xml.etree.ElementTree import ParseError

import numpy as np
import pandas as pd
from pandas.io.parsers import TextParser

from ..errors import DataReadError
from .issues import examples
from .limits import ReadLimits

MB = 1024 * 1024
PROLOG_BYTES = 4096  # a DTD must come before the root element, so it sits in the first bytes of a part
HEADER_SLACK = 1_000  # title and note lines above the header do not count against the row limit
MAX_EMPTY_RUN = 100_000  # a run of empty rows this long is a sheet padded to blow up, not a table


def read_sheet(data: bytes, name: str, sheet: str | None, limits: ReadLimits) -> tuple[pd.DataFrame, str, tuple[str, ...]]:
    """The grid of one sheet (no header yet), the sheet's name, and every sheet name in the workbook.

    Without ``sheet``, the first sheet that has any data is read.
    """
    check_archive(data, name, limits)
    import openpyxl  # noqa: PLC0415 - only Excel uploads pay for the import

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except (ValueError, KeyError, OSError, TypeError, IndexError, AttributeError, zipfile.BadZipFile,
            ParseError) as exc:
        raise DataReadError(f"{name} cannot be opened as an Excel workbook ({_short(exc)}); save it again as .xlsx") from None
    try:
        names = tuple(book.sheetnames)
        if sheet is not None and sheet not in names:
            raise DataReadError(f"{name} has no sheet {sheet!r}; its sheets are {examples(names, 10)}")
        for candidate in [sheet] if sheet is not None else names:
            rows = _sheet_rows(book[candidate], name, candidate, limits)
            if rows:
                return _grid(rows, name, limits), candidate, names
    except (ValueError, KeyError, TypeError, IndexError, AttributeError, zipfile.BadZipFile, ParseError) as exc:
        if isinstance(exc, DataReadError):
            raise
        raise DataReadError(f"{name} has a sheet that cannot be read ({_short(exc)}); save it again as .xlsx") from None
    finally:
        book.close()
    raise DataReadError(f"{name} has no data in any sheet; put the sales table on the first sheet")


def check_archive(data: bytes, name: str, limits: ReadLimits) -> None:
    """Refuse a workbook whose parts inflate too far, or that carries a DTD (entity expansion)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise DataReadError(f"{name} cannot be opened as an Excel workbook ({_short(exc)}); save it again as .xlsx") from None
    total = sum(part.file_size for part in parts)
    limits.check(f"{name} unpacks to {total / MB:,.0f} MB", total / MB, "max_unpacked_mb", " MB")
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > MB and ratio > limits.max_ratio:
            raise limits.refuse(f"{name}: its part {part.filename} inflates {ratio:,.0f} times "
                                f"(to {part.file_size / MB:,.0f} MB)", ratio, "max_ratio")
        if part.filename.endswith((".xml", ".rels")):
            with archive.open(part) as handle:
                prolog = handle.read(PROLOG_BYTES)
            if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
                raise DataReadError(f"{name}: its part {part.filename} declares a DTD, which Excel never writes "
                                    "(a sign of an entity-expansion attack); save the workbook again from Excel")


def _sheet_rows(ws, name: str, title: str, limits: ReadLimits) -> list[list[tuple[int, object]]]:
    """The sheet's rows as ``(column, value)`` pairs of filled cells, trailing empty rows cut, within the limits.

    Rows are kept sparse, so memory follows the filled cells, never the declared width.
    """
    where = f"{name}, sheet {title!r},"
    declared_rows, declared_columns = ws.max_row, ws.max_column  # from the sheet's <dimension>, if any
    if declared_rows and declared_columns:
        limits.check(f"{where} spans {declared_columns:,} columns", declared_columns, "max_columns")
        limits.check(f"{where} spans {declared_rows:,} rows", declared_rows, "max_rows")
        limits.check(f"{where} spans {declared_rows:,} rows x {declared_columns:,} columns",
                     declared_rows * declared_columns, "max_cells")
    ws.reset_dimensions()  # a declared dimension may also be too small: read what is really there
    rows: list[list[tuple[int, object]]] = []
    last, cells = -1, 0
    for number, row in enumerate(ws.rows):
        if number >= limits.max_rows + HEADER_SLACK:
            raise limits.refuse(f"{where} has more than {limits.max_rows:,} rows", number, "max_rows")
        filled = [(i, v) for i, v in enumerate(map(_value, row)) if v is not None]
        if filled:
            last = number
            limits.check(f"{where} row {number + 1} reaches column {filled[-1][0] + 1:,}", filled[-1][0] + 1,
                         "max_columns")
            cells += len(filled)
            limits.check(f"{where} has more than {limits.max_cells:,} filled cells", cells, "max_cells")
        elif number - last > MAX_EMPTY_RUN:
            raise DataReadError(f"{where} has more than {MAX_EMPTY_RUN:,} empty rows in a row after row {last + 1}, "
                                "which no sales table has; delete the empty rows or copy the table to a new sheet")
        rows.append(filled)
    return rows[: last + 1]


def _grid(rows: list[list[tuple[int, object]]], name: str, limits: ReadLimits) -> pd.DataFrame:
    """Rows to a frame over the columns that hold anything (as pandas.read_excel with header=None)."""
    used = sorted({i for row in rows for i, _ in row})
    limits.check(f"{name} has {len(rows):,} rows x {len(used):,} filled columns", len(rows) * len(used), "max_cells")
    position = {column: k for k, column in enumerate(used)}
    data = []
    for row in rows:
        dense = [""] * len(used)
        for column, value in row:
            dense[position[column]] = value
        data.append(dense)
    frame = TextParser(data, header=None, skip_blank_lines=False).read()
    frame.columns = used  # the sheet's own column positions (0 = A)
    return frame


def _value(cell):
    """A cell as pandas' Excel reader converts it: errors missing, whole numbers as int, empty as None."""
    value = cell.value
    if value is None or cell.data_type == "e":
        return None if value is None else np.nan
    if cell.data_type == "n" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 120 else text[:120].rsplit(" ", 1)[0] + " ..."
