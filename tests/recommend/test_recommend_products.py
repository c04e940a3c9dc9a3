"""The products file: reading by column names, units, matching to the sales ids, and stated defaults."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import ConfigError, DataValidationError, MappingError
from forecasting.recommend.inventory import lead_periods, review_periods
from forecasting.recommend.products import (
    FIELDS,
    ProductDefaults,
    default_products,
    load_products,
    match_products,
    period_days,
    read_products,
)

SAMPLE = Path(__file__).parents[2] / "sample_data"


def sales(ids, days: int = 40, *, price: float = 10.0, stock: float | None = None) -> pd.DataFrame:
    """A small daily sales table: 5 units a day per id."""
    rows = []
    for uid in ids:
        for ds in pd.date_range("2025-01-01", periods=days):
            row = {"unique_id": uid, "ds": ds, "y": 5.0, "price": price}
            if stock is not None:
                row["stock"] = stock
            rows.append(row)
    return pd.DataFrame(rows)


def test_the_sample_products_file_is_read_by_its_column_names():
    table = read_products(SAMPLE / "products.csv")
    raw = pd.read_csv(SAMPLE / "products.csv")
    assert len(table) == 48
    assert list(table["unique_id"]) == list(raw["sku"])
    assert np.allclose(table["unit_cost"], raw["unit_cost"])
    assert np.allclose(table["lead_time"], raw["lead_time_days"])
    assert np.allclose(table["on_hand"], raw["stock_on_hand"])
    assert list(table["category"]) == list(raw["category"])
    assert table[["price", "on_order", "moq", "service_level"]].isna().all().all()  # not in the file


def test_other_names_units_and_percentages_are_understood():
    raw = pd.DataFrame({"Item ID": ["a", "b"], "Cost": ["1,200.50", "3"], "Lead Time Weeks": [2, 1],
                        "On Hand": [10, 0], "Min Order Qty": [12, 1], "Service Level": ["95%", 90],
                        "Holding Rate": [20, 0.3], "Open Orders": [5, 0], "Order Cost": [40, 40]})
    table = read_products(raw).set_index("unique_id")
    assert table.loc["a", "unit_cost"] == 1200.5
    assert table.loc["a", "lead_time"] == 14 and table.loc["b", "lead_time"] == 7  # weeks become days
    assert table.loc["a", "moq"] == 12 and table.loc["a", "on_order"] == 5
    assert table.loc["a", "service_level"] == pytest.approx(0.95)
    assert table.loc["b", "service_level"] == pytest.approx(0.90)  # 90 read as percent
    assert table.loc["a", "holding_rate"] == pytest.approx(0.20)


def test_a_mapping_names_columns_that_are_not_recognised():
    raw = pd.DataFrame({"article no": ["a"], "purchase": [3.0], "wbz": [9]})
    table = read_products(raw, mapping={"unique_id": "article no", "unit_cost": "purchase", "lead_time": "wbz"})
    assert table.loc[0, "unit_cost"] == 3.0 and table.loc[0, "lead_time"] == 9
    with pytest.raises(MappingError, match=r"column 'nope' \(given as unit_cost\) is not in the products file"):
        read_products(raw, mapping={"unique_id": "article no", "unit_cost": "nope"})
    with pytest.raises(ConfigError, match="unknown products field 'colour'"):
        read_products(raw, mapping={"colour": "wbz"})


@pytest.mark.parametrize(("frame", "error", "message"), [
    (pd.DataFrame({"name": ["x"], "cost": [1.0]}), MappingError, "the products file has no id column"),
    (pd.DataFrame({"sku": ["a", "b"], "cost": ["1.5", "cheap"]}), DataValidationError,
     r"products column 'cost' \(unit_cost\) has text where numbers are expected: 'cheap' \(row 1\)"),
    (pd.DataFrame({"sku": ["a", "b"], "lead_time": [3, -2]}), DataValidationError,
     r"products column 'lead_time' \(lead_time\) is negative in row\(s\) 1"),
    (pd.DataFrame({"sku": ["a"], "service_level": [0.3]}), DataValidationError,
     "service level in column 'service_level' must be a share from 0.5 to below 1"),
    (pd.DataFrame({"sku": ["a", "a"], "cost": [1.0, 2.0]}), DataValidationError,
     r"several different rows for id\(s\) 'a'"),
    (pd.DataFrame({"sku": ["a", None], "cost": [1.0, 2.0]}), DataValidationError,
     r"the products id column 'sku' is empty in row\(s\) 1"),
])
def test_bad_products_files_get_one_line_that_says_what_to_fix(frame, error, message):
    with pytest.raises(error, match=message) as caught:
        read_products(frame)
    assert "\n" not in str(caught.value)


def test_identical_repeated_rows_are_one_product():
    table = read_products(pd.DataFrame({"sku": ["a", "a"], "cost": [1.0, 1.0]}))
    assert match_products(table, sales(["a"]), "D").table["unit_cost"].tolist() == [1.0]


def test_unknown_and_missing_ids_are_reported_and_the_missing_ones_use_defaults():
    products = read_products(pd.DataFrame({"sku": ["a", "zz"], "cost": [2.0, 9.0], "lead_time": [5, 5]}))
    match = match_products(products, sales(["a", "b"]), "D")
    assert match.unknown == ("zz",) and match.missing == ("b",)
    assert any("'zz'" in note for note in match.notes) and any("'b'" in note for note in match.notes)
    table = match.table.set_index("unique_id")
    assert list(table.index) == ["a", "b"]
    assert table.loc["a", "unit_cost"] == 2.0 and table.loc["a", "lead_time"] == 5
    assert table.loc["b", "unit_cost"] == pytest.approx(6.0)  # 60% of the 10.0 price
    assert "unit_cost" in table.loc["b", "defaulted"] and "unit_cost" not in table.loc["a", "defaulted"]


def test_composite_sales_ids_match_products_keyed_by_one_part_and_say_so():
    frame = sales(["S1 / a", "S2 / a", "S1 / b"])
    products = read_products(pd.DataFrame({"sku": ["a", "b"], "cost": [2.0, 3.0], "on_hand": [7, 1]}))
    match = match_products(products, frame, "D")
    table = match.table.set_index("unique_id")
    assert table.loc["S1 / a", "unit_cost"] == 2.0 and table.loc["S2 / a", "unit_cost"] == 2.0
    assert table.loc["S1 / b", "on_hand"] == 1
    assert match.missing == () and match.unknown == ()
    assert any("apply to each of its series" in note and "'S1 / a'" in note for note in match.notes)


def test_products_that_match_nothing_say_how_to_write_composite_ids():
    frame = sales(["S1 / a", "S2 / b"])
    products = read_products(pd.DataFrame({"sku": ["x1", "x2"], "cost": [2.0, 3.0]}))
    with pytest.raises(DataValidationError, match="write the products ids the same way, e.g. 'S1 / a'"):
        match_products(products, frame, "D")


def test_defaults_take_stock_from_the_sales_and_match_the_sample_products_file(sample_frame):
    frame, freq = sample_frame
    table = default_products(frame, freq).set_index("unique_id")
    raw = pd.read_csv(SAMPLE / "products.csv").set_index("sku")
    # products.csv's stock_on_hand is the last day's stock minus its sales: the default must find the same.
    assert np.allclose(table.loc[raw.index, "on_hand"], raw["stock_on_hand"])
    assert (table["lead_time"] == 14).all() and (table["review_period"] == 7).all()
    assert (table["service_level"] == 0.95).all() and (table["on_order"] == 0).all()
    assert np.allclose(table["unit_cost"], 0.6 * table["price"])
    assert table[list(FIELDS)].notna().all().all()
    assert all("on_hand" in d and "lead_time" in d for d in table["defaulted"])  # none came from a products file


def test_the_default_price_is_a_recent_median_so_one_promotion_day_does_not_set_it():
    frame = sales(["a"], days=30)
    frame.loc[frame.index[-1], "price"] = 6.0  # the last day is on promotion
    table = default_products(frame, "D").set_index("unique_id")
    assert table.loc["a", "price"] == 10.0


def test_defaults_without_price_or_stock_are_stated_values():
    frame = sales(["a"]).drop(columns="price")
    defaults = ProductDefaults(lead_time_days=21, service_level=0.9, order_cost=10)
    table = default_products(frame, "W-MON", defaults=defaults).set_index("unique_id")
    assert table.loc["a", "unit_cost"] == 1.0 and np.isnan(table.loc["a", "on_hand"])  # unknown, not zero
    assert "on_hand" in table.loc["a", "defaulted"]
    assert table.loc["a", "lead_time"] == 21 and table.loc["a", "service_level"] == 0.9
    assert table.loc["a", "review_period"] == 7  # a week, or one period when periods are longer
    assert default_products(frame, "MS").loc[0, "review_period"] == pytest.approx(365.25 / 12)


def test_load_products_without_a_file_says_every_value_is_a_default():
    match = load_products(None, sales(["a", "b"]), "D")
    assert match.missing == ("a", "b") and len(match.table) == 2


def test_days_become_periods_explicitly_for_weekly_and_monthly_data():
    assert 14 / period_days("W-MON") == 2.0
    assert period_days("MS") == pytest.approx(365.25 / 12)
    assert list(lead_periods([1, 7, 8, 0], "W-MON")) == [1, 1, 2, 1]  # rounded up, at least one period
    assert list(lead_periods([3, 28], "D")) == [3, 28]
    assert list(review_periods([7, 3, 45], "W-MON")) == [1, 1, 6]


def test_invalid_defaults_are_refused():
    with pytest.raises(ConfigError, match="service level must be between 0.5 and 1"):
        ProductDefaults(service_level=95)
    with pytest.raises(ConfigError, match="review period must be above 0 days"):
        ProductDefaults(review_period_days=0)
