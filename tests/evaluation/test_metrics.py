"""Metric functions on hand-made arrays, including zero-heavy demand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.evaluation.metrics import (
    bias,
    coverage,
    evaluate,
    mae,
    mape,
    rmse,
    seasonal_scale,
    smape,
    summarise,
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
