"""Read an uploaded sales file (CSV, Excel, Parquet) into a raw table.

The reader finds out the file type from its bytes, the text encoding, the
column delimiter and the header line (skipping title lines above it), so the
user does not have to. The frame's index is the row number the user sees in a
spreadsheet (the header is row 1), which every later message quotes.
"""

from __future__ import annotations

import csv
import io
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

import pandas as pd

from ..errors import DataReadError
from .excel import read_sheet
from .issues import Issue
from .limits import DEFAULT_MAX_MB, ReadLimits

__all__ = ["DEFAULT_MAX_MB", "RawTable", "ReadInfo", "ReadLimits", "read_table"]
SNIFF_LINES = 40
DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

Kind = Literal["csv", "excel", "parquet"]
Source = str | Path | bytes | BinaryIO


@dataclass(frozen=True)
class ReadInfo:
    """How a file was read, for the quality report."""

    name: str
    kind: Kind
    n_bytes: int
    encoding: str | None = None
    has_bom: bool = False
    delimiter: str | None = None
    skipped_top: int = 0
    sheet: str | None = None
    sheets: tuple[str, ...] = ()


@dataclass(frozen=True)
class RawTable:
    """A file as read: string or typed cells, one column per header field."""

    frame: pd.DataFrame
    info: ReadInfo
    issues: tuple[Issue, ...] = field(default_factory=tuple)
    limits: ReadLimits = field(default_factory=ReadLimits)  # what it was read within; mapping checks series


def read_table(
    source: Source,
    *,
    name: str | None = None,
    max_mb: float = DEFAULT_MAX_MB,
    sheet: str | None = None,
    limits: ReadLimits | None = None,
) -> RawTable:
    """Read a CSV, Excel ``.xlsx`` or Parquet file.

    Parameters
    ----------
    source
        A path, the file's bytes, or a binary file object (such as a Streamlit upload).
    name
        Display name for messages; defaults to the path's or object's name.
    max_mb
        Files larger than this are refused before they are parsed (``limits.max_mb`` when ``limits`` is given).
    sheet
        Excel only: the sheet to read (default: the first sheet with data).
    limits
        Caps on size, rows, columns, cells and series (:class:`ReadLimits`), each checked
        before the work that would exceed it.
    """
    limits = limits or ReadLimits(max_mb=max_mb)
    data, name = _read_bytes(source, name, limits.max_mb)
    kind = _detect_kind(data, name)
    if kind == "parquet":
        raw = _read_parquet(data, name, limits)
    elif kind == "excel":
        raw = _read_excel(data, name, sheet, limits)
    else:
        raw = _read_csv(data, name, limits)
    frame = raw.frame
    limits.check(f"{name} has {len(frame):,} rows", len(frame), "max_rows")
    limits.check(f"{name} has {frame.shape[1]:,} columns", frame.shape[1], "max_columns")
    return RawTable(frame, raw.info, raw.issues, limits)


def _read_bytes(source: Source, name: str | None, max_mb: float) -> tuple[bytes, str]:
    limit = int(max_mb * 1024 * 1024)
    if isinstance(source, (str, Path)):
        path = Path(source)
        name = name or path.name
        if not path.is_file():
            raise DataReadError(f"file {str(path)!r} does not exist; check the path")
        size = path.stat().st_size
        _check_size(size, limit, name, max_mb)
        return path.read_bytes(), name
    if isinstance(source, bytes):
        data = source
    else:
        name = name or getattr(source, "name", None)
        data = source.getvalue() if hasattr(source, "getvalue") else source.read(limit + 1)
    name = name or "upload"
    _check_size(len(data), limit, name, max_mb)
    return data, name


def _check_size(size: int, limit: int, name: str, max_mb: float) -> None:
    if size > limit:
        raise DataReadError(
            f"{name} is {_megabytes(size)}, above the {max_mb:g} MB limit",
            fix="filter it to fewer rows or columns, or raise the limit ({max_mb})",
        )


