"""Series ranked for review: where the forecast went most wrong, on the series that matter most.

Everything comes from a trained run's backtest (the last windows of history,
forecast as if they were the future) and the history itself. The priority of a
series is its share of all the units (or, with prices, the revenue) that the
model missed in those windows: a series ranks high when it sells a lot *and*
the model misses a large part of it, so the worst high-volume series come
first. A small series with a bad forecast cannot outrank a big one that loses
more units.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..evaluation.metrics import CUTOFF, latest_window_bias
from ..schema import CATEGORY, DS, PRICE, UID, Y

if TYPE_CHECKING:
    from ..evaluation.training import TrainedRun

Basis = Literal["units", "revenue"]
BIAS_TOLERANCE = 0.05  #: |bias| below this share of actual sales counts as on target
#: Sort keys offered to the user; every one puts the worst series first.
SORT_KEYS = {
    "priority": "Priority (missed volume)",
    "mase": "MASE (error vs seasonal naive)",
    "wape": "WAPE (error share of sales)",
    "bias": "Bias (over or under, either way)",
    "recent_units": "Recent units sold",
    "forecast_units": "Forecast units",
}
PRIORITY_RULE = (
    "Priority = the series' share of all {basis} the model missed (absolute error) in the backtest windows. "
    "It is high when a series sells a lot and the model misses a large part of it, so the worst high-volume "
    "series come first. Bias is the forecast minus actual sales over the latest backtest window, as a share of "
    "actual sales (the same bias the Alerts page flags): positive = over-forecast (too much stock), negative = "
    "under-forecast (lost sales)."
)


def review_table(run: TrainedRun, history: pd.DataFrame, forecast: pd.DataFrame | None = None, *,
                 basis: Basis = "units") -> pd.DataFrame:
    """One row per series, worst first: error, bias, volume and priority.

    Parameters
    ----------
    run
        The trained run whose backtest is reviewed.
    history
        The cleaned long table the run was trained on (``unique_id, ds, y`` and optional ``price``, ``category``).
    forecast
        The forecast to total per series, e.g. with adjustments applied (default: the run's own).
    basis
        ``units``, or ``revenue`` to weight each missed unit by its price (needs a ``price`` column).

    Returns
    -------
    ``rank, unique_id, [category], priority, missed, mase, wape, bias, direction, recent_units, forecast_units,
    adjusted_units, forecast_vs_recent, [recent_revenue]``. ``missed`` is the absolute error summed over the
    backtest windows (units or revenue); ``recent_units`` covers as many periods as the forecast, so the two compare.
    """
    if basis == "revenue" and PRICE not in history.columns:
        raise ConfigError("ranking by missed revenue needs a price column; rank by units or map a price column "
                          "on the Data page")
    forecast = run.forecast if forecast is None else forecast
    errors = _backtest_errors(run, history, basis)
    volume = _volume(history, forecast)
    table = errors.join(volume, how="outer")
    if CATEGORY in history.columns:
        table.insert(0, CATEGORY, history.groupby(UID, sort=True)[CATEGORY].first())
    table["direction"] = table["bias"].map(_direction)
    total_missed = table["missed"].sum()
    table["priority"] = table["missed"] / total_missed if total_missed > 0 else np.nan
    ranked = table.sort_values(["priority", "recent_units"], ascending=False, na_position="last")
    ranked = ranked.rename_axis(UID).reset_index()
    ranked.insert(0, "rank", range(1, len(ranked) + 1))
    order = ["rank", UID, CATEGORY, "priority", "missed", "mase", "wape", "bias", "direction", "recent_units",
             "forecast_units", "adjusted_units", "forecast_vs_recent", "recent_revenue"]
    return ranked[[c for c in order if c in ranked.columns]]


def _backtest_errors(run: TrainedRun, history: pd.DataFrame, basis: Basis) -> pd.DataFrame:
    """Per series: MASE (mean over windows), pooled WAPE, the missed units or revenue, and the latest window's bias."""
    per = run.backtest.per_series
    per = per[per["model"] == run.name]
    grouped = per.groupby(UID, sort=True)
    sold = grouped["sum_y"].sum()
    out = pd.DataFrame({
        "mase": grouped["mase"].mean(),
        "wape": grouped["sum_abs_error"].sum() / sold.where(sold > 0),
        "bias": latest_window_bias(run.backtest.predictions, run.name)["bias"],
        "missed": grouped["sum_abs_error"].sum(),
    })
    if basis == "revenue":
        out["missed"] = _missed_revenue(run, history)
    return out


def _missed_revenue(run: TrainedRun, history: pd.DataFrame) -> pd.Series:
    """Absolute error times the price of each period (a series' mean price where a period has none)."""
    predictions = run.backtest.predictions[[UID, DS, CUTOFF, Y, run.name]]
    prices = history[[UID, DS, PRICE]]
    joined = predictions.merge(prices, on=[UID, DS], how="left")
    price = joined[PRICE].fillna(joined.groupby(UID)[PRICE].transform("mean")).fillna(0.0)
    joined["missed"] = (joined[Y] - joined[run.name]).abs() * price
    return joined.groupby(UID, sort=True)["missed"].sum()


def _volume(history: pd.DataFrame, forecast: pd.DataFrame) -> pd.DataFrame:
    """Units in the forecast and in as many recent periods of history (and their revenue when there are prices)."""
    periods = int(forecast.groupby(UID).size().max())
    recent = history.sort_values([UID, DS]).groupby(UID, sort=True).tail(periods)
    grouped_forecast = forecast.groupby(UID, sort=True)
    out = pd.DataFrame({
        "recent_units": recent.groupby(UID, sort=True)[Y].sum(),
        "forecast_units": grouped_forecast["yhat"].sum(),
    })
    out["adjusted_units"] = grouped_forecast["adjustment"].sum() if "adjustment" in forecast.columns else 0.0
    out["forecast_vs_recent"] = out["forecast_units"] / out["recent_units"].where(out["recent_units"] > 0) - 1
    if PRICE in history.columns:
        out["recent_revenue"] = (recent[Y] * recent[PRICE]).groupby(recent[UID], sort=True).sum(min_count=1)
    return out


def _direction(bias: float) -> str:
    if pd.isna(bias):
        return "no sales"
    if bias >= BIAS_TOLERANCE:
        return "over"
    if bias <= -BIAS_TOLERANCE:
        return "under"
    return "on target"


def rank_series(table: pd.DataFrame, by: str = "priority", *, categories: list[str] | None = None) -> pd.DataFrame:
    """The review table filtered to ``categories`` (all when empty) and sorted worst first by ``by``.

    Bias sorts by its size, either way (-30% is as bad as +30%); series without a value go last.
    """
    if by not in SORT_KEYS:
        raise ConfigError(f"cannot sort the review by {by!r}; use one of {', '.join(SORT_KEYS)}")
    if categories and CATEGORY in table.columns:
        table = table[table[CATEGORY].isin(categories)]
    key = table[by].abs() if by == "bias" else table[by]
    order = key.sort_values(ascending=False, na_position="last", kind="stable").index
    return table.loc[order].reset_index(drop=True)
