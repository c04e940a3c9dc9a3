"""Words for people: the one glossary that turns internal codes into names on screen and in reports.

Downloads and the API keep the codes (``unique_id``, ``yhat`` ...: scripts rely on
them); what a person reads uses these names instead.
"""

from __future__ import annotations

import re

import pandas as pd

COLUMNS = {
    "unique_id": "series", "ds": "date", "y": "actual", "yhat": "forecast", "yhat_model": "model's forecast",
    "yhat_lo_80": "80% low", "yhat_hi_80": "80% high", "yhat_lo_95": "95% low", "yhat_hi_95": "95% high",
    "model": "model", "category": "category", "cutoff": "backtest cutoff", "adjustment": "adjustment",
    "adjustment_reason": "why adjusted", "price": "price", "promo": "promotion", "stock": "stock",
    "kind": "what", "severity": "severity", "message": "details", "count": "how many", "column": "column",
    "action": "what was done", "before": "before", "after": "after", "revenue_at_stake": "money at stake",
    "score": "score",
}

CODES = {
    # quality findings and cleaning actions
    "missing_values": "missing values", "duplicates": "duplicate rows", "duplicate_removed": "duplicate removed",
    "duplicate_lines_removed": "duplicate order lines removed", "gaps": "missing periods",
    "outliers": "outliers", "outlier_clipped": "outlier clipped", "outlier_flagged": "outlier flagged (kept)",
    "stockouts": "stock-outs", "stockout_unknown": "stock-out: demand unknown",
    "price_carried": "price carried forward", "negative_values": "negative values (returns)",
    "intermittent": "intermittent series",
    # alerts
    "anomaly": "anomaly in history", "demand_shift": "demand shift", "bias_drift": "forecast bias",
    "stockout_risk": "stock-out risk", "overstock": "overstock",
}

_FEATURES = [
    (re.compile(r"^lag_(\d+)$"), "demand {0} periods before"),
    (re.compile(r"^roll_mean_(\d+)$"), "average demand over {0} periods"),
    (re.compile(r"^roll_std_(\d+)$"), "demand variability over {0} periods"),
    (re.compile(r"^ewm_([\d.]+)$"), "smoothed demand (weight {0})"),
    (re.compile(r"^diff_(\d+)$"), "change in demand over {0} periods"),
]
FEATURES = {"dayofweek": "day of the week", "month": "month", "weekofyear": "week of the year",
            "dayofmonth": "day of the month", "holiday": "public holiday", "price_ratio": "price against its usual",
            "promo": "promotion", "category": "category", "level": "the series' usual level"}


def code_name(code: object) -> str:
    """A code's name for people (its words, underscores as spaces, when it has none)."""
    text = str(code)
    if text in CODES:
        return CODES[text]
    if text.startswith("gap_"):  # gap_<policy>
        return f"missing period filled ({text.removeprefix('gap_').replace('_', ' ')})"
    if text.startswith("missing_"):  # missing_<method>
        return f"missing value filled ({text.removeprefix('missing_').replace('_', ' ')})"
    return text.replace("_", " ")


def feature_name(feature: object) -> str:
    """A model feature's name for people: ``roll_mean_7`` -> "average demand over 7 periods"."""
    text = str(feature)
    for pattern, words in _FEATURES:
        match = pattern.match(text)
        if match:
            return words.format(*match.groups())
    return FEATURES.get(text, text.replace("_", " "))


def readable(table: pd.DataFrame, *, codes: tuple[str, ...] = ("kind", "action")) -> pd.DataFrame:
    """``table`` for the screen: code columns in words and column names from :data:`COLUMNS`."""
    out = table.copy()
    for column in codes:
        if column in out.columns:
            out[column] = out[column].map(code_name)
    return out.rename(columns={c: COLUMNS[c] for c in out.columns if c in COLUMNS})
