"""The Review page driven through AppTest: ranking, adding, deleting, exporting and importing adjustments."""

from __future__ import annotations

import base64

import numpy as np
import pandas as pd
import pytest
import streamlit
from apptest_support import BAD_CSV, BAD_MESSAGE, chart_specs, start, texts, upload, with_run

from forecasting.analysis.adjustments import (
    Adjustment,
    adjustments_to_csv,
    apply_adjustments,
    read_adjustments,
    to_table,
)

PAGE = "pages/review.py"


@pytest.fixture
def exports(monkeypatch):
    """What the page hands to ``st.download_button`` (AppTest cannot fetch a download), by label."""
    captured: dict[str, bytes] = {}
    original = streamlit.download_button

    def recording(label, data, *args, **kwargs):
        captured[label] = data
        return original(label, data, *args, **kwargs)

    monkeypatch.setattr(streamlit, "download_button", recording)
    return captured


def review_page(run):
    at = start(PAGE)
    with_run(at, run).run()
    assert not at.exception, at.exception
    return at


def stored(at) -> pd.DataFrame | None:
    """The adjustments the session keeps for the loaded data: what ``ui.state.planning_forecast`` applies."""
    return at.session_state["review_adjustments"].get(at.session_state["data_loaded"].key)


def metric(at, label: str) -> float:
    return float(next(m.value for m in at.metric if m.label == label).replace(",", ""))


def add(at, value: float, reason: str, *, kind: str = "percent", level: str = "series"):
    at.radio(key="review_level").set_value(level)
    at.radio(key="review_kind").set_value(kind)
    at.number_input(key="review_value").set_value(value)
    at.text_input(key="review_reason").input(reason)
    next(b for b in at.button if b.label == "Add adjustment").click().run()
    assert not at.exception, at.exception
    return at