def _megabytes(size: float) -> str:
    mb = size / 1024 / 1024
    return f"{mb:,.0f} MB" if mb >= 10 else f"{mb:.3g} MB"


def _detect_kind(data: bytes, name: str) -> Kind:
    if not data.lstrip(b"\xef\xbb\xbf\xff\xfe").strip(b" \t\r\n\x00"):
        raise DataReadError(f"{name} is empty; export the sales table again with a header row and data rows")
    if data[:4] == b"PAR1":
        return "parquet"
    if data[:4] == b"PK\x03\x04":
        return "excel"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise DataReadError(f"{name} is an old Excel .xls file; save it as .xlsx or CSV and upload it again")
    head = data[:8192]
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DataReadError(f"{name} is a binary file, not a table; upload a CSV, Excel .xlsx or Parquet file")
    return "csv"


# --- CSV -------------------------------------------------------------------


def _read_csv(data: bytes, name: str, limits: ReadLimits) -> RawTable:
    text, encoding, has_bom = _decode(data, name)
    lines = _head_lines(text)
    del text  # pandas parses the bytes; keeping a decoded copy would double the memory
    delimiter = _sniff_delimiter(lines, name)
    rows = list(csv.reader(lines, delimiter=delimiter))
    header_at = _find_header(rows)
    header = rows[header_at]
    limits.check(f"{name} has {len(header):,} columns", len(header), "max_columns")
    _check_header(header, name)
    max_rows = min(limits.max_rows, limits.max_cells // max(len(header), 1))
    try:
        with warnings.catch_warnings():
            # pandas only warns when the first data row is longer than the header, and then drops fields.
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.BytesIO(data),
                encoding="utf-8-sig" if encoding == "utf-8" else encoding,
                encoding_errors="replace",
                sep=delimiter,
                skiprows=header_at,
                header=0,
                index_col=False,  # an extra field on the first row must not turn column 1 into the index
                skip_blank_lines=False,
                on_bad_lines="error",
                low_memory=False,
                nrows=max_rows + 1,  # one more than allowed, to know that the file is over the limit
                dtype=dict.fromkeys(_zero_padded_codes(header, rows[header_at + 1:]), "str") or None,
            )
    except (pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        where = _first_long_row(lines, header_at, delimiter, len(header)) or _short(exc)
        raise DataReadError(
            f"{name} has rows with more fields than the header ({where}); check the delimiter and quotes in the export"
        ) from None
    if len(frame) > max_rows:
        what = "rows" if max_rows == limits.max_rows else f"rows x {len(header):,} columns"
        limit = "max_rows" if max_rows == limits.max_rows else "max_cells"
        raise limits.refuse(f"{name} has more than {max_rows:,} {what}", len(frame), limit)
    frame = _number_rows(frame, header_at)
    info = ReadInfo(
        name=name,
        kind="csv",
        n_bytes=len(data),
        encoding=encoding,
        has_bom=has_bom,
        delimiter=delimiter,
        skipped_top=header_at,
    )
    return RawTable(frame, info, tuple(_read_issues(info)))


def _zero_padded_codes(header: list[str], rows: list[list[str]]) -> list[str]:
    """Columns of whole numbers written with leading zeros (SKU ``00123``, store ``007``): codes, kept as text.

    Read as numbers they would lose the zeros, and ``007`` would no longer match the same code elsewhere.
    """
    codes = []
    for index, column in enumerate(header):
        cells = [row[index].strip() for row in rows if index < len(row) and row[index].strip()]
        if cells and all(cell.isdigit() for cell in cells) and any(len(c) > 1 and c[0] == "0" for c in cells):
            codes.append(column)
    return codes


def _first_long_row(lines: list[str], header_at: int, delimiter: str, width: int) -> str | None:
    rows = list(csv.reader(lines[header_at + 1 :], delimiter=delimiter))
    for offset, row in enumerate(rows):
        if len(row) > width:
            return f"row {header_at + 2 + offset} has {len(row)} fields, the header {width}"
    return None


def _head_lines(text: str, limit: int = SNIFF_LINES) -> list[str]:
    """The first lines (blank ones included, so indexes are line numbers), without splitting the whole file."""
    head = text[: 256 * 1024]
    lines = head.splitlines()
    if len(head) < len(text) and len(lines) > 1:
        lines = lines[:-1]  # the last line of the head may be cut
    return lines[:limit]


def _decode(data: bytes, name: str) -> tuple[str, str, bool]:
    """Decode the bytes, trying UTF-8 first, then GB18030 (Chinese shop exports), then cp1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8", True
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16", True
    try:
        return data.decode("utf-8"), "utf-8", False
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
        if _reads_as_chinese(text):
            return text, "gb18030", False
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252", False
    except UnicodeDecodeError:
        raise DataReadError(
            f"{name} is not in a text encoding we know (UTF-8, GB18030/GBK, Windows-1252); save it as UTF-8 CSV"
        ) from None


def _reads_as_chinese(text: str) -> bool:
    """True when the non-ASCII characters are CJK standing apart from Latin letters.

    Latin text in cp1252 also decodes as GB18030, but then every CJK character
    sits inside a word ("Äpfel" becomes "膒fel"); real Chinese comes in runs
    between delimiters.
    """
    sample = text[:200_000]
    wide = [i for i, ch in enumerate(sample) if ord(ch) > 127]
    if not wide:
        return False
    apart = 0
    for i in wide:
        ch = sample[i]
        is_cjk = "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"
        neighbours = sample[max(i - 1, 0) : i] + sample[i + 1 : i + 2]
        if is_cjk and not any(n.isascii() and n.isalpha() for n in neighbours):
            apart += 1
    return apart / len(wide) > 0.5


def _sniff_delimiter(lines: list[str], name: str) -> str:
    """Pick the delimiter that splits the sample lines into the most consistent number of fields."""
    content = [line for line in lines if line.strip()]
    if not content:
        raise DataReadError(f"{name} is empty; export the sales table again with a header row and data rows")
    best, best_score = None, (0.0, 0)
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(content, delimiter=delimiter)]
        modal, hits = Counter(counts).most_common(1)[0]
        if modal < 2:
            continue
        score = (hits / len(counts), modal)
        if score > best_score:
            best, best_score = delimiter, score
    if best is None:
        raise DataReadError(
            f"{name} has only one column: no comma, semicolon, tab or | separates the fields; "
            "export it as CSV with one of those delimiters"
        )
    return best


def _find_header(rows: list[list[str]]) -> int:
    """Index of the header: the first row as wide as the table that is mostly text, not numbers."""
    widths = Counter(len(r) for r in rows if any(cell.strip() for cell in r))
    width = widths.most_common(1)[0][0]
    for i, row in enumerate(rows):
        filled = [c.strip() for c in row if c.strip()]
        if len(row) >= width and len(filled) >= max(2, width // 2):
            texty = sum(not _looks_numeric(c) for c in filled)
            if texty >= len(filled) / 2:
                return i
    return 0


def _looks_numeric(cell: str) -> bool:
    try:
        float(cell.replace(",", "."))
    except ValueError:
        return False
    return True


def _check_header(header: list[str], name: str) -> None:
    names = [h.strip() for h in header]
    seen: dict[str, int] = {}
    for position, column in enumerate(names, start=1):
        if column and column in seen:
            raise DataReadError(
                f"{name} has two columns named {column!r} (columns {seen[column]} and {position}); "
                "rename one so every column name is unique"
            )
        seen[column] = position


def _number_rows(frame: pd.DataFrame, header_at: int) -> pd.DataFrame:
    """Index rows by the spreadsheet row number the user sees (header = row ``header_at + 1``)."""
    frame.columns = [str(c).strip() for c in frame.columns]
    frame.index = pd.RangeIndex(header_at + 2, header_at + 2 + len(frame), name="row")
    return frame


def _short(exc: Exception) -> str:
    """The last line of a library's message, cut at a word near 120 characters."""
    text = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    return text if len(text) <= 120 else text[:120].rsplit(" ", 1)[0] + " ..."


def _read_issues(info: ReadInfo) -> list[Issue]:
    found = []
    if info.has_bom:
        found.append(
            Issue("bom", f"{info.name} starts with a byte-order mark ({info.encoding}); it was removed.", 1, "info")
        )
    if info.encoding not in (None, "utf-8"):
        found.append(Issue("encoding", f"{info.name} is encoded as {info.encoding}, not UTF-8; it was converted.", 1, "info"))
    if info.skipped_top:
        found.append(
            Issue(
                "non_data_rows",
                f"{info.skipped_top} line(s) above the header (a title or notes) were skipped.",
                info.skipped_top,
                "info",
            )
        )
    return found


# --- Excel and Parquet -----------------------------------------------------


def _read_excel(data: bytes, name: str, sheet: str | None, limits: ReadLimits) -> RawTable:
    grid, chosen, names = read_sheet(data, name, sheet, limits)
    rows = [["" if pd.isna(v) else str(v) for v in row] for row in grid.head(SNIFF_LINES).itertuples(index=False)]
    header_at = _find_header(rows)
    header = [str(v).strip() if not pd.isna(v) else f"Unnamed: {i}" for i, v in enumerate(grid.iloc[header_at])]
    _check_header(header, name)
    frame = grid.iloc[header_at + 1 :].copy()
    frame.columns = header
    frame = frame.infer_objects()
    frame = _number_rows(frame.reset_index(drop=True), header_at)
    info = ReadInfo(name=name, kind="excel", n_bytes=len(data), skipped_top=header_at, sheet=str(chosen), sheets=names)
    issues = _read_issues(info)
    if len(names) > 1:
        issues.append(Issue("sheets", f"{name} has {len(names)} sheets; read {chosen!r}.", len(names), "info"))
    return RawTable(frame, info, tuple(issues))


def _read_parquet(data: bytes, name: str, limits: ReadLimits) -> RawTable:
    """Check rows, columns, uncompressed size and column types from the footer, then read."""
    import pyarrow as pa  # noqa: PLC0415 - only Parquet uploads pay for the import
    import pyarrow.parquet as pq  # noqa: PLC0415

    try:
        parquet = pq.ParquetFile(io.BytesIO(data))
        meta, schema = parquet.metadata, parquet.schema_arrow
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise DataReadError(f"{name} is not a readable Parquet file ({_short(exc)}); export it again") from None
    limits.check(f"{name} has {meta.num_rows:,} rows", meta.num_rows, "max_rows")
    limits.check(f"{name} has {len(schema):,} columns", len(schema), "max_columns")
    limits.check(f"{name} has {meta.num_rows:,} rows x {len(schema):,} columns", meta.num_rows * len(schema),
                 "max_cells")
    unpacked = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups)) / 1024 / 1024
    limits.check(f"{name} unpacks to {unpacked:,.0f} MB", unpacked, "max_unpacked_mb", " MB")
    nested = [f"{f.name!r} ({f.type})" for f in schema if pa.types.is_nested(f.type)
              or (pa.types.is_dictionary(f.type) and pa.types.is_nested(f.type.value_type))]
    if nested:
        raise DataReadError(f"{name} has columns holding lists or records, not single values: {', '.join(nested[:5])}",
                            fix="flatten them into plain columns or leave them out of the export")
    try:
        frame = parquet.read().to_pandas()
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise DataReadError(f"{name} is not a readable Parquet file ({_short(exc)}); export it again") from None
    frame = _number_rows(frame.reset_index(drop=True), 0)
    return RawTable(frame, ReadInfo(name=name, kind="parquet", n_bytes=len(data)))
