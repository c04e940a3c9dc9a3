"""Partial pooling of per-series estimates toward their group (random-effects meta-analysis).

A SKU with little or flat price history gets a noisy elasticity of its own.
Treating the SKUs of a category as draws around a category value lets each
SKU borrow strength: the category value is the precision-weighted mean with
the between-SKU spread estimated by DerSimonian-Laird, and every SKU is pulled
toward it in proportion to how noisy its own estimate is (empirical Bayes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Z95 = 1.959964


@dataclass(frozen=True)
class GroupEstimate:
    """A group's pooled value, its standard error and the between-member spread (tau)."""

    value: float
    se: float
    tau: float
    n_members: int


def random_effects(values: np.ndarray, ses: np.ndarray, *, min_tau: float = 0.0) -> GroupEstimate:
    """DerSimonian-Laird random-effects mean of ``values`` with standard errors ``ses``.

    Members without an estimate (NaN value or standard error) are ignored.
    ``min_tau`` is a floor on the spread: a prior belief that members do differ,
    so a handful of consistent members cannot force every member onto the mean.
    """
    ok = np.isfinite(values) & np.isfinite(ses) & (ses > 0)
    values, ses = np.asarray(values, float)[ok], np.asarray(ses, float)[ok]
    if len(values) == 0:
        return GroupEstimate(np.nan, np.nan, min_tau, 0)
    weights = 1 / ses**2
    fixed = np.sum(weights * values) / np.sum(weights)
    q = np.sum(weights * (values - fixed) ** 2)
    c = np.sum(weights) - np.sum(weights**2) / np.sum(weights)
    tau2 = max((q - (len(values) - 1)) / c, 0.0) if c > 0 else 0.0
    tau2 = max(tau2, min_tau**2)
    re_weights = 1 / (ses**2 + tau2)
    value = float(np.sum(re_weights * values) / np.sum(re_weights))
    return GroupEstimate(value, float(np.sqrt(1 / np.sum(re_weights))), float(np.sqrt(tau2)), int(len(values)))


def shrink(values: np.ndarray, ses: np.ndarray, group: GroupEstimate) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pull each member toward the group value; returns (pooled values, their standard errors, weight on the group).

    The member keeps the share ``tau^2 / (tau^2 + se^2)`` of its own estimate.
    A member without an estimate takes the group value with the spread of a new
    member, ``sqrt(tau^2 + se_group^2)``, and a group weight of 1.
    """
    values, ses = np.asarray(values, float), np.asarray(ses, float)
    own = np.isfinite(values) & np.isfinite(ses) & (ses > 0)
    tau2 = group.tau**2
    safe_ses = np.where(own, ses, 1.0)
    keep = np.where(own, tau2 / (tau2 + safe_ses**2) if tau2 > 0 else 0.0, 0.0)
    pooled = np.where(own, keep * np.where(own, values, 0.0) + (1 - keep) * group.value, group.value)
    # Posterior spread given the group value, plus the group value's own uncertainty where it dominates.
    pooled_se = np.where(own, np.sqrt(keep * safe_ses**2 + (1 - keep) ** 2 * group.se**2),
                         np.sqrt(tau2 + group.se**2))
    return pooled, pooled_se, 1 - keep
