"""auto's what-ifs move as its driver-aware members move: members that ignore price do not dilute them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.models import get_model
from forecasting.schema import DS, PRICE, PROMO, UID

HORIZON = 14


@pytest.fixture(scope="module")
def elastic_panel() -> pd.DataFrame:
    """Daily demand ``40 * (price / 10) ** -2`` with prices moving ±20%, and a promotion flag used now and then."""
    rng = np.random.default_rng(3)
    days = pd.date_range("2024-01-01", periods=300)
    frames = []
    for uid in ("a", "b", "c"):
        price = 10 * rng.uniform(0.8, 1.2, len(days))
        frames.append(pd.DataFrame({UID: uid, DS: days, PRICE: price.round(2), PROMO: 0.0,
                                    "y": rng.poisson(40 * (price / 10) ** -2.0).astype(float)}))
    return pd.concat(frames, ignore_index=True)


def test_a_price_cut_moves_auto_as_much_as_its_price_aware_member(elastic_panel):
    auto = get_model("auto", candidates=("seasonal_naive", "ridge"), top_k=2, horizon=HORIZON,
                     selection_windows=1).fit(elastic_panel, freq="D")
    assert set(auto.choice_.models) == {"seasonal_naive", "ridge"}  # an average of one blind and one aware member
    ridge = next(m for m in auto.models_ if m.name == "ridge")
    grid = auto.future_grid(HORIZON)
    usual = grid.assign(**{PRICE: grid[UID].map(auto.usual_[PRICE]), PROMO: 0.0})
    cut = usual.assign(**{PRICE: usual[PRICE] * 0.8})

    def total(frames, name):
        return [f[name].sum() for f in frames]

    at_usual, at_cut = total(auto.what_if(HORIZON, [usual, cut]), "auto")
    ridge_usual, ridge_cut = total([ridge.predict(HORIZON, usual), ridge.predict(HORIZON, cut)], "ridge")
    plain_usual, plain_cut = total(auto.predict_many(HORIZON, [usual, cut]), "auto")

    assert at_usual == pytest.approx(plain_usual)  # at the usual drivers nothing moves
    assert at_cut / at_usual == pytest.approx(ridge_cut / ridge_usual, rel=0.02)
    assert ridge_cut / ridge_usual > 1.2  # ridge sees the price effect (true: 0.8 ** -2 = 1.56)
    assert plain_cut / plain_usual < 1 + 0.75 * (ridge_cut / ridge_usual - 1)  # the plain average dilutes it


def test_an_auto_without_blind_members_answers_what_ifs_like_predict(elastic_panel):
    auto = get_model("auto", candidates=("ridge",), top_k=1, horizon=HORIZON,
                     selection_windows=1).fit(elastic_panel, freq="D")
    grid = auto.future_grid(HORIZON)
    cut = grid.assign(**{PRICE: 8.0, PROMO: 0.0})
    pd.testing.assert_frame_equal(auto.what_if(HORIZON, [cut])[0], auto.predict(HORIZON, cut))
