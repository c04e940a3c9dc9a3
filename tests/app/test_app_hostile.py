"""Hostile uploads through the app (AppTest): no exception box, and no download cell a spreadsheet evaluates."""

from __future__ import annotations

import csv
import io
import logging
import re

import openpyxl
import pytest
import streamlit
from apptest_support import start, upload, with_run
from streamlit.delta_generator import DeltaGenerator

from forecasting.data.export import is_formula_like
from forecasting.evaluation.training import TrainingSpec, train
from tests.conftest import synthetic_long
from tests.data import hostile_corpus as corpus

REASON = '=HYPERLINK("https://evil.example","click")'
IDS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-1+1"]


def hostile_csv() -> bytes:
    """Four daily series whose ids and categories are spreadsheet formulas."""
    frame = synthetic_long(n_skus=4, start="2025-01-01", end="2025-12-31")
    names = dict(zip(sorted(frame["unique_id"].unique()), IDS, strict=True))
    frame = frame.assign(sku=frame["unique_id"].map(names), category=frame["category"].map(lambda c: "=" + c))
    columns = ["ds", "sku", "category", "y", "price", "promo"]
    return frame[columns].rename(columns={"ds": "date", "y": "units"}).to_csv(index=False).encode()


@pytest.fixture
def downloads(monkeypatch):
    """What the pages hand to ``download_button`` (st.* and columns), by label; callables are called."""
    captured: dict[str, bytes] = {}

    def recorder(original):
        def recording(self_or_label, *args, **kwargs):
            bound = isinstance(self_or_label, DeltaGenerator)
            label, data = (args[0], args[1]) if bound else (self_or_label, args[0])
            captured[label] = data() if callable(data) else data
            return original(self_or_label, *args, **kwargs)
        return recording

    monkeypatch.setattr(DeltaGenerator, "download_button", recorder(DeltaGenerator.download_button))
    original = streamlit.download_button
    monkeypatch.setattr(streamlit, "download_button", lambda *a, **k: recorder(lambda *b, **c: original(*b, **c))(*a, **k))
    return captured


def evaluated(data: bytes | str) -> list[str]:
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row if is_formula_like(cell)]


