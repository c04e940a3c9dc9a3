"""Promotion planning with the trained model: what-if forecasts, money, and the best weeks to promote.

A planned promotion sets, in the forecast periods it covers, the promotion
share of the period and the discounted price (the average price of the period
when the promotion covers part of it). The model forecasts the horizon with and
without it; the difference is the promotion's effect, and the periods just after
it show the pull-forward dip when the model has learned one (models with
lagged promotion features do). Money, per promotion:

- incremental units: promoted minus baseline units over the promotion, plus the
  change after it (the dip, usually negative);
- incremental revenue and profit: the same at the prices and unit cost of each
  period, so the discount given on units that would have sold anyway counts;
- discount cost: regular minus promoted price, on every promoted unit;
- ROI: incremental profit per unit of discount cost (0 = break-even).

Past promotions live in :mod:`.promo_history`; this module re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..data.io import Source, read_table
from ..data.issues import examples
from ..errors import ConfigError, DataValidationError, MappingError
from ..evaluation.training import TrainedRun
from ..schema import CATEGORY, DS, PRICE, PROMO, UID, freq_family
from .elasticity import POST_PROMO_PERIODS, Elasticities, uplift
from .inputs import ASSUMED_COST_SHARE, as_fraction, regular_prices, unit_costs
from .promo_history import past_promotions, require_promo, summarise_past
from .scenarios import (
    adjustment_factors,
    base_future,
    check_same_data,
    forecast_scenarios,
    forecast_units,
    horizon_periods,
    refuse_without_drivers,
    window_share,
)

__all__ = ["PLAN_COLUMNS", "RESULT_COLUMNS", "PlanResult", "past_promotions", "plan_promotions",
           "read_plan", "require_promo", "simulate_plan", "suggest_windows", "summarise_past"]

PLAN_COLUMNS = (UID, CATEGORY, "start", "end", "discount")
#: Accepted column names in a plan file (compared in lower case, spaces and dashes as underscores).
PLAN_NAMES = {UID: ("unique_id", "sku", "id", "series"), CATEGORY: ("category",),
              "start": ("start", "start_date", "from"), "end": ("end", "end_date", "to", "until"),
              "discount": ("discount", "depth", "discount_pct", "discount_percent")}
#: Output columns of :func:`simulate_plan` (``summary``) and :func:`suggest_windows`, in order.
RESULT_COLUMNS = ("unique_id", "category", "start", "end", "discount", "regular_price", "promo_price", "unit_cost",
                  "cost_source", "periods", "baseline_units", "promo_units", "incremental_units", "uplift_pct",
                  "history_uplift_pct", "post_promo_units", "post_promo_periods", "net_incremental_units",
                  "baseline_revenue", "promo_revenue", "incremental_revenue", "incremental_profit", "discount_cost",
                  "roi", "model_uplift_pct", "uplift_source")


# --- the plan ------------------------------------------------------------------------


def read_plan(source: Source | pd.DataFrame) -> pd.DataFrame:
    """Read and check a promotion plan: one row per promotion, for a SKU or a whole category.

    Columns: ``unique_id`` (or ``sku``) or ``category``, ``start``, ``end`` (dates,
    both inclusive) and ``discount`` (a share such as 0.2, or a percent such as 20).

    Returns
    -------
    pandas.DataFrame
        :data:`PLAN_COLUMNS`, with ``discount`` as a share and dates as timestamps.
    """
    if isinstance(source, pd.DataFrame):
        raw = source.reset_index(drop=True)
        raw.index = raw.index + 2  # as a spreadsheet shows it: the header is row 1
    else:
        name = Path(source).name if isinstance(source, (str, Path)) else None
        raw = read_table(source, name=name or "plan file").frame
    columns = _plan_columns(raw)
    if raw.empty:
        raise DataValidationError("the promotion plan has no rows; add one row per promotion")
    plan = pd.DataFrame(index=raw.index)
    for field in (UID, CATEGORY):
        if columns[field] is None:
            plan[field] = None
            continue
        values = raw[columns[field]].astype("string").str.strip()
        plan[field] = values.astype(object).where(values.notna() & (values != ""), None)
    both_or_none = plan[UID].isna() == plan[CATEGORY].isna()
    if both_or_none.any():
        row = both_or_none.idxmax()
        raise DataValidationError(f"plan row {row}: give either a unique_id or a category (not both, not neither)",
                                  rows=[int(row)])
    for field in ("start", "end"):
        plan[field] = _dates(raw[columns[field]], field)
    late = plan["end"] < plan["start"]
    if late.any():
        row = late.idxmax()
        raise DataValidationError(f"plan row {row}: end {plan.loc[row, 'end']:%Y-%m-%d} is before start "
                                  f"{plan.loc[row, 'start']:%Y-%m-%d}; swap them", rows=[int(row)])
    plan["discount"] = [_discount(value, row) for row, value in raw[columns["discount"]].items()]
    return plan[list(PLAN_COLUMNS)]


def _plan_columns(raw: pd.DataFrame) -> dict[str, str | None]:
    normal = {str(c).strip().lower().replace(" ", "_").replace("-", "_"): c for c in raw.columns}
    found = {field: next((normal[n] for n in names if n in normal), None) for field, names in PLAN_NAMES.items()}
    for field in ("start", "end", "discount"):
        if found[field] is None:
            raise MappingError(f"the promotion plan has no {field!r} column (columns: {examples(list(raw.columns))});"
                               " it needs unique_id or category, start, end and discount", column=field)
    if found[UID] is None and found[CATEGORY] is None:
        raise MappingError("the promotion plan has neither a unique_id nor a category column; add one to say what "
                           "to promote")
    return found


def _dates(values: pd.Series, field: str) -> pd.Series:
    parsed = pd.to_datetime(values, errors="coerce", format="mixed")
    bad = parsed.isna()
    if bad.any():
        row = bad.idxmax()
        raise DataValidationError(f"plan row {row}: {field} {values[row]!r} is not a date; write it like 2026-01-15",
                                  rows=[int(row)], column=field)
    return parsed.dt.normalize().astype("datetime64[ns]")


def _discount(value, row) -> float:
    try:
        return as_fraction(value, "discount")
    except ConfigError as exc:
        raise DataValidationError(f"plan row {row}: {exc}", rows=[int(row)], column="discount") from exc


def _expand(plan: pd.DataFrame, df: pd.DataFrame) -> pd.DataFrame:
    """One row per SKU: category rows become one row per member series."""
    ids = pd.Index(df[UID].astype(str).unique())
    members = (df.drop_duplicates(UID).assign(**{CATEGORY: lambda f: f[CATEGORY].astype(str)})
               .groupby(CATEGORY)[UID].apply(list) if CATEGORY in df.columns else pd.Series(dtype=object))
    rows = []
    for row, item in plan.iterrows():
        if item[UID] is not None:
            if item[UID] not in ids:
                raise DataValidationError(f"plan row {row}: unique_id {item[UID]!r} is not in the data (e.g. "
                                          f"{examples(ids)})", rows=[int(row)], ids=[item[UID]])
            targets = [item[UID]]
        else:
            if item[CATEGORY] not in members.index:
                known = examples(list(members.index)) if len(members) else "none: the data has no category column"
                raise DataValidationError(f"plan row {row}: category {item[CATEGORY]!r} is not in the data "
                                          f"(categories: {known})", rows=[int(row)])
            targets = members[item[CATEGORY]]
        rows += [{UID: str(uid), "start": item["start"], "end": item["end"], "discount": item["discount"],
                  "plan_row": row} for uid in targets]
    expanded = pd.DataFrame(rows)
    clash = _overlaps(expanded)
    if clash is not None:
        raise DataValidationError(f"plan rows {clash[1]} and {clash[2]} promote {clash[0]!r} on overlapping dates; "
                                  "one promotion per product at a time")
    return expanded


def _overlaps(rows: pd.DataFrame) -> tuple[str, int, int] | None:
    for uid, group in rows.sort_values("start").groupby(UID):
        previous = group.shift()
        hit = group["start"] <= previous["end"]
        if hit.any():
            i = hit.idxmax()
            return uid, int(previous.loc[i, "plan_row"]), int(group.loc[i, "plan_row"])
    return None


def _check_horizon(rows: pd.DataFrame, periods: pd.DataFrame) -> None:
    first, stop = periods[DS].min(), periods["period_end"].max()
    outside = (rows["start"] < first) | (rows["end"] >= stop)
    if outside.any():
        row = rows[outside].iloc[0]
        raise ConfigError(f"plan row {row['plan_row']}: {row['start']:%Y-%m-%d}..{row['end']:%Y-%m-%d} is outside the "
                          f"forecast horizon {first:%Y-%m-%d}..{stop - pd.Timedelta(days=1):%Y-%m-%d}; move it inside, "
                          "or train with a longer horizon")


# --- simulation ------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanResult:
    """A simulated plan: one summary row per promoted series, and the forecasts behind it per period."""

    summary: pd.DataFrame  # RESULT_COLUMNS
    paths: pd.DataFrame  # promotion (summary row), unique_id, ds, baseline, promoted, promo_share, price


def plan_promotions(df: pd.DataFrame, freq: str, run: TrainedRun, plan: pd.DataFrame | Source,
                    products: pd.DataFrame | None = None, *, elasticities: Elasticities | None = None,
                    planning: pd.DataFrame | None = None, cost_share: float = ASSUMED_COST_SHARE) -> pd.DataFrame:
    """The summary of :func:`simulate_plan`: one row per promoted series."""
    return simulate_plan(df, freq, run, plan, products, elasticities=elasticities, planning=planning,
                         cost_share=cost_share).summary


def simulate_plan(df: pd.DataFrame, freq: str, run: TrainedRun, plan: pd.DataFrame | Source,
                  products: pd.DataFrame | None = None, *, elasticities: Elasticities | None = None,
                  planning: pd.DataFrame | None = None, cost_share: float = ASSUMED_COST_SHARE) -> PlanResult:
    """Forecast every planned promotion with the trained model: units, money, ROI and the dip after it.

    Parameters
    ----------
    df, freq
        The cleaned long table the run was trained on, and its frequency.
    run
        The trained run; its model must use price or promotion drivers.
    plan
        Rows of ``unique_id`` or ``category``, ``start``, ``end``, ``discount`` (see :func:`read_plan`).
    products
        ``unique_id, unit_cost``; missing costs are ``cost_share`` of the price, as ``cost_source`` says.
    elasticities
        When given, ``history_uplift_pct`` is the uplift the sales history implies at that discount
        (pooled elasticity and promotion lift), next to the model's ``uplift_pct``; else NaN.
    planning
        The planning forecast with the Review page's adjustments (``yhat``, ``yhat_model``): both
        forecasts are scaled by ``yhat / yhat_model`` per period, so adjustments carry into the what-if.

    Returns
    -------
    PlanResult
        ``summary``: one row per promoted series, columns :data:`RESULT_COLUMNS` (see the module docstring
        for the money); ``paths``: the baseline and promoted forecast of each of them per horizon period.

    Raises
    ------
    ConfigError
        The model ignores price and promotion, or a promotion falls outside the forecast horizon.
    """
    plan = read_plan(plan)
    context = _context(df, freq, run, products, cost_share, elasticities, planning)
    rows = _expand(plan, df)
    _check_horizon(rows, context.periods)
    summary, paths = _simulate(run, rows, context)
    return PlanResult(summary.drop(columns="plan_row"), paths)


@dataclass(frozen=True)
class _Context:
    """What every simulation of one plan shares: the horizon, the baseline forecast, prices, costs and history."""

    periods: pd.DataFrame  # unique_id, ds, period_end of every forecast period
    base: pd.DataFrame  # the future drivers at today's regular price without promotion
    base_units: np.ndarray  # the model's forecast for ``base``
    factors: pd.DataFrame | None  # the Review page's adjustments as factors
    costs: pd.DataFrame | None  # current_price, unit_cost, cost_source by unique_id (None without prices)
    category: pd.Series | None
    dip_periods: int
    name: str  # the model's label, for messages
    history: pd.DataFrame | None  # pooled elasticities by unique_id, for the history's uplift


def _context(df: pd.DataFrame, freq: str, run: TrainedRun, products: pd.DataFrame | None,
             cost_share: float, elasticities: Elasticities | None, planning: pd.DataFrame | None) -> _Context:
    """The checks, then everything a simulation needs once."""
    if PRICE not in df.columns and PROMO not in df.columns:
        raise DataValidationError("the data has neither a price nor a promo column, so a promotion cannot be "
                                  "simulated; map them on the Data page")
    refuse_without_drivers(run, df, "plan promotions")
    check_same_data(run, df)
    prices = regular_prices(df, freq) if PRICE in df.columns else None
    costs = unit_costs(prices, products, cost_share=cost_share).set_index(UID) if prices is not None else None
    base = base_future(run, df, None if costs is None else costs["current_price"])
    factors = adjustment_factors(planning)
    return _Context(
        periods=horizon_periods(run), base=base, base_units=forecast_units(run, base, factors), factors=factors,
        costs=costs,
        category=df.drop_duplicates(UID).set_index(UID)[CATEGORY].astype(str) if CATEGORY in df.columns else None,
        dip_periods=POST_PROMO_PERIODS[freq_family(freq)], name=run.fitted.label,
        history=None if elasticities is None else elasticities.per_series.set_index(UID))


def _simulate(run: TrainedRun, rows: pd.DataFrame, context: _Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One forecast per batch of promotions in which each series appears once (series are forecast independently).

    Returns the summary (in the order of ``rows``) and the per-period paths.
    """
    rows = rows.reset_index(drop=True).assign(_batch=lambda r: r.groupby(UID).cumcount())
    batches = [batch for _, batch in rows.groupby("_batch", sort=True)]
    promoted = [_promoted_future(batch, context) for batch in batches]
    forecasts = forecast_scenarios(run, [scenario for scenario, _ in promoted], context.factors)  # one pass
    results, paths = {}, []
    for batch, (scenario, shares), units in zip(batches, promoted, forecasts, strict=True):
        for i, item in batch.iterrows():
            answer, model_uplift, source = _with_history(item, shares[i], units, context)
            results[i] = {**_measure(item, shares[i], answer, scenario, context),
                          "model_uplift_pct": model_uplift, "uplift_source": source}
            paths.append(_path(i, item[UID], shares[i], answer, scenario, context))
    table = pd.DataFrame([results[i] for i in sorted(results)])
    moved = (table["promo_units"] - table["baseline_units"]).abs().max()
    if not moved > 1e-9:
        raise ConfigError(f"cannot plan promotions: the forecast of {context.name} does not move with price or "
                          "promotion (it was trained without those features); train a model that uses them")
    return table[[*RESULT_COLUMNS, "plan_row"]], pd.concat(paths, ignore_index=True)


