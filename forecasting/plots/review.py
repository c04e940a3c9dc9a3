"""Plotly figures of the Review page: the priority ranking and one series' model vs adjusted forecast.

Builders only draw; every number comes from :mod:`forecasting.analysis.review` and
:func:`forecasting.analysis.adjustments.apply_adjustments`. Nothing here imports Streamlit.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..analysis.adjustments import CHANGE, MODEL, REASONS
from ..schema import DS, UID, Y
from .style import escaped, figure

COLOURS = {
    "actual": "#444444",
    "model": "#1f77b4",
    "adjusted": "#d62728",
    "backtest": "#9467bd",
    "over": "#ff7f0e",
    "under": "#1f77b4",
    "on target": "#2ca02c",
    "no sales": "#9aa0a6",
    "changed": "rgba(214, 39, 40, 0.08)",
}


@escaped
def priority_figure(table: pd.DataFrame, *, top: int = 15, title: str = "Where the forecast missed most") -> go.Figure:
    """Horizontal bars of the ``top`` series' priority (share of missed volume), coloured by over/under-forecast.

    ``table`` is :func:`forecasting.analysis.review.review_table` output in the order to show (first = top bar).
    """
    shown = table.head(top).iloc[::-1]  # plotly draws the first bar at the bottom
    fig = figure(title, hovermode="closest", xaxis_title="share of all missed volume", xaxis_tickformat=".0%",
                  height=max(260, 24 * len(shown) + 110))
    for direction, part in shown.groupby("direction", sort=False):
        fig.add_trace(go.Bar(
            x=part["priority"], y=part[UID], orientation="h", name=str(direction),
            marker={"color": COLOURS.get(str(direction), COLOURS["no sales"])},
            customdata=part[["wape", "bias"]].to_numpy(),
            hovertemplate="%{y}: %{x:.1%} of missed volume<br>WAPE %{customdata[0]:.0%}, "
                          "bias %{customdata[1]:+.0%}<extra></extra>"))
    fig.update_layout(legend_title_text="forecast was", yaxis={"categoryorder": "array",
                                                               "categoryarray": list(shown[UID])})
    return fig


@escaped
def adjusted_forecast_figure(history: pd.DataFrame, planned: pd.DataFrame, unique_id: str, *, level: int = 80,
                             backtest: pd.DataFrame | None = None, model: str | None = None,
                             y_label: str = "units", scale: str = "fit") -> go.Figure:
    """One series: recent sales, the model's forecast and the adjusted one with its band.

    Parameters
    ----------
    history
        Long table of actual sales; only ``unique_id``'s rows are drawn (pass just the tail to show).
    planned
        :func:`~forecasting.analysis.adjustments.apply_adjustments` output; the band is ``yhat_lo_<level>`` to
        ``yhat_hi_<level>`` of the adjusted forecast. Periods with an adjustment are shaded.
    backtest, model
        Optional backtest predictions and the model column: the model's forecasts of the recent past,
        to compare with what sold.
    scale
        ``fit`` (default) keeps the forecast readable when a past spike would flatten it: the axis stops
        above the forecast, its band and the usual sales, and the spike is labelled at the top; ``all`` shows
        every value; ``log`` a logarithmic axis.
    """
    actual = history.loc[history[UID].eq(unique_id)].sort_values(DS)
    future = planned.loc[planned[UID].eq(unique_id)].sort_values(DS)
    changed = future[CHANGE].abs().gt(1e-9) if CHANGE in future.columns else pd.Series(False, index=future.index)
    title = f"{unique_id}: forecast" + (" with adjustments" if changed.any() else "")
    fig = figure(title, yaxis_title=y_label, legend_title_text=None)
    _band(fig, future, level)
    fig.add_trace(go.Scatter(x=actual[DS], y=actual[Y], mode="lines", name="actual sales",
                             line={"color": COLOURS["actual"], "width": 1.5}))
    if backtest is not None and model is not None:
        past = backtest.loc[backtest[UID].eq(unique_id)].sort_values(DS)
        fig.add_trace(go.Scatter(x=past[DS], y=past[model], mode="lines", name="model in backtest",
                                 line={"color": COLOURS["backtest"], "width": 1.5, "dash": "dot"}))
    model_values = future[MODEL] if MODEL in future.columns else future["yhat"]
    fig.add_trace(go.Scatter(x=future[DS], y=model_values, mode="lines", name="model forecast",
                             line={"color": COLOURS["model"], "width": 2, "dash": "dash" if changed.any() else None}))
    if changed.any():
        fig.add_trace(go.Scatter(x=future[DS], y=future["yhat"], mode="lines", name="adjusted forecast",
                                 line={"color": COLOURS["adjusted"], "width": 2.5},
                                 text=future[REASONS], hovertemplate="%{y:,.1f} %{text}<extra>adjusted</extra>"))
        _shade(fig, future.loc[changed, DS])
    _scale(fig, actual, future, scale)
    return fig


#: With ``scale="fit"``, the axis is cut when the highest sale is this many times what the chart must show.
SPIKE_RATIO = 2.0


def _scale(fig: go.Figure, actual: pd.DataFrame, future: pd.DataFrame, scale: str) -> None:
    """Cut the axis above the forecast and usual sales when one spike dominates, and label the spike."""
    if scale == "log":
        fig.update_yaxes(type="log")
        return
    if scale != "fit" or actual.empty:
        return
    shown = [future[c] for c in future.columns if c == "yhat" or c == MODEL or c.startswith("yhat_hi_")]
    usual = actual[Y].quantile(0.95)
    top = max([usual, *(float(v.max()) for v in shown if len(v))])
    peak = actual.loc[actual[Y].idxmax()]
    if not top > 0 or peak[Y] <= SPIKE_RATIO * top:
        return
    ceiling = 1.2 * top
    fig.update_yaxes(range=[0, ceiling])
    fig.add_annotation(x=peak[DS], y=ceiling, yanchor="top", showarrow=False, font={"size": 11},
                       text=f"peak {peak[Y]:,.0f} on {peak[DS]:%Y-%m-%d}, off the chart", bgcolor="rgba(255,255,255,0.8)")


def _band(fig: go.Figure, future: pd.DataFrame, level: int) -> None:
    lo, hi = f"yhat_lo_{level}", f"yhat_hi_{level}"
    if lo not in future.columns or future[lo].isna().all():
        return
    fig.add_trace(go.Scatter(x=future[DS], y=future[hi], mode="lines", line={"width": 0}, showlegend=False,
                             hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=future[DS], y=future[lo], mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor="rgba(31, 119, 180, 0.15)", name=f"{level}% interval", hoverinfo="skip"))


def _shade(fig: go.Figure, dates: pd.Series) -> None:
    """One shaded block per run of consecutive adjusted periods."""
    dates = pd.Series(sorted(dates.unique()))
    step = dates.diff().min() if len(dates) > 1 else pd.Timedelta(days=1)
    block = (dates.diff() > step * 1.5).cumsum()  # months differ in length: allow some slack
    for _, run in dates.groupby(block):
        fig.add_vrect(x0=run.iloc[0] - step / 2, x1=run.iloc[-1] + step / 2, fillcolor=COLOURS["changed"],
                      line_width=0, layer="below")