def formulas(data: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [f"{sheet.title}!{cell.coordinate}" for sheet in book.worksheets for row in sheet.iter_rows()
            for cell in row if cell.data_type == "f" or (isinstance(cell.value, str) and is_formula_like(cell.value))]


@pytest.fixture(scope="module")
def hostile_run():
    """The hostile file loaded as the app loads it, and a naive run on it."""
    at = upload(start(), "hostile.csv", hostile_csv())
    assert not at.exception, at.exception
    loaded = at.session_state["data_loaded"]
    return train(TrainingSpec("naive", horizon=7, folds=2), loaded.result.frame, loaded.dataset.freq)


def test_every_download_is_free_of_formulas(hostile_run, downloads):
    at = upload(start(), "hostile.csv", hostile_csv())
    with_run(at, hostile_run)
    at.session_state["forecast_tab"] = "Table and downloads"
    at.switch_page("pages/review.py").run()
    at.text_input(key="review_reason").input(REASON)
    next(b for b in at.button if b.label == "Add adjustment").click().run()
    assert not at.exception, at.exception
    for page in ("pages/forecast.py", "pages/inventory.py", "pages/pricing.py", "pages/alerts.py", "pages/review.py"):
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
    assert {"Forecast (CSV)", "Forecast, backtest and scores (Excel)", "Recommendations (CSV)",
            "Projected stock per period (CSV)", "Alerts (CSV)", "Export adjustments (CSV)"} <= set(downloads)
    for label, data in downloads.items():
        if label.endswith("(CSV)"):
            assert evaluated(data) == [], label
    assert formulas(downloads["Forecast, backtest and scores (Excel)"]) == []
    forecast = list(csv.DictReader(io.StringIO(downloads["Forecast (CSV)"].decode())))
    assert {row["sku"] for row in forecast} == {"'" + uid for uid in IDS}
    assert any(row["adjustment_reason"] == "'" + REASON for row in forecast)
    exported = list(csv.DictReader(io.StringIO(downloads["Export adjustments (CSV)"].decode())))
    assert [row["reason"] for row in exported] == ["'" + REASON]


# --- bombs and broken files: one error line, never an exception box -----------------------------------------------

UNESCAPED = re.compile(r"(?<!\\)[\[\]<>]|(?<!\\)://")  # markup that is not backslash-escaped


def all_text(at) -> str:
    groups = (at.markdown, at.caption, at.info, at.warning, at.error, at.success, at.sidebar.markdown,
              at.sidebar.caption)
    return " ".join(str(e.value) for group in groups for e in group)


@pytest.mark.parametrize(("name", "build", "expected"), [
    ("far.xlsx", corpus.far_cell_xlsx, "spans 1,048,576 rows x 16,384 columns"),
    ("inflating.xlsx", lambda: corpus.inflating_xlsx(20), "times its compressed size"),
    ("laughs.xlsx", corpus.entity_bomb_xlsx, "declares a DTD"),
    ("nested.parquet", corpus.nested_parquet, "holding lists or records"),
    ("huge.csv", corpus.huge_target_csv, "numbers too large to be sales data"),
])
def test_a_hostile_upload_shows_one_error_line(name, build, expected):
    at = upload(start(), name, build(), "application/octet-stream")
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and expected in errors[0], errors
    assert "Traceback" not in all_text(at) and "site-packages" not in all_text(at)


def test_an_unexpected_failure_shows_one_line_and_logs_the_traceback(monkeypatch, caplog):
    import ui.data_access  # noqa: PLC0415

    def broken(*args, **kwargs):
        raise RuntimeError("a bug at /srv/app/secret/path.py")

    monkeypatch.setattr(ui.data_access, "read_table", broken)
    with caplog.at_level(logging.ERROR, logger="forecasting.app"):
        at = upload(start(), "fine.csv", corpus.sales_csv(["A"], days=30))
    assert not at.exception, at.exception
    assert len(at.error) == 1 and "Something went wrong on the Data page (RuntimeError)" in at.error[0].value
    assert "/srv/app" not in all_text(at)
    assert any(record.exc_info and "a bug at /srv/app" in str(record.exc_info[1]) for record in caplog.records)


# --- markup: names and cells from the file are text, never links, images or HTML -------------------------------

def test_a_file_named_like_a_markdown_image_is_shown_as_text():
    name = corpus.MARKDOWN_IMAGE + ".csv"
    at = upload(start(), name, corpus.sales_csv(["A", "B"], days=30, category="x"))
    assert not at.exception and not at.error, at.error
    text = all_text(at)
    assert "pixel.png" in text and not UNESCAPED.findall(text)  # every [ ] < > :// is escaped
    assert "\\!\\[x\\]" in text or "!\\[x\\]" in text


def test_a_cell_with_a_markdown_link_stays_text_inside_the_error_box():
    cells = corpus.sales_csv(["A"], days=30).decode().splitlines()
    cells[3] = cells[3].rsplit(",", 1)[0] + ',"' + corpus.MARKDOWN_LINK + '"'
    at = upload(start(), "link.csv", ("\n".join(cells) + "\n").encode())
    assert not at.exception, at.exception
    assert len(at.error) == 1
    message = at.error[0].value
    assert "\\[Session expired - click to log in again\\](https\\://evil.example/login)" in message
    assert not UNESCAPED.findall(message)


def test_series_ids_with_html_are_escaped_in_chart_titles_and_the_report(downloads):
    data = corpus.sales_csv([corpus.HTML_LINK, "plain"], days=120, category="<b>bold</b>")
    at = upload(start(), corpus.HTML_LINK + ".csv", data)
    assert not at.exception and not at.error, at.error
    loaded = at.session_state["data_loaded"]
    run = train(TrainingSpec("naive", horizon=7, folds=2), loaded.result.frame, loaded.dataset.freq)
    with_run(at, run)
    at.switch_page("pages/forecast.py").run()
    at.radio(key="forecast_level").set_value("series").run()
    at.selectbox(key="forecast_series_series").set_value(corpus.HTML_LINK).run()
    assert not at.exception, at.exception
    from apptest_support import chart_specs  # noqa: PLC0415

    titles = [spec["layout"]["title"]["text"] for spec in chart_specs(at)]
    assert titles[0] == '&lt;a href="https://evil.example"&gt;click&lt;/a&gt;: forecast and backtest'
    at.session_state["forecast_tab"] = "Table and downloads"
    at.run()
    report = downloads["Report for stakeholders (HTML)"]
    report = report.decode() if isinstance(report, bytes) else report
    assert corpus.HTML_LINK not in report  # not in the title, headings, tables or chart text
    assert "&lt;a href=" in report


def test_the_server_caps_uploads_and_hides_error_details():
    import tomllib  # noqa: PLC0415

    from apptest_support import ROOT  # noqa: PLC0415

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == "none"
    assert config["server"]["maxUploadSize"] == 200


def test_the_reader_uses_the_servers_upload_limit(monkeypatch):
    import streamlit as st  # noqa: PLC0415

    from ui.data_access import upload_limits  # noqa: PLC0415

    monkeypatch.setattr(st, "get_option", lambda name: 3 if name == "server.maxUploadSize" else None)
    assert upload_limits().max_mb == 3.0
