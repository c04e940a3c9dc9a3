"""Small static SVG charts for the stakeholder report.

The report must open offline, by e-mail, and stay under 1.5 MB; plotly.js alone
is 4.5 MB. A forecast chart needs lines, a band and a few labelled ticks, which
a few dozen lines of SVG draw exactly (text escaped, numbers with thousands
separators). The app keeps plotly's interactive charts.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

WIDTH, HEIGHT = 900, 320
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 34, 40


@dataclass(frozen=True)
class Line:
    """One line of a chart: its name (legend), values over the chart's dates, colour and dash pattern."""

    name: str
    values: Sequence[float]
    colour: str
    dash: str = ""


def line_chart(dates: pd.DatetimeIndex, lines: Sequence[Line], *, title: str, y_label: str,
               band: tuple[Sequence[float], Sequence[float]] | None = None, band_name: str = "") -> str:
    """An SVG line chart over ``dates`` with an optional shaded band (e.g. the 80% interval)."""
    values = [np.asarray(line.values, dtype="float64") for line in lines]
    stacked = np.concatenate([*values, *(np.asarray(b, dtype="float64") for b in band or ())])
    top = float(np.nanmax(stacked)) if np.isfinite(stacked).any() else 1.0
    top = top * 1.05 if top > 0 else 1.0
    x = _scale(dates)
    y = lambda v: TOP + (HEIGHT - TOP - BOTTOM) * (1 - np.asarray(v, dtype="float64") / top)  # noqa: E731
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {WIDTH} {HEIGHT}' role='img' "
             f"aria-label='{_esc(title)}' style='max-width:100%;height:auto;font-family:inherit'>",
             f"<text x='{LEFT}' y='18' font-size='15' font-weight='600'>{_esc(title)}</text>"]
    parts += _axes(dates, x, top, y, y_label)
    if band is not None:
        low, high = (np.asarray(b, dtype="float64") for b in band)
        keep = np.isfinite(low) & np.isfinite(high)
        if keep.any():
            upper = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x[keep], y(high[keep]), strict=True))
            lower = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x[keep][::-1], y(low[keep][::-1]), strict=True))
            parts.append(f"<polygon points='{upper} {lower}' fill='#1f77b4' fill-opacity='0.18'>"
                         f"<title>{_esc(band_name)}</title></polygon>")
    for line, series in zip(lines, values, strict=True):
        keep = np.isfinite(series)
        if keep.sum() < 1:
            continue
        points = " ".join(f"{a:.1f},{b:.1f}" for a, b in zip(x[keep], y(series[keep]), strict=True))
        dash = f" stroke-dasharray='{line.dash}'" if line.dash else ""
        parts.append(f"<polyline points='{points}' fill='none' stroke='{line.colour}' stroke-width='2'{dash}>"
                     f"<title>{_esc(line.name)}</title></polyline>")
    parts += _legend([(line.name, line.colour, line.dash) for line in lines]
                     + ([(band_name, "#1f77b4", "band")] if band is not None and band_name else []))
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(labels: Sequence[str], values: Sequence[float], *, title: str, y_label: str,
              colour: str = "#1f77b4") -> str:
    """An SVG bar chart, one bar per label (e.g. the forecast per category)."""
    values = np.asarray(values, dtype="float64")
    top = float(np.nanmax(values)) * 1.1 if len(values) and np.nanmax(values) > 0 else 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(values), 1)
    parts = [f"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {WIDTH} {HEIGHT}' role='img' "
             f"aria-label='{_esc(title)}' style='max-width:100%;height:auto;font-family:inherit'>",
             f"<text x='{LEFT}' y='18' font-size='15' font-weight='600'>{_esc(title)}</text>",
             f"<text x='14' y='{TOP + plot_h / 2:.0f}' font-size='11' fill='#616e7c' "
             f"transform='rotate(-90 14 {TOP + plot_h / 2:.0f})' text-anchor='middle'>{_esc(y_label)}</text>"]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = plot_h * (value / top) if np.isfinite(value) else 0
        x0 = LEFT + i * step + step * 0.15
        parts.append(f"<rect x='{x0:.1f}' y='{TOP + plot_h - height:.1f}' width='{step * 0.7:.1f}' "
                     f"height='{height:.1f}' fill='{colour}'><title>{_esc(label)}: {value:,.0f}</title></rect>")
        parts.append(f"<text x='{x0 + step * 0.35:.1f}' y='{TOP + plot_h - height - 4:.1f}' font-size='11' "
                     f"text-anchor='middle'>{value:,.0f}</text>")
        parts.append(f"<text x='{x0 + step * 0.35:.1f}' y='{HEIGHT - BOTTOM + 16}' font-size='11' "
                     f"text-anchor='middle'>{_esc(_short(label, max(6, int(step / 7))))}</text>")
    parts.append("</svg>")
    return "".join(parts)


def _scale(dates: pd.DatetimeIndex) -> np.ndarray:
    seconds = dates.asi8.astype("float64")
    span = seconds.max() - seconds.min() if len(seconds) > 1 else 1.0
    return LEFT + (WIDTH - LEFT - RIGHT) * (seconds - seconds.min()) / span


def _axes(dates: pd.DatetimeIndex, x: np.ndarray, top: float, y, y_label: str) -> list[str]:
    parts = [f"<line x1='{LEFT}' y1='{HEIGHT - BOTTOM}' x2='{WIDTH - RIGHT}' y2='{HEIGHT - BOTTOM}' stroke='#9aa5b1'/>"]
    for tick in np.linspace(0, top / 1.05, 5):
        yy = float(y(tick))
        parts.append(f"<line x1='{LEFT}' y1='{yy:.1f}' x2='{WIDTH - RIGHT}' y2='{yy:.1f}' stroke='#e4e7eb'/>")
        parts.append(f"<text x='{LEFT - 6}' y='{yy + 4:.1f}' font-size='11' text-anchor='end'>{tick:,.0f}</text>")
    ticks = np.unique(np.linspace(0, len(dates) - 1, min(6, len(dates))).round().astype(int))
    for index in ticks:
        anchor = "end" if index == ticks[-1] and len(ticks) > 1 else "start" if index == 0 else "middle"
        parts.append(f"<text x='{x[index]:.1f}' y='{HEIGHT - BOTTOM + 16}' font-size='11' text-anchor='{anchor}'>"
                     f"{dates[index]:%d %b %Y}</text>")
    middle = (HEIGHT - BOTTOM + TOP) / 2
    parts.append(f"<text x='14' y='{middle:.0f}' font-size='11' fill='#616e7c' text-anchor='middle' "
                 f"transform='rotate(-90 14 {middle:.0f})'>{_esc(y_label)}</text>")
    return parts


def _legend(entries: list[tuple[str, str, str]]) -> list[str]:
    parts, x = [], LEFT
    for name, colour, dash in entries:
        if dash == "band":
            parts.append(f"<rect x='{x}' y='{HEIGHT - 14}' width='18' height='8' fill='{colour}' fill-opacity='0.18'/>")
        else:
            style = f" stroke-dasharray='{dash}'" if dash else ""
            parts.append(f"<line x1='{x}' y1='{HEIGHT - 10}' x2='{x + 18}' y2='{HEIGHT - 10}' stroke='{colour}' "
                         f"stroke-width='2'{style}/>")
        parts.append(f"<text x='{x + 24}' y='{HEIGHT - 6}' font-size='11'>{_esc(name)}</text>")
        x += 34 + 7 * len(name)
    return parts


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)
