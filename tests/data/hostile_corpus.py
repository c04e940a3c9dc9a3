"""Hostile files, generated on demand (bytes), for the library, command-line and app tests and the benchmark.

Each builder documents the attack it makes. Sizes are parameters so tests stay quick while
``bench/bench_hostile.py`` builds the full-size bombs of issue #10.
"""

from __future__ import annotations

import io
import re
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

#: Cell texts a spreadsheet evaluates (OWASP CSV injection examples).
FORMULAS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-1+1"]
#: Text that renders as a link or an image wherever Streamlit renders markdown, or plotly its HTML subset.
MARKDOWN_LINK = "[Session expired - click to log in again](https://evil.example/login)"
MARKDOWN_IMAGE = "![x](https://evil.example/pixel.png)"
HTML_LINK = '<a href="https://evil.example">click</a>'


def sales_csv(ids: list[str], *, days: int = 120, category: str = "=cat") -> bytes:
    """Daily sales of a few series with the given (hostile) ids."""
    dates = pd.date_range("2025-01-01", periods=days, freq="D")
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({
        "date": np.tile(dates.strftime("%Y-%m-%d"), len(ids)),
        "sku": np.repeat(ids, days),
        "category": category,
        "units": rng.poisson(5, days * len(ids)),
    })
    return frame.to_csv(index=False).encode()


def _workbook(rows: list[list]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _replace_part(data: bytes, part: str, change) -> bytes:
    """The workbook with one zip part rewritten by ``change(bytes) -> bytes``."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            target.writestr(item.filename, change(content) if item.filename == part else content)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"


def far_cell_xlsx(*, with_dimension: bool = True) -> bytes:
    """About 2 KB: a header and one cell at XFD1048576, the last cell Excel has (17 billion cells of grid).

    Without its ``<dimension>`` element the sheet must be measured while it is streamed.
    """
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["date", "units"])
    sheet.append(["2025-01-01", 1])
    sheet["XFD1048576"] = 1
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    if not with_dimension:
        data = _replace_part(data, SHEET, lambda xml: re.sub(rb"<dimension [^>]*/>", b"", xml))
    return data


def deep_rows_xlsx(rows: int) -> bytes:
    """A sheet with cells in ``rows`` rows and no ``<dimension>``: only counting while streaming finds its size."""
    xml = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>']
    xml.append('<row r="1"><c r="A1" t="inlineStr"><is><t>units</t></is></c></row>')
    xml.extend(f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>' for r in range(2, rows + 2))
    xml.append("</sheetData></worksheet>")
    return _replace_part(_workbook([["x"]]), SHEET, lambda _: "".join(xml).encode())


def inflating_xlsx(megabytes: int = 20) -> bytes:
    """A sheet padded with whitespace between elements: legal XML that deflates about a thousandfold."""
    padding = b" " * (megabytes * 1024 * 1024)
    return _replace_part(_workbook([["date", "units"], ["2025-01-01", 1]]), SHEET,
                         lambda xml: xml.replace(b"<sheetData>", b"<sheetData>" + padding, 1))


def entity_bomb_xlsx(*, hidden: bool = False) -> bytes:
    """Billion laughs in the sheet: ten levels of ten references expand one entity to 10^9 copies.

    ``hidden`` puts a 64 KB comment before the DTD, past any quick look at the start of the part,
    so that the XML parser's own limit on entity amplification must stop it.
    """
    entities = ['<!ENTITY lol0 "lol">'] + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
    comment = f"<!--{'x' * 65536}-->" if hidden else ""
    doctype = f"{comment}<!DOCTYPE worksheet [{''.join(entities)}]>"

    def bomb(xml: bytes) -> bytes:
        return doctype.encode() + xml.replace(b"<t>units</t>", b"<t>&lol9;</t>", 1)
    return _replace_part(_workbook([["date", "units"], ["2025-01-01", 1]]), SHEET, bomb)


def many_rows_parquet(rows: int) -> bytes:
    """A constant column of ``rows`` rows: run-length encoding makes 20 M rows a file of a few hundred KB."""
    table = pa.table({"date": pa.array(np.full(rows, np.datetime64("2025-01-01", "ms"))),
                      "units": pa.array(np.ones(rows, dtype="int64"))})
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()


def nested_parquet() -> bytes:
    """A Parquet file whose columns hold lists and records, not single values."""
    table = pa.table({"date": ["2025-01-01", "2025-01-02"], "units": [1, 2],
                      "tags": [["a", "b"], ["c"]], "meta": [{"x": 1}, {"x": 2}]})
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    return buffer.getvalue()


def wide_csv(columns: int, rows: int = 60) -> bytes:
    """One date column and ``columns`` numeric columns: a wide table of that many series."""
    rng = np.random.default_rng(3)
    values = rng.integers(0, 9, size=(rows, columns))
    header = "date," + ",".join(f"s{i}" for i in range(columns))
    dates = pd.date_range("2025-01-01", periods=rows).strftime("%Y-%m-%d")
    lines = [header] + [d + "," + ",".join(map(str, row)) for d, row in zip(dates, values, strict=True)]
    return ("\n".join(lines) + "\n").encode()


def many_ids_csv(series: int, days: int = 3) -> bytes:
    """``series`` distinct ids with a few days each."""
    ids = np.char.add("ID", np.arange(series).astype(str))
    dates = pd.date_range("2025-01-01", periods=days).strftime("%Y-%m-%d").to_numpy()
    units = np.random.default_rng(11).poisson(3, series * days)
    frame = pd.DataFrame({"date": np.tile(dates, series), "sku": np.repeat(ids, days), "units": units})
    return frame.to_csv(index=False).encode()


def huge_target_csv() -> bytes:
    """A normal panel with a few targets of 1e308: any sum overflows to infinity."""
    text = sales_csv(["A", "B"], days=60).decode().splitlines()
    text[5] = text[5].rsplit(",", 1)[0] + ",1e308"
    return ("\n".join(text) + "\n").encode()
