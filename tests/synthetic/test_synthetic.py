"""Tests of the synthetic demand generator and of the committed sample files."""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.synthetic import SyntheticConfig, SyntheticData, generate, write_sample
from forecasting.synthetic.__main__ import main
from forecasting.synthetic.generator import ORDER_COLUMNS, PRODUCT_COLUMNS, SALES_COLUMNS
from forecasting.synthetic.profiles import CATEGORY_PROFILES, DISCOUNT_DEPTHS

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"
SAMPLE_FILES = ("sales.csv", "products.csv", "orders.csv", "ground_truth.json")
SMALL = SyntheticConfig(n_skus=12, n_categories=5, start="2024-01-01", end="2025-12-31", seed=11)


@pytest.fixture(scope="module")
def small() -> SyntheticData:
    return generate(SMALL)


@pytest.fixture(scope="module")
def default() -> SyntheticData:
    return generate(SyntheticConfig())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _key(frame: pd.DataFrame) -> pd.Series:
    return frame["sku"] + "|" + pd.to_datetime(frame["date"]).dt.strftime("%Y-%m-%d")


def _records_key(records: list[dict]) -> set[str]:
    return {f"{r['sku']}|{r['date']}" for r in records}


# ---------------------------------------------------------------- determinism


def test_same_seed_gives_identical_data(small: SyntheticData) -> None:
    again = generate(SMALL)
    for name in ("sales", "products", "orders", "demand"):
        pd.testing.assert_frame_equal(getattr(small, name), getattr(again, name))
    assert json.dumps(small.ground_truth) == json.dumps(again.ground_truth)


def test_different_seed_gives_different_data(small: SyntheticData) -> None:
    other = generate(dataclasses.replace(SMALL, seed=12))
    assert not np.array_equal(small.demand["true_units"], other.demand["true_units"])
    assert small.ground_truth["skus"] != other.ground_truth["skus"]


def test_committed_sample_matches_generator(default: SyntheticData, tmp_path: Path) -> None:
    write_sample(default, tmp_path)
    for name in SAMPLE_FILES:
        assert (SAMPLE_DIR / name).is_file(), f"sample_data/{name} is missing; run python -m forecasting.synthetic"
        assert _sha256(tmp_path / name) == _sha256(SAMPLE_DIR / name), (
            f"sample_data/{name} is stale; run python -m forecasting.synthetic sample_data"
        )


def test_cli_writes_the_four_files(tmp_path: Path) -> None:
    assert main([str(tmp_path / "out")]) == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(SAMPLE_FILES)


def test_default_generation_is_fast() -> None:
    began = time.perf_counter()
    generate(SyntheticConfig())
    assert time.perf_counter() - began < 10


# ---------------------------------------------------------------- shape and columns


def test_default_config_size_and_span(default: SyntheticData) -> None:
    sales, truth = default.sales, default.ground_truth
    assert sales["sku"].nunique() >= 40
    assert sales["category"].nunique() >= 5
    assert sales["date"].min() == pd.Timestamp("2023-01-01")
    assert sales["date"].max() == pd.Timestamp("2025-12-31")
    assert len(truth["skus"]) == 48 and len(truth["categories"]) == 6
    assert 50_000 < len(sales) < 55_000


def test_sales_columns_types_and_order(small: SyntheticData) -> None:
    sales = small.sales
    assert tuple(sales.columns) == SALES_COLUMNS
    keys = list(zip(sales["sku"], sales["date"], strict=True))
    assert keys == sorted(keys), "sales must be sorted by sku, then date"
    units = sales["units"].dropna()
    assert (units >= 0).all() and (units == units.round()).all()
    assert set(sales["promo"].unique()) <= {0, 1}
    assert set(sales["discount"].unique()) <= {0.0, *DISCOUNT_DEPTHS}
    assert ((sales["discount"] > 0) == (sales["promo"] == 1)).all()
    assert (sales["price"] > 0).all()
    assert np.allclose(sales["price"], sales["price"].round(2))
    assert (sales["stock"] >= 0).all()


