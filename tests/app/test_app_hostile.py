"""Hostile uploads through the app (AppTest): no exception box, and no download cell a spreadsheet evaluates."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
import streamlit
from apptest_support import start, upload, with_run
from streamlit.delta_generator import DeltaGenerator

from forecasting.data.export import is_formula_like
from forecasting.evaluation.training import TrainingSpec, train
from tests.conftest import synthetic_long

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
