"""Coherent levels: reconcile series, category and total forecasts so children sum to their parents.

A category manager reads series, category and total forecasts side by side. The
model forecasts each series; a model fitted on the category and total series
often forecasts those levels better (less noise), and the sum of the series
forecasts often forecasts them worse. Reconciliation combines them into one
coherent set (Hyndman and Athanasopoulos, *Forecasting: principles and
practice*, ch. 11; Wickramasuriya, Athanasopoulos and Hyndman 2019):

- ``bottom_up``: the series forecasts, summed (what the studio did before);
- ``top_down``: the total forecast split by each series' share of the last year;
- ``mint_shrink``: the minimum-trace projection ``S (S' W^-1 S)^-1 S' W^-1 y``
  with ``W`` the covariance of the base forecasts' errors, shrunk towards its
  diagonal (Schäfer and Strimmer 2005), as Nixtla's ``hierarchicalforecast``
  does (not used itself: it pulls matplotlib and quadratic-programming solvers
  into the app for a few lines of linear algebra).

The method is chosen by backtest: each method reconciles every scored window
(MinT's ``W`` from the other windows' errors only) and the one with the lowest
mean MASE over the levels wins. The result is a run whose series forecasts and
backtest are reconciled; every level the pages show is their sum, so the levels
are coherent everywhere (app, downloads, report, API), and the level bands come
from the reconciled errors at that level.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd

from ..evaluation.backtest import BacktestConfig, BacktestResult, backtest
from ..evaluation.forecast import forecast_fitted
from ..evaluation.metrics import CUTOFF, training_scales
from ..evaluation.plans import complete_plan
from ..evaluation.training import TrainedRun
from ..schema import CATEGORY, DS, SEASON_LENGTH, UID, Y, freq_family
from .hierarchy import TOTAL, aggregate

Method = Literal["bottom_up", "top_down", "mint_shrink"]
METHODS: tuple[str, ...] = ("bottom_up", "top_down", "mint_shrink")
MAX_MINT_SERIES = 3_000  # W is nodes x nodes: beyond this MinT is left out (said in the notes)


@dataclass(frozen=True)
class Hierarchy:
    """Series (the bottom), their categories and the total, and the summing matrix that links them."""

    bottom: tuple[str, ...]
    categories: tuple[str, ...]
    category_of: tuple[str, ...]  # per bottom series, its category ("" without categories)

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Hierarchy:
        ids = sorted(frame[UID].astype(str).unique())
        if CATEGORY in frame.columns and frame[CATEGORY].notna().any():
            first = frame.drop_duplicates(UID)
            first = first[CATEGORY].set_axis(first[UID].astype(str))
            category_of = tuple(str(first.get(i, "")) for i in ids)
            categories = tuple(sorted(set(category_of)))
            if len(categories) in (1, len(ids)):  # one category is the total; one per series adds nothing
                categories, category_of = (), ("",) * len(ids)
        else:
            categories, category_of = (), ("",) * len(ids)
        return cls(tuple(ids), categories, category_of)

    @property
    def nodes(self) -> list[str]:
        return [TOTAL, *self.categories, *self.bottom]

    @property
    def levels(self) -> list[str]:
        return ["total", *["category"] * len(self.categories), *["series"] * len(self.bottom)]

    @property
    def upper(self) -> list[str]:
        return [TOTAL, *self.categories]

    def summing(self) -> np.ndarray:
        """``S`` (nodes x series): row k adds the series that make up node k."""
        n = len(self.bottom)
        rows = [np.ones(n)]
        members = np.array(self.category_of)
        rows += [(members == c).astype(float) for c in self.categories]
        return np.vstack([*rows, np.eye(n)])


def upper_table(frame: pd.DataFrame, hierarchy: Hierarchy) -> pd.DataFrame:
    """The total and category series as one long table (``unique_id`` = the node's name)."""
    parts = [aggregate(frame, "total")]
    if hierarchy.categories:
        parts.append(aggregate(frame, "category").drop(columns=[CATEGORY]))
    return pd.concat(parts, ignore_index=True).sort_values([UID, DS], kind="stable").reset_index(drop=True)


def shrunk_covariance(residuals: np.ndarray) -> np.ndarray:
    """Covariance of ``residuals`` (samples x nodes) with the correlations shrunk towards 0 (Schäfer-Strimmer).

    The shrinkage intensity ``lambda = sum Var(r_ij) / sum r_ij^2`` over pairs ``i != j``, clipped to [0, 1], is
    estimated from the data; a node whose errors never vary gets a tiny variance so ``W`` stays invertible.
    """
    t, n = residuals.shape
    centred = residuals - residuals.mean(axis=0)
    std = np.sqrt((centred ** 2).sum(axis=0) / max(t - 1, 1))
    std = np.where(std > 0, std, max(float(std.max()), 1.0) * 1e-6)
    z = centred / std
    # w_kij = z_ki z_kj; its mean and spread per pair from two n x n products (no samples x n x n array).
    mean_w = z.T @ z / t
    correlation = t / (t - 1) * mean_w
    variance = t / (t - 1) ** 3 * t * ((z ** 2).T @ (z ** 2) / t - mean_w ** 2)
    off = ~np.eye(n, dtype=bool)
    denominator = float((correlation[off] ** 2).sum())
    intensity = float(np.clip(variance[off].sum() / denominator, 0, 1)) if denominator > 0 else 1.0
    shrunk = np.where(off, (1 - intensity) * correlation, 1.0)
    return shrunk * np.outer(std, std)


def reconcile(base: np.ndarray, summing: np.ndarray, method: str, *, covariance: np.ndarray | None = None,
              shares: np.ndarray | None = None) -> np.ndarray:
    """Reconciled series forecasts (series x periods) from base forecasts of every node (nodes x periods).

    ``covariance`` is needed for ``mint_shrink`` and ``shares`` (per series, summing to 1) for ``top_down``.
    Negative reconciled values are set to 0, which keeps the levels coherent (they are sums of the series).
    """
    n = summing.shape[1]
    if method == "bottom_up":
        bottom = base[-n:]
    elif method == "top_down":
        bottom = np.outer(shares, base[0])
    elif method == "mint_shrink":
        precision = np.linalg.inv(covariance + np.eye(len(covariance)) * 1e-9 * np.trace(covariance) / len(covariance))
        left = summing.T @ precision
        bottom = np.linalg.solve(left @ summing, left @ base)
    else:
        raise ValueError(f"unknown reconciliation method {method!r}; choose one of {', '.join(METHODS)}")
    return np.clip(bottom, 0, None)


@dataclass(frozen=True)
class Reconciliation:
    """The chosen method, the MASE per level of every method on the backtest, and the reconciled run."""

    method: str
    scores: pd.DataFrame  # level, base, bottom_up, top_down, mint_shrink (mean MASE over the level's nodes)
    run: TrainedRun


def reconcile_run(run: TrainedRun, frame: pd.DataFrame, *, method: str = "auto") -> Reconciliation | None:
    """Reconcile ``run``'s levels, choosing the method by backtest (``method="auto"``) or as given.

    Returns None when there is nothing to reconcile (a single series).
    """
    hierarchy = Hierarchy.of(frame)
    if len(hierarchy.bottom) < 2:
        return None
    freq, spec = run.freq, run.spec
    upper = upper_table(frame, hierarchy)
    upper_model = spec.build()
    upper_run = backtest([upper_model], upper, freq, BacktestConfig(horizon=spec.horizon, folds=spec.folds,
                                                                     levels=spec.levels))
    summing = hierarchy.summing()
    windows = _window_matrices(run, upper_run, hierarchy, upper_model.name)
    shares = _shares(frame, hierarchy)
    candidates = [m for m in METHODS if m != "mint_shrink" or len(hierarchy.bottom) <= MAX_MINT_SERIES]
    held_out = _held_out_covariances(windows) if "mint_shrink" in candidates else [None] * len(windows)
    scores = _scores(windows, held_out, hierarchy, summing, shares, candidates, frame, upper, freq,
                     scored=sorted(pd.Timestamp(c) for c in run.backtest.predictions[CUTOFF].unique()))
    chosen = min(candidates, key=lambda m: scores[m].mean()) if method == "auto" else method
    covariance = shrunk_covariance(np.vstack([w.residuals for w in windows])) if chosen == "mint_shrink" else None
    reconciled = _reconciled_backtest(run, windows, held_out, hierarchy, summing, chosen, covariance, shares)
    future = _reconciled_future(run, upper, upper_model, upper_run, hierarchy, frame, summing, chosen, covariance,
                                shares)
    note = (f"levels reconciled by {chosen.replace('_', ' ')} (chosen by backtest: mean MASE over the levels "
            f"{scores[chosen].mean():.3f} against {scores['bottom_up'].mean():.3f} for the summed series)")
    if len(candidates) < len(METHODS):
        note += f"; MinT is left out above {MAX_MINT_SERIES:,} series"
    new = replace(run, backtest=reconciled, forecast=future, notes=[*run.notes, note], reconciled=chosen,
                  level_scores=scores.reset_index(), model_forecast=run.forecast)
    return Reconciliation(chosen, scores.reset_index(), new)


@dataclass(frozen=True)
class _Window:
    cutoff: pd.Timestamp
    dates: pd.DatetimeIndex
    base: np.ndarray  # nodes x periods
    actual: np.ndarray  # nodes x periods
    residuals: np.ndarray  # periods x nodes (0 where unknown)


def _window_matrices(run: TrainedRun, upper_run: BacktestResult, hierarchy: Hierarchy, upper_name: str) -> list[_Window]:
    bottom = run.backtest.windows()
    upper = upper_run.windows()
    out = []
    for cutoff, part in bottom.groupby(CUTOFF, sort=True):
        dates = pd.DatetimeIndex(sorted(part[DS].unique()))
        high = upper[upper[CUTOFF] == cutoff]
        if high.empty:
            continue
        base_low = part.pivot_table(index=UID, columns=DS, values=run.name).reindex(list(hierarchy.bottom),
                                                                                    columns=dates)
        actual_low = part.pivot_table(index=UID, columns=DS, values=Y).reindex(list(hierarchy.bottom), columns=dates)
        base_high = high.pivot_table(index=UID, columns=DS, values=upper_name).reindex(hierarchy.upper, columns=dates)
        actual_high = high.pivot_table(index=UID, columns=DS, values=Y).reindex(hierarchy.upper, columns=dates)
        base = np.vstack([base_high.to_numpy(dtype=float), base_low.to_numpy(dtype=float)])
        actual = np.vstack([actual_high.to_numpy(dtype=float), actual_low.to_numpy(dtype=float)])
        base = np.where(np.isnan(base), 0.0, base)
        out.append(_Window(pd.Timestamp(cutoff), dates, base, actual, np.nan_to_num(actual - base).T))
    return out


def _shares(frame: pd.DataFrame, hierarchy: Hierarchy) -> np.ndarray:
    """Each series' share of the total over the last year of history (equal shares if nothing sold)."""
    start = frame[DS].max() - pd.Timedelta(days=365)
    recent = frame[frame[DS] > start].groupby(UID)[Y].sum().reindex(list(hierarchy.bottom)).fillna(0).to_numpy()
    total = recent.sum()
    return recent / total if total > 0 else np.full(len(recent), 1 / len(recent))


def _held_out_covariances(windows: list[_Window]) -> list[np.ndarray | None]:
    """Per window, MinT's W from the other windows' errors only (None when there is no other window)."""
    return [shrunk_covariance(np.vstack([w.residuals for j, w in enumerate(windows) if j != i]))
            if len(windows) > 1 else None for i in range(len(windows))]


def _scores(windows, held_out, hierarchy, summing, shares, candidates, frame, upper, freq, *,
            scored) -> pd.DataFrame:
    """Mean MASE per level of the base forecasts and of each method, over the scored windows."""
    season = SEASON_LENGTH[freq_family(freq)]
    both = pd.concat([upper[[UID, DS, Y]], frame[[UID, DS, Y]].assign(**{UID: frame[UID].astype(str)})])
    scales = training_scales(both, scored, season).set_index([UID, CUTOFF])["scale"]
    levels = np.array(hierarchy.levels)
    errors: dict[str, list[np.ndarray]] = {name: [] for name in ["base", *candidates]}
    for window, covariance in zip(windows, held_out, strict=True):
        if window.cutoff not in scored:
            continue
        scale = np.array([scales.get((node, window.cutoff), np.nan) for node in hierarchy.nodes])
        forecasts = {"base": window.base}
        for method in candidates:
            if method == "mint_shrink" and covariance is None:
                continue
            forecasts[method] = summing @ reconcile(window.base, summing, method, covariance=covariance, shares=shares)
        for name, values in forecasts.items():
            errors[name].append(np.nanmean(np.abs(window.actual - values), axis=1) / scale)
    table = {name: [float(np.nanmean(np.nanmean(np.vstack(errs), axis=0)[levels == level]))
                    for level in dict.fromkeys(levels)] for name, errs in errors.items() if errs}
    return pd.DataFrame(table, index=pd.Index(list(dict.fromkeys(levels)), name="level"))


def _shifted(table: pd.DataFrame, column: str, new: np.ndarray, bands: list[str]) -> pd.DataFrame:
    """``table`` with ``column`` set to ``new`` and its bands moved by the same amount (never below 0)."""
    delta = new - table[column].to_numpy(dtype=float)
    out = table.assign(**{column: new})
    for band in bands:
        out[band] = np.clip(out[band].to_numpy(dtype=float) + delta, 0, None)
    return out


def _reconciled_backtest(run, windows, held_out, hierarchy, summing, method, covariance, shares) -> BacktestResult:
    """The run's backtest with the model's series forecasts of every window reconciled."""
    result = run.backtest
    bands = [c for c in result.predictions.columns if c.startswith(f"{run.name}-")]
    n = summing.shape[1]
    pieces = []
    for window, own in zip(windows, held_out, strict=True):
        cov = own if own is not None else covariance  # each window reconciled without its own errors in W
        bottom = reconcile(window.base, summing, method, covariance=cov, shares=shares)
        pieces.append(pd.DataFrame({UID: np.repeat(np.array(hierarchy.bottom), len(window.dates)),
                                    DS: np.tile(window.dates, n),
                                    CUTOFF: window.cutoff, "_new": bottom.ravel()}))
    new = pd.concat(pieces, ignore_index=True)

    def apply(table: pd.DataFrame | None) -> pd.DataFrame | None:
        if table is None:
            return None
        merged = table.assign(**{UID: table[UID].astype(str)}).merge(new, on=[UID, DS, CUTOFF], how="left")
        values = merged["_new"].fillna(merged[run.name]).to_numpy(dtype=float)
        return _shifted(merged.drop(columns="_new"), run.name, values, bands)

    return replace(result, predictions=apply(result.predictions), calibration=apply(result.calibration))


def _reconciled_future(run, upper, upper_model, upper_run, hierarchy, frame, summing, method, covariance, shares):
    """The run's future forecast with its series reconciled against an upper-level model fitted on all history."""
    fitted = upper_model.refit_copy(upper_run.windows()).fit(upper, freq=run.freq)
    plan = complete_plan(upper, run.freq, run.spec.horizon, None)[0]
    high, _ = forecast_fitted(fitted, upper, run.freq, run.spec.horizon, None, future=plan, levels=run.spec.levels)
    forecast = run.forecast.assign(**{UID: run.forecast[UID].astype(str)})
    dates = pd.DatetimeIndex(sorted(forecast[DS].unique()))
    base_low = forecast.pivot_table(index=UID, columns=DS, values="yhat").reindex(list(hierarchy.bottom),
                                                                                  columns=dates)
    base_high = high.pivot_table(index=UID, columns=DS, values="yhat").reindex(hierarchy.upper, columns=dates)
    base = np.nan_to_num(np.vstack([base_high.to_numpy(dtype=float), base_low.to_numpy(dtype=float)]))
    bottom = reconcile(base, summing, method, covariance=covariance, shares=shares)
    new = pd.DataFrame(bottom, index=list(hierarchy.bottom), columns=dates).stack().rename("_new")
    new.index.names = [UID, DS]
    merged = forecast.merge(new.reset_index(), on=[UID, DS], how="left")
    values = merged["_new"].fillna(merged["yhat"]).to_numpy(dtype=float)
    bands = [c for c in forecast.columns if c.startswith("yhat_lo_") or c.startswith("yhat_hi_")]
    return _shifted(merged.drop(columns="_new"), "yhat", values, bands)
