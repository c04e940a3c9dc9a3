"""Alerts: each kind is checked against a case where the answer is known, and the sample's injected outliers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import ConfigError
from forecasting.recommend.alerts import (
    ALERT_COLUMNS,
    AlertSettings,
    bias_drift,
    demand_shifts,
    find_alerts,
    stock_alerts,
)
from forecasting.recommend.products import load_products

SAMPLE = Path(__file__).parents[2] / "sample_data"


def test_every_injected_outlier_of_the_sample_is_an_anomaly_alert(sample_frame, sample_run):
    frame, freq = sample_frame
    products = load_products(SAMPLE / "products.csv", frame, freq).table
    alerts = find_alerts(frame, freq, sample_run, products, settings=AlertSettings(lookback_days=None))
    found = alerts[alerts["kind"] == "anomaly"]
    truth = json.loads((SAMPLE / "ground_truth.json").read_text())["dirty"]["outliers"]
    injected = {(o["sku"], pd.Timestamp(o["date"])) for o in truth}
    flagged = set(zip(found["unique_id"], pd.to_datetime(found["ds"]), strict=True))
    assert injected <= flagged  # all 8 found
    assert len(flagged - injected) <= 3  # and little else
    assert list(alerts.columns) == ALERT_COLUMNS
    ahead = alerts[alerts["kind"] != "anomaly"]
    assert list(ahead["revenue_at_stake"]) == sorted(ahead["revenue_at_stake"], reverse=True)
    assert list(alerts.index[alerts["kind"] == "anomaly"]) == list(range(len(ahead), len(alerts)))  # past ones last
    assert found["revenue_at_stake"].isna().all()  # the past has nothing at stake any more
    biggest = found.set_index("unique_id").loc["SKU-043"]  # 1,904 units against a true 136
    assert "1,904 units on 2025-11-10" in biggest["message"]
    recent = find_alerts(frame, freq, sample_run, products, settings=AlertSettings(lookback_days=90))
    assert set(recent.loc[recent["kind"] == "anomaly", "unique_id"]) == {"SKU-043"}  # only the November one


def fake_run(predictions: pd.DataFrame) -> SimpleNamespace:
    return SimpleNamespace(name="m", backtest=SimpleNamespace(predictions=predictions))


def test_bias_drift_flags_the_series_whose_forecast_ran_low_and_not_the_noisy_one():
    rng = np.random.default_rng(0)
    days = pd.date_range("2025-01-01", periods=56)
    rows, actual = [], {}
    for uid, share in (("biased", 0.7), ("fair", 1.0)):
        y = actual[uid] = rng.poisson(50, size=56).astype(float)
        for i, ds in enumerate(days):
            rows.append({"unique_id": uid, "ds": ds, "cutoff": days[0] if i < 28 else days[27], "y": y[i],
                         "m": 50 * share})
    price = pd.Series({"biased": 2.0, "fair": 2.0})
    alerts = bias_drift(fake_run(pd.DataFrame(rows)), price, AlertSettings())
    assert list(alerts["unique_id"]) == ["biased"]
    row = alerts.iloc[0]
    assert re.search(r"ran (2[7-9]|3[0-3])% below actual sales", row["message"])  # 15 short of a level of 50
    shortfall = (actual["biased"][28:] - 35).sum()  # units the forecast missed in the latest window
    assert row["revenue_at_stake"] == pytest.approx(shortfall * 2.0)


def test_demand_shift_compares_the_forecast_with_the_same_weeks_a_year_ago():
    days = pd.date_range("2024-01-01", "2025-06-30")
    history = pd.concat([pd.DataFrame({"unique_id": uid, "ds": days, "y": 20.0}) for uid in ("up", "same")])
    ahead = pd.date_range("2025-07-01", periods=28)
    forecast = pd.concat([pd.DataFrame({"unique_id": "up", "ds": ahead, "yhat": 40.0}),
                          pd.DataFrame({"unique_id": "same", "ds": ahead, "yhat": 21.0})])
    alerts = demand_shifts(history, "D", forecast, pd.Series({"up": 5.0, "same": 5.0}), AlertSettings())
    assert list(alerts["unique_id"]) == ["up"]
    assert "+100% against the same weeks a year ago (560)" in alerts.iloc[0]["message"]
    assert alerts.iloc[0]["revenue_at_stake"] == pytest.approx(560 * 5.0)


def test_last_years_promotion_is_not_a_demand_shift():
    days = pd.date_range("2024-01-01", "2025-06-30")
    promoted = days.isin(pd.date_range("2024-07-01", periods=14))  # half of last year's weeks on promotion
    history = pd.DataFrame({"unique_id": "p", "ds": days, "y": np.where(promoted, 60.0, 20.0),
                            "promo": promoted.astype(float)})
    forecast = pd.DataFrame({"unique_id": "p", "ds": pd.date_range("2025-07-01", periods=28), "yhat": 20.0})
    assert demand_shifts(history, "D", forecast, pd.Series({"p": 5.0}), AlertSettings()).empty
    with_drop = forecast.assign(yhat=10.0)
    alerts = demand_shifts(history, "D", with_drop, pd.Series({"p": 5.0}), AlertSettings())
    assert "-50% against the same weeks a year ago without promotions (560)" in alerts.iloc[0]["message"]


def test_a_series_discounted_as_a_rule_is_compared_with_all_of_last_years_weeks():
    """Superstore-like: a discount almost every week is the usual plan, so no week of last year is left out."""
    rng = np.random.default_rng(0)
    days = pd.date_range("2024-01-01", "2025-06-30")
    history = pd.DataFrame({"unique_id": "d", "ds": days, "y": 20.0,
                            "promo": rng.choice([0.1, 0.2, 0.3], len(days))})  # never 0: continuous discount
    forecast = pd.DataFrame({"unique_id": "d", "ds": pd.date_range("2025-07-01", periods=28), "yhat": 20.0})
    assert demand_shifts(history, "D", forecast, pd.Series({"d": 5.0}), AlertSettings()).empty
    alerts = demand_shifts(history, "D", forecast.assign(yhat=10.0), pd.Series({"d": 5.0}), AlertSettings())
    assert "-50% against the same weeks a year ago (560)" in alerts.iloc[0]["message"]


def test_a_series_that_sold_nothing_is_said_so_not_as_an_infinite_percentage():
    days = pd.date_range("2024-01-01", "2025-06-30")
    history = pd.DataFrame({"unique_id": "n", "ds": days, "y": np.where(days < "2024-06-01", 5.0, 0.0)})
    forecast = pd.DataFrame({"unique_id": "n", "ds": pd.date_range("2025-07-01", periods=28), "yhat": 5.0})
    message = demand_shifts(history, "D", forecast, pd.Series({"n": 5.0}), AlertSettings()).iloc[0]["message"]
    assert "where the same weeks a year ago sold none" in message and "inf" not in message


def test_stock_alerts_come_from_the_plan_thresholds():
    plan = pd.DataFrame([
        {"unique_id": "short", "stockout_risk": 0.9, "stockout_date": pd.Timestamp("2026-01-03"), "lead_time": 14.0,
         "inventory_position": 5.0, "lead_time_demand": 140.0, "order_qty": 200.0, "revenue_at_risk": 1350.0,
         "days_of_cover": 0.5, "on_hand": 5.0, "unit_cost": 3.0},
        {"unique_id": "heavy", "stockout_risk": 0.0, "stockout_date": pd.NaT, "lead_time": 14.0,
         "inventory_position": 5000.0, "lead_time_demand": 140.0, "order_qty": 0.0, "revenue_at_risk": 0.0,
         "days_of_cover": 500.0, "on_hand": 5000.0, "unit_cost": 3.0},
        {"unique_id": "fine", "stockout_risk": 0.05, "stockout_date": pd.NaT, "lead_time": 14.0,
         "inventory_position": 300.0, "lead_time_demand": 140.0, "order_qty": 0.0, "revenue_at_risk": 2.0,
         "days_of_cover": 30.0, "on_hand": 300.0, "unit_cost": 3.0},
    ])
    forecast = pd.concat([pd.DataFrame({"unique_id": uid, "ds": pd.date_range("2026-01-01", periods=28),
                                        "yhat": 10.0}) for uid in ("short", "heavy", "fine")])
    alerts = stock_alerts(plan, "D", forecast, AlertSettings(overstock_days=120))
    kinds = dict(zip(alerts["unique_id"], alerts["kind"], strict=True))
    assert kinds == {"short": "stockout_risk", "heavy": "overstock"}
    heavy = alerts.set_index("unique_id").loc["heavy"]
    assert heavy["revenue_at_stake"] == pytest.approx((5000 - 1200) * 3.0)  # beyond 120 days of 10 a day
    assert alerts.set_index("unique_id").loc["short", "ds"] == pd.Timestamp("2026-01-03")


def test_unknown_stock_raises_no_stock_alert():
    plan = pd.DataFrame([{"unique_id": "a", "stockout_risk": np.nan, "stockout_date": pd.NaT, "lead_time": 14.0,
                          "inventory_position": np.nan, "lead_time_demand": 140.0, "order_qty": np.nan,
                          "revenue_at_risk": np.nan, "days_of_cover": np.nan, "on_hand": np.nan, "unit_cost": 3.0}])
    forecast = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2026-01-01", periods=28), "yhat": 10.0})
    assert stock_alerts(plan, "D", forecast, AlertSettings(risk_threshold=0.01, overstock_days=7)).empty


def test_alert_settings_are_checked():
    with pytest.raises(ConfigError, match=r"stock-out risk threshold must be in \(0, 1\]"):
        AlertSettings(risk_threshold=1.5)
    with pytest.raises(ConfigError, match="alert setting overstock_days must be above 0"):
        AlertSettings(overstock_days=0)
    with pytest.raises(ConfigError, match="lookback must be above 0 days"):
        AlertSettings(lookback_days=-3)


def test_bias_drift_needs_more_than_correlated_noise():
    from types import SimpleNamespace

    from forecasting.recommend.alerts import AlertSettings, bias_drift

    rng = np.random.default_rng(3)
    days = pd.date_range("2025-01-01", periods=28)
    rows = []
    for i in range(40):  # zero-mean errors that wander (AR(1), rho 0.9): no bias, but runs look like one
        noise = np.zeros(28)
        for t in range(1, 28):
            noise[t] = 0.9 * noise[t - 1] + rng.normal(0, 4)
        rows.append(pd.DataFrame({"unique_id": f"s{i}", "ds": days, "cutoff": days[0] - pd.Timedelta(days=1),
                                  "y": 100 + noise, "m": 100.0}))
    biased = pd.DataFrame({"unique_id": "late", "ds": days, "cutoff": days[0] - pd.Timedelta(days=1),
                           "y": 140 + rng.normal(0, 4, 28), "m": 100.0})
    run = SimpleNamespace(name="m", backtest=SimpleNamespace(predictions=pd.concat([*rows, biased])))
    flagged = bias_drift(run, pd.Series(dtype=float), AlertSettings(bias_share=0.01))
    assert "late" in set(flagged["unique_id"])
    assert len(flagged) - 1 <= 8  # of 40 unbiased wandering series; a plain t-test on the days flags about half
