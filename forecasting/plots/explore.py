"""Plotly figure builders: each takes library results and returns a ``go.Figure``.

The app shows them with ``st.plotly_chart``; scripts can ``fig.write_html``.
Builders only draw: every number comes from the frame or result they are given
(:mod:`forecasting.analysis.explore`, :mod:`forecasting.data.cleaning`). Nothing here imports
Streamlit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..analysis.explore import ADI_CUTOFF, CV2_CUTOFF, DEMAND_CLASSES
from ..schema import DS, UID, Y
from .style import COLOURS, LAYOUT, escaped, figure

if TYPE_CHECKING:
    from ..analysis.explore import Decomposition, PriceResponse, PromoComparison

#: Marker symbol and readable label per cleaning action family.
ACTION_STYLE = {
    "duplicate": ("x", "duplicate removed"),
    "stockout": ("square-open", "stock-out: unknown demand"),
    "negative": ("triangle-down", "negative value fixed"),
    "gap": ("diamond-open", "missing period added"),
    "outlier": ("circle-open", "outlier"),
    "missing": ("cross", "unknown value filled"),
    "price": ("star", "price filled"),
}
@escaped
def history_figure(frame: pd.DataFrame, *, title: str = "Sales history", y_label: str = "units") -> go.Figure:
    """One line per series of a long table (``unique_id``, ``ds``, ``y``)."""
    fig = figure(title, xaxis_title=None, yaxis_title=y_label, legend_title_text=None)
    for uid, part in frame.sort_values([UID, DS]).groupby(UID, sort=False):
        fig.add_trace(go.Scatter(x=part[DS], y=part[Y], mode="lines", name=str(uid)))
    fig.update_layout(showlegend=frame[UID].nunique() > 1)
    return fig


@escaped
def cleaning_figure(before: pd.DataFrame, after: pd.DataFrame, changes: pd.DataFrame, unique_id: str, *,
                    y_label: str = "units") -> go.Figure:
    """One series as loaded and as cleaned, with every changed value marked.

    Parameters
    ----------
    before, after
        Long tables before and after cleaning (other series are ignored).
    changes
        The cleaning change log (``unique_id``, ``ds``, ``column``, ``action``, ``before``, ``after``);
        only the series' changes of ``y`` are drawn, one marker trace per kind of action.
    """
    fig = figure(f"{unique_id}: as loaded and cleaned", yaxis_title=y_label)
    raw = before.loc[before[UID].eq(unique_id)].sort_values(DS)
    clean = after.loc[after[UID].eq(unique_id)].sort_values(DS)
    fig.add_trace(go.Scatter(x=raw[DS], y=raw[Y], mode="lines", name="as loaded",
                             line={"color": COLOURS["raw"], "width": 1}))
    fig.add_trace(go.Scatter(x=clean[DS], y=clean[Y], mode="lines", name="cleaned",
                             line={"color": COLOURS["cleaned"], "width": 1.5}))
    mine = changes.loc[changes[UID].eq(unique_id) & changes["column"].eq(Y)]
    for action, part in mine.groupby("action", sort=True):
        symbol, label = ACTION_STYLE.get(str(action).split("_")[0], ("circle", str(action)))
        shown = part["after"].where(part["after"].notna(), part["before"])  # removed rows: where they were
        text = [f"{action}: {_num(b)} → {_num(a)}" for b, a in zip(part["before"], part["after"], strict=True)]
        fig.add_trace(go.Scatter(x=part[DS], y=shown, mode="markers", name=f"{label} ({len(part)})",
                                 marker={"symbol": symbol, "size": 9, "line": {"width": 2}},
                                 text=text, hovertemplate="%{text}<extra></extra>"))
    return fig


def _num(value: float) -> str:
    return "empty" if pd.isna(value) else f"{value:,.4g}"


@escaped
def decomposition_figure(decomposition: Decomposition, *, title: str = "Trend, season and remainder") -> go.Figure:
    """Four stacked panels of an STL decomposition: observed, trend, seasonal, residual."""
    frame = decomposition.frame
    parts = [("observed", "observed"), ("trend", "trend"), ("seasonal", f"season ({decomposition.period})"),
             ("resid", "remainder")]
    fig = make_subplots(rows=4, cols=1, shared_xaxes=True, vertical_spacing=0.03,
                        subplot_titles=[label for _, label in parts])
    colours = [COLOURS["raw"], COLOURS["trend"], COLOURS["cleaned"], COLOURS["raw"]]
    for row, ((column, label), colour) in enumerate(zip(parts, colours, strict=True), start=1):
        kind = {"mode": "markers", "marker": {"size": 3, "color": colour}} if column == "resid" else \
            {"mode": "lines", "line": {"color": colour, "width": 1.2}}
        fig.add_trace(go.Scatter(x=frame[DS], y=frame[column], name=label, showlegend=False, **kind), row=row, col=1)
    fig.update_layout(title={"text": title}, height=650, **{**LAYOUT, "hovermode": "x"})
    return fig


@escaped
def profile_figure(profile: pd.DataFrame, *, title: str) -> go.Figure:
    """Bars of a weekday or month profile's index (1 = average), from :mod:`forecasting.analysis.explore`."""
    label = profile.columns[0]
    fig = figure(title, yaxis_title="index (1 = average)", hovermode="closest")
    fig.add_trace(go.Bar(x=profile[label], y=profile["index"], name="index", marker={"color": COLOURS["cleaned"]},
                         customdata=profile[["mean", "periods"]].to_numpy(),
                         hovertemplate="%{x}: %{y:.2f} × average<br>mean %{customdata[0]:,.1f} over "
                                       "%{customdata[1]} periods<extra></extra>"))
    fig.add_hline(y=1.0, line={"dash": "dot", "color": COLOURS["raw"]})
    return fig


