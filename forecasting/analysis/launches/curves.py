"""Launch curves: each product's sales in its first H periods, counted from its first period with sales."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from ...schema import DS, PRICE, UID, Y


def period_grid(frame: pd.DataFrame, freq: str) -> pd.DatetimeIndex:
    """Every period from the first to the last date of ``frame``."""
    return pd.date_range(frame[DS].min(), frame[DS].max(), freq=freq)


def launch_dates(frame: pd.DataFrame) -> pd.Series:
    """First period with positive sales per product (products that never sold are left out)."""
    sold = frame[frame[Y] > 0]
    return sold.groupby(UID)[DS].min()


def launch_curves(frame: pd.DataFrame, freq: str, horizon: int) -> pd.DataFrame:
    """Sales of the first ``horizon`` periods from each product's launch, one row per product.

    Periods without a row count as zero sales (order lines only list what sold); periods after the last
    date of the data are NaN (not observed yet). Columns are the steps 1..horizon.
    """
    grid = period_grid(frame, freq)
    wide = frame.pivot_table(index=UID, columns=DS, values=Y, aggfunc="sum").reindex(columns=grid).fillna(0.0)
    values = np.hstack([wide.to_numpy(dtype=float), np.full((len(wide), horizon), np.nan)])
    first = launch_dates(frame).reindex(wide.index)
    keep = first.notna().to_numpy()
    start = grid.get_indexer(pd.DatetimeIndex(first[keep]))
    rows = np.flatnonzero(keep)
    curves = values[rows[:, None], start[:, None] + np.arange(horizon)[None, :]]
    return pd.DataFrame(curves, index=wide.index[keep], columns=range(1, horizon + 1))


def launch_prices(frame: pd.DataFrame, freq: str, horizon: int) -> pd.Series:
    """Mean price per product over the sold periods of its first ``horizon`` periods (the launch price).

    Empty (all NaN) when the data has no price column.
    """
    if PRICE not in frame.columns:
        return pd.Series(np.nan, index=pd.Index(frame[UID].unique(), name=UID), name=PRICE)
    sold = frame[(frame[Y] > 0) & frame[PRICE].notna() & (frame[PRICE] > 0)]
    last = sold[UID].map(launch_dates(frame) + to_offset(freq) * (horizon - 1))
    return sold[sold[DS] <= last].groupby(UID)[PRICE].mean().rename(PRICE)


def complete(curves: pd.DataFrame) -> pd.DataFrame:
    """Curves observed for every step (launched at least ``horizon`` periods before the data ends)."""
    return curves[curves.notna().all(axis=1)]
