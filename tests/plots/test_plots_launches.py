"""The New products chart: forecast, bands and similar products' launches; names from a file are escaped."""

from __future__ import annotations

import pandas as pd

from forecasting.plots.launches import launch_figure


def test_launch_figure_draws_the_forecast_bands_and_neighbours_and_escapes_names():
    dates = pd.date_range("2026-01-05", periods=4, freq="W-MON")
    forecast = pd.DataFrame({"ds": dates, "yhat": [5.0, 4, 3, 2], "yhat_lo_80": [3.0, 2, 1, 0],
                             "yhat_hi_80": [7.0, 6, 5, 4], "yhat_lo_95": [1.0, 0, 0, 0], "yhat_hi_95": [9.0, 8, 7, 6]})
    neighbours = pd.DataFrame({"<b>Bold</b> lamp": [6.0, 5, 4, 3], "Desk lamp": [4.0, 3, 2, 1]})
    fig = launch_figure(forecast, neighbours, title="NEW-1 <i>launch</i>")
    names = [trace.name for trace in fig.data]
    assert names.count("similar products' launches") == 2 and "forecast" in names
    assert {"80% interval", "95% interval"} <= set(names)
    hover = {trace.hovertext for trace in fig.data if trace.name == "similar products' launches"}
    assert "&lt;b&gt;Bold&lt;/b&gt; lamp" in hover
    assert "<i>" not in fig.layout.title.text
    assert list(fig.data[-1].y) == [5.0, 4, 3, 2]