def _with_history(item: pd.Series, share: np.ndarray, units: np.ndarray,
                  context: _Context) -> tuple[np.ndarray, float, str]:
    """The promoted units reconciled with the uplift the sales history implies, the model's own uplift, and why.

    A global model answers a what-if from what it learned, which can be half the true response (ensemble
    members that ignore price dilute it; trees flatten beyond the prices they saw). The history's estimate
    (pooled log-log elasticity and promotion lift, with the elasticity's 95% interval) is the reference:
    when the model's uplift lies inside the history's range it stands; outside it the history's uplift is
    used for the promoted periods, and ``uplift_source`` says so.
    """
    inside = share > 0
    baseline = float(context.base_units[inside].sum())
    model_uplift = float(units[inside].sum()) / baseline - 1 if baseline > 0 else np.nan
    history = context.history
    if history is None or item[UID] not in history.index or not np.isfinite(model_uplift):
        return units, 100 * model_uplift, "model (no history estimate)"
    row = history.loc[item[UID]]
    shares = share[inside]  # a period partly covered gets part of the discount and of the lift
    discount = item["discount"] * shares
    implied = [float(np.sum(context.base_units[inside] * (1 + uplift(discount, e, row["promo_lift"] ** shares))))
               / baseline - 1 for e in (row["elasticity"], row["elasticity_lo"], row["elasticity_hi"])]
    low, high = min(implied), max(implied)
    if low <= model_uplift <= high:
        return units, 100 * model_uplift, "model (agrees with the history)"
    answer = units.copy()
    answer[inside] = context.base_units[inside] * (1 + uplift(discount, row["elasticity"], row["promo_lift"] ** shares))
    return answer, 100 * model_uplift, "history (the model's uplift is outside the history's range)"


