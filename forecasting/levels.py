"""A trained run seen at one level: one series, a category, or the total.

Point forecasts add up, but intervals do not: the sum of 48 series' 95%
upper bounds is far wider than the 95% upper bound of the total, because the
series' errors partly cancel. So the bands of a category or the total come
from the errors the model made *at that level* in its backtest windows (the
summed forecasts against the summed actuals), exactly as a single series'
bands come from its own errors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import explore
from .events import event_window_days
from .forecast import output_names
from .intervals import apply_intervals, residual_quantiles, scaled_residuals
from .metrics import CUTOFF, seasonal_scale, training_scales
from .schema import DS, SEASON_LENGTH, UID, Y, freq_family
from .training import TrainedRun

MIN_ORDINARY_RESIDUALS = 30  # fewer errors from periods without events: calibrate on all of them


@dataclass(frozen=True)
class LevelView:
    """What the Forecast page draws for one series, category or the total."""

    name: str
    history: pd.DataFrame  # ds, y
    folds: pd.DataFrame  # ds, cutoff, y, yhat (the backtest windows)
    forecast: pd.DataFrame  # ds, yhat, yhat_model, yhat_lo_80 ... (the future)


def level_view(run: TrainedRun, history: pd.DataFrame, level: explore.Level, name: str,
               forecast: pd.DataFrame | None = None) -> LevelView:
    """Sum ``run``'s backtest and ``forecast`` (default: the run's own) over the series that make up ``name``.

    ``forecast`` may carry manual adjustments (``yhat`` adjusted, ``yhat_model`` the model's value).
    """
    forecast = run.forecast if forecast is None else forecast
    chosen = explore.members(history, level, name)
    ids = set(chosen[UID].unique())
    summed_history = chosen.groupby(DS, sort=True)[Y].sum().reset_index()
    folds = _summed_folds(run, ids)
    future = forecast[forecast[UID].isin(ids)]
    if "yhat_model" not in future.columns:
        future = future.assign(yhat_model=future["yhat"])
    if level == "sku":
        return LevelView(name, summed_history, folds, future.drop(columns=[UID]).reset_index(drop=True))
    summed = future.groupby(DS, sort=True)[["yhat", "yhat_model"]].sum().reset_index()
    return LevelView(name, summed_history, folds, _level_bands(run, summed_history, ids, summed, name))


def _has_event(ds: pd.Series, freq: str) -> pd.Series:
    """Whether each period (starting at ``ds``) contains a day on or around a shopping event."""
    if ds.empty:
        return pd.Series(dtype=bool)
    days = event_window_days(ds.min(), ds.max() + pd.tseries.frequencies.to_offset(freq))
    starts = ds.to_numpy(dtype="datetime64[ns]")
    ends = (ds + pd.tseries.frequencies.to_offset(freq)).to_numpy(dtype="datetime64[ns]")
    marks = np.sort(days.to_numpy(dtype="datetime64[ns]"))
    return pd.Series(np.searchsorted(marks, ends) > np.searchsorted(marks, starts), index=ds.index)


def _summed_folds(run: TrainedRun, ids: set) -> pd.DataFrame:
    """Actuals and the model's forecasts of the scored backtest windows, summed per cutoff and period."""
    predictions = run.backtest.predictions
    rows = predictions[predictions[UID].isin(ids)]
    summed = rows.groupby([CUTOFF, DS], sort=True)[[Y, run.name]].sum().reset_index()
    return summed.rename(columns={run.name: "yhat"})


def _level_bands(run: TrainedRun, history: pd.DataFrame, ids: set, summed: pd.DataFrame, name: str) -> pd.DataFrame:
    """Conformal bands for a summed forecast from the summed errors of every backtest window."""
    windows = run.backtest.windows()
    rows = windows[windows[UID].isin(ids)]
    cv = rows.groupby([CUTOFF, DS], sort=True)[[Y, run.name]].sum().reset_index().assign(**{UID: name})
    season = SEASON_LENGTH[freq_family(run.freq)]
    level_history = history.assign(**{UID: name})
    cutoffs = sorted(pd.Timestamp(c) for c in cv[CUTOFF].unique())
    scales = training_scales(level_history, cutoffs, season)
    residuals = scaled_residuals(cv, run.name, scales)
    quantiles = residual_quantiles(residuals, len(summed), run.spec.levels)
    # A shopping event in a backtest window (a missed 11.11 spike) would widen every period's band; periods
    # without an event are calibrated on the errors of periods without one, event periods on all of them.
    ordinary = ~_has_event(cv[DS], run.freq).to_numpy()  # scaled_residuals keeps cv's row order
    if ordinary.sum() >= MIN_ORDINARY_RESIDUALS and not ordinary.all():
        calm = residual_quantiles(residuals[ordinary].reset_index(drop=True), len(summed), run.spec.levels)
        future_events = _has_event(summed[DS], run.freq).to_numpy()
        quantiles = calm.where(~pd.Series(future_events, index=calm.index), quantiles, axis=0)
    scale = pd.Series({name: seasonal_scale(history[Y].to_numpy(dtype="float64"), season)})
    point = summed.assign(**{UID: name}).rename(columns={"yhat": run.name})
    banded = apply_intervals(point, run.name, quantiles, scale, run.spec.levels)
    return banded.rename(columns=output_names(run.name, run.spec.levels)).drop(columns=[UID])
