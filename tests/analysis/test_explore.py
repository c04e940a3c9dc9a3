"""forecasting.analysis.explore on small hand-made frames with known answers, and on the bundled sample."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.analysis import explore, hierarchy
from forecasting.data import cleaning
from forecasting.data.dataset import load_dataset, prepare
from forecasting.errors import ConfigError, DataValidationError

SAMPLE = Path(__file__).parents[2] / "sample_data" / "sales.csv"
WEEKLY_PATTERN = np.array([10.0, 12.0, 14.0, 16.0, 30.0, 40.0, 18.0])  # Monday first


def long(values: dict[str, list[float]], start: str = "2024-01-01", freq: str = "D", **columns) -> pd.DataFrame:
    """A long table from ``{series id: values}``; extra columns are ``{name: {series id: values or scalar}}``."""
    parts = []
    for uid, ys in values.items():
        part = pd.DataFrame({"unique_id": uid, "ds": pd.date_range(start, periods=len(ys), freq=freq),
                             "y": np.asarray(ys, dtype="float64")})
        for name, per_series in columns.items():
            part[name] = per_series[uid]
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


# --- levels ------------------------------------------------------------------


@pytest.fixture
def shop() -> pd.DataFrame:
    """Four products in two categories over 10 days; a and c are on promotion on days 3 and 4."""
    rng = np.random.default_rng(1)
    values = {uid: rng.poisson(lam, 10).astype(float).tolist() for uid, lam in zip("abcd", [5, 9, 2, 20], strict=True)}
    promo = {uid: [1.0 if uid in "ac" and day in (3, 4) else 0.0 for day in range(10)] for uid in "abcd"}
    return long(values, category={"a": "Toys", "b": "Toys", "c": "Food", "d": "Food"}, promo=promo)


def test_aggregation_by_category_keeps_the_totals(shop):
    by_category = hierarchy.aggregate(shop, "category")
    assert sorted(by_category["unique_id"].unique()) == ["Food", "Toys"]
    assert by_category["y"].sum() == shop["y"].sum()
    expected = shop.groupby(["category", "ds"])["y"].sum()
    got = by_category.set_index(["unique_id", "ds"])["y"]
    assert got.to_numpy().tolist() == expected.to_numpy().tolist()
    total = hierarchy.level_series(shop, "total", hierarchy.TOTAL)
    assert total["y"].tolist() == shop.groupby("ds")["y"].sum().tolist()


def test_aggregated_promo_is_the_share_of_series_on_promotion(shop):
    toys = hierarchy.level_series(shop, "category", "Toys")
    assert toys["promo"].tolist() == [0, 0, 0, 0.5, 0.5, 0, 0, 0, 0, 0]
    total = hierarchy.level_series(shop, "total", hierarchy.TOTAL)
    assert total["promo"].max() == 0.5


def test_levels_members_and_their_errors(shop):
    assert hierarchy.available_levels(shop) == ("total", "category", "series")
    assert hierarchy.available_levels(shop.drop(columns="category")) == ("total", "series")
    assert hierarchy.series_names(shop, "category") == ["Food", "Toys"]
    assert set(hierarchy.members(shop, "category", "Food")["unique_id"]) == {"c", "d"}
    assert hierarchy.level_series(shop, "series", "b")["y"].tolist() == shop.loc[shop["unique_id"].eq("b"), "y"].tolist()
    with pytest.raises(DataValidationError, match="there is no category 'Garden' in the data; choose one of 'Food'"):
        hierarchy.members(shop, "category", "Garden")
    with pytest.raises(DataValidationError, match="level 'category' needs a category column"):
        hierarchy.aggregate(shop.drop(columns="category"), "category")
    with pytest.raises(ConfigError, match="level 'store' is not known"):
        hierarchy.series_names(shop, "store")


def test_explore_functions_never_change_their_input(shop):
    before = shop.copy()
    hierarchy.aggregate(shop, "category")
    explore.abc_xyz(shop)
    explore.promo_comparison(shop)
    pd.testing.assert_frame_equal(shop, before)


# --- decomposition and profiles -------------------------------------------------


def test_stl_puts_a_pure_weekly_pattern_in_the_seasonal_part():
    days = 10 * 7
    y = np.tile(WEEKLY_PATTERN, 10)  # 2024-01-01 is a Monday
    result = explore.decompose(long({"a": y.tolist()}), "D")
    parts = result.frame
    assert result.period == 7
    assert result.seasonal_strength > 0.99
    assert np.allclose(parts["observed"], parts["trend"] + parts["seasonal"] + parts["resid"])
    assert parts["trend"].std() < 0.05 * parts["seasonal"].std()
    assert np.abs(parts["resid"]).max() < 0.5
    seasonal_week = parts["seasonal"].to_numpy()[:7]
    assert np.corrcoef(seasonal_week, WEEKLY_PATTERN - WEEKLY_PATTERN.mean())[0, 1] > 0.99
    assert len(parts) == days and result.filled == 0


def test_stl_sees_a_linear_trend_and_fills_empty_periods():
    y = np.arange(60, dtype=float) * 2 + np.tile(WEEKLY_PATTERN, 9)[:60]
    frame = long({"a": y.tolist()}).drop(index=[20, 21])  # two days missing
    result = explore.decompose(frame, "D")
    assert result.filled == 2 and len(result.frame) == 60
    assert result.trend_strength > 0.95
    assert np.polyfit(np.arange(60), result.frame["trend"], 1)[0] == pytest.approx(2, abs=0.1)


def test_stl_needs_two_full_seasons():
    with pytest.raises(DataValidationError, match=r"at least two full seasons \(104 weeks\); this series has 60"):
        explore.decompose(long({"a": [1.0] * 60}, freq="W-MON"), "W-MON")
    assert explore.season_period("MS") == 12


def test_weekday_profile_recovers_the_pattern():
    profile = explore.weekday_profile(long({"a": np.tile(WEEKLY_PATTERN, 4).tolist()}), "D")
    assert profile["weekday"].tolist() == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert np.allclose(profile["index"], WEEKLY_PATTERN / WEEKLY_PATTERN.mean())
    assert profile["periods"].tolist() == [4] * 7
    with pytest.raises(ConfigError, match="weekday profile needs daily data"):
        explore.weekday_profile(long({"a": [1.0] * 10}, freq="W-MON"), "W-MON")


def test_month_profile_shows_a_december_peak():
    y = [100.0] * 11 + [200.0]
    profile = explore.month_profile(long({"a": y * 2}, freq="MS"))
    assert profile["month"].tolist()[-1] == "Dec"
    assert profile["mean"].tolist() == y
    assert profile["index"].iloc[-1] == pytest.approx(200 / (1300 / 12))


# --- price and promotion -------------------------------------------------------------


def test_price_response_recovers_a_known_elasticity():
    prices = np.array([8.0, 9.0, 10.0, 11.0, 12.0] * 4)
    frame = long({"a": (1000 * prices**-2.0).tolist()}, price={"a": prices})
    fit = explore.price_response(frame)
    assert fit.slope == pytest.approx(-2.0) and fit.r2 == pytest.approx(1.0)
    assert not fit.relative and fit.n_used == 20 and fit.n_dropped == 0
    assert fit.change_for(-0.10) == pytest.approx(0.9**-2 - 1)


def test_pooled_price_response_compares_each_product_with_itself():
    # the dear product sells more: across products price and units rise together,
    # but within each product a higher price sells less (elasticity -1.5)
    cheap, dear = np.array([4.0, 5.0, 6.0] * 5), np.array([40.0, 50.0, 60.0] * 5)
    frame = long({"cheap": (100 * cheap**-1.5).tolist(), "dear": (1e5 * dear**-1.5).tolist()},
                 price={"cheap": cheap, "dear": dear})
    fit = explore.price_response(frame)
    assert fit.relative
    assert fit.slope == pytest.approx(-1.5)


def test_price_response_leaves_out_zero_sales_and_refuses_a_fixed_price():
    prices = np.array([9.0, 10.0, 11.0] * 5)
    units = (500 * prices**-1.0).tolist()
    units[0] = 0.0
    fit = explore.price_response(long({"a": units}, price={"a": prices}))
    assert fit.n_dropped == 1 and fit.n_used == 14
    with pytest.raises(DataValidationError, match="the price never changes here"):
        explore.price_response(long({"a": units}, price={"a": 10.0}))
    with pytest.raises(DataValidationError, match="no price column is mapped"):
        explore.price_response(long({"a": units}))


def test_promo_comparison_measures_a_known_uplift():
    promo = [0, 0, 1, 1, 0, 0, 0, 1, 0, 0]
    base = {"a": 10.0, "b": 20.0}
    values = {uid: [level * (1.5 if p else 1.0) for p in promo] for uid, level in base.items()}
    result = explore.promo_comparison(long(values, promo={"a": promo, "b": promo}))
    assert result.uplift == pytest.approx(0.5)
    assert result.mean_regular == pytest.approx(15.0) and result.mean_promo == pytest.approx(22.5)
    assert result.table["uplift"].tolist() == pytest.approx([0.5, 0.5])
    assert result.periods_promo == 6 and result.periods_regular == 14


def test_promo_comparison_counts_discount_depth_as_promotion_and_needs_both_kinds():
    depth = [0.0, 0.2, 0.0, 0.3]
    result = explore.promo_comparison(long({"a": [10.0, 30.0, 10.0, 30.0]}, promo={"a": depth}))
    assert result.uplift == pytest.approx(2.0)
    with pytest.raises(DataValidationError, match="no series has periods both on and off promotion"):
        explore.promo_comparison(long({"a": [1.0, 2.0]}, promo={"a": 0.0}))
    with pytest.raises(DataValidationError, match="no promotion column is mapped"):
        explore.promo_comparison(long({"a": [1.0, 2.0]}))


# --- ABC / XYZ and intermittency ------------------------------------------------------


def test_abc_classes_for_known_volumes():
    volumes = {"p1": 50, "p2": 30, "p3": 10, "p4": 5, "p5": 3, "p6": 2}  # cumulative 50, 80, 90, 95, 98, 100 %
    table = explore.abc_xyz(long({uid: [v / 5] * 5 for uid, v in volumes.items()}))
    assert table["unique_id"].tolist() == list(volumes)
    assert table["abc"].tolist() == ["A", "A", "B", "B", "C", "C"]
    assert table["share"].tolist() == pytest.approx([0.5, 0.3, 0.1, 0.05, 0.03, 0.02])
    lone = explore.abc_xyz(long({"big": [90.0], "small": [10.0]}))
    assert lone["abc"].tolist() == ["A", "B"]  # a best seller above 80% on its own is still A


def test_xyz_classes_by_coefficient_of_variation():
    table = explore.abc_xyz(long({"steady": [10.0] * 8, "edge": [5.0, 15.0] * 4, "wavy": [4.0, 16.0] * 4,
                                  "spiky": [0, 0, 0, 40.0] * 2}))
    classes = dict(zip(table["unique_id"], table["xyz"], strict=True))
    assert classes == {"steady": "X", "edge": "X", "wavy": "Y", "spiky": "Z"}  # the limits are inclusive
    cv = dict(zip(table["unique_id"], table["cv"], strict=True))
    assert cv["edge"] == pytest.approx(0.5) and cv["wavy"] == pytest.approx(0.6)
    assert cv["spiky"] == pytest.approx(np.sqrt(3))


def test_syntetos_boylan_classes():
    table = explore.abc_xyz(long({
        "smooth": [10.0, 11.0, 9.0, 10.0] * 6,
        "erratic": [1.0, 20.0] * 12,
        "intermittent": [0.0, 0.0, 5.0] * 8,
        "lumpy": [0.0, 0.0, 1.0, 0.0, 0.0, 30.0] * 4,
        "never": [0.0] * 24,
    }))
    classes = dict(zip(table["unique_id"], table["demand_class"], strict=True))
    assert classes == {"smooth": "smooth", "erratic": "erratic", "intermittent": "intermittent",
                       "lumpy": "lumpy", "never": "no demand"}
    row = table.set_index("unique_id").loc["intermittent"]
    assert row["adi"] == pytest.approx(3.0) and row["cv2"] == pytest.approx(0.0) and row["nonzero"] == 8
    assert explore.demand_class(1.31, 0.48) == "smooth" and explore.demand_class(1.32, 0.49) == "lumpy"


def test_class_matrix_counts_every_series_once():
    table = explore.abc_xyz(long({f"s{i}": [float(i + 1)] * 4 for i in range(7)}))
    matrix = explore.class_matrix(table)
    assert matrix.index.tolist() == ["A", "B", "C"] and matrix.columns.tolist() == ["X", "Y", "Z"]
    assert matrix.to_numpy().sum() == 7 and matrix["X"].sum() == 7


def test_abc_needs_some_sales_and_valid_limits():
    with pytest.raises(DataValidationError, match="there are no sales in the data"):
        explore.abc_xyz(long({"a": [0.0, 0.0]}))
    with pytest.raises(ConfigError, match="ABC shares must rise"):
        explore.abc_xyz(long({"a": [1.0]}), abc=(0.9, 0.8))


def test_change_helpers():
    changes = pd.DataFrame({"unique_id": ["a", "b", "b", "b"], "ds": pd.to_datetime(["2024-01-01"] * 4),
                            "column": ["y", "y", "y", "price"],
                            "action": ["gap_zero", "gap_zero", "outlier_clipped", "price_carried"],
                            "before": [np.nan, np.nan, 9.0, np.nan], "after": [0.0, 0.0, 5.0, 2.0]})
    counts = cleaning.change_counts(changes)
    assert counts.iloc[0].tolist() == ["gap_zero", "y", 2]
    assert cleaning.most_changed(changes, ["a", "b", "c"]) == "b"
    assert cleaning.most_changed(changes.iloc[:0], ["a", "b"]) == "a"
    assert cleaning.change_counts(changes.iloc[:0]).empty


def test_series_summary():
    summary = explore.series_summary(long({"a": [0.0, 2.0, np.nan, 4.0]}))
    assert summary["periods"] == 4 and summary["total"] == 6 and summary["missing"] == 1
    assert summary["mean"] == 2 and summary["zero_share"] == pytest.approx(1 / 3)


# --- the bundled sample --------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return prepare(load_dataset(SAMPLE)).frame


def test_on_the_sample_price_and_demand_move_apart_in_every_category(sample):
    for category in hierarchy.series_names(sample, "category"):
        fit = explore.price_response(hierarchy.members(sample, "category", category))
        assert fit.relative
        assert fit.slope < -0.5, (category, fit.slope)


def test_on_the_sample_promotions_lift_demand_and_slow_movers_are_intermittent(sample):
    assert explore.promo_comparison(sample).uplift > 0.3
    table = explore.abc_xyz(sample)
    slow = table.loc[table["demand_class"].isin(["intermittent", "lumpy"])]
    assert len(slow) == 6  # the generator's six slow movers (README: zero sales on more than half the days)
    assert (slow["adi"] > 2).all() and set(slow["abc"]) == {"C"}
