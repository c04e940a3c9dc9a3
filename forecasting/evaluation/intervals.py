"""Conformal prediction intervals from backtest residuals, per horizon step.

Residuals of earlier backtest windows (out-of-sample errors the model really
made) are divided by each series' seasonal-naive scale, so that all series
can be pooled; the empirical quantiles of those scaled errors at each horizon
step, times the scale of the series being forecast, give the interval. The
quantiles are taken of signed errors, so skewed demand gets skewed intervals.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..schema import DS, UID, Y
from .metrics import CUTOFF

MIN_RESIDUALS = 30  # fewer residuals at one step: pool the neighbouring steps too
STEP = "step"


def add_steps(frame: pd.DataFrame) -> pd.DataFrame:
    """Number each series' forecast periods 1..H within each cutoff."""
    keys = [UID, CUTOFF] if CUTOFF in frame.columns else [UID]
    ordered = frame.sort_values([*keys, DS], kind="stable")
    return ordered.assign(**{STEP: ordered.groupby(keys, sort=False).cumcount() + 1}).sort_index()


def scaled_residuals(cv: pd.DataFrame, model: str, scales: pd.DataFrame) -> pd.DataFrame:
    """``step, residual`` where residual = (actual - forecast) / scale of that series at that cutoff."""
    frame = add_steps(cv[[UID, DS, CUTOFF, Y, model]]).merge(scales, on=[UID, CUTOFF], how="left")
    scale = frame["scale"]
    if scale.isna().any():  # no seasonal-naive scale (a constant history): the series' mean absolute sales
        scale = scale.fillna(frame[Y].abs().groupby(frame[UID]).transform("mean"))
    scale = scale.replace(0, 1.0)
    return pd.DataFrame({STEP: frame[STEP].to_numpy(), "residual": ((frame[Y] - frame[model]) / scale).to_numpy()})


def residual_quantiles(residuals: pd.DataFrame, horizon: int, levels: tuple[int, ...]) -> pd.DataFrame:
    """Per step 1..horizon, the lower and upper quantiles of scaled residuals for each level.

    Uses the finite-sample conformal rank ``ceil((n + 1) * q) / n`` so that
    coverage holds in expectation even with few residuals.
    """
    clean = residuals.dropna(subset=["residual"])
    by_step = {int(step): group.to_numpy() for step, group in clean.groupby(STEP, sort=True)["residual"]}
    rows = {}
    for step in range(1, horizon + 1):
        values = np.sort(_pooled(by_step, step, horizon))
        row = {}
        for level in levels:
            tail = (1 - level / 100) / 2
            row[f"lo-{level}"] = _conformal_quantile(values, tail, lower=True)
            row[f"hi-{level}"] = _conformal_quantile(values, 1 - tail, lower=False)
        rows[step] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(STEP)


def _pooled(by_step: dict[int, np.ndarray], step: int, horizon: int) -> np.ndarray:
    """The residuals at ``step``, widened to the neighbouring steps until there are ``MIN_RESIDUALS`` of them."""
    width = 0
    while True:
        near = [values for s, values in by_step.items() if abs(s - step) <= width]
        near = np.concatenate(near) if near else np.array([])
        if len(near) >= MIN_RESIDUALS or width >= horizon:
            return near
        width += 1


def _conformal_quantile(values: np.ndarray, q: float, *, lower: bool) -> float:
    n = len(values)
    if n == 0:
        return float("nan")
    if lower:
        rank = max(math.floor((n + 1) * q), 1)
    else:
        rank = min(math.ceil((n + 1) * q), n)
    return float(values[rank - 1])  # values come sorted


def apply_intervals(
    forecast: pd.DataFrame, model: str, quantiles: pd.DataFrame, scale: pd.Series, levels: tuple[int, ...]
) -> pd.DataFrame:
    """Add ``<model>-lo-<level>`` / ``-hi-`` columns to a forecast (clipped at 0, never crossing the forecast).

    ``scale``: seasonal-naive scale per ``unique_id`` at the forecast origin.
    """
    out = add_steps(forecast)
    s = out[UID].map(scale).astype("float64")
    s = s.fillna(out[model].abs().clip(lower=1.0))  # a constant history: intervals in units of the forecast
    for level in levels:
        lo = out[STEP].map(quantiles[f"lo-{level}"]).to_numpy(dtype="float64")
        hi = out[STEP].map(quantiles[f"hi-{level}"]).to_numpy(dtype="float64")
        out[f"{model}-lo-{level}"] = np.clip(out[model] + np.minimum(lo, 0) * s, 0, None)
        out[f"{model}-hi-{level}"] = out[model] + np.maximum(hi, 0) * s
    return out.drop(columns=STEP)
