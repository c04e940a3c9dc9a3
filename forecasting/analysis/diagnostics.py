"""How a run's errors behave: by horizon step, so users see how far ahead the forecast stays useful."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..evaluation.intervals import STEP, add_steps
from ..schema import Y


def error_by_step(predictions: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    """``step, model, wape, bias`` over all series and scored windows, per step ahead (1 = next period).

    WAPE (absolute error over actual units) pools series of any size, so the
    curve is not dominated by one big series' units, unlike the MAE.
    """
    steps = add_steps(predictions)
    rows = []
    for model in models:
        error = steps[model] - steps[Y]
        grouped = pd.DataFrame({STEP: steps[STEP], "abs": error.abs(), "err": error, "y": steps[Y]}).groupby(STEP)
        total = grouped["y"].sum().replace(0, np.nan)
        rows.append(pd.DataFrame({STEP: total.index, "model": model, "wape": grouped["abs"].sum() / total,
                                  "bias": grouped["err"].sum() / total}))
    return pd.concat(rows, ignore_index=True)
