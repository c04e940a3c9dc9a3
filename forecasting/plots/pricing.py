"""Plotly figures of the Pricing and Promotions pages: each takes a library result and returns a ``go.Figure``.

Builders only draw: the numbers come from :mod:`forecasting.recommend.pricing`
and :mod:`forecasting.recommend.promotions`. Colours and layout follow
:mod:`forecasting.plots.explore`, so the decision pages read like the rest of the app.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..schema import CATEGORY, DS, PRICE, UID
from .style import COLOURS, LAYOUT, escaped, figure

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf")
MODEL = "#2ca02c"  # the trained model's what-if, next to the elasticity (history) in the regular colour
GAIN, LOSS = "#2ca02c", "#d62728"


def _signed(values: pd.Series) -> list[str]:
    return [GAIN if v >= 0 else LOSS for v in values.fillna(0)]


# --- pricing ---------------------------------------------------------------------------------------------------


@escaped
def elasticity_figure(per_category: pd.DataFrame, per_series: pd.DataFrame | None = None, *,
                      title: str = "Price elasticity by category") -> go.Figure:
    """Each category's elasticity with its 95% interval, the pooled SKU values as dots, and -1 marked."""
    fig = figure(title, xaxis_title="elasticity (% change in units for +1% price)", hovermode="closest",
                  height=120 + 45 * len(per_category))
    order = per_category.sort_values("elasticity")
    if per_series is not None and len(per_series):
        fig.add_trace(go.Scatter(x=per_series["elasticity"], y=per_series[CATEGORY], mode="markers", name="products",
                                 marker={"color": COLOURS["raw"], "size": 7, "opacity": 0.6},
                                 text=per_series[UID], hovertemplate="%{text}: %{x:.2f}<extra></extra>"))
    fig.add_trace(go.Scatter(
        x=order["elasticity"], y=order[CATEGORY], mode="markers", name="category (95% interval)",
        marker={"color": COLOURS["regular"], "size": 12, "symbol": "diamond"},
        error_x={"type": "data", "symmetric": False, "array": order["elasticity_hi"] - order["elasticity"],
                 "arrayminus": order["elasticity"] - order["elasticity_lo"]},
        hovertemplate="%{y}: %{x:.2f}<extra></extra>"))
    fig.add_vline(x=-1, line={"dash": "dot", "color": COLOURS["raw"]}, annotation_text="-1: revenue-neutral",
                  annotation_position="top")
    fig.update_yaxes(categoryorder="array", categoryarray=list(order[CATEGORY]))
    return fig


@escaped
def price_response_figure(curve: pd.DataFrame, recommended_price: float, *, title: str,
                          currency: str = "") -> go.Figure:
    """Units, revenue and profit over the price grid: the elasticity curve (with its band) and the model's what-if.

    ``curve`` is :func:`forecasting.recommend.pricing.price_curves`; the allowed range is shaded, today's and
    the recommended price are marked.
    """
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=["Units over the horizon", f"Revenue {currency}".strip(),
                                        f"Profit {currency}".strip()])
    x = curve[PRICE]
    fig.add_trace(go.Scatter(x=x, y=curve["units_hi"], mode="lines", line={"width": 0}, showlegend=False,
                             hoverinfo="skip"), row=1, col=1)
    fig.add_trace(go.Scatter(x=x, y=curve["units_lo"], mode="lines", line={"width": 0}, fill="tonexty",
                             fillcolor="rgba(31,119,180,0.15)", name="elasticity 95% interval",
                             hoverinfo="skip"), row=1, col=1)
    for row, column in enumerate(("units", "revenue", "profit"), start=1):
        fig.add_trace(go.Scatter(x=x, y=curve[column], mode="lines", name="from the price history (elasticity)",
                                 line={"color": COLOURS["regular"]}, showlegend=row == 1, legendgroup="history"),
                      row=row, col=1)
        fig.add_trace(go.Scatter(x=x, y=curve[f"{column}_model"], mode="lines", name="the trained model's what-if",
                                 line={"color": MODEL, "dash": "dash"}, showlegend=row == 1, legendgroup="model",
                                 connectgaps=False), row=row, col=1)
    _mark_unseen_prices(fig, curve)
    allowed = curve.loc[curve["in_bounds"], PRICE]
    if len(allowed):
        fig.add_vrect(x0=allowed.min(), x1=allowed.max(), fillcolor="rgba(255,127,14,0.08)", line_width=0,
                      annotation_text="allowed", annotation_position="top left", row="all", col=1)
    marks = (("today's price", float(curve["current_price"].iloc[0]), {"dash": "dot", "color": COLOURS["raw"]}),
             ("recommended price", recommended_price, {"color": COLOURS["promo"], "width": 2}))
    for name, x_value, line in marks:
        fig.add_vline(x=x_value, line=line, row="all", col=1)
        # The vertical lines have no legend entry of their own: an empty trace in the same style gives them one.
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=line, name=f"{name} ({x_value:,.2f})"),
                      row=1, col=1)
    fig.update_xaxes(title_text="price", row=3, col=1)
    fig.update_layout(title={"text": title}, height=720, **{**LAYOUT, "hovermode": "x"})
    return fig


def _mark_unseen_prices(fig: go.Figure, curve: pd.DataFrame) -> None:
    """Grey out the prices the series never sold at: there the model's line follows the elasticity."""
    if "model_extrapolated" not in curve.columns:
        return
    seen = curve.loc[~curve["model_extrapolated"], PRICE]
    low, high = (seen.min(), seen.max()) if len(seen) else (float(curve["current_price"].iloc[0]),) * 2
    for x0, x1 in ((curve[PRICE].min(), low), (high, curve[PRICE].max())):
        if x1 > x0:
            fig.add_vrect(x0=x0, x1=x1, fillcolor="rgba(120,120,120,0.10)", line_width=0, row="all", col=1,
                          annotation_text="never sold at: model follows the elasticity",
                          annotation_position="bottom left", annotation_font_size=10)


