"""Malformed and awkward input files, through the library and the command line.

Every file in ``tests/data/corpus/`` (made by ``tests/data/corpus/make_corpus.py``) is
either refused with a typed error whose one-line message says what is wrong
and how to fix it, or loads with the facts pinned below. The command line
must say the same thing as one ``error: ...`` line on stderr with exit code
2, never a traceback.

Cases marked ``xfail(strict=True)`` pin the behaviour the product should
have but does not have yet; the reason quotes what happens today.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.data.cleaning import CleaningConfig
from forecasting.data.dataset import LoadOptions, load_dataset, prepare
from forecasting.errors import DataReadError, DataValidationError, ForecastingError, MappingError

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "data" / "corpus"


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_corpus", CORPUS / "make_corpus.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_corpus = _load_generator()


def run_inspect(*args: str) -> subprocess.CompletedProcess:
    """``python -m forecasting inspect ARGS`` in a fresh interpreter, from the repository root."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p),
        "PYTHONIOENCODING": "utf-8",
    }
    return subprocess.run(
        [sys.executable, "-m", "forecasting", "inspect", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=300,
    )


def assert_one_error_line(result: subprocess.CompletedProcess) -> str:
    """Exit code 2, nothing on stdout, exactly one ``error: ...`` line on stderr, no traceback."""
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith("error: "), result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.endswith("\n"), result.stderr
    return result.stderr[len("error: ") : -1]


def _xfail(reason: str | None):
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


# --- files the product must refuse ------------------------------------------------------------


@dataclass(frozen=True)
class Bad:
    """A file that must be refused: the error type and the message, pinned by a regex.

    ``xfail`` applies to the library and the command line (the message is
    wrong in both); ``cli_xfail`` to the command line only.
    """

    file: str
    error: type[Exception] | tuple[type[Exception], ...]
    match: str
    args: tuple[str, ...] = ()
    mapping: dict | None = None
    xfail: str | None = None
    cli_xfail: str | None = None
    rows: tuple[int, ...] = ()

    @property
    def id(self) -> str:
        return "-".join([self.file, *(a.strip("-") for a in self.args)])


BAD = [
    Bad("empty.csv", DataReadError,
        r"^empty\.csv is empty; export the sales table again with a header row and data rows$"),
    Bad("bom_only.csv", DataReadError,
        r"^bom_only\.csv is empty; export the sales table again with a header row and data rows$",),
    Bad("header_only.csv", (DataReadError, DataValidationError),
        r"header but no data rows; export the table again with its rows",),
    Bad("binary_garbage.csv", DataReadError,
        r"^binary_garbage\.csv is a binary file, not a table; upload a CSV, Excel \.xlsx or Parquet file$"),
    Bad("old_excel.xls", DataReadError,
        r"^old_excel\.xls is an old Excel \.xls file; save it as \.xlsx or CSV and upload it again$"),
    Bad("wrong_delimiter_colon.csv", DataReadError,
        r"^wrong_delimiter_colon\.csv has only one column: no comma, semicolon, tab or \| separates the fields; "
        r"export it as CSV with one of those delimiters$"),
    Bad("wrong_delimiter_space.csv", DataReadError,
        r"^wrong_delimiter_space\.csv has only one column: .*export it as CSV with one of those delimiters$"),
    Bad("mixed_date_formats.csv", DataValidationError,
        r"column 'date' mixes date formats.*'13/01/2024' \(row 12\).*use one date format for the whole column",
        rows=(12, 13, 14)),
    Bad("mixed_date_formats.csv", DataValidationError,
        r"^column 'date' mixes date formats or has text: 10 value\(s\) are not dates like the rest \(YYYY-MM-DD\): "
        r"'13/01/2024' \(row 12\), '14/01/2024' \(row 13\), '15/01/2024' \(row 14\) and 7 more; "
        r"use one date format for the whole column$",
        args=("--date", "date"), mapping={"date": "date"},
        rows=(12, 13, 14)),
    Bad("text_in_target.csv", DataValidationError,
        r"^target column 'units' has text where numbers are expected: 'twelve' \(row 6\); "
        r"fix those cells or choose another target column \(--target\)$",
        rows=(6,)),
    Bad("text_in_target_short.csv", DataValidationError,
        r"target column 'units' has text where numbers are expected: 'twelve' \(row 6\); "
        r"fix those cells or choose another target column \(--target\)",
        rows=(6,)),
    Bad("one_data_row.csv", DataValidationError,
        r"covers only 1 period\(s\); at least 3 are needed.*upload a longer history",),
    Bad("duplicate_column_names.csv", DataReadError,
        r"^duplicate_column_names\.csv has two columns named 'units' \(columns 3 and 4\); "
        r"rename one so every column name is unique$"),
    Bad("future_dates.csv", DataValidationError,
        r"^column 'date' has 2 date\(s\) after today with sales: 2031-01-10 \(row 11\), 2031-01-10 \(row 21\); "
        r"sales history cannot be in the future; fix the dates",
        rows=(11, 21)),
    Bad("sentinel_date.csv", DataValidationError,
        r"column 'date' .*9999-12-31 \(row 22\).*fix the dates",
        rows=(22,)),
    Bad("extra_field_first_row.csv", DataReadError,
        r"more fields than the header.*\b(line|row) 2\b.*check the delimiter and quotes",),
    Bad("all_missing_target.csv", DataValidationError,
        r"^target column 'units' is empty in every row; choose the column with the sales quantities \(--target\)$"),
    Bad("constant_target.csv", DataValidationError,
        r"^every value of target column 'units' is 5; a forecast needs history that varies; "
        r"check that this is the sales column \(--target\)$"),
    Bad("promo_currency.csv", MappingError,
        r"^promotion column 'promo' has values up to \d[\d,]*, which look like amounts, not a 0/1 flag or a "
        r"percentage; map a flag or percent column as promotion, or leave it empty"),
    Bad("conflicting_duplicates.csv", DataValidationError,
        r"^2 rows repeat a \(series, date\) pair with different values, e\.g\. SKU-002 on 2024-01-05 "
        r"\(rows 26 and 27\); .*\((--shape order_lines|--id)\)$",
        rows=(26, 27)),
    Bad("conflicting_duplicates_short.csv", DataValidationError,
        r"repeat a \(series, date\) pair with different values, e\.g\. SKU-002 on 2024-01-05 \(rows 16 and 17\)",
        rows=(16, 17)),
]


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.id, marks=_xfail(c.xfail)) for c in BAD]
)
def test_bad_file_raises_a_typed_error_with_a_clear_message(case: Bad):
    options = LoadOptions(mapping=case.mapping)
    with pytest.raises(case.error, match=case.match) as caught:
        load_dataset(CORPUS / case.file, options)
    message = str(caught.value)
    assert "\n" not in message
    assert isinstance(caught.value, ForecastingError)
    if case.rows:
        assert list(caught.value.rows[: len(case.rows)]) == list(case.rows)


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.id, marks=_xfail(c.xfail or c.cli_xfail)) for c in BAD]
)
def test_bad_file_on_the_command_line_is_one_error_line(case: Bad):
    result = run_inspect(str(CORPUS / case.file), *case.args)
    message = assert_one_error_line(result)
    assert re.search(case.match, message), message


