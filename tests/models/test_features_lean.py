"""The lean, vectorised features equal the implementation before issue #12 (``reference_features``) on the sample.

Features are float32 now, so values are compared to float32 precision; column names and order, and where a
value is missing, must be the same.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import reference_features as reference

from forecasting.models.base import future_dates
from forecasting.models.features import FeatureBuilder, FeatureConfig, future_frame, recursive_forecast

SETTINGS = [
    {},
    {"lags": (1, 3), "rolling_windows": (2, 5), "rolling_stats": ("mean", "std", "min", "max"),
     "ewm_alphas": (0.9, 0.3), "diffs": (1, 2), "target_transform": "none", "holidays_country": "DE"},
    {"calendar": False, "events": False, "holidays_country": None, "extra_events": (("brand_day", "2024-03-03"),),
     "price": False, "category": False},
]
FLOAT32 = {"rtol": 2e-6, "atol": 2e-6}


def _work(frame: pd.DataFrame, horizon: int = 14) -> pd.DataFrame:
    """The sample with unknown days inside and at the end of some series, and future rows (unknown demand)."""
    frame = frame.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    grid = future_dates(frame.groupby("unique_id")["ds"].max(), horizon, "D")
    rows, _ = future_frame(frame, grid, None)
    work = pd.concat([frame, rows[frame.columns]], ignore_index=True)
    work = work.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    work.loc[work.index[100:130], "y"] = np.nan
    return work


def _builders(frame, freq, settings):
    return (FeatureBuilder(FeatureConfig(**settings), freq).fit(frame),
            reference.FeatureBuilder(reference.FeatureConfig(**settings), freq).fit(frame))


@pytest.mark.parametrize("settings", SETTINGS)
def test_lean_features_equal_the_reference_on_the_sample(sample_frame, settings):
    frame, freq = sample_frame
    lean, old = _builders(frame, freq, settings)
    work = _work(frame)
    new_values, old_values = lean.transform(work), old.transform(work)
    assert list(new_values.columns) == list(old_values.columns)
    assert new_values.index.equals(work.index)
    np.testing.assert_array_equal(new_values.isna().to_numpy(), old_values.isna().to_numpy())
    np.testing.assert_allclose(new_values.to_numpy(dtype="float64"), old_values.to_numpy(dtype="float64"),
                               equal_nan=True, **FLOAT32)


def test_lean_features_are_float32(sample_frame):
    frame, freq = sample_frame
    features = FeatureBuilder(FeatureConfig(), freq).fit(frame).transform(frame.head(500))
    assert set(features.dtypes) == {np.dtype("float32")}


@pytest.mark.parametrize("settings", SETTINGS[:2])
def test_the_lean_recursion_equals_the_reference(sample_frame, settings):
    frame, freq = sample_frame
    history = frame.sort_values(["unique_id", "ds"]).reset_index(drop=True)
    history.loc[history.groupby("unique_id").tail(2).index[:3], "y"] = np.nan  # unknown days just before the end
    known = history.dropna(subset=["y"])
    lean, old = _builders(known, freq, settings)
    grid = future_dates(history.groupby("unique_id")["ds"].max(), 28, "D")
    rows, _ = future_frame(history, grid, None)
    weights = np.random.default_rng(2).normal(0, 0.05, len(lean.feature_names_))

    def model(names):
        def predict(features):  # a fixed linear "model" over every feature, NaN as 0
            return 0.5 + np.nan_to_num(features[names].to_numpy(dtype="float64")) @ weights
        return predict

    new = recursive_forecast(lean, model(lean.feature_names_), history, rows, 28)
    before = reference.recursive_forecast(old, model(old.feature_names_), history, rows, 28)
    np.testing.assert_allclose(new, before, rtol=1e-5, atol=1e-5)
