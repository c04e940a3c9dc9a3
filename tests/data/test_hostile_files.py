"""Hostile files through the library: formula injection in exports, upload bombs, odd values, markup.

Every hostile file is generated here, so the corpus documents the attack it pins.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import openpyxl
import pandas as pd
import pytest

from forecasting.analysis.adjustments import Adjustment, adjustments_to_csv, read_adjustments, to_table
from forecasting.data.export import csv_bytes, excel_bytes, guard, is_formula_like, neutralise, unguard, unneutralise

#: Cell texts a spreadsheet evaluates (OWASP CSV injection examples).
PAYLOADS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "-1+1", "@SUM(A1)", "\t=1+1", "\r=1+1"]


def evaluated_cells(data: bytes) -> list[str]:
    """Cells of a CSV that a spreadsheet would evaluate as formulas."""
    rows = csv.reader(io.StringIO(data.decode("utf-8"), newline=""))
    return [cell for row in rows for cell in row if is_formula_like(cell)]


def formula_cells(data: bytes) -> list[str]:
    """Cells of an .xlsx stored as formulas, or holding text a spreadsheet would evaluate when edited."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [f"{sheet.title}!{cell.coordinate}" for sheet in book.worksheets for row in sheet.iter_rows()
            for cell in row if cell.data_type == "f" or (isinstance(cell.value, str) and is_formula_like(cell.value))]


def hostile_table() -> pd.DataFrame:
    n = len(PAYLOADS)
    return pd.DataFrame({
        "unique_id": PAYLOADS,
        "=cmd|' /C calc'!A0": np.arange(n, dtype=float),  # a hostile column name over numbers
        "yhat": -np.arange(n, dtype=float),  # negative numbers are numbers, not formulas
        "category": pd.Categorical(["@x", "-2", "ok", "=1", "+1.5", "b"]),
        "mixed": pd.Series(["=A1", 3, None, "-7", "x", np.nan], dtype=object),
        "ds": pd.date_range("2026-01-01", periods=n),
    })


@pytest.mark.parametrize("payload", PAYLOADS)
def test_guard_marks_each_payload_and_unguard_restores_it(payload):
    assert is_formula_like(payload)
    assert guard(payload) == "'" + payload and not is_formula_like(guard(payload))
    assert unguard(guard(payload)) == payload


@pytest.mark.parametrize("text", ["-5", "+1.5", "-2.5e3", "SKU-001", "plain", "'already quoted", ""])
def test_numbers_and_ordinary_text_are_left_alone(text):
    assert guard(text) == text and unguard(text) == text


def test_neutralise_keeps_numbers_and_dates_and_guards_text_and_names():
    table = hostile_table()
    safe = neutralise(table)
    assert list(safe.columns) == ["unique_id", "'=cmd|' /C calc'!A0", "yhat", "category", "mixed", "ds"]
    assert safe["unique_id"].tolist() == ["'" + p for p in PAYLOADS]
    assert safe["yhat"].dtype == float and safe["yhat"].tolist() == table["yhat"].tolist()
    assert safe["ds"].equals(table["ds"])
    assert safe["category"].tolist() == ["'@x", "-2", "ok", "'=1", "+1.5", "b"]
    assert safe["mixed"].tolist()[:2] == ["'=A1", 3] and safe["mixed"].tolist()[3] == "-7"
    assert table["unique_id"].tolist() == PAYLOADS  # the caller's table is not changed
    back = unneutralise(safe.astype({"category": "str"}))
    assert back.columns.tolist() == table.columns.tolist() and back["unique_id"].tolist() == PAYLOADS


def test_a_csv_export_has_no_cell_a_spreadsheet_evaluates_and_reads_back_as_numbers():
    data = csv_bytes(hostile_table())
    assert evaluated_cells(data) == []
    read = pd.read_csv(io.BytesIO(data))
    assert len(read) == len(PAYLOADS)  # a carriage return inside a cell is quoted, not a row break
    assert read["yhat"].tolist() == hostile_table()["yhat"].tolist()


def test_the_excel_export_has_no_formula_and_keeps_numbers_as_numbers():
    table = hostile_table()
    data = excel_bytes({"forecast": table, "=sheet": table})
    assert formula_cells(data) == []
    read = pd.read_excel(io.BytesIO(data), sheet_name="forecast")
    assert read["yhat"].tolist() == table["yhat"].tolist()
    assert read["unique_id"].tolist()[:5] == ["'" + p for p in PAYLOADS[:5]]  # XML stores a lone CR as LF


def test_an_exported_adjustments_file_is_guarded_and_imports_back_unchanged():
    start, end = pd.Timestamp("2026-01-01"), pd.Timestamp("2026-01-07")
    table = to_table([Adjustment("=HYPERLINK(\"http://x\",\"y\")", start, end, "percent", -5.0, "@SUM(A1)"),
                      Adjustment("-1+1", start, end, "absolute", 2.5, '=1+1 "quoted"')])
    exported = adjustments_to_csv(table)
    assert evaluated_cells(exported) == []
    assert b",-5.0," in exported  # the value is a number, not guarded text
    pd.testing.assert_frame_equal(read_adjustments(exported), table)
