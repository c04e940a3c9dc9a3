"""One training run, as the dashboard and the ``recommend`` command need it.

A run backtests the chosen model on the last K windows (seasonal naive
alongside, so the leaderboard shows what the model adds), then fits it on the
whole history and forecasts the future. The future's intervals come from the
model's errors in the last backtest windows, so nothing is fitted twice.
"""

from __future__ import annotations

import inspect
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .backtest import BacktestConfig, BacktestResult, backtest
from .crossval import Progress
from .features import FeatureConfig
from .forecast import check_future, forecast_fitted, window_quantiles
from .models.auto import AutoForecaster
from .models.base import Forecaster
from .models.registry import available, get_model
from .quality import SPARSE_SHARE
from .schema import UID, Y

INTERVAL_WINDOWS = 2  # the last backtest windows whose errors size the future's intervals


@dataclass(frozen=True)
class TrainingSpec:
    """What the user chose: the model, its settings, the features and the horizon."""

    model: str
    horizon: int
    params: dict[str, Any] = field(default_factory=dict)
    features: FeatureConfig | None = None  # only for models that build features
    folds: int = 3
    levels: tuple[int, ...] = (80, 95)

    def build(self, **hooks: Any) -> Forecaster:
        """The unfitted model; ``hooks`` (such as neural ``callbacks``) go only to models that accept them."""
        cls = available()[self.model]
        accepted = inspect.signature(cls.__init__).parameters
        extra = {k: v for k, v in hooks.items() if k in accepted}
        if self.features is not None and "features" in accepted:
            extra["features"] = self.features
        return get_model(self.model, **self.params, **extra)

    def describe(self) -> dict[str, Any]:
        """Settings as plain values, for reports and downloads."""
        out: dict[str, Any] = {"model": self.model, "horizon": self.horizon, "folds": self.folds, **self.params}
        if self.features is not None and "features" in inspect.signature(available()[self.model].__init__).parameters:
            out["features"] = {k: v for k, v in vars(self.features).items()}
        return out


@dataclass
class TrainedRun:
    """A trained model with its backtest and its future forecast."""

    spec: TrainingSpec
    freq: str
    fitted: Forecaster
    backtest: BacktestResult
    forecast: pd.DataFrame  # unique_id, ds, model, yhat, yhat_lo_80, yhat_hi_80, yhat_lo_95, yhat_hi_95
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.spec.model

    @property
    def score(self) -> pd.Series:
        """This model's leaderboard row."""
        board = self.backtest.leaderboard
        return board[board["model"] == self.name].iloc[0]


def train(
    spec: TrainingSpec,
    df: pd.DataFrame,
    freq: str,
    *,
    future: pd.DataFrame | None = None,
    progress: Progress | None = None,
    **hooks: Any,
) -> TrainedRun:
    """Backtest ``spec``'s model, fit it on all of ``df`` and forecast ``spec.horizon`` periods.

    Progress runs 0..0.85 over the backtest and 0.85..1 over the final fit.
    """
    started = time.perf_counter()
    model = spec.build(**hooks)
    config = BacktestConfig(horizon=spec.horizon, folds=spec.folds, levels=spec.levels)
    future_notes = check_future(future, df, freq, spec.horizon)
    result = backtest([model], df, freq, config,
                      progress=(lambda share, message: progress(0.85 * share, message)) if progress else None)
    if progress:
        progress(0.85, f"{model.name}: fitting on all the history")
    refit = model.with_validation(result.windows()) if isinstance(model, AutoForecaster) else model.clone()
    fitted = refit.fit(df, freq=freq)
    if progress:
        progress(0.97, f"{model.name}: forecasting {spec.horizon} periods")
    quantiles = window_quantiles(result.predictions, model.name, df, freq, spec.horizon, spec.levels,
                                 INTERVAL_WINDOWS)
    forecast, notes = forecast_fitted(fitted, df, freq, spec.horizon, quantiles, future=future, levels=spec.levels)
    if progress:
        progress(1.0, "done")
    notes = future_notes + result.notes.get(model.name, []) + notes
    return TrainedRun(spec, freq, fitted, result, forecast, time.perf_counter() - started, list(dict.fromkeys(notes)))


COMPARE_COLUMNS = ["model", "mase", "mase_gain_vs_seasonal_naive", "wape", "bias", "coverage_80", "coverage_95"]


def compare_runs(runs: list[TrainedRun]) -> pd.DataFrame:
    """One leaderboard over several runs: each run's model row, and seasonal naive once per set of windows.

    Runs with a different horizon or number of folds were scored on different
    windows, so the table says which windows each row was scored on.
    """
    rows, baselines = [], set()
    for run in runs:
        board = run.backtest.leaderboard.set_index("model")
        windows = f"{run.spec.folds} x {run.spec.horizon}"
        rows.append({**board.loc[run.name].to_dict(), "model": run.name, "windows": windows,
                     "seconds": run.seconds})
        if windows not in baselines and "seasonal_naive" in board.index and run.name != "seasonal_naive":
            baselines.add(windows)
            rows.append({**board.loc["seasonal_naive"].to_dict(), "model": "seasonal_naive (baseline)",
                         "windows": windows, "seconds": run.backtest.seconds.get("seasonal_naive", float("nan"))})
    if not rows:
        return pd.DataFrame(columns=[*COMPARE_COLUMNS, "windows", "seconds"])
    table = pd.DataFrame(rows)
    columns = [c for c in COMPARE_COLUMNS if c in table.columns] + ["windows", "seconds"]
    return table[columns].sort_values("mase", kind="stable", na_position="last").reset_index(drop=True)


LARGE_TABLE_ROWS = 500_000  # above this a backtest of the global models takes minutes on a laptop


def size_warnings(df: pd.DataFrame) -> list[str]:
    """What to tell a user before training on a table that will be slow or mostly zeros."""
    warnings = []
    n_series = df[UID].nunique()
    if len(df) > LARGE_TABLE_ROWS:
        warnings.append(f"{len(df):,} rows ({n_series:,} series): training will take minutes. For a first look, "
                        "choose a weekly frequency or a coarser id (such as a category) on the Data page.")
    selling = (df[Y] > 0).groupby(df[UID]).mean()
    if len(selling) and selling.median() < SPARSE_SHARE:
        warnings.append(f"Half the series sell in fewer than {selling.median():.0%} of their periods, so most "
                        "forecasts will be near zero. A weekly or monthly frequency, or a coarser id, gives steadier "
                        "forecasts; Croston and TSB are made for such intermittent demand.")
    return warnings
