"""Products with a few periods of sales: their predicted launch curve, corrected by what they sold so far.

A product that launched less than ``horizon`` periods ago has its first ``n`` periods observed. Its
predicted curve ``c`` (from similar products) is scaled by

    f = (sold in the n periods + k * mean(c)) / (c's first n periods + k * mean(c)),

a shrunk ratio of actual to predicted: with no sales yet ``f = 1``; the more periods observed, the more
they count; ``k`` (:data:`PRIOR_PERIODS`) is how many periods the prediction is worth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Periods the predicted curve is worth against the observed first sales.
PRIOR_PERIODS = 4


def observed(curves: pd.DataFrame, ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Periods observed since launch (0 for a product without sales) and the observed values (m x H, NaN after)."""
    horizon = curves.shape[1]
    values = curves.reindex(ids).to_numpy(dtype=float)
    seen = np.where(np.isnan(values), 0, 1).cumprod(axis=1).sum(axis=1)
    seen[np.isnan(values[:, 0])] = 0
    return seen.astype(int), np.where(np.arange(horizon)[None, :] < seen[:, None], values, np.nan)


def update_factors(curves: np.ndarray, seen: np.ndarray, values: np.ndarray,
                   prior: float = PRIOR_PERIODS) -> np.ndarray:
    """The shrunk actual / predicted ratio of each product (1 where nothing is observed)."""
    mask = np.arange(curves.shape[1])[None, :] < seen[:, None]
    sold = np.where(mask, np.nan_to_num(values), 0).sum(axis=1)
    expected = np.where(mask, curves, 0).sum(axis=1)
    weight = prior * curves.mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = (sold + weight) / (expected + weight)
    return np.where(np.isfinite(factor) & (seen > 0), factor, 1.0)
