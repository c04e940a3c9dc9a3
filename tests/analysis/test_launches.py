"""New products (cold start): text embedding, launch forecasts and the launch backtest, on generated launches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.analysis.launches import (
    LaunchConfig,
    embed_products,
    forecast_launches,
    launch_backtest,
    product_texts,
    products_from_sales,
    read_new_products,
)
from forecasting.analysis.launches.curves import launch_curves
from forecasting.analysis.launches.text import Embedding
from forecasting.errors import ConfigError, DataReadError, DataValidationError, MappingError
from forecasting.synthetic import SyntheticConfig, generate

LAUNCHES = SyntheticConfig(n_skus=150, n_categories=4, launches=True, dirty=False, seed=3)


def weekly(sales: pd.DataFrame) -> pd.DataFrame:
    """Daily generated sales -> the weekly contract table (weeks labelled by their Monday)."""
    week = sales.assign(ds=sales["date"].dt.to_period("W-SUN").dt.start_time)
    return (week.groupby(["sku", "ds"], as_index=False)
            .agg(y=("units", "sum"), price=("price", "mean"), category=("category", "first"))
            .rename(columns={"sku": "unique_id"}))


@pytest.fixture(scope="module")
def generated():
    data = generate(LAUNCHES)
    return data, weekly(data.sales), data.products.rename(columns={"sku": "unique_id"})


@pytest.fixture(scope="module")
def scored(generated):
    _, frame, products = generated
    # Generated prices are drawn apart from demand levels, so the neighbours' price scaling is off here.
    return {method: launch_backtest(frame, "W-MON", product_texts(products),
                                    LaunchConfig(method=method, elasticity=None))
            for method in ("text_level", "neighbours")}


def test_generated_names_carry_the_demand_level(generated):
    data, _, products = generated
    truth = data.ground_truth["skus"]
    base = pd.Series({sku: t["base"] for sku, t in truth.items()})
    tier = pd.Series({sku: t["size_tier"] for sku, t in truth.items()})
    means = base.groupby(tier).mean()
    assert means["trial sachet"] < means["mini"] < means["regular"] < means["large"] < means["family mega pack"]
    assert all(t.title() in name for t, name in zip(tier[products["unique_id"]], products["name"], strict=True))


def test_launched_products_have_no_sales_rows_before_their_launch(generated):
    data, _, _ = generated
    launch = {sku: t["launch_date"] for sku, t in data.ground_truth["skus"].items() if t["launch_date"]}
    assert 0.3 < len(launch) / LAUNCHES.n_skus < 0.5
    first = data.sales.groupby("sku")["date"].min()
    assert all(first[sku] == pd.Timestamp(day) for sku, day in launch.items())
    assert generate(SyntheticConfig(n_skus=12, n_categories=5, seed=11)).ground_truth["config"].get("launches") is None


def test_text_forecast_beats_the_category_average_on_generated_launches(scored):
    for method, result in scored.items():
        scores = result.scores.set_index("method")
        assert scores.loc[method, "launches"] >= 15
        assert scores.loc[method, "wape"] < scores.loc["category_average", "wape"], method
        assert scores.loc[method, "scaled_mae"] < scores.loc["category_average", "scaled_mae"], method
    # The level learnt from the words beats picking look-alike products.
    assert (scored["text_level"].scores.set_index("method").loc["text_level", "wape"]
            < scored["neighbours"].scores.set_index("method").loc["neighbours", "wape"])


def test_intervals_cover_roughly_at_their_level_on_generated_launches(scored):
    scores = scored["text_level"].scores.set_index("method").loc["text_level"]
    assert 0.6 <= scores["coverage_80"] <= 0.95
    assert 0.8 <= scores["coverage_95"] <= 1.0
    assert scores["coverage_80"] <= scores["coverage_95"]


def test_backtest_hides_the_launches_of_the_last_year(generated, scored):
    data, frame, _ = generated
    result = scored["text_level"]
    assert result.cutoff == frame["ds"].max() - pd.Timedelta(weeks=51)  # the last 52 weeks are hidden
    launch = {sku: t["launch_date"] for sku, t in data.ground_truth["skus"].items()}
    tested = set(result.predictions["unique_id"])
    # Every launch of the hidden year with 13 weeks observed is tested, and nothing else.
    expected = {sku for sku, day in launch.items()
                if day and result.cutoff <= pd.Timestamp(day) <= frame["ds"].max() - pd.Timedelta(weeks=12)}
    assert tested == expected
    assert (result.predictions.groupby(["unique_id", "method"]).size() == 13).all()


def test_nearest_neighbours_are_the_products_sharing_words():
    texts = pd.Series({"a": "red cotton shirt", "b": "red cotton shirt long sleeve", "c": "steel claw hammer",
                       "d": "steel claw hammer heavy", "e": "green garden hose", "f": "garden hose reel green"},
                      name="text")
    embedding = embed_products(texts)
    sim = embedding.similarity(list(texts.index), list(texts.index))
    np.fill_diagonal(sim, -np.inf)
    best = dict(zip(texts.index, texts.index[sim.argmax(axis=1)], strict=True))
    assert best == {"a": "b", "b": "a", "c": "d", "d": "c", "e": "f", "f": "e"}
    assert np.allclose(np.linalg.norm(embedding.vectors, axis=1), 1)
    assert np.allclose(embed_products(texts).vectors, embedding.vectors)  # seeded: the same every time


def test_launch_forecast_of_new_products_follows_their_words(generated):
    _, frame, products = generated
    new = pd.DataFrame({"sku": ["NEW-1", "NEW-2", "NEW-3"],
                        "name": ["Sunfield Pasta Sauce Family Mega Pack", "Sunfield Pasta Sauce Mini",
                                 "Sunfield Pasta Sauce Regular"],
                        "category": ["Grocery", "Grocery", "Grocery"], "price": [4.99, 4.99, 4.99]})
    result = forecast_launches(frame, "W-MON", products, read_new_products(new), LaunchConfig())
    forecast = result.forecast
    assert list(forecast.columns) == ["unique_id", "ds", "model", "yhat", "yhat_lo_80", "yhat_hi_80",
                                      "yhat_lo_95", "yhat_hi_95"]
    assert len(forecast) == 3 * 13
    assert forecast["ds"].min() == frame["ds"].max() + pd.Timedelta(weeks=1)
    assert (forecast["yhat_lo_95"] <= forecast["yhat_lo_80"]).all()
    assert ((forecast["yhat_lo_80"] <= forecast["yhat"]) & (forecast["yhat"] <= forecast["yhat_hi_80"])).all()
    level = forecast.groupby("unique_id")["yhat"].mean()
    assert level["NEW-1"] > level["NEW-3"] > level["NEW-2"]
    neighbours = result.neighbours
    assert (neighbours.groupby("unique_id").size() == 10).all()
    assert set(neighbours["neighbour"]) <= set(products["unique_id"])
    assert any("past launches" in note for note in result.notes)


def test_a_given_launch_date_starts_the_forecast(generated):
    _, frame, products = generated
    new = read_new_products(pd.DataFrame({"id": ["N"], "description": ["large board game"],
                                          "launch date": ["2026-03-02"]}))
    result = forecast_launches(frame, "W-MON", products, new, LaunchConfig(horizon=8, method="neighbours"))
    assert result.forecast["ds"].min() == pd.Timestamp("2026-03-02") and len(result.forecast) == 8
    assert any("no price scaling" in note for note in result.notes)


def test_launch_curves_start_at_the_first_sale_and_count_missing_periods_as_zero():
    frame = pd.DataFrame({"unique_id": ["a", "a", "a", "b", "b"],
                          "ds": pd.to_datetime(["2024-01-01", "2024-01-15", "2024-01-22", "2024-01-08", "2024-01-22"]),
                          "y": [0.0, 3.0, 4.0, 2.0, 5.0]})
    curves = launch_curves(frame, "W-MON", 3)
    assert curves.loc["b"].tolist() == [2.0, 0.0, 5.0]
    assert curves.loc["a"].iloc[:2].tolist() == [3.0, 4.0] and np.isnan(curves.loc["a", 3])


def test_products_from_sales_keeps_one_text_per_product():
    raw = pd.DataFrame({"Product ID": ["P1", "P1", "P2"], "Product Name": ["Bush Bookcase", "Bush Bookcase", "Pen"],
                        "Sub-Category": ["Bookcases", "Bookcases", "Art"], "Quantity": [1, 2, 3]})
    products = products_from_sales(raw, ["Product ID"], category="Sub-Category")
    assert products.set_index("unique_id")["Product Name"].to_dict() == {"P1": "Bush Bookcase", "P2": "Pen"}
    assert product_texts(products).to_dict() == {"P1": "Bush Bookcase Bookcases", "P2": "Pen Art"}


@pytest.mark.parametrize(("table", "error", "words"), [
    (pd.DataFrame({"sku": ["a"], "price": [3.0]}), MappingError, "no name or description"),
    (pd.DataFrame({"sku": [], "name": []}), DataReadError, "no rows"),
    (pd.DataFrame({"sku": ["a", "a"], "name": ["x", "y"]}), DataValidationError, "repeat"),
    (pd.DataFrame({"sku": ["a"], "name": ["x"], "price": ["cheap"]}), DataValidationError, "not numbers"),
    (pd.DataFrame({"sku": ["a"], "name": ["x"], "launch": ["someday"]}), DataValidationError, "not dates"),
])
def test_bad_new_products_tables_are_refused_in_one_line(table, error, words):
    with pytest.raises(error, match=words):
        read_new_products(table)


def test_an_empty_file_is_refused():
    with pytest.raises(DataReadError):
        read_new_products(b"")


def test_new_ids_that_already_sell_and_bad_settings_are_refused(generated):
    _, frame, products = generated
    new = read_new_products(pd.DataFrame({"sku": ["SKU-001"], "name": ["pasta sauce"]}))
    with pytest.raises(DataValidationError, match="already have 13 periods of sales"):
        forecast_launches(frame, "W-MON", products, new)
    with pytest.raises(ConfigError, match="unknown launch method"):
        LaunchConfig(method="magic")


def test_the_kernel_ridge_level_model_matches_scikit_learn_ridge_and_its_exact_leave_one_out():
    from sklearn.linear_model import Ridge

    from forecasting.analysis.launches import level

    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 6))
    y = x @ rng.normal(size=6) + 2 + rng.normal(scale=0.3, size=40)
    model = level.fit(x, y)
    new = rng.normal(size=(5, 6))
    expected = Ridge(alpha=model.alpha).fit(x, y).predict(new)
    assert np.allclose(np.log1p(model.predict(new)), np.clip(expected, 0, None), atol=1e-8)
    left_out = Ridge(alpha=model.alpha).fit(x[1:], y[1:]).predict(x[:1])[0]
    assert model.loo[0] == pytest.approx(left_out, abs=1e-8)


def test_a_new_products_table_without_ids_uses_the_names_as_ids(generated):
    _, frame, products = generated
    new = read_new_products(pd.DataFrame({"name": ["Sunfield Pasta Sauce Large", "Brickly Puzzle Mini"]}))
    assert new["unique_id"].tolist() == new["name"].tolist()
    result = forecast_launches(frame, "W-MON", products, new, LaunchConfig(horizon=4))
    assert set(result.forecast["unique_id"]) == {"Sunfield Pasta Sauce Large", "Brickly Puzzle Mini"}


def test_too_long_a_horizon_for_the_history_says_what_to_change(generated):
    _, frame, products = generated
    new = read_new_products(pd.DataFrame({"sku": ["N"], "name": ["pasta sauce"]}))
    with pytest.raises(DataValidationError, match="a launch forecast needs at least 3.*--horizon"):
        forecast_launches(frame, "W-MON", products, new, LaunchConfig(horizon=400))


def test_a_product_selling_for_a_few_weeks_is_forecast_for_the_rest_of_its_launch(generated):
    data, frame, products = generated
    launch = {sku: pd.Timestamp(t["launch_date"]) for sku, t in data.ground_truth["skus"].items() if t["launch_date"]}
    sku = max(launch, key=launch.get)  # the latest launch: cut the history 4 weeks after its first sale
    first = frame.loc[(frame["unique_id"] == sku) & (frame["y"] > 0), "ds"].min()
    history = frame[frame["ds"] < first + pd.Timedelta(weeks=4)]
    row = products[products["unique_id"] == sku]
    new = read_new_products(row[["unique_id", "name", "category"]])
    result = forecast_launches(history, "W-MON", products[products["unique_id"] != sku], new, LaunchConfig())
    forecast = result.forecast
    assert len(forecast) == 13 - 4 and forecast["ds"].min() == first + pd.Timedelta(weeks=4)
    assert any("sold for a few periods" in note for note in result.notes)
    # Scaled by its first sales: a product selling above its prediction is forecast higher, and below, lower.
    boosted = history.assign(y=np.where(history["unique_id"] == sku, history["y"] * 3, history["y"]))
    higher = forecast_launches(boosted, "W-MON", products[products["unique_id"] != sku], new, LaunchConfig())
    assert (higher.forecast["yhat"].to_numpy() > forecast["yhat"].to_numpy()).all()


def test_with_the_first_weeks_known_the_text_forecast_beats_both_naive_methods(generated):
    _, frame, products = generated
    result = launch_backtest(frame, "W-MON", product_texts(products), LaunchConfig(elasticity=None), revealed=4)
    scores = result.scores.set_index("method")
    assert set(scores.index) == {"text_level", "category_average", "observed_mean"}
    assert scores.loc["text_level", "wape"] < scores.loc["category_average", "wape"]
    assert scores.loc["text_level", "wape"] < scores.loc["observed_mean", "wape"]
    assert result.predictions["step"].min() == 5
    with pytest.raises(ConfigError, match="revealed"):
        launch_backtest(frame, "W-MON", product_texts(products), revealed=13)


def test_update_factors_shrink_the_observed_ratio_towards_the_prediction():
    from forecasting.analysis.launches.early import update_factors

    curves = np.array([[10.0, 10, 10, 10], [10.0, 10, 10, 10], [10.0, 10, 10, 10]])
    values = np.array([[20.0, 20, np.nan, np.nan], [np.nan] * 4, [0.0, 0, 0, np.nan]])
    factors = update_factors(curves, np.array([2, 0, 3]), values, prior=4)
    assert factors == pytest.approx([(40 + 40) / (20 + 40), 1.0, 40 / (30 + 40)])


def test_the_default_encoder_is_tfidf_and_another_encoder_replaces_it(generated, scored):
    _, frame, products = generated
    texts = product_texts(products)
    config = LaunchConfig(elasticity=None)
    explicit = launch_backtest(frame, "W-MON", texts, config,
                               encoder=lambda t: embed_products(t, components=config.components, seed=config.seed))
    pd.testing.assert_frame_equal(explicit.scores, scored["text_level"].scores)

    # An encoder that says nothing (every product the same vector and no terms), without prices: the level
    # model can only predict the mean log level of past launches, the same for every launch.
    def blank(t: pd.Series) -> Embedding:
        return Embedding(tuple(t.index), np.ones((len(t), 4)) / 2.0, np.zeros((len(t), 3)))

    no_price = frame.drop(columns=["price"])
    levels = {}
    for name, encoder in {"blank": blank, "tfidf": None}.items():
        result = launch_backtest(no_price, "W-MON", texts, config, encoder=encoder)
        text = result.predictions[result.predictions["method"] == "text_level"]
        levels[name] = text.groupby("unique_id")["yhat"].mean()
    assert np.allclose(levels["blank"], levels["blank"].iloc[0])
    assert levels["tfidf"].std() > 0.1 * levels["tfidf"].mean()


def test_an_encoder_that_leaves_out_products_is_refused(generated):
    _, frame, products = generated

    def partial(t: pd.Series) -> Embedding:
        return embed_products(t.iloc[:-1])

    with pytest.raises(DataValidationError, match="no vector"):
        launch_backtest(frame, "W-MON", product_texts(products), encoder=partial)

    def no_terms(t: pd.Series) -> Embedding:
        return Embedding(tuple(t.index), embed_products(t).vectors)

    with pytest.raises(DataValidationError, match="different numbers of rows"):
        launch_backtest(frame, "W-MON", product_texts(products), encoder=no_terms)
