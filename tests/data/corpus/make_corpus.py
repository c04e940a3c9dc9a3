"""(Re)create the corpus of small malformed input files, deterministically.

Run from anywhere: ``python tests/data/corpus/make_corpus.py``. Every file is
written next to this script; ``tests/data/test_corpus.py`` checks that the
committed files match :func:`build` byte for byte, so run this again after
changing it. No randomness: values come from fixed formulas.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _days(start: date, n: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(n)]


def _units(sku_index: int, day_index: int) -> int:
    """A deterministic, varying sales count."""
    return (sku_index * 7 + day_index * 3) % 11 + 2


def _csv(rows: list[list[object]], *, sep: str = ",", newline: str = "\n") -> str:
    return "".join(sep.join(str(v) for v in row) + newline for row in rows)


def _panel(n_skus: int, n_days: int, start: date = date(2024, 1, 1)) -> list[list[object]]:
    """date, sku, units rows: ``n_skus`` series of ``n_days`` consecutive days."""
    return [
        [d.isoformat(), f"SKU-{s + 1:03d}", _units(s, i)]
        for s in range(n_skus)
        for i, d in enumerate(_days(start, n_days))
    ]


def _binary_garbage() -> bytes:
    """Bytes that look random (a SHA-256 chain) with NULs in them, like a mis-named image or archive."""
    out, block = bytearray(), b"corpus"
    while len(out) < 320:
        block = hashlib.sha256(block).digest()
        out += block
    out[0:4] = b"\x89\x00\x01\x00"
    out[100] = 0
    return bytes(out[:320])


def _old_xls() -> bytes:
    """The OLE2 compound-document signature of an Excel 97-2003 ``.xls`` file, padded to one 512-byte sector."""
    header = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(16) + bytes.fromhex("3e000300feff0900")
    return header + bytes(512 - len(header))


def _mixed_dates() -> str:
    """Half ISO (2024-01-01 .. 2024-01-10), half DD/MM/YYYY with day > 12 (13/01/2024 .. 22/01/2024)."""
    rows: list[list[object]] = [["date", "sku", "units"]]
    for i in range(20):
        text = date(2024, 1, 1 + i).isoformat() if i < 10 else date(2024, 1, 3 + i).strftime("%d/%m/%Y")
        rows.append([text, "SKU-001", _units(0, i)])
    return _csv(rows)


def _text_in_target(n_skus: int, n_days: int, row: int) -> str:
    rows = [["date", "sku", "units"], *_panel(n_skus, n_days)]
    rows[row - 1][2] = "twelve"  # ``row`` as the user sees it: the header is row 1
    return _csv(rows)


def _future_dates() -> str:
    rows = [["date", "sku", "units"], *_panel(2, 10)]
    rows[10][0] = "2031-01-10"  # SKU-001's last day typed with the wrong year (file row 11)
    rows[20][0] = "2031-01-10"  # SKU-002's last day (file row 21)
    return _csv(rows)


def _title_and_total(n_skus: int, n_days: int) -> str:
    """Two title lines above the header and a "Total" line below the data, as report exports have."""
    body = _panel(n_skus, n_days)
    total = sum(r[2] for r in body)
    title = [["Sales report", "", ""], ["Exported 2024-02-01 from the shop back office", "", ""]]
    return _csv([*title, ["date", "sku", "units"], *body, ["Total", "", total]])


def _semicolon(header: list[str]) -> str:
    """Semicolons between fields, decimal commas in numbers (5,25) and thousands dots in prices (1.111,50)."""
    rows: list[list[object]] = [header]
    for s in range(2):
        for i, d in enumerate(_days(date(2024, 3, 1), 6)):
            kilos = f"{_units(s, i)},{(i * 25) % 100:02d}"
            price = f"1.{111 + i},50" if s else f"{3 + i},99"
            rows.append([d.strftime("%d.%m.%Y"), f"A-{s + 1}", kilos, price])
    return _csv(rows, sep=";")


CP1252_PRODUCTS = ("Café moulu", "Crème brûlée", "Pâté de campagne", "Thé vert")


def _cp1252_accents() -> bytes:
    rows: list[list[object]] = [["date", "product", "units"]]
    for s, name in enumerate(CP1252_PRODUCTS):
        rows += [[d.isoformat(), name, _units(s, i)] for i, d in enumerate(_days(date(2024, 1, 1), 8))]
    return _csv(rows).encode("cp1252")


#: Accents only ever followed by ASCII letters: as bytes these are valid GB18030 pairs.
CP1252_LOOKALIKE_PRODUCTS = ("Crème", "Pâtes", "Gruyère", "Brûlot")


def _cp1252_gb18030_lookalike() -> bytes:
    rows: list[list[object]] = [["date", "product", "units"]]
    for s, name in enumerate(CP1252_LOOKALIKE_PRODUCTS):
        rows += [[d.isoformat(), name, _units(s, i)] for i, d in enumerate(_days(date(2024, 1, 1), 8))]
    return _csv(rows).encode("cp1252")


GBK_PRODUCTS = ("绿茶", "乌龙茶", "普洱茶")


def _gbk_chinese() -> bytes:
    rows: list[list[object]] = [["日期", "商品", "销量"]]
    for s, name in enumerate(GBK_PRODUCTS):
        rows += [[d.isoformat(), name, _units(s, i)] for i, d in enumerate(_days(date(2024, 1, 1), 8))]
    return _csv(rows).encode("gbk")


def _bom_crlf() -> bytes:
    return b"\xef\xbb\xbf" + _csv([["date", "sku", "units"], *_panel(2, 7)], newline="\r\n").encode()


def _all_missing_target() -> str:
    return _csv([["date", "sku", "units"], *[[d, s, ""] for d, s, _ in _panel(2, 7)]])


def _constant_target() -> str:
    return _csv([["date", "sku", "units"], *[[d, s, 5] for d, s, _ in _panel(2, 7)]])


def _promo_currency() -> str:
    rows: list[list[object]] = [["date", "sku", "units", "promo"]]
    for d, s, u in _panel(2, 7):
        rows.append([d, s, u, f"${(u * 37) % 250 + 101:.2f}"])
    return _csv(rows)


def _conflicting_duplicates(n_days: int, at: int) -> str:
    """3 SKUs, one row repeating SKU-002's day 5 (2024-01-05) with other units, as file row ``at + 1``."""
    rows = [["date", "sku", "units"], *_panel(3, n_days)]
    rows.insert(at, ["2024-01-05", "SKU-002", 99])
    return _csv(rows)


