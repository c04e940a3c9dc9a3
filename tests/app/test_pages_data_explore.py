"""The app, the Data page and the Explore page driven through Streamlit's AppTest.

Each test starts a fresh session of ``app.py`` (the bundled sample loads on
first start), acts as a user would (selects, uploads) and checks what the page
shows. AppTest has no plotly accessor: charts are found with ``at.get("plotly_chart")``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).parents[2]
APP = str(ROOT / "app.py")
BAD_CSV = b"date,units\n2024-01-01,twelve\n2024-01-02,3\n2024-01-03,4\n"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BAD_MESSAGE = "target column 'units' has text where numbers are expected: 'twelve' (row 2)"


def start(**state) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def sidebar_text(at: AppTest) -> str:
    return " ".join([m.value for m in at.sidebar.markdown] + [c.value for c in at.sidebar.caption])


def changes_table(at: AppTest):
    """The table of changed cells (the one with before/after columns)."""
    return next(d.value for d in at.dataframe if {"before", "after", "action"} <= set(d.value.columns))


def upload(at: AppTest, name: str, content: bytes, mime: str = "text/csv") -> AppTest:
    at.radio(key="data_source").set_value("Upload a file").run()
    at.file_uploader(key="data_upload").upload(name, content, mime).run()
    return at


def chart_specs(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def test_the_app_starts_on_the_sample_and_the_sidebar_shows_it():
    at = start()
    assert [e.value for e in at.error] == []
    assert at.title[0].value == "Data"
    assert metric(at, "Series") == "48"
    assert metric(at, "Frequency") == "daily (D)"
    text = sidebar_text(at)
    assert "sales.csv" in text and "48 series" in text and "2023-01-01 to 2025-12-31" in text
    assert "daily" in text and "None yet" in text  # no trained models
    # the detected mapping is preselected
    assert at.selectbox(key="data_map_target").value == "units"
    assert at.multiselect(key="data_map_ids").value == ["sku"]
    assert at.selectbox(key="data_map_freq").value == "keep" and at.selectbox(key="data_map_stock").value == "stock"
    # the quality report lists the planted defects, warnings flagged
    report = next(d.value for d in at.dataframe if "severity" in d.value.columns)
    assert {"duplicates", "gaps", "stockouts", "outliers"} <= set(report["kind"])
    assert report["severity"].str.contains("warning").any()
    assert len(at.get("plotly_chart")) == 1  # the before/after chart


def test_the_sidebar_lists_trained_models(sample_run):
    at = start()
    key = at.session_state["data_loaded"].key
    at.session_state["train_models"] = {key: {sample_run.run_id: sample_run}}
    at.run()
    assert "ridge" in sidebar_text(at)


def test_weekly_frequency_changes_the_page_and_the_sidebar():
    at = start()
    at.selectbox(key="data_map_freq").set_value("W").run()
    assert not at.exception and not at.error
    assert metric(at, "Frequency") == "weekly (W-MON)"
    assert "weekly (W-MON)" in sidebar_text(at)
    assert int(metric(at, "Rows before cleaning").replace(",", "")) < 52_593 / 6


def test_changing_the_ids_changes_the_series_count_and_survives_a_page_visit():
    at = start()
    at.selectbox(key="data_map_category").set_value("(none)").run()
    at.multiselect(key="data_map_ids").set_value(["category"]).run()
    # a panel has one row per series and day: summing the products of a category needs the order-lines shape
    assert len(at.error) == 1 and "add it as an id column" in at.error[0].value
    assert "48 series" in sidebar_text(at)
    at.selectbox(key="data_map_shape").set_value("order_lines").run()
    assert not at.exception and [e.value for e in at.error] == []
    assert metric(at, "Series") == "6"
    assert "6 series" in sidebar_text(at)
    at.switch_page("pages/explore.py").run()
    at.switch_page("pages/data.py").run()
    assert at.multiselect(key="data_map_ids").value == ["category"]
    assert metric(at, "Series") == "6"


def test_mapping_one_column_twice_shows_the_library_message():
    at = start()
    at.selectbox(key="data_map_price").set_value("units").run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "column 'units' is mapped to more than one field; map each column to one field only"]
    at.selectbox(key="data_map_price").set_value("price").run()
    assert not at.error and metric(at, "Series") == "48"


def test_a_bad_upload_shows_one_error_and_keeps_the_previous_data():
    at = upload(start(), "sales.csv", BAD_CSV)
    assert not at.exception
    assert len(at.error) == 1
    assert BAD_MESSAGE in at.error[0].value
    assert "sales.csv (bundled sample)" in sidebar_text(at) and "48 series" in sidebar_text(at)
    at.run()  # a rerun neither loses the data nor doubles the error
    assert len(at.error) == 1 and "48 series" in sidebar_text(at)
    at.switch_page("pages/explore.py").run()
    assert not at.exception and len(at.get("plotly_chart")) > 0


def test_a_file_that_cannot_be_read_keeps_the_previous_choices():
    at = start()
    at.selectbox(key="data_map_freq").set_value("M").run()
    upload(at, "notes.csv", b"just one column\nof text\n")
    assert len(at.error) == 1 and "only one column" in at.error[0].value
    assert "monthly" in sidebar_text(at)
    at.radio(key="data_source").set_value("Sample data").run()
    assert not at.error and at.selectbox(key="data_map_freq").value == "M"


def test_an_excel_workbook_whose_first_sheet_is_notes_can_switch_sheets():
    sales = pd.read_csv(ROOT / "sample_data" / "sales.csv", nrows=2 * 1096).head(1500)
    book = io.BytesIO()
    with pd.ExcelWriter(book) as writer:
        pd.DataFrame({"notes": ["exported by the ERP"]}).to_excel(writer, sheet_name="About", index=False)
        sales.to_excel(writer, sheet_name="Sales", index=False)
    at = upload(start(), "book.xlsx", book.getvalue(), XLSX)
    assert not at.exception
    assert len(at.error) == 1 and "no column holds dates" in at.error[0].value
    assert "48 series" in sidebar_text(at)  # still the sample
    sheet = next(s for s in at.selectbox if s.key.startswith("data_sheet_"))
    assert sheet.options == ["About", "Sales"] and sheet.value == "About"
    sheet.set_value("Sales").run()
    assert not at.exception and not at.error
    assert metric(at, "Series") == "2" and "book.xlsx" in sidebar_text(at)
    assert "sheet 'Sales' of 2" in at.markdown[0].value


def test_an_upload_replaces_the_sample():
    csv = "Order Date,Product,Qty\n" + "".join(f"2024-01-{d:02d},P{d % 3},{d}\n" for d in range(1, 29))
    at = upload(start(), "orders.csv", csv.encode())
    assert not at.exception and not at.error
    assert metric(at, "Series") == "3"
    assert "orders.csv" in sidebar_text(at) and "3 series" in sidebar_text(at)


def test_order_lines_upload_with_weekly_frequency():
    """The sample's order-lines file, as a new user would load it: detected as order lines, summed to weeks."""
    at = upload(start(), "orders.csv", (ROOT / "sample_data" / "orders.csv").read_bytes())
    assert not at.exception and not at.error
    assert at.selectbox(key="data_map_shape").value == "order_lines"
    at.selectbox(key="data_map_freq").set_value("W").run()
    assert not at.exception and not at.error
    assert metric(at, "Series") == "5" and metric(at, "Frequency") == "weekly (W-MON)"


