"""The future plan: the drivers (price, promotion, others) assumed for the forecast periods.

A model that learned from price and promotion forecasts whatever the plan says,
so a missing plan must default to what is normal for each series, never to a
value the history never had (a weekly discount share that is almost never 0
defaulted to 0 made a forecast of 187 units where the same weeks last year sold
1,900). Defaults, per series:

- price: the median price of the recent periods (the regular price; one
  promotion at the very end of the history does not move it);
- every other driver: its median over the last year, which is 0 (no promotion)
  for a 0/1 flag on promotion less than half the time and the typical discount
  share for a continuous driver.

The user sees this plan, edits it and gives it back in the shape of ``--future``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..models.base import future_dates
from ..models.registry import get_model
from ..schema import CATEGORY, DS, PRICE, STOCK, UID, Y, freq_family

#: Periods whose median price is the regular price, and periods that make up "the last year".
RECENT_PERIODS = {"D": 28, "W": 8, "M": 3}
YEAR_PERIODS = {"D": 365, "W": 52, "M": 12}
NOT_PLANNED = {UID, DS, Y, CATEGORY, STOCK}

#: A forecast total outside this share of seasonal naive's total for the same periods is called implausible.
PLAUSIBLE_SHARE = (0.5, 2.0)


def plan_columns(df: pd.DataFrame) -> list[str]:
    """The drivers a plan gives values for: numeric columns that are not the target, ids or stock."""
    return [c for c in df.columns if c not in NOT_PLANNED and pd.api.types.is_numeric_dtype(df[c])]


def usual_values(df: pd.DataFrame, freq: str) -> pd.DataFrame:
    """What is normal for each series and driver (index ``unique_id``, one column per driver)."""
    family = freq_family(freq)
    ordered = df.sort_values([UID, DS], kind="stable")
    position_from_end = ordered.groupby(UID, sort=False).cumcount(ascending=False)
    columns = {}
    for column in plan_columns(df):
        periods = RECENT_PERIODS[family] if column == PRICE else YEAR_PERIODS[family]
        recent = ordered.loc[position_from_end < periods, [UID, column]]
        usual = recent.groupby(UID, sort=True)[column].median()
        # A series whose recent values are all unknown keeps its last known value.
        fallback = ordered.dropna(subset=[column]).groupby(UID, sort=True)[column].last()
        columns[column] = usual.fillna(fallback)
    index = pd.Index(sorted(df[UID].unique()), name=UID)
    return pd.DataFrame(columns, index=index)


def default_plan(df: pd.DataFrame, freq: str, horizon: int) -> pd.DataFrame:
    """``unique_id, ds, <drivers>`` for the ``horizon`` periods after each series' history, at usual values."""
    grid = future_dates(df.groupby(UID, sort=True)[DS].max(), horizon, freq)
    usual = usual_values(df, freq)
    for column in usual.columns:
        grid[column] = grid[UID].map(usual[column]).astype("float64")
    return grid


def complete_plan(df: pd.DataFrame, freq: str, horizon: int,
                  future: pd.DataFrame | None) -> tuple[pd.DataFrame | None, list[str]]:
    """The plan for every forecast period: the user's values where given, usual values elsewhere.

    Returns the plan (None when the data has no drivers to plan) and a note for each driver that was
    filled with usual values.
    """
    if not plan_columns(df):
        return None, []
    plan = default_plan(df, freq, horizon)
    drivers = [c for c in plan.columns if c not in (UID, DS)]
    given = pd.DataFrame(columns=[UID, DS]) if future is None else future.assign(
        **{UID: future[UID].astype(str), DS: pd.to_datetime(future[DS])})
    notes = []
    for column in drivers:
        planned = None
        if column in given.columns:
            planned = plan[[UID, DS]].merge(given[[UID, DS, column]].drop_duplicates([UID, DS]),
                                            on=[UID, DS], how="left")[column].to_numpy(dtype="float64")
        missing = len(plan) if planned is None else int(np.isnan(planned).sum())
        if planned is not None:
            plan[column] = np.where(np.isnan(planned), plan[column].to_numpy(), planned)
        if missing:
            notes.append(f"no plan for {column!r} in {missing:,} of {len(plan):,} forecast periods: used each "
                         f"series' {describe_default(column)} (see and edit the plan)")
    return plan, notes


