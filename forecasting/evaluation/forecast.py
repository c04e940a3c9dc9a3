"""Forecast the future with any model: fit on all the history, predict, add conformal intervals.

The intervals come from the model's own errors in the last few windows of the
history (a small backtest), per horizon step, as in the backtest itself.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd

from ..errors import DataValidationError
from ..models.base import Forecaster, future_dates
from ..schema import DS, LEVELS, SEASON_LENGTH, UID, Y, freq_family
from .backtest import Progress, predict_windows, usable_windows, window_cutoffs
from .intervals import apply_intervals, residual_quantiles, scaled_residuals
from .metrics import CUTOFF, seasonal_scale, training_scales
from .plans import complete_plan, plausibility

OUTPUT_COLUMNS = ["unique_id", "ds", "model", "yhat", "yhat_lo_80", "yhat_hi_80", "yhat_lo_95", "yhat_hi_95"]


@dataclass
class ForecastResult:
    """The forecast table, the fitted model and what happened on the way."""

    forecast: pd.DataFrame  # unique_id, ds, model, yhat, yhat_lo_80, yhat_hi_80, yhat_lo_95, yhat_hi_95
    model: Forecaster
    seconds: float
    notes: list[str] = field(default_factory=list)
    plan: pd.DataFrame | None = None  # the future drivers the forecast assumes (None: the data has no drivers)


def make_forecast(
    model: Forecaster,
    df: pd.DataFrame,
    freq: str,
    horizon: int,
    *,
    future: pd.DataFrame | None = None,
    levels: tuple[int, ...] = LEVELS,
    calibration_windows: int = 2,
    progress: Progress | None = None,
) -> ForecastResult:
    """Fit ``model`` on ``df`` and forecast ``horizon`` periods with conformal intervals.

    Parameters
    ----------
    future
        Planned drivers (price, promotion ...) for the forecast periods.
    calibration_windows
        Backtest windows at the end of the history whose errors size the intervals.
    """
    started = time.perf_counter()
    future_notes = check_future(future, df, freq, horizon)
    quantiles = _calibrate(model, df, freq, horizon, levels, calibration_windows, progress)
    fitted = model.clone().fit(df, freq=freq)
    if progress:
        progress(0.95, f"{model.name}: forecasting {horizon} periods")
    table, plan, notes = planned_forecast(fitted, df, freq, horizon, quantiles, future=future, levels=levels)
    if progress:
        progress(1.0, "done")
    return ForecastResult(table, fitted, time.perf_counter() - started, future_notes + notes, plan)


def planned_forecast(
    fitted: Forecaster,
    df: pd.DataFrame,
    freq: str,
    horizon: int,
    quantiles: pd.DataFrame | None,
    *,
    future: pd.DataFrame | None = None,
    levels: tuple[int, ...] = LEVELS,
) -> tuple[pd.DataFrame, pd.DataFrame | None, list[str]]:
    """:func:`forecast_fitted` under the complete plan (usual values where ``future`` plans nothing).

    Returns the forecast, the plan and the notes: drivers filled with usual values, the model's own notes,
    and a warning when the total is implausible against repeating last season.
    """
    plan, plan_notes = complete_plan(df, freq, horizon, future)
    table, notes = forecast_fitted(fitted, df, freq, horizon, quantiles, future=plan, levels=levels)
    warning = plausibility(table, df, freq, horizon, plan)
    return table, plan, plan_notes + notes + ([warning] if warning else [])


def forecast_fitted(
    fitted: Forecaster,
    df: pd.DataFrame,
    freq: str,
    horizon: int,
    quantiles: pd.DataFrame | None,
    *,
    future: pd.DataFrame | None = None,
    levels: tuple[int, ...] = LEVELS,
) -> tuple[pd.DataFrame, list[str]]:
    """The tidy forecast of a model fitted on ``df``, with intervals from ``quantiles`` (see :func:`window_quantiles`)."""
    season = SEASON_LENGTH[freq_family(freq)]
    point = fitted.predict(horizon, future=future)  # conformal intervals below; native ones are not used
    scale = df.groupby(UID, sort=True)[Y].apply(lambda s: seasonal_scale(s.to_numpy(dtype="float64"), season))
    name = fitted.name
    table = apply_intervals(point[[UID, DS, name]], name, quantiles, scale, levels) if quantiles is not None \
        else point[[UID, DS, name]]
    notes = [f"{uid}: {why}" for uid, why in getattr(fitted, "fallbacks_", {}).items()]
    notes += getattr(fitted, "warnings_", [])
    if quantiles is None:
        notes.append("the history is too short for a backtest window, so the forecast has no intervals")
    return tidy(table, name, levels), notes


def check_future(future: pd.DataFrame | None, df: pd.DataFrame, freq: str, horizon: int) -> list[str]:
    """Planned drivers must match the series and periods being forecast; say what does not."""
    if future is None:
        return []
    last = df.groupby(UID, sort=True)[DS].max()
    grid = future_dates(last, horizon, freq)
    keys = future[[UID, DS]].merge(grid, on=[UID, DS], how="left", indicator=True)
    matched = int((keys["_merge"] == "both").sum())
    if matched == 0:
        example = future.iloc[0]
        raise DataValidationError(
            f"the planned drivers match no series and forecast period (e.g. {example[UID]!r} on "
            f"{pd.Timestamp(example[DS]):%Y-%m-%d}); the forecast covers {grid[DS].min():%Y-%m-%d} to "
            f"{grid[DS].max():%Y-%m-%d} for ids like {last.index[0]!r}: check the id and date columns"
        )
    unmatched = len(future) - matched
    return [f"{unmatched} planned row(s) are outside the forecast and were ignored"] if unmatched else []


def _calibrate(model, df, freq, horizon, levels, windows, progress) -> pd.DataFrame | None:
    """Residual quantiles per step from the model's errors in the last ``windows`` windows."""
    available = usable_windows(df, freq, horizon, windows + model.validation_windows)
    if available == 0:
        return None
    cutoffs = window_cutoffs(df, freq, horizon, available)
    scales = training_scales(df, cutoffs, SEASON_LENGTH[freq_family(freq)])
    # Point forecasts only: the quantiles come from their errors, a model's native intervals would go unused.
    predictions, _, _ = predict_windows([model], df, freq, horizon, cutoffs, scales, levels=(),
                                        progress=(lambda s, m: progress(0.9 * s, m)) if progress else None)
    return window_quantiles(predictions, model.name, df, freq, horizon, levels, windows)


