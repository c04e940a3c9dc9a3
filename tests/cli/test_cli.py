"""The command line: the inspect contract scripts rely on, and one-line errors with exit code 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).parents[2]
SAMPLE = ROOT / "sample_data"


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "forecasting", *args], capture_output=True, text=True, cwd=ROOT)


def test_inspect_json_on_the_sample():
    done = _run("inspect", str(SAMPLE / "sales.csv"), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    sales = pd.read_csv(SAMPLE / "sales.csv")
    assert report["mapping"] == {
        "date": "date", "target": "units", "ids": ["sku"], "price": "price", "revenue": None, "promo": "promo",
        "category": "category", "stock": "stock", "drivers": [], "series": [],
    }
    assert report["shape"] == "panel"
    assert report["n_rows"] == len(sales)
    assert report["n_series"] == sales["sku"].nunique()
    assert (report["start"], report["end"], report["freq"]) == ("2023-01-01", "2025-12-31", "D")
    assert report["target_total"] == sales["units"].sum()
    kinds = {issue["kind"] for issue in report["issues"]}
    assert {"duplicates", "gaps", "missing_values", "stockouts", "outliers", "intermittent"} <= kinds
    assert all(set(issue) >= {"kind", "message", "count"} for issue in report["issues"])


def test_inspect_order_lines_aggregate_to_the_daily_sales():
    done = _run("inspect", str(SAMPLE / "orders.csv"), "--json")
    report = json.loads(done.stdout)
    orders = pd.read_csv(SAMPLE / "orders.csv")
    assert report["shape"] == "order_lines"
    assert report["target_total"] == orders["quantity"].sum()
    assert report["n_series"] == orders["sku"].nunique()


def test_mapping_flags_and_frequency():
    done = _run("inspect", str(SAMPLE / "sales.csv"), "--id", "category", "--category", "none", "--freq", "M",
                "--json")
    report = json.loads(done.stdout)
    assert report["mapping"]["ids"] == ["category"]
    assert report["n_series"] == 6
    assert report["freq"] == "MS"


def test_text_report_names_the_mapping_and_issues():
    done = _run("inspect", str(SAMPLE / "sales.csv"))
    assert done.returncode == 0
    assert "target    units" in done.stdout
    assert "Quality report:" in done.stdout and "stockouts" in done.stdout


def test_bad_input_is_one_line_on_stderr_with_exit_code_2(tmp_path):
    cases = [
        ("inspect", str(tmp_path / "missing.csv")),
        ("inspect", str(SAMPLE / "sales.csv"), "--target", "Units Sold"),
        ("inspect", str(SAMPLE / "sales.csv"), "--freq", "Q"),
        ("inspect",),
        ("forecast-everything",),
    ]
    for args in cases:
        done = _run(*args)
        assert done.returncode == 2, args
        assert done.stdout == ""
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
        assert "Traceback" not in done.stderr


def test_sparse_order_lines_suggest_a_coarser_frequency(tmp_path):
    days = pd.date_range("2024-01-01", periods=300)
    sold = days[::25].repeat(3)  # three order lines on every 25th day
    lines = pd.DataFrame({"Order Date": sold, "Product ID": ["P1", "P1", "P2"] * 12, "Quantity": [1, 2, 5] * 12})
    lines["Order ID"] = [f"O{i}" for i in range(len(lines))]
    path = tmp_path / "orders.csv"
    lines.to_csv(path, index=False)
    report = json.loads(_run("inspect", str(path), "--json").stdout)
    assert report["shape"] == "order_lines"
    sparse = [i for i in report["issues"] if i["kind"] == "sparse"]
    assert len(sparse) == 1 and "--freq W or M" in sparse[0]["message"]
    weekly = json.loads(_run("inspect", str(path), "--freq", "M", "--json").stdout)
    assert not [i for i in weekly["issues"] if i["kind"] == "sparse"]