def test_conflicting_duplicates_name_the_series():
    with pytest.raises(DataValidationError) as caught:
        load_dataset(CORPUS / "conflicting_duplicates.csv")
    assert caught.value.ids == ["SKU-002"]
    assert set(caught.value.rows) == {26, 27}


# --- files the product must load ---------------------------------------------------------------


@dataclass(frozen=True)
class Good:
    """A file that must load, and facts of ``inspect --json`` about it."""

    file: str
    mapping: dict
    n_rows: int
    n_series: int
    target_total: float
    start: str
    end: str
    issue_kinds: frozenset[str] = frozenset()
    read: dict = field(default_factory=dict)
    ids: frozenset[str] | None = None
    xfail: str | None = None
    quiet_xfail: str | None = None

    def check(self, summary: dict) -> None:
        mapping = summary["mapping"]
        for key, value in self.mapping.items():
            assert mapping[key] == value, (key, mapping)
        assert summary["shape"] == "panel"
        assert summary["freq"] == "D"
        assert summary["n_rows"] == self.n_rows
        assert summary["n_series"] == self.n_series
        assert summary["target_total"] == pytest.approx(self.target_total)
        assert (summary["start"], summary["end"]) == (self.start, self.end)
        kinds = {issue["kind"] for issue in summary["issues"]}
        assert self.issue_kinds <= kinds, summary["issues"]
        assert not [i for i in summary["issues"] if i["severity"] == "error"], summary["issues"]
        for key, value in self.read.items():
            assert summary["read"][key] == value, (key, summary["read"])


PANEL = {"date": "date", "target": "units", "ids": ["sku"]}
TITLE_SHORT_TOTAL = float(sum(r[2] for r in make_corpus._panel(1, 6)))

