"""One shared look for every chart: colours per role, the layout, and the blank figure each builder starts from.

Plotly renders a subset of HTML in titles, legend names, axis labels and hover
text (``<a href>``, ``<b>``, ``<br>``), so text that comes from a user's file
(series ids, categories, alert messages) could put a link into a chart. Every
builder is wrapped in :func:`escaped`, which escapes ``& < >`` in the figure's
text once it is built; hover templates, which are ours, keep their markup.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np
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


def plot_text(value: object) -> object:
    """``value`` with ``& < >`` escaped when it is text, so plotly shows it and never renders it as HTML."""
    if not isinstance(value, str):
        return value
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _texts(values):
    """Escape a scalar or an array of labels (numbers and dates pass through untouched)."""
    if values is None or isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
        return plot_text(values)
    if getattr(values, "dtype", None) is not None and values.dtype.kind in "biufcmM":
        return values  # numbers and dates: nothing to escape, and no pass over a long array
    array = np.asarray(values, dtype=object)
    if not any(isinstance(v, str) for v in array.flat):
        return values
    return np.vectorize(plot_text, otypes=[object])(array)


TRACE_TEXT = ("name", "text", "hovertext", "x", "y", "customdata", "labels")


def escape_figure(fig: go.Figure) -> go.Figure:
    """Escape the text of a built figure in place (titles, legend and trace names, labels, hover text)."""
    for trace in fig.data:
        for key in TRACE_TEXT:
            if key in trace and trace[key] is not None:
                trace[key] = _texts(trace[key])
    layout = fig.layout
    if layout.title.text:
        layout.title.text = plot_text(layout.title.text)
    if layout.legend.title.text:
        layout.legend.title.text = plot_text(layout.legend.title.text)
    for annotation in layout.annotations or ():
        annotation.text = plot_text(annotation.text)

    def axis(ax) -> None:
        if ax.title.text:
            ax.title.text = plot_text(ax.title.text)
        if ax.ticktext is not None:
            ax.ticktext = _texts(ax.ticktext)
    fig.for_each_xaxis(axis)
    fig.for_each_yaxis(axis)
    return fig


def escaped(builder: Callable[..., go.Figure]) -> Callable[..., go.Figure]:
    """Decorator for a figure builder: the figure it returns has its user-derived text escaped."""
    @functools.wraps(builder)
    def build(*args, **kwargs) -> go.Figure:
        return escape_figure(builder(*args, **kwargs))
    return build