def test_promo_price_is_discounted_regular_price(small: SyntheticData) -> None:
    demand = small.demand
    promo = demand[demand["promo"] == 1]
    expected = (promo["regular_price"] * (1 - promo["discount"])).round(2)
    assert np.allclose(promo["price"], expected)


def test_products_file(default: SyntheticData) -> None:
    products, demand, truth = default.products, default.demand, default.ground_truth
    assert tuple(products.columns) == PRODUCT_COLUMNS
    assert products["sku"].is_unique and products["name"].is_unique
    assert products["description"].str.endswith(".").all()
    reference = products["sku"].map({s: v["reference_price"] for s, v in truth["skus"].items()})
    ratio = products["unit_cost"] / reference
    assert ratio.between(0.44, 0.71).all()
    assert products["lead_time_days"].between(3, 28).all()
    last = demand[demand["date"] == demand["date"].max()].set_index("sku")
    end_stock = (last["stock"] - last["units"]).reindex(products["sku"]).to_numpy()
    assert np.array_equal(products["stock_on_hand"].to_numpy(), end_stock)


# ---------------------------------------------------------------- demand model


def test_mu_is_the_product_of_its_parts(small: SyntheticData) -> None:
    demand, truth = small.demand, small.ground_truth
    assert np.allclose(demand["mu"], demand["non_price_mu"] * demand["price_effect"] * demand["promo_effect"])
    elasticity = demand["sku"].map({s: v["elasticity"] for s, v in truth["skus"].items()})
    reference = demand["sku"].map({s: v["reference_price"] for s, v in truth["skus"].items()})
    assert np.allclose(demand["price_effect"], (demand["price"] / reference) ** elasticity, rtol=1e-5)


def _elasticity_ols(rows: pd.DataFrame, truth: dict, fixed_effects: bool) -> np.ndarray:
    """OLS of log(mu) on log price ratio, promo dummy and log of the non-price part."""
    reference = rows["sku"].map({s: v["reference_price"] for s, v in truth["skus"].items()})
    columns = {
        "log_price_ratio": np.log(rows["price"] / reference),
        "promo": rows["promo"].astype(float),
        "log_non_price": np.log(rows["non_price_mu"]),
    }
    intercepts = pd.get_dummies(rows["sku"], dtype=float) if fixed_effects else pd.DataFrame({"one": 1.0}, rows.index)
    design = pd.concat([pd.DataFrame(columns, index=rows.index), intercepts], axis=1).to_numpy()
    beta, *_ = np.linalg.lstsq(design, np.log(rows["mu"]).to_numpy(), rcond=None)
    return beta


def test_sku_elasticity_and_promo_lift_are_recovered(small: SyntheticData) -> None:
    demand, truth = small.demand, small.ground_truth
    category = "Electronics"
    for sku in truth["categories"][category]["skus"]:
        beta = _elasticity_ols(demand[demand["sku"] == sku], truth, fixed_effects=False)
        assert beta[0] == pytest.approx(truth["skus"][sku]["elasticity"], abs=0.05)
        assert np.exp(beta[1]) == pytest.approx(truth["skus"][sku]["promo_lift"], abs=0.05)
        assert beta[2] == pytest.approx(1.0, abs=1e-6)


def test_category_elasticity_is_recovered_by_pooled_ols(default: SyntheticData) -> None:
    demand, truth = default.demand, default.ground_truth
    for category, info in truth["categories"].items():
        beta = _elasticity_ols(demand[demand["category"] == category], truth, fixed_effects=True)
        sku_mean = np.mean([truth["skus"][s]["elasticity"] for s in info["skus"]])
        # Pooled slope is a weighted mean of the SKU slopes, which scatter N(0, 0.1) around the category.
        assert beta[0] == pytest.approx(sku_mean, abs=0.05), category
        assert beta[0] == pytest.approx(info["elasticity"], abs=0.12), category


def test_true_uplift_matches_expected_demand(small: SyntheticData) -> None:
    demand, truth = small.demand.set_index(["sku", "date"]), small.ground_truth
    for sku, info in truth["skus"].items():
        for promo in info["promotions"]:
            row = demand.loc[(sku, pd.Timestamp(promo["start"]))]
            baseline = row["non_price_mu"] * (row["regular_price"] / info["reference_price"]) ** info["elasticity"]
            assert row["mu"] / baseline - 1 == pytest.approx(promo["true_uplift"], rel=0.02, abs=0.01)
            expected = (1 - promo["discount"]) ** info["elasticity"] * info["promo_lift"] - 1
            assert promo["true_uplift"] == pytest.approx(expected, abs=1e-5)


