"""Metric functions on hand-made arrays, including zero-heavy demand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.evaluation.metrics import (
    POINT_METRICS,
    bias,
    coverage,
    evaluate,
    mae,
    mape,
    rmse,
    seasonal_scale,
    smape,
    summarise,
    training_scales,
    wape,
)

Y = np.array([0.0, 2.0, 4.0, 0.0])
F = np.array([1.0, 2.0, 2.0, 0.0])


def test_point_metrics_by_hand():
    assert mae(Y, F) == pytest.approx(0.75)
    assert rmse(Y, F) == pytest.approx(np.sqrt(5 / 4))
    assert wape(Y, F) == pytest.approx(3 / 6)
    assert bias(Y, F) == pytest.approx(-1 / 6)
    # sMAPE: 2|e|/(|y|+|f|) = 2, 0, 2/3, and 0 where both are zero.
    assert smape(Y, F) == pytest.approx((2 + 0 + 2 / 3 + 0) / 4)


def test_mape_needs_an_explicit_zero_policy():
    assert mape(Y, F, "exclude") == pytest.approx((0 + 0.5) / 2)
    assert mape(Y, F, "epsilon", epsilon=1.0) == pytest.approx((1 + 0 + 0.5 + 0) / 4)
    assert np.isnan(mape(np.zeros(3), np.ones(3), "exclude"))  # undefined, never a silent 0


def test_coverage_counts_the_edges_as_inside():
    assert coverage(np.array([1.0, 5.0, 9.0]), np.array([1.0, 0.0, 0.0]), np.array([2.0, 5.0, 8.0])) == pytest.approx(2 / 3)


def test_seasonal_scale_of_intermittent_and_constant_series():
    assert np.isnan(seasonal_scale(np.full(20, 4.0), 7))  # constant: MASE is undefined, not infinite
    assert seasonal_scale(np.array([0, 0, 3, 0, 0, 3, 0, 0, 0.0]), 3) == pytest.approx(0.5)


def test_mase_is_scaled_per_series_and_fold_and_averaged():
    cv = pd.DataFrame({
        "unique_id": ["a", "a", "b", "b"], "ds": pd.to_datetime(["2024-01-08", "2024-01-09"] * 2),
        "cutoff": pd.Timestamp("2024-01-07"), "y": [10.0, 10.0, 100.0, 100.0], "m": [12.0, 8.0, 110.0, 90.0],
    })
    scales = pd.DataFrame({"unique_id": ["a", "b"], "cutoff": pd.Timestamp("2024-01-07"), "scale": [1.0, 20.0]})
    per_series = evaluate(cv, ["m"], scales, levels=())
    assert per_series.set_index("unique_id")["mase"].to_dict() == {"a": 2.0, "b": 0.5}
    board = summarise(per_series, baseline="m")
    assert board.loc[0, "mase"] == pytest.approx(1.25)
    assert board.loc[0, "wape"] == pytest.approx(24 / 220)


def test_evaluate_and_scales_equal_the_per_series_functions():
    """The vectorised table equals the metric functions applied to each series and fold, one at a time."""
    rng = np.random.default_rng(0)
    ids, cutoffs = ["a", "b", "c"], pd.to_datetime(["2024-01-10", "2024-01-20"])
    history = pd.DataFrame({"unique_id": np.repeat(ids, 40), "ds": np.tile(pd.date_range("2024-01-01", periods=40), 3),
                            "y": rng.poisson(3, 120).astype(float)})
    history.loc[history["unique_id"] == "c", "y"] = 5.0  # constant: no scale
    scales = training_scales(history, list(cutoffs), 7)
    for (uid, cutoff), row in scales.set_index(["unique_id", "cutoff"]).iterrows():
        y = history[(history["unique_id"] == uid) & (history["ds"] <= cutoff)]["y"].to_numpy()
        assert row["scale"] == pytest.approx(seasonal_scale(y, 7), rel=1e-12, nan_ok=True)
    cv = pd.DataFrame({"unique_id": np.repeat(ids, 10), "cutoff": np.tile(np.repeat(cutoffs, 5), 3),
                       "ds": pd.Timestamp("2024-02-01"), "y": rng.poisson(3, 30).astype(float)})
    cv.loc[:4, "y"] = 0.0  # a window without sales: WAPE and MAPE undefined
    cv["m"] = cv["y"] + rng.normal(0, 1, 30)
    cv["m-lo-80"], cv["m-hi-80"] = cv["m"] - 1, cv["m"] + 1
    cv.loc[7, "m-lo-80"] = np.nan  # an incomplete interval: no coverage for that window
    table = evaluate(cv, ["m"], scales, levels=(80,))
    assert list(table[["unique_id", "cutoff"]].itertuples(index=False, name=None)) == \
        sorted(set(cv[["unique_id", "cutoff"]].itertuples(index=False, name=None)))
    for _, row in table.iterrows():
        group = cv[(cv["unique_id"] == row["unique_id"]) & (cv["cutoff"] == row["cutoff"])]
        y, yhat = group["y"].to_numpy(), group["m"].to_numpy()
        for name, fn in POINT_METRICS.items():
            assert row[name] == pytest.approx(fn(y, yhat), rel=1e-12, nan_ok=True), name
        complete = group["m-lo-80"].notna().all()
        expected = coverage(y, group["m-lo-80"].to_numpy(), group["m-hi-80"].to_numpy()) if complete else np.nan
        assert row["coverage_80"] == pytest.approx(expected, nan_ok=True)
