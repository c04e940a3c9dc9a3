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


def _saved(tiny_panel, tmp_path):
    return save_model(get_model("naive").fit(tiny_panel), tiny_panel, tmp_path / "m")


@pytest.mark.parametrize(("change", "message"), [
    (lambda c: [c], r"holds a JSON list, not the object"),
    (lambda c: {k: v for k, v in c.items() if k != "params"}, r"'params' is missing, not a dict"),
    (lambda c: {**c, "params": [1, 2]}, r"'params' is \[1, 2\], not a dict"),
    (lambda c: {**c, "freq": 7}, r"'freq' is 7, not a str"),
    (lambda c: {**c, "model": None}, r"'model' is None, not a str"),
    (lambda c: {**c, "features": "lags"}, r"'features' is 'lags', not a dict or null"),
    (lambda c: {**c, "features": {"no_such_setting": 1}}, r"has settings this studio cannot use"),
    (lambda c: {**c, "params": {"no_such_param": 1}}, r"has settings this studio cannot use"),
    (lambda c: {**c, "model": "os.system"}, r"unknown model 'os\.system'"),
])
def test_a_malformed_model_json_is_a_read_error(tiny_panel, tmp_path, change, message):
    folder = _saved(tiny_panel, tmp_path)
    config = json.loads((folder / "model.json").read_text())
    (folder / "model.json").write_text(json.dumps(change(config)))
    with pytest.raises(DataReadError, match=message) as caught:
        load_model(folder)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("part", "content", "message"), [
    ("model.json", b"\xff\xfe not text", r"is not valid JSON"),
    ("training.parquet", b"PAR1 broken", r"training\.parquet cannot be read"),
    ("fingerprint.csv", b"", r"fingerprint\.csv cannot be read"),
    ("fingerprint.csv", b"a,b\n1,2\n", r"fingerprint\.csv has no 'unique_id', 'ds', 'naive' column"),
    ("fingerprint.csv", b"unique_id,ds,naive\nA,not a date,x\n", r"does not reproduce its saved forecast"),
])
def test_a_malformed_part_is_a_read_error(tiny_panel, tmp_path, part, content, message):
    folder = _saved(tiny_panel, tmp_path)
    (folder / part).write_bytes(content)
    with pytest.raises(DataReadError, match=message):
        load_model(folder)


def test_a_training_table_without_its_columns_is_a_read_error(tiny_panel, tmp_path):
    folder = _saved(tiny_panel, tmp_path)
    tiny_panel.drop(columns=["y"]).to_parquet(folder / "training.parquet", index=False)
    with pytest.raises(DataReadError, match=r"training\.parquet has no 'y' column"):
        load_model(folder)
