"""Manual forecast adjustments: how they change the forecast, what they refuse, and their CSV round trip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecasting.analysis.adjustments import (
    COLUMNS,
    Adjustment,
    add_adjustment,
    adjustments_to_csv,
    apply_adjustments,
    check_adjustments,
    empty_adjustments,
    read_adjustments,
    remove_adjustments,
    series_categories,
    to_table,
    totals,
)
from forecasting.errors import ConfigError, DataValidationError

DAYS = pd.date_range("2026-01-01", periods=10)
CATEGORIES = pd.Series({"a": "x", "b": "x", "c": "z"})
BANDS = ["yhat_lo_80", "yhat_hi_80", "yhat_lo_95", "yhat_hi_95"]


def make_forecast() -> pd.DataFrame:
    """3 series x 10 days with bands around the point forecast (c is zero in the first 3 days)."""
    rng = np.random.default_rng(1)
    frames = []
    for uid, level in (("a", 10.0), ("b", 30.0), ("c", 5.0)):
        yhat = np.maximum(level + rng.normal(0, 2, len(DAYS)), 0.5)
        if uid == "c":
            yhat[:3] = 0.0
        frames.append(pd.DataFrame({"unique_id": uid, "ds": DAYS, "model": "m", "yhat": yhat,
                                    "yhat_lo_80": np.maximum(yhat - 3, 0), "yhat_hi_80": yhat + 3,
                                    "yhat_lo_95": np.maximum(yhat - 6, 0), "yhat_hi_95": yhat + 6}))
    return pd.concat(frames, ignore_index=True)


def one(uid="a", start="2026-01-03", end="2026-01-05", kind="percent", value=10.0, reason="promo", **kw):
    return to_table([Adjustment(uid, start, end, kind, value, reason, **kw)])


def rows(frame, uid, start, end):
    return frame["unique_id"].eq(uid) & frame["ds"].between(pd.Timestamp(start), pd.Timestamp(end))


# Applying -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("table", [None, empty_adjustments()])
def test_no_adjustments_leave_the_forecast_as_it_is(table):
    forecast = make_forecast()
    out = apply_adjustments(forecast, table)
    pd.testing.assert_frame_equal(out[forecast.columns], forecast)
    assert (out["yhat_model"] == out["yhat"]).all()
    assert (out["adjustment"] == 0).all() and (out["adjustment_reason"] == "").all()


def test_percent_scales_the_forecast_and_bands_in_the_range_only():
    forecast = make_forecast()
    out = apply_adjustments(forecast, one(value=10))
    inside = rows(forecast, "a", "2026-01-03", "2026-01-05")
    assert inside.sum() == 3
    for column in ["yhat", *BANDS]:
        np.testing.assert_allclose(out.loc[inside, column], forecast.loc[inside, column] * 1.1)
        np.testing.assert_allclose(out.loc[~inside, column], forecast.loc[~inside, column])
    np.testing.assert_allclose(out.loc[inside, "adjustment"], forecast.loc[inside, "yhat"] * 0.1)
    assert (out.loc[inside, "adjustment_reason"] == "promo").all()
    assert (out.loc[~inside, "adjustment_reason"] == "").all()
    np.testing.assert_allclose(out["yhat_model"], forecast["yhat"])


def test_absolute_shifts_the_forecast_and_bands_and_never_goes_below_zero():
    forecast = make_forecast()
    inside = rows(forecast, "b", "2026-01-01", "2026-01-10")
    up = apply_adjustments(forecast, one("b", "2026-01-01", "2026-01-10", "absolute", 5))
    for column in ["yhat", *BANDS]:
        np.testing.assert_allclose(up.loc[inside, column], forecast.loc[inside, column] + 5)
    down = apply_adjustments(forecast, one("b", "2026-01-01", "2026-01-10", "absolute", -1000))
    assert (down.loc[inside, ["yhat", *BANDS]] == 0).all().all()
    np.testing.assert_allclose(down.loc[inside, "adjustment"], -forecast.loc[inside, "yhat"])


def test_overlapping_adjustments_apply_in_table_order():
    forecast = make_forecast()
    percent = Adjustment("a", "2026-01-01", "2026-01-10", "percent", 10, "season")
    units = Adjustment("a", "2026-01-05", "2026-01-10", "absolute", 5, "display")
    first = apply_adjustments(forecast, to_table([percent, units]))
    second = apply_adjustments(forecast, to_table([units, percent]))
    both = rows(forecast, "a", "2026-01-05", "2026-01-10")
    model = forecast.loc[both, "yhat"]
    np.testing.assert_allclose(first.loc[both, "yhat"], model * 1.1 + 5)
    np.testing.assert_allclose(second.loc[both, "yhat"], (model + 5) * 1.1)
    assert (first.loc[both, "adjustment_reason"] == "season; display").all()
    assert (second.loc[both, "adjustment_reason"] == "display; season").all()


def test_category_units_are_shared_by_forecast_and_add_up_to_the_value_per_period():
    forecast = make_forecast()
    out = apply_adjustments(forecast, one("x", "2026-01-01", "2026-01-10", "absolute", 40, level="category"),
                            categories=CATEGORIES)
    in_x = forecast["unique_id"].isin(["a", "b"])
    added = out.loc[in_x].groupby("ds")["adjustment"].sum()
    np.testing.assert_allclose(added, 40.0)
    share_a = (forecast.loc[forecast["unique_id"].eq("a"), "yhat"].to_numpy()
               / forecast.loc[in_x].groupby("ds")["yhat"].sum().to_numpy())
    np.testing.assert_allclose(out.loc[out["unique_id"].eq("a"), "adjustment"], 40 * share_a)
    assert (out.loc[~in_x, "adjustment"] == 0).all()


def test_units_for_a_group_whose_forecast_is_zero_are_split_equally():
    forecast = make_forecast()
    out = apply_adjustments(forecast, one("z", "2026-01-01", "2026-01-03", "absolute", 6, level="category"),
                            categories=CATEGORIES)
    zero_days = rows(forecast, "c", "2026-01-01", "2026-01-03")
    np.testing.assert_allclose(out.loc[zero_days, "yhat"], 6.0)  # c is the only series of z


def test_total_minus_100_percent_empties_every_series():
    out = apply_adjustments(make_forecast(), one("", "2026-01-01", "2026-01-10", value=-100, level="total"))
    assert (out[["yhat", *BANDS]] == 0).all().all()


def test_category_adjustments_need_the_categories():
    forecast = make_forecast()
    table = one("x", level="category")
    with pytest.raises(ConfigError, match="needs each series' category"):
        apply_adjustments(forecast, table)
    with_column = forecast.assign(category=forecast["unique_id"].map(CATEGORIES))
    out = apply_adjustments(with_column, table)
    assert out.loc[out["unique_id"].eq("c"), "adjustment"].eq(0).all()
    assert out.loc[out["unique_id"].eq("b"), "adjustment"].gt(0).any()


def test_series_categories_reads_the_history(tiny_panel):
    assert series_categories(tiny_panel).to_dict() == {"a": "x", "b": "x", "c": "z"}
    assert series_categories(tiny_panel.drop(columns="category")).empty


def test_totals_compare_model_and_adjusted_units():
    forecast = make_forecast()
    out = apply_adjustments(forecast, one("a", "2026-01-01", "2026-01-10", "absolute", 2))
    everything, only_b = totals(out), totals(out, ["b"])
    assert everything["change"] == pytest.approx(20.0)
    assert everything["model"] == pytest.approx(forecast["yhat"].sum())
    assert only_b["change"] == pytest.approx(0.0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(0, 9), st.integers(0, 9),
                          st.sampled_from(["percent", "absolute"]), st.floats(-100, 200)), min_size=1, max_size=5))
def test_any_adjustments_keep_bands_ordered_non_negative_and_other_rows_untouched(specs):
    forecast = make_forecast()
    adjustments = [Adjustment(uid, DAYS[min(i, j)], DAYS[max(i, j)], kind, value, "why")
                   for uid, i, j, kind, value in specs]
    out = apply_adjustments(forecast, to_table(adjustments))
    assert (out[["yhat", *BANDS]] >= 0).all().all()
    tolerance = 1e-9
    assert (out["yhat_lo_95"] <= out["yhat_lo_80"] + tolerance).all()
    assert (out["yhat_lo_80"] <= out["yhat"] + tolerance).all() and (out["yhat"] <= out["yhat_hi_80"] + tolerance).all()
    touched = pd.Series(False, index=forecast.index)
    for adjustment in adjustments:
        touched |= rows(forecast, adjustment.unique_id, adjustment.start, adjustment.end)
    pd.testing.assert_frame_equal(out.loc[~touched, forecast.columns], forecast.loc[~touched])
    np.testing.assert_allclose(out["adjustment"], out["yhat"] - forecast["yhat"])


# Checks -------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": "2026-01-05", "end": "2026-01-03"}, r"ends \(2026-01-03\) before it starts \(2026-01-05\): swap"),
        ({"value": -120}, "percent adjustment of -120 would make the forecast negative: use -100"),
        ({"reason": "  "}, "the reason is empty: say why"),
        ({"kind": "pct"}, "kind 'pct' is not known: use percent or absolute"),
        ({"level": "store"}, "level 'store' is not known"),
        ({"value": "ten"}, "value 'ten' is not a number"),
        ({"start": "soon"}, "start 'soon' is not a date"),
    ],
)
def test_a_bad_adjustment_is_refused_with_one_line_saying_how_to_fix_it(kwargs, message):
    fields = {"unique_id": "a", "start": "2026-01-03", "end": "2026-01-05", "kind": "percent", "value": 10.0,
              "reason": "promo"} | kwargs
    with pytest.raises(DataValidationError, match=message) as caught:
        Adjustment(**fields)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (one("zz"), r"adjustment 1 \(zz .*\): series 'zz' is not in the forecast; use an id such as 'a'"),
        (one("toys", level="category"), r"category 'toys' is not in the data; use one of 'x', 'z'"),
        (one("a", "2026-03-01", "2026-03-05"), r"outside the forecast \(2026-01-01 to 2026-01-10\); pick dates"),
    ],
)
def test_adjustments_that_cannot_apply_to_the_forecast_are_refused(table, message):
    with pytest.raises(DataValidationError, match=message):
        check_adjustments(table, make_forecast(), CATEGORIES)


def test_a_category_adjustment_without_categories_in_the_data_is_refused():
    with pytest.raises(DataValidationError, match="the data has no category column"):
        check_adjustments(one("x", level="category"), make_forecast(), pd.Series(dtype="str"))


def test_a_range_partly_outside_the_forecast_warns_and_changes_the_part_inside():
    forecast = make_forecast()
    table = one("a", "2025-12-25", "2026-01-02")
    warnings = check_adjustments(table, forecast, CATEGORIES)
    assert warnings == ["adjustment 1 (a +10%, 2025-12-25 to 2026-01-02) is partly outside the forecast "
                        "(2026-01-01 to 2026-01-10): only 2026-01-01 to 2026-01-02 changes"]
    out = apply_adjustments(forecast, table)
    assert out["adjustment"].ne(0).sum() == 2


def test_add_and_remove_keep_the_order():
    table = add_adjustment(None, Adjustment("a", "2026-01-01", "2026-01-02", "percent", 5, "first"))
    table = add_adjustment(table, Adjustment("b", "2026-01-01", "2026-01-02", "absolute", 1, "second"))
    table = add_adjustment(table, Adjustment("c", "2026-01-01", "2026-01-02", "absolute", 2, "third"))
    assert list(table["reason"]) == ["first", "second", "third"]
    assert list(remove_adjustments(table, [1])["reason"]) == ["first", "third"]


# CSV ----------------------------------------------------------------------------------------------------------------


def test_export_and_import_round_trip():
    table = to_table([
        Adjustment("007", "2026-01-01", "2026-01-04", "percent", 12.5, "launch, wave 1", created="2026-01-01 09:30"),
        Adjustment("x", "2026-01-02", "2026-01-02", "absolute", -3, 'a "quoted" reason', level="category"),
        Adjustment("", "2026-01-05", "2026-01-10", "percent", -100, "store closed", level="total"),
    ])
    back = read_adjustments(adjustments_to_csv(table))
    pd.testing.assert_frame_equal(back, table)
    assert back.loc[0, "unique_id"] == "007"  # ids keep their leading zeros


def test_an_empty_export_is_a_template_with_the_columns():
    text = adjustments_to_csv(empty_adjustments()).decode()
    assert text.strip() == ",".join(COLUMNS)
    assert read_adjustments(text.encode()).empty


def test_a_hand_made_file_needs_only_the_required_columns():
    data = "unique_id;start;end;kind;value;reason\nSKU-1;05.01.2026;20.01.2026;Percent;+10;Easter\n".encode("cp1252")
    table = read_adjustments(data)
    assert table.loc[0, "level"] == "series" and table.loc[0, "kind"] == "percent"
    assert table.loc[0, "start"] == pd.Timestamp("2026-01-05") and table.loc[0, "end"] == pd.Timestamp("2026-01-20")
    assert pd.Timestamp.now() - table.loc[0, "created"] < pd.Timedelta(minutes=5)


def test_a_missing_column_is_named_with_how_to_fix_it():
    data = b"unique_id,start,end,kind,value\na,2026-01-01,2026-01-02,percent,10\n"
    with pytest.raises(DataValidationError, match=r"adj.csv has no 'reason' column \(it has 'unique_id', 'start', "
                                                  r"'end', 'kind', 'value'\): add it, or start from a file exported"):
        read_adjustments(data, name="adj.csv")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("a,2026-01-01,2026-01-02,percent,10,", r"row 3: the reason is empty"),
        ("a,2026-01-01,someday,percent,10,x", r"row 3: end 'someday' is not a date"),
        ("a,2026-01-03,2026-01-02,percent,10,x", r"row 3: the adjustment ends \(2026-01-02\) before it starts"),
    ],
)
def test_a_bad_row_is_named_by_its_row_in_the_file(line, message):
    data = f"unique_id,start,end,kind,value,reason\na,2026-01-01,2026-01-02,absolute,1,ok\n{line}\n".encode()
    with pytest.raises(DataValidationError, match=message):
        read_adjustments(data)


def test_ambiguous_dates_are_refused():
    data = b"unique_id,start,end,kind,value,reason\na,05/01/2026,06/01/2026,percent,10,x\n"
    with pytest.raises(DataValidationError, match="read both day-first and month-first; write them as YYYY-MM-DD"):
        read_adjustments(data)
