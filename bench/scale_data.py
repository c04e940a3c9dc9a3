"""Generated panels for the scale benchmark: N daily series x 2 years from the seeded synthetic generator.

The generator draws at most 999 SKUs per call, so larger panels are blocks of 500 with their own seeds and ids
prefixed by the block (``B003-SKU-017``). Each panel is written once as Parquet and reused.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from forecasting.synthetic import SyntheticConfig, generate  # noqa: E402

BLOCK = 500
START, END = "2024-01-01", "2025-12-30"  # two years of days


def panel(n_series: int, seed: int = 11) -> pd.DataFrame:
    """The long table ``unique_id, ds, y, price, promo, category`` of ``n_series`` clean daily series."""
    pieces = []
    for block, first in enumerate(range(0, n_series, BLOCK)):
        size = min(BLOCK, n_series - first)
        data = generate(SyntheticConfig(n_skus=size, n_categories=min(6, size), start=START, end=END,
                                        seed=seed + block, dirty=False))
        sales = data.sales
        pieces.append(pd.DataFrame({
            "unique_id": f"B{block:03d}-" + sales["sku"].astype(str),
            "ds": pd.to_datetime(sales["date"]).astype("datetime64[ns]"),
            "y": sales["units"].astype("float64"),
            "price": sales["price"].astype("float64"),
            "promo": sales["promo"].astype("float64"),
            "category": sales["category"].astype(str),
        }))
    return pd.concat(pieces, ignore_index=True)


def panel_file(n_series: int, folder: Path) -> Path:
    """``folder/panel_<n>.parquet``, generated on first use."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"panel_{n_series}.parquet"
    if not path.is_file():
        panel(n_series).to_parquet(path, index=False)
    return path


if __name__ == "__main__":
    for n in map(int, sys.argv[2:]):
        print(panel_file(n, Path(sys.argv[1])))
