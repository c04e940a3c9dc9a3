"""The nearest-neighbour launch curve: similar products' first periods, weighted by similarity, price-scaled.

A pool is the products whose launch curve is fully observed. A new product's curve is the
similarity-weighted mean of its ``k`` most similar pool products' curves (cosine similarity of the text
embeddings), restricted to its own category when it has one that the pool knows. Each neighbour's curve is
scaled by ``(new price / neighbour's launch price) ** elasticity``, clipped, when both prices are known.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Price factors are clipped to this range: a price far from every neighbour's says little about volume.
PRICE_FACTOR_CLIP = (0.5, 2.0)


@dataclass(frozen=True)
class Pool:
    """Products with a full launch curve: ids, curves (n x H), category and launch price (NaN: unknown)."""

    ids: np.ndarray
    curves: np.ndarray
    category: np.ndarray
    price: np.ndarray


@dataclass(frozen=True)
class Picks:
    """The neighbours of each new product: pool positions, similarities, weights and price factors (m x k)."""

    rows: np.ndarray
    similarity: np.ndarray
    weight: np.ndarray
    price_factor: np.ndarray


def price_factors(new_price: float, pool_price: np.ndarray, elasticity: float | None) -> np.ndarray:
    """``(new / pool) ** elasticity`` clipped to :data:`PRICE_FACTOR_CLIP`; 1 where a price is unknown."""
    if elasticity is None or not np.isfinite(new_price) or new_price <= 0:
        return np.ones(len(pool_price))
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = (new_price / pool_price) ** elasticity
    return np.where(np.isfinite(factor), np.clip(factor, *PRICE_FACTOR_CLIP), 1.0)


def pick(similarity: np.ndarray, pool: Pool, category: np.ndarray, price: np.ndarray, *, k: int,
         same_category: bool, elasticity: float | None, exclude_self: bool = False) -> Picks:
    """Choose and weigh the ``k`` neighbours of each new product (rows of ``similarity``, m x n pool).

    ``exclude_self`` drops the diagonal: leave-one-out, when the new products are the pool itself.
    """
    m, n = similarity.shape
    k = min(k, n - int(exclude_self))
    rows = np.zeros((m, k), dtype=int)
    sims, weights, factors = (np.zeros((m, k)) for _ in range(3))
    for i in range(m):
        score = similarity[i].astype(float).copy()
        if exclude_self:
            score[i] = -np.inf
        if same_category and isinstance(category[i], str):
            inside = pool.category == category[i]
            if exclude_self:
                inside[i] = False
            if inside.any():  # an unknown category falls back to every product
                score[~inside] -= 10.0  # cosines are within [-1, 1]: others come only after the category
        order = np.argsort(-score, kind="stable")[:k]
        rows[i] = order
        sims[i] = similarity[i, order]
        weight = np.clip(sims[i], 0, None) + 1e-6
        weights[i] = weight / weight.sum()
        factors[i] = price_factors(float(price[i]), pool.price[order], elasticity)
    return Picks(rows, sims, weights, factors)


def curves_of(picks: Picks, pool: Pool) -> np.ndarray:
    """The weighted, price-scaled mean curve of each new product's neighbours (m x H)."""
    stacked = pool.curves[picks.rows] * picks.price_factor[:, :, None]
    return np.einsum("mk,mkh->mh", picks.weight, stacked)


def category_average(pool: Pool, category: np.ndarray) -> np.ndarray:
    """Baseline: the mean launch curve of the pool products in each new product's category (all when none)."""
    overall = pool.curves.mean(axis=0)
    out = np.tile(overall, (len(category), 1))
    for i, cat in enumerate(category):
        inside = pool.category == cat
        if isinstance(cat, str) and inside.any():
            out[i] = pool.curves[inside].mean(axis=0)
    return out


#: Past launches needed for interval quantiles per step; with fewer, the steps are pooled.
MIN_PER_STEP = 30


def scaled_residuals(actual: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """``(y - yhat) / mean(yhat)`` per past launch (rows) and step (columns); launches predicted at zero are left out."""
    level = predicted.mean(axis=1, keepdims=True)
    ok = level[:, 0] > 0
    return (actual[ok] - predicted[ok]) / level[ok]


def interval_bounds(predicted: np.ndarray, residuals: np.ndarray, level: int) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds at ``level`` %: the prediction plus its level times the residual quantiles.

    The quantiles are taken per step when there are :data:`MIN_PER_STEP` past launches or more (the first
    period after a launch always has a sale, later ones often none), else over all steps together.
    """
    if len(residuals) == 0:
        return np.full(predicted.shape, np.nan), np.full(predicted.shape, np.nan)
    alpha = (1 - level / 100) / 2
    if len(residuals) >= MIN_PER_STEP:
        low, high = np.quantile(residuals, [alpha, 1 - alpha], axis=0)
    else:
        low, high = np.quantile(residuals.ravel(), [alpha, 1 - alpha])
    scale = predicted.mean(axis=1, keepdims=True)
    # A step whose errors all lean one way would put the band beside the forecast: it is widened to reach it.
    lower = np.minimum(np.clip(predicted + low * scale, 0, None), predicted)
    return lower, np.maximum(predicted + high * scale, predicted)


def shapes_of(picks: Picks, pool: Pool) -> np.ndarray:
    """The weighted mean of the neighbours' curves each divided by its own mean (m x H, mean about 1)."""
    level = pool.curves.mean(axis=1, keepdims=True)
    shapes = np.divide(pool.curves, level, out=np.ones_like(pool.curves), where=level > 0)
    return np.einsum("mk,mkh->mh", picks.weight, shapes[picks.rows])