@escaped
def price_response_figure(response: PriceResponse, *, title: str = "Price and demand",
                          max_points: int = 4000) -> go.Figure:
    """Units against price on log-log axes, promotion periods in their own colour, with the fitted line.

    At most ``max_points`` points are drawn (a fixed random sample, so the chart
    stays light in the browser); the line is fitted on all of them.
    """
    points = response.points
    if len(points) > max_points:
        points = points.sample(max_points, random_state=0)
    x_label = "price ÷ the product's typical price" if response.relative else "price"
    y_label = "units ÷ the product's typical units" if response.relative else "units"
    fig = figure(f"{title} (slope {response.slope:.2f})", hovermode="closest", xaxis_title=x_label,
                  yaxis_title=y_label, xaxis_type="log", yaxis_type="log")
    for on, name in ((False, "regular"), (True, "promotion")):
        part = points.loc[points["promo"].eq(on)]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(x=part["price"], y=part["units"], mode="markers", name=name,
                                 marker={"size": 5, "opacity": 0.45, "color": COLOURS["promo" if on else "regular"]},
                                 text=part[UID], hovertemplate="%{text}: %{x:.3g}, %{y:.3g}<extra></extra>"))
    line = response.line()
    fig.add_trace(go.Scatter(x=line["price"], y=line["units"], mode="lines", name=f"fit: slope {response.slope:.2f}",
                             line={"color": COLOURS["fit"], "width": 3}))
    return fig


@escaped
def promo_figure(comparison: PromoComparison, *, title: str = "Promotion and regular periods") -> go.Figure:
    """Two bars: mean demand per period without and with promotion; the uplift is in the title."""
    uplift = "n/a" if np.isnan(comparison.uplift) else f"{comparison.uplift:+.0%}"
    fig = figure(f"{title}: uplift {uplift}", yaxis_title="mean units per period", hovermode="closest")
    fig.add_trace(go.Bar(x=["regular", "promotion"], y=[comparison.mean_regular, comparison.mean_promo],
                         marker={"color": [COLOURS["regular"], COLOURS["promo"]]},
                         customdata=[comparison.periods_regular, comparison.periods_promo],
                         hovertemplate="%{x}: %{y:,.2f} per period over %{customdata} periods<extra></extra>"))
    return fig


@escaped
def abc_xyz_figure(matrix: pd.DataFrame, *, title: str = "Series per ABC / XYZ class") -> go.Figure:
    """Heat map of series counts per ABC (rows) and XYZ (columns) class, from ``explore.class_matrix``."""
    fig = figure(title, hovermode="closest", xaxis_title="XYZ: variability", yaxis_title="ABC: volume",
                  yaxis_autorange="reversed")
    fig.add_trace(go.Heatmap(z=matrix.to_numpy(), x=list(matrix.columns), y=list(matrix.index), colorscale="Blues",
                             text=matrix.to_numpy(), texttemplate="%{text}", showscale=False,
                             hovertemplate="%{y}%{x}: %{z} series<extra></extra>"))
    return fig


@escaped
def intermittency_figure(table: pd.DataFrame, *, title: str = "Demand pattern (Syntetos-Boylan)") -> go.Figure:
    """ADI against CV² per series, coloured by demand class, with the 1.32 / 0.49 cut-offs."""
    fig = figure(title, hovermode="closest", xaxis_title="ADI: periods per period with demand",
                  yaxis_title="CV² of demand sizes")
    shown = table.loc[np.isfinite(table["adi"]) & table["cv2"].notna()]
    for name in DEMAND_CLASSES:
        part = shown.loc[shown["demand_class"].eq(name)]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(x=part["adi"], y=part["cv2"], mode="markers", name=f"{name} ({len(part)})",
                                 marker={"size": 8, "color": COLOURS[name]}, text=part[UID],
                                 hovertemplate="%{text}: ADI %{x:.2f}, CV² %{y:.2f}<extra></extra>"))
    fig.add_vline(x=ADI_CUTOFF, line={"dash": "dot", "color": COLOURS["raw"]})
    fig.add_hline(y=CV2_CUTOFF, line={"dash": "dot", "color": COLOURS["raw"]})
    return fig
