"""The Keras models: lazy TensorFlow import, output contract, determinism, accuracy, epoch hook, time-ordered validation.

Settings are tiny (a few epochs of 8 units) so the whole file runs in well
under a minute on two CPU cores; TensorFlow is imported once per session.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import ConfigError
from forecasting.models import available, get_model
from forecasting.models.features import FeatureConfig
from forecasting.models.neural import time_ordered_split

ROOT = Path(__file__).resolve().parents[2]
NEURAL = ("mlp", "lstm", "transformer")
HORIZON = 14
TINY = {"epochs": 4, "units": 8, "batch_size": 64, "patience": 10}
SEQUENCE = {"window": 14}
WEEKLY = np.array([0.8, 0.9, 1.0, 1.0, 1.1, 1.6, 1.4])


def weekly_panel(n_series: int, days: int, *, seed: int, lift: float, noise: float, short: int = 0) -> pd.DataFrame:
    """Daily series: level x weekday pattern x (1 + lift) on promotion days, lognormal noise.

    ``short`` adds one more series of only that many days (ending with the others).
    """
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=days)
    frames = []
    lengths = [days] * n_series + ([short] if short else [])
    for i, length in enumerate(lengths):
        ds = dates[-length:]
        promo = (rng.random(length) < 0.12).astype(float)
        mu = (8 + 6 * i) * WEEKLY[ds.day_of_week] * (1 + lift * promo)
        y = np.round(mu * rng.lognormal(0.0, noise, length))
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": ds, "y": y, "price": 10.0 + i - 2 * promo,
                                    "promo": promo, "category": "ab"[i % 2]}))
    return pd.concat(frames, ignore_index=True)


def params(name: str, **extra) -> dict:
    return {**TINY, **(SEQUENCE if name != "mlp" else {}), **extra}


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    """5 series x 200 days plus one of 10 days (shorter than the sequence window)."""
    return weekly_panel(5, 200, seed=1, lift=1.0, noise=0.2, short=10)


@pytest.fixture(scope="module")
def planned(panel) -> pd.DataFrame:
    """Planned promotions for the forecast horizon: every third day of every series."""
    last = panel.groupby("unique_id")["ds"].max()
    rows = [(uid, day, float(k % 3 == 0)) for uid, end in last.items()
            for k, day in enumerate(pd.date_range(end + pd.Timedelta(days=1), periods=HORIZON))]
    return pd.DataFrame(rows, columns=["unique_id", "ds", "promo"])


@pytest.fixture(scope="module")
def fitted(panel, planned):
    """Each model fitted once with an epoch hook that records its calls: ``{name: (model, calls, forecast)}``."""
    out = {}
    for name in NEURAL:
        calls = []
        model = get_model(name, **params(name))
        model.callbacks = lambda epoch, epochs, logs, calls=calls: calls.append((epoch, epochs, logs))
        model.fit(panel)
        out[name] = (model, calls, model.predict(HORIZON, planned))
    return out


def test_importing_the_module_does_not_import_tensorflow():
    code = ("import sys; import forecasting.models.neural; from forecasting.models import available; "
            "names = available(); assert {'mlp', 'lstm', 'transformer'} <= set(names), names; "
            "loaded = [m for m in ('tensorflow', 'keras') if m in sys.modules]; assert not loaded, loaded")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("name", NEURAL)
def test_forecast_covers_every_series_and_step(name, fitted, panel):
    model, _, forecast = fitted[name]
    assert model.family == "neural" and model.requires == ("tensorflow",) and model.uses_exog and model.is_global
    assert len(forecast) == panel["unique_id"].nunique() * HORIZON
    for uid, group in forecast.groupby("unique_id"):
        last = panel.loc[panel["unique_id"] == uid, "ds"].max()
        assert group["ds"].tolist() == list(pd.date_range(last + pd.Timedelta(days=1), periods=HORIZON))
    values = forecast[name].to_numpy()
    assert np.isfinite(values).all()
    assert (values >= 0).all()
    assert values.std() > 0  # not a constant: the weekday pattern and promotions come through


@pytest.mark.parametrize("name", NEURAL)
def test_same_seed_gives_the_same_forecast(name, fitted, panel, planned):
    # Exact: one worker feeds batches in a seeded order and oneDNN's reordered sums are off.
    model, _, forecast = fitted[name]
    twin = model.clone()
    twin.callbacks = None
    again = twin.fit(panel).predict(HORIZON, planned)
    np.testing.assert_array_equal(again[name].to_numpy(), forecast[name].to_numpy())


@pytest.mark.parametrize("name", NEURAL)
def test_hook_hears_every_epoch_and_history_records_it(name, fitted):
    model, calls, _ = fitted[name]
    assert [epoch for epoch, _, _ in calls] == [1, 2, 3, 4]
    assert {epochs for _, epochs, _ in calls} == {4}
    assert all({"loss", "val_loss"} <= set(logs) for _, _, logs in calls)
    assert list(model.history_.index) == [1, 2, 3, 4]
    assert {"loss", "val_loss"} <= set(model.history_.columns)
    np.testing.assert_allclose(model.history_["val_loss"], [logs["val_loss"] for _, _, logs in calls], rtol=1e-6)
    assert 1 <= model.best_epoch_ <= 4


@pytest.mark.parametrize("name", ["mlp", "lstm"])
def test_hook_returning_true_stops_training(name, panel):
    seen = []

    def stop_after_two(epoch, epochs, logs):
        seen.append(epoch)
        return epoch >= 2

    model = get_model(name, **params(name, epochs=20))
    model.callbacks = stop_after_two
    model.fit(panel)
    assert seen == [1, 2]
    assert len(model.history_) == 2


def test_clone_keeps_callbacks_and_features_but_not_as_params():
    hook = lambda epoch, epochs, logs: None  # noqa: E731
    config = FeatureConfig(holidays_country=None)
    for name in NEURAL:
        model = available()[name](features=config, callbacks=hook, epochs=7)
        twin = model.clone()
        assert twin.callbacks is hook and twin.features == config and twin.epochs == 7
        assert "callbacks" not in twin.get_params() and "seed" in twin.get_params()


def test_validation_rows_are_each_series_latest_periods(panel):
    shuffled = panel.sample(frac=1.0, random_state=0)
    is_valid = time_ordered_split(shuffled, 0.1)
    for _, group in shuffled.assign(valid=is_valid).groupby("unique_id"):
        held = group.loc[group["valid"], "ds"]
        kept = group.loc[~group["valid"], "ds"]
        assert len(held) == int(np.floor(0.1 * len(group)))
        if len(held):
            assert kept.max() < held.min()  # never shuffled across time
            assert held.max() == group["ds"].max()
    assert not time_ordered_split(panel, 0.0).any()


@pytest.mark.parametrize("name", NEURAL)
def test_models_stop_early_on_the_latest_periods(name, fitted, panel):
    model = fitted[name][0]
    for uid, group in panel.groupby("unique_id"):
        dates = group["ds"].sort_values().to_numpy()
        cut = len(dates) - int(np.floor(0.1 * len(dates)))
        if cut < len(dates):
            assert model.validation_from_[uid] == dates[cut]
        else:
            assert uid not in model.validation_from_.index


def test_mlp_beats_seasonal_naive_on_learnable_structure():
    data = weekly_panel(8, 280, seed=7, lift=1.5, noise=0.05)
    cut = data["ds"].max() - pd.Timedelta(days=28)
    train, test = data[data["ds"] <= cut], data[data["ds"] > cut]
    future = test[["unique_id", "ds", "price", "promo"]]

    def mae(name, **kwargs):
        forecast = get_model(name, **kwargs).fit(train).predict(28, future)
        merged = test.merge(forecast, on=["unique_id", "ds"])
        return float(np.mean(np.abs(merged[name] - merged["y"])))

    network = mae("mlp", epochs=25, units=32, batch_size=64, patience=5)
    naive = mae("seasonal_naive")
    assert network <= 0.9 * naive, (network, naive)


def test_unknown_and_misplaced_params_are_refused():
    with pytest.raises(ConfigError, match="mlp has no parameter 'window'"):
        get_model("mlp", window=14)  # only the sequence models read a window
    with pytest.raises(ConfigError, match="transformer has no parameter 'colour'"):
        get_model("transformer", colour="red")
    with pytest.raises(ConfigError, match="outside"):
        get_model("lstm", dropout=0.95)