GOOD = [
    Good("title_and_total.csv", PANEL, n_rows=31, n_series=3, target_total=213, start="2024-01-01",
         end="2024-01-10", issue_kinds=frozenset({"non_data_rows"}), read={"delimiter": ","}),
    Good("title_and_total_short.csv", PANEL, n_rows=7, n_series=1, target_total=TITLE_SHORT_TOTAL,
         start="2024-01-01", end="2024-01-06", issue_kinds=frozenset({"non_data_rows"}),),
    Good("semicolon_decimal_comma.csv", {**PANEL, "price": "price"}, n_rows=12, n_series=2, target_total=82.5,
         start="2024-03-01", end="2024-03-06", read={"delimiter": ";", "encoding": "utf-8"}),
    Good("semicolon_german_headers.csv", {"date": "Datum", "target": "Menge", "ids": ["Artikel"], "price": "Preis"},
         n_rows=12, n_series=2, target_total=82.5, start="2024-03-01", end="2024-03-06", read={"delimiter": ";"},),
    Good("cp1252_accents.csv", {"date": "date", "target": "units", "ids": ["product"]}, n_rows=32, n_series=4,
         target_total=230, start="2024-01-01", end="2024-01-08", issue_kinds=frozenset({"encoding"}),
         read={"encoding": "cp1252"}, ids=frozenset(make_corpus.CP1252_PRODUCTS)),
    Good("cp1252_gb18030_lookalike.csv", {"date": "date", "target": "units", "ids": ["product"]}, n_rows=32,
         n_series=4, target_total=230, start="2024-01-01", end="2024-01-08", issue_kinds=frozenset({"encoding"}),
         read={"encoding": "cp1252"}, ids=frozenset(make_corpus.CP1252_LOOKALIKE_PRODUCTS)),
    Good("gbk_chinese.csv", {"date": "日期", "target": "销量", "ids": ["商品"]}, n_rows=24, n_series=3,
         target_total=171, start="2024-01-01", end="2024-01-08", issue_kinds=frozenset({"encoding"}),
         read={"encoding": "gb18030"}, ids=frozenset(make_corpus.GBK_PRODUCTS)),
    Good("bom_crlf.csv", PANEL, n_rows=14, n_series=2, target_total=93, start="2024-01-01", end="2024-01-07",
         issue_kinds=frozenset({"bom"}), read={"encoding": "utf-8"}, ids=frozenset({"SKU-001", "SKU-002"})),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.file, marks=_xfail(c.xfail)) for c in GOOD])
def test_good_file_loads_with_the_library(case: Good):
    dataset = load_dataset(CORPUS / case.file)
    case.check(json.loads(json.dumps(dataset.summary(), ensure_ascii=False)))
    if case.ids is not None:
        assert set(dataset.frame["unique_id"]) == case.ids
    assert not any("\r" in str(c) or "\ufeff" in str(c) for c in dataset.raw.frame.columns)
    cleaned = prepare(dataset, CleaningConfig())
    assert cleaned.frame["y"].notna().all()
    assert cleaned.frame["y"].sum() == pytest.approx(case.target_total)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.file, marks=_xfail(c.xfail)) for c in GOOD])
def test_good_file_inspect_json(case: Good):
    result = run_inspect(str(CORPUS / case.file), "--json")
    assert "Traceback" not in result.stdout + result.stderr
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert {"mapping", "shape", "n_rows", "n_series", "start", "end", "freq", "target_total", "issues"} <= set(summary)
    case.check(summary)


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=c.file, marks=_xfail(c.quiet_xfail)) for c in GOOD if not c.xfail]
)
def test_good_file_inspect_prints_nothing_on_stderr(case: Good):
    result = run_inspect(str(CORPUS / case.file))
    assert result.returncode == 0
    assert result.stderr == ""
    assert f"{case.n_series:,}" in result.stdout


def test_semicolon_file_reads_decimal_commas_and_thousands_dots():
    frame = load_dataset(CORPUS / "semicolon_decimal_comma.csv").frame
    by_sku = frame.groupby("unique_id")
    assert by_sku["y"].sum().to_dict() == pytest.approx({"A-1": 36.75, "A-2": 45.75})
    assert frame.loc[frame["unique_id"] == "A-2", "price"].tolist() == pytest.approx([1111.5 + i for i in range(6)])
    assert frame.loc[frame["unique_id"] == "A-1", "price"].tolist() == pytest.approx([3.99 + i for i in range(6)])


def test_title_and_total_rows_are_reported_with_row_numbers():
    issues = [i for i in load_dataset(CORPUS / "title_and_total.csv").issues if i.kind == "non_data_rows"]
    assert len(issues) == 2
    assert {i.count for i in issues} == {2, 1}
    assert any(re.search(r"\brow 34\b", i.message) for i in issues)  # the Total line


