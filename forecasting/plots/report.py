"""A self-contained HTML report for stakeholders: charts, leaderboard, settings and notes in one file.

plotly.js is embedded once (the first chart), so the file opens offline, by
e-mail or on a shared drive, with interactive charts and no server.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go

STYLE = """
body { font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 1100px;
       color: #1f2933; padding: 0 1rem; }
h1 { margin-bottom: 0.2rem; } .meta { color: #616e7c; margin-top: 0; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #e4e7eb; padding: 0.3rem 0.7rem; text-align: right; }
th:first-child, td:first-child { text-align: left; } th { background: #f5f7fa; }
.note { color: #616e7c; font-size: 0.9rem; }
"""


def html_report(
    title: str,
    facts: dict[str, object],
    leaderboard: pd.DataFrame,
    figures: Sequence[tuple[str, go.Figure]],
    *,
    settings: dict[str, object] | None = None,
    tables: Sequence[tuple[str, pd.DataFrame]] = (),
    notes: Sequence[str] = (),
) -> str:
    """The report as one HTML string (write it with ``encoding="utf-8"``)."""
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
             f"<style>{STYLE}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>",
             f"<p class='meta'>Made {datetime.now():%Y-%m-%d %H:%M} with the demand forecasting studio</p>",
             _definitions(facts),
             "<h2>Model comparison</h2>", _table(leaderboard),
             "<p class='note'>MASE: error relative to a one-season-ago forecast (below 1 beats it). "
             "Gain: how much lower the MASE is than seasonal naive's on the same backtest windows.</p>"]
    for index, (heading, figure) in enumerate(figures):
        parts.append(f"<h2>{html.escape(heading)}</h2>")
        parts.append(figure.to_html(full_html=False, include_plotlyjs="inline" if index == 0 else False,
                                    config={"displaylogo": False}))
    for heading, table in tables:
        parts += [f"<h2>{html.escape(heading)}</h2>", _table(table)]
    if settings:
        parts += ["<h2>Settings</h2>", _definitions(settings)]
    if notes:
        parts += ["<h2>Notes</h2><ul>", *(f"<li>{html.escape(str(n))}</li>" for n in notes), "</ul>"]
    parts.append("</body></html>")
    return "\n".join(parts)


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, border=0, float_format=lambda v: f"{v:,.3f}", na_rep="")


def _definitions(values: dict[str, object]) -> str:
    rows = "".join(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(_text(v))}</td></tr>" for k, v in values.items())
    return f"<table>{rows}</table>"


def _text(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{k}={_text(v)}" for k, v in value.items())
    if isinstance(value, (tuple, list)):
        return ", ".join(map(str, value))
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}"
    return str(value)
