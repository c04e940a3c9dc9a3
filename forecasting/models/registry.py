"""The model registry: a plain dict filled by a decorator.

Model modules register themselves on import; the neural module is imported
only when a neural model is asked for, so TensorFlow never slows start-up.
"""

from __future__ import annotations

import importlib
from typing import Any

from ..errors import ConfigError
from .base import Forecaster

MODELS: dict[str, type[Forecaster]] = {}

#: Modules that hold models, imported on first use. ``neural`` only loads TensorFlow inside fit.
_MODULES = ("baselines", "statistical", "ml", "neural", "auto")


def register(cls: type[Forecaster]) -> type[Forecaster]:
    """Class decorator: make a model available by its ``name``."""
    if cls.name in MODELS and MODELS[cls.name] is not cls:
        raise ConfigError(f"two models are registered as {cls.name!r}")
    MODELS[cls.name] = cls
    return cls


def _load_all() -> None:
    for module in _MODULES:
        importlib.import_module(f"{__package__}.{module}")


def available() -> dict[str, type[Forecaster]]:
    """Every registered model class by name: baselines first, then statistical, ML, neural, auto."""
    _load_all()
    rank = {f"{__package__}.{module}": i for i, module in enumerate(_MODULES)}
    names = sorted(MODELS, key=lambda n: rank.get(MODELS[n].__module__, len(rank)))  # stable: keeps file order
    return {name: MODELS[name] for name in names}


def get_model(name: str, **params: Any) -> Forecaster:
    """A new model by registry name; an unknown name lists the valid ones."""
    models = available()
    if name not in models:
        raise ConfigError(f"unknown model {name!r}; choose one of {', '.join(models)}")
    return models[name](**params)


def get_model_for(name: str, params: dict[str, Any], horizon: int) -> Forecaster:
    """A new model for forecasting ``horizon`` periods: a ``horizon`` hyperparameter it declares (auto's
    validation window) follows the forecast's unless ``params`` sets it."""
    model_class = available().get(name)
    if model_class is not None and any(p.name == "horizon" for p in model_class.params):
        params = {"horizon": horizon, **params}
    return get_model(name, **params)
