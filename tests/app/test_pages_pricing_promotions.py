"""The Pricing and Promotions pages driven through Streamlit's AppTest, on the sample with a trained ridge run.

Each test starts a session on the bundled sample, puts a trained run into it
(as the Train page does), opens a page and acts as a user would: moves the
price bounds, changes a promotion's discount, ranks windows, uploads a bad or
price-less file. Numbers shown come from the library, so the tests check that
the page shows them and that they move the right way.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from apptest_support import BAD_CSV, BAD_MESSAGE, chart_specs, open_tab, start, texts, upload, with_run

from forecasting.evaluation.training import TrainingSpec, train

PRICING, PROMOTIONS = "pages/pricing.py", "pages/promotions.py"


def metric(at, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def shown_table(at, column: str) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if column in d.value.columns)


def open_page(page: str, *runs, **session):
    at = start(page=page, **session)
    with_run(at, *runs).run()
    assert not at.exception, at.exception
    return at


def test_pricing_shows_recommendations_and_the_bounds_move_them(sample_run):
    at = open_page(PRICING, sample_run)
    assert [e.value for e in at.error] == []
    assert len(chart_specs(at)) == 1  # profit changes; the other tabs run when opened
    assert len(chart_specs(open_tab(at, "pricing_tab", "Elasticities"))) == 1
    open_tab(at, "pricing_tab", "Recommendations")
    before = shown_table(at, "recommended_price")
    assert len(before) == 48 and before["price_change_pct"].abs().max() > 5
    assert "Profit, next 28 days" in [m.label for m in at.metric]
    at.slider(key="pricing_down").set_value(3)
    at.slider(key="pricing_up").set_value(2).run()
    assert not at.exception and not at.error
    after = shown_table(at, "recommended_price")
    assert after["price_change_pct"].between(-3.05, 2.05).all()
    assert (after["recommended_price"] != before["recommended_price"]).any()
    open_tab(at, "pricing_tab", "One product")
    curve = next(spec for spec in chart_specs(at) if "price response" in spec["layout"]["title"]["text"])
    names = {trace.get("name") for trace in curve["data"]}
    assert {"from the price history (elasticity)", "the trained model's what-if"} <= names


def test_promotions_what_if_follows_the_discount_and_ranks_windows(sample_run):
    # Dates kept from an older run fall outside this horizon: the page must fall back to its own.
    at = open_page(PROMOTIONS, sample_run, promotions_dates=(dt.date(2020, 1, 1), dt.date(2020, 1, 7)))
    assert [e.value for e in at.error] == [] and [w.value for w in at.warning] == []
    units_at_20 = float(metric(at, "Extra units").replace(",", ""))
    assert units_at_20 > 0
    at.slider(key="promotions_discount").set_value(40).run()
    assert not at.exception and not at.error
    assert float(metric(at, "Extra units").replace(",", "")) > units_at_20  # deeper discount, more units
    assert "Past promotions" in [m.label for m in open_tab(at, "promotions_tab", "Past promotions").metric]
    open_tab(at, "promotions_tab", "Best windows")
    at.button(key="promotions_rank").click().run()
    assert not at.exception and not at.error
    ranked = shown_table(at, "rank")
    assert list(ranked["rank"]) == list(range(1, 11))
    assert ranked["incremental_profit"].is_monotonic_decreasing
    assert any(spec["layout"]["title"]["text"] == "Best promotion windows" for spec in chart_specs(at))


@pytest.fixture(scope="module")
def naive_run(sample_frame):
    frame, freq = sample_frame
    return train(TrainingSpec("seasonal_naive", horizon=28, folds=1), frame, freq)


def test_a_model_that_ignores_drivers_is_refused_with_the_reason(naive_run):
    at = open_page(PROMOTIONS, naive_run)
    assert not at.error
    assert any("ignores the drivers" in w.value for w in at.warning)
    open_tab(at, "promotions_tab", "Past promotions")
    assert "Past promotions" in [m.label for m in at.metric]  # history-based tab still works
    at.switch_page(PRICING).run()
    assert not at.exception and not at.error
    assert any("ignores price" in w.value for w in at.warning)
    assert len(shown_table(at, "recommended_price")) == 48  # recommendations from the elasticities still shown


@pytest.mark.parametrize("page", [PRICING, PROMOTIONS])
def test_the_pages_survive_a_bad_upload(page, naive_run):
    at = upload(start(), "sales.csv", BAD_CSV)
    assert BAD_MESSAGE in at.error[0].value
    with_run(at, naive_run)
    at.switch_page(page).run()
    assert not at.exception
    assert not at.error


def test_data_without_price_or_promotion_says_what_to_map():
    days = pd.date_range("2025-01-01", periods=120)
    rows = [(d.date().isoformat(), sku, int(10 + 3 * np.sin(i))) for sku in ("A", "B") for i, d in enumerate(days)]
    csv = "date,sku,units\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n"
    at = upload(start(), "plain.csv", csv.encode())
    assert not at.exception and not at.error
    loaded = at.session_state["data_loaded"]
    run = train(TrainingSpec("seasonal_naive", horizon=14, folds=1), loaded.result.frame, loaded.dataset.freq)
    with_run(at, run)
    at.switch_page(PRICING).run()
    assert not at.exception and "no price column" in texts(at)
    at.switch_page(PROMOTIONS).run()
    assert not at.exception and "neither a price nor a promotion column" in texts(at)
