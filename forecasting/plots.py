"""Plotly figure builders: each takes library results and returns a ``go.Figure``.

The app shows them with ``st.plotly_chart``; scripts can ``fig.write_html``.
Builders only draw: every number comes from the frame or result they are given
(:mod:`forecasting.explore`, :mod:`forecasting.cleaning`). Nothing here imports
Streamlit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .explore import ADI_CUTOFF, CV2_CUTOFF, DEMAND_CLASSES, NO_DEMAND
from .schema import DS, UID, Y

if TYPE_CHECKING:
    from .explore import Decomposition, PriceResponse, PromoComparison
    from .levels import LevelView

#: One colour per role, so a chart reads the same on every page.
COLOURS = {
    "raw": "#9aa0a6",
    "cleaned": "#1f77b4",
    "trend": "#d62728",
    "regular": "#1f77b4",
    "promo": "#ff7f0e",
    "fit": "#2ca02c",
    "smooth": "#2ca02c",
    "erratic": "#ff7f0e",
    "intermittent": "#1f77b4",
    "lumpy": "#d62728",
    NO_DEMAND: "#9aa0a6",
    "actual": "#1f2933",
    "forecast": "#1f77b4",
    "backtest": "#ff7f0e",
    "adjusted": "#9467bd",
    "baseline": "#9aa0a6",
}
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
LAYOUT = {"margin": {"l": 10, "r": 10, "t": 50, "b": 10}, "hovermode": "x unified", "template": "plotly_white"}


def _figure(title: str, **layout) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title={"text": title}, **{**LAYOUT, **layout})
    return fig


def history_figure(frame: pd.DataFrame, *, title: str = "Sales history", y_label: str = "units") -> go.Figure:
    """One line per series of a long table (``unique_id``, ``ds``, ``y``)."""
    fig = _figure(title, xaxis_title=None, yaxis_title=y_label, legend_title_text=None)
    for uid, part in frame.sort_values([UID, DS]).groupby(UID, sort=False):
        fig.add_trace(go.Scatter(x=part[DS], y=part[Y], mode="lines", name=str(uid)))
    fig.update_layout(showlegend=frame[UID].nunique() > 1)
    return fig


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
    fig = _figure(f"{unique_id}: as loaded and cleaned", yaxis_title=y_label)
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


def profile_figure(profile: pd.DataFrame, *, title: str) -> go.Figure:
    """Bars of a weekday or month profile's index (1 = average), from :mod:`forecasting.explore`."""
    label = profile.columns[0]
    fig = _figure(title, yaxis_title="index (1 = average)", hovermode="closest")
    fig.add_trace(go.Bar(x=profile[label], y=profile["index"], name="index", marker={"color": COLOURS["cleaned"]},
                         customdata=profile[["mean", "periods"]].to_numpy(),
                         hovertemplate="%{x}: %{y:.2f} × average<br>mean %{customdata[0]:,.1f} over "
                                       "%{customdata[1]} periods<extra></extra>"))
    fig.add_hline(y=1.0, line={"dash": "dot", "color": COLOURS["raw"]})
    return fig


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
    fig = _figure(f"{title} (slope {response.slope:.2f})", hovermode="closest", xaxis_title=x_label,
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


def promo_figure(comparison: PromoComparison, *, title: str = "Promotion and regular periods") -> go.Figure:
    """Two bars: mean demand per period without and with promotion; the uplift is in the title."""
    uplift = "n/a" if np.isnan(comparison.uplift) else f"{comparison.uplift:+.0%}"
    fig = _figure(f"{title}: uplift {uplift}", yaxis_title="mean units per period", hovermode="closest")
    fig.add_trace(go.Bar(x=["regular", "promotion"], y=[comparison.mean_regular, comparison.mean_promo],
                         marker={"color": [COLOURS["regular"], COLOURS["promo"]]},
                         customdata=[comparison.periods_regular, comparison.periods_promo],
                         hovertemplate="%{x}: %{y:,.2f} per period over %{customdata} periods<extra></extra>"))
    return fig


def abc_xyz_figure(matrix: pd.DataFrame, *, title: str = "Series per ABC / XYZ class") -> go.Figure:
    """Heat map of series counts per ABC (rows) and XYZ (columns) class, from ``explore.class_matrix``."""
    fig = _figure(title, hovermode="closest", xaxis_title="XYZ: variability", yaxis_title="ABC: volume",
                  yaxis_autorange="reversed")
    fig.add_trace(go.Heatmap(z=matrix.to_numpy(), x=list(matrix.columns), y=list(matrix.index), colorscale="Blues",
                             text=matrix.to_numpy(), texttemplate="%{text}", showscale=False,
                             hovertemplate="%{y}%{x}: %{z} series<extra></extra>"))
    return fig


def intermittency_figure(table: pd.DataFrame, *, title: str = "Demand pattern (Syntetos-Boylan)") -> go.Figure:
    """ADI against CV² per series, coloured by demand class, with the 1.32 / 0.49 cut-offs."""
    fig = _figure(title, hovermode="closest", xaxis_title="ADI: periods per period with demand",
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


def forecast_figure(view: LevelView, *, title: str, history_periods: int | None = None,
                    levels: tuple[int, ...] = (80, 95)) -> go.Figure:
    """History, the backtest windows' forecasts over it, and the future forecast with its bands.

    ``history_periods`` trims the history to the last periods so the future is readable.
    """
    fig = _figure(title, xaxis_title=None, yaxis_title="units", legend_title_text=None)
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
                                 fillcolor=_rgba(COLOURS["forecast"], opacity), name=f"{level}% interval",
                                 legendgroup=f"band{level}", hoverinfo="skip"))
    adjusted = "yhat_model" in future and not np.allclose(future["yhat"], future["yhat_model"])
    if adjusted:
        fig.add_trace(go.Scatter(x=future[DS], y=future["yhat_model"], mode="lines", name="model forecast",
                                 line={"color": COLOURS["baseline"], "dash": "dash"}))
    fig.add_trace(go.Scatter(x=future[DS], y=future["yhat"], mode="lines",
                             name="adjusted forecast" if adjusted else "forecast",
                             line={"color": COLOURS["adjusted" if adjusted else "forecast"], "width": 2}))
    return fig


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def error_by_step_figure(table: pd.DataFrame, *, title: str = "Error by step ahead", unit: str = "period") -> go.Figure:
    """WAPE per step ahead, one line per model (from :func:`forecasting.diagnostics.error_by_step`)."""
    fig = _figure(title, xaxis_title=f"{unit}s ahead", yaxis_title="WAPE %", legend_title_text=None)
    for model, part in table.groupby("model", sort=False):
        colour = COLOURS["baseline"] if model == "seasonal_naive" else None
        fig.add_trace(go.Scatter(x=part["step"], y=100 * part["wape"], mode="lines+markers", name=str(model),
                                 line={"color": colour} if colour else {}))
    return fig


def importance_figure(importance: pd.Series, *, title: str = "What the model relies on", top: int = 20) -> go.Figure:
    """Horizontal bars of the largest feature importances (shares of the total)."""
    shown = importance.head(top)[::-1]
    fig = _figure(title, xaxis_title="share of importance", yaxis_title=None, hovermode="closest",
                  height=max(300, 22 * len(shown) + 80))
    fig.add_trace(go.Bar(x=shown.to_numpy(), y=[str(i) for i in shown.index], orientation="h",
                         marker_color=COLOURS["forecast"]))
    return fig
