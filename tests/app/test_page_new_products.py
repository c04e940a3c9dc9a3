"""The New products page through AppTest: typed SKUs get a launch forecast, a chart and their similar products."""

from __future__ import annotations

import pandas as pd
from apptest_support import ROOT, chart_specs, start, texts

PAGE = "pages/new_products.py"


def test_a_typed_new_product_gets_a_forecast_and_its_similar_products():
    at = start(page=PAGE)
    assert not at.exception and not at.error
    similar = at.dataframe[-1].value  # the first is the editor of the new SKUs
    assert len(similar) == 10 and set(similar.columns) == {"Rank", "Product", "Name", "Similarity"}
    assert similar["Product"].str.startswith("SKU-").all()
    spec = chart_specs(at)[0]
    names = {trace.get("name") for trace in spec["data"]}
    assert {"forecast", "80% interval", "95% interval", "similar products' launches"} <= names
    assert "Expected over the first" in texts(at) and "past launches" in texts(at)
    assert len(at.get("download_button")) == 2


def test_a_product_sharing_a_products_words_has_it_as_first_neighbour():
    at = start(page=PAGE)
    products = pd.read_csv(ROOT / "sample_data" / "products.csv")
    target = products.iloc[5]
    edited = {"edited_rows": {0: {"id": "NEW-9", "name": f"{target['name']} {target['description']}",
                                  "category": target["category"]}},
              "added_rows": [], "deleted_rows": []}
    at.session_state["launch_editor"] = edited
    at.run()
    assert not at.exception and not at.error
    assert at.dataframe[-1].value["Product"].iloc[0] == target["sku"]


def test_a_bad_upload_is_one_red_line_and_an_empty_editor_says_what_to_type():
    at = start(page=PAGE)
    at.radio(key="launch_source").set_value("Upload a file").run()
    at.file_uploader(key="launch_upload").upload("new.csv", b"sku,price\nN1,3\n", "text/csv").run()
    assert not at.exception
    assert len(at.error) == 1 and "no name or description column" in at.error[0].value
    at.radio(key="launch_source").set_value("Type them").run()
    at.session_state["launch_editor"] = {"edited_rows": {}, "added_rows": [], "deleted_rows": [0]}
    at.run()
    assert not at.exception and not at.error
    assert "Type at least one new product" in texts(at)


def test_an_uploaded_sales_file_without_names_asks_for_a_products_file_then_forecasts():
    from apptest_support import upload

    from forecasting.synthetic import SyntheticConfig, generate

    data = generate(SyntheticConfig(n_skus=12, n_categories=3, start="2024-01-01", end="2025-06-30", seed=5,
                                    dirty=False, launches=True))
    at = upload(start(), "sales.csv", data.sales[["date", "sku", "category", "units"]].to_csv(index=False).encode())
    assert not at.exception and not at.error
    at.switch_page(PAGE).run()
    assert not at.exception and not at.error
    assert "no product names" in texts(at)
    at.file_uploader(key="launch_names_upload").upload("products.csv", data.products.to_csv(index=False).encode(),
                                                       "text/csv").run()
    assert not at.exception and not at.error
    assert "Expected over the first" in texts(at)
    assert set(at.dataframe[-1].value["Product"]) <= set(data.products["sku"])


def test_hostile_names_are_shown_as_text():
    import re

    at = start(page=PAGE)
    hostile = "[Log in](https://evil.example) <b>x</b>"
    at.session_state["launch_editor"] = {"edited_rows": {0: {"id": hostile, "name": hostile,
                                                             "category": "<script>"}},
                                         "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception and not at.error
    shown = [e.value for group in (at.markdown, at.caption, at.info) for e in group]
    assert not any(re.search(r"(?<!\\)[\[\]<>]|(?<!\\)://", text) for text in shown), shown
    title = chart_specs(at)[0]["layout"]["title"]["text"]
    assert "<b>" not in title and "&lt;b&gt;" in title
