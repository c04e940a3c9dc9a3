"""Charts of the Forecast page: forecast over history with its bands, error by step ahead, feature importance."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ..schema import DS, LEVELS, Y
from .style import COLOURS, figure, rgba

if TYPE_CHECKING:
    from ..analysis.hierarchy import LevelView


def forecast_figure(view: LevelView, *, title: str, history_periods: int | None = None,
                    levels: tuple[int, ...] = LEVELS, y_label: str = "units") -> go.Figure:
    """History, the backtest windows' forecasts over it, and the future forecast with its bands.

    ``history_periods`` trims the history to the last periods so the future is readable.
    """
    fig = figure(title, xaxis_title=None, yaxis_title=y_label, legend_title_text=None)
    history = view.history if history_periods is None else view.history.tail(history_periods)
    fig.add_trace(go.Scatter(x=history[DS], y=history[Y], mode="lines", name="actual",
                             line={"color": COLOURS["actual"], "width": 1.5}))
    for index, (cutoff, fold) in enumerate(view.folds.groupby("cutoff", sort=True)):
        fig.add_trace(go.Scatter(x=fold[DS], y=fold["yhat"], mode="lines", name="backtest forecast",
                                 legendgroup="backtest", showlegend=index == 0,
                                 line={"color": COLOURS["backtest"], "dash": "dot"},
                                 hovertemplate=f"forecast made {pd.Timestamp(cutoff):%Y-%m-%d}: %{{y:,.1f}}"))
    future = view.forecast
    for level, opacity in zip(sorted(levels, reverse=True), (0.15, 0.3), strict=False):
        lo, hi = f"yhat_lo_{level}", f"yhat_hi_{level}"
        if lo not in future:
            continue
        fig.add_trace(go.Scatter(x=future[DS], y=future[hi], mode="lines", line={"width": 0}, showlegend=False,
                                 hoverinfo="skip", legendgroup=f"band{level}"))
        fig.add_trace(go.Scatter(x=future[DS], y=future[lo], mode="lines", line={"width": 0}, fill="tonexty",
                                 fillcolor=rgba(COLOURS["forecast"], opacity), name=f"{level}% interval",
                                 legendgroup=f"band{level}", hoverinfo="skip"))
    adjusted = "yhat_model" in future and not np.allclose(future["yhat"], future["yhat_model"])
    if adjusted:
        fig.add_trace(go.Scatter(x=future[DS], y=future["yhat_model"], mode="lines", name="model forecast",
                                 line={"color": COLOURS["baseline"], "dash": "dash"}))
    fig.add_trace(go.Scatter(x=future[DS], y=future["yhat"], mode="lines",
                             name="adjusted forecast" if adjusted else "forecast",
                             line={"color": COLOURS["adjusted" if adjusted else "forecast"], "width": 2}))
    return fig


def error_by_step_figure(table: pd.DataFrame, *, title: str = "Error by step ahead", unit: str = "period") -> go.Figure:
    """WAPE per step ahead, one line per model (from :func:`forecasting.analysis.diagnostics.error_by_step`)."""
    fig = figure(title, xaxis_title=f"{unit}s ahead", yaxis_title="WAPE %", legend_title_text=None)
    for model, part in table.groupby("model", sort=False):
        colour = COLOURS["baseline"] if model == "seasonal_naive" else None
        fig.add_trace(go.Scatter(x=part["step"], y=100 * part["wape"], mode="lines+markers", name=str(model),
                                 line={"color": colour} if colour else {}))
    return fig


def importance_figure(importance: pd.Series, *, title: str = "What the model relies on", top: int = 20) -> go.Figure:
    """Horizontal bars of the largest feature importances (shares of the total)."""
    shown = importance.head(top)[::-1]
    fig = figure(title, xaxis_title="share of importance", yaxis_title=None, hovermode="closest",
                  height=max(300, 22 * len(shown) + 80))
    fig.add_trace(go.Bar(x=shown.to_numpy(), y=[str(i) for i in shown.index], orientation="h",
                         marker_color=COLOURS["forecast"]))
    return fig
