"""``python -m forecasting recommend ...``: output columns scripts rely on, and one-line errors with exit code 2."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.cli import main
from forecasting.cli.recommend import INVENTORY_COLUMNS, SIMULATION_COLUMNS

PRICING_COLUMNS = ["unique_id", "elasticity", "elasticity_lo", "elasticity_hi", "current_price", "recommended_price",
                   "expected_units_change_pct", "expected_profit_change_pct"]
PLAN_COLUMNS = ["unique_id", "start", "end", "discount", "baseline_units", "promo_units", "uplift_pct",
                "incremental_revenue", "incremental_profit", "roi"]
PAST_COLUMNS = ["unique_id", "start", "end", "discount", "actual_units", "baseline_units", "uplift_pct"]
MODEL = ["--model", "ridge", "--horizon", "14", "--folds", "1"]


@pytest.fixture(scope="module")
def files(tmp_path_factory, panel):
    """The 8-series panel as a sales file (sku, date, units ...) and a products file for 7 of its SKUs."""
    folder = tmp_path_factory.mktemp("recommend")
    sales = panel.rename(columns={"unique_id": "sku", "ds": "date", "y": "units"})
    sales.to_csv(folder / "sales.csv", index=False)
    skus = sorted(panel["unique_id"].unique())
    products = pd.DataFrame({"sku": skus[:7] + ["NOT-SOLD"], "unit_cost": 4.0, "lead_time_days": 10,
                             "stock_on_hand": 50, "service_level": 0.9})
    products.to_csv(folder / "products.csv", index=False)
    return folder


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_inventory_writes_the_documented_columns_and_the_replay(files, capsys):
    out = files / "inventory.csv"
    code, _, err = run(capsys, "recommend", "inventory", files / "sales.csv", *MODEL, "--products",
                       files / "products.csv", "--simulate", "--sim-windows", "6", "--out", out)
    assert code == 0, err
    table = pd.read_csv(out)
    assert list(table.columns[: len(INVENTORY_COLUMNS) + len(SIMULATION_COLUMNS)]) == \
        INVENTORY_COLUMNS + SIMULATION_COLUMNS
    assert len(table) == 8 and table["unique_id"].is_unique
    from_file = table[table["unique_id"].isin(pd.read_csv(files / "products.csv")["sku"])]
    assert (from_file["service_level"] == 0.9).all() and (from_file["lead_time"] == 10).all()
    assert table["achieved_service_level"].between(0, 1).all() and (table["sim_cycles"] > 0).all()
    assert "1 product id(s) in the products file match no sales series" in err
    assert "policy replayed" in err and "(6 backtest windows)" in err


def test_service_level_flag_overrides_the_products_file(files, capsys):
    code, out, err = run(capsys, "recommend", "inventory", files / "sales.csv", *MODEL, "--products",
                         files / "products.csv", "--service-level", "0.99")
    assert code == 0, err
    table = pd.read_csv(pd.io.common.StringIO(out))
    assert (table["service_level"] == 0.99).all()


def test_alerts_write_the_documented_columns(files, capsys):
    out = files / "alerts.csv"
    code, _, err = run(capsys, "recommend", "alerts", files / "sales.csv", *MODEL, "--overstock-days", "30",
                       "--out", out)
    assert code == 0, err
    table = pd.read_csv(out)
    assert list(table.columns[:6]) == ["unique_id", "kind", "ds", "severity", "revenue_at_stake", "message"]
    assert set(table["kind"]) <= {"anomaly", "demand_shift", "bias_drift", "stockout_risk", "overstock"}


def test_pricing_and_promotion_kinds_use_the_agreed_functions(files, capsys):
    code, out, err = run(capsys, "recommend", "pricing", files / "sales.csv", *MODEL)
    assert code == 0, err
    prices = pd.read_csv(pd.io.common.StringIO(out))
    assert set(PRICING_COLUMNS) <= set(prices.columns) and len(prices) == 8
    code, out, err = run(capsys, "recommend", "promotion", files / "sales.csv", *MODEL)
    assert code == 0, err
    past = pd.read_csv(pd.io.common.StringIO(out))
    assert set(PAST_COLUMNS) <= set(past.columns) and len(past) > 0
    first = pd.read_csv(files / "sales.csv")["date"].max()
    start = pd.Timestamp(first) + pd.Timedelta(days=3)
    plan = pd.DataFrame({"sku": [past["unique_id"].iloc[0]], "start": [start.date()],
                         "end": [(start + pd.Timedelta(days=4)).date()], "discount": [0.2]})
    plan.to_csv(files / "plan.csv", index=False)
    code, out, err = run(capsys, "recommend", "promotion", files / "sales.csv", *MODEL, "--plan", files / "plan.csv")
    assert code == 0, err
    assert set(PLAN_COLUMNS) <= set(pd.read_csv(pd.io.common.StringIO(out)).columns)


@pytest.mark.parametrize(("extra", "message"), [
    (["--service-level", "1.5"], "error: --service-level must be between 0.5 and 1 (e.g. 0.95), got 1.5"),
    (["--plan", "plan.csv"], "error: --plan is for 'recommend promotion' only"),
    (["--products", "bad_products.csv"], "error: products column 'unit_cost' (unit_cost) has text where numbers"),
    (["--products", "missing.csv"], "error: "),
])
def test_bad_input_is_one_error_line_and_exit_code_2(files, capsys, extra, message):
    pd.DataFrame({"sku": ["a"], "unit_cost": ["cheap"]}).to_csv(files / "bad_products.csv", index=False)
    extra = [str(files / e) if e.endswith(".csv") else e for e in extra]
    code, _, err = run(capsys, "recommend", "inventory", files / "sales.csv", *MODEL, *extra)
    assert code == 2
    assert err.startswith(message) and err.count("\n") == 1


def test_an_unknown_kind_is_a_usage_error(files, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["recommend", "stock", str(files / "sales.csv"), *MODEL])
    assert exit_info.value.code == 2
    assert "invalid choice: 'stock'" in capsys.readouterr().err


def test_inventory_on_a_sales_value_without_prices_exits_2_before_training(tmp_path, capsys):
    path = tmp_path / "money.csv"
    dates = pd.date_range("2023-01-06", periods=80, freq="W-FRI").strftime("%Y-%m-%d")
    pd.DataFrame({"Date": list(dates) * 2, "Store": [1] * 80 + [2] * 80,
                  "Weekly_Sales": [1500.75 + (i % 9) * 10.5 for i in range(160)]}).to_csv(path, index=False)
    code, _, err = run(capsys, "recommend", "inventory", path, "--model", "seasonal_naive", "--horizon", "4")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "sales value (money), and inventory needs quantities" in err and "--price" in err
    assert "window" not in err  # refused before any training
