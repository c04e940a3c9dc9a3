"""The report for stakeholders: one small HTML file that opens offline, by e-mail or on a shared drive.

Written for people who will not open the app: a headline (what is forecast, for
which periods, the total in units or money, accuracy in words), the forecast by
period and by category (charts and tables), the models compared, the
assumptions (the future plan, manual adjustments with their reasons) and the
data-quality summary. Charts are static SVG (:mod:`.svg`), so the file stays far
under 1.5 MB; every text that comes from the user's data is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from ..data.measure import Measure
from .style import COLOURS
from .svg import Line, bar_chart, line_chart

STYLE = """
body { font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; margin: 2rem auto; max-width: 1000px;
       color: #1f2933; padding: 0 1rem; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; } .meta { color: #616e7c; margin-top: 0; }
.headline { font-size: 1.15rem; background: #f5f7fa; border-left: 4px solid #1f77b4; padding: 0.8rem 1rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #e4e7eb; padding: 0.3rem 0.7rem; text-align: right; }
th:first-child, td:first-child { text-align: left; } th { background: #f5f7fa; }
.note { color: #616e7c; font-size: 0.9rem; }
"""
MODEL_NAMES = {"seasonal_naive": "repeating last season", "naive": "repeating the last period",
               "moving_average": "moving average", "croston": "Croston (intermittent demand)",
               "tsb": "TSB (intermittent demand)", "ets": "exponential smoothing (ETS)", "sarimax": "SARIMAX",
               "ridge": "ridge regression", "random_forest": "random forest",
               "gradient_boosting": "gradient boosting (LightGBM)", "hist_gradient_boosting": "gradient boosting "
               "(scikit-learn)", "mlp": "neural network (MLP)", "lstm": "neural network (LSTM)",
               "transformer": "neural network (Transformer)", "auto": "automatic choice (best of several)"}


@dataclass(frozen=True)
class ReportContent:
    """Everything the report says, already summed and chosen by the caller (the Forecast page)."""

    title: str
    measure: Measure
    model: str
    period_name: str  # day, week or month
    history: pd.DataFrame  # ds, y: the total's recent history
    total: pd.DataFrame  # ds, yhat, yhat_lo_80, yhat_hi_80, ...: the total's forecast
    leaderboard: pd.DataFrame  # training.compare_runs
    gain: float  # the model's MASE gain over seasonal naive (0.27 = 27% more accurate)
    windows: str  # "3 windows of 28 days"
    by_category: pd.DataFrame | None = None  # category, yhat
    plan: Sequence[str] = ()  # the assumptions about prices, promotions and drivers, in sentences
    adjustments: Sequence[str] = ()  # manual adjustments with their reasons
    quality: Sequence[str] = ()  # the data-quality summary
    notes: Sequence[str] = ()
    facts: dict[str, str] = field(default_factory=dict)  # data file, series, history ...


def stakeholder_report(content: ReportContent) -> str:
    """The report as one HTML string (write it with ``encoding="utf-8"``)."""
    c, esc = content, _esc
    first, last = c.total["ds"].min(), c.total["ds"].max()
    parts = [f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{esc(c.title)}</title>"
             f"<style>{STYLE}</style></head><body>",
             f"<h1>{esc(c.title)}</h1>",
             f"<p class='meta'>Made {datetime.now():%d %B %Y} with the demand forecasting studio</p>",
             f"<p class='headline'>{esc(headline(c))}</p>",
             _facts(c.facts),
             "<h2>Forecast by period</h2>",
             line_chart(pd.DatetimeIndex(pd.concat([c.history["ds"], c.total["ds"]])),
                        [Line("actual", [*c.history["y"], *[float("nan")] * len(c.total)], COLOURS["actual"]),
                         Line("forecast", [*[float("nan")] * len(c.history), *c.total["yhat"]], COLOURS["forecast"])],
                        title=f"Total: history and forecast, {first:%d %b %Y} to {last:%d %b %Y}",
                        y_label=c.measure.label,
                        band=([float("nan")] * len(c.history) + list(c.total.get("yhat_lo_80", c.total["yhat"])),
                              [float("nan")] * len(c.history) + list(c.total.get("yhat_hi_80", c.total["yhat"]))),
                        band_name="80% of outcomes fall in this range"),
             _period_table(c)]
    if c.by_category is not None and len(c.by_category) > 1:
        parts += ["<h2>Forecast by category</h2>",
                  bar_chart(list(c.by_category["category"].astype(str)), list(c.by_category["yhat"]),
                            title=f"Forecast per category, {first:%d %b %Y} to {last:%d %b %Y}",
                            y_label=c.measure.label),
                  _table(_category_table(c))]
    parts += ["<h2>Models compared</h2>", _table(_models_table(c.leaderboard)),
              "<p class='note'>Accuracy is measured on the last periods of the history, forecast without seeing "
              f"them ({esc(c.windows)}). \"More accurate than repeating last season\" compares the average error "
              "with that of a forecast that simply repeats the same periods of the previous season.</p>"]
    parts += _list("Assumptions", [*c.plan, *(c.adjustments or ["No manual adjustments."])])
    parts += _list("Data quality", c.quality or ["No issue found in the data."])
    if c.notes:
        parts += _list("Notes", c.notes)
    parts.append("</body></html>")
    return "\n".join(parts)


def headline(c: ReportContent) -> str:
    """One sentence: what is forecast, for which periods, the total, and accuracy in words."""
    first, last = c.total["ds"].min(), c.total["ds"].max()
    total = c.measure.amount(float(c.total["yhat"].sum()))
    periods = f"{len(c.total)} {c.period_name}{'s' if len(c.total) != 1 else ''}"
    what = "Sales value" if c.measure.is_money else "Demand"
    accuracy = (f"{c.gain:.0%} more accurate than repeating last season" if c.gain > 0 else
                f"{-c.gain:.0%} less accurate than repeating last season: treat it with care")
    return (f"{what} over the next {periods} ({first:%d %b %Y} to {last:%d %b %Y}): {total} in total. "
            f"The model in use, {MODEL_NAMES.get(c.model, c.model)}, was {accuracy} on recent history.")


def _period_table(c: ReportContent) -> str:
    amount = c.measure.amount
    rows = pd.DataFrame({c.period_name.capitalize(): c.total["ds"].dt.strftime("%d %b %Y"),
                         "Forecast": [amount(v) for v in c.total["yhat"]]})
    if "yhat_lo_80" in c.total:
        rows["Likely range (80%)"] = [f"{amount(lo)} to {amount(hi)}" for lo, hi in
                                      zip(c.total["yhat_lo_80"], c.total["yhat_hi_80"], strict=True)]
    return _table(rows)


def _category_table(c: ReportContent) -> pd.DataFrame:
    table = c.by_category.sort_values("yhat", ascending=False)
    share = table["yhat"] / table["yhat"].sum() if table["yhat"].sum() > 0 else table["yhat"] * 0
    return pd.DataFrame({"Category": table["category"].astype(str), "Forecast": [c.measure.amount(v) for v in table["yhat"]],
                         "Share": [f"{s:.0%}" for s in share]})


def _models_table(board: pd.DataFrame) -> pd.DataFrame:
    def gain(value: float) -> str:
        if value != value:
            return "(the benchmark)"
        return f"{value:.0%} more accurate" if value >= 0 else f"{-value:.0%} less accurate"
    names = [MODEL_NAMES.get(str(m).removesuffix(" (baseline)"), str(m)) for m in board["model"]]
    return pd.DataFrame({"Model": names,
                         "Against repeating last season": [gain(v) for v in board.get("mase_gain_vs_seasonal_naive",
                                                                                       pd.Series([float("nan")] * len(board)))],
                         "Average error (MASE)": [f"{v:.2f}" for v in board["mase"]],
                         "Error as a share of sales (WAPE)": [f"{v:.0%}" for v in board["wape"]]})


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, border=0, na_rep="", escape=True)


def _facts(values: dict[str, str]) -> str:
    rows = "".join(f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in values.items())
    return f"<table>{rows}</table>" if rows else ""


def _list(heading: str, items: Sequence[str]) -> list[str]:
    return [f"<h2>{_esc(heading)}</h2><ul>", *(f"<li>{_esc(item)}</li>" for item in items), "</ul>"]


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)
