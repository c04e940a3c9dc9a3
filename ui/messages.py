"""Library messages in the app's words, and the one way a page shows an error.

The library keeps how to fix a problem apart from the problem, as a template
that names settings (:mod:`forecasting.errors`); the command line fills in its
flags (``--target``), the app its field labels ("Quantity to forecast").
"""

from __future__ import annotations

import logging
import re

import streamlit as st

from forecasting.data.issues import Issue
from forecasting.errors import ForecastingError

#: The field (and its page) that changes each setting a library message can name.
FIELD_LABELS = {
    "date": "“Date”",
    "date_format": "“Date format”",
    "target": "“Quantity to forecast”",
    "ids": "“Series id columns”",
    "price": "“Price”",
    "revenue": "“Sales value”",
    "promo": "“Promotion”",
    "category": "“Category”",
    "stock": "“Stock on hand”",
    "shape": "“Table shape”",
    "freq": "“Frequency”",
    "max_mb": "the upload limit",
    "max_rows": "the row limit (the command line's --max-rows)",
    "max_columns": "the column limit (the command line's --max-columns)",
    "max_series": "the series limit (the command line's --max-series)",
    "max_cells": "the cell limit (the command line's --max-cells)",
    "folds": "“Backtest windows” on the Train page",
    "horizon": "“Horizon” on the Train page",
    "measure": "“The quantity to forecast is”",
    "currency": "“Currency symbol”",
    "store": "the workspace store (FORECASTING_STORE)",
    "workers": "the Dask workers (--workers on the command line)",
    "scheduler": "the Dask scheduler address (--scheduler on the command line)",
}
#: Values a fix can ask a setting to take, as the app's widgets show them.
VALUE_LABELS = {"W or M": "weekly or monthly", "W": "weekly", "M": "monthly", "D": "daily",
                "order_lines": "order lines", "none": "(none)", "units or money": "units or money"}


def field_name(setting: str, value: str = "") -> str:
    """The app's words for a setting: ``“Frequency”`` or ``“Frequency” set to monthly``."""
    label = FIELD_LABELS[setting]
    return f"{label} set to {VALUE_LABELS.get(value, value)}" if value else label


def for_app(problem: ForecastingError | Issue | str) -> str:
    """A library error or finding with its fix naming the app's fields instead of command-line flags."""
    if isinstance(problem, ForecastingError):
        return problem.render(field_name)
    if isinstance(problem, Issue):
        return problem.text(field_name)
    return str(problem)


def show_error(problem: ForecastingError | str, *, context: str = "") -> None:
    """One red box with one line: what went wrong (prefixed by ``context``, e.g. a file or model name).

    The message quotes values from the user's file, so it is shown as text, never as markdown.
    """
    text = for_app(problem)
    st.error(md(f"{context}: {text}" if context else text))


def for_markdown(problem: ForecastingError | Issue | str) -> str:
    """:func:`for_app` escaped for the markdown of ``st.info``, ``st.warning`` and captions."""
    return md(for_app(problem))


# Characters that start markdown or Streamlit markup: links and images ([ ]), HTML and autolinks (< >), code,
# emphasis, LaTeX ($), strikethrough, headings, tables; backslash first so the escapes are not escaped again.
_MARKUP = re.compile(r"([\\`*\[\]<>$~#|])")
_AUTOLINK = re.compile(r"(?i)(://|www\.)")

LOG = logging.getLogger("forecasting.app")


def md(text: object) -> str:
    """User-derived text (a file name, an id, a cell value, a message quoting them) made safe for markdown.

    Streamlit renders markdown in ``st.error``, ``st.markdown``, captions, labels and the sidebar: a file
    named ``[Log in](https://evil.example)`` would become a link, ``![x](url)`` would make the browser fetch
    an image. Escaped, the text shows as typed: no link, image, emphasis, heading, LaTeX or bare-URL link,
    and one line.
    """
    flat = " ".join(str(text).split("\n")).replace("\r", " ")
    escaped = _MARKUP.sub(r"\\\1", flat)
    return _AUTOLINK.sub(lambda m: "\\://" if m.group(1) == "://" else m.group(1)[:3] + "\\.", escaped)


def show_unexpected(exc: BaseException, *, where: str = "this page") -> None:
    """A bug, not bad input: log the traceback on the server, show one line in the app (never the trace)."""
    LOG.error("unexpected error on %s", where, exc_info=exc)
    st.error(f"Something went wrong on {where} ({type(exc).__name__}); it has been logged for the developers. "
             "Try another setting or reload the page.", icon=":material/error:")

