"""Features: leak-free by construction, correct calendars, and future rows with planned drivers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import ConfigError
from forecasting.models.base import future_dates
from forecasting.models.features import FeatureBuilder, FeatureConfig, future_frame, recursive_forecast


@pytest.mark.parametrize("t", [40, 200, 400])
def test_no_feature_at_t_uses_the_target_at_t_or_later(panel, t):
    """Scramble every target value from period t on: features at t must not change."""
    builder = FeatureBuilder(FeatureConfig(), "D").fit(panel)
    before = builder.transform(panel)
    position = panel.groupby("unique_id").cumcount()
    scrambled = panel.copy()
    later = position >= t
    scrambled.loc[later, "y"] = np.random.default_rng(1).permutation(scrambled.loc[later, "y"].to_numpy()) * 3 + 7
    after = builder.transform(scrambled)
    at_t = (position == t).to_numpy()
    pd.testing.assert_frame_equal(before[at_t], after[at_t])
    # ... while features after t do change, so the test can fail.
    assert not before[(position == t + 1).to_numpy()].equals(after[(position == t + 1).to_numpy()])


def test_event_and_holiday_distances():
    days = pd.Series(pd.to_datetime(["2024-11-27", "2024-11-29", "2024-12-01", "2024-07-04"]))
    frame = pd.DataFrame({"unique_id": "a", "ds": days, "y": 1.0})
    features = FeatureBuilder(FeatureConfig(holidays_country="US"), "D").fit(frame).transform(frame)
    assert features["days_to_black_friday"].tolist()[:2] == [2, 0]  # Black Friday 2024 is November 29
    assert features["days_after_black_friday"].iloc[2] == 2
    assert features["days_to_cyber_monday"].iloc[2] == 1
    assert features["holiday"].iloc[3] == 1  # Independence Day


def test_weekly_and_monthly_data_count_events_in_the_period():
    weeks = pd.Series(pd.to_datetime(["2024-11-25", "2024-12-02"]))  # the first week holds Black Friday
    frame = pd.DataFrame({"unique_id": "a", "ds": weeks, "y": 1.0})
    features = FeatureBuilder(FeatureConfig(), "W-MON").fit(frame).transform(frame)
    assert features["event_black_friday"].tolist() == [1, 0]
    assert features["event_cyber_monday"].tolist() == [0, 1]


def test_user_added_events():
    frame = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024-03-01", periods=5), "y": 1.0})
    config = FeatureConfig(events=False, extra_events=(("brand_day", "2024-03-03"),), holidays_country=None)
    features = FeatureBuilder(config, "D").fit(frame).transform(frame)
    assert features["days_to_brand_day"].tolist() == [2, 1, 0, 15, 15]
    assert "days_to_black_friday" not in features


def test_future_rows_use_planned_drivers_and_sensible_defaults(tiny_panel):
    last = tiny_panel.groupby("unique_id")["ds"].max()
    grid = future_dates(last, 3, "D")
    planned = grid[grid["unique_id"] == "a"].assign(promo=1.0, price=8.0)
    rows, notes = future_frame(tiny_panel, grid, planned)
    a, b = rows[rows["unique_id"] == "a"], rows[rows["unique_id"] == "b"]
    assert a["promo"].tolist() == [1.0] * 3 and a["price"].tolist() == [8.0] * 3
    assert b["promo"].tolist() == [0.0] * 3  # no promotion unless planned
    assert b["price"].tolist() == [11.0] * 3  # the last known price
    assert b["category"].tolist() == ["x"] * 3
    _, defaulted = future_frame(tiny_panel, grid, None)
    assert any("last known price" in n for n in defaulted) and not notes


def test_recursive_forecast_feeds_each_step_into_the_next():
    history = pd.DataFrame({"unique_id": "a", "ds": pd.date_range("2024-01-01", periods=30), "y": 5.0})
    config = FeatureConfig(lags=(1,), rolling_windows=(), ewm_alphas=(), diffs=(), calendar=False, events=False,
                           holidays_country=None, target_transform="none")
    builder = FeatureBuilder(config, "D").fit(history)
    rows, _ = future_frame(history, future_dates(pd.Series({"a": history["ds"].max()}), 4, "D"), None)
    # A "model" that adds one to the previous period: recursion must give 6, 7, 8, 9.
    values = recursive_forecast(builder, lambda X: X["lag_1"].to_numpy() + 1, history, rows, 4)
    assert values.tolist() == [6.0, 7.0, 8.0, 9.0]


def _rebuild_every_step(builder, predict, history, rows, horizon):
    """The straightforward recursion (rebuild all demand features each step): the reference for the fast one."""
    tail = history.groupby("unique_id", sort=False).tail(builder.config.memory(builder.freq))
    work = pd.concat([tail.assign(_f=False), rows[tail.columns.intersection(rows.columns)].assign(_f=True)],
                     ignore_index=True).sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    is_future = work.pop("_f").to_numpy(dtype=bool)
    step = work[is_future].groupby("unique_id", sort=False).cumcount().to_numpy()
    future_index = np.flatnonzero(is_future)
    known = builder.exogenous(work)
    out = np.empty(len(future_index))
    for h in range(horizon):
        at = future_index[step == h]
        values = np.clip(builder.inverse(predict(builder.combine(builder.demand(work).iloc[at], known.iloc[at]))), 0,
                         None)
        work.loc[at, "y"] = values
        out[step == h] = values
    order = work.loc[future_index, ["unique_id", "ds"]].reset_index(drop=True)
    return rows[["unique_id", "ds"]].merge(order.assign(_v=out), on=["unique_id", "ds"], how="left")["_v"].to_numpy()


@pytest.mark.parametrize("config", [
    FeatureConfig(),
    FeatureConfig(lags=(1, 3), rolling_windows=(2, 5), rolling_stats=("mean", "std", "min", "max"),
                  ewm_alphas=(0.9, 0.3), diffs=(1, 2), target_transform="none"),
])
def test_the_fast_recursion_equals_rebuilding_every_feature_each_step(tiny_panel, config):
    history = tiny_panel.copy()
    history.loc[history.groupby("unique_id").tail(3).index[:2], "y"] = np.nan  # unknown days just before the end
    history.loc[history.index[5:9], "y"] = np.nan  # and inside the history
    builder = FeatureBuilder(config, "D").fit(history.dropna(subset=["y"]))
    grid = future_dates(history.groupby("unique_id")["ds"].max(), 10, "D")
    rows, _ = future_frame(history, grid, None)
    weights = np.random.default_rng(1).normal(0, 0.2, len(builder.feature_names_))

    def predict(features):  # a fixed linear "model" over every feature, NaN as 0
        return 1.0 + np.nan_to_num(features[builder.feature_names_].to_numpy(dtype="float64")) @ weights

    fast = recursive_forecast(builder, predict, history, rows, 10)
    # Features are float32: the two paths round the same float64 values, so they agree to float32 precision.
    np.testing.assert_allclose(fast, _rebuild_every_step(builder, predict, history, rows, 10), rtol=1e-6, atol=1e-6)


def test_invalid_feature_settings_are_refused():
    with pytest.raises(ConfigError, match=r"holiday country 'XX' is unknown"):
        FeatureConfig(holidays_country="XX")
    with pytest.raises(ConfigError, match=r"lags must be whole numbers of periods of at least 1"):
        FeatureConfig(lags=(0, 1))
