"""Replay the inventory policy over the backtest period against the demand that really came.

For every series, the (R, s, S) policy of :mod:`.inventory` runs period by
period through the backtest windows. At each review it sees only what it
would have seen then: the forecast made at the cutoff of the window it is in
(from data before that window), and a safety stock from the forecast errors
of the *other* windows (never its own, nor the protection period after it),
so the check is out of sample. Demand that finds no stock is lost, as in a
web shop. Orders arrive ``L`` periods after the review that placed them.

The simulation starts with the order-up-to level on hand and nothing on
order. A replenishment cycle runs from one delivery (the opening stock is the
first) to the period before the next; cycles that end inside the backtest
count. Achieved **cycle service level** = share of those cycles without a lost
sale; fill rate = units sold / units demanded over the same periods.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataValidationError
from ..schema import DS, UID
from .inventory import (
    ErrorHistory,
    ErrorModels,
    PolicyOptions,
    eoq,
    error_history,
    lead_periods,
    order_quantity,
    pools,
    review_periods,
    spread,
)
from .products import default_products, period_days

DEFAULT_OPTIONS = PolicyOptions()
RESULT_COLUMNS = ["unique_id", "category", "target_service_level", "achieved_service_level", "fill_rate",
                  "stockout_periods", "avg_stock", "cycles", "periods", "orders", "lost_units", "demand_units"]


@dataclass
class SimulationResult:
    """Per series and per category results, and the period-by-period trace (for charts)."""

    per_series: pd.DataFrame
    per_category: pd.DataFrame
    trace: pd.DataFrame
    start: pd.Timestamp
    end: pd.Timestamp
    windows: int


def simulate_policy(
    df: pd.DataFrame,
    freq: str,
    run,
    products: pd.DataFrame | None = None,
    *,
    history: ErrorHistory | None = None,
    options: PolicyOptions = DEFAULT_OPTIONS,
) -> SimulationResult:
    """Replay the recommended policy of every series over the backtest windows of ``history``.

    Parameters
    ----------
    run
        The trained run (its backtest gives the forecasts when ``history`` is not given).
    products
        Products table (:func:`~forecasting.recommend.products.default_products`); ``None``: defaults.
    history
        Backtest forecasts to replay (:func:`~forecasting.recommend.inventory.error_history`, possibly
        with extra windows: a year or more gives a steadier answer).

    Raises
    ------
    DataValidationError
        When the backtest has fewer than 2 windows (each window's safety stock needs the others).
    """
    history = history or error_history(run, df, freq)
    if history.windows < 2:
        raise DataValidationError("the policy check needs at least 2 backtest windows; train with more folds")
    products = default_products(df, freq) if products is None else products
    items = products.assign(**{UID: products[UID].astype(str)})
    items = items[items[UID].isin(history.ids)].reset_index(drop=True)
    if items.empty:
        raise DataValidationError("no product row matches a series of the backtest; check the products ids")
    categories = items.set_index(UID)["category"] if items["category"].notna().any() else None
    models = ErrorModels(history, pools(list(items[UID]), categories, options.pool))
    index = {uid: i for i, uid in enumerate(history.ids)}
    extended: dict[int, np.ndarray] = {}  # protection periods -> every series' extended window forecasts
    rows, traces = [], []
    for item in items.to_dict("records"):
        protect = int(lead_periods(item["lead_time"], freq) + review_periods(item["review_period"], freq) - 1)
        if protect not in extended:
            extended[protect] = history.extended(protect)
        i = index[item[UID]]
        row, trace = _replay(item, history.actual[i], extended[protect][i], history, models, freq, options)
        rows.append(row)
        traces.append(trace)
    per_series = pd.DataFrame(rows)[RESULT_COLUMNS]
    return SimulationResult(per_series, summarise(per_series), pd.concat(traces, ignore_index=True),
                            history.dates[0], history.dates[-1], history.windows)


def _replay(item: dict, demand: np.ndarray, extended: np.ndarray, history: ErrorHistory, models: ErrorModels,
            freq: str, options: PolicyOptions) -> tuple[dict, pd.DataFrame]:
    """One series' replay: ``demand`` its actuals, ``extended`` its windows x (H + protection) forecasts."""
    level = options.service_level or float(item["service_level"])
    lead = int(lead_periods(item["lead_time"], freq))
    review = int(review_periods(item["review_period"], freq))
    protect = lead + review - 1
    h, total = history.horizon, len(history.dates)
    known = np.isfinite(demand)
    demand = np.where(known, demand, 0.0)
    per_year = 365.25 / period_days(freq)
    factors: dict[int, tuple[float, float]] = {}

    def levels(r: int) -> tuple[float, float]:
        """Reorder point and order-up-to level at review r, from what was known then."""
        window, offset = divmod(r, h)
        if window not in factors:
            model = models.model(item[UID], protect, exclude=window)
            if len(model.z) == 0:
                raise DataValidationError(
                    f"{item[UID]}: no forecast errors over its {protect}-period protection period lie outside the "
                    "window being replayed; replay more backtest windows or use a shorter lead time")
            factors[window] = (model.quantile(level), model.kappa)
        q, kappa = factors[window]
        forecast = float(extended[window, offset: offset + protect].sum())
        reorder = max(forecast + q * float(spread(forecast, kappa)), 0.0)
        lot = float(eoq(extended[window, :h].mean() * per_year, item["order_cost"], item["unit_cost"],
                        item["holding_rate"])) if options.eoq else 0.0
        return reorder, reorder + (lot if np.isfinite(lot) else 0.0)

    reorder, order_up_to = levels(0)
    on_hand, arriving = order_up_to, np.zeros(total + lead + 1)
    sold, lost, stock, reorder_points = (np.zeros(total) for _ in range(4))
    orders = 0
    for t in range(total):
        on_hand += arriving[t]
        sold[t] = min(on_hand, demand[t])
        lost[t] = demand[t] - sold[t]
        on_hand -= sold[t]
        stock[t] = on_hand
        reorder_points[t] = reorder
        r = t + 1  # the review at the end of period t plans from period t + 1 on
        if r % review or r >= total:
            continue
        reorder, order_up_to = levels(r)
        position = on_hand + arriving[r:].sum()
        if position < reorder:
            arriving[r + lead - 1] += order_quantity(order_up_to, position, float(item["moq"]))
            orders += 1
    # Replenishment cycles: from one delivery (the opening stock is the first) to the period before the next.
    deliveries = [0, *np.flatnonzero(arriving[1:total])+1, total]
    cycles = [(a, b) for a, b in zip(deliveries[:-2], deliveries[1:-1], strict=True) if known[a:b].all()]
    ok = [lost[a:b].sum() <= 1e-9 for a, b in cycles]
    span = slice(cycles[0][0], cycles[-1][1]) if cycles else slice(0, 0)
    demanded = demand[span].sum()
    row = {
        UID: item[UID], "category": item.get("category"), "target_service_level": level,
        "achieved_service_level": float(np.mean(ok)) if ok else float("nan"),
        "fill_rate": float(sold[span].sum() / demanded) if demanded > 0 else float("nan"),
        "stockout_periods": int((lost[span] > 1e-9).sum()), "avg_stock": float(stock[span].mean()) if ok else np.nan,
        "cycles": len(ok), "periods": int(span.stop - span.start), "orders": orders,
        "lost_units": float(lost[span].sum()), "demand_units": float(demanded),
    }
    trace = pd.DataFrame({UID: item[UID], DS: history.dates, "demand": demand, "sold": sold, "lost": lost,
                          "stock": stock, "reorder_point": reorder_points})
    return row, trace


def year_of_windows(freq: str, horizon: int) -> int:
    """Backtest windows of ``horizon`` periods that cover a year: the default span of the replay."""
    return max(2, math.ceil(365.25 / period_days(freq) / horizon))


def summarise(per_series: pd.DataFrame) -> pd.DataFrame:
    """Per category (and overall): cycle service level over all their cycles, fill rate, stock-outs, stock."""
    frame = per_series.assign(ok=per_series["achieved_service_level"] * per_series["cycles"],
                              category=per_series["category"].astype("string").fillna("(none)"))
    frame = pd.concat([frame, frame.assign(category="All")], ignore_index=True)
    grouped = frame.groupby("category", sort=True)
    table = pd.DataFrame({
        "series": grouped[UID].nunique(),
        "target_service_level": grouped["target_service_level"].mean(),
        "achieved_service_level": grouped["ok"].sum() / grouped["cycles"].sum(),
        "fill_rate": 1 - grouped["lost_units"].sum() / grouped["demand_units"].sum(),
        "stockout_periods": grouped["stockout_periods"].sum(),
        "cycles": grouped["cycles"].sum(),
        "avg_stock": grouped["avg_stock"].sum(),
    })
    return table.reset_index()
