"""Hostile files through the library: formula injection in exports, upload bombs, odd values, markup.

Every hostile file is generated here, so the corpus documents the attack it pins.
"""

from __future__ import annotations

import csv
import io
import warnings

import numpy as np
import openpyxl
import pandas as pd
import pytest

from forecasting.analysis.adjustments import Adjustment, adjustments_to_csv, read_adjustments, to_table
from forecasting.data import cleaning, mapping
from forecasting.data.dataset import load_dataset
from forecasting.data.export import csv_bytes, excel_bytes, guard, is_formula_like, neutralise, unguard, unneutralise
from forecasting.data.io import read_table
from forecasting.data.limits import ReadLimits
from forecasting.errors import ConfigError, DataReadError, DataValidationError
from tests.data import hostile_corpus as corpus

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


# --- upload bombs: refused from the file's own directory or metadata, before they expand -----------------------

def refused(data: bytes, name: str, limits: ReadLimits | None = None) -> str:
    with pytest.raises(DataReadError) as caught:
        read_table(data, name=name, limits=limits)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_cell_at_xfd1048576_is_refused_from_the_sheet_dimension():
    data = corpus.far_cell_xlsx()
    assert len(data) < 8_000
    message = refused(data, "far.xlsx")
    assert "spans 1,048,576 rows x 16,384 columns" in message and "(--max-cells)" in message


def test_without_a_dimension_the_far_cell_is_found_while_streaming():
    message = refused(corpus.far_cell_xlsx(with_dimension=False), "far.xlsx")
    assert "more than 100,000 empty rows in a row after row 2" in message


def test_rows_are_counted_while_streaming_a_sheet_without_dimension():
    message = refused(corpus.deep_rows_xlsx(3_000), "deep.xlsx", ReadLimits(max_rows=1_000))
    assert "has more than 1,000 rows" in message and "(--max-rows)" in message
    assert read_table(corpus.deep_rows_xlsx(3_000), name="deep.xlsx").frame.shape == (3_000, 1)


def test_a_part_that_inflates_a_thousandfold_is_refused_from_the_zip_directory():
    data = corpus.inflating_xlsx(20)
    assert len(data) < 100_000
    message = refused(data, "inflate.xlsx")
    assert "xl/worksheets/sheet1.xml inflates" in message and "times its compressed size" in message


def test_an_entity_expansion_bomb_is_a_read_error():
    assert "declares a DTD" in refused(corpus.entity_bomb_xlsx(), "laughs.xlsx")
    # a DTD hidden behind a long comment meets the XML parser's own amplification limit
    assert "cannot be read" in refused(corpus.entity_bomb_xlsx(hidden=True), "laughs.xlsx")


def test_only_the_chosen_sheet_is_read():
    book = openpyxl.Workbook()
    book.active.append(["date", "units"])
    book.active.append(["2025-01-01", 3])
    book.create_sheet("junk")["XFD1048576"] = 1  # a bomb on a sheet nobody asked for
    buffer = io.BytesIO()
    book.save(buffer)
    raw = read_table(buffer.getvalue(), name="two.xlsx")
    assert raw.info.sheet == "Sheet" and raw.frame["units"].tolist() == [3]
    with pytest.raises(DataReadError, match="sheet 'junk', spans 1,048,576 rows"):
        read_table(buffer.getvalue(), name="two.xlsx", sheet="junk")


def test_parquet_rows_and_columns_are_checked_from_the_metadata():
    data = corpus.many_rows_parquet(2_000_000)
    assert len(data) < 200_000
    message = refused(data, "rows.parquet", ReadLimits(max_rows=1_000_000))
    assert message.startswith("rows.parquet has 2,000,000 rows, above the limit of 1,000,000 rows")
    assert "(--max-rows)" in message
    assert "has 2 columns, above the limit of 1 columns" in refused(data, "rows.parquet", ReadLimits(max_columns=1))


def test_parquet_lists_and_records_are_a_clear_error():
    message = refused(corpus.nested_parquet(), "nested.parquet")
    assert "'tags' (list<element: string>)" in message and "'meta' (struct<x: int64>)" in message
    assert "flatten them" in message