def test_elasticities_within_bounds_and_distinct(default: SyntheticData) -> None:
    truth = default.ground_truth
    category_values = [c["elasticity"] for c in truth["categories"].values()]
    assert all(-3 <= e <= -0.8 for e in category_values)
    assert len(set(category_values)) == len(category_values)
    assert all(-3 <= s["elasticity"] <= -0.8 for s in truth["skus"].values())
    assert all(1.1 <= s["promo_lift"] <= 1.7 for s in truth["skus"].values())


def test_promotions_per_sku(default: SyntheticData) -> None:
    for info in default.ground_truth["skus"].values():
        promos = info["promotions"]
        assert 6 <= len(promos) <= 10
        lengths = [(pd.Timestamp(p["end"]) - pd.Timestamp(p["start"])).days + 1 for p in promos]
        assert all(3 <= n <= 14 for n in lengths)
        assert all(pd.Timestamp(a["end"]) < pd.Timestamp(b["start"]) for a, b in itertools.pairwise(promos))


def test_event_calendar_and_effects(default: SyntheticData) -> None:
    truth, demand = default.ground_truth, default.demand
    assert truth["event_dates"]["black_friday"] == ["2023-11-24", "2024-11-29", "2025-11-28"]
    assert truth["event_dates"]["cyber_monday"] == ["2023-11-27", "2024-12-02", "2025-12-01"]
    electronics = demand[demand["category"] == "Electronics"].drop_duplicates("date").set_index("date")
    effects = truth["categories"]["Electronics"]["events"]
    assert electronics.loc[pd.Timestamp("2024-11-11"), "event_effect"] == pytest.approx(effects["11.11"])
    assert electronics.loc[pd.Timestamp("2025-06-18"), "event_effect"] == pytest.approx(effects["618"])
    assert electronics.loc[pd.Timestamp("2024-11-29"), "event_effect"] == pytest.approx(effects["black_friday"])
    assert electronics.loc[pd.Timestamp("2024-12-24"), "event_effect"] == pytest.approx(effects["christmas"])
    assert electronics.loc[pd.Timestamp("2024-12-25"), "event_effect"] == pytest.approx(0.5)
    assert electronics.loc[pd.Timestamp("2024-10-15"), "event_effect"] == 1.0


def test_intermittent_skus_are_mostly_zero(small: SyntheticData, default: SyntheticData) -> None:
    for data in (small, default):
        slow = [s for s, v in data.ground_truth["skus"].items() if v["intermittent"]]
        assert slow
        for sku in slow:
            units = data.sales.loc[data.sales["sku"] == sku, "units"].dropna()
            assert (units == 0).mean() > 0.5, sku
    assert sum(v["intermittent"] for v in default.ground_truth["skus"].values()) == 6


# ---------------------------------------------------------------- stock


def test_stockouts_are_recorded_and_respected(small: SyntheticData) -> None:
    demand, truth = small.demand, small.ground_truth
    assert (demand["units"] <= demand["stock"]).all()
    assert (demand["units"] <= demand["true_units"]).all()
    assert (demand.loc[demand["stock"] == 0, "units"] == 0).all()
    recorded = {f"{s}|{d}" for s, v in truth["skus"].items() for d in v["stockout_days"]}
    assert recorded == set(_key(demand[demand["stock"] == 0]))
    # Demand was lost on some stock-out days.
    assert (demand.loc[demand["stock"] == 0, "true_units"] > 0).sum() > 10


def test_written_sales_respect_stock(default: SyntheticData) -> None:
    sales = default.sales.dropna(subset=["units"])
    assert (sales["units"] <= sales["stock"]).all()
    assert (sales.loc[sales["stock"] == 0, "units"] == 0).all()