# --- the corpus itself -----------------------------------------------------------------------------


def test_corpus_files_match_the_generator():
    built = make_corpus.build()
    on_disk = {p.name for p in CORPUS.iterdir() if p.is_file() and p.name != "make_corpus.py"}
    assert on_disk == set(built), "run python tests/data/corpus/make_corpus.py"
    for name, data in built.items():
        assert (CORPUS / name).read_bytes() == data, f"{name} differs: run python tests/data/corpus/make_corpus.py"
        assert len(data) <= 2_000, f"{name} should stay tiny"


def test_every_corpus_file_has_a_case():
    covered = {c.file for c in BAD} | {c.file for c in GOOD}
    assert covered == set(make_corpus.build())


def test_corpus_files_have_the_defects_they_are_named_for():
    assert (CORPUS / "empty.csv").stat().st_size == 0
    assert b"\x00" in (CORPUS / "binary_garbage.csv").read_bytes()
    assert (CORPUS / "old_excel.xls").read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")
    bom = (CORPUS / "bom_crlf.csv").read_bytes()
    assert bom.startswith(b"\xef\xbb\xbf") and bom.count(b"\r\n") == bom.count(b"\n")
    with pytest.raises(UnicodeDecodeError):
        (CORPUS / "cp1252_accents.csv").read_bytes().decode("utf-8")
    with pytest.raises(UnicodeDecodeError):
        (CORPUS / "gbk_chinese.csv").read_bytes().decode("utf-8")
    assert "日期" in (CORPUS / "gbk_chinese.csv").read_bytes().decode("gbk")


# --- size limit ----------------------------------------------------------------------------------------


@pytest.fixture()
def five_kb_file(tmp_path: Path) -> Path:
    path = tmp_path / "five_kb.csv"
    path.write_text(make_corpus._csv([["date", "sku", "units"], *make_corpus._panel(10, 25)]))
    assert 5_000 < path.stat().st_size < 7_000
    return path


def test_size_limit_refuses_the_file_and_names_the_flag(five_kb_file: Path):
    with pytest.raises(DataReadError, match=r"^five_kb\.csv is .* MB, above the .* MB limit; .*raise the limit \(--max-mb\)$"):
        load_dataset(five_kb_file, max_mb=0.001)


def test_size_limit_message_shows_the_real_size_and_limit(five_kb_file: Path):
    with pytest.raises(DataReadError) as caught:
        load_dataset(five_kb_file, max_mb=0.001)
    message = str(caught.value)
    assert "0.001 MB limit" in message, message
    assert not re.search(r"\b0 MB\b", message), message


def test_size_limit_on_the_command_line(five_kb_file: Path):
    message = assert_one_error_line(run_inspect(str(five_kb_file), "--max-mb", "0.001"))
    assert re.search(r"above the .* MB limit; .*\(--max-mb\)$", message), message
    assert run_inspect(str(five_kb_file), "--max-mb", "1").returncode == 0


def test_missing_file_is_one_error_line(tmp_path: Path):
    message = assert_one_error_line(run_inspect(str(tmp_path / "nope.csv")))
    assert re.search(r"does not exist; check the path", message), message


# --- a million rows ----------------------------------------------------------------------------------------


def test_one_million_row_panel_loads_and_prepares(tmp_path: Path):
    n_skus, n_days = 1_000, 1_000
    days = pd.date_range("2022-01-01", periods=n_days, freq="D").strftime("%Y-%m-%d").to_numpy()
    units = (np.arange(n_skus * n_days) * 7919) % 23
    frame = pd.DataFrame({
        "date": np.tile(days, n_skus),
        "sku": np.repeat([f"SKU-{i:04d}" for i in range(n_skus)], n_days),
        "units": units,
        "price": np.repeat(np.linspace(2.5, 99.5, n_skus).round(2), n_days),
    })
    path = tmp_path / "million.csv"
    frame.to_csv(path, index=False)

    dataset = load_dataset(path)
    summary = dataset.summary()
    assert summary["n_rows"] == 1_000_000
    assert summary["n_series"] == n_skus
    assert summary["target_total"] == float(units.sum())
    assert summary["mapping"]["price"] == "price"
    assert (summary["shape"], summary["freq"]) == ("panel", "D")
    assert (summary["start"], summary["end"]) == ("2022-01-01", "2024-09-26")

    cleaned = prepare(dataset)
    assert len(cleaned.frame) == 1_000_000
    assert cleaned.frame["unique_id"].nunique() == n_skus
    assert cleaned.frame["y"].sum() == float(units.sum())