def _path(number: int, uid: str, share: np.ndarray, units: np.ndarray, scenario: pd.DataFrame,
          context: _Context) -> pd.DataFrame:
    mine = context.periods[UID].to_numpy() == uid
    price = scenario[PRICE].to_numpy()[mine] if PRICE in scenario.columns else np.nan
    return pd.DataFrame({"promotion": number, UID: uid, DS: context.periods[DS].to_numpy()[mine],
                         "baseline": context.base_units[mine], "promoted": units[mine],
                         "promo_share": share[mine], PRICE: price})


def _promoted_future(batch: pd.DataFrame, context: _Context) -> tuple[pd.DataFrame, dict[int, np.ndarray]]:
    periods, scenario = context.periods, context.base.copy()
    shares = {}
    for i, item in batch.iterrows():
        share = np.where(periods[UID].to_numpy() == item[UID], window_share(periods, item["start"], item["end"]), 0.0)
        shares[i] = share
        if PROMO in scenario.columns:
            scenario[PROMO] = np.maximum(scenario[PROMO].to_numpy(), share)
        if PRICE in scenario.columns:
            scenario[PRICE] = scenario[PRICE].to_numpy() * (1 - item["discount"] * share)
    return scenario, shares


def _measure(item: pd.Series, share: np.ndarray, units: np.ndarray, scenario: pd.DataFrame, context: _Context) -> dict:
    """Units and money of one promotion from the baseline and promoted forecasts."""
    uid, base_units = item[UID], context.base_units
    mine = context.periods[UID].to_numpy() == uid
    inside = share > 0
    covered = np.flatnonzero(inside)
    after = np.flatnonzero(mine & (np.arange(len(mine)) > covered.max()))[: context.dip_periods]
    costs = context.costs
    regular = float(costs.loc[uid, "current_price"]) if costs is not None else np.nan
    cost = float(costs.loc[uid, "unit_cost"]) if costs is not None else np.nan
    price = scenario[PRICE].to_numpy() if PRICE in scenario.columns else np.full(len(share), np.nan)
    baseline, promoted = base_units[inside].sum(), units[inside].sum()
    dip = float((units[after] - base_units[after]).sum())
    promo_revenue = float((units[inside] * price[inside]).sum())
    baseline_revenue = baseline * regular
    incremental_revenue = promo_revenue - baseline_revenue + dip * regular
    incremental_profit = (promo_revenue - promoted * cost) - baseline * (regular - cost) + dip * (regular - cost)
    discount_cost = float((units[inside] * (regular - price[inside])).sum())
    history = context.history
    implied = (100 * float(uplift(item["discount"], history.loc[uid, "elasticity"], history.loc[uid, "promo_lift"]))
               if history is not None and uid in history.index else np.nan)
    return {UID: uid, CATEGORY: context.category[uid] if context.category is not None else None,
            "start": item["start"], "end": item["end"], "discount": item["discount"], "regular_price": regular,
            "promo_price": regular * (1 - item["discount"]), "unit_cost": cost,
            "cost_source": costs.loc[uid, "cost_source"] if costs is not None else "no price column: money unknown",
            "periods": int(inside.sum()), "baseline_units": baseline, "promo_units": promoted,
            "incremental_units": promoted - baseline,
            "uplift_pct": 100 * (promoted / baseline - 1) if baseline > 0 else np.nan, "history_uplift_pct": implied,
            "post_promo_units": dip, "post_promo_periods": len(after),
            "net_incremental_units": promoted - baseline + dip,
            "baseline_revenue": baseline_revenue, "promo_revenue": promo_revenue,
            "incremental_revenue": incremental_revenue, "incremental_profit": incremental_profit,
            "discount_cost": discount_cost,
            "roi": incremental_profit / discount_cost if discount_cost > 0 else np.nan, "plan_row": item["plan_row"]}


