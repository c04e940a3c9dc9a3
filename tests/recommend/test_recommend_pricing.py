"""Pricing: elasticities against known truths, and profit-best prices checked by brute force.

Elasticities are checked on hand-made panels with a known elasticity and on
the bundled sample, whose true category and SKU elasticities are in
``sample_data/ground_truth.json``. Recommendations are checked against an
independent search over the allowed prices, and the model's what-if against
``KnownDemand`` (see ``test_recommend_promotions``), whose response is exact.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_recommend_promotions import BASE, COSTS, ELASTICITY, PRICES, KnownDemand, known_panel, known_run

from forecasting.errors import ConfigError, DataValidationError, MappingError
from forecasting.recommend.inputs import regular_prices
from forecasting.recommend.pooling import random_effects, shrink
from forecasting.recommend.pricing import (
    MODEL_FACTORS,
    estimate_elasticities,
    model_price_response,
    price_curves,
    recommend_prices,
)
from forecasting.schema import DS, PRICE, PROMO, UID

TRUTH = json.loads((Path(__file__).parents[2] / "sample_data" / "ground_truth.json").read_text())
SAMPLE_PRODUCTS = Path(__file__).parents[2] / "sample_data" / "products.csv"


def priced_panel(elasticities: dict[str, float], *, days: int = 540, flat: tuple[str, ...] = (),
                 category: str = "A", seed: int = 0) -> pd.DataFrame:
    """Daily Poisson demand ``20 * (price / 10) ** e`` with random prices (±20%), flat for the last 28 days."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=days)
    frames = []
    for uid, e in elasticities.items():
        price = 10 * rng.uniform(0.8, 1.2, days)
        price[-28:] = 10.0
        if uid in flat:
            price[:] = 10.0
        frames.append(pd.DataFrame({UID: uid, DS: dates, "y": rng.poisson(20 * (price / 10) ** e).astype(float),
                                    PRICE: price.round(2), PROMO: 0.0, "category": category}))
    return pd.concat(frames, ignore_index=True)


# --- elasticity estimates ----------------------------------------------------------------------------------------


def test_a_known_elasticity_is_recovered_inside_its_interval():
    truth = {"a": -1.8, "b": -1.6, "c": -2.0}
    result = estimate_elasticities(priced_panel(truth), "D", min_tau=0.0)
    per_series = result.per_series.set_index(UID)
    for uid, e in truth.items():
        assert abs(per_series.loc[uid, "own_elasticity"] - e) < 3 * per_series.loc[uid, "own_se"]
        assert per_series.loc[uid, "elasticity_lo"] < e < per_series.loc[uid, "elasticity_hi"]
    assert result.per_category.loc[0, "elasticity"] == pytest.approx(np.mean(list(truth.values())), abs=0.15)


def test_stock_out_days_are_left_out_of_the_estimate():
    df = priced_panel({"a": -2.0, "b": -2.0, "c": -2.0}, days=720)
    # A third of the cheapest days sold out: zero sales at zero stock. Counted as demand, they would flatten the curve.
    out = (df[PRICE] < 9) & (np.random.default_rng(10).random(len(df)) < 0.33)
    df = df.assign(stock=np.where(out, 0.0, 1000.0), y=np.where(out, 0.0, df["y"]))
    category = estimate_elasticities(df, "D", min_tau=0.0).per_category.iloc[0]
    se = (category["elasticity_hi"] - category["elasticity_lo"]) / (2 * 1.96)
    assert abs(category["elasticity"] + 2.0) < 3 * se
    ignored = estimate_elasticities(df.drop(columns="stock"), "D", min_tau=0.0).per_category.iloc[0]
    assert ignored["elasticity"] > -1.7  # what the sold-out days do when nothing says they were out of stock


