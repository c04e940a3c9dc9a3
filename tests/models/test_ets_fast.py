"""The fast ETS paths give statsmodels' own numbers: the unwrapped fit, the many-series fit, the batched forecast."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.tsa.exponential_smoothing.ets import ETSModel
from threadpoolctl import threadpool_limits

from forecasting.models import ets_batch, get_model
from forecasting.models import statistical as stat
from forecasting.models.ets_fit import fit_params, heuristic_start, known_spec
from forecasting.models.statistical import quiet_statsmodels

SEASON = 12


def monthly_panel(n_series: int = 40, n: int = 48, seed: int = 3) -> np.ndarray:
    """Seasonal, trending, noisy monthly series with different levels (one row each)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    level = rng.uniform(20, 500, (n_series, 1))
    season = np.sin(2 * np.pi * t / SEASON) * rng.uniform(0, 0.4, (n_series, 1))
    trend = rng.normal(0, 0.01, (n_series, 1)) * t
    return level * (1 + season + trend) + rng.normal(0, 1, (n_series, n)) * level * 0.1


def specs(n: int) -> list[dict]:
    model = get_model("ets")
    return model._candidates(n, SEASON, positive=True)


@pytest.mark.parametrize("init", ["heuristic", "estimated"])
def test_unwrapped_fit_equals_statsmodels_fit(init):
    for y in monthly_panel(6):
        for spec in specs(len(y)):
            spec = {**spec, "initialization_method": init}
            with quiet_statsmodels(), threadpool_limits(1, user_api="blas"):
                expected = np.asarray(ETSModel(pd.Series(y), **spec).fit(disp=False, maxiter=200, return_params=True))
                got = fit_params(ETSModel(pd.Series(y), **spec), 200)
            np.testing.assert_array_equal(got, expected)


def test_known_heuristic_start_is_the_same_model():
    y = monthly_panel(1)[0]
    for spec in specs(len(y)):
        start = heuristic_start(y, spec["seasonal"], spec["seasonal_periods"])
        with quiet_statsmodels():
            heuristic = ETSModel(pd.Series(y), **spec)
            known = ETSModel(pd.Series(y), **known_spec(spec, start))
        np.testing.assert_array_equal(fit_params(known, 200), fit_params(heuristic, 200))


def test_many_series_fit_equals_one_by_one_and_forecasts_like_statsmodels():
    panel = monthly_panel(30)
    for spec in specs(panel.shape[1]):
        starts = [known_spec(spec, heuristic_start(y, spec["seasonal"], spec["seasonal_periods"])) for y in panel]
        params, loglike = ets_batch.fit_batch(panel, spec, starts, 200)
        for y, start, row, ll in zip(panel, starts, params, loglike, strict=True):
            with quiet_statsmodels():
                model = ETSModel(pd.Series(y), **start)
                one = fit_params(model, 200)
                np.testing.assert_allclose(row, one, rtol=1e-7, atol=1e-10)
                assert ll == pytest.approx(model.loglike(one), rel=1e-9)
        forecasts = ets_batch.point_forecasts(panel, spec, starts, params, 6)
        for y, start, row, forecast in zip(panel, starts, params, forecasts, strict=True):
            with quiet_statsmodels():
                expected = ETSModel(pd.Series(y), **start).smooth(row).forecast(6)
            np.testing.assert_allclose(forecast, np.asarray(expected), rtol=1e-9)


def test_ets_model_gives_the_same_forecast_batched_or_series_by_series(monkeypatch):
    panel = monthly_panel(30)
    frame = pd.concat([pd.DataFrame({"unique_id": f"s{i}", "ds": pd.date_range("2020-01-01", periods=len(y), freq="MS"),
                                     "y": y}) for i, y in enumerate(panel)], ignore_index=True)
    batched = get_model("ets").fit(frame, freq="MS")
    monkeypatch.setattr(stat, "BATCH_SERIES_PER_PERIOD", 0)  # every group below the threshold: one by one
    single = get_model("ets").fit(frame, freq="MS")
    assert {u: s["spec"]["trend"] for u, s in batched.states_.items()} == \
        {u: s["spec"]["trend"] for u, s in single.states_.items()}
    for levels in ((), (80, 95)):
        a, b = batched.predict(6, levels=levels), single.predict(6, levels=levels)
        # Both paths start from the same heuristic states, so a partition of the series (Dask) changes nothing.
        np.testing.assert_allclose(a["ets"], b["ets"], rtol=1e-9)


def test_heuristic_states_for_many_series_equal_statsmodels_per_series():
    rng = np.random.default_rng(0)
    for n, season in ((30, 12), (54, 12), (104, 52), (60, 7), (40, 4)):
        panel = rng.normal(100, 20, (5, n)).cumsum(axis=1)
        for seasonal in (None, "add"):
            starts = ets_batch.heuristic_starts(panel, seasonal == "add", season)
            for y, start in zip(panel, starts, strict=True):
                expected = heuristic_start(y, seasonal, season)
                assert start["initial_level"] == pytest.approx(expected["initial_level"], rel=1e-11)
                assert start["initial_trend"] == pytest.approx(expected["initial_trend"], rel=1e-11)
                if seasonal:
                    np.testing.assert_allclose(start["initial_seasonal"], expected["initial_seasonal"], atol=1e-9)
    with pytest.raises(ValueError):
        ets_batch.heuristic_starts(rng.normal(size=(2, 20)), True, 12)  # fewer than two seasons
