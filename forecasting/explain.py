"""Explanations: which features drive a model, and what price and promotion do to its forecast.

Feature importance is the model's own (tree impurity, linear coefficients)
where it has one, otherwise permutation importance: how much worse the model
predicts the last periods of its training data when one feature is shuffled.
Driver effects are what-ifs on the fitted model: forecast the horizon with
prices 10% lower and higher, and with and without a promotion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .models.base import Forecaster
from .models.ml import GlobalFeatureModel
from .schema import DS, PRICE, PROMO, UID, Y

PRICE_STEP = 0.10


def feature_importance(model: Forecaster, df: pd.DataFrame, *, periods: int = 28, repeats: int = 3,
                       seed: int = 0) -> pd.Series | None:
    """Importance per feature (largest first), or ``None`` for models without features (ETS, baselines)."""
    if not isinstance(model, GlobalFeatureModel):
        return None
    native = model.feature_importance()
    if native is not None:
        return native / native.sum() if native.sum() > 0 else native
    return permutation_importance(model, df, periods=periods, repeats=repeats, seed=seed)


def permutation_importance(model: GlobalFeatureModel, df: pd.DataFrame, *, periods: int, repeats: int,
                           seed: int) -> pd.Series:
    """Mean increase of absolute error (on the model's target scale) when each feature is shuffled."""
    frame = df.sort_values([UID, DS]).reset_index(drop=True)
    features = model.builder_.transform(frame)
    target = model.builder_.target(frame[Y]).to_numpy()
    recent = frame.groupby(UID, sort=False).cumcount(ascending=False) < periods
    X, y = features[recent.to_numpy()], target[recent.to_numpy()]
    base = np.mean(np.abs(model.predict_features(X) - y))
    rng = np.random.default_rng(seed)
    scores = {}
    for column in X.columns:
        losses = []
        for _ in range(repeats):
            shuffled = X.copy()
            shuffled[column] = rng.permutation(shuffled[column].to_numpy())
            losses.append(np.mean(np.abs(model.predict_features(shuffled) - y)))
        scores[column] = max(float(np.mean(losses) - base), 0.0)
    importance = pd.Series(scores).sort_values(ascending=False)
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
    forecasts = model.predict_many(horizon, list(scenarios.values()))  # one pass for global models
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
