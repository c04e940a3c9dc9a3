"""Property-based tests: invariants of parsing, aggregation, cleaning and mapping."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forecasting.data.cleaning import CleaningConfig, clean
from forecasting.data.convert import to_long
from forecasting.data.mapping import detect_mapping
from forecasting.data.parsing import parse_dates, parse_numbers
from forecasting.schema import ColumnMapping

TODAY = pd.Timestamp("2026-01-01")
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

order_line = st.tuples(
    st.sampled_from(["A", "B", "C"]),
    st.integers(0, 59),  # day offset
    st.integers(-2, 50),  # quantity (returns allowed)
    st.floats(0.5, 100, allow_nan=False).map(lambda p: round(p, 2)),
)


@FAST
@given(st.lists(order_line, min_size=3, max_size=80))
def test_aggregating_order_lines_keeps_the_total(lines):
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta([d for _, d, _, _ in lines], unit="D")
    raw = pd.DataFrame(
        {
            "when": days.strftime("%Y-%m-%d 12:00"),
            "sku": [s for s, _, _, _ in lines],
            "qty": [q for _, _, q, _ in lines],
            "price": [p for _, _, _, p in lines],
        },
        index=pd.RangeIndex(2, 2 + len(lines)),
    )
    mapping = ColumnMapping(date="when", target="qty", ids=("sku",), price="price")
    out = to_long(raw, mapping, "order_lines", today=TODAY).frame
    assert out["y"].sum() == raw["qty"].sum()
    per_sku = out.groupby("unique_id")["y"].sum()
    assert per_sku.to_dict() == raw.groupby("sku")["qty"].sum().astype(float).to_dict()
    # A weighted mean price lies between the cheapest and dearest line of that day.
    lo, hi = raw["price"].min(), raw["price"].max()
    assert out["price"].between(lo - 1e-9, hi + 1e-9).all()


@FAST
@given(st.lists(st.integers(0, 100), min_size=14, max_size=60), st.integers(0, 6))
def test_weekly_totals_equal_the_days_of_complete_weeks(values, offset):
    days = pd.date_range("2024-01-01", periods=len(values)) + pd.Timedelta(days=offset)
    raw = pd.DataFrame({"date": days.strftime("%Y-%m-%d"), "units": values}, index=pd.RangeIndex(2, 2 + len(values)))
    out = to_long(raw, ColumnMapping(date="date", target="units"), "panel", freq="W", today=TODAY).frame
    for start, total in zip(out["ds"], out["y"], strict=True):
        in_week = (days >= start) & (days < start + pd.Timedelta(days=7))
        assert in_week.sum() == 7
        assert total == np.asarray(values)[in_week].sum()


series_values = st.lists(
    st.one_of(st.none(), st.integers(-5, 200).map(float), st.just(0.0)), min_size=8, max_size=50
)


@FAST
@given(
    series_values,
    st.lists(st.integers(0, 49), max_size=6),  # positions to drop (gaps)
    st.lists(st.integers(0, 49), max_size=3),  # positions to duplicate
    st.sampled_from(["interpolate", "ffill", "zero", "seasonal", "keep"]),
    st.sampled_from(["flag", "clip", "keep"]),
    st.sampled_from(["zero", "missing"]),
)
def test_cleaning_changes_only_what_its_report_lists(values, drops, dupes, missing, outliers, gaps):
    frame = pd.DataFrame(
        {"unique_id": "A", "ds": pd.date_range("2024-01-01", periods=len(values)),
         "y": [np.nan if v is None else v for v in values]}
    )
    keep = [i for i in range(len(frame)) if i not in drops[1:-1] or i in (0, len(frame) - 1)]
    frame = frame.iloc[keep]
    frame = pd.concat([frame, frame.iloc[[d % len(frame) for d in dupes]]], ignore_index=True)
    config = CleaningConfig(missing=missing, outliers=outliers, gaps=gaps)
    result = clean(frame, "D", config)

    removed = result.changes["action"] == "duplicate_removed"
    assert removed.sum() == len(frame) - len(frame.drop_duplicates())
    changed = result.changes[(result.changes["column"] == "y") & ~removed]
    listed = set(zip(changed["unique_id"], changed["ds"], strict=True))
    before = frame.drop_duplicates().set_index("ds")["y"]
    after = result.frame.set_index("ds")["y"]
    for ds, value in after.items():
        if ("A", ds) in listed:
            continue
        assert ds in before.index, "a period was added without a report line"
        assert value == before[ds] or (np.isnan(value) and np.isnan(before[ds]))
    # Each listed change ends at the value the table holds.
    last = changed.drop_duplicates("ds", keep="last").set_index("ds")["after"]
    for ds, value in last.items():
        if ds in after.index:
            assert after[ds] == value or (np.isnan(after[ds]) and np.isnan(value))
    assert len(result.frame) == len(after.index.unique())


names = st.text(alphabet=st.characters(categories=("L", "N")), min_size=1, max_size=8)


@FAST
@given(st.lists(names, min_size=3, max_size=9, unique=True), st.integers(0, 3), st.integers(0, 2))
def test_mapping_round_trips_through_json(columns, n_ids, n_drivers):
    date, target, *rest = columns
    ids, drivers = tuple(rest[:n_ids]), tuple(rest[n_ids : n_ids + n_drivers])
    mapping = ColumnMapping(date=date, target=target, ids=ids, drivers=drivers)
    assert ColumnMapping.from_dict(json.loads(json.dumps(mapping.as_dict()))) == mapping


SYNONYMS = {
    "date": ["date", "Date", "Order Date", "ds", "day", "week"],
    "target": ["units", "qty", "Quantity", "Weekly_Sales", "volume", "sales", "demand"],
    "ids": ["sku", "SKU", "item_id", "Product ID", "store"],
    "price": ["price", "unit_price", "price_actual", "Sell Price"],
    "promo": ["promo", "onpromotion", "Promotion", "discount"],
}


@FAST
@given(st.fixed_dictionaries({k: st.sampled_from(v) for k, v in SYNONYMS.items()}))
def test_detection_recovers_the_roles_of_renamed_contract_columns(names):
    n = 30
    frame = pd.DataFrame(
        {
            names["date"]: np.tile(pd.date_range("2024-01-01", periods=n // 2).strftime("%Y-%m-%d"), 2),
            names["ids"]: np.repeat(["a", "b"], n // 2),
            names["target"]: np.arange(n) % 7,
            names["price"]: 9.99,
            names["promo"]: np.arange(n) % 2,
        }
    )
    mapping = detect_mapping(frame)
    assert (mapping.date, mapping.target, mapping.ids, mapping.price, mapping.promo) == (
        names["date"], names["target"], (names["ids"],), names["price"], names["promo"],
    )


@FAST
@given(st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: round(v, 2)), st.sampled_from(["us", "eu", "plain"]))
def test_formatted_numbers_parse_back(value, style):
    text = f"{value:,.2f}"
    if style == "eu":
        text = text.replace(",", "_").replace(".", ",").replace("_", ".")
    elif style == "plain":
        text = f"{value:.2f}"
    parsed = parse_numbers(pd.Series([text, text]))
    assert parsed.bad.empty
    assert parsed.values.iloc[0] == value


@FAST
@given(
    st.dates(min_value=pd.Timestamp("1990-01-01").date(), max_value=pd.Timestamp("2035-12-31").date()),
    st.integers(5, 40),
    st.sampled_from(["%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y/%m/%d"]),
)
def test_daily_dates_parse_back_in_every_format(start, n, fmt):
    days = pd.date_range(start, periods=n)
    parsed = parse_dates(pd.Series(days.strftime(fmt)))
    assert parsed.values.tolist() == days.tolist()
