"""Shared fixtures: small seeded panels in the long contract table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.synthetic import SyntheticConfig, generate


def synthetic_long(n_skus: int = 8, start: str = "2024-01-01", end: str = "2025-06-30", seed: int = 3) -> pd.DataFrame:
    """The generator's clean daily sales as a long table: unique_id, ds, y, price, promo, category."""
    data = generate(SyntheticConfig(n_skus=n_skus, n_categories=4, start=start, end=end, seed=seed, dirty=False))
    sales = data.sales
    return pd.DataFrame(
        {
            "unique_id": sales["sku"].astype(str),
            "ds": pd.to_datetime(sales["date"]).astype("datetime64[ns]"),
            "y": sales["units"].astype("float64"),
            "price": sales["price"].astype("float64"),
            "promo": sales["promo"].astype("float64"),
            "category": sales["category"].astype(str),
        }
    )


@pytest.fixture(scope="session")
def panel() -> pd.DataFrame:
    """8 daily series over 18 months with prices, promotions, events and weekly/yearly seasonality."""
    return synthetic_long()


@pytest.fixture(scope="session")
def tiny_panel() -> pd.DataFrame:
    """3 daily series x 120 days with a weekly pattern, a price and a promotion flag: for contract checks."""
    rng = np.random.default_rng(0)
    days = pd.date_range("2024-01-01", periods=120)
    frames = []
    for i, uid in enumerate(["a", "b", "c"]):
        weekly = 1 + 0.3 * np.sin(2 * np.pi * np.arange(120) / 7)
        promo = (rng.random(120) < 0.1).astype(float)
        y = rng.poisson((10 + 5 * i) * weekly * (1 + 0.5 * promo))
        frames.append(pd.DataFrame({"unique_id": uid, "ds": days, "y": y.astype(float),
                                    "price": 10.0 + i, "promo": promo, "category": "x" if i < 2 else "z"}))
    return pd.concat(frames, ignore_index=True)
