"""How much a new product sells: a ridge regression from its words (and price) to its launch level.

Nearest neighbours by text find products that *read* alike (same brand, same noun), which need not sell
alike. This model learns which words go with more sales: the log of each past launch's mean sales per
period is regressed on the TF-IDF terms of its text and its log launch price (when known). It is solved in
its kernel form (n past launches x n), so one eigendecomposition gives, for every penalty tried, the exact
leave-one-out predictions; the penalty with the smallest leave-one-out error is kept, and its leave-one-out
predictions set the intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: Penalties tried.
ALPHAS = tuple(np.logspace(-2, 3, 11))


def level_target(curves: np.ndarray) -> np.ndarray:
    """log(1 + mean sales per period) of each launch curve."""
    return np.log1p(np.clip(curves.mean(axis=1), 0, None))


def features(terms, price: np.ndarray, reference: np.ndarray):
    """TF-IDF rows plus the log price standardised on ``reference`` prices (missing: the typical price)."""
    from scipy.sparse import csr_matrix, hstack  # noqa: PLC0415

    known = reference[np.isfinite(reference) & (reference > 0)]
    if len(known) < 2:
        return csr_matrix(terms)
    logs = np.log(known)
    centre, spread = float(np.mean(logs)), float(np.std(logs)) or 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(np.isfinite(price) & (price > 0), (np.log(price) - centre) / spread, 0.0)
    return hstack([csr_matrix(terms), csr_matrix(value[:, None])]).tocsr()


@dataclass(frozen=True)
class LevelModel:
    """A fitted kernel ridge: training rows, dual coefficients, centring terms, penalty and LOO predictions."""

    train_x: object
    coef: np.ndarray
    kernel_mean: np.ndarray
    kernel_total: float
    y_mean: float
    alpha: float
    loo: np.ndarray

    def predict(self, x) -> np.ndarray:
        """Levels (mean sales per period, not logs) of the rows ``x``."""
        cross = np.asarray((x @ self.train_x.T).todense()) if hasattr(x, "tocsr") else x @ self.train_x.T
        centred = cross - cross.mean(axis=1, keepdims=True) - self.kernel_mean[None, :] + self.kernel_total
        return np.expm1(np.clip(centred @ self.coef + self.y_mean, 0, None))

    @property
    def loo_levels(self) -> np.ndarray:
        """Each past launch's level predicted without it (exact leave-one-out)."""
        return np.expm1(np.clip(self.loo, 0, None))


def fit(x, y: np.ndarray) -> LevelModel:
    """Kernel ridge with an intercept; the penalty from :data:`ALPHAS` by exact leave-one-out error."""
    kernel = np.asarray((x @ x.T).todense()) if hasattr(x, "tocsr") else x @ x.T
    n = len(y)
    kernel_mean = kernel.mean(axis=0)
    total = float(kernel.mean())
    centred = kernel - kernel_mean[None, :] - kernel_mean[:, None] + total
    values, vectors = np.linalg.eigh(centred)
    values = np.clip(values, 0, None)
    y_mean = float(y.mean())
    projected = vectors.T @ (y - y_mean)
    best = None
    for alpha in ALPHAS:
        shrink = values / (values + alpha)
        fitted = vectors @ (shrink * projected) + y_mean
        hat = (vectors**2) @ shrink + 1.0 / n  # leverage, the intercept's share included
        loo = y - (y - fitted) / np.clip(1 - hat, 1e-9, None)
        error = float(np.mean((y - loo) ** 2))
        if best is None or error < best[0]:
            best = (error, alpha, loo)
    _, alpha, loo = best
    coef = vectors @ (projected / (values + alpha))
    return LevelModel(x, coef, kernel_mean, total, y_mean, float(alpha), loo)
