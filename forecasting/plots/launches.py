"""Chart of the New products page: a new SKU's launch forecast with its bands, over its neighbours' launches."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ..schema import DS, LEVELS
from .style import COLOURS, escaped, figure, rgba


@escaped
def launch_figure(forecast: pd.DataFrame, neighbours: pd.DataFrame | None = None, *, title: str,
                  levels: tuple[int, ...] = LEVELS, y_label: str = "units") -> go.Figure:
    """One new product's forecast (``ds, yhat, yhat_lo_80 ...``) and, thin and grey, its neighbours' launches.

    ``neighbours`` has one column per similar product (its name) and one row per period since launch; the
    rows are drawn on the new product's dates, so the shapes compare directly.
    """
    fig = figure(title, xaxis_title=None, yaxis_title=y_label, legend_title_text=None)
    dates = forecast[DS].to_numpy()
    if neighbours is not None:
        for index, name in enumerate(neighbours.columns):
            values = neighbours[name].to_numpy()[: len(dates)]
            fig.add_trace(go.Scatter(x=dates[: len(values)], y=values, mode="lines", name="similar products' launches",
                                     legendgroup="neighbours", showlegend=index == 0, hovertext=str(name),
                                     line={"color": COLOURS["baseline"], "width": 1}, opacity=0.6))
    for level, opacity in zip(sorted(levels, reverse=True), (0.15, 0.3), strict=False):
        lo, hi = f"yhat_lo_{level}", f"yhat_hi_{level}"
        if lo not in forecast:
            continue
        fig.add_trace(go.Scatter(x=dates, y=forecast[hi], mode="lines", line={"width": 0}, showlegend=False,
                                 hoverinfo="skip", legendgroup=f"band{level}"))
        fig.add_trace(go.Scatter(x=dates, y=forecast[lo], mode="lines", line={"width": 0}, fill="tonexty",
                                 fillcolor=rgba(COLOURS["forecast"], opacity), name=f"{level}% interval",
                                 legendgroup=f"band{level}", hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=dates, y=forecast["yhat"], mode="lines+markers", name="forecast",
                             line={"color": COLOURS["forecast"], "width": 2}))
    return fig
