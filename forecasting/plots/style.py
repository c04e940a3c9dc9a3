"""One shared look for every chart: colours per role, the layout, and the blank figure each builder starts from."""

from __future__ import annotations

import plotly.graph_objects as go

from ..analysis.explore import NO_DEMAND

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
LAYOUT = {"margin": {"l": 10, "r": 10, "t": 50, "b": 10}, "hovermode": "x unified", "template": "plotly_white"}


def figure(title: str, **layout) -> go.Figure:
    """A blank figure with the shared layout and ``title``; ``layout`` overrides it."""
    fig = go.Figure()
    fig.update_layout(title={"text": title}, **{**LAYOUT, **layout})
    return fig


def rgba(hex_colour: str, alpha: float) -> str:
    """``#rrggbb`` as a CSS ``rgba()`` colour with opacity ``alpha``."""
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"
