"""The Alerts page's chart names each alert kind in words, not by its code."""

from __future__ import annotations

import pandas as pd

from forecasting.plots.inventory import alert_series_figure


def test_alert_markers_are_named_in_words():
    days = pd.date_range("2025-01-06", periods=10, freq="W-MON")
    history = pd.DataFrame({"unique_id": "A", "ds": days, "y": range(10)})
    forecast = pd.DataFrame({"unique_id": "A", "ds": pd.date_range(days[-1] + pd.Timedelta(weeks=1), periods=4,
                                                                   freq="W-MON"), "yhat": 5.0})
    alerts = pd.DataFrame({"unique_id": "A", "kind": ["bias_drift", "stockout_risk"], "ds": [days[-1], days[-1]],
                           "message": ["ran low", "runs out"]})
    names = {trace.name for trace in alert_series_figure(history, forecast, alerts, "A").data}
    assert {"forecast bias", "stock-out risk"} <= names
    assert not any("_" in name for name in names)
