"""Every registered model passes the same checks (scikit-learn's estimator_checks, statsforecast's assert_class)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import ConfigError
from forecasting.models import NotFittedError, available, get_model

HORIZON = 7
#: Small settings so that every model family runs in seconds; defaults are exercised elsewhere.
FAST = {
    "random_forest": {"n_estimators": 20},
    "gradient_boosting": {"max_iter": 30},
    "sarimax": {"time_budget": 0.5},
    "mlp": {"epochs": 2, "units": 8},
    "lstm": {"epochs": 2, "units": 8},
    "transformer": {"epochs": 2, "units": 8},
    "auto": {"horizon": HORIZON, "selection_windows": 1},
}
MODELS = sorted(available())


def _model(name):
    return get_model(name, **FAST.get(name, {}))


@pytest.mark.parametrize("name", MODELS)
def test_contract(name, tiny_panel):
    original = tiny_panel.copy(deep=True)
    model = _model(name)
    with pytest.raises(NotFittedError, match=f"{name} must be fitted before it can predict; call fit"):
        model.predict(HORIZON)
    assert model.fit(tiny_panel) is model
    pd.testing.assert_frame_equal(tiny_panel, original)  # never mutates the caller's frame

    forecast = model.predict(HORIZON)
    assert list(forecast.columns[:3]) == ["unique_id", "ds", name]
    assert len(forecast) == tiny_panel["unique_id"].nunique() * HORIZON
    for uid, group in forecast.groupby("unique_id"):
        last = tiny_panel.loc[tiny_panel["unique_id"] == uid, "ds"].max()
        assert group["ds"].tolist() == list(pd.date_range(last + pd.Timedelta(days=1), periods=HORIZON))
    values = forecast[name].to_numpy()
    assert np.isfinite(values).all()
    assert (values >= 0).all()

    twin = model.clone()
    assert twin.get_params() == model.get_params()
    assert not getattr(twin, "fitted_", False)


@pytest.mark.parametrize("name", MODELS)
def test_unknown_hyperparameter_is_refused(name):
    with pytest.raises(ConfigError, match=f"{name} has no parameter 'colour'"):
        get_model(name, colour="red")


def test_unknown_model_lists_the_valid_names():
    with pytest.raises(ConfigError, match=r"unknown model 'prophet'; choose one of naive, seasonal_naive"):
        get_model("prophet")


def test_missing_values_are_refused_with_the_series_named(tiny_panel):
    broken = tiny_panel.copy()
    broken.loc[5, "y"] = np.nan
    with pytest.raises(ValueError, match=r"1 sales value\(s\) are missing \(series a\); clean the data first"):
        get_model("naive").fit(broken)


def test_negative_forecasts_are_clipped(tiny_panel):
    falling = tiny_panel.assign(y=np.maximum(0, 200 - tiny_panel.groupby("unique_id").cumcount() * 2.0))
    forecast = get_model("ridge").fit(falling).predict(60)
    assert (forecast["ridge"] >= 0).all()


@pytest.mark.parametrize("name", ["ridge", "gradient_boosting"])
def test_what_if_scenarios_in_one_pass_equal_one_forecast_each(name, tiny_panel):
    from forecasting.models.base import future_dates

    model = get_model(name).fit(tiny_panel, freq="D")
    grid = future_dates(tiny_panel.groupby("unique_id")["ds"].max(), 5, "D")
    price = tiny_panel.groupby("unique_id")["price"].last()
    futures = [grid.assign(price=grid["unique_id"].map(price) * factor, promo=promo)
               for factor, promo in ((0.8, 1.0), (1.0, 0.0), (1.2, 0.0))] + [None]
    together = model.predict_many(5, futures)
    for scenario, alone in zip(together, [model.predict(5, future=f) for f in futures], strict=True):
        pd.testing.assert_frame_equal(scenario, alone, rtol=1e-9)
    assert not together[0][name].equals(together[2][name])  # the scenarios really differ
