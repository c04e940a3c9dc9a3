"""How much a new product sells: a ridge regression from its words (and price) to its launch level.

Nearest neighbours by text find products that *read* alike (same brand, same noun), which need not sell
alike. This model learns which words go with more sales: the log of each past launch's mean sales per
period is regressed on the TF-IDF terms of its text and its log launch price (when known), with the ridge
penalty chosen by scikit-learn's efficient leave-one-out (``RidgeCV``). The curve's *shape* still comes
from the neighbours.
"""

from __future__ import annotations

import numpy as np

#: Penalties tried by ``RidgeCV``.
ALPHAS = tuple(np.logspace(-2, 3, 11))
#: Folds of the out-of-fold levels that set the intervals (fewer when there are fewer launches).
FOLDS = 10


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


def fit_predict(train_x, train_y: np.ndarray, test_x) -> np.ndarray:
    """Ridge (penalty by leave-one-out) fitted on the past launches, levels of the new products."""
    from sklearn.linear_model import RidgeCV  # noqa: PLC0415

    model = RidgeCV(alphas=ALPHAS).fit(train_x, train_y)
    return np.expm1(np.clip(model.predict(test_x), 0, None))


def out_of_fold(x, y: np.ndarray, seed: int = 0) -> np.ndarray:
    """Each past launch's level predicted by a model that did not see it (K-fold, K = min(10, n))."""
    from sklearn.model_selection import KFold  # noqa: PLC0415

    out = np.zeros(len(y))
    for train, test in KFold(min(FOLDS, len(y)), shuffle=True, random_state=seed).split(np.arange(len(y))):
        out[test] = fit_predict(x[train], y[train], x[test])
    return out