def _sentinel_date() -> str:
    """An ERP "open order" line dated 9999-12-31, a common placeholder for "no date yet" (file row 22)."""
    return _csv([["date", "sku", "units"], *_panel(2, 10), ["9999-12-31", "SKU-002", 4]])


def _extra_field_first_row() -> str:
    """The first data row has one field more than the header (a stray trailing value)."""
    rows = [["date", "sku", "units"], *_panel(1, 6)]
    rows[1] = [*rows[1], "9"]
    return _csv(rows)


def build() -> dict[str, bytes]:
    """File name -> exact bytes of every corpus file."""
    files: dict[str, bytes | str] = {
        "empty.csv": b"",
        "bom_only.csv": b"\xef\xbb\xbf",
        "header_only.csv": "date,sku,units\n",
        "binary_garbage.csv": _binary_garbage(),
        "old_excel.xls": _old_xls(),
        "wrong_delimiter_colon.csv": _csv([["date", "sku", "units"], *_panel(1, 5)], sep=":"),
        "wrong_delimiter_space.csv": _csv([["date", "sku", "units"], *_panel(1, 5)], sep=" "),
        "mixed_date_formats.csv": _mixed_dates(),
        "text_in_target.csv": _text_in_target(3, 10, row=6),
        "text_in_target_short.csv": _text_in_target(1, 10, row=6),
        "one_data_row.csv": "date,sku,units\n2024-01-01,SKU-001,5\n",
        "duplicate_column_names.csv": _csv([["date", "sku", "units", "units"], *[[*r, r[2]] for r in _panel(1, 5)]]),
        "future_dates.csv": _future_dates(),
        "sentinel_date.csv": _sentinel_date(),
        "extra_field_first_row.csv": _extra_field_first_row(),
        "title_and_total.csv": _title_and_total(3, 10),
        "title_and_total_short.csv": _title_and_total(1, 6),
        "semicolon_decimal_comma.csv": _semicolon(["date", "sku", "units", "price"]),
        "semicolon_german_headers.csv": _semicolon(["Datum", "Artikel", "Menge", "Preis"]),
        "cp1252_accents.csv": _cp1252_accents(),
        "cp1252_gb18030_lookalike.csv": _cp1252_gb18030_lookalike(),
        "gbk_chinese.csv": _gbk_chinese(),
        "bom_crlf.csv": _bom_crlf(),
        "all_missing_target.csv": _all_missing_target(),
        "constant_target.csv": _constant_target(),
        "promo_currency.csv": _promo_currency(),
        # 1 repeat in 61 rows: below the share of repeats that makes the shape "order lines".
        "conflicting_duplicates.csv": _conflicting_duplicates(20, at=26),
        # The same defect in a 31-row file: 1 repeat in 31 rows.
        "conflicting_duplicates_short.csv": _conflicting_duplicates(10, at=16),
    }
    return {name: data.encode() if isinstance(data, str) else data for name, data in files.items()}


def main(directory: Path = HERE) -> list[Path]:
    written = []
    for name, data in build().items():
        path = directory / name
        path.write_bytes(data)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in main():
        print(f"{path.stat().st_size:6d}  {path.name}")
