"""Helpers for driving the app through Streamlit's AppTest (imported by the page tests).

``conftest.py`` makes AppTest rerun ``app.py`` on every rerun, as the server does.
"""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).parents[2]
APP = str(ROOT / "app.py")
BAD_CSV = b"date,units\n2024-01-01,twelve\n2024-01-02,3\n2024-01-03,4\n"
BAD_MESSAGE = "target column 'units' has text where numbers are expected: 'twelve' (row 2)"


def start(page: str | None = None, **state) -> AppTest:
    """A fresh session of the app on the bundled sample, optionally switched to ``page`` (e.g. ``"pages/train.py"``)."""
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    if page is not None:
        at.switch_page(page).run()
        assert not at.exception, at.exception
    return at


def with_run(at: AppTest, *runs) -> AppTest:
    """Put trained runs (``forecasting.evaluation.training.TrainedRun``) into the session for the loaded data, as Train does."""
    key = at.session_state["data_loaded"].key
    at.session_state["train_models"] = {key: {run.run_id: run for run in runs}}
    return at


def upload(at: AppTest, name: str, content: bytes, mime: str = "text/csv") -> AppTest:
    """Switch to the Data page and upload a file."""
    at.switch_page("pages/data.py").run()
    at.radio(key="data_source").set_value("Upload a file").run()
    at.file_uploader(key="data_upload").upload(name, content, mime).run()
    return at


def chart_specs(at: AppTest) -> list[dict]:
    """Plotly figures on the page as dicts (AppTest has no plotly accessor)."""
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def texts(at: AppTest) -> str:
    """Everything the page says in markdown, captions, info, warnings and errors, as one string."""
    parts = [e.value for group in (at.markdown, at.caption, at.info, at.warning, at.error, at.success) for e in group]
    return " ".join(str(p) for p in parts)


def open_tab(at: AppTest, key: str, label: str) -> AppTest:
    """Open a lazy tab (``ui.widgets.lazy_tabs``) as a click would, and rerun."""
    at.session_state[key] = label
    at.run()
    assert not at.exception, at.exception
    return at
