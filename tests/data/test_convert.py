"""From a mapped raw table to the long contract table: shapes, aggregation, frequency."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.data.convert import to_long
from forecasting.data.dataset import LoadOptions, build_dataset, load_dataset
from forecasting.data.io import read_table
from forecasting.errors import ConfigError, DataValidationError, MappingError
from forecasting.schema import ColumnMapping

TODAY = pd.Timestamp("2026-01-01")


def _raw(frame: pd.DataFrame) -> pd.DataFrame:
    """Index rows like the reader does: the header is row 1."""
    return frame.set_axis(pd.RangeIndex(2, 2 + len(frame), name="row"))


def _daily(n_days=28, skus=("A", "B"), start="2024-01-01") -> pd.DataFrame:
    days = pd.date_range(start, periods=n_days)
    return _raw(
        pd.DataFrame(
            {
                "date": np.tile(days.strftime("%Y-%m-%d"), len(skus)),
                "sku": np.repeat(skus, n_days),
                "units": np.arange(n_days * len(skus), dtype=float),
                "price": 10.0,
                "promo": 0,
            }
        )
    )


PANEL = ColumnMapping(date="date", target="units", ids=("sku",), price="price", promo="promo")


def test_panel_becomes_the_contract_table():
    out = to_long(_daily(), PANEL, "panel", today=TODAY)
    assert list(out.frame.columns) == ["unique_id", "ds", "y", "price", "promo"]
    assert out.frame["unique_id"].unique().tolist() == ["A", "B"]
    assert str(out.frame["ds"].dtype) == "datetime64[ns]"
    assert out.frame["y"].sum() == _daily()["units"].sum()
    assert out.freq == "D"


def test_order_lines_sum_quantity_weight_price_and_share_promotion():
    lines = _raw(
        pd.DataFrame(
            {
                "when": ["2024-01-01 09:00", "2024-01-01 17:30", "2024-01-02 11:00", "2024-01-03 12:00"],
                "sku": ["A", "A", "A", "A"],
                "qty": [1, 3, 2, 5],
                "unit_price": [10.0, 6.0, 8.0, 8.0],
                "discount": [0.0, 0.4, 0.0, 0.0],
            }
        )
    )
    mapping = ColumnMapping(date="when", target="qty", ids=("sku",), price="unit_price", promo="discount")
    out = to_long(lines, mapping, "order_lines", today=TODAY).frame
    first = out.iloc[0]
    assert first["y"] == 4
    assert first["price"] == pytest.approx((1 * 10 + 3 * 6) / 4)  # quantity-weighted
    assert first["promo"] == pytest.approx(3 * 0.4 / 4)  # mean discount per unit sold
    assert out["ds"].tolist() == list(pd.date_range("2024-01-01", periods=3))


def test_wide_table_melts_one_series_per_column():
    wide = _raw(pd.DataFrame({"Date": ["2024-01-01", "2024-01-02", "2024-01-03"], "X": [1, 2, 3], "Y": [4, 5, 6]}))
    out = to_long(wide, ColumnMapping(date="Date", series=("X", "Y")), "wide", today=TODAY).frame
    assert out.groupby("unique_id")["y"].sum().to_dict() == {"X": 6, "Y": 15}


def test_weekly_resampling_uses_per_column_rules_and_drops_partial_weeks():
    raw = _daily(n_days=21, start="2024-01-03")  # Wednesday: the first and last weeks are partial
    raw.loc[raw.index[:7], "promo"] = 1
    raw["price"] = np.tile(np.arange(1, 22, dtype=float), 2)
    out = to_long(raw, PANEL, "panel", freq="W", today=TODAY)
    assert out.freq == "W-MON"
    a = out.frame[out.frame["unique_id"] == "A"]
    assert a["ds"].tolist() == list(pd.date_range("2024-01-08", periods=2, freq="7D"))  # full weeks only
    week = raw.iloc[5:12]  # 2024-01-08 .. 2024-01-14
    assert a.iloc[0]["y"] == week["units"].sum()
    assert a.iloc[0]["price"] == pytest.approx(week["price"].mean())
    assert a.iloc[0]["promo"] == pytest.approx(week["promo"].mean())  # the share of the week on promotion
    assert [i.kind for i in out.issues] == ["partial_periods"]


def test_monthly_dates_at_month_end_are_labelled_by_month_start():
    ends = pd.date_range("2024-01-31", periods=6, freq="ME").strftime("%Y-%m-%d")
    raw = _raw(pd.DataFrame({"date": ends, "units": [1, 2, 3, 4, 5, 6]}))
    out = to_long(raw, ColumnMapping(date="date", target="units"), "panel", today=TODAY)
    assert out.freq == "MS"
    assert out.frame["ds"].tolist() == list(pd.date_range("2024-01-01", periods=6, freq="MS"))


def test_weekly_data_keeps_its_own_weekday():
    fridays = pd.date_range("2024-01-05", periods=10, freq="W-FRI").strftime("%Y-%m-%d")
    raw = _raw(pd.DataFrame({"date": fridays, "units": range(10)}))
    out = to_long(raw, ColumnMapping(date="date", target="units"), "panel", freq="W", today=TODAY)
    assert out.freq == "W-FRI"
    assert out.frame["ds"].dt.day_of_week.unique().tolist() == [4]


def test_sales_listed_only_on_days_with_sales_are_still_daily():
    days = pd.to_datetime(["2024-01-01", "2024-01-09", "2024-01-10", "2024-01-20"]).strftime("%Y-%m-%d")
    raw = _raw(pd.DataFrame({"date": days, "units": [1, 2, 3, 4]}))
    assert to_long(raw, ColumnMapping(date="date", target="units"), "panel", today=TODAY).freq == "D"


def test_weekly_data_cannot_become_daily():
    fridays = pd.date_range("2024-01-05", periods=5, freq="W-FRI").strftime("%Y-%m-%d")
    raw = _raw(pd.DataFrame({"date": fridays, "units": range(5)}))
    with pytest.raises(ConfigError, match=r"the data is weekly; it cannot be split into daily periods"):
        to_long(raw, ColumnMapping(date="date", target="units"), "panel", freq="D", today=TODAY)


def test_total_and_blank_lines_are_dropped_and_reported():
    raw = _daily(n_days=5, skus=("A",))
    raw.loc[100] = ["", "", np.nan, np.nan, np.nan]
    raw.loc[101] = ["Total", "", raw["units"].sum(), np.nan, np.nan]
    out = to_long(raw, PANEL, "panel", today=TODAY)
    assert out.frame["y"].sum() == raw.loc[:6, "units"].sum()
    issue = next(i for i in out.issues if i.kind == "non_data_rows")
    assert issue.count == 2
    assert "row 100, 101" in issue.message


def test_a_few_unreadable_dates_are_dropped_with_their_rows_named():
    raw = _daily(n_days=200, skus=("A",))
    raw.loc[5, "date"] = "2024-02-30"
    out = to_long(raw, PANEL, "panel", today=TODAY)
    issue = next(i for i in out.issues if i.kind == "bad_dates")
    assert "'2024-02-30' (row 5)" in issue.message
    assert len(out.frame) == 199


def test_mixed_date_formats_are_refused():
    raw = _daily(n_days=10, skus=("A",))
    raw.loc[2:6, "date"] = ["13/01/2024", "14/01/2024", "15/01/2024", "16/01/2024", "17/01/2024"]
    with pytest.raises(DataValidationError, match=r"column 'date' mixes date formats or has text: 5 value\(s\) are not dates like the rest \(YYYY-MM-DD\): '13/01/2024' \(row 2\)"):
        to_long(raw, PANEL, "panel", today=TODAY)


def test_text_in_the_target_is_refused_with_examples():
    raw = _daily(n_days=5, skus=("A",)).astype({"units": object})
    raw.loc[4, "units"] = "twelve"
    with pytest.raises(DataValidationError, match=r"target column 'units' has text where numbers are expected: 'twelve' \(row 4\); fix those cells or choose another target column"):
        to_long(raw, PANEL, "panel", today=TODAY)


def test_conflicting_rows_name_the_column_that_tells_them_apart():
    raw = _daily(n_days=5, skus=("A",))
    raw["store"] = "north"
    extra = raw.iloc[[0]].assign(store="south", units=99.0).set_axis([50])
    with pytest.raises(DataValidationError, match=r"2 rows repeat a \(series, date\) pair .* A on 2024-01-01 \(rows 2 and 50\); they differ in 'store'; add it as an id column"):
        to_long(pd.concat([raw, extra]), PANEL, "panel", today=TODAY)


def test_exact_duplicate_rows_are_kept_for_cleaning_to_report():
    raw = _daily(n_days=5, skus=("A",))
    out = to_long(pd.concat([raw, raw.iloc[[1]].set_axis([9])]), PANEL, "panel", today=TODAY)
    assert out.duplicate_rows.tolist() == [9]
    assert len(out.frame) == 6


def test_future_rows_without_sales_are_planned_drivers_and_with_sales_an_error():
    raw = _daily(n_days=5, skus=("A",))
    planned = raw.iloc[[0]].assign(date="2026-03-01", units=np.nan, promo=1).set_axis([20])
    out = to_long(pd.concat([raw, planned]), PANEL, "panel", today=TODAY)
    assert len(out.future) == 1 and out.future["promo"].iloc[0] == 1
    sold = planned.assign(units=5.0)
    with pytest.raises(DataValidationError, match=r"column 'date' has 1 date\(s\) after today with sales: 2026-03-01 \(row 20\); sales history cannot be in the future"):
        to_long(pd.concat([raw, sold]), PANEL, "panel", today=TODAY)


def test_percent_promotions_are_scaled_and_impossible_ones_clipped():
    raw = _daily(n_days=40, skus=("A",))
    raw["promo"] = [0, 20, 50, 0, 250] + [0] * 35
    out = to_long(raw, PANEL, "panel", today=TODAY)
    assert out.frame["promo"].tolist()[:5] == [0, 0.2, 0.5, 0, 1.0]
    assert {"promo_percent", "promo_out_of_range"} <= {i.kind for i in out.issues}


def test_promotion_amounts_are_refused():
    raw = _daily(n_days=5, skus=("A",))
    raw["promo"] = [0, 120, 500, 0, 250]
    with pytest.raises(MappingError, match=r"promotion column 'promo' has values up to 500, which look like amounts"):
        to_long(raw, PANEL, "panel", today=TODAY)


def test_nonpositive_prices_become_unknown():
    raw = _daily(n_days=5, skus=("A",))
    raw["price"] = [10.0, -1.0, 0.0, 10.0, 10.0]
    out = to_long(raw, PANEL, "panel", today=TODAY)
    assert out.frame["price"].isna().tolist() == [False, True, True, False, False]
    assert "price_nonpositive" in {i.kind for i in out.issues}


def test_dataset_summary_has_the_scripted_keys(tmp_path):
    path = tmp_path / "s.csv"
    _daily().to_csv(path, index=False)
    summary = load_dataset(path).summary()
    assert {"mapping", "shape", "n_rows", "n_series", "start", "end", "freq", "target_total", "issues"} <= set(summary)
    assert summary["n_series"] == 2 and summary["target_total"] == _daily()["units"].sum()
    assert summary["mapping"]["ids"] == ["sku"]


def test_dataset_can_be_rebuilt_with_another_mapping_without_rereading(tmp_path):
    path = tmp_path / "s.csv"
    _daily().to_csv(path, index=False)
    raw = read_table(path)
    weekly = build_dataset(raw, LoadOptions(freq="W", mapping={"ids": []}))
    assert weekly.summary()["n_series"] == 1
    assert weekly.freq == "W-MON"


def test_without_a_price_column_the_price_comes_from_the_sales_value():
    from forecasting.data.dataset import load_dataset

    text = ("Order Date,Product ID,Quantity,Sales,Discount\n"
            "2024-01-01,A,2,20.0,0\n2024-01-01,A,1,8.0,0.2\n2024-01-02,A,3,30.0,0\n2024-01-02,A,0,0,0\n"
            "2024-01-03,A,1,10.0,0\n2024-01-04,A,4,40.0,0\n")
    dataset = load_dataset(text.encode(), name="orders.csv")
    assert dataset.mapping.revenue == "Sales" and dataset.mapping.price is None
    day = dataset.frame.set_index("ds")
    assert day.loc["2024-01-01", "price"] == pytest.approx(28.0 / 3)  # the day's value over its units
    assert day.loc["2024-01-02", "price"] == pytest.approx(10.0)  # the zero line has no price
    assert "price_from_revenue" in [i.kind for i in dataset.issues]
    assert dataset.mapping.target == "Quantity"  # the quantity stays the target; the value only prices it