# --- suggestions ----------------------------------------------------------------------------


def suggest_windows(df: pd.DataFrame, freq: str, run: TrainedRun, products: pd.DataFrame | None = None, *,
                    discount: float = 0.2, length: int = 7, top: int = 10, step: int | None = None,
                    unique_ids: list[str] | None = None, elasticities: Elasticities | None = None,
                    planning: pd.DataFrame | None = None, cost_share: float = ASSUMED_COST_SHARE) -> pd.DataFrame:
    """Candidate promotion windows in the forecast horizon, best incremental profit first.

    Parameters
    ----------
    discount
        Discount depth of every candidate (share, or percent above 1).
    length
        Promotion length in days (a weekly or monthly period counts as partly promoted).
    top
        Rows to return.
    step
        Periods between candidate starts; default: back-to-back windows of ``length``.
    unique_ids
        Series to consider (default: all).
    elasticities, planning
        As in :func:`simulate_plan`: the history's uplift next to the model's; the Review page's adjustments.

    Returns
    -------
    pandas.DataFrame
        ``rank`` then :data:`RESULT_COLUMNS`, one row per series and window.
    """
    depth = as_fraction(discount, "discount")
    if int(length) < 1 or int(top) < 1:
        raise ConfigError(f"length ({length}) and top ({top}) must be at least 1")
    context = _context(df, freq, run, products, cost_share, elasticities, planning)
    starts = _candidate_starts(context.periods, int(length), step, context.dip_periods)
    ids = sorted(unique_ids) if unique_ids else sorted(df[UID].astype(str).unique())
    unknown = sorted(set(ids) - set(context.periods[UID].astype(str)))
    if unknown:
        raise DataValidationError(f"unique_id {unknown[0]!r} is not in the data", ids=unknown[:20])
    rows = pd.DataFrame([{UID: uid, "start": start, "end": start + pd.Timedelta(days=int(length) - 1),
                          "discount": depth, "plan_row": n}
                         for n, start in enumerate(starts) for uid in ids])
    table = _simulate_windows(run, rows, context)
    ranked = table.sort_values("incremental_profit", ascending=False, kind="stable").head(int(top))
    return ranked.drop(columns="plan_row").reset_index(drop=True).rename_axis("rank").reset_index().assign(
        rank=lambda t: t["rank"] + 1)


