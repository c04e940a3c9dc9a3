"""What the Forecast page shows and hands out: level views, error by step, downloads and the HTML report."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from forecasting.analysis.diagnostics import error_by_step
from forecasting.analysis.hierarchy import level_view
from forecasting.data.export import excel_bytes, with_id_columns
from forecasting.data.measure import Measure
from forecasting.evaluation.plans import describe_plan
from forecasting.evaluation.training import compare_runs
from forecasting.plots import forecast as plots
from forecasting.plots.report import ReportContent, stakeholder_report
from forecasting.schema import ColumnMapping


@pytest.fixture(scope="module")
def run(sample_run):
    return sample_run


def test_a_category_sums_its_series_and_gets_its_own_narrower_bands(run, sample_frame):
    frame, _ = sample_frame
    category = frame["category"].iloc[0]
    ids = frame.loc[frame["category"] == category, "unique_id"].unique()
    view = level_view(run, frame, "category", category)
    members = run.forecast[run.forecast["unique_id"].isin(ids)]
    summed = members.groupby("ds")["yhat"].sum().to_numpy()
    np.testing.assert_allclose(view.forecast["yhat"].to_numpy(), summed)
    assert (view.forecast["yhat_lo_95"] <= view.forecast["yhat"]).all()
    assert (view.forecast["yhat"] <= view.forecast["yhat_hi_95"]).all()
    band = (view.forecast["yhat_hi_95"] - view.forecast["yhat_lo_95"]).mean()
    summed_bands = (members["yhat_hi_95"] - members["yhat_lo_95"]).groupby(members["ds"]).sum().mean()
    assert band < summed_bands  # errors of the members partly cancel
    actual = frame[frame["unique_id"].isin(ids)].groupby("ds")["y"].sum()
    folds = view.folds.set_index("ds")["y"]
    np.testing.assert_allclose(folds.to_numpy(), actual.reindex(folds.index).to_numpy())


def test_a_single_series_keeps_its_own_forecast_and_adjustments_show_next_to_it(run, sample_frame):
    frame, _ = sample_frame
    uid = run.forecast["unique_id"].iloc[0]
    adjusted = run.forecast.assign(yhat_model=run.forecast["yhat"], yhat=run.forecast["yhat"] * 1.1)
    view = level_view(run, frame, "series", uid, adjusted)
    mine = adjusted[adjusted["unique_id"] == uid]
    np.testing.assert_allclose(view.forecast["yhat"], mine["yhat"])
    names = [trace.name for trace in plots.forecast_figure(view, title="x").data]
    assert "adjusted forecast" in names and "model forecast" in names


def test_error_by_step_is_the_pooled_wape_of_each_step(run):
    table = error_by_step(run.backtest.predictions, [run.name, "seasonal_naive"])
    assert sorted(table["step"].unique()) == list(range(1, run.spec.horizon + 1))
    first = run.backtest.predictions.sort_values("ds").groupby(["unique_id", "cutoff"]).head(1)
    expected = (first[run.name] - first["y"]).abs().sum() / first["y"].sum()
    got = table[(table["model"] == run.name) & (table["step"] == 1)]["wape"].iloc[0]
    assert got == pytest.approx(expected)


def test_downloads_round_trip_through_excel_and_split_composite_ids(run):
    table = run.forecast.assign(unique_id=run.forecast["unique_id"] + " / North")
    split = with_id_columns(table, ColumnMapping(date="date", target="units", ids=["sku", "region"]))
    assert set(split["region"]) == {"North"} and split["sku"].iloc[0] == run.forecast["unique_id"].iloc[0]
    back = pd.read_excel(io.BytesIO(excel_bytes({"forecast": split, "a" * 40: compare_runs([run])})), sheet_name=None)
    assert list(back) == ["forecast", "a" * 31]
    np.testing.assert_allclose(back["forecast"]["yhat"], split["yhat"])


def test_the_report_is_small_self_contained_and_written_for_stakeholders(run, sample_frame):
    frame, freq = sample_frame
    view = level_view(run, frame, "total", "Total")
    categories = frame.drop_duplicates("unique_id").set_index("unique_id")["category"]
    by_category = run.forecast.assign(category=run.forecast["unique_id"].map(categories)).groupby(
        "category", as_index=False)["yhat"].sum()
    content = ReportContent(
        title="Demand <forecast>", measure=Measure("money", "$"), model=run.name, period_name="day",
        history=view.history.tail(60), total=view.forecast, leaderboard=compare_runs([run]), gain=0.268,
        windows="2 windows of 28 days", by_category=by_category, plan=describe_plan(run.plan, frame, freq),
        adjustments=["SKU-001 +10%, 2026-01-01 to 2026-01-07: TV campaign"], quality=["3 duplicate rows"],
        notes=["a & b"])
    text = stakeholder_report(content)
    assert len(text.encode()) < 1_500_000 and "<script" not in text  # nothing to run or fetch: opens offline
    total = view.forecast["yhat"].sum()
    first = view.forecast["ds"].min()
    assert f"${total:,.0f} in total" in text and "27% more accurate than repeating last season" in text
    assert f"{first:%d %b %Y}" in text and "00:00:00" not in text  # dates without times
    assert text.count("<svg") == 2  # the total over time and the categories
    assert "Demand &lt;forecast&gt;" in text and "a &amp; b" in text and "TV campaign" in text
    assert "Prices: each series&#x27; regular price" in text and "repeating last season</td>" in text
    assert "yhat" not in text and "mase_gain" not in text  # no internal codes


def test_event_periods_in_the_backtest_do_not_widen_ordinary_days_bands(run, sample_frame, monkeypatch):
    from forecasting.analysis import hierarchy as levels

    days = pd.Series(pd.to_datetime(["2025-11-11", "2025-11-20", "2025-12-20"]))
    assert levels._has_event(days, "D").tolist() == [True, False, True]  # 11.11; nothing; before Christmas
    weeks = pd.Series(pd.to_datetime(["2025-11-17", "2025-11-24"]))
    assert levels._has_event(weeks, "W-MON").tolist() == [False, True]  # Black Friday is 2025-11-28
    frame, _ = sample_frame
    calm = level_view(run, frame, "total", "Total").forecast
    monkeypatch.setattr(levels, "MIN_ORDINARY_RESIDUALS", 10**9)  # calibrate every period on all errors
    pooled = level_view(run, frame, "total", "Total").forecast
    ordinary = ~levels._has_event(calm["ds"], "D").to_numpy()
    width = (calm["yhat_hi_95"] - calm["yhat_lo_95"])[ordinary].mean()
    assert width < (pooled["yhat_hi_95"] - pooled["yhat_lo_95"])[ordinary].mean()


def test_a_single_id_column_keeps_ids_that_contain_the_separator(run):
    table = run.forecast.head(3).assign(unique_id="Shirt / Blue")
    split = with_id_columns(table, ColumnMapping(date="date", target="units", ids=["product"]))
    assert split["product"].tolist() == ["Shirt / Blue"] * 3
