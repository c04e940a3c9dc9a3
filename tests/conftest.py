"""Shared fixtures: small seeded panels in the long contract table."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.synthetic import SyntheticConfig, generate

SAMPLE = Path(__file__).parent.parent / "sample_data"


@pytest.fixture(autouse=True)
def run_app_py_on_every_rerun(monkeypatch):
    """Make AppTest rerun ``app.py`` (and so the sidebar) like the server does.

    Before each run AppTest resets ``PagesManager.uses_pages_directory`` and,
    because the app keeps its ``st.navigation`` pages in a folder named
    ``pages/``, recomputes it as True; every rerun after the first then runs
    the page file alone (Streamlit's legacy multipage mode), skipping app.py.
    The server sets the flag to False for good once app.py calls
    ``st.navigation``; this sets it so for every AppTest run. Only tests that
    imported AppTest pay for it.
    """
    if "streamlit.testing.v1" not in sys.modules:
        return
    from streamlit.runtime.pages_manager import PagesManager  # noqa: PLC0415

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture(scope="session")
def sample_frame():
    """The bundled sample, loaded and cleaned with the defaults (as the app does on first start): (frame, freq)."""
    from forecasting.data.dataset import load_dataset, prepare  # noqa: PLC0415

    dataset = load_dataset(SAMPLE / "sales.csv")
    return prepare(dataset).frame, dataset.freq


@pytest.fixture(scope="session")
def sample_run(sample_frame):
    """Ridge trained on the sample (horizon 28, 2 folds): a run the page tests put into the session."""
    from forecasting.evaluation.training import TrainingSpec, train  # noqa: PLC0415

    frame, freq = sample_frame
    return train(TrainingSpec("ridge", horizon=28, folds=2), frame, freq)


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


@pytest.fixture(scope="session", autouse=True)
def workspace_store_in_a_temporary_folder(tmp_path_factory):
    """Runs the app saves during the tests go to a throw-away store, never to studio.db in the checkout."""
    import os  # noqa: PLC0415

    path = tmp_path_factory.mktemp("workspace") / "studio.db"
    previous = os.environ.get("FORECASTING_STORE")
    os.environ["FORECASTING_STORE"] = str(path)
    yield path
    if previous is None:
        os.environ.pop("FORECASTING_STORE", None)
    else:
        os.environ["FORECASTING_STORE"] = previous
