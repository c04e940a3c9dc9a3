"""Saving and loading a fitted model: same forecast back, and refusals for tampered folders."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from forecasting.errors import DataReadError
from forecasting.evaluation.persistence import load_model, save_model
from forecasting.models import get_model
from forecasting.models.features import FeatureConfig


@pytest.mark.parametrize("name", ["seasonal_naive", "ets", "gradient_boosting"])
def test_a_saved_model_forecasts_the_same_after_loading(name, tiny_panel, tmp_path):
    params = {"max_iter": 20} if name == "gradient_boosting" else {}
    model = get_model(name, **params)
    if name == "gradient_boosting":
        model = get_model(name, features=FeatureConfig(lags=(1, 7), holidays_country="DE"), **params)
    model.fit(tiny_panel)
    save_model(model, tiny_panel, tmp_path / "m")
    loaded, training = load_model(tmp_path / "m")
    pd.testing.assert_frame_equal(loaded.predict(10), model.predict(10))
    assert loaded.get_params() == model.get_params()
    assert len(training) == len(tiny_panel)
    if name == "gradient_boosting":
        assert loaded.features == model.features


def test_a_changed_folder_is_refused(tiny_panel, tmp_path):
    save_model(get_model("naive").fit(tiny_panel), tiny_panel, tmp_path / "m")
    training = pd.read_parquet(tmp_path / "m" / "training.parquet")
    training.loc[training.index[-1], "y"] += 50
    training.to_parquet(tmp_path / "m" / "training.parquet", index=False)
    with pytest.raises(DataReadError, match=r"does not reproduce its saved forecast; .* fit and save the model again"):
        load_model(tmp_path / "m")


def test_a_folder_that_is_not_a_saved_model(tmp_path):
    with pytest.raises(DataReadError, match=r"is not a saved model: model\.json is missing"):
        load_model(tmp_path)
    (tmp_path / "model.json").write_text(json.dumps({"format": "pickle", "version": 1}))
    (tmp_path / "training.parquet").write_bytes(b"")
    (tmp_path / "fingerprint.csv").write_text("")
    with pytest.raises(DataReadError, match=r"is not a model saved by this studio"):
        load_model(tmp_path)


def test_only_registered_models_can_be_loaded(tiny_panel, tmp_path):
    folder = save_model(get_model("naive").fit(tiny_panel), tiny_panel, tmp_path / "m")
    config = json.loads((folder / "model.json").read_text())
    config["model"] = "os.system"
    (folder / "model.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match=r"unknown model 'os\.system'"):
        load_model(folder)


def test_models_that_search_within_a_time_budget_are_not_saved(tiny_panel, tmp_path):
    from forecasting.errors import ConfigError

    model = get_model("sarimax", time_budget=0.2).fit(tiny_panel)
    with pytest.raises(ConfigError, match=r"cannot be saved: it searches within a time budget"):
        save_model(model, tiny_panel, tmp_path / "m")