def test_clipping_outliers_changes_the_changes_table():
    at = start()
    flagged = changes_table(at)
    assert "outlier_flagged" in set(flagged["action"])
    at.selectbox(key="data_clean_outliers").set_value("clip").run()
    assert not at.exception and not at.error
    clipped = changes_table(at)
    assert "outlier_clipped" in set(clipped["action"]) and "outlier_flagged" not in set(clipped["action"])
    rows = clipped.loc[clipped["action"].eq("outlier_clipped")]
    assert len(rows) == len(flagged.loc[flagged["action"].eq("outlier_flagged")])
    assert (rows["after"] != rows["before"]).all() and (rows["after"] < rows["before"]).any()


def test_the_explore_page_draws_its_charts_and_follows_the_level():
    at = start()
    at.switch_page("pages/explore.py").run()
    assert not at.exception and not at.error
    assert [c["layout"]["title"]["text"] for c in chart_specs(at)] == ["Total: units per day", "By category"]
    drawn = 2
    for tab in ["Trend and season", "Profiles", "Price and promotion", "ABC / XYZ"]:  # only the open tab runs
        at.session_state["explore_tab"] = tab
        at.run()
        assert not at.exception and not at.error, tab
        assert "Total: units per day" not in [c["layout"]["title"]["text"] for c in chart_specs(at)], tab
        drawn += len(at.get("plotly_chart"))
    assert drawn >= 8
    at.session_state["explore_tab"] = "History"
    at.run()
    total = chart_specs(at)[0]
    assert [t["name"] for t in total["data"]] == ["Total"]
    at.radio(key="explore_level").set_value("category").run()
    assert not at.exception
    category = chart_specs(at)[0]
    assert [t["name"] for t in category["data"]] == ["Beauty"]
    assert category["data"][0]["y"] != total["data"][0]["y"]
    at.radio(key="explore_level").set_value("series").run()
    at.selectbox(key="explore_series_series").set_value("SKU-005").run()
    assert not at.exception
    assert [t["name"] for t in chart_specs(at)[0]["data"]] == ["SKU-005"]


@pytest.mark.parametrize("page", ["pages/explore.py", "pages/train.py", "pages/forecast.py", "pages/review.py",
                                  "pages/inventory.py", "pages/pricing.py", "pages/promotions.py", "pages/alerts.py"])
def test_pages_opened_without_data_say_load_data_first(page):
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["data_autoload"] = False  # a session that starts on this page with nothing loaded
    at.switch_page(page).run()
    assert "Nothing loaded yet" in sidebar_text(at)
    assert not at.exception and not at.error
    assert any("Load data first" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 0


def test_a_sales_value_is_labelled_as_money_with_the_users_currency():
    dates = pd.date_range("2023-01-06", periods=60, freq="W-FRI").strftime("%Y-%m-%d")
    money = pd.DataFrame({"Date": list(dates) * 2, "Store": [1] * 60 + [2] * 60,
                          "Weekly_Sales": [1500.75 + (i % 9) * 10.5 for i in range(120)]})
    at = upload(start(), "walmart.csv", money.to_csv(index=False).encode())
    assert not at.exception and not at.error
    assert at.selectbox(key="data_map_measure").value == "detect"
    assert at.session_state["data_loaded"].dataset.measure.kind == "money"
    at.text_input(key="data_map_currency").set_value("$").run()
    at.switch_page("pages/explore.py").run()
    assert metric(at, "Sales value").startswith("$")
    at.switch_page("pages/data.py").run()
    at.selectbox(key="data_map_measure").set_value("units").run()
    at.switch_page("pages/explore.py").run()
    assert metric(at, "Units sold") == f"{money['Weekly_Sales'].sum():,.0f}"