def test_supplier_delays_zero_the_stock(default: SyntheticData) -> None:
    demand, skus = default.demand.set_index(["sku", "date"]), default.ground_truth["skus"]
    delayed = [s for s, v in skus.items() if v["supplier_delays"]]
    assert len(skus) / 4 <= len(delayed) <= len(skus) / 2
    for sku in delayed:
        assert 1 <= len(skus[sku]["supplier_delays"]) <= 4
        for spell in skus[sku]["supplier_delays"]:
            days = pd.date_range(spell["start"], spell["end"], freq="D")
            assert 3 <= len(days) <= 10
            assert (demand.loc[[(sku, d) for d in days], "stock"] == 0).all()


def test_stock_flow_is_consistent(small: SyntheticData) -> None:
    # Start-of-day stock never rises except through a delivery, and falls by exactly the units sold otherwise.
    for _, rows in small.demand.groupby("sku"):
        stock, units = rows["stock"].to_numpy(), rows["units"].to_numpy()
        delivered = stock[1:] - (stock[:-1] - units[:-1])
        assert (delivered >= 0).all()


# ---------------------------------------------------------------- dirt


def test_dirt_counts_match_ground_truth(default: SyntheticData) -> None:
    sales, truth, demand = default.sales, default.ground_truth, default.demand
    dirt = truth["dirty"]
    assert sales.duplicated().sum() == dirt["duplicate_rows"] == 10
    assert sales["units"].isna().sum() == len(dirt["missing_units"]) == 10
    assert len(dirt["missing_days"]) == 25 and len(dirt["outliers"]) == 8
    assert len(sales) == len(demand) - 25 + 10

    present = set(_key(sales))
    assert not _records_key(dirt["missing_days"]) & present
    assert set(_key(demand)) - present == _records_key(dirt["missing_days"])
    slow = {s for s, v in truth["skus"].items() if v["intermittent"]}
    assert not {r["sku"] for r in dirt["missing_days"]} & slow
    assert len({r["sku"] for r in dirt["missing_days"]}) >= 3

    assert set(_key(sales[sales["units"].isna()])) == _records_key(dirt["missing_units"])
    assert set(_key(sales[sales.duplicated()])) == _records_key(dirt["duplicates"])


def test_outliers_are_scaled_plain_days(default: SyntheticData) -> None:
    sales = default.sales.drop_duplicates().set_index(["sku", "date"])
    demand = default.demand.set_index(["sku", "date"])
    for outlier in default.ground_truth["dirty"]["outliers"]:
        key = (outlier["sku"], pd.Timestamp(outlier["date"]))
        assert 8 <= outlier["factor"] <= 15
        assert demand.loc[key, "units"] == outlier["true_units"] > 0
        assert sales.loc[key, "units"] == outlier["true_units"] * outlier["factor"] == outlier["units"]
        assert demand.loc[key, "promo"] == 0 and demand.loc[key, "event_effect"] == 1


def test_clean_config_has_no_dirt() -> None:
    data = generate(dataclasses.replace(SMALL, dirty=False))
    assert not data.sales.duplicated().any()
    assert not data.sales["units"].isna().any()
    assert len(data.sales) == len(data.demand)
    assert np.array_equal(data.sales["units"].to_numpy(dtype=np.int64), data.demand["units"].to_numpy())
    assert data.ground_truth["dirty"]["duplicate_rows"] == 0


# ---------------------------------------------------------------- orders


def test_orders_aggregate_to_sales(default: SyntheticData) -> None:
    orders, sales = default.orders, default.sales
    assert tuple(orders.columns) == ORDER_COLUMNS
    assert orders["order_id"].is_unique
    assert orders["sku"].nunique() == 5
    orders_day = orders["order_datetime"].dt.normalize()
    assert orders_day.min() >= pd.Timestamp("2025-10-03") and orders_day.max() <= pd.Timestamp("2025-12-31")
    lines_per_day = orders.groupby(["sku", orders_day]).size()
    assert lines_per_day.between(1, 4).all()

    totals = orders.groupby(["sku", orders_day])["quantity"].sum().rename("quantity")
    totals.index = totals.index.set_names(["sku", "date"])
    written = sales.drop_duplicates().dropna(subset=["units"])
    written = written[written["sku"].isin(orders["sku"].unique()) & (written["date"] >= pd.Timestamp("2025-10-03"))]
    written = written[written["units"] > 0].set_index(["sku", "date"])["units"]
    joined = pd.concat([totals, written], axis=1)
    assert not joined.isna().any().any(), "every order day must be a sales day and back"
    assert (joined["quantity"] == joined["units"]).all()

    prices = sales.drop_duplicates().set_index(["sku", "date"])
    matched = prices.loc[list(zip(orders["sku"], orders_day, strict=True))]
    assert np.allclose(orders["unit_price"], matched["price"])
    assert np.allclose(orders["discount"], matched["discount"])


