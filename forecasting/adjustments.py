"""Manual forecast adjustments (placeholder until the Review page issue work lands): applied as no-ops."""

from __future__ import annotations

import pandas as pd


def apply_adjustments(forecast: pd.DataFrame, adjustments: pd.DataFrame | None) -> pd.DataFrame:
    """The forecast with ``yhat_model`` (the model's own value) next to ``yhat``; adjustments are not applied yet."""
    return forecast.assign(yhat_model=forecast["yhat"])
