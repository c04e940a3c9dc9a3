"""The app starts on the sample data and shows a clear error for a bad upload."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).parent.parent / "app.py")


def test_app_shows_the_sample_summary():
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert [m.value for m in at.metric][:3] == ["48", "52,593", "D"]
    assert len(at.get("plotly_chart")) == 1
    assert "stockouts" in at.dataframe[0].value["kind"].tolist()


def test_a_bad_upload_shows_one_clear_error_and_no_traceback():
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.sidebar.file_uploader[0].upload("sales.csv", b"date,units\n2024-01-01,twelve\n2024-01-02,3\n2024-01-03,4\n",
                                       "text/csv").run()
    assert not at.exception
    assert len(at.error) == 1
    assert "target column 'units' has text where numbers are expected: 'twelve' (row 2)" in at.error[0].value


def test_an_upload_replaces_the_sample():
    at = AppTest.from_file(APP, default_timeout=60).run()
    csv = "Order Date,Product,Qty\n" + "".join(f"2024-01-{d:02d},P{d % 3},{d}\n" for d in range(1, 29))
    at.sidebar.file_uploader[0].upload("orders.csv", csv.encode(), "text/csv").run()
    assert not at.exception
    assert [m.value for m in at.metric][:2] == ["3", "28"]
