"""Infer the frequency of a long table and resample it to daily, weekly or monthly periods."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataValidationError
from ..schema import DS, PRICE, PROMO, RESAMPLE_FREQ, STOCK, UID, FreqCode, Y, freq_family
from .issues import Issue

WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
FAMILY_ORDER = {"D": 0, "W": 1, "M": 2}
FAMILY_NAMES = {"D": "daily", "W": "weekly", "M": "monthly"}
PERIOD_NAMES = {"D": "day", "W": "week", "M": "month"}  #: one period, for labels ("7 days ahead": add an s)


def infer_freq(ds: pd.Series, ids: pd.Series) -> str:
    """pandas frequency of the dates: ``D``, ``W-<weekday>`` or ``MS``.

    Judged from the calendar, not from the typical gap, because many exports
    list only the periods with sales: dates all on the first of the month are
    monthly, dates all on one weekday and a multiple of 7 days apart are
    weekly, anything else is daily.
    """
    days = pd.Series(ds.dropna().unique())
    frame = pd.DataFrame({"uid": ids.to_numpy(), "ds": ds.to_numpy()}).drop_duplicates().sort_values(["uid", "ds"])
    gaps = frame.groupby("uid", sort=False)["ds"].diff().dropna().dt.days
    if len(days) < 2 or gaps.empty:
        return "D"
    if gaps.min() >= 28:
        if days.dt.day.eq(1).all():
            return "MS"
        if days.dt.day.nunique() == 1 or days.dt.is_month_end.all():
            return "ME"  # one date per month, not on the 1st: relabelled to month starts
        raise DataValidationError(
            "the dates are a month or more apart but fall on different days of the month",
            fix="give one date per month (its first day), or load daily data and choose monthly periods ({freq:M})",
        )
    weekdays = days.dt.day_of_week.unique()
    if len(weekdays) == 1 and (gaps % 7 == 0).all():
        return f"W-{WEEKDAYS[int(weekdays[0])]}"
    return "D"


@dataclass(frozen=True)
class Resampled:
    frame: pd.DataFrame
    freq: str
    issues: tuple[Issue, ...]


def period_start(ds: pd.Series, family: FreqCode) -> pd.Series:
    """Label each date with the start of its day, Monday-to-Sunday week, or month."""
    if family == "D":
        return ds.dt.normalize()
    if family == "W":
        return ds.dt.to_period("W-SUN").dt.start_time
    return ds.dt.to_period("M").dt.start_time


def resample(frame: pd.DataFrame, native: str, target: FreqCode | None) -> Resampled:
    """Resample the long table to ``target`` with per-column rules.

    The target is summed, the price averaged, the promotion averaged (a 0/1
    flag becomes the share of the period on promotion, as the contract says,
    so a one-day deal does not look like a promoted week), stock minimised (a stock-out shows), drivers maxed when they are
    flags and averaged otherwise. Periods cut by the start or end of the data
    are dropped, because a partial week or month looks like a drop in demand.
    """
    native_family = freq_family(native)
    if target is None or target == native_family:
        if native == "ME":
            return Resampled(frame.assign(**{DS: period_start(frame[DS], "M")}), "MS", ())
        return Resampled(frame, native, ())
    if target not in RESAMPLE_FREQ:
        raise ConfigError(f"frequency {target!r} is not supported; use D, W or M")
    if FAMILY_ORDER[target] < FAMILY_ORDER[native_family]:
        raise ConfigError(
            f"the data is {FAMILY_NAMES[native_family]}; it cannot be split into {FAMILY_NAMES[target]} periods. "
            f"Choose {native_family} or a coarser frequency"
        )
    period = period_start(frame[DS], target)
    out = aggregate(frame.assign(**{DS: period}), weights=None)
    complete, issues = _drop_partial_periods(out, frame[DS], target, native)
    return Resampled(complete, RESAMPLE_FREQ[target], tuple(issues))


def aggregate(frame: pd.DataFrame, *, weights: str | None) -> pd.DataFrame:
    """Collapse rows with the same ``unique_id`` and ``ds`` by the per-column rules.

    ``weights``: a column to weight price and promotion by (the quantity, for
    order lines), or ``None`` for plain means.
    """
    keys = [UID, DS]
    work = frame.copy()
    rules: dict[str, str] = {Y: "sum"}
    weighted = [c for c in (PRICE, PROMO) if c in work.columns]
    if weights is not None:
        w = work[weights].clip(lower=0).fillna(0)
        for column in weighted:
            has = work[column].notna()
            work[f"_w_{column}"] = w.where(has, 0)
            work[f"_wx_{column}"] = (work[column] * w).where(has, 0)
            rules[f"_w_{column}"] = "sum"
            rules[f"_wx_{column}"] = "sum"
    for column in work.columns:
        if column in keys or column in rules or column.startswith("_w"):
            continue
        rules[column] = _rule(work[column], column)
    grouped = work.groupby(keys, sort=True, observed=True)
    out = grouped.agg(rules)
    out[Y] = grouped[Y].sum(min_count=1)
    if weights is not None:
        for column in weighted:
            plain = grouped[column].mean()
            total = out.pop(f"_w_{column}")
            weighted_mean = out.pop(f"_wx_{column}") / total.where(total > 0)
            out[column] = weighted_mean.fillna(plain)
    return out.reset_index()[list(frame.columns)]


def _rule(values: pd.Series, column: str) -> str:
    if column == STOCK:
        return "min"
    if not pd.api.types.is_numeric_dtype(values):
        return "first"
    present = values.dropna()
    if column not in (PRICE, PROMO) and len(present) and present.isin([0, 1]).all():
        return "max"  # flags: any promotion or holiday in the period marks it
    return "mean"


def _drop_partial_periods(
    out: pd.DataFrame, original: pd.Series, target: FreqCode, native: str
) -> tuple[pd.DataFrame, list[Issue]]:
    first, last = original.min(), original.max()
    step = pd.tseries.frequencies.to_offset(native if freq_family(native) != "M" else "MS")
    # The data covers up to the end of its last native period.
    data_end = (last + step) if freq_family(native) != "D" else last + pd.Timedelta(days=1)
    starts = pd.Series(out[DS].unique())
    ends = starts + pd.tseries.frequencies.to_offset(RESAMPLE_FREQ[target])
    partial = starts[(starts < first.normalize()) | (ends > data_end.normalize())]
    if partial.empty:
        return out, []
    keep = ~out[DS].isin(partial)
    dates = ", ".join(d.strftime("%Y-%m-%d") for d in sorted(partial))
    issue = Issue(
        "partial_periods",
        f"{len(partial)} {FAMILY_NAMES[target]} period(s) only partly covered by the data were dropped ({dates}).",
        int(len(partial)),
        "info",
    )
    return out.loc[keep].reset_index(drop=True), [issue]


def regular_index(frame: pd.DataFrame, freq: str) -> pd.MultiIndex:
    """Every (series, period) pair from each series' first to its last period."""
    bounds = frame.groupby(UID, sort=True, observed=True)[DS].agg(["min", "max"])
    family = freq_family(freq)
    if family == "M":
        first = bounds["min"].dt.to_period("M")
        counts = (bounds["max"].dt.to_period("M") - first).map(lambda d: d.n).to_numpy() + 1
    else:
        step = pd.Timedelta(days=1 if family == "D" else 7)
        counts = ((bounds["max"] - bounds["min"]) // step).to_numpy().astype(int) + 1
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    uids = np.repeat(bounds.index.to_numpy(), counts)
    if family == "M":
        months = pd.PeriodIndex(np.repeat(first.to_numpy(), counts)) + offsets
        ds = months.to_timestamp()
    else:
        ds = pd.DatetimeIndex(np.repeat(bounds["min"].to_numpy(), counts)) + offsets * step
    return pd.MultiIndex.from_arrays([uids, ds.astype("datetime64[ns]")], names=[UID, DS])