def _simulate_windows(run: TrainedRun, rows: pd.DataFrame, context: _Context) -> pd.DataFrame:
    """Every series in the same window shares one forecast, so the cost is one forecast per window."""
    parts = []
    for _, window in rows.groupby("plan_row", sort=True):
        parts.append(_simulate(run, window, context)[0])
    return pd.concat(parts, ignore_index=True)


def _candidate_starts(periods: pd.DataFrame, length: int, step: int | None, dip_periods: int) -> list[pd.Timestamp]:
    """Period starts from which a ``length``-day promotion ends inside every series' horizon.

    Windows also leave room for the periods after them, so that the dip is
    counted and a late window does not win by hiding it; when the horizon is
    too short for that, windows only have to fit.
    """
    last_day = periods.groupby(UID)["period_end"].max().min() - pd.Timedelta(days=1)
    starts = pd.DatetimeIndex(sorted(periods[DS].unique()))
    period_days = max((starts[1] - starts[0]).days if len(starts) > 1 else 1, 1)
    ends = starts + pd.Timedelta(days=length - 1)
    fits = starts[ends + pd.Timedelta(days=dip_periods * period_days) <= last_day]
    if fits.empty:
        fits = starts[ends <= last_day]
    if fits.empty:
        raise ConfigError(f"a {length}-day promotion does not fit in the forecast horizon (last day "
                          f"{last_day:%Y-%m-%d}); shorten it or train with a longer horizon")
    every = step or max(1, -(-length // period_days))
    return list(fits[:: int(every)])