def values(array) -> np.ndarray:
    """A trace's numbers from the chart spec (plotly sends numpy arrays base64-encoded)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"])
    return np.asarray(array, dtype=float)


def series_chart(at) -> dict:
    return next(spec for spec in chart_specs(at) if ": forecast" in spec["layout"]["title"]["text"])


def test_without_a_run_the_page_says_to_train_first():
    at = start(PAGE)
    assert "Train a model first" in texts(at)
    assert not at.get("plotly_chart")


def test_a_bad_upload_on_the_data_page_leaves_the_review_page_working(sample_run):
    at = review_page(sample_run)
    upload(at, "bad.csv", BAD_CSV)
    assert [e.value for e in at.error if BAD_MESSAGE in e.value]
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Review"


def test_the_ranking_comes_first_and_the_worst_series_is_picked(sample_run):
    at = review_page(sample_run)
    ranking = at.dataframe[0].value
    assert ranking["priority"].is_monotonic_decreasing and ranking["rank"].iloc[0] == 1
    worst = ranking["unique_id"].iloc[0]
    assert at.selectbox(key="review_series").value == worst
    assert "Priority = the series' share of all units the model missed" in texts(at)
    assert metric(at, f"{worst}: model forecast") == metric(at, f"{worst}: adjusted")
    assert series_chart(at)["layout"]["title"]["text"] == f"{worst}: forecast"
    # a category filter keeps only its series, and the pick follows the filter
    category = sorted(ranking["category"].unique())[0]
    at.multiselect(key="review_categories").set_value([category]).run()
    filtered = at.dataframe[0].value
    assert set(filtered["category"]) == {category}
    assert at.selectbox(key="review_series").value == filtered["unique_id"].iloc[0]


def test_adding_an_adjustment_changes_totals_chart_and_the_planning_forecast(sample_run):
    at = review_page(sample_run)
    worst = at.selectbox(key="review_series").value
    model_total = metric(at, "All series: model forecast")
    add(at, 50, "TV campaign")
    assert [e.value for e in at.error] == []
    table = stored(at)
    assert len(table) == 1 and table.loc[0, "unique_id"] == worst and table.loc[0, "reason"] == "TV campaign"
    series_model = sample_run.forecast.loc[sample_run.forecast["unique_id"].eq(worst), "yhat"].sum()
    assert metric(at, f"{worst}: adjusted") == pytest.approx(1.5 * series_model, abs=1)
    assert metric(at, "All series: adjusted") == pytest.approx(model_total + 0.5 * series_model, abs=1)
    traces = {trace.get("name"): trace for trace in series_chart(at)["data"]}
    assert values(traces["adjusted forecast"]["y"]).sum() == pytest.approx(1.5 * series_model)
    assert values(traces["model forecast"]["y"]).sum() == pytest.approx(series_model)
    planning = apply_adjustments(sample_run.forecast, table)  # what ui.state.planning_forecast returns
    assert planning.loc[planning["unique_id"].eq(worst), "adjustment"].sum() == pytest.approx(0.5 * series_model)
    assert (planning.loc[planning["unique_id"].ne(worst), "adjustment"] == 0).all()
    assert "Added: " in texts(at)


def test_a_category_adjustment_applies_to_its_series(sample_run, sample_frame):
    at = review_page(sample_run)
    worst = at.selectbox(key="review_series").value
    category = sample_frame[0].groupby("unique_id")["category"].first()[worst]
    add(at, 20, "category push", kind="absolute", level="category")
    table = stored(at)
    assert table.loc[0, "level"] == "category" and table.loc[0, "unique_id"] == category
    change = metric(at, "All series: adjusted") - metric(at, "All series: model forecast")
    assert change == pytest.approx(20 * sample_run.spec.horizon, abs=1)  # 20 units a day over the horizon


def test_an_invalid_adjustment_shows_one_error_and_keeps_the_input(sample_run):
    at = review_page(sample_run)
    add(at, -150, "clearance")
    assert len(at.error) == 1 and "-150 would make the forecast negative" in at.error[0].value
    assert at.number_input(key="review_value").value == -150
    assert at.text_input(key="review_reason").value == "clearance"
    assert stored(at) is None
    add(at, 10, "")
    assert len(at.error) == 1 and "the reason is empty" in at.error[0].value


def test_deleting_an_adjustment_restores_the_model_totals(sample_run):
    at = review_page(sample_run)
    add(at, 30, "first")
    add(at, -10, "second", kind="absolute")
    assert list(stored(at)["reason"]) == ["first", "second"]
    at.multiselect(key="review_delete").set_value([0])
    at.button(key="review_delete_button").click().run()
    assert list(stored(at)["reason"]) == ["second"]
    at.multiselect(key="review_delete").set_value([0])
    at.button(key="review_delete_button").click().run()
    assert stored(at).empty
    assert metric(at, "All series: adjusted") == metric(at, "All series: model forecast")


def test_export_round_trips_through_import(sample_run, exports):
    at = review_page(sample_run)
    add(at, 25, "spring, wave 1")
    add(at, 4, 'display "end cap"', kind="absolute")
    exported = exports["Export adjustments (CSV)"]
    pd.testing.assert_frame_equal(read_adjustments(exported), stored(at))
    fresh = review_page(sample_run)
    fresh.radio(key="review_import_mode").set_value("replace")
    fresh.file_uploader(key="review_import").upload("adjustments.csv", exported, "text/csv").run()
    assert not fresh.exception, fresh.exception
    pd.testing.assert_frame_equal(stored(fresh), stored(at))
    assert metric(fresh, "All series: adjusted") == metric(at, "All series: adjusted")
    assert "Imported 2 adjustment(s) from adjustments.csv" in texts(fresh)


def test_a_bad_import_shows_one_error_and_keeps_the_adjustments(sample_run):
    at = review_page(sample_run)
    add(at, 15, "kept")
    before = stored(at).copy()
    missing_reason = b"unique_id,start,end,kind,value\nSKU-001,2026-01-01,2026-01-03,percent,10\n"
    at.file_uploader(key="review_import").upload("mine.csv", missing_reason, "text/csv").run()
    assert not at.exception, at.exception
    assert len(at.error) == 1
    assert "mine.csv has no 'reason' column" in at.error[0].value and "unchanged" in at.error[0].value
    pd.testing.assert_frame_equal(stored(at), before)
    at.selectbox(key="review_sort_by").set_value("wape").run()  # the message stays while the file is in the box
    assert len(at.error) == 1 and "no 'reason' column" in at.error[0].value


def test_an_import_naming_an_unknown_series_changes_nothing(sample_run):
    at = review_page(sample_run)
    dates = sample_run.forecast["ds"]
    unknown = adjustments_to_csv(to_table([Adjustment("SKU-999", dates.min(), dates.max(), "percent", 5, "x")]))
    at.file_uploader(key="review_import").upload("other.csv", unknown, "text/csv").run()
    assert len(at.error) == 1 and "series 'SKU-999' is not in the forecast" in at.error[0].value
    assert stored(at) is None
