"""The levels of the catalogue: the total, each category, each series, in one vocabulary.

``total`` sums everything, ``category`` sums the series of each category and
``series`` is each series as it is. :func:`members` resolves a selection to
the series rows that make it up, :func:`aggregate` sums a table to a level and
:func:`level_view` shows a trained run at one level.

Point forecasts add up, but intervals do not: the sum of 48 series' 95%
upper bounds is far wider than the 95% upper bound of the total, because the
series' errors partly cancel. So the bands of a category or the total come
from the errors the model made *at that level* in its backtest windows (the
summed forecasts against the summed actuals), exactly as a single series'
bands come from its own errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..data.events import event_window_days
from ..data.issues import examples
from ..errors import ConfigError, DataValidationError
from ..evaluation.forecast import output_names
from ..evaluation.intervals import apply_intervals, residual_quantiles, scaled_residuals
from ..evaluation.metrics import CUTOFF, seasonal_scale, training_scales
from ..evaluation.training import TrainedRun
from ..schema import CATEGORY, DS, PROMO, SEASON_LENGTH, UID, Y, freq_family

Level = Literal["total", "category", "series"]
HIERARCHY: tuple[Level, ...] = ("total", "category", "series")
TOTAL = "Total"  #: the name of the one series at level total
MIN_ORDINARY_RESIDUALS = 30  # fewer errors from periods without events: calibrate on all of them


def available_levels(frame: pd.DataFrame) -> tuple[str, ...]:
    """The levels this table supports: ``category`` only when it has a category column."""
    return tuple(level for level in HIERARCHY if level != "category" or _has_categories(frame))


def _has_categories(frame: pd.DataFrame) -> bool:
    return CATEGORY in frame.columns and frame[CATEGORY].notna().any()


def _check_level(frame: pd.DataFrame, level: str) -> None:
    if level not in HIERARCHY:
        raise ConfigError(f"level {level!r} is not known; choose one of {', '.join(HIERARCHY)}")
    if level == "category" and not _has_categories(frame):
        raise DataValidationError(
            "level 'category' needs a category column; map one on the Data page, or choose level total or series"
        )


def _group_key(frame: pd.DataFrame, level: str) -> pd.Series:
    if level == "total":
        return pd.Series(TOTAL, index=frame.index, dtype="str")
    if level == "category":
        return frame[CATEGORY].astype("str")
    return frame[UID].astype("str")


def series_names(frame: pd.DataFrame, level: Level) -> list[str]:
    """The series at a level, sorted: ``["Total"]``, the categories, or the series ids."""
    _check_level(frame, level)
    if level == "total":
        return [TOTAL]
    return sorted(_group_key(frame, level).dropna().unique().tolist())


def members(frame: pd.DataFrame, level: Level, name: str) -> pd.DataFrame:
    """The rows of the series that make up ``name`` at ``level`` (all rows for ``total``)."""
    _check_level(frame, level)
    if level == "total":
        return frame
    chosen = frame.loc[_group_key(frame, level).eq(name)]
    if chosen.empty:
        raise DataValidationError(
            f"there is no {level} {name!r} in the data; choose one of {examples(series_names(frame, level), 5)}"
        )
    return chosen


def aggregate(frame: pd.DataFrame, level: Level) -> pd.DataFrame:
    """One series per group of the level: units summed per period.

    The result is a long table (``unique_id``, ``ds``, ``y``); when the input has
    a promotion column, ``promo`` is the share of the group's series on
    promotion in that period (0..1). Prices are not averaged across products:
    use :func:`price_response` on :func:`members` instead. At level ``series``
    the table comes back as it is.
    """
    _check_level(frame, level)
    if level == "series":
        return frame.sort_values([UID, DS], kind="stable").reset_index(drop=True)
    keys = [_group_key(frame, level).rename(UID), frame[DS]]
    out = frame.groupby(keys, sort=True)[Y].sum(min_count=1).to_frame()
    if PROMO in frame.columns:
        out[PROMO] = (frame[PROMO].fillna(0) > 0).astype("float64").groupby(keys, sort=True).mean()
    out = out.reset_index()
    if level == "category":
        out[CATEGORY] = out[UID]
    return out


def level_series(frame: pd.DataFrame, level: Level, name: str) -> pd.DataFrame:
    """The one series ``name`` at ``level`` (``unique_id``, ``ds``, ``y`` and, if present, ``promo``)."""
    return aggregate(members(frame, level, name), level).loc[lambda f: f[UID].eq(name)].reset_index(drop=True)


@dataclass(frozen=True)
class LevelView:
    """What the Forecast page draws for one series, category or the total."""

    name: str
    history: pd.DataFrame  # ds, y
    folds: pd.DataFrame  # ds, cutoff, y, yhat (the backtest windows)
    forecast: pd.DataFrame  # ds, yhat, yhat_model, yhat_lo_80 ... (the future)


def level_view(run: TrainedRun, history: pd.DataFrame, level: Level, name: str,
               forecast: pd.DataFrame | None = None) -> LevelView:
    """Sum ``run``'s backtest and ``forecast`` (default: the run's own) over the series that make up ``name``.

    ``forecast`` may carry manual adjustments (``yhat`` adjusted, ``yhat_model`` the model's value).
    """
    forecast = run.forecast if forecast is None else forecast
    chosen = members(history, level, name)
    ids = set(chosen[UID].unique())
    summed_history = chosen.groupby(DS, sort=True)[Y].sum().reset_index()
    folds = _summed_folds(run, ids)
    future = forecast[forecast[UID].isin(ids)]
    if "yhat_model" not in future.columns:
        future = future.assign(yhat_model=future["yhat"])
    if level == "series":
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