def describe_default(column: str) -> str:
    """How a driver's default is chosen, in words."""
    return "regular price (median of recent periods)" if column == PRICE else "usual value (median of the last year)"


def plausibility(forecast: pd.DataFrame, df: pd.DataFrame, freq: str, horizon: int,
                 plan: pd.DataFrame | None) -> str | None:
    """:func:`plausibility_note` against seasonal naive's forecast of the same periods."""
    reference = get_model("seasonal_naive").fit(df, freq=freq).predict(horizon)
    return plausibility_note(forecast, reference.rename(columns={"seasonal_naive": "yhat"}), df, plan)


def plausibility_note(forecast: pd.DataFrame, reference: pd.DataFrame, df: pd.DataFrame,
                      plan: pd.DataFrame | None) -> str | None:
    """A warning when the forecast's total is far from seasonal naive's total for the same periods, or None.

    ``forecast`` and ``reference`` are tidy forecasts (``unique_id, ds, yhat``) of
    the same periods; the note names the drivers of ``plan`` that leave the range
    seen in training, the usual cause of such a forecast.
    """
    total, expected = float(forecast["yhat"].sum()), float(reference["yhat"].sum())
    if expected <= 0 or PLAUSIBLE_SHARE[0] <= total / expected <= PLAUSIBLE_SHARE[1]:
        return None
    message = (f"the forecast total ({total:,.0f}) is {total / expected:.0%} of repeating last season "
               f"({expected:,.0f}) for the same periods")
    outside = drivers_outside_history(plan, df) if plan is not None else []
    if outside:
        return message + "; likely cause: the plan sets " + ", ".join(outside) + " outside the range seen in training"
    return message + "; check the plan and recent changes in the data"


def drivers_outside_history(plan: pd.DataFrame, df: pd.DataFrame) -> list[str]:
    """Drivers whose planned values leave each series' range in the history, e.g. ``'promo' (12 series)``."""
    out = []
    for column in [c for c in plan.columns if c in df.columns and c not in (UID, DS)]:
        seen = df.groupby(UID, sort=True)[column].agg(["min", "max"])
        bounds = plan[[UID]].join(seen, on=UID)
        values = plan[column].to_numpy(dtype="float64")
        off = (values < bounds["min"].to_numpy() - 1e-9) | (values > bounds["max"].to_numpy() + 1e-9)
        series = plan.loc[off, UID].nunique()
        if series:
            out.append(f"{column!r} ({series:,} series)")
    return out


def describe_plan(plan: pd.DataFrame | None, df: pd.DataFrame, freq: str) -> list[str]:
    """The plan in sentences for a report: which drivers keep their usual values and where the plan differs."""
    if plan is None:
        return ["The data has no prices, promotions or other drivers: the forecast continues the history."]
    usual = default_plan(df, freq, int(plan.groupby(UID).size().max()))
    merged = plan.merge(usual, on=[UID, DS], how="left", suffixes=("", "_usual"))
    out = []
    for column in [c for c in plan.columns if c not in (UID, DS)]:
        name = {PRICE: "Prices", "promo": "Promotions"}.get(column, f"'{column}'")
        changed = ~np.isclose(merged[column].to_numpy(dtype="float64"),
                              merged[f"{column}_usual"].to_numpy(dtype="float64"), equal_nan=True)
        if not changed.any():
            out.append(f"{name}: each series' {describe_default(column)}.")
            continue
        series = merged.loc[changed, UID].nunique()
        out.append(f"{name}: planned differently from the usual in {int(changed.sum()):,} of {len(merged):,} "
                   f"forecast periods ({series:,} series, e.g. {merged.loc[changed, UID].iloc[0]} from "
                   f"{merged.loc[changed, DS].min():%d %b %Y}); elsewhere each series' {describe_default(column)}.")
    return out
