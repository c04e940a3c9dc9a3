"""Forecast accuracy metrics: pure functions over arrays and over the backtest table.

Metrics never hide a failure: an undefined value is NaN and is counted, never
turned into 0. MASE divides each series' error in a fold by the in-sample
error of seasonal naive on that fold's training data; MAPE leaves out periods
with zero sales (``zero_policy="exclude"``) and says how many it left out.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Literal

import numpy as np
import pandas as pd

from ..schema import DS, LEVELS, UID, Y

ZeroPolicy = Literal["exclude", "epsilon"]
CUTOFF = "cutoff"


def mae(y: np.ndarray, yhat: np.ndarray) -> float:
    return float(np.mean(np.abs(y - yhat)))


def rmse(y: np.ndarray, yhat: np.ndarray) -> float:
    return float(np.sqrt(np.mean((y - yhat) ** 2)))


def wape(y: np.ndarray, yhat: np.ndarray) -> float:
    """Sum of absolute errors over the sum of actual sales (NaN when nothing sold)."""
    total = np.sum(np.abs(y))
    return float(np.sum(np.abs(y - yhat)) / total) if total > 0 else float("nan")


def smape(y: np.ndarray, yhat: np.ndarray) -> float:
    """Symmetric MAPE in [0, 2]; a period where both are 0 is a perfect 0."""
    denominator = np.abs(y) + np.abs(yhat)
    ratio = np.divide(2 * np.abs(y - yhat), denominator, out=np.zeros_like(denominator, dtype=float),
                      where=denominator > 0)
    return float(np.mean(ratio))


def bias(y: np.ndarray, yhat: np.ndarray) -> float:
    """Total over-forecast as a share of actual sales (positive: forecasts too high)."""
    total = np.sum(np.abs(y))
    return float(np.sum(yhat - y) / total) if total > 0 else float("nan")


def mape(y: np.ndarray, yhat: np.ndarray, zero_policy: ZeroPolicy = "exclude", epsilon: float = 1.0) -> float:
    """Mean absolute percentage error.

    ``exclude`` leaves out periods with zero actual sales (NaN if all are
    zero); ``epsilon`` divides by ``max(|y|, epsilon)`` instead.
    """
    if zero_policy == "exclude":
        keep = y != 0
        return float(np.mean(np.abs(y[keep] - yhat[keep]) / np.abs(y[keep]))) if keep.any() else float("nan")
    return float(np.mean(np.abs(y - yhat) / np.maximum(np.abs(y), epsilon)))


def coverage(y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """Share of actual values inside the interval."""
    return float(np.mean((y >= lo) & (y <= hi)))


def seasonal_scale(y: np.ndarray, season: int) -> float:
    """In-sample MAE of seasonal naive (naive when the series is shorter than two seasons); NaN if 0."""
    lag = season if len(y) > season else 1
    if len(y) <= lag:
        return float("nan")
    scale = float(np.mean(np.abs(y[lag:] - y[:-lag])))
    if scale == 0 and lag != 1:
        scale = float(np.mean(np.abs(np.diff(y))))
    return scale if scale > 0 else float("nan")


def training_scales(df: pd.DataFrame, cutoffs: list[pd.Timestamp], season: int) -> pd.DataFrame:
    """MASE denominators per series and cutoff, from the training data up to each cutoff.

    :func:`seasonal_scale` of each series' history up to each cutoff, computed
    for all series at once from the seasonal and first differences of the
    table (sorted by date within each series, as every training table is).
    """
    columns = [UID, CUTOFF, "scale"]
    if df.empty or not cutoffs:
        return pd.DataFrame(columns=columns)
    y = df[Y].to_numpy(dtype="float64")
    groups = df.groupby(UID, sort=False)
    position = groups.cumcount().to_numpy()
    seasonal = np.abs(y - groups[Y].shift(season).to_numpy(dtype="float64"))
    first = np.abs(y - groups[Y].shift(1).to_numpy(dtype="float64"))
    ds = df[DS].to_numpy()
    pieces = []
    for cutoff in cutoffs:
        keep = ds <= np.datetime64(cutoff)
        sums = pd.DataFrame({
            UID: df[UID].to_numpy()[keep],
            "n": 1,
            "seasonal": np.where(position[keep] >= season, seasonal[keep], 0.0),
            "first": np.where(position[keep] >= 1, first[keep], 0.0),
            "missing": np.isnan(y[keep]),  # a missing sale makes the scale undefined, as in seasonal_scale
        }).groupby(UID, sort=True).sum()
        n = sums["n"].to_numpy(dtype="float64")
        lag = np.where(n > season, season, 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(lag == season, sums["seasonal"].to_numpy(), sums["first"].to_numpy()) / (n - lag)
            fallback = sums["first"].to_numpy() / (n - 1)
        scale = np.where((scale == 0) & (lag != 1), fallback, scale)
        scale = np.where((n > lag) & (scale > 0) & (sums["missing"].to_numpy() == 0), scale, np.nan)
        pieces.append(pd.DataFrame({UID: sums.index.to_numpy(), CUTOFF: cutoff, "scale": scale}))
    return pd.concat(pieces, ignore_index=True)[columns]


POINT_METRICS: dict[str, Callable[[np.ndarray, np.ndarray], float]] = {
    "mae": mae, "rmse": rmse, "wape": wape, "smape": smape, "bias": bias, "mape": mape,
}


def evaluate(cv: pd.DataFrame, models: list[str], scales: pd.DataFrame, levels: tuple[int, ...] = LEVELS) -> pd.DataFrame:
    """Metrics per model, series and fold from a backtest table.

    Parameters
    ----------
    cv
        ``unique_id, ds, cutoff, y, <model>...`` with optional ``<model>-lo-<level>`` / ``-hi-`` columns.
    models
        Model columns to score.
    scales
        ``unique_id, cutoff, scale`` from :func:`training_scales`.
    """
    grouped = cv.groupby([UID, CUTOFF], sort=True)
    number = grouped.ngroup().to_numpy()
    order = np.argsort(number, kind="stable")
    order = order[number[order] >= 0]  # rows whose keys are missing belong to no group
    if len(order) == 0:
        return pd.DataFrame(columns=["model", UID, CUTOFF, "n", "mase"])
    starts = np.flatnonzero(np.r_[True, np.diff(number[order]) != 0])
    n = np.diff(np.r_[starts, len(order)])
    y = cv[Y].to_numpy(dtype="float64")[order]
    keys = {UID: cv[UID].to_numpy()[order][starts], CUTOFF: cv[CUTOFF].to_numpy()[order][starts]}
    tables = []
    for model in models:
        yhat = cv[model].to_numpy(dtype="float64")[order]
        columns = {"model": model, **keys, "n": n, **_group_metrics(y, yhat, starts, n)}
        for level in levels:
            lo, hi = f"{model}-lo-{level}", f"{model}-hi-{level}"
            if lo in cv.columns:
                low, high = cv[lo].to_numpy(dtype="float64")[order], cv[hi].to_numpy(dtype="float64")[order]
                complete = np.add.reduceat(np.isnan(low), starts) == 0
                if complete.any():
                    inside = np.add.reduceat((y >= low) & (y <= high), starts) / n
                    columns[f"coverage_{level}"] = np.where(complete, inside, np.nan)
        tables.append(pd.DataFrame(columns))
    # One row per series, fold and model, in that order (as the leaderboard and the tests expect).
    table = pd.concat(tables, ignore_index=True)
    table = table.iloc[np.argsort(np.tile(np.arange(len(starts)), len(models)) * len(models)
                                  + np.repeat(np.arange(len(models)), len(starts)), kind="stable")]
    table = table.reset_index(drop=True).merge(scales, on=[UID, CUTOFF], how="left")
    table["mase"] = table["mae"] / table["scale"]
    return table


def _group_metrics(y: np.ndarray, yhat: np.ndarray, starts: np.ndarray, n: np.ndarray) -> dict[str, np.ndarray]:
    """:data:`POINT_METRICS` and the sums behind the pooled ones, for every group of rows at once.

    ``y`` and ``yhat`` are sorted by group; ``starts`` are the groups' first rows and ``n`` their sizes.
    """
    total = partial(np.add.reduceat, indices=starts)
    error = yhat - y
    absolute = np.abs(error)
    sum_y, sum_abs_error, sum_error = total(np.abs(y)), total(absolute), total(error)
    denominator = np.abs(y) + np.abs(yhat)
    nonzero = y != 0
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(denominator > 0, 2 * absolute / denominator, 0.0)
        percentage = np.where(nonzero, absolute / np.abs(y), 0.0)
        counted = total(nonzero)
        out = {
            "sum_y": sum_y, "sum_abs_error": sum_abs_error, "sum_error": sum_error,
            "zeros": total(~nonzero).astype("int64"),
            "mae": sum_abs_error / n, "rmse": np.sqrt(total(error**2) / n),
            "wape": np.where(sum_y > 0, sum_abs_error / sum_y, np.nan), "smape": total(ratio) / n,
            "bias": np.where(sum_y > 0, sum_error / sum_y, np.nan),
            "mape": np.where(counted > 0, total(percentage) / counted, np.nan),
        }
    return out


def summarise(per_series: pd.DataFrame, baseline: str = "seasonal_naive") -> pd.DataFrame:
    """The leaderboard: one row per model, best MASE first, with the gain over ``baseline``.

    MASE is the mean over series and folds; WAPE and bias pool every error
    (so big sellers weigh more); coverage is the share of all actuals inside.
    """
    grouped = per_series.groupby("model", sort=False)
    board = pd.DataFrame(
        {
            "mase": grouped["mase"].mean(),
            "wape": grouped["sum_abs_error"].sum() / grouped["sum_y"].sum(),
            "mae": grouped.apply(lambda g: np.average(g["mae"], weights=g["n"]), include_groups=False),
            "rmse": grouped.apply(lambda g: np.sqrt(np.average(g["rmse"] ** 2, weights=g["n"])), include_groups=False),
            "smape": grouped.apply(lambda g: np.average(g["smape"], weights=g["n"]), include_groups=False),
            "bias": grouped["sum_error"].sum() / grouped["sum_y"].sum(),
            "mape": grouped["mape"].mean(),
            "mape_zero_periods_left_out": grouped["zeros"].sum(),
            "series_without_mase": grouped["mase"].apply(lambda s: int(s.isna().sum())),
        }
    )
    for column in [c for c in per_series.columns if c.startswith("coverage_")]:
        board[column] = grouped.apply(
            lambda g, c=column: np.average(g[c], weights=g["n"]) if g[c].notna().all() else np.nan,
            include_groups=False,
        )
    if baseline in board.index:
        board["mase_gain_vs_seasonal_naive"] = 1 - board["mase"] / board.loc[baseline, "mase"]
    return board.sort_values("mase").rename_axis("model").reset_index()


#: The one bias definition Review and Alerts share: forecast minus actual over the latest backtest window.
BIAS_WINDOW = "the latest backtest window"


def latest_window_bias(predictions: pd.DataFrame, model: str) -> pd.DataFrame:
    """Per series, how far the forecast ran above (+) or below (-) actual sales in the latest backtest window.

    Returns (index ``unique_id``) ``bias`` = (forecast - actual) summed over the
    window / actual summed (NaN without sales), ``units`` = that sum of forecast
    minus actual, ``t`` = the mean error over its
    standard error, ``periods`` and ``last`` (the window's last date). Period-to-period
    errors are correlated, so the t-test counts ``n (1 - rho) / (1 + rho)``
    periods, rho being the lag-1 autocorrelation of the errors: a wandering but
    unbiased error does not pass for a bias.
    """
    recent = predictions[predictions[CUTOFF] == predictions[CUTOFF].max()]
    errors = (recent[model] - recent[Y]).groupby(recent[UID])
    sold = recent.groupby(UID)[Y].sum()
    stats = pd.DataFrame({"bias": errors.sum() / sold.where(sold > 0), "units": errors.sum(), "mean": errors.mean(),
                          "std": errors.std(ddof=1), "periods": errors.size(), "last": recent.groupby(UID)[DS].max()})
    rho = errors.apply(lambda e: e.autocorr(1) if len(e) > 2 else 0.0).fillna(0.0).clip(0.0, 0.95)
    n_eff = stats["periods"] * (1 - rho) / (1 + rho)
    stats["t"] = stats["mean"] / (stats["std"] / np.sqrt(n_eff)).replace(0, np.nan)
    return stats[["bias", "units", "t", "periods", "last"]]
