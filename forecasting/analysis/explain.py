"""Explanations: which features drive a model, and what price and promotion do to its forecast.

Feature importance is the model's own (tree impurity, linear coefficients)
where it has one, otherwise permutation importance: how much worse the model
predicts the last periods of its training data when one feature is shuffled
(both computed by the model, :meth:`forecasting.models.base.Forecaster.feature_importance`).
Driver effects are what-ifs on the fitted model: forecast the horizon with
prices 10% lower and higher, and with and without a promotion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..models.base import Forecaster
from ..schema import DS, PRICE, PROMO, UID

PRICE_STEP = 0.10


def feature_importance(model: Forecaster, df: pd.DataFrame, *, periods: int = 28, repeats: int = 3,
                       seed: int = 0) -> pd.Series | None:
    """Each feature's share of the importance (largest first), or ``None`` for models that build no features
    (ETS, baselines) or cannot say (sequence networks)."""
    if not model.uses_features:
        return None
    importance = model.feature_importance(df, periods=periods, repeats=repeats, seed=seed)
    if importance is None:
        return None
    total = importance.sum()
    return importance / total if total > 0 else importance


@dataclass(frozen=True)
class DriverEffects:
    """What the fitted model says price and promotion do to demand."""

    price_elasticity: float | None  # d log(units) / d log(price), mean over series
    promo_uplift: float | None  # promoted / unpromoted units - 1 over the horizon
    per_series: pd.DataFrame  # unique_id, price_elasticity, promo_uplift


def driver_effects(model: Forecaster, df: pd.DataFrame, horizon: int) -> DriverEffects:
    """Price elasticity and promotion uplift implied by a fitted model's forecasts.

    The base scenario is the last known price and no promotion; the price is
    moved 10% down and up (arc elasticity); the promotion is switched on for
    the whole horizon. Models that ignore drivers report ``None``.
    """
    empty = pd.DataFrame(columns=[UID, "price_elasticity", "promo_uplift"])
    if not model.uses_exog:
        return DriverEffects(None, None, empty)
    grid = model.future_grid(horizon)
    last = df.sort_values(DS).groupby(UID).tail(1).set_index(UID)
    base = grid.copy()
    if PRICE in df.columns:
        base[PRICE] = base[UID].map(last[PRICE])
    if PROMO in df.columns:
        base[PROMO] = 0.0

    scenarios = {"off": base}
    if PRICE in df.columns:
        scenarios["low"] = base.assign(**{PRICE: base[PRICE] * (1 - PRICE_STEP)})
        scenarios["high"] = base.assign(**{PRICE: base[PRICE] * (1 + PRICE_STEP)})
    if PROMO in df.columns:
        scenarios["on"] = base.assign(**{PROMO: 1.0})
    forecasts = model.what_if(horizon, list(scenarios.values()))  # one pass for global models
    totals = {name: f.groupby(UID)[model.name].sum() for name, f in zip(scenarios, forecasts, strict=True)}
    out = pd.DataFrame(index=pd.Index(model.series_, name=UID))
    elasticity = uplift = None
    if PRICE in df.columns:
        low, high = totals["low"], totals["high"]
        ratio = np.log(high.clip(lower=1e-9) / low.clip(lower=1e-9))
        out["price_elasticity"] = ratio / np.log((1 + PRICE_STEP) / (1 - PRICE_STEP))
        weights = (low + high).clip(lower=1e-9)
        elasticity = float(np.average(out["price_elasticity"], weights=weights.reindex(out.index)))
    if PROMO in df.columns:
        off, on = totals["off"], totals["on"]
        out["promo_uplift"] = on / off.replace(0, np.nan) - 1
        uplift = float(on.sum() / off.sum() - 1) if off.sum() > 0 else None
    return DriverEffects(elasticity, uplift, out.reset_index())
