"""Dates and numbers: every supported format, and the cells that do not parse."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.data.parsing import parse_dates, parse_numbers


def _cells(values, start_row=2):
    return pd.Series(values, index=pd.RangeIndex(start_row, start_row + len(values)))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["2024-01-31", "2024-02-01", "2024-02-02"], ["2024-01-31", "2024-02-01", "2024-02-02"]),
        (["2024-01-31 13:45:00", "2024-02-01T08:00:00"], ["2024-01-31 13:45", "2024-02-01 08:00"]),
        (["1/31/2024", "2/1/2024", "12/25/2024"], ["2024-01-31", "2024-02-01", "2024-12-25"]),  # US m/d/yyyy
        (["31/01/24", "01/02/24", "25/12/24"], ["2024-01-31", "2024-02-01", "2024-12-25"]),  # day-first dd/mm/yy
        (["31.01.2024", "01.02.2024"], ["2024-01-31", "2024-02-01"]),
        (["2024/01/31", "2024/02/01"], ["2024-01-31", "2024-02-01"]),
        (["Jan 2024", "Feb 2024"], ["2024-01-01", "2024-02-01"]),
        (["2024年01月31日", "2024年02月01日"], ["2024-01-31", "2024-02-01"]),
    ],
)
def test_date_formats_are_detected_from_the_values(values, expected):
    parsed = parse_dates(_cells(values))
    assert parsed.values.tolist() == pd.to_datetime(expected).tolist()
    assert parsed.bad.empty


def test_day_first_versus_month_first_is_decided_by_regular_spacing():
    # Every value reads both ways; only day-first gives consecutive days.
    days = pd.date_range("2024-03-01", periods=12)
    parsed = parse_dates(_cells(days.strftime("%d/%m/%Y")))
    assert parsed.values.tolist() == days.tolist()
    assert parsed.format == "%d/%m/%Y"


def test_truly_ambiguous_dates_are_flagged():
    parsed = parse_dates(_cells(["01/02/2024", "03/04/2024"]))
    assert parsed.ambiguous


def test_excel_serial_numbers_become_dates():
    parsed = parse_dates(_cells([45292, 45293, 45322]))
    assert parsed.values.tolist() == pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-31"]).tolist()


def test_yyyymmdd_integers_become_dates():
    parsed = parse_dates(_cells([20240101, 20240102]))
    assert parsed.values.tolist() == pd.to_datetime(["2024-01-01", "2024-01-02"]).tolist()


def test_time_zones_are_dropped():
    cells = _cells(pd.to_datetime(["2024-01-01 10:00", "2024-01-02 10:00"]).tz_localize("Europe/Berlin"))
    parsed = parse_dates(cells)
    assert parsed.values.dt.tz is None
    assert parsed.values.iloc[0] == pd.Timestamp("2024-01-01 09:00")


def test_unparseable_dates_are_reported_with_their_row_numbers():
    parsed = parse_dates(_cells(["2024-01-01", "2024-01-02", "soon", "2024-01-04", ""]))
    assert parsed.bad.to_dict() == {4: "soon"}  # the empty cell is missing, not bad
    assert parsed.values.isna().sum() == 2


def test_forced_format_wins_over_detection():
    parsed = parse_dates(_cells(["01/02/2024", "01/03/2024"]), date_format="%d/%m/%Y")
    assert parsed.values.tolist() == pd.to_datetime(["2024-02-01", "2024-03-01"]).tolist()


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1", "2.5", "-3"], [1.0, 2.5, -3.0]),
        (["1,5", "2,25", "1.234,50"], [1.5, 2.25, 1234.5]),  # decimal commas
        (["1,234", "12,345.5", "3"], [1234.0, 12345.5, 3.0]),  # thousands separators
        (["$12.50", "€ 3", "¥1,000"], [12.5, 3.0, 1000.0]),  # currency signs
        (["(12)", "5"], [-12.0, 5.0]),  # accounting negatives
        (["20%", "5%"], [0.2, 0.05]),
        (["TRUE", "false", "yes"], [1.0, 0.0, 1.0]),
    ],
)
def test_numbers_in_text(values, expected):
    parsed = parse_numbers(_cells(values))
    assert parsed.values.tolist() == pytest.approx(expected)
    assert parsed.bad.empty


def test_missing_markers_are_missing_and_other_text_is_bad():
    parsed = parse_numbers(_cells(["1", "n/a", "-", "", "twelve", None]))
    assert parsed.values.isna().tolist() == [False, True, True, True, True, True]
    assert parsed.bad.to_dict() == {6: "twelve"}


def test_booleans_and_numbers_pass_through():
    assert parse_numbers(_cells([True, False])).values.tolist() == [1.0, 0.0]
    assert parse_numbers(_cells([1, 2])).values.dtype == "float64"
