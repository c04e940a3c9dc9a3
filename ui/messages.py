"""Library messages in the app's words, and the one way a page shows an error.

The library keeps how to fix a problem apart from the problem, as a template
that names settings (:mod:`forecasting.errors`); the command line fills in its
flags (``--target``), the app its field labels ("Quantity to forecast").
"""

from __future__ import annotations

import streamlit as st

from forecasting.data.issues import Issue
from forecasting.errors import ForecastingError

#: The field (and its page) that changes each setting a library message can name.
FIELD_LABELS = {
    "date": "“Date”",
    "date_format": "“Date format”",
    "target": "“Quantity to forecast”",
    "ids": "“Series id columns”",
    "price": "“Price”",
    "revenue": "“Sales value”",
    "promo": "“Promotion”",
    "category": "“Category”",
    "stock": "“Stock on hand”",
    "shape": "“Table shape”",
    "freq": "“Frequency”",
    "max_mb": "the upload limit",
    "folds": "“Backtest windows” on the Train page",
    "horizon": "“Horizon” on the Train page",
    "workers": "the Dask workers (--workers on the command line)",
    "scheduler": "the Dask scheduler address (--scheduler on the command line)",
    "measure": "“The quantity to forecast is”",
    "currency": "“Currency symbol”",
    "store": "the workspace store (FORECASTING_STORE)",
}
#: Values a fix can ask a setting to take, as the app's widgets show them.
VALUE_LABELS = {"W or M": "weekly or monthly", "W": "weekly", "M": "monthly", "D": "daily",
                "order_lines": "order lines", "none": "(none)", "units or money": "units or money"}


def field_name(setting: str, value: str = "") -> str:
    """The app's words for a setting: ``“Frequency”`` or ``“Frequency” set to monthly``."""
    label = FIELD_LABELS[setting]
    return f"{label} set to {VALUE_LABELS.get(value, value)}" if value else label


def for_app(problem: ForecastingError | Issue | str) -> str:
    """A library error or finding with its fix naming the app's fields instead of command-line flags."""
    if isinstance(problem, ForecastingError):
        return problem.render(field_name)
    if isinstance(problem, Issue):
        return problem.text(field_name)
    return str(problem)


def show_error(problem: ForecastingError | str, *, context: str = "") -> None:
    """One red box with one line: what went wrong (prefixed by ``context``, e.g. a file or model name)."""
    text = for_app(problem)
    st.error(f"{context}: {text}" if context else text)

