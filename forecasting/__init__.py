"""Demand forecasting studio for e-commerce: the Python API's front door.

The library is built in floors, each a folder that imports only from the
floors below it (see ARCHITECTURE.md)::

    cli          the command line: python -m forecasting ...
    plots        plotly figures and the stakeholder HTML report
    recommend    decisions from forecasts: inventory, pricing, promotions, alerts
    analysis     levels (total / category / series), exploration, review, adjustments, explanations
    evaluation   backtests, metrics, intervals, forecasts, training runs, saved models
    models       features and every model behind one protocol and one registry
    data         files in, one long table out: read, map, convert, validate, clean, export
    synthetic    seeded demand with known ground truth (beside data: it imports only errors)
    schema, errors   column names and shared constants; typed errors whose fix names a setting

The names below are the everyday entry points, loaded on first use so that
``import forecasting`` stays fast (no model library is imported until one is
asked for)::

    from forecasting import load_dataset, prepare, get_model, backtest, BacktestConfig

    dataset = load_dataset("sales.csv")
    frame = prepare(dataset).frame
    result = backtest([get_model("auto", horizon=28)], frame, dataset.freq, BacktestConfig(horizon=28))
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> the module that defines it.
_EXPORTS = {
    "ColumnMapping": "schema",
    "ForecastingError": "errors", "DataReadError": "errors", "MappingError": "errors",
    "DataValidationError": "errors", "ConfigError": "errors",
    "LoadOptions": "data.dataset", "Dataset": "data.dataset", "load_dataset": "data.dataset", "prepare": "data.dataset",
    "CleaningConfig": "data.cleaning",
    "FeatureConfig": "models.features",
    "get_model": "models.registry", "available": "models.registry",
    "BacktestConfig": "evaluation.backtest", "backtest": "evaluation.backtest",
    "make_forecast": "evaluation.forecast",
    "TrainingSpec": "evaluation.training", "TrainedRun": "evaluation.training", "train": "evaluation.training",
    "compare_runs": "evaluation.training",
    "SyntheticConfig": "synthetic", "generate": "synthetic",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'forecasting' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
