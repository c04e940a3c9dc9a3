"""Widgets the Train page builds from the library's declarations: model hyperparameters and feature choices.

A model's ``Param`` specs (kind, bounds, choices, help) become number inputs,
selects and checkboxes, so a new model in the registry gets its settings
on the page without page code. Every widget keeps its value across pages.
"""

from __future__ import annotations

from typing import Any

import holidays
import pandas as pd
import streamlit as st

from forecasting.data.frequency import PERIOD_NAMES
from forecasting.models.base import Forecaster, Param
from forecasting.models.features import DEFAULT_LAGS, DEFAULT_WINDOWS, FeatureConfig
from forecasting.schema import CATEGORY, PRICE, PROMO, freq_family
from ui.widgets import kept

SET_BY_PAGE = {"horizon"}  # a model's horizon parameter follows the page's horizon (get_model_for)
COMMON_COUNTRIES = ["US", "GB", "DE", "FR", "IT", "ES", "NL", "CA", "AU", "CN", "JP", "IN", "BR", "MX"]
EXTRA_LAGS = {"D": (35, 42, 91, 182), "W": (6, 9, 39), "M": (4, 9, 24)}
EXTRA_WINDOWS = {"D": (3, 14, 56, 91), "W": (2, 8, 26, 52), "M": (6, 24)}


def model_params(model: type[Forecaster]) -> dict[str, Any]:
    """Widgets for a model's hyperparameters (defaults from its declaration); returns name -> value."""
    values = {}
    shown = [p for p in model.params if p.name not in SET_BY_PAGE]
    columns = st.columns(3) if shown else []
    for index, param in enumerate(shown):
        with columns[index % 3]:
            values[param.name] = param_widget(param, f"train_param_{model.name}_{param.name}")
    if not shown:
        st.caption("This model has no settings.")
    return values


def param_widget(param: Param, key: str) -> Any:
    """One widget for one ``Param``: bounds and help text come from the declaration."""
    label = param.name.replace("_", " ")
    if param.kind == "choice":
        return kept(st.selectbox, key, param.default, options=list(param.choices), label=label, help=param.help,
                    format_func=lambda v: "(automatic)" if v is None else str(v))
    if param.kind == "bool":
        return kept(st.checkbox, key, bool(param.default), label=label, help=param.help)
    if param.kind == "names":
        return tuple(kept(st.multiselect, key, list(param.default), options=list(param.choices), label=label,
                          help=param.help))
    if param.kind == "int":
        return int(kept(st.number_input, key, int(param.default), label=label, help=param.help, step=1,
                        min_value=int(param.low) if param.low is not None else None,
                        max_value=int(param.high) if param.high is not None else None))
    return float(kept(st.number_input, key, float(param.default), label=label, help=param.help,
                      min_value=float(param.low) if param.low is not None else None,
                      max_value=float(param.high) if param.high is not None else None,
                      format="%g", step=_float_step(param)))


def _float_step(param: Param) -> float:
    if param.log:
        return float(param.default) / 2 if param.default else 0.001
    span = (param.high or 1.0) - (param.low or 0.0)
    return round(span / 100, 6) or 0.01


def feature_config(frame: pd.DataFrame, freq: str) -> FeatureConfig:
    """Widgets for what the machine-learning and neural models see; returns the ``FeatureConfig``."""
    family = freq_family(freq)
    lag_options = sorted(set(DEFAULT_LAGS[family]) | set(EXTRA_LAGS[family]))
    window_options = sorted(set(DEFAULT_WINDOWS[family]) | set(EXTRA_WINDOWS[family]))
    unit = f"{PERIOD_NAMES[family]}s"
    left, middle, right = st.columns(3)
    with left:
        lags = kept(st.multiselect, f"train_feat_lags_{family}", list(DEFAULT_LAGS[family]), options=lag_options,
                    label=f"Lags ({unit} back)", help="Past demand the model sees, e.g. 7 = the same weekday last week.")
        windows = kept(st.multiselect, f"train_feat_windows_{family}", list(DEFAULT_WINDOWS[family]),
                       options=window_options, label=f"Rolling windows ({unit})",
                       help="Means and standard deviations of past demand over these windows.")
    with middle:
        calendar = kept(st.checkbox, "train_feat_calendar", True, label="Calendar",
                        help="Weekday, week of year, month, month start/end and yearly waves.")
        countries = ["(none)", *COMMON_COUNTRIES, *sorted(set(holidays.list_supported_countries()) -
                                                           set(COMMON_COUNTRIES))]
        country = kept(st.selectbox, "train_feat_country", "US", options=countries, label="Public holidays of",
                       help="Days to and after public holidays of this country.")
        events = kept(st.checkbox, "train_feat_events", True, label="Shopping events",
                      help="Black Friday, Cyber Monday, Christmas, 11.11 and 618, with the days around them.")
    with right:
        price = _driver_box(frame, PRICE, "Price", "Price relative to its usual level.")
        promo = _driver_box(frame, PROMO, "Promotion", "Promotion share, and the periods before and after one.")
        category = _driver_box(frame, CATEGORY, "Category", "Which category a series belongs to.")
        log = kept(st.checkbox, "train_feat_log", True, label="Model log demand",
                   help="Turns multiplicative effects (a 20% promotion lift) into additive ones; usually better.")
    return FeatureConfig(
        lags=tuple(sorted(lags)) or (1,),
        rolling_windows=tuple(sorted(windows)),
        calendar=calendar,
        holidays_country=None if country == "(none)" else country,
        events=events,
        price=price,
        promo=promo,
        category=category,
        target_transform="log1p" if log else "none",
    )


def _driver_box(frame: pd.DataFrame, column: str, label: str, help_text: str) -> bool:
    if column not in frame.columns:
        st.checkbox(label, value=False, disabled=True, key=f"train_feat_{column}_missing",
                    help=f"The data has no {label.lower()} column: map one on the Data page to use it.")
        return False
    return kept(st.checkbox, f"train_feat_{column}", True, label=label, help=help_text)