# ---------------------------------------------------------------- ground truth and config


def test_ground_truth_shape(default: SyntheticData) -> None:
    truth = json.loads(json.dumps(default.ground_truth))
    assert {"seed", "start", "end", "categories", "skus", "events", "dirty", "uplift_definition"} <= set(truth)
    assert set(truth["events"]) == {"11.11", "618", "black_friday", "cyber_monday", "christmas"}
    for info in truth["categories"].values():
        assert len(info["weekly"]) == 7 and np.mean(info["weekly"]) == pytest.approx(1.0)
        assert set(info["events"]) == set(truth["events"])
        assert info["true_uplift_at_20pct"] > 0
    for info in truth["skus"].values():
        assert {
            "category",
            "base",
            "elasticity",
            "promo_lift",
            "post_promo_dip",
            "intermittent",
            "promotions",
            "stockout_days",
        } <= set(info)


def test_category_names_come_from_profiles(default: SyntheticData) -> None:
    names = [p.name for p in CATEGORY_PROFILES[:6]]
    assert list(default.ground_truth["categories"]) == names
    assert set(default.sales["category"]) == set(names)


@pytest.mark.parametrize(
    "changes",
    [
        {"n_categories": 0},
        {"n_categories": len(CATEGORY_PROFILES) + 1},
        {"n_skus": 3, "n_categories": 5},
        {"start": "2025-01-01", "end": "2025-06-30"},
        {"start": "2025-01-01", "end": "2024-01-01"},
        {"start": "not a date"},
        {"seed": -1},
    ],
)
def test_invalid_config_is_rejected(changes: dict) -> None:
    with pytest.raises(ValueError):
        SyntheticConfig(**changes)


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 10_000), n_skus=st.integers(8, 20), n_categories=st.integers(5, 8))
def test_invariants_hold_for_any_seed(seed: int, n_skus: int, n_categories: int) -> None:
    config = SyntheticConfig(n_skus=n_skus, n_categories=n_categories, start="2024-07-01", end="2025-12-31", seed=seed)
    data = generate(config)
    sales = data.sales.dropna(subset=["units"])
    assert (sales["units"] <= sales["stock"]).all()
    assert data.sales.duplicated().sum() == data.ground_truth["dirty"]["duplicate_rows"]
    assert data.sales["units"].isna().sum() == len(data.ground_truth["dirty"]["missing_units"])
    assert data.sales["category"].nunique() == n_categories
    assert data.orders.groupby("sku")["quantity"].sum().gt(0).all()


def test_the_launches_option_changes_nothing_but_names_levels_and_launches(tmp_path):
    plain = generate(SMALL)
    launched = generate(dataclasses.replace(SMALL, launches=True))
    truth = launched.ground_truth
    assert truth["config"]["launches"] is True and "launches" not in plain.ground_truth["config"]
    launch = {sku: t["launch_date"] for sku, t in truth["skus"].items() if t["launch_date"]}
    assert launch
    for sku, day in launch.items():
        assert launched.sales.loc[launched.sales["sku"] == sku, "date"].min() == pd.Timestamp(day)
    assert (launched.products["sku"] == plain.products["sku"]).all()
    assert all(name.startswith(before) for name, before in zip(launched.products["name"], plain.products["name"],
                                                                strict=True))
    assert main([str(tmp_path), "--launches", "--skus", "12", "--clean"]) == 0
    assert json.loads((tmp_path / "ground_truth.json").read_text())["config"]["launches"] is True
