"""Units or money: the target's measure is detected from its name and values, and can be set."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.data.dataset import LoadOptions, load_dataset
from forecasting.data.measure import Measure, detect_measure
from forecasting.errors import ConfigError


@pytest.mark.parametrize(("column", "values", "kind"), [
    ("Weekly_Sales", [24924.5, 46039.49, 41595.55], "money"),  # Walmart: dollars with cents
    ("sales", [3, 0, 7, 12], "units"),  # an ambiguous name with whole numbers
    ("Quantity", [2.5, 1.25], "units"),  # the name says units, whatever the values
    ("revenue", [100, 200], "money"),
    ("net_amount_eur", [1, 2], "money"),
    ("y", [], "units"),
])
def test_the_measure_comes_from_the_name_then_the_values(column, values, kind):
    assert detect_measure(pd.Series(values, dtype="float64"), column) == kind


def test_labels_say_units_or_money_with_the_currency():
    assert Measure("units").amount(6737218987) == "6,737,218,987 units"
    assert Measure("money", "$").amount(6737218987) == "$6,737,218,987"
    assert Measure("money").amount(12.4) == "12 in sales" and Measure("money").label == "sales value"
    assert Measure("money", "EUR").label == "sales (EUR)"
    with pytest.raises(ConfigError, match="currency symbol '<b>' is not allowed"):
        Measure("money", "<b>")


def test_a_dataset_reports_its_measure_and_the_user_overrides_it(tmp_path):
    path = tmp_path / "walmart.csv"
    pd.DataFrame({"Date": pd.date_range("2024-01-05", periods=30, freq="W-FRI").strftime("%Y-%m-%d"),
                  "Store": 1, "Weekly_Sales": [1000.25 + i for i in range(30)]}).to_csv(path, index=False)
    detected = load_dataset(path)
    assert detected.measure == Measure("money") and detected.summary()["measure"] == "money"
    assert load_dataset(path, LoadOptions(measure="units")).measure.kind == "units"
    assert load_dataset(path, LoadOptions(currency="$")).measure.amount(5) == "$5"
