"""Plotly figures of the Inventory and Alerts pages: projected stock, the policy replay, service by category, alerts.

Builders only draw what :mod:`forecasting.recommend.inventory`,
:mod:`forecasting.recommend.simulation` and :mod:`forecasting.recommend.alerts`
computed. Nothing here imports Streamlit.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..glossary import code_name
from ..schema import DS, UID, Y
from .style import COLOURS, escaped, figure

STOCK_COLOURS = {"with": "#2ca02c", "without": "#9aa0a6", "reorder": "#ff7f0e", "safety": "#d62728",
                 "lost": "#d62728", "demand": "#1f2933", "target": "#1f2933"}
ALERT_SYMBOLS = {"anomaly": "circle-open", "demand_shift": "diamond", "bias_drift": "triangle-up",
                 "stockout_risk": "x", "overstock": "square"}


@escaped
def projected_stock_figure(projection: pd.DataFrame, unique_id: str, *, title: str | None = None) -> go.Figure:
    """Expected stock per period following the policy and without ordering, against reorder point and safety stock."""
    part = projection[projection[UID] == unique_id]
    fig = figure(title or f"{unique_id}: projected stock", yaxis_title="units")
    fig.add_scatter(x=part[DS], y=part["stock_with_order"], name="ordering as recommended",
                    line={"color": STOCK_COLOURS["with"], "width": 3})
    fig.add_scatter(x=part[DS], y=part["stock_without_order"], name="without ordering",
                    line={"color": STOCK_COLOURS["without"], "dash": "dot"})
    fig.add_scatter(x=part[DS], y=part["reorder_point"], name="reorder point",
                    line={"color": STOCK_COLOURS["reorder"], "dash": "dash"})
    fig.add_scatter(x=part[DS], y=part["safety_stock"], name="safety stock",
                    line={"color": STOCK_COLOURS["safety"], "dash": "dash"})
    fig.add_hline(y=0, line={"color": "#1f2933", "width": 1})
    return fig


@escaped
def simulation_figure(trace: pd.DataFrame, unique_id: str, *, title: str | None = None) -> go.Figure:
    """One series' replay: stock on hand, demand, lost sales and the reorder point period by period."""
    part = trace[trace[UID] == unique_id]
    fig = figure(title or f"{unique_id}: the policy replayed on history", yaxis_title="units")
    fig.add_bar(x=part[DS], y=part["demand"], name="demand", marker={"color": COLOURS["baseline"]}, opacity=0.5)
    fig.add_scatter(x=part[DS], y=part["stock"], name="stock on hand (end of period)",
                    line={"color": STOCK_COLOURS["with"], "width": 2})
    fig.add_scatter(x=part[DS], y=part["reorder_point"], name="reorder point",
                    line={"color": STOCK_COLOURS["reorder"], "dash": "dash", "shape": "hv"})
    lost = part[part["lost"] > 0]
    fig.add_scatter(x=lost[DS], y=lost["lost"], name="lost sales", mode="markers",
                    marker={"color": STOCK_COLOURS["lost"], "symbol": "x", "size": 9})
    return fig


@escaped
def service_level_figure(per_category: pd.DataFrame, *, tolerance: float = 0.03,
                         title: str = "Achieved cycle service level by category") -> go.Figure:
    """Achieved cycle service level and fill rate per category, with the target and a +/- tolerance band."""
    fig = figure(title, yaxis_title="share", yaxis_tickformat=".0%", barmode="group")
    fig.add_bar(x=per_category["category"], y=per_category["achieved_service_level"], name="cycle service level",
                marker={"color": COLOURS["forecast"]})
    fig.add_bar(x=per_category["category"], y=per_category["fill_rate"], name="fill rate",
                marker={"color": COLOURS["fit"]})
    target = float(per_category["target_service_level"].mean())
    fig.add_hrect(y0=target - tolerance, y1=target + tolerance, fillcolor=COLOURS["baseline"], opacity=0.2,
                  line_width=0)
    fig.add_hline(y=target, line={"color": STOCK_COLOURS["target"], "dash": "dash"},
                  annotation_text=f"target {target:.0%}")
    low = min(float(per_category[["achieved_service_level", "fill_rate"]].min().min()), target - tolerance)
    fig.update_yaxes(range=[max(low - 0.05, 0), 1.01])
    return fig


@escaped
def alert_series_figure(history: pd.DataFrame, forecast: pd.DataFrame, alerts: pd.DataFrame, unique_id: str, *,
                        periods: int = 180, title: str | None = None) -> go.Figure:
    """The last ``periods`` of a series' sales, its forecast, and where its alerts point."""
    past = history[history[UID] == unique_id].sort_values(DS).tail(periods)
    ahead = forecast[forecast[UID] == unique_id].sort_values(DS)
    fig = figure(title or f"{unique_id}: sales, forecast and alerts", yaxis_title="units")
    fig.add_scatter(x=past[DS], y=past[Y], name="sales", line={"color": COLOURS["actual"]})
    fig.add_scatter(x=ahead[DS], y=ahead["yhat"], name="forecast", line={"color": COLOURS["forecast"]})
    mine = alerts[alerts[UID] == unique_id]
    level = pd.concat([past.set_index(DS)[Y], ahead.set_index(DS)["yhat"]])
    for kind, group in mine.groupby("kind", sort=False):
        dates = pd.to_datetime(group[DS])
        y = [level.get(d, level.iloc[-1] if len(level) else 0) for d in dates]
        fig.add_scatter(x=dates, y=y, name=code_name(kind), mode="markers", text=group["message"],
                        hovertemplate="%{text}<extra></extra>",
                        marker={"symbol": ALERT_SYMBOLS.get(kind, "circle"), "size": 13,
                                "color": STOCK_COLOURS["lost"], "line": {"width": 2}})
    return fig