@escaped
def recommendations_figure(table: pd.DataFrame, *, title: str = "Expected profit change at the recommended price",
                           limit: int = 40) -> go.Figure:
    """One bar per series: expected profit change in percent, largest first (hover: the price move and why)."""
    shown = table.sort_values("expected_profit_change_pct", ascending=False).head(limit)
    moves = shown[["price_change_pct", "expected_units_change_pct"]].to_numpy()
    fig = figure(title, yaxis_title="profit change (%)", hovermode="closest")
    fig.add_trace(go.Bar(x=shown[UID], y=shown["expected_profit_change_pct"],
                         marker_color=_signed(shown["expected_profit_change_pct"]), customdata=moves,
                         hovertemplate="%{x}: %{y:+.1f}% profit<br>%{customdata[0]:+.1f}% price, "
                                       "%{customdata[1]:+.1f}% units<extra></extra>", name="profit change"))
    return fig


# --- promotions ------------------------------------------------------------------------------------------------


@escaped
def promotion_paths_figure(paths: pd.DataFrame, *, title: str) -> go.Figure:
    """Baseline and promoted forecast of one promoted series per period, the promoted periods shaded."""
    paths = paths.sort_values(DS)
    fig = figure(title, yaxis_title="units")
    fig.add_trace(go.Scatter(x=paths[DS], y=paths["baseline"], mode="lines+markers", name="without the promotion",
                             line={"color": COLOURS["baseline"]}))
    fig.add_trace(go.Scatter(x=paths[DS], y=paths["promoted"], mode="lines+markers", name="with the promotion",
                             line={"color": COLOURS["promo"]}))
    promoted = paths.loc[paths["promo_share"] > 0, DS]
    if len(promoted):
        fig.add_vrect(x0=promoted.min(), x1=promoted.max(), fillcolor="rgba(255,127,14,0.10)", line_width=0,
                      annotation_text="promotion", annotation_position="top left")
    return fig


@escaped
def promotion_summary_figure(summary: pd.DataFrame, *, title: str = "Incremental profit per product") -> go.Figure:
    """One bar per promoted series: incremental profit (green gains, red losses), ROI on hover."""
    shown = summary.sort_values("incremental_profit", ascending=False)
    labels = [f"{u} ({s:%m-%d})" for u, s in zip(shown[UID], shown["start"], strict=True)]
    fig = figure(title, yaxis_title="incremental profit", hovermode="closest")
    fig.add_trace(go.Bar(x=labels, y=shown["incremental_profit"], marker_color=_signed(shown["incremental_profit"]),
                         customdata=shown[["roi", "uplift_pct"]].to_numpy(), name="incremental profit",
                         hovertemplate="%{x}: %{y:,.0f}<br>ROI %{customdata[0]:.2f}, uplift %{customdata[1]:+.0f}%"
                                       "<extra></extra>"))
    return fig


@escaped
def past_promotions_figure(past: pd.DataFrame, *, title: str = "Past promotions: uplift against discount") -> go.Figure:
    """Each past promotion's measured uplift by its discount, one colour per category; the history's curve as lines."""
    fig = figure(title, xaxis_title="discount", yaxis_title="uplift (%)", hovermode="closest")
    fig.update_xaxes(tickformat=".0%")
    groups = past.groupby(CATEGORY, sort=True) if CATEGORY in past.columns and past[CATEGORY].notna().any() \
        else [("all", past)]
    for number, (name, part) in enumerate(groups):
        colour = PALETTE[number % len(PALETTE)]
        shown = part.dropna(subset=["discount", "uplift_pct"])
        fig.add_trace(go.Scatter(x=shown["discount"], y=shown["uplift_pct"], mode="markers", name=str(name),
                                 legendgroup=str(name), marker={"color": colour, "opacity": 0.7},
                                 text=shown[UID] + " " + shown["start"].dt.strftime("%Y-%m-%d"),
                                 hovertemplate="%{text}: %{x:.0%} off, %{y:+.0f}%<extra></extra>"))
        expected = shown.dropna(subset=["expected_uplift_pct"])
        if len(expected):
            # Mean expected uplift per 5-point discount step: one smooth line per category.
            step = (expected["discount"] * 20).round() / 20
            line = expected.groupby(step.rename("step"))["expected_uplift_pct"].mean().reset_index()
            fig.add_trace(go.Scatter(x=line["step"], y=line["expected_uplift_pct"], mode="lines", showlegend=False,
                                     name=f"{name}: from the elasticity", legendgroup=str(name), hoverinfo="skip",
                                     line={"width": 1.5, "dash": "dot", "color": colour}))
    return fig


@escaped
def windows_figure(windows: pd.DataFrame, *, title: str = "Best promotion windows") -> go.Figure:
    """The ranked candidate windows as horizontal bars of incremental profit."""
    shown = windows.sort_values("rank", ascending=False)
    labels = [f"{r}. {u} · {s:%Y-%m-%d}" for r, u, s in zip(shown["rank"], shown[UID], shown["start"], strict=True)]
    fig = figure(title, xaxis_title="incremental profit", hovermode="closest", height=140 + 28 * len(shown))
    fig.add_trace(go.Bar(y=labels, x=shown["incremental_profit"], orientation="h",
                         marker_color=_signed(shown["incremental_profit"]), customdata=shown[["roi"]].to_numpy(),
                         hovertemplate="%{y}: %{x:,.0f} (ROI %{customdata[0]:.2f})<extra></extra>", name="profit"))
    return fig
