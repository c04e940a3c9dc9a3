"""LightGBM behind ``gradient_boosting``: beats seasonal naive on seeded data, objectives, early stopping, text model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import ConfigError, DataReadError
from forecasting.evaluation.persistence import load_model, save_model
from forecasting.models import get_model
from forecasting.models.features import FeatureConfig

HORIZON = 28


def _split(panel: pd.DataFrame):
    cutoff = panel["ds"].max() - pd.Timedelta(days=HORIZON)
    return panel[panel["ds"] <= cutoff], panel[panel["ds"] > cutoff]


def _mae(model, train, test) -> float:
    forecast = model.fit(train, freq="D").predict(HORIZON, future=test.drop(columns=["y"]))
    merged = test.merge(forecast, on=["unique_id", "ds"])
    return float(np.mean(np.abs(merged["y"] - merged[model.name])))


@pytest.mark.parametrize("objective", ["l2", "poisson", "tweedie"])
def test_lightgbm_beats_seasonal_naive_on_seeded_demand(panel, objective):
    """The generator's demand has weekly and yearly seasonality, prices and promotions: a global model that sees
    them must beat repeating last week."""
    train, test = _split(panel)
    model = get_model("gradient_boosting", objective=objective, n_jobs=1)
    lightgbm_mae = _mae(model, train, test)
    naive_mae = _mae(get_model("seasonal_naive"), train, test)
    assert lightgbm_mae < 0.95 * naive_mae  # measured: l2 0.90, poisson 0.89, tweedie 0.94 of naive's error
    assert 1 <= model.best_iteration_ < 500  # early stopping chose the rounds on the held-out periods


def test_early_stopping_off_trains_every_round(tiny_panel):
    model = get_model("gradient_boosting", max_iter=37, early_stopping_rounds=0, n_jobs=1).fit(tiny_panel)
    assert model.best_iteration_ == 37
    assert model.booster_.current_iteration() == 37


def test_poisson_and_tweedie_learn_demand_on_its_own_scale(tiny_panel):
    l2 = get_model("gradient_boosting", max_iter=20, n_jobs=1).fit(tiny_panel)
    poisson = get_model("gradient_boosting", objective="poisson", max_iter=20, n_jobs=1).fit(tiny_panel)
    assert l2.builder_.config.target_transform == "log1p"
    assert poisson.builder_.config.target_transform == "none"  # the log link already makes effects multiplicative
    assert poisson.features.target_transform == "log1p"  # the user's settings are left as they were


def test_unknown_objective_is_refused():
    with pytest.raises(ConfigError, match=r"objective='huber' is not one of l2, poisson, tweedie"):
        get_model("gradient_boosting", objective="huber")


def test_saved_as_lightgbm_text_and_loaded_without_training(tiny_panel, tmp_path, monkeypatch):
    import lightgbm

    model = get_model("gradient_boosting", objective="tweedie", max_iter=40, n_jobs=1,
                      features=FeatureConfig(lags=(1, 7, 14), holidays_country="DE")).fit(tiny_panel)
    folder = save_model(model, tiny_panel, tmp_path / "m")
    text = (folder / "model.txt").read_text()
    assert text.startswith("tree") and "objective=tweedie" in text
    assert not list(folder.glob("*.pkl")) and not list(folder.glob("*.pickle"))

    def no_training(*args, **kwargs):
        raise AssertionError("loading must read the saved trees, not train again")

    monkeypatch.setattr(lightgbm, "train", no_training)
    loaded, _ = load_model(folder)
    pd.testing.assert_frame_equal(loaded.predict(HORIZON), model.predict(HORIZON))
    assert loaded.get_params() == model.get_params()
    assert loaded.features == model.features


def test_a_damaged_text_model_is_refused(tiny_panel, tmp_path):
    model = get_model("gradient_boosting", max_iter=20, n_jobs=1).fit(tiny_panel)
    folder = save_model(model, tiny_panel, tmp_path / "m")
    (folder / "model.txt").write_text("import os; os.system('boom')")
    with pytest.raises(DataReadError, match=r"model\.txt was changed after it was saved"):
        load_model(folder)
    (folder / "model.txt").write_text(model.model_text().replace("leaf_value=", "leaf_value=9", 1))  # one tree
    with pytest.raises(DataReadError, match=r"model\.txt was changed after it was saved"):
        load_model(folder)
    (folder / "model.txt").unlink()
    with pytest.raises(DataReadError, match=r"model\.txt is missing"):
        load_model(folder)


def test_scikit_learn_boosting_stays_available(tiny_panel):
    forecast = get_model("hist_gradient_boosting", max_iter=20).fit(tiny_panel).predict(7)
    assert forecast["hist_gradient_boosting"].notna().all()


def test_the_thread_count_changes_the_time_not_the_trees(tiny_panel):
    one = get_model("gradient_boosting", max_iter=30, n_jobs=1).fit(tiny_panel)
    two = get_model("gradient_boosting", max_iter=30, n_jobs=2).fit(tiny_panel)
    assert one.model_text().split("parameters:")[0] == two.model_text().split("parameters:")[0]
    pd.testing.assert_frame_equal(one.predict(HORIZON), two.predict(HORIZON))
