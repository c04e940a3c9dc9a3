"""Conformal quantiles per step: the grouped implementation equals filtering the residual table step by step."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from forecasting.evaluation.intervals import MIN_RESIDUALS, STEP, residual_quantiles


def reference(residuals: pd.DataFrame, horizon: int, levels: tuple[int, ...]) -> pd.DataFrame:
    """The implementation before #12: filter the table for each step, widening until there are enough."""
    rows = {}
    for step in range(1, horizon + 1):
        width = 0
        while True:
            near = residuals[(residuals[STEP] - step).abs() <= width]["residual"].dropna().to_numpy()
            if len(near) >= MIN_RESIDUALS or width >= horizon:
                break
            width += 1
        row = {}
        for level in levels:
            tail = (1 - level / 100) / 2
            for side, q in (("lo", tail), ("hi", 1 - tail)):
                n = len(near)
                rank = max(math.floor((n + 1) * q), 1) if side == "lo" else min(math.ceil((n + 1) * q), n)
                row[f"{side}-{level}"] = float(np.sort(near)[rank - 1]) if n else float("nan")
        rows[step] = row
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis(STEP)


def test_grouped_quantiles_equal_the_step_by_step_filter():
    rng = np.random.default_rng(1)
    for per_step in (3, 12, 40):  # few residuals (pooling over neighbours), some, plenty
        steps = np.repeat(np.arange(1, 9), per_step)
        residuals = pd.DataFrame({STEP: steps, "residual": rng.standard_t(3, len(steps))})
        residuals.loc[::5, "residual"] = np.nan  # missing errors are left out
        pd.testing.assert_frame_equal(residual_quantiles(residuals, 8, (80, 95)), reference(residuals, 8, (80, 95)))
    empty = pd.DataFrame({STEP: pd.Series(dtype="int64"), "residual": pd.Series(dtype="float64")})
    assert residual_quantiles(empty, 3, (80,)).isna().all().all()
