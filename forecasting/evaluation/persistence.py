"""Save a fitted model to a folder and load it back, without pickle.

The folder holds ``model.json`` (registry name, hyperparameters, feature
settings, frequency, format version), the training table as Parquet, and a
fingerprint: the model's forecast at save time. Loading rebuilds the model
from the registry (no code in the folder is ever run), refits it on the saved
table (every model is deterministic: fixed seeds), and checks that it
forecasts the fingerprint again, so a tampered or stale folder is refused.

The workspace store (``forecasting.store``) keeps a run's model the same way:
:func:`model_config` as JSON next to the training table, refitted by
:func:`model_from_config` and checked against the run's saved forecast.

A model that can write itself as text (LightGBM's ``model_text``: its own text
model, plain numbers and tree splits, never a pickle) also leaves
``model.txt``; loading reads the trees back instead of training again, then
checks the fingerprint the same way.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataReadError
from ..models.base import Forecaster
from ..models.features import FeatureConfig
from ..models.registry import get_model
from ..schema import DS, UID

FORMAT = "forecasting-studio-model"
VERSION = 1
FINGERPRINT_HORIZON = 3
TOLERANCE = 1e-6
MODEL_TEXT = "model.txt"  # LightGBM's text model, for models that have ``model_text``


def save_model(model: Forecaster, training: pd.DataFrame, folder: str | Path) -> Path:
    """Write ``model`` (already fitted on ``training``) to ``folder``."""
    if not getattr(model, "fitted_", False):
        raise ConfigError(f"{model.name} is not fitted; fit it before saving")
    if not model.deterministic:
        raise ConfigError(f"{model.label} cannot be saved: it searches within a time budget, so a refit may choose "
                          "differently; save its forecast instead, or use a model such as ets or auto")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = {"format": FORMAT, "version": VERSION, **model_config(model)}
    if hasattr(model, "model_text"):
        text = model.model_text()
        (folder / MODEL_TEXT).write_text(text, encoding="utf-8")
        config["model_text_sha256"] = _digest(text)
    (folder / "model.json").write_text(json.dumps(config, indent=2, default=_jsonable))
    training.to_parquet(folder / "training.parquet", index=False)
    model.predict(FINGERPRINT_HORIZON).to_csv(folder / "fingerprint.csv", index=False)
    return folder


def load_model(folder: str | Path) -> tuple[Forecaster, pd.DataFrame]:
    """Rebuild, refit and verify a saved model; returns the model and its training table."""
    folder = Path(folder)
    config = _read_config(folder)
    model = model_from_config(config)
    training = pd.read_parquet(folder / "training.parquet")
    text = folder / MODEL_TEXT
    if hasattr(model, "restore") and config.get("model_text_sha256"):
        model.restore(training, config["freq"], _model_text(text, config["model_text_sha256"]))
    else:
        model.fit(training, freq=config["freq"])
    expected = pd.read_csv(folder / "fingerprint.csv", parse_dates=[DS])
    _verify(model, expected, folder)
    return model, training


def model_config(model: Forecaster) -> dict:
    """A fitted model's registry name, hyperparameters, feature settings and frequency as JSON-ready values
    (the workspace store keeps this instead of the model)."""
    config = {
        "model": model.name,
        "params": model.get_params(),
        "freq": model.freq_,
        "features": dataclasses.asdict(model.features) if hasattr(model, "features") else None,
        "candidates": list(model.candidates) if getattr(model, "candidates", None) else None,
    }
    return json.loads(json.dumps(config, default=_jsonable))


def model_from_config(config: dict) -> Forecaster:
    """The unfitted model :func:`model_config` describes, rebuilt from the registry (no stored code runs)."""
    kwargs = dict(config["params"])
    if config.get("features") is not None:
        kwargs["features"] = FeatureConfig(**_tuples(config["features"]))
    if config.get("candidates"):
        kwargs["candidates"] = tuple(config["candidates"])
    return get_model(config["model"], **kwargs)


def _read_config(folder: Path) -> dict:
    path = folder / "model.json"
    for needed in (path, folder / "training.parquet", folder / "fingerprint.csv"):
        if not needed.is_file():
            raise DataReadError(f"{folder} is not a saved model: {needed.name} is missing; save the model again")
    try:
        config = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise DataReadError(f"{path} is not valid JSON ({exc.msg}); save the model again") from None
    if config.get("format") != FORMAT or config.get("version") != VERSION:
        raise DataReadError(f"{path} is not a model saved by this studio (format {config.get('format')!r}, "
                            f"version {config.get('version')!r})")
    return config


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _model_text(path: Path, digest: str) -> str:
    """The saved text model, refused before LightGBM parses it when it is not the one saved (a damaged tree
    can abort LightGBM's parser, so the check comes first)."""
    if not path.is_file():
        raise DataReadError(f"{path.parent} is not a saved model: {path.name} is missing; save the model again")
    text = path.read_text(encoding="utf-8", errors="replace")
    if _digest(text) != digest:
        raise DataReadError(f"{path} was changed after it was saved; fit and save the model again")
    return text


def _verify(model: Forecaster, expected: pd.DataFrame, folder: Path) -> None:
    actual = model.predict(FINGERPRINT_HORIZON)
    expected = expected.assign(**{UID: expected[UID].astype(str)})
    merged = actual.merge(expected, on=[UID, DS], suffixes=("", "_saved"), how="outer")
    column = model.name
    values, saved = merged[column].to_numpy(dtype=float), merged[f"{column}_saved"].to_numpy(dtype=float)
    if len(merged) != len(expected) or not np.allclose(values, saved, rtol=TOLERANCE, atol=TOLERANCE):
        raise DataReadError(f"{folder}: the reloaded model does not reproduce its saved forecast; the folder was "
                            "changed or saved by another version; fit and save the model again")


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot save {type(value).__name__} in model.json")


def _tuples(values: dict) -> dict:
    """JSON lists back to the tuples the frozen configs use."""
    def convert(v):
        return tuple(convert(x) for x in v) if isinstance(v, list) else v
    return {k: convert(v) for k, v in values.items()}
