"""The review ranking (forecasting.analysis.review) and its figures (forecasting.plots.review)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from forecasting.analysis import review
from forecasting.analysis.adjustments import Adjustment, apply_adjustments, to_table
from forecasting.errors import ConfigError
from forecasting.plots import review as plots_review


@pytest.fixture(scope="module")
def table(sample_run, sample_frame):
    return review.review_table(sample_run, sample_frame[0])


def test_one_row_per_series_worst_first_with_priorities_summing_to_one(table, sample_run):
    assert sorted(table["unique_id"]) == sorted(sample_run.forecast["unique_id"].unique())
    assert list(table["rank"]) == list(range(1, len(table) + 1))
    assert table["priority"].is_monotonic_decreasing
    assert table["priority"].sum() == pytest.approx(1.0)


def test_priority_is_each_series_share_of_the_units_missed_in_the_backtest(table, sample_run):
    predictions = sample_run.backtest.predictions
    missed = (predictions["y"] - predictions[sample_run.name]).abs().groupby(predictions["unique_id"]).sum()
    expected = (missed / missed.sum()).rename("priority")
    got = table.set_index("unique_id")["priority"]
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False, check_index_type=False)


def test_bias_and_direction_follow_the_latest_backtest_windows_totals(table, sample_run):
    predictions = sample_run.backtest.predictions
    latest = predictions[predictions["cutoff"] == predictions["cutoff"].max()]
    sums = latest.groupby("unique_id")[["y", sample_run.name]].sum()
    bias = (sums[sample_run.name] - sums["y"]) / sums["y"]
    got = table.set_index("unique_id")
    np.testing.assert_allclose(got.loc[bias.index, "bias"], bias)
    assert (got.loc[bias[bias > 0.05].index, "direction"] == "over").all()
    assert (got.loc[bias[bias < -0.05].index, "direction"] == "under").all()


def test_recent_units_cover_as_many_periods_as_the_forecast(table, sample_frame, sample_run):
    frame = sample_frame[0]
    uid = table["unique_id"].iloc[0]
    horizon = sample_run.spec.horizon
    expected = frame.loc[frame["unique_id"].eq(uid)].sort_values("ds")["y"].tail(horizon).sum()
    row = table.set_index("unique_id").loc[uid]
    assert row["recent_units"] == pytest.approx(expected)
    model = sample_run.forecast.loc[sample_run.forecast["unique_id"].eq(uid), "yhat"].sum()
    assert row["forecast_units"] == pytest.approx(model)
    assert row["forecast_vs_recent"] == pytest.approx(model / expected - 1)
    assert "category" in table.columns and "recent_revenue" in table.columns


def test_adjusted_forecast_units_show_in_the_table(sample_run, sample_frame):
    uid = sample_run.forecast["unique_id"].iloc[0]
    dates = sample_run.forecast["ds"]
    planned = apply_adjustments(sample_run.forecast, to_table(
        [Adjustment(uid, dates.min(), dates.max(), "percent", 10, "launch")]))
    row = review.review_table(sample_run, sample_frame[0], planned).set_index("unique_id").loc[uid]
    model = sample_run.forecast.loc[sample_run.forecast["unique_id"].eq(uid), "yhat"].sum()
    assert row["forecast_units"] == pytest.approx(1.1 * model)
    assert row["adjusted_units"] == pytest.approx(0.1 * model)


def fake_run(series: dict[str, tuple[float, float]], prices: dict[str, float] | None = None):
    """A run whose backtest has one 2-period window per series: (actual per period, forecast per period)."""
    days = pd.date_range("2025-01-01", periods=2)
    predictions = pd.concat([pd.DataFrame({"unique_id": uid, "ds": days, "cutoff": pd.Timestamp("2024-12-31"),
                                           "y": actual, "m": forecast}) for uid, (actual, forecast) in series.items()],
                            ignore_index=True)
    error = predictions["m"] - predictions["y"]
    per_series = (predictions.assign(abs_error=error.abs(), error=error)
                  .groupby("unique_id", as_index=False)
                  .agg(sum_y=("y", "sum"), sum_abs_error=("abs_error", "sum"), sum_error=("error", "sum")))
    per_series = per_series.assign(model="m", mase=1.0)
    future = pd.concat([pd.DataFrame({"unique_id": uid, "ds": days + pd.Timedelta(days=2), "yhat": forecast})
                        for uid, (_, forecast) in series.items()], ignore_index=True)
    history = predictions[["unique_id", "ds", "y"]]
    if prices:
        history = history.assign(price=history["unique_id"].map(prices))
    run = SimpleNamespace(name="m", forecast=future, backtest=SimpleNamespace(per_series=per_series,
                                                                              predictions=predictions))
    return run, history


def test_a_big_seller_missed_by_a_little_outranks_a_small_one_missed_by_a_lot():
    # big: WAPE 20% of 1000 a day = 400 units missed; small: WAPE 80% of 50 a day = 80 units missed
    run, history = fake_run({"big": (1000, 800), "small": (50, 90)})
    table = review.review_table(run, history)
    assert list(table["unique_id"]) == ["big", "small"]
    assert table.set_index("unique_id")["wape"].to_dict() == pytest.approx({"big": 0.2, "small": 0.8})
    by_wape = review.rank_series(table, "wape")
    assert list(by_wape["unique_id"]) == ["small", "big"]


def test_revenue_priority_weighs_missed_units_by_price():
    run, history = fake_run({"cheap": (100, 60), "dear": (100, 90)}, prices={"cheap": 1.0, "dear": 10.0})
    by_units = review.review_table(run, history)
    by_revenue = review.review_table(run, history, basis="revenue")
    assert by_units["unique_id"].iloc[0] == "cheap" and by_revenue["unique_id"].iloc[0] == "dear"
    # cheap misses 80 units x 1, dear misses 20 units x 10
    assert by_revenue.set_index("unique_id")["missed"].to_dict() == pytest.approx({"cheap": 80.0, "dear": 200.0})


def test_revenue_priority_without_prices_says_what_to_do():
    run, history = fake_run({"a": (10, 8)})
    with pytest.raises(ConfigError, match="needs a price column; rank by units or map a price column"):
        review.review_table(run, history, basis="revenue")


def test_rank_series_sorts_bias_by_size_and_filters_categories(table):
    by_bias = review.rank_series(table, "bias")
    assert by_bias["bias"].abs().is_monotonic_decreasing
    some = sorted(table["category"].unique())[:2]
    filtered = review.rank_series(table, "priority", categories=some)
    assert set(filtered["category"]) == set(some)
    assert len(filtered) == table["category"].isin(some).sum()
    with pytest.raises(ConfigError, match="cannot sort the review by 'colour'"):
        review.rank_series(table, "colour")


# Figures ------------------------------------------------------------------------------------------------------------


def test_priority_figure_shows_the_top_series_first(table):
    figure = plots_review.priority_figure(table, top=10)
    shown = [uid for trace in figure.data for uid in trace.y]
    assert sorted(shown) == sorted(table["unique_id"].head(10))
    assert list(figure.layout.yaxis.categoryarray)[-1] == table["unique_id"].iloc[0]  # the top bar


def test_adjusted_forecast_figure_draws_both_forecasts_and_shades_each_adjusted_block(sample_run, sample_frame):
    forecast = sample_run.forecast
    uid = forecast["unique_id"].iloc[0]
    dates = sorted(forecast["ds"].unique())
    plain = plots_review.adjusted_forecast_figure(sample_frame[0], apply_adjustments(forecast, None), uid)
    assert "adjusted forecast" not in [trace.name for trace in plain.data]
    table = to_table([Adjustment(uid, dates[0], dates[2], "percent", 50, "a"),
                      Adjustment(uid, dates[10], dates[12], "absolute", 3, "b")])
    planned = apply_adjustments(forecast, table)
    figure = plots_review.adjusted_forecast_figure(sample_frame[0], planned, uid,
                                                   backtest=sample_run.backtest.predictions, model=sample_run.name)
    traces = {trace.name: trace for trace in figure.data}
    assert {"actual sales", "model in backtest", "model forecast", "adjusted forecast", "80% interval"} <= set(traces)
    mine = planned.loc[planned["unique_id"].eq(uid)].sort_values("ds")
    np.testing.assert_allclose(traces["adjusted forecast"].y, mine["yhat"])
    np.testing.assert_allclose(traces["model forecast"].y, mine["yhat_model"])
    assert len(figure.layout.shapes) == 2


def test_review_and_alerts_report_the_same_bias(table, sample_run):
    """One definition, one window: a series Alerts flags for bias shows that same bias on Review."""
    from forecasting.recommend.alerts import AlertSettings, bias_drift

    flagged = bias_drift(sample_run, pd.Series(dtype=float), AlertSettings(bias_t=1e-9, bias_share=1e-9))
    assert len(flagged)
    shown = table.set_index("unique_id")["bias"]
    for row in flagged.itertuples():
        said = float(row.message.split("ran ")[1].split("%")[0]) / 100
        sign = 1 if " above " in row.message else -1
        assert sign * said == pytest.approx(shown[row.unique_id], abs=0.005)


def test_a_past_spike_does_not_flatten_the_adjusted_forecast(sample_run, sample_frame):
    forecast = sample_run.forecast
    uid = forecast["unique_id"].iloc[0]
    history = sample_frame[0]
    history = history[history["unique_id"] == uid].copy()
    spike_at = history.index[-40]
    history.loc[spike_at, "y"] = 100 * history["y"].max()  # one data-entry error or a one-off bulk order
    dates = sorted(forecast["ds"].unique())
    planned = apply_adjustments(forecast, to_table([Adjustment(uid, dates[0], dates[3], "percent", 30, "a")]))
    mine = planned[planned["unique_id"] == uid]

    fit = plots_review.adjusted_forecast_figure(history, planned, uid)
    top = fit.layout.yaxis.range[1]
    assert mine["yhat"].max() < top < history.loc[spike_at, "y"] / 10  # the adjustment fills the chart
    assert any("off the chart" in note.text for note in fit.layout.annotations)
    everything = plots_review.adjusted_forecast_figure(history, planned, uid, scale="all")
    assert everything.layout.yaxis.range is None
    assert plots_review.adjusted_forecast_figure(history, planned, uid, scale="log").layout.yaxis.type == "log"
    calm = plots_review.adjusted_forecast_figure(sample_frame[0], planned, uid)  # no spike: nothing is cut
    assert calm.layout.yaxis.range is None