def test_a_flat_price_is_flagged_and_takes_the_category_value():
    result = estimate_elasticities(priced_panel({"a": -1.5, "b": -1.5, "flat": -1.5}, flat=("flat",)), "D")
    flat = result.row("flat")
    assert flat["low_variation"]
    assert np.isnan(flat["own_elasticity"])
    assert flat["pooled_weight"] == 1.0
    assert flat["elasticity"] == pytest.approx(result.per_category.loc[0, "elasticity"])
    assert "price never changed" in flat["note"] and "category value" in flat["note"]
    assert not result.row("a")["low_variation"]


def test_data_without_prices_is_refused_with_what_to_do():
    with pytest.raises(DataValidationError, match="no price column .*map a price column"):
        estimate_elasticities(priced_panel({"a": -1.5}).drop(columns=PRICE), "D")


def test_random_effects_and_shrinkage_follow_the_textbook_formulas():
    # Two members, equal standard errors, Q = 0.5 < df = 1: no spread, the plain mean with se 1/sqrt(2).
    group = random_effects(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
    assert (group.value, group.se, group.tau) == pytest.approx((1.5, 1 / np.sqrt(2), 0.0))
    # Far-apart precise members: DerSimonian-Laird tau^2 = (Q - 1) / (sum w - sum w^2 / sum w) with w = 100.
    group = random_effects(np.array([-1.0, -3.0]), np.array([0.1, 0.1]))
    assert group.tau**2 == pytest.approx((200 - 1) / 100)
    pooled, _, weight = shrink(np.array([-1.0, -1.0, np.nan]), np.array([0.01, 100.0, np.nan]), group)
    assert pooled[0] == pytest.approx(-1.0, abs=1e-3) and weight[0] < 0.01  # precise: keeps its own value
    assert pooled[1] == pytest.approx(group.value, abs=1e-3) and weight[1] > 0.99  # noisy: takes the group's
    assert pooled[2] == group.value and weight[2] == 1.0  # no estimate: the group's


@pytest.fixture(scope="module")
def sample_elasticities(sample_frame):
    frame, freq = sample_frame
    return estimate_elasticities(frame, freq)


def test_category_elasticities_are_within_0_3_of_the_truth(sample_elasticities):
    """Done-when: each estimated category elasticity is within 0.3 of the generator's."""
    per_category = sample_elasticities.per_category.set_index("category")
    for category, facts in TRUTH["categories"].items():
        row = per_category.loc[category]
        assert abs(row["elasticity"] - facts["elasticity"]) <= 0.3, (category, row["elasticity"], facts["elasticity"])
        assert row["elasticity_lo"] < row["elasticity"] < row["elasticity_hi"]


def test_pooling_brings_skus_closer_to_their_true_elasticity(sample_elasticities):
    per_series = sample_elasticities.per_series
    true = per_series[UID].map({sku: facts["elasticity"] for sku, facts in TRUTH["skus"].items()})
    own_error = (per_series["own_elasticity"] - true).abs().mean()
    pooled_error = (per_series["elasticity"] - true).abs().mean()
    assert pooled_error < own_error
    assert pooled_error < 0.25


# --- recommendations -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def known():
    """Panel with known elasticities and a model whose price response is exactly ELASTICITY."""
    df = priced_panel({"A-1": -2.5, "A-2": -1.5, "B-1": -0.7}, days=400).assign(category=lambda f: f[UID].str[0])
    df[PRICE] = df[PRICE] / 10 * df[UID].map(PRICES)
    return df, known_run(df), pd.DataFrame({UID: list(COSTS), "unit_cost": list(COSTS.values())})


def test_the_recommended_price_beats_every_allowed_price(known):
    df, run, costs = known
    out = recommend_prices(df, "D", run, costs, bounds=0.15)
    for row in out.itertuples():
        low, high = max(row.current_price * 0.85, row.unit_cost), row.current_price * 1.15
        grid = np.linspace(low, high, 2001)
        profit = (grid - row.unit_cost) * (grid / row.current_price) ** row.elasticity
        best = (row.recommended_price - row.unit_cost) * (row.recommended_price / row.current_price) ** row.elasticity
        assert low - 0.01 <= row.recommended_price <= high + 1e-9
        assert best >= profit.max() * (1 - 1e-3), row.unique_id
        assert row.expected_profit_change_pct >= -1e-6  # today's price is allowed, so never worse than today
    assert out.set_index(UID).loc["B-1", "recommended_price"] == pytest.approx(PRICES["B-1"] * 1.15, abs=0.01)


def test_the_models_what_if_and_baseline_come_from_the_trained_model(known):
    df, run, costs = known
    out = recommend_prices(df, "D", run, costs).set_index(UID)
    ratio = out["recommended_price"] / out["current_price"]
    assert np.allclose(out["model_units_change_pct"], 100 * (ratio**ELASTICITY - 1))
    # KnownDemand's baseline is BASE * (1 + 0.01 * step) over 28 steps at today's price.
    assert np.allclose(out["baseline_units"], BASE * (28 + 0.01 * np.arange(28).sum()))
    planning = run.fitted.future_grid(28).assign(yhat_model=4.0, yhat=lambda f: np.where(f[UID] == "B-1", 2.0, 4.0))
    halved = recommend_prices(df, "D", run, costs, planning=planning).set_index(UID)  # Review page: B-1 halved
    assert halved.loc["B-1", "baseline_units"] == pytest.approx(out.loc["B-1", "baseline_units"] / 2)
    assert halved.loc["A-1", "expected_profit"] == pytest.approx(out.loc["A-1", "expected_profit"])


def test_narrower_bounds_never_promise_more_profit(known):
    df, run, costs = known
    wide = recommend_prices(df, "D", run, costs, bounds=0.15).set_index(UID)
    narrow = recommend_prices(df, "D", run, costs, bounds=(0.05, 0.02)).set_index(UID)
    assert ((narrow["recommended_price"] / narrow["current_price"]).between(0.95 - 1e-3, 1.02 + 1e-3)).all()
    assert (narrow["expected_profit_change_pct"] <= wide["expected_profit_change_pct"] + 1e-9).all()


def test_the_price_never_goes_below_cost_and_unknown_costs_are_stated(known):
    df, run, _ = known
    dear = pd.DataFrame({UID: ["A-1"], "unit_cost": [PRICES["A-1"] * 2]})
    out = recommend_prices(df, "D", run, dear).set_index(UID)
    assert out.loc["A-1", "recommended_price"] >= PRICES["A-1"] * 2
    assert "unit cost is above the allowed range" in out.loc["A-1", "reason"]
    assert out.loc["A-2", "cost_source"] == "assumed: 60% of the price"
    assert out.loc["A-2", "unit_cost"] == pytest.approx(0.6 * out.loc["A-2", "current_price"])
    assert "cost assumed" in out.loc["A-2", "reason"]


@pytest.mark.parametrize("bounds", [0, -0.1, 150, (0.1, "x")])
def test_bad_bounds_are_refused(known, bounds):
    df, run, costs = known
    with pytest.raises(ConfigError, match="price bound"):
        recommend_prices(df, "D", run, costs, bounds=bounds)


def test_a_products_table_without_costs_is_refused(known):
    df, run, _ = known
    with pytest.raises(MappingError, match="no column 'unit_cost'"):
        recommend_prices(df, "D", run, pd.DataFrame({UID: ["A-1"], "cost": [1.0]}))


def test_price_curves_put_the_models_response_next_to_the_elasticity_curve(known):
    df, run, costs = known
    elasticities = estimate_elasticities(df, "D")
    response = model_price_response(run, df, regular_prices(df, "D"))
    assert sorted(response["factor"].unique()) == list(MODEL_FACTORS)
    curve = price_curves(df, "D", run, "A-1", costs, bounds=0.15, elasticities=elasticities, model_response=response)
    today = curve.loc[curve["price_change_pct"].abs().idxmin()]
    baseline = BASE * (28 + 0.01 * np.arange(28).sum())
    assert today["units"] == pytest.approx(baseline) and today["units_model"] == pytest.approx(baseline)
    ends = curve.iloc[[0, -1]]  # 0.7 and 1.3 of today's price, both model factors
    assert np.allclose(ends["units_model"], baseline * (ends[PRICE] / PRICES["A-1"]) ** ELASTICITY)
    assert curve["units"].is_monotonic_decreasing
    best = recommend_prices(df, "D", run, costs, elasticities=elasticities).set_index(UID).loc["A-1"]
    allowed = curve[curve["in_bounds"]]
    assert allowed.loc[allowed["profit"].idxmax(), PRICE] == pytest.approx(best["recommended_price"], rel=0.02)


def test_the_sample_recommendations_agree_with_the_trained_models_direction(sample_frame, sample_run,
                                                                           sample_elasticities):
    frame, freq = sample_frame
    costs = pd.read_csv(SAMPLE_PRODUCTS).rename(columns={"sku": UID})[[UID, "unit_cost"]]
    out = recommend_prices(frame, freq, sample_run, costs, elasticities=sample_elasticities)
    assert len(out) == 48 and out["cost_source"].eq("products table").all()
    assert (out["recommended_price"] >= out["unit_cost"]).all()
    moved = out[out["price_change_pct"].abs() > 5]
    same_direction = np.sign(moved["model_units_change_pct"]) == np.sign(moved["expected_units_change_pct"])
    assert same_direction.mean() >= 0.9


class FlatBeyondSeen(KnownDemand):
    """KnownDemand that, like a tree, answers any price beyond 0.9-1.1 of today's as the nearest edge."""

    name = "flat_beyond_seen"

    def _predict(self, horizon, grid, future, levels):
        if future is not None and PRICE in future.columns:
            p0 = future[UID].map(self.p0_)
            future = future.assign(**{PRICE: future[PRICE].clip(0.9 * p0, 1.1 * p0)})
        return super()._predict(horizon, grid, future, levels).rename(columns={"known_demand": self.name})


def test_beyond_the_prices_seen_the_models_what_if_follows_the_elasticity():
    df = known_panel()
    step = df.groupby(UID).cumcount()
    swing = np.where(step % 2 == 0, 0.9, 1.1)  # sold at 0.9 and 1.1 of today's price, then at today's
    df[PRICE] = np.where(step >= 60, df[PRICE], df[PRICE] * swing)
    run = known_run(df, model=FlatBeyondSeen())
    prices = regular_prices(df, "D")
    elasticity = pd.Series(ELASTICITY, index=list(PRICES))
    baseline = BASE * (28 + 0.01 * np.arange(28).sum())

    flat = model_price_response(run, df, prices).set_index([UID, "factor"])["units"]
    assert flat[("A-1", 1.3)] == pytest.approx(flat[("A-1", 1.1)])  # what a tree says beyond the data

    response = model_price_response(run, df, prices, elasticity=elasticity)
    a1 = response[response[UID] == "A-1"].set_index("factor")
    assert np.allclose(a1["units"], baseline * a1.index.to_numpy() ** ELASTICITY)  # the truth at every factor
    assert a1["extrapolated"].to_dict() == {f: not 0.9 - 1e-9 <= f <= 1.1 + 1e-9 for f in MODEL_FACTORS}

    costs = pd.DataFrame({UID: list(PRICES), "unit_cost": [0.3 * p for p in PRICES.values()]})
    table = recommend_prices(df, "D", run, costs, bounds=0.3).set_index(UID)
    beyond = table[table["model_extrapolates"]]
    assert len(beyond) and beyond["reason"].str.contains("never charged before").all()
    edge = 1.1 * beyond["current_price"]  # the model's answer there, continued with the estimated elasticity
    continued = 1.1**ELASTICITY * (beyond["recommended_price"] / edge) ** beyond["elasticity"]
    assert np.allclose(beyond["model_units_change_pct"], 100 * (continued - 1))
    curve = price_curves(df, "D", run, "A-1", costs, bounds=0.3, model_response=response)
    assert curve.loc[curve[PRICE] > 11.01, "model_extrapolated"].all()
    assert not curve.loc[curve[PRICE].between(9.0, 11.0), "model_extrapolated"].any()
