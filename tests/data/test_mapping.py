"""Column mapping: detection from names and values, user overrides, shapes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.data.mapping import detect_mapping, detect_shape
from forecasting.data.parsing import parse_dates
from forecasting.errors import ConfigError, MappingError
from forecasting.schema import ColumnMapping


def _panel(n_days=20, skus=("A", "B", "C"), **columns) -> pd.DataFrame:
    days = pd.date_range("2024-01-01", periods=n_days)
    frame = pd.DataFrame(
        {"date": np.tile(days.strftime("%Y-%m-%d"), len(skus)), "sku": np.repeat(skus, n_days)}
    )
    rng = np.random.default_rng(0)
    frame["units"] = rng.integers(0, 20, len(frame))
    for name, values in columns.items():
        frame[name] = values(frame) if callable(values) else values
    return frame


def test_kaggle_walmart_style_names():
    frame = _panel().rename(columns={"date": "Date", "sku": "Dept", "units": "Weekly_Sales"})
    frame["IsHoliday"] = frame["Date"].eq("2024-01-05")
    frame["Temperature"] = 20.5
    mapping = detect_mapping(frame)
    assert mapping.date == "Date"
    assert mapping.target == "Weekly_Sales"
    assert mapping.ids == ("Dept",)
    assert mapping.drivers == ("IsHoliday",)  # Temperature is not known in advance


def test_order_export_names():
    frame = _panel().rename(columns={"date": "Order Date", "sku": "Product ID", "units": "qty"})
    frame["Ship Date"] = frame["Order Date"]
    frame["Product Name"] = "Chair " + frame["Product ID"]
    frame["price_actual"] = 9.5
    frame["price_regular"] = 10.0
    frame["onpromotion"] = (frame.index % 5 == 0).astype(int)
    frame["Category"] = np.where(frame["Product ID"] == "A", "Furniture", "Office")
    mapping = detect_mapping(frame)
    assert mapping == ColumnMapping(
        date="Order Date", target="qty", ids=("Product ID",), price="price_actual", promo="onpromotion",
        category="Category",
    )


def test_quantity_is_preferred_over_revenue():
    frame = _panel().rename(columns={"units": "Quantity"})
    frame["Sales"] = frame["Quantity"] * 9.99
    assert detect_mapping(frame).target == "Quantity"


def test_single_id_column_wins_over_its_parts():
    frame = _panel()
    frame["store"] = "1"
    frame["id"] = frame["store"] + "_" + frame["sku"]
    assert detect_mapping(frame).ids == ("id",)


def test_several_id_columns_keep_the_file_order():
    frame = _panel()
    frame.insert(1, "agency", np.where(frame.index % 2 == 0, "North", "South"))
    assert detect_mapping(frame).ids == ("agency", "sku")


def test_calendar_flags_are_drivers_but_per_series_flags_are_not():
    frame = _panel()
    frame["christmas"] = frame["date"].eq("2024-01-03").astype(int)  # same for every series on a date
    frame["flag"] = (frame.index % 7 == 0).astype(int)  # differs between series on a date
    mapping = detect_mapping(frame)
    assert mapping.drivers == ("christmas",)


def test_given_fields_are_kept_and_never_reused():
    frame = _panel(price=lambda f: 5.0, cost=lambda f: 3.0)
    mapping = detect_mapping(frame, {"target": "price", "price": None})
    assert mapping.target == "price"
    assert mapping.price is None
    assert "price" not in mapping.drivers


def test_unknown_column_in_override_is_named():
    with pytest.raises(MappingError, match=r"column 'Units Sold' \(given as target\) is not in the file; its columns are 'date', 'sku', 'units'"):
        detect_mapping(_panel(), {"target": "Units Sold"})


def test_no_date_column():
    frame = pd.DataFrame({"sku": ["a", "b"], "units": [1, 2]})
    with pytest.raises(MappingError, match=r"no column holds dates .*; choose the date column \(--date\)"):
        detect_mapping(frame)


def test_no_target_column():
    frame = pd.DataFrame({"date": ["2024-01-01", "2024-01-02"], "sku": ["a", "b"]})
    with pytest.raises(MappingError, match=r"no column looks like the quantity to forecast .*\(--target\)"):
        detect_mapping(frame)


def test_wide_table_maps_every_numeric_column_to_a_series():
    frame = pd.DataFrame({"Date": ["2024-01-01", "2024-01-02"], "SKU-1": [1, 2], "SKU-2": [3, 4], "SKU-3": [5, 6]})
    mapping = detect_mapping(frame)
    assert mapping.series == ("SKU-1", "SKU-2", "SKU-3")
    assert mapping.target is None


def test_a_column_cannot_play_two_roles():
    with pytest.raises(ConfigError, match=r"column 'units' is mapped to more than one field"):
        ColumnMapping(date="date", target="units", price="units")


def test_mapping_round_trips_through_a_dict():
    mapping = ColumnMapping(date="d", target="y", ids=("a", "b"), drivers=("h",))
    assert ColumnMapping.from_dict(mapping.as_dict()) == mapping
    with pytest.raises(ConfigError, match=r"unknown mapping field 'colour'"):
        ColumnMapping.from_dict({"date": "d", "colour": "red"})


@pytest.mark.parametrize(
    ("frame", "mapping", "shape"),
    [
        (_panel(), ColumnMapping(date="date", target="units", ids=("sku",)), "panel"),
        (pd.concat([_panel()] * 3), ColumnMapping(date="date", target="units", ids=("sku",)), "order_lines"),
        (
            _panel().assign(date=lambda f: f["date"] + " 10:15:00"),
            ColumnMapping(date="date", target="units", ids=("sku",)),
            "order_lines",
        ),
        (
            pd.DataFrame({"date": ["2024-01-01"] * 2, "a": [1, 2], "b": [3, 4]}),
            ColumnMapping(date="date", series=("a", "b")),
            "wide",
        ),
    ],
)
def test_shape_detection(frame, mapping, shape):
    assert detect_shape(frame, mapping, parse_dates(frame[mapping.date]).values) == shape


def test_an_order_id_column_with_repeats_means_order_lines():
    frame = _panel()
    frame["Order ID"] = [f"O{i}" for i in range(len(frame))]
    frame = pd.concat([frame, frame.iloc[:1].assign(**{"Order ID": "O999"})])  # one repeat of (sku, day)
    mapping = ColumnMapping(date="date", target="units", ids=("sku",))
    assert detect_shape(frame, mapping, parse_dates(frame["date"]).values) == "order_lines"


def test_zero_padded_codes_stay_text_and_become_the_series_id():
    from forecasting.data.dataset import load_dataset

    rows = "".join(f"2024-01-{d:02d},{sku},{d}\n" for d in range(1, 29) for sku in ("001", "017", "120"))
    dataset = load_dataset(("date,sku,units\n" + rows).encode(), name="codes.csv")
    assert dataset.mapping.ids == ("sku",)
    assert sorted(dataset.frame["unique_id"].unique()) == ["001", "017", "120"]


def test_whole_number_columns_named_like_ids_are_ids_unless_named_ids_exist():
    numbered = pd.DataFrame({"date": ["2024-01-01", "2024-01-02"] * 2, "store": [1, 1, 2, 2], "units": [3, 4, 5, 6]})
    assert detect_mapping(numbered).ids == ("store",)
    both = numbered.assign(sku=["a", "b", "a", "b"])
    assert detect_mapping(both).ids == ("store", "sku")
    keyed = pd.DataFrame({"date": ["2024-01-01", "2024-01-02"] * 2, "timeseries": [7, 7, 8, 8],
                          "agency": ["x", "x", "y", "y"], "units": [3, 4, 5, 6]})
    assert detect_mapping(keyed).ids == ("agency",)  # readable names beat a numbered key
    assert detect_mapping(keyed.drop(columns="agency")).ids == ("timeseries",)


def test_a_sales_value_column_is_the_revenue_only_next_to_a_quantity_and_without_a_price():
    days = ["2024-01-01", "2024-01-02", "2024-01-03"]
    orders = pd.DataFrame({"date": days, "sku": "a", "quantity": [1, 2, 3], "sales": [5.0, 9.0, 16.0]})
    assert detect_mapping(orders).revenue == "sales" and detect_mapping(orders).target == "quantity"
    assert detect_mapping(orders.assign(price=[5.0, 4.5, 5.3])).revenue is None
    value_only = pd.DataFrame({"date": days, "store": "s", "sales": [5.0, 9.0, 16.0]})
    assert detect_mapping(value_only).target == "sales" and detect_mapping(value_only).revenue is None
