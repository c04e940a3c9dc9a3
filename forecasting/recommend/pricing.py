"""Pricing: elasticities from history, the profit-best price within bounds, and price-response curves.

Demand at price ``p`` is ``units0 * (p / p0) ** elasticity``, where ``p0`` is
today's regular price, ``units0`` the model's forecast over the horizon at
``p0`` without promotion, and the elasticity the series' estimate pooled toward
its category (:mod:`.elasticity`). Profit ``(p - cost) * units`` under a
constant elasticity ``e < -1`` peaks at ``cost * e / (1 + e)``; with ``e >= -1``
(inelastic) it keeps rising with the price, so the upper bound wins. The
recommendation is that optimum clipped to the bounds and never below cost.
The trained model's own what-if (forecast at the recommended price) is reported
next to it, as a check on the elasticity.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..evaluation.training import TrainedRun
from ..schema import CATEGORY, PRICE, UID
from .elasticity import Elasticities, estimate_elasticities
from .inputs import ASSUMED_COST_SHARE, as_fraction, regular_prices, unit_costs
from .scenarios import (
    MODEL_FACTORS,
    adjustment_factors,
    base_future,
    check_same_data,
    forecast_units,
    model_price_response,
    priced_scenarios,
    seen_price_range,
)

__all__ = ["MODEL_FACTORS", "Elasticities", "estimate_elasticities", "model_price_response", "price_bounds",
           "price_curves", "recommend_prices"]


#: Output columns of :func:`recommend_prices`, in order.
COLUMNS = ("unique_id", "category", "current_price", "unit_cost", "cost_source", "elasticity", "elasticity_lo",
           "elasticity_hi", "low_variation", "min_price", "max_price", "recommended_price", "price_change_pct",
           "expected_units_change_pct", "expected_revenue_change_pct", "expected_profit_change_pct",
           "profit_change_lo_pct", "profit_change_hi_pct", "model_units_change_pct", "model_extrapolates", "baseline_units",
           "expected_units", "baseline_revenue", "expected_revenue", "baseline_profit", "expected_profit", "reason")


def price_bounds(bounds: float | tuple[float, float]) -> tuple[float, float]:
    """``(down, up)`` shares from ``0.15`` (±15%), ``(0.1, 0.2)`` or percentages such as ``15``."""
    down, up = bounds if isinstance(bounds, (tuple, list)) else (bounds, bounds)
    return as_fraction(down, "price bound (down)"), as_fraction(up, "price bound (up)")


def _best_price(elasticity: float, cost: float, low: float, high: float) -> float:
    """Profit-best price under constant elasticity within ``low..high`` (``low`` is already at least the cost)."""
    if elasticity < -1:
        return float(np.clip(cost * elasticity / (1 + elasticity), low, high))
    return high  # inelastic: every step up gains margin faster than it loses units


def _profit_change(price, current, cost, elasticity):
    """Relative profit change of moving from ``current`` to ``price`` (NaN when today's margin is not positive)."""
    before = current - cost
    after = (price - cost) * (price / current) ** elasticity
    return np.where(before > 0, (after - before) / np.where(before > 0, before, 1.0), np.nan)


def recommend_prices(df: pd.DataFrame, freq: str, run: TrainedRun, products: pd.DataFrame | None = None, *,
                     bounds: float | tuple[float, float] = 0.15, elasticities: Elasticities | None = None,
                     model_response: pd.DataFrame | None = None, planning: pd.DataFrame | None = None,
                     cost_share: float = ASSUMED_COST_SHARE) -> pd.DataFrame:
    """The profit-best price of every series within ``bounds`` of today's regular price, never below cost.

    Parameters
    ----------
    df, freq
        The cleaned long table the run was trained on, and its frequency.
    run
        The trained run; its forecast at today's price is the units baseline.
    products
        ``unique_id, unit_cost`` (and optionally ``price``); missing costs are
        assumed to be ``cost_share`` of the price, as ``cost_source`` says.
    bounds
        Largest move from today's price: ``0.15`` for ±15%, or ``(down, up)``.
    elasticities
        A previous :func:`estimate_elasticities` result, to skip re-estimating.
    model_response
        A previous :func:`model_price_response` result (with the same ``planning``); its factor-1 units are
        the baseline.
    planning
        The planning forecast with the Review page's adjustments (``yhat``, ``yhat_model``): the model's
        units are scaled by ``yhat / yhat_model`` per period, so adjustments carry into every price.

    Returns
    -------
    pandas.DataFrame
        One row per series, columns :data:`COLUMNS`. ``*_pct`` are percent changes against today's price;
        ``profit_change_lo_pct``/``_hi_pct`` are the profit change at the two ends of the elasticity's 95%
        interval; ``baseline_*`` are over the horizon at today's price, ``expected_*`` at the recommended one;
        ``model_units_change_pct`` is the trained model's own what-if at the recommended price
        (``model_extrapolates`` when that price is outside the prices the series sold at, where the
        model's answer follows the elasticity from the nearest seen price); ``reason``
        says why, in one sentence.
    """
    down, up = price_bounds(bounds)
    check_same_data(run, df)
    elasticities = elasticities or estimate_elasticities(df, freq)
    prices = regular_prices(df, freq)
    table = unit_costs(prices, products, cost_share=cost_share).merge(
        elasticities.per_series[[UID, CATEGORY, "elasticity", "elasticity_lo", "elasticity_hi", "low_variation"]],
        on=UID, how="left")
    table["min_price"] = np.maximum(table["current_price"] * (1 - down), table["unit_cost"])
    table["max_price"] = np.maximum(table["current_price"] * (1 + up), table["min_price"])
    table["recommended_price"] = [
        current if not e < 0 else _best_price(e, cost, low, high)
        for e, cost, low, high, current in table[["elasticity", "unit_cost", "min_price", "max_price",
                                                  "current_price"]].itertuples(index=False)]
    table["recommended_price"] = _whole_cents(table["recommended_price"], table["unit_cost"], table["max_price"])
    table = _expected_changes(table)
    table = _model_check(table, run, df, prices, model_response, adjustment_factors(planning),
                         elasticities.by_series)
    table["reason"] = [_reason(row, down, up) for row in table.itertuples(index=False)]
    return table[list(COLUMNS)]


def _whole_cents(price: pd.Series, cost: pd.Series, high: pd.Series) -> np.ndarray:
    """Round to cents without leaving the upper bound or dropping below cost (cost wins when they clash)."""
    rounded = np.minimum(np.round(price, 2), np.floor(high * 100 + 1e-6) / 100)
    return np.maximum(rounded, np.ceil(cost * 100 - 1e-6) / 100)


def _expected_changes(table: pd.DataFrame) -> pd.DataFrame:
    ratio = table["recommended_price"] / table["current_price"]
    p0, p1, cost, e = table["current_price"], table["recommended_price"], table["unit_cost"], table["elasticity"]
    out = table.assign(price_change_pct=100 * (ratio - 1),
                       expected_units_change_pct=100 * (ratio**e - 1),
                       expected_revenue_change_pct=100 * (ratio ** (1 + e) - 1),
                       expected_profit_change_pct=100 * _profit_change(p1, p0, cost, e))
    ends = np.stack([_profit_change(p1, p0, cost, table[c]) for c in ("elasticity_lo", "elasticity_hi")])
    out["profit_change_lo_pct"], out["profit_change_hi_pct"] = 100 * ends.min(axis=0), 100 * ends.max(axis=0)
    return out


def _model_check(table: pd.DataFrame, run: TrainedRun, df: pd.DataFrame, prices: pd.Series,
                 model_response: pd.DataFrame | None, factors: pd.DataFrame | None,
                 elasticity: pd.Series) -> pd.DataFrame:
    """Baseline units from the model at today's price, and the model's own response at the recommended price.

    A recommended price outside the prices a series was sold at is asked at the nearest
    seen price and continued along the elasticity (see :func:`priced_scenarios`).
    """
    base = base_future(run, df, prices)
    ids = base[UID].to_numpy()
    today = None if model_response is None else model_response[np.isclose(model_response["factor"], 1.0)]
    recommended = table.set_index(UID)["recommended_price"]
    moved = base.assign(**{PRICE: base[UID].map(recommended)})
    if today is not None and set(today[UID]) >= set(table[UID]):
        baseline = today.set_index(UID)["units"]
        (at_recommended,), (beyond,) = priced_scenarios(run, df, [moved], factors, elasticity)
        moved = pd.Series(at_recommended).groupby(ids).sum()
    else:  # both scenarios in one pass
        (at_today, at_recommended), (_, beyond) = priced_scenarios(run, df, [base, moved], factors, elasticity)
        baseline = pd.Series(at_today).groupby(ids).sum()
        moved = pd.Series(at_recommended).groupby(ids).sum()
    out = table.assign(baseline_units=table[UID].map(baseline))
    out["expected_units"] = out["baseline_units"] * (1 + out["expected_units_change_pct"] / 100)
    out["baseline_revenue"] = out["baseline_units"] * out["current_price"]
    out["expected_revenue"] = out["expected_units"] * out["recommended_price"]
    out["baseline_profit"] = out["baseline_units"] * (out["current_price"] - out["unit_cost"])
    out["expected_profit"] = out["expected_units"] * (out["recommended_price"] - out["unit_cost"])
    change = moved / baseline.replace(0, np.nan) - 1
    out["model_units_change_pct"] = 100 * out[UID].map(change)
    out["model_extrapolates"] = out[UID].map(pd.Series(beyond).groupby(ids).any()).fillna(False).astype(bool)
    return out


def _reason(row, down: float, up: float) -> str:
    """One sentence a category manager can act on."""
    e, move = row.elasticity, row.price_change_pct
    if not e < 0:
        return f"elasticity {e:.2f} is not negative: price does not explain demand here; keep today's price"
    parts = []
    if e >= -1:
        parts.append(f"inelastic ({e:.2f}): raising the price loses few units, so the upper bound (+{up:.0%}) is best")
    elif abs(move) < 0.5:
        parts.append(f"elasticity {e:.2f}: today's price is already close to the profit-best price")
    else:
        direction = "raise" if move > 0 else "lower"
        gain = row.expected_profit_change_pct
        profit = f"{gain:+.1f}% profit" if np.isfinite(gain) else "a margin where today's price has none"
        parts.append(f"elasticity {e:.2f}: {direction} the price {abs(move):.0f}% for {profit} "
                     f"({row.expected_units_change_pct:+.1f}% units)")
    if row.min_price > row.current_price * (1 - down) + 1e-9:
        parts.append("the lower bound was raised to the unit cost")
    if row.recommended_price > row.current_price * (1 + up) + 0.01:
        parts.append("the unit cost is above the allowed range: priced at cost, review this product")
    if row.model_extrapolates:
        parts.append("the price was never charged before, so the model's check follows the elasticity there")
    if row.low_variation:
        parts.append("the price barely varied in the history, so the elasticity leans on the category")
    if row.elasticity_hi >= -1 > row.elasticity_lo:
        parts.append("the interval straddles -1, so the direction is uncertain")
    if row.cost_source != "products table":
        parts.append(f"cost {row.cost_source}")
    return "; ".join(parts)


def price_curves(df: pd.DataFrame, freq: str, run: TrainedRun, unique_id: str,
                 products: pd.DataFrame | None = None, *, bounds: float | tuple[float, float] = 0.15,
                 points: int = 41, elasticities: Elasticities | None = None,
                 model_response: pd.DataFrame | None = None, planning: pd.DataFrame | None = None,
                 cost_share: float = ASSUMED_COST_SHARE) -> pd.DataFrame:
    """Units, revenue and profit of one series over a price grid: elasticity curve and the model's what-if.

    The grid spans twice the bounds around today's price. The model's units come
    from :func:`model_price_response` (pass it in to reuse one computed for all
    series, with the same elasticities) and are interpolated between its price factors, NaN
    outside them; beyond the prices the series was sold at they follow the elasticity
    (``model_extrapolated``).
    ``planning`` applies the Review page's adjustments, as in :func:`recommend_prices`.

    Returns
    -------
    pandas.DataFrame
        ``price, price_change_pct, units, units_lo, units_hi, revenue, profit, units_model,
        revenue_model, profit_model, model_extrapolated, in_bounds``, plus ``current_price`` and ``unit_cost`` repeated.
    """
    down, up = price_bounds(bounds)
    elasticities = elasticities or estimate_elasticities(df, freq)
    row = elasticities.row(unique_id)
    prices = regular_prices(df, freq)
    costs = unit_costs(prices, products, cost_share=cost_share).set_index(UID).loc[unique_id]
    p0, cost = float(costs["current_price"]), float(costs["unit_cost"])
    factors = np.linspace(max(1 - 2 * down, 0.05), 1 + 2 * up, points)
    if model_response is None:
        model_response = model_price_response(run, df, prices, planning=planning,
                                              elasticity=elasticities.by_series)
    response = model_response
    baseline = _baseline_units(run, df, prices, unique_id, response, planning)  # factor 1 of the response
    curve = pd.DataFrame({PRICE: p0 * factors, "price_change_pct": 100 * (factors - 1)})
    for column, e in (("units", row["elasticity"]), ("units_lo", row["elasticity_lo"]),
                      ("units_hi", row["elasticity_hi"])):
        curve[column] = baseline * factors**e
    curve["revenue"] = curve["units"] * curve[PRICE]
    curve["profit"] = curve["units"] * (curve[PRICE] - cost)
    mine = response[response[UID] == unique_id].sort_values("factor")
    curve["units_model"] = np.interp(factors, mine["factor"], mine["units"], left=np.nan, right=np.nan)
    curve["revenue_model"] = curve["units_model"] * curve[PRICE]
    curve["profit_model"] = curve["units_model"] * (curve[PRICE] - cost)
    seen = seen_price_range(df).reindex([unique_id])
    curve["model_extrapolated"] = ~curve[PRICE].between(seen["low"].iloc[0], seen["high"].iloc[0])
    curve["in_bounds"] = (factors >= 1 - down - 1e-9) & (factors <= 1 + up + 1e-9) & (curve[PRICE] >= cost)
    return curve.assign(current_price=p0, unit_cost=cost)


def _baseline_units(run: TrainedRun, df: pd.DataFrame, prices: pd.Series, unique_id: str,
                    model_response: pd.DataFrame | None, planning: pd.DataFrame | None) -> float:
    """The model's units over the horizon at today's price (factor 1 of the response when given)."""
    if model_response is not None:
        today = model_response[(model_response[UID] == unique_id) & np.isclose(model_response["factor"], 1.0)]
        if len(today):
            return float(today["units"].iloc[0])
    base = base_future(run, df, prices)
    units = forecast_units(run, base, adjustment_factors(planning))
    return float(units[(base[UID] == unique_id).to_numpy()].sum())
