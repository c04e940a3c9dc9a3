"""Each figure builder returns a plotly Figure with the expected traces for a small input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from forecasting.analysis import explore
from forecasting.plots import explore as plots


def long(values: dict[str, list[float]], freq: str = "D", **columns) -> pd.DataFrame:
    parts = []
    for uid, ys in values.items():
        part = pd.DataFrame({"unique_id": uid, "ds": pd.date_range("2024-01-01", periods=len(ys), freq=freq),
                             "y": np.asarray(ys, dtype="float64")})
        for name, per_series in columns.items():
            part[name] = per_series[uid]
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def names(fig: go.Figure) -> list[str | None]:
    return [trace.name for trace in fig.data]


def test_history_draws_one_line_per_series():
    fig = plots.history_figure(long({"a": [1, 2, 3], "b": [3, 2, 1]}), title="Sales")
    assert isinstance(fig, go.Figure)
    assert names(fig) == ["a", "b"] and {t.type for t in fig.data} == {"scatter"}
    assert list(fig.data[1].y) == [3, 2, 1]
    assert fig.layout.title.text == "Sales" and fig.layout.showlegend is True
    assert plots.history_figure(long({"a": [1.0]})).layout.showlegend is False


def test_cleaning_figure_marks_each_kind_of_change_of_the_chosen_series():
    before = long({"a": [5, 50, 0, 6], "b": [1, 1, 1, 1]})
    after = long({"a": [5, 12, 5.5, 6], "b": [1, 1, 1, 1]})
    days = pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-03", "2024-01-02"])
    changes = pd.DataFrame({"unique_id": ["a", "a", "a", "b"], "ds": days, "column": ["y", "y", "y", "y"],
                            "action": ["outlier_clipped", "stockout_unknown", "missing_interpolate", "gap_zero"],
                            "before": [50.0, 0.0, np.nan, np.nan], "after": [12.0, np.nan, 5.5, 0.0]})
    fig = plots.cleaning_figure(before, after, changes, "a")
    assert names(fig) == ["as loaded", "cleaned", "unknown value filled (1)", "outlier (1)",
                          "stock-out: unknown demand (1)"]
    assert list(fig.data[0].y) == [5, 50, 0, 6] and list(fig.data[1].y) == [5, 12, 5.5, 6]
    assert list(fig.data[3].y) == [12.0]  # clipped: drawn where the value went
    assert list(fig.data[4].y) == [0.0]  # emptied: drawn where it was
    assert fig.data[2].mode == "markers"


def test_decomposition_figure_has_four_panels():
    result = explore.decompose(long({"a": np.tile([1.0, 2, 3, 4, 5, 6, 7], 4).tolist()}), "D")
    fig = plots.decomposition_figure(result)
    assert names(fig) == ["observed", "trend", "season (7)", "remainder"]
    assert [t.yaxis for t in fig.data] == ["y", "y2", "y3", "y4"]
    assert len(fig.data[0].x) == 28


def test_profile_figure_draws_the_index_as_bars():
    profile = explore.weekday_profile(long({"a": [1.0, 1, 1, 1, 1, 2, 2] * 2}), "D")
    fig = plots.profile_figure(profile, title="Weekday profile")
    assert [t.type for t in fig.data] == ["bar"]
    assert list(fig.data[0].x) == ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert fig.data[0].y[-1] == pytest.approx(2 / (9 / 7))


def test_price_response_figure_splits_promotion_points_and_adds_the_fit():
    prices = np.array([8.0, 9.0, 10.0, 11.0, 12.0] * 3)
    promo = (prices == 8.0).astype(float)
    response = explore.price_response(long({"a": (1000 * prices**-2.0).tolist()}, price={"a": prices},
                                           promo={"a": promo}))
    fig = plots.price_response_figure(response)
    assert names(fig) == ["regular", "promotion", "fit: slope -2.00"]
    assert len(fig.data[0].x) == 12 and len(fig.data[1].x) == 3
    assert fig.layout.xaxis.type == "log" and fig.layout.yaxis.type == "log"
    assert fig.data[2].y[0] == pytest.approx(1000 * 8.0**-2)
    small = plots.price_response_figure(response, max_points=5)
    assert sum(len(t.x) for t in small.data[:-1]) == 5


def test_promo_figure_shows_both_means_and_the_uplift():
    promo = [0.0, 1.0, 0.0, 1.0]
    fig = plots.promo_figure(explore.promo_comparison(long({"a": [10.0, 15.0, 10.0, 15.0]}, promo={"a": promo})))
    assert [t.type for t in fig.data] == ["bar"]
    assert list(fig.data[0].x) == ["regular", "promotion"] and list(fig.data[0].y) == [10.0, 15.0]
    assert "+50%" in fig.layout.title.text


def test_abc_xyz_and_intermittency_figures():
    table = explore.abc_xyz(long({"smooth": [10.0, 11.0] * 6, "intermittent": [0.0, 0.0, 5.0] * 4,
                                  "never": [0.0] * 12}))
    heat = plots.abc_xyz_figure(explore.class_matrix(table))
    assert [t.type for t in heat.data] == ["heatmap"]
    assert np.asarray(heat.data[0].z).sum() == 3
    scatter = plots.intermittency_figure(table)
    assert names(scatter) == ["smooth (1)", "intermittent (1)"]  # "no demand" has no ADI to draw
    assert len(scatter.layout.shapes) == 2  # the two cut-off lines
