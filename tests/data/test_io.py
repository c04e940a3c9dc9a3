"""Readers: CSV dialects and encodings, Excel, Parquet, and what is not data."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from forecasting.data.io import read_table
from forecasting.errors import DataReadError

ROWS = [("2024-01-01", "Äpfel", "3", "1.5"), ("2024-01-02", "Äpfel", "4", "1.5"), ("2024-01-03", "Äpfel", "5", "1.75")]


def _csv(delimiter=",", rows=ROWS, header=("date", "product", "units", "price")) -> str:
    lines = [delimiter.join(header)] + [delimiter.join(r) for r in rows]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_every_delimiter_is_detected(delimiter):
    table = read_table(_csv(delimiter).encode(), name="x.csv")
    assert list(table.frame.columns) == ["date", "product", "units", "price"]
    assert table.frame["units"].tolist() == [3, 4, 5]
    assert table.info.delimiter == delimiter


@pytest.mark.parametrize(
    ("encoding", "prefix", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8"),
        ("cp1252", b"", "cp1252"),
    ],
)
def test_text_encodings(encoding, prefix, expected):
    data = prefix + _csv().encode(encoding)
    table = read_table(data, name="x.csv")
    assert table.frame["product"].iloc[0] == "Äpfel"
    assert table.frame.columns[0] == "date"  # the byte-order mark is not part of the first name
    assert table.info.encoding == expected
    assert table.info.has_bom == bool(prefix)


def test_gb18030_chinese_export():
    text = "日期,商品,销量\n2024-01-01,绿茶,3\n2024-01-02,绿茶,4\n"
    table = read_table(text.encode("gb18030"), name="cn.csv")
    assert table.info.encoding == "gb18030"
    assert list(table.frame.columns) == ["日期", "商品", "销量"]
    assert table.frame["商品"].iloc[0] == "绿茶"


def test_crlf_line_endings():
    table = read_table(_csv().replace("\n", "\r\n").encode(), name="x.csv")
    assert table.frame["price"].tolist() == [1.5, 1.5, 1.75]


def test_title_lines_above_the_header_are_skipped_and_rows_keep_their_numbers():
    text = "Sales export\nGenerated 2024-02-01\n" + _csv()
    table = read_table(text.encode(), name="x.csv")
    assert list(table.frame.columns) == ["date", "product", "units", "price"]
    assert table.info.skipped_top == 2
    # Header is line 3 of the file, so the first data row is row 4.
    assert table.frame.index[0] == 4
    assert [i.kind for i in table.issues] == ["non_data_rows"]


def test_excel_workbook(tmp_path):
    path = tmp_path / "sales.xlsx"
    frame = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=3), "units": [1, 2, 3]})
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame().to_excel(writer, sheet_name="Notes")
        frame.to_excel(writer, sheet_name="Data", index=False, startrow=2)  # a gap above the header
    table = read_table(path)
    assert table.info.kind == "excel"
    assert table.info.sheet == "Data"
    assert table.frame["units"].tolist() == [1, 2, 3]
    assert pd.api.types.is_datetime64_any_dtype(table.frame["date"])


def test_excel_missing_sheet_is_named(tmp_path):
    path = tmp_path / "sales.xlsx"
    pd.DataFrame({"date": ["2024-01-01"], "units": [1]}).to_excel(path, index=False)
    with pytest.raises(DataReadError, match=r"has no sheet 'Other'; its sheets are 'Sheet1'"):
        read_table(path, sheet="Other")


def test_parquet(tmp_path):
    path = tmp_path / "sales.parquet"
    pd.DataFrame({"date": pd.date_range("2024-01-01", periods=3), "units": [1.0, 2.0, 3.0]}).to_parquet(path)
    table = read_table(path)
    assert table.info.kind == "parquet"
    assert table.frame["units"].sum() == 6


def test_file_objects_like_streamlit_uploads():
    upload = io.BytesIO(_csv().encode())
    upload.name = "upload.csv"
    table = read_table(upload)
    assert table.info.name == "upload.csv"
    assert len(table.frame) == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", r"x\.csv is empty; export the sales table again"),
        (b"\x00\x01\x02binary\x00" * 20, r"x\.csv is a binary file, not a table; upload a CSV, Excel \.xlsx or Parquet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 50, r"old Excel \.xls file; save it as \.xlsx or CSV"),
        (b"date units\n2024-01-01 3\n", r"only one column: no comma, semicolon, tab or \| separates the fields"),
        (b"date,units,units\n2024-01-01,3,4\n", r"two columns named 'units' \(columns 2 and 3\); rename one"),
        (b"PK\x03\x04garbage", r"cannot be opened as an Excel workbook"),
    ],
)
def test_unreadable_files_get_one_clear_message(data, message):
    with pytest.raises(DataReadError, match=message):
        read_table(data, name="x.csv")


def test_size_limit_is_checked_before_parsing(tmp_path):
    path = tmp_path / "big.csv"
    path.write_text(_csv() * 200)
    with pytest.raises(DataReadError, match=r"big\.csv is .* MB, above the 0.001 MB limit; .*raise the limit \(--max-mb\)"):
        read_table(path, max_mb=0.001)


def test_missing_path():
    with pytest.raises(DataReadError, match=r"does not exist; check the path"):
        read_table("/nonexistent/sales.csv")
