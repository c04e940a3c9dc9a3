"""The engine's command-line contract: models, backtest and forecast."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).parents[2]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "forecasting", *args], capture_output=True, text=True, cwd=ROOT)


@pytest.fixture(scope="module")
def sales(tmp_path_factory, panel) -> Path:
    """The synthetic panel as a user's file, with its own column names and two id columns."""
    frame = panel.assign(store="S1").rename(columns={"unique_id": "sku", "ds": "date", "y": "units"})
    path = tmp_path_factory.mktemp("data") / "sales.csv"
    frame[["date", "store", "sku", "category", "units", "price", "promo"]].to_csv(path, index=False)
    return path


def test_models_lists_every_family():
    done = _run("models", "--json")
    rows = {row["name"]: row for row in json.loads(done.stdout)}
    assert {"seasonal_naive", "croston", "tsb", "ets", "sarimax", "ridge", "random_forest", "gradient_boosting",
            "mlp", "lstm", "transformer", "auto"} <= set(rows)
    assert rows["ets"]["uses_exog"] is False and rows["gradient_boosting"]["uses_exog"] is True
    assert rows["mlp"]["requires"] == ["tensorflow"]


def test_backtest_writes_the_predictions_and_metrics_contract(sales, tmp_path):
    predictions, report = tmp_path / "p.csv", tmp_path / "m.json"
    done = _run("backtest", str(sales), "--id", "store", "--id", "sku", "--model", "moving_average,croston",
                "--horizon", "14", "--folds", "2", "--predictions", str(predictions), "--json", str(report))
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(predictions, parse_dates=["ds", "cutoff"])
    assert list(table.columns[:8]) == ["unique_id", "ds", "cutoff", "y", "model", "yhat", "yhat_lo_80", "yhat_hi_80"]
    assert {"store", "sku"} <= set(table.columns)
    assert set(table["model"]) == {"moving_average", "croston", "seasonal_naive"}
    assert table["cutoff"].nunique() == 2
    assert (table["ds"] > table["cutoff"]).all()
    assert (table["ds"] <= table["cutoff"] + pd.Timedelta(days=14)).all()
    assert table.groupby(["model", "unique_id", "cutoff"]).size().eq(14).all()
    metrics = json.loads(report.read_text())
    assert metrics["horizon"] == 14 and metrics["folds"] == 2
    for model in ("moving_average", "croston", "seasonal_naive"):
        assert {"mase", "wape", "rmse", "smape", "bias", "coverage_80", "seconds"} <= set(metrics["models"][model])
    assert "MASE" in done.stdout and "seasonal_naive" in done.stdout


def test_forecast_writes_the_forecast_contract_and_uses_planned_promotions(sales, panel, tmp_path):
    out = tmp_path / "f.csv"
    done = _run("forecast", str(sales), "--model", "ridge", "--horizon", "7", "--out", str(out))
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out)
    assert list(table.columns[:8]) == ["unique_id", "ds", "model", "yhat", "yhat_lo_80", "yhat_hi_80", "yhat_lo_95",
                                       "yhat_hi_95"]
    assert len(table) == panel["unique_id"].nunique() * 7
    assert (table["yhat_lo_95"] <= table["yhat_lo_80"]).all() and (table["yhat_lo_80"] <= table["yhat"]).all()
    assert (table["yhat"] <= table["yhat_hi_80"]).all() and (table["yhat_hi_80"] <= table["yhat_hi_95"]).all()

    future = pd.DataFrame({"date": pd.to_datetime(table["ds"]).dt.strftime("%Y-%m-%d"), "store": "S1",
                           "sku": table["sku"], "promo": 1, "price": 0})
    future["price"] = future["sku"].map(panel.groupby("unique_id")["price"].last()) * 0.8
    planned = tmp_path / "future.csv"
    future.to_csv(planned, index=False)
    promoted_out = tmp_path / "g.csv"
    done = _run("forecast", str(sales), "--model", "ridge", "--horizon", "7", "--future", str(planned),
                "--out", str(promoted_out))
    assert done.returncode == 0, done.stderr
    promoted = pd.read_csv(promoted_out)
    assert promoted["yhat"].sum() > table["yhat"].sum() * 1.1  # a 20% discount with promotion sells more

    stranger = future.assign(sku="SKU-999")
    stranger.to_csv(planned, index=False)
    done = _run("forecast", str(sales), "--model", "ridge", "--horizon", "7", "--future", str(planned))
    assert done.returncode == 2
    assert "match no series and forecast period" in done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--model", "prophet", "--horizon", "7"], r"unknown model 'prophet'; choose one of"),
        (["--model", "naive", "--horizon", "400", "--folds", "3"], r"need more history .* use fewer folds"),
        (["--model", "gradient_boosting", "--horizon", "7", "--param", "max_iter=0"], r"max_iter=0 is outside"),
    ],
)
def test_engine_errors_are_one_line_with_exit_code_2(sales, args, message):
    import re

    done = _run("backtest", str(sales), *args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and re.search(message, lines[0]), done.stderr


def test_unprefixed_params_go_only_to_the_models_that_have_them():
    from argparse import Namespace

    from forecasting.cli.common import build_models

    args = Namespace(model="ridge,moving_average", horizon=7, param=["alpha=0.3", "moving_average.window=4"])
    ridge, average = build_models(args)
    assert ridge.alpha == 0.3 and average.window == 4


def test_the_saved_plan_goes_back_in_with_future_and_changes_the_forecast(sales, tmp_path):
    plan, base, promoted = tmp_path / "plan.csv", tmp_path / "base.csv", tmp_path / "promoted.csv"
    flags = ["--id", "store", "--id", "sku", "--model", "ridge", "--horizon", "7"]
    done = _run("forecast", str(sales), *flags, "--out", str(base), "--save-plan", str(plan))
    assert done.returncode == 0, done.stderr
    assert "no plan for 'promo'" in done.stderr
    table = pd.read_csv(plan)
    assert list(table.columns[:3]) == ["store", "sku", "date"] and {"price", "promo"} <= set(table.columns)
    assert (table["promo"] == 0).all()  # the sample's 0/1 flag: usually no promotion
    table.assign(promo=1.0).to_csv(plan, index=False)
    done = _run("forecast", str(sales), *flags, "--out", str(promoted), "--future", str(plan))
    assert done.returncode == 0, done.stderr
    assert "no plan for 'promo'" not in done.stderr
    assert pd.read_csv(promoted)["yhat"].sum() > 1.05 * pd.read_csv(base)["yhat"].sum()
