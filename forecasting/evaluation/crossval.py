"""Rolling-origin windows: fit a fresh copy of a model at each cutoff and forecast the next H periods."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ..errors import DataValidationError
from ..models.base import Forecaster
from ..schema import DS, LEVELS, SEASON_LENGTH, UID, Y, freq_family
from .metrics import CUTOFF

Progress = Callable[[float, str], None]
MIN_TRAIN_PERIODS = 3


def window_cutoffs(df: pd.DataFrame, freq: str, horizon: int, windows: int) -> list[pd.Timestamp]:
    """Cutoffs of the last ``windows`` non-overlapping windows of ``horizon`` periods, oldest first."""
    last = df[DS].max()
    periods = pd.date_range(end=last, periods=windows * horizon + 1, freq=freq)
    return [periods[i * horizon] for i in range(windows)]


def usable_windows(df: pd.DataFrame, freq: str, horizon: int, wanted: int) -> int:
    """How many windows fit while the first still leaves a season (or 3 periods) to train on."""
    periods = df[DS].nunique()
    season = SEASON_LENGTH[freq_family(freq)]
    minimum = max(MIN_TRAIN_PERIODS, min(season, periods // 2))
    return max(0, min(wanted, (periods - minimum) // horizon))


def cross_validate(
    model: Forecaster,
    df: pd.DataFrame,
    freq: str,
    horizon: int,
    cutoffs: list[pd.Timestamp],
    *,
    levels: tuple[int, ...] = LEVELS,
    progress: Progress | None = None,
    calibration: int = 0,
) -> tuple[pd.DataFrame, list[str]]:
    """Fit a fresh copy of ``model`` at each cutoff and forecast the next ``horizon`` periods.

    Returns the table ``unique_id, ds, cutoff, y, <model>`` (with native
    interval columns at ``levels`` when the model has them) and notes on
    fallbacks and ignored drivers. The first ``calibration`` cutoffs only
    calibrate the intervals: progress names them apart from the scored ones.
    """
    pieces, notes = [], []
    step = pd.tseries.frequencies.to_offset(freq)
    for i, cutoff in enumerate(cutoffs):
        if progress:
            progress(i / len(cutoffs), f"{model.name}: {window_label(i, len(cutoffs), calibration)} "
                                       f"(cutoff {cutoff:%Y-%m-%d})")
        train = df[df[DS] <= cutoff]
        counts = train.groupby(UID, sort=False)[DS].size()
        train = train[train[UID].isin(counts.index[counts >= MIN_TRAIN_PERIODS])]
        test = df[(df[DS] > cutoff) & (df[DS] <= cutoff + horizon * step) & df[UID].isin(train[UID].unique())]
        if train.empty or test.empty:
            continue
        fitted = model.clone().fit(train, freq=freq)
        forecast = fitted.predict(horizon, future=test.drop(columns=[Y]), levels=levels)
        notes += [f"{uid}: {why}" for uid, why in getattr(fitted, "fallbacks_", {}).items()]
        notes += getattr(fitted, "warnings_", [])
        actual = test[[UID, DS, Y]]
        pieces.append(actual.merge(forecast, on=[UID, DS], how="inner").assign(**{CUTOFF: cutoff}))
    if not pieces:
        raise DataValidationError(
            f"no backtest window has both training data and actual sales; use a shorter horizon than {horizon}"
        )
    table = pd.concat(pieces, ignore_index=True)
    columns = [UID, DS, CUTOFF, Y] + [c for c in table.columns if c.startswith(model.name)]
    return table[columns], sorted(set(notes))


def window_label(index: int, total: int, calibration: int = 0) -> str:
    """``calibration window 1 of 2`` / ``scored window 2 of 3``: what the user set is what they count."""
    if index < calibration:
        return f"interval calibration window {index + 1} of {calibration}"
    if not calibration:
        return f"window {index + 1} of {total}"
    return f"scored window {index - calibration + 1} of {total - calibration}"
