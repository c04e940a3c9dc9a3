"""Hostile files on the command line: every bad input exits 2 with one line, and no output cell is a formula."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest

from forecasting.data.export import is_formula_like
from tests.conftest import synthetic_long

ROOT = Path(__file__).parents[2]
IDS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-1+1"]


def _run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "forecasting", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)


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
