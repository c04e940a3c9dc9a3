"""Cleaning: each step, its report, and the sample data's known dirt."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.data.cleaning import CleaningConfig, StockoutMark, clean, find_outliers
from forecasting.data.dataset import load_dataset, prepare
from forecasting.errors import ConfigError

SAMPLE = Path(__file__).parents[2] / "sample_data"


def _series(values, uid="A", start="2024-01-01", **extra) -> pd.DataFrame:
    frame = pd.DataFrame(
        {"unique_id": uid, "ds": pd.date_range(start, periods=len(values)), "y": np.asarray(values, dtype=float)}
    )
    for name, column in extra.items():
        frame[name] = column
    return frame


def _changes(result, action):
    return result.changes[result.changes["action"] == action]


def test_exact_duplicates_are_removed_and_listed():
    frame = _series([1, 2, 3])
    result = clean(pd.concat([frame, frame.iloc[[1]]], ignore_index=True), "D", CleaningConfig())
    assert result.frame["y"].tolist() == [1, 2, 3]
    assert len(_changes(result, "duplicate_removed")) == 1


def test_gaps_filled_with_zero_or_marked_missing_then_filled():
    frame = _series([4, 6, 8, 10]).drop(index=[1, 2])
    zero = clean(frame, "D", CleaningConfig(gaps="zero"))
    assert zero.frame["y"].tolist() == [4, 0, 0, 10]
    missing = clean(frame, "D", CleaningConfig(gaps="missing"))
    assert missing.frame["y"].tolist() == [4, 6, 8, 10]  # linear interpolation
    kept = clean(frame, "D", CleaningConfig(gaps="missing", missing="keep"))
    assert kept.frame["y"].isna().sum() == 2
    assert len(_changes(kept, "gap_missing")) == 2


def test_order_lines_default_to_zero_for_gaps_and_panels_to_missing():
    frame = _series([4, 6, 8, 10]).drop(index=[1])
    assert clean(frame, "D", CleaningConfig(), order_lines=True).frame["y"].tolist() == [4, 0, 8, 10]
    assert clean(frame, "D", CleaningConfig()).frame["y"].tolist() == [4, 6, 8, 10]


@pytest.mark.parametrize(
    ("method", "expected"),
    [
        ("interpolate", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
        ("ffill", [1, 2, 3, 4, 4, 6, 7, 8, 9, 10]),
        ("zero", [1, 2, 3, 4, 0, 6, 7, 8, 9, 10]),
    ],
)
def test_missing_value_methods(method, expected):
    values = [1, 2, 3, 4, np.nan, 6, 7, 8, 9, 10]
    result = clean(_series(values), "D", CleaningConfig(missing=method, outliers="keep"))
    assert result.frame["y"].tolist() == expected


def test_seasonal_fill_copies_the_same_weekday_last_week():
    values = [10, 20, 30, 40, 50, 60, 70] * 3
    values[15] = np.nan
    result = clean(_series(values), "D", CleaningConfig(missing="seasonal", outliers="keep"))
    assert result.frame["y"].iloc[15] == values[8]


def test_stockouts_become_unknown_demand_not_zero():
    values = [10, 12, 0, 0, 11, 10]
    stock = [50, 30, 0, 0, 40, 30]
    result = clean(_series(values, stock=stock), "D", CleaningConfig(missing="interpolate"))
    assert len(_changes(result, "stockout_unknown")) == 2
    assert result.frame["y"].iloc[2] > 0
    kept = clean(_series(values, stock=stock), "D", CleaningConfig(stockouts="keep"))
    assert kept.frame["y"].iloc[2] == 0


def test_user_marked_stockouts():
    mark = StockoutMark("A", pd.Timestamp("2024-01-03"), pd.Timestamp("2024-01-04"))
    result = clean(_series([10, 12, 0, 0, 11, 10]), "D", CleaningConfig(stockout_marks=(mark,), missing="keep"))
    assert result.frame["y"].isna().tolist() == [False, False, True, True, False, False]


@pytest.mark.parametrize(("policy", "expected"), [("zero", 0.0), ("keep", -3.0)])
def test_negative_values_are_returns(policy, expected):
    result = clean(_series([5, -3, 6]), "D", CleaningConfig(negatives=policy, outliers="keep"))
    assert result.frame["y"].iloc[1] == expected


def _spiky(n=120, spike_at=60, spike=400.0, **extra):
    rng = np.random.default_rng(1)
    values = rng.poisson(20, n).astype(float)
    values[spike_at] = spike
    return _series(values, **extra)


@pytest.mark.parametrize("method", ["mad", "iqr"])
def test_outliers_are_flagged_or_clipped(method):
    frame = _spiky()
    flagged = clean(frame, "D", CleaningConfig(outliers="flag", outlier_method=method))
    assert _changes(flagged, "outlier_flagged")["ds"].tolist() == [frame["ds"].iloc[60]]
    assert flagged.frame["y"].iloc[60] == 400  # flagging changes nothing
    clipped = clean(frame, "D", CleaningConfig(outliers="clip", outlier_method=method))
    assert 20 < clipped.frame["y"].iloc[60] < 100
    assert clipped.frame["y"].drop(index=60).equals(frame["y"].drop(index=60))


def test_promotion_spikes_need_twice_the_score():
    moderate = _spiky(spike=80.0, promo=0.0)
    assert find_outliers(moderate, "D").sum() == 1
    moderate.loc[60, "promo"] = 0.3
    assert find_outliers(moderate, "D").sum() == 0


def test_slow_movers_selling_a_few_units_are_not_outliers():
    values = np.zeros(200)
    values[[20, 75, 140]] = [2, 3, 4]
    assert find_outliers(_series(values), "D").sum() == 0


def test_prices_are_carried_forward_when_unknown():
    result = clean(_series([1, 2, 3, 4], price=[10.0, np.nan, 12.0, np.nan]), "D", CleaningConfig())
    assert result.frame["price"].tolist() == [10.0, 10.0, 12.0, 12.0]
    assert len(_changes(result, "price_carried")) == 2


def test_invalid_options_are_refused_with_the_choices():
    with pytest.raises(ConfigError, match=r"cleaning option missing='mean' is not valid; choose one of interpolate, ffill"):
        CleaningConfig(missing="mean")


def test_cleaning_never_modifies_its_input():
    frame = _spiky(stock=50.0)
    before = frame.copy()
    clean(frame, "D", CleaningConfig(outliers="clip"))
    pd.testing.assert_frame_equal(frame, before)


def test_sample_data_dirt_is_found_as_the_generator_recorded_it():
    truth = json.loads((SAMPLE / "ground_truth.json").read_text())["dirty"]
    dataset = load_dataset(SAMPLE / "sales.csv")
    result = prepare(dataset, CleaningConfig())
    counts = result.changes["action"].value_counts()
    assert counts["duplicate_removed"] == truth["duplicate_rows"]
    assert counts["gap_missing"] == len(truth["missing_days"])
    flagged = _changes(result, "outlier_flagged")
    found = {(u, d.strftime("%Y-%m-%d")) for u, d in zip(flagged["unique_id"], flagged["ds"], strict=True)}
    injected = {(o["sku"], o["date"]) for o in truth["outliers"]}
    assert injected <= found  # every injected outlier is caught ...
    assert len(found - injected) <= 10  # ... among few false alarms in 52,000 days
    assert result.frame["y"].isna().sum() == 0
    assert not result.frame.duplicated(["unique_id", "ds"]).any()
