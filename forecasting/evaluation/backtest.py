"""Rolling-origin backtests: every model is scored on the last K windows of H periods.

Window k trains on everything up to its ``cutoff`` (the last training period)
and forecasts the next H periods with the actual known-in-advance drivers of
those periods. Extra earlier windows calibrate the conformal intervals of each
scored window, so an interval never uses errors from its own window or later.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd

from ..errors import ConfigError, DataValidationError
from ..models.base import Forecaster
from ..models.features import NOT_DRIVERS
from ..models.registry import get_model
from ..schema import DS, LEVELS, PRICE, PROMO, SEASON_LENGTH, UID, Y, freq_family
from .crossval import Progress, cross_validate, usable_windows, window_cutoffs
from .intervals import apply_intervals, residual_quantiles, scaled_residuals
from .metrics import CUTOFF, evaluate, summarise, training_scales


@dataclass(frozen=True)
class BacktestConfig:
    """How to backtest.

    Parameters
    ----------
    horizon
        Periods per window (H).
    folds
        Scored windows (K), the last K non-overlapping windows.
    calibration_windows
        Earlier windows whose errors calibrate each window's conformal
        intervals (C). Fewer are used when the history is short.
    levels
        Interval coverage levels in percent.
    """

    horizon: int
    folds: int = 3
    calibration_windows: int = 2
    levels: tuple[int, ...] = LEVELS

    def __post_init__(self) -> None:
        if self.horizon < 1:
            raise ConfigError(f"horizon must be at least 1 period, got {self.horizon}")
        if self.folds < 1:
            raise ConfigError(f"folds must be at least 1, got {self.folds}")
        if self.calibration_windows < 0:
            raise ConfigError(f"calibration windows cannot be negative, got {self.calibration_windows}")
        if any(not 0 < level < 100 for level in self.levels):
            raise ConfigError(f"interval levels are percentages between 0 and 100, got {self.levels}")


@dataclass
class BacktestResult:
    """Predictions of the scored windows, metrics and what happened on the way."""

    predictions: pd.DataFrame  # unique_id, ds, cutoff, y, <model>, <model>-lo-80, ...
    per_series: pd.DataFrame  # metrics per model, series and window
    leaderboard: pd.DataFrame  # one row per model
    seconds: dict[str, float]
    notes: dict[str, list[str]] = field(default_factory=dict)  # fallbacks and ignored drivers, per model
    calibration: pd.DataFrame | None = None  # predictions of the calibration windows

    def windows(self) -> pd.DataFrame:
        """Predictions of every window, calibration and scored, in time order."""
        return pd.concat([t for t in (self.calibration, self.predictions) if t is not None], ignore_index=True)


def backtest(
    models: list[Forecaster],
    df: pd.DataFrame,
    freq: str,
    config: BacktestConfig,
    *,
    progress: Progress | None = None,
) -> BacktestResult:
    """Backtest several models on the same windows and build the leaderboard.

    Seasonal naive is always added, so the value a model adds is visible.
    """
    models = _with_baseline(models)
    cutoffs, calibration = plan_windows(df, freq, config)
    scales = training_scales(df, cutoffs, SEASON_LENGTH[freq_family(freq)])
    predictions, seconds, notes = predict_windows(models, df, freq, config.horizon, cutoffs, scales,
                                                  levels=config.levels, progress=progress, calibration=calibration)
    names = list(seconds)
    for name in names:
        predictions = conformal(predictions, name, scales, config, calibration)
    scored = predictions[predictions[CUTOFF].isin(cutoffs[calibration:])].reset_index(drop=True)
    per_series = evaluate(scored, names, scales, config.levels)
    if progress:
        progress(1.0, "done")
    calibration_rows = predictions[~predictions[CUTOFF].isin(cutoffs[calibration:])].reset_index(drop=True)
    return BacktestResult(scored, per_series, summarise(per_series), seconds, notes, calibration_rows)


def predict_windows(
    models: list[Forecaster],
    df: pd.DataFrame,
    freq: str,
    horizon: int,
    cutoffs: list[pd.Timestamp],
    scales: pd.DataFrame,
    *,
    levels: tuple[int, ...] = LEVELS,
    progress: Progress | None = None,
    calibration: int = 0,
) -> tuple[pd.DataFrame, dict[str, float], dict[str, list[str]]]:
    """Every model's forecasts for every window, joined in one table, with seconds and notes per model.

    A combining model (``auto``) is scored without refitting anything: its
    members are backtested like any model and it combines their forecasts
    window by window (:meth:`~forecasting.models.base.Forecaster.combine_windows`).
    """
    combining = [m for m in models if m.combines]
    plain = [m for m in models if not m.combines]
    asked = {m.name for m in plain}
    for model in combining:
        plain += [get_model(n) for n in model.member_names() if n not in {m.name for m in plain}]
    tables, seconds, notes = [], {}, {}
    for index, model in enumerate(plain):
        started = time.perf_counter()
        report = _scaled_progress(progress, index, len(plain))
        # A member only the combination asked for needs point forecasts: every interval scored is conformal,
        # and a model's native intervals (ETS computes a prediction variance per series) would go unused.
        cv, model_notes = cross_validate(model, df, freq, horizon, cutoffs, levels=levels if model.name in asked else (),
                                         progress=report, calibration=calibration)
        seconds[model.name] = time.perf_counter() - started
        notes[model.name] = model_notes + ignored_drivers(model, df)
        tables.append(cv)
    predictions = _join(tables)
    for model in combining:
        predictions, notes[model.name] = model.combine_windows(predictions, scales)
        seconds[model.name] = sum(seconds[n] for n in model.member_names())
    return predictions, seconds, notes


def plan_windows(df: pd.DataFrame, freq: str, config: BacktestConfig) -> tuple[list[pd.Timestamp], int]:
    """All window cutoffs (calibration windows first) and how many are for calibration only."""
    available = usable_windows(df, freq, config.horizon, config.folds + config.calibration_windows)
    if available < config.folds:
        periods = df[DS].nunique()
        raise DataValidationError(
            f"{config.folds} backtest windows of {config.horizon} periods need more history than the "
            f"{periods} periods in the data",
            fix="use fewer folds ({folds}) or a shorter horizon ({horizon})",
        )
    calibration = available - config.folds
    return window_cutoffs(df, freq, config.horizon, available), calibration


def conformal(cv: pd.DataFrame, model: str, scales: pd.DataFrame, config: BacktestConfig, calibration: int) -> pd.DataFrame:
    """Add conformal intervals to each window from the errors of up to ``calibration`` windows before it.

    Native intervals (statistical models) are kept under their own names
    ``<model>-native-lo-80`` so the two can be compared.
    """
    native = {f"{model}-{side}-{level}": f"{model}-native-{side}-{level}" for side in ("lo", "hi")
              for level in config.levels if f"{model}-{side}-{level}" in cv.columns}
    cv = cv.rename(columns=native)
    cutoffs = sorted(cv[CUTOFF].unique())
    pieces = []
    for i, cutoff in enumerate(cutoffs):
        window = cv[cv[CUTOFF] == cutoff]
        earlier = cutoffs[max(0, i - max(calibration, 1)) : i]
        if not earlier:
            pieces.append(window)
            continue
        residuals = scaled_residuals(cv[cv[CUTOFF].isin(earlier)], model, scales)
        quantiles = residual_quantiles(residuals, config.horizon, config.levels)
        scale = scales[scales[CUTOFF] == cutoff].set_index(UID)["scale"]
        pieces.append(apply_intervals(window, model, quantiles, scale, config.levels))
    return pd.concat(pieces, ignore_index=True)


def _join(tables: list[pd.DataFrame]) -> pd.DataFrame:
    keys = [UID, DS, CUTOFF, Y]
    joined = tables[0]
    for table in tables[1:]:
        joined = joined.merge(table, on=keys, how="inner")
    return joined.sort_values([CUTOFF, UID, DS], kind="stable")


def _with_baseline(models: list[Forecaster]) -> list[Forecaster]:
    if any(m.name == "seasonal_naive" for m in models):
        return models
    return [*models, get_model("seasonal_naive")]


def _scaled_progress(progress: Progress | None, index: int, total: int) -> Progress | None:
    if progress is None:
        return None
    return lambda share, message: progress((index + share) / total, message)


def ignored_drivers(model: Forecaster, df: pd.DataFrame) -> list[str]:
    """A warning when the data has drivers (price, promotion ...) that this model cannot use."""
    drivers = [c for c in df.columns if c not in NOT_DRIVERS - {PRICE, PROMO}]
    if model.uses_exog or not drivers:
        return []
    return [f"{model.label} ignores the drivers {', '.join(drivers)}; choose a model that uses them "
            "(gradient boosting, ridge, SARIMAX, neural) to see their effect"]