def window_quantiles(predictions: pd.DataFrame, model: str, df: pd.DataFrame, freq: str, horizon: int,
                     levels: tuple[int, ...], windows: int) -> pd.DataFrame:
    """Residual quantiles per step from ``model``'s errors in the last ``windows`` windows of ``predictions``."""
    cutoffs = sorted(pd.Timestamp(c) for c in predictions[CUTOFF].unique())
    recent = cutoffs[-min(windows, len(cutoffs)):]
    scales = training_scales(df, recent, SEASON_LENGTH[freq_family(freq)])
    residuals = scaled_residuals(predictions[predictions[CUTOFF].isin(recent)], model, scales)
    return residual_quantiles(residuals, horizon, levels)


def output_names(model: str, levels: tuple[int, ...]) -> dict[str, str]:
    """``<model>`` -> ``yhat``, ``<model>-lo-80`` -> ``yhat_lo_80`` ...: backtest columns to the output contract."""
    names = {model: "yhat"}
    for level in levels:
        for side in ("lo", "hi"):
            names[f"{model}-{side}-{level}"] = f"yhat_{side}_{level}"
    return names


def tidy(table: pd.DataFrame, model: str, levels: tuple[int, ...]) -> pd.DataFrame:
    """Rename ``<model>``, ``<model>-lo-80`` ... to ``yhat``, ``yhat_lo_80`` ... and add a ``model`` column."""
    out = table.rename(columns=output_names(model, levels)).assign(model=model)
    columns = [c for c in OUTPUT_COLUMNS if c in out.columns]
    return out[columns + [c for c in out.columns if c not in columns]].sort_values([UID, DS]).reset_index(drop=True)