def test_csv_columns_and_rows_are_capped_before_parsing():
    assert "wide.csv has 301 columns, above the limit of 300 columns" in refused(
        corpus.wide_csv(300), "wide.csv", ReadLimits(max_columns=300))
    assert "has more than 50 rows" in refused(corpus.wide_csv(3, rows=60), "long.csv", ReadLimits(max_rows=50))


def test_series_are_capped_after_mapping():
    with pytest.raises(DataReadError, match=r"ids.csv has 1,000 series, above the limit of 999 series.*--max-series\) and run it on Dask workers \(--workers\)"):
        load_dataset(corpus.many_ids_csv(1_000), name="ids.csv", limits=ReadLimits(max_series=999))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 0, -1])
def test_limits_must_be_positive_finite_numbers(bad):
    with pytest.raises(ConfigError, match="must be a positive number"):
        ReadLimits(max_mb=bad)


# --- work linear in columns and vectorised over series ----------------------------------------------------------

def test_mapping_a_10000_column_table_scans_the_columns_once(monkeypatch):
    raw = read_table(corpus.wide_csv(10_000, rows=30), name="wide.csv")
    calls = []
    original = mapping.row_number_columns
    monkeypatch.setattr(mapping, "row_number_columns", lambda frame: calls.append(1) or original(frame))
    found = mapping.detect_mapping(raw.frame)
    assert len(found.series) == 10_000 and found.date == "date"
    assert len(calls) == 1  # it ran once per column before: 10,000 full scans


def test_vectorised_cleaning_steps_match_the_per_series_definition():
    rng = np.random.default_rng(5)
    ids = np.repeat([f"S{i}" for i in range(40)], 30)
    values = pd.Series(rng.poisson(4, len(ids)).astype(float))
    values[rng.random(len(ids)) < 0.3] = np.nan
    frame = pd.DataFrame({"unique_id": ids, "ds": np.tile(pd.date_range("2025-01-01", periods=30), 40), "y": values})
    expected = frame.groupby("unique_id")["y"].transform(lambda s: s.interpolate(limit_direction="both"))
    np.testing.assert_allclose(cleaning._interpolate_within(frame["y"], frame["unique_id"]), expected)
    dense = frame.assign(y=frame["y"].fillna(0))
    root = np.sqrt(dense["y"])
    level = root.groupby(dense["unique_id"]).transform(lambda s: s.rolling(7, center=True, min_periods=1).median())
    np.testing.assert_allclose(cleaning._robust_band(dense, "D", "mad").level, level)


# --- values that overflow, settings that are not numbers ------------------------------------------------------

def test_a_target_of_1e308_is_a_validation_error_without_numpy_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any overflow warning fails the test
        with pytest.raises(DataValidationError, match=r"numbers too large to be sales data .*1e\+308 \(row 6\)"):
            load_dataset(corpus.huge_target_csv(), name="huge.csv")


@pytest.mark.parametrize("value", ["nan", "inf", "abc"])
def test_a_hyperparameter_that_is_not_a_finite_number_is_a_config_error(value):
    from forecasting.models.registry import get_model  # noqa: PLC0415

    with pytest.raises(ConfigError, match=r"ridge: alpha="):
        get_model("ridge", alpha=value)


def test_an_exported_plan_with_formula_ids_reads_back_as_typed():
    from forecasting.data.convert import future_drivers  # noqa: PLC0415
    from forecasting.schema import ColumnMapping  # noqa: PLC0415

    plan = pd.DataFrame({"date": ["2026-01-01", "2026-01-02"], "sku": ["=A1", "@B"], "price": [1.5, 2.0]})
    written = pd.read_csv(io.BytesIO(csv_bytes(plan)), dtype=str)
    assert written["sku"].tolist() == ["'=A1", "'@B"]
    mapping = ColumnMapping(date="date", target="units", ids=("sku",), price="price")
    assert sorted(future_drivers(written, mapping)["unique_id"]) == ["=A1", "@B"]
