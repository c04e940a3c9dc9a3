"""One training run, as the dashboard and the ``recommend`` command need it.

A run backtests the chosen model on the last K windows (seasonal naive
alongside, so the leaderboard shows what the model adds), then fits it on the
whole history and forecasts the future. The future's intervals come from the
model's errors in the last backtest windows, so nothing is fitted twice.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from ..data.quality import SPARSE_SHARE
from ..models.base import Forecaster
from ..models.features import FeatureConfig
from ..models.registry import available, get_model_for
from ..schema import LEVELS, UID, Y
from .backtest import BacktestConfig, BacktestResult, backtest
from .crossval import Progress
from .forecast import check_future, planned_forecast, window_quantiles

INTERVAL_WINDOWS = 2  # the last backtest windows whose errors size the future's intervals


@dataclass(frozen=True)
class TrainingSpec:
    """What the user chose: the model, its settings, the features and the horizon."""

    model: str
    horizon: int
    params: dict[str, Any] = field(default_factory=dict)
    features: FeatureConfig | None = None  # only for models that build features
    folds: int = 3
    levels: tuple[int, ...] = LEVELS

    def build(self, *, callbacks: Any = None) -> Forecaster:
        """The unfitted model, with the features for models that use them and ``callbacks`` (called after each
        epoch) for models that train in epochs."""
        cls = available()[self.model]
        extra: dict[str, Any] = {}
        if cls.uses_features and self.features is not None:
            extra["features"] = self.features
        if cls.reports_epochs and callbacks is not None:
            extra["callbacks"] = callbacks
        return get_model_for(self.model, {**self.params, **extra}, self.horizon)

    def describe(self) -> dict[str, Any]:
        """Settings as plain values, for reports and downloads."""
        out: dict[str, Any] = {"model": self.model, "horizon": self.horizon, "folds": self.folds, **self.params}
        if self.features is not None and available()[self.model].uses_features:
            out["features"] = {k: v for k, v in vars(self.features).items()}
        return out


@dataclass
class TrainedRun:
    """A trained model with its backtest and its future forecast, identified by ``run_id`` from the moment it is
    trained (pages, caches and the store key on it; retraining gives a new id)."""

    spec: TrainingSpec
    freq: str
    fitted: Forecaster
    backtest: BacktestResult
    forecast: pd.DataFrame  # unique_id, ds, model, yhat, yhat_lo_80, yhat_hi_80, yhat_lo_95, yhat_hi_95
    seconds: float
    notes: list[str] = field(default_factory=list)
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    plan: pd.DataFrame | None = None  # the future drivers the forecast assumes (None: the data has no drivers)
    reconciled: str | None = None  # how the levels were reconciled (analysis.reconcile), None: summed series
    level_scores: pd.DataFrame | None = None  # MASE per level of the base forecasts and each reconciliation
    model_forecast: pd.DataFrame | None = None  # a reconciled run: the model's own forecast before reconciling

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
    callbacks: Any = None,
    run_backtest: Callable[..., BacktestResult] | None = None,
) -> TrainedRun:
    """Backtest ``spec``'s model, fit it on all of ``df`` and forecast ``spec.horizon`` periods.

    Progress runs 0..0.85 over the backtest and 0.85..1 over the final fit.
    ``run_backtest`` replaces :func:`backtest` (same arguments), e.g. to run the
    windows on a Dask cluster (:func:`~forecasting.evaluation.distributed.partitioned_backtest`).
    """
    started = time.perf_counter()
    model = spec.build(callbacks=callbacks)
    config = BacktestConfig(horizon=spec.horizon, folds=spec.folds, levels=spec.levels)
    future_notes = check_future(future, df, freq, spec.horizon)
    result = (run_backtest or backtest)([model], df, freq, config,
                                        progress=(lambda share, message: progress(0.85 * share, message))
                                        if progress else None)
    if progress:
        progress(0.85, f"{model.name}: fitting on all the history")
    fitted = model.refit_copy(result.windows()).fit(df, freq=freq)
    if progress:
        progress(0.97, f"{model.name}: forecasting {spec.horizon} periods")
    quantiles = window_quantiles(result.predictions, model.name, df, freq, spec.horizon, spec.levels,
                                 INTERVAL_WINDOWS)
    forecast, plan, notes = planned_forecast(fitted, df, freq, spec.horizon, quantiles, future=future,
                                             levels=spec.levels)
    if progress:
        progress(1.0, "done")
    notes = future_notes + result.notes.get(model.name, []) + notes
    return TrainedRun(spec, freq, fitted, result, forecast, time.perf_counter() - started,
                      list(dict.fromkeys(notes)), plan=plan)


def replan(run: TrainedRun, df: pd.DataFrame, plan: pd.DataFrame) -> TrainedRun:
    """The run's fitted model forecasting under another future plan (no retraining): a new run with a new id.

    The intervals keep the run's calibration (its last backtest windows); ``plan``
    has the shape of :attr:`TrainedRun.plan` (missing values take usual values).
    """
    spec = run.spec
    quantiles = window_quantiles(run.backtest.predictions, run.name, df, run.freq, spec.horizon, spec.levels,
                                 INTERVAL_WINDOWS)
    forecast, plan, notes = planned_forecast(run.fitted, df, run.freq, spec.horizon, quantiles, future=plan,
                                             levels=spec.levels)
    kept = [n for n in run.notes if not n.startswith("no plan for ") and "of repeating last season" not in n]
    notes = list(dict.fromkeys(kept + notes))
    return replace(run, forecast=forecast, plan=plan, notes=notes, run_id=uuid.uuid4().hex)


def best_run(runs: list[TrainedRun]) -> TrainedRun | None:
    """The run with the lowest backtest MASE (a run without a score comes last), or None without runs."""
    def mase(run: TrainedRun) -> float:
        value = float(run.score["mase"])
        return value if value == value else float("inf")
    return min(runs, key=mase) if runs else None


def loses_to_baseline(run: TrainedRun) -> bool:
    """True when the run's model forecast worse than seasonal naive on its own backtest windows."""
    return run.name != "seasonal_naive" and float(run.score.get("mase_gain_vs_seasonal_naive", 0.0)) < 0


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
