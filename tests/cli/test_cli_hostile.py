"""Hostile files on the command line: every bad input exits 2 with one line, and no output cell is a formula."""

from __future__ import annotations

import csv
import io
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from forecasting.data.export import is_formula_like
from tests.conftest import synthetic_long
from tests.data import hostile_corpus as corpus

ROOT = Path(__file__).parents[2]
IDS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-1+1"]


MEMORY_CAP = 2 * 1024**3  # address space of a bomb's run: an expanding file dies with MemoryError, exit 1


def _run(*args: str, timeout: float = 300, capped: bool = False) -> subprocess.CompletedProcess:
    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    return subprocess.run([sys.executable, "-m", "forecasting", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout, preexec_fn=cap if capped else None)


def one_error_line(done: subprocess.CompletedProcess) -> str:
    """The run failed as bad input: exit 2, one ``error:`` line on stderr, no traceback or warning noise."""
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    assert "Traceback" not in done.stderr and "unexpected" not in done.stderr
    return lines[0]


def evaluated(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row if is_formula_like(cell)]


@pytest.fixture(scope="module")
def hostile_sales(tmp_path_factory) -> Path:
    """Four daily series whose ids and categories are spreadsheet formulas."""
    frame = synthetic_long(n_skus=4, start="2025-01-01", end="2025-12-31")
    names = dict(zip(sorted(frame["unique_id"].unique()), IDS, strict=True))
    frame = frame.assign(sku=frame["unique_id"].map(names), category=frame["category"].map(lambda c: "=" + c))
    path = tmp_path_factory.mktemp("hostile") / "sales.csv"
    frame.rename(columns={"ds": "date", "y": "units"})[["date", "sku", "category", "units", "price"]].to_csv(
        path, index=False)
    return path


def test_forecast_out_and_stdout_have_no_formula_cells(hostile_sales, tmp_path):
    out = tmp_path / "forecast.csv"
    done = _run("forecast", str(hostile_sales), "--model", "naive", "--horizon", "7", "--out", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert evaluated(text) == []
    assert {"'" + uid for uid in IDS if is_formula_like(uid)} <= {row["sku"] for row in csv.DictReader(io.StringIO(text))}
    printed = _run("forecast", str(hostile_sales), "--model", "naive", "--horizon", "7")
    assert printed.returncode == 0 and evaluated(printed.stdout) == []


def test_backtest_predictions_have_no_formula_cells(hostile_sales, tmp_path):
    out = tmp_path / "predictions.csv"
    done = _run("backtest", str(hostile_sales), "--model", "naive", "--horizon", "7", "--folds", "2",
                "--predictions", str(out))
    assert done.returncode == 0, done.stderr
    assert evaluated(out.read_text(encoding="utf-8")) == []


def test_recommend_out_has_no_formula_cells(hostile_sales, tmp_path):
    out = tmp_path / "alerts.csv"
    done = _run("recommend", "inventory", str(hostile_sales), "--model", "naive", "--horizon", "7", "--folds", "2",
                "--out", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert evaluated(text) == [] and text.count("\n") == 5  # header and four series


@pytest.mark.parametrize("command", [
    ["forecast", "--out"], ["backtest", "--predictions"], ["backtest", "--json"], ["recommend", "alerts", "--out"]])
def test_an_output_folder_that_does_not_exist_is_refused_before_any_work(hostile_sales, tmp_path, command):
    *head, flag = command
    target = tmp_path / "missing" / "out.csv"
    done = _run(*head, str(hostile_sales), "--model", "naive", "--horizon", "7", flag, str(target))
    line = one_error_line(done)
    assert "does not exist" in line and "missing" in line
    assert not done.stdout  # refused before the backtest printed its leaderboard


BOMBS = {
    "far_cell.xlsx": (corpus.far_cell_xlsx, [], "spans 1,048,576 rows x 16,384 columns"),
    "far_cell_no_dimension.xlsx": (lambda: corpus.far_cell_xlsx(with_dimension=False), [], "empty rows in a row"),
    "inflating.xlsx": (lambda: corpus.inflating_xlsx(50), [], "times its compressed size"),
    "laughs.xlsx": (corpus.entity_bomb_xlsx, [], "declares a DTD"),
    "laughs_hidden.xlsx": (lambda: corpus.entity_bomb_xlsx(hidden=True), [], "amplification"),
    "rows.parquet": (lambda: corpus.many_rows_parquet(3_000_000), ["--max-rows", "1e6"], "3,000,000 rows"),
    "nested.parquet": (corpus.nested_parquet, [], "holding lists or records"),
    "wide.csv": (lambda: corpus.wide_csv(2_000), ["--max-columns", "1000"], "2,001 columns"),
    "ids.csv": (lambda: corpus.many_ids_csv(5_000), ["--max-series", "1000"], "5,000 series"),
    "huge.csv": (corpus.huge_target_csv, [], "numbers too large to be sales data"),
}


@pytest.mark.parametrize("name", list(BOMBS))
def test_each_hostile_file_exits_2_with_one_line_within_a_memory_cap(name, tmp_path):
    build, flags, expected = BOMBS[name]
    path = tmp_path / name
    path.write_bytes(build())
    done = _run("inspect", str(path), *flags, timeout=120, capped=True)
    line = one_error_line(done)
    assert expected in line, line
    if "--max-" in " ".join(flags):
        assert f"(--{flags[0][2:]})" in line  # the message names the flag that raises the limit


def test_the_10000_column_table_and_many_series_load_under_the_default_limits(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_bytes(corpus.wide_csv(10_000, rows=30))
    done = _run("inspect", str(path), "--json", timeout=300, capped=True)
    assert done.returncode == 0, done.stderr
    assert '"n_series": 10000' in done.stdout


@pytest.mark.parametrize(("flags", "expected"), [
    (["--max-mb", "nan"], "argument --max-mb: 'nan' is not a positive finite number"),
    (["--max-rows", "0"], "argument --max-rows: '0' is not a positive finite number"),
    (["--max-series", "1.5"], "argument --max-series: '1.5' is not a whole number"),
    (["--model", "ridge", "--horizon", "7", "--param", "alpha=nan"], "ridge: alpha=nan is not a finite number"),
    (["--model", "croston", "--horizon", "7", "--param", "alpha=inf"], "croston: alpha=inf is not a finite number"),
])
def test_settings_that_are_not_numbers_exit_2_with_one_line(hostile_sales, flags, expected):
    command = ["forecast"] if "--model" in flags else ["inspect"]
    line = one_error_line(_run(*command, str(hostile_sales), *flags))
    assert expected in line, line


def test_library_warnings_become_a_few_notes(tmp_path):
    path = tmp_path / "big.csv"
    text = corpus.sales_csv(["A", "B"], days=60).decode().splitlines()
    text[5] = text[5].rsplit(",", 1)[0] + ",1e14"  # large but allowed: overflow-free, yet noisy for some models
    path.write_text("\n".join(text) + "\n")
    done = _run("forecast", str(path), "--model", "naive", "--horizon", "7")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "Warning:" not in done.stderr.replace("note: ", "")
