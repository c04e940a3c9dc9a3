"""The Inventory and Alerts pages driven through AppTest on the sample with a trained ridge run."""

from __future__ import annotations

import pandas as pd
from apptest_support import BAD_CSV, chart_specs, start, texts, upload, with_run

INVENTORY = "pages/inventory.py"
ALERTS = "pages/alerts.py"


def open_page(run, page: str):
    at = start()
    with_run(at, run)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def recommendations(at) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if "safety_stock" in d.value.columns)


def test_inventory_shows_the_recommendation_and_reacts_to_the_service_level(sample_run):
    at = open_page(sample_run, INVENTORY)
    assert at.title[0].value == "Inventory" and not at.error
    table = recommendations(at)
    assert len(table) == 48
    assert list(table["stockout_risk"]) == sorted(table["stockout_risk"], reverse=True)
    labels = [b.proto.label for b in at.get("download_button")]
    assert "Recommendations (CSV)" in labels and "Projected stock per period (CSV)" in labels
    assert any(spec["layout"]["title"]["text"].endswith("projected stock") for spec in chart_specs(at))
    at.slider(key="inventory_service_level").set_value(0.99).run()
    assert not at.exception
    higher = recommendations(at)
    both = table.merge(higher, on="unique_id", suffixes=("", "_99"))
    assert (both["safety_stock_99"] > both["safety_stock"]).all()


def test_a_lead_time_what_if_changes_the_series_and_the_shared_products_table(sample_run):
    at = open_page(sample_run, INVENTORY)
    uid = at.selectbox(key="inventory_series").value
    before = recommendations(at).set_index("unique_id").loc[uid]
    lead_time = next(n for n in at.number_input if n.label == "Lead time (days)")
    lead_time.set_value(before["lead_time"] + 14).run()
    assert not at.exception
    after = recommendations(at).set_index("unique_id").loc[uid]
    assert after["lead_time"] == before["lead_time"] + 14
    assert after["reorder_point"] > before["reorder_point"]
    products = next(iter(at.session_state["products_table"].values()))["table"].set_index("unique_id")
    assert products.loc[uid, "lead_time"] == before["lead_time"] + 14


def test_the_replay_reports_the_cycle_service_level_per_category(sample_run):
    at = open_page(sample_run, INVENTORY)
    assert [b.label for b in at.button] == ["Replay the policy"]  # a year of windows needs a click
    at.number_input(key="inventory_sim_windows").set_value(4).run()  # the run's own windows: replayed at once
    assert not at.exception
    assert "Replayed" in texts(at) and "replenishment cycles ended without a lost sale" in texts(at)
    titles = [spec["layout"]["title"]["text"] for spec in chart_specs(at)]
    assert "Achieved cycle service level by category" in titles
    assert any(title.endswith("the policy replayed on history") for title in titles)


def test_a_products_upload_replaces_the_values_and_a_bad_one_says_why(sample_run):
    at = open_page(sample_run, INVENTORY)
    at.file_uploader(key="products_upload").upload("bad.csv", b"sku,unit_cost\nSKU-001,cheap\n", "text/csv").run()
    assert not at.exception
    assert any("has text where numbers are expected: 'cheap'" in e.value for e in at.error)
    good = b"sku,lead_time_days,stock_on_hand\nSKU-001,60,0\n"
    at.file_uploader(key="products_upload").upload("good.csv", good, "text/csv").run()
    assert not at.exception and not at.error
    row = recommendations(at).set_index("unique_id").loc["SKU-001"]
    assert row["lead_time"] == 60 and row["on_hand"] == 0 and row["order_qty"] > 0
    assert "47 series have no row in the products file" in texts(at)


def test_alerts_rank_by_money_and_link_a_series_to_explore(sample_run):
    at = open_page(sample_run, ALERTS)
    assert at.title[0].value == "Alerts" and not at.error
    table = next(d.value for d in at.dataframe if "revenue_at_stake" in d.value.columns)  # risks ahead
    assert list(table["revenue_at_stake"]) == sorted(table["revenue_at_stake"], reverse=True)
    assert "stockout_risk" in set(table["kind"]) and "anomaly" not in set(table["kind"])
    past = next(d.value for d in at.dataframe if "revenue_at_stake" not in d.value.columns)
    assert set(past["kind"]) == {"anomaly"}  # reported apart, without money at stake
    assert at.selectbox(key="alerts_series").value == table["unique_id"].iloc[0]
    assert any("sales, forecast and alerts" in spec["layout"]["title"]["text"] for spec in chart_specs(at))
    at.selectbox(key="alerts_series").set_value("SKU-018").run()
    assert "Stock-out risk" in texts(at)
    at.button(key="alerts_open_explore").click().run()
    assert not at.exception
    assert at.title[0].value == "Explore"
    assert at.radio(key="explore_level").value == "series"
    assert at.selectbox(key="explore_series_series").value == "SKU-018"


def test_alert_thresholds_change_what_is_flagged(sample_run):
    at = open_page(sample_run, ALERTS)
    before = int({m.label: m.value for m in at.metric}["Overstock"])
    assert before <= 1
    at.number_input(key="alerts_overstock").set_value(28).run()
    assert not at.exception
    assert int({m.label: m.value for m in at.metric}["Overstock"]) > before + 2


def test_both_pages_survive_a_bad_upload(sample_run):
    for page in (INVENTORY, ALERTS):
        at = start()
        with_run(at, sample_run)
        upload(at, "bad.csv", BAD_CSV)
        at.switch_page(page).run()
        assert not at.exception, at.exception
        assert at.title[0].value == page.split("/")[1].removesuffix(".py").capitalize()
