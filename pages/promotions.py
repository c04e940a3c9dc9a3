"""Promotions page: plan a promotion and see what it returns, learn from past ones, and find the best weeks.

- Plan: choose a category or products, the dates (inside the forecast horizon)
  and the discount; the trained model forecasts the horizon with and without
  the promotion, so the page shows the extra units, revenue, profit and ROI, and
  the dip after the promotion where the model shows one.
- Past promotions: the uplift of every historical promotion against what the
  same days would have sold at the regular price (a regression baseline).
- Best windows: candidate weeks in the horizon ranked by incremental profit.

Models that ignore price and promotion cannot forecast a promotion: the page
says so and keeps the history-based tab. Every number comes from
``forecasting.recommend.promotions``.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from forecasting.errors import ForecastingError
from forecasting.evaluation.training import TrainedRun
from forecasting.plots import pricing as charts
from forecasting.recommend.elasticity import Elasticities
from forecasting.recommend.promotions import (
    PlanResult,
    past_promotions,
    read_plan,
    simulate_plan,
    suggest_windows,
    summarise_past,
)
from forecasting.recommend.scenarios import horizon_periods, refuse_without_drivers
from forecasting.schema import CATEGORY, PRICE, PROMO, UID
from ui import estimates, state, workspace
from ui.data_access import Loaded
from ui.messages import for_markdown, show_error
from ui.products import products_editor
from ui.widgets import kept, lazy_tabs

TABS = ["Plan a promotion", "Past promotions", "Best windows"]
WINDOWS = "promotions_windows"  #: (parameters, ranked windows) of the last "Rank" click
MONEY_COLUMNS = {
    "regular_price": st.column_config.NumberColumn("regular price", format="%.2f"),
    "promo_price": st.column_config.NumberColumn("promotion price", format="%.2f"),
    "unit_cost": st.column_config.NumberColumn("unit cost", format="%.2f"),
    "discount": st.column_config.NumberColumn(format="percent"),
    "baseline_units": st.column_config.NumberColumn("units without", format="%.1f"),
    "promo_units": st.column_config.NumberColumn("units with", format="%.1f"),
    "uplift_pct": st.column_config.NumberColumn("uplift", format="%+.0f%%",
                                                help="The answer: the model's uplift where it agrees with the history, "
                                                     "else the history's (see 'uplift from')."),
    "model_uplift_pct": st.column_config.NumberColumn("uplift (model)", format="%+.0f%%"),
    "history_uplift_pct": st.column_config.NumberColumn("uplift (history)", format="%+.0f%%"),
    "uplift_source": st.column_config.TextColumn("uplift from"),
    "post_promo_units": st.column_config.NumberColumn("units after", format="%+.1f"),
    "incremental_revenue": st.column_config.NumberColumn("extra revenue", format="%,.0f"),
    "incremental_profit": st.column_config.NumberColumn("extra profit", format="%,.0f"),
    "discount_cost": st.column_config.NumberColumn("discount cost", format="%,.0f"),
    "roi": st.column_config.NumberColumn("ROI", format="%.2f"),
}


def main() -> None:
    st.title("Promotions")
    run = state.require_run("Promotions")
    if run is None:
        return
    data: Loaded = state.loaded()
    frame, freq = data.result.frame, data.dataset.freq
    if PROMO not in frame.columns and PRICE not in frame.columns:
        st.info("This data has neither a price nor a promotion column, so promotions cannot be planned or measured. "
                "Map them on the Data page (the selling price, and a 0/1 or share-of-period promotion flag).")
        st.page_link(state.DATA_PAGE, label="Go to the Data page", icon=":material/upload_file:")
        return
    products = products_editor()
    elasticities = _history_estimates(data, freq)
    refusal = _refusal(run, frame)
    plan_tab, past_tab, windows_tab = lazy_tabs(TABS, "promotions_tab")
    if plan_tab.open:
        with plan_tab:
            if refusal:
                st.warning(refusal)
            else:
                _planner(data, run, products, elasticities)
    if past_tab.open:
        with past_tab:
            _past(data, freq, elasticities)
    if windows_tab.open:
        with windows_tab:
            if refusal:
                st.warning(refusal)
            else:
                _windows(data, run, products, elasticities)


def _refusal(run: TrainedRun, frame: pd.DataFrame) -> str | None:
    try:
        refuse_without_drivers(run, frame, "forecast a promotion")
    except ForecastingError as exc:
        message = for_markdown(exc)
        return (f"{message[:1].upper()}{message[1:]}. Past promotions below are measured from the history and "
                "still work.")
    return None


def _history_estimates(data: Loaded, freq: str) -> Elasticities | None:
    if PRICE not in data.result.frame.columns:
        return None
    try:
        return estimates.elasticities(data.key, freq, data.result.frame)
    except ForecastingError as exc:
        st.caption(f"No elasticities from the history: {for_markdown(exc)}")
        return None


@st.cache_data(max_entries=16, show_spinner="Forecasting with and without the promotion ...")
def _simulate(data_key: str, stamp: str, plan: pd.DataFrame, products: pd.DataFrame | None,
              planning: pd.DataFrame | None, _run: TrainedRun, _frame: pd.DataFrame, freq: str,
              _elasticities: Elasticities | None) -> PlanResult:
    return simulate_plan(_frame, freq, _run, plan, products, elasticities=_elasticities, planning=planning)


@st.cache_data(max_entries=4, show_spinner="Measuring every past promotion ...")
def _past_of(data_key: str, freq: str, _frame: pd.DataFrame, _elasticities: Elasticities | None) -> pd.DataFrame:
    return past_promotions(_frame, freq, elasticities=_elasticities)


# --- plan ------------------------------------------------------------------------------------------------------


def _planner(data: Loaded, run: TrainedRun, products: pd.DataFrame | None, elasticities: Elasticities | None) -> None:
    frame = data.result.frame
    periods = horizon_periods(run)
    first, last = periods["ds"].min().date(), (periods["period_end"].max() - pd.Timedelta(days=1)).date()
    st.caption(f"The forecast horizon runs {first:%Y-%m-%d} to {last:%Y-%m-%d}: plan promotions inside it "
               "(train with a longer horizon to plan further ahead).")
    source = kept(st.radio, "promotions_source", "Choose here", options=["Choose here", "Upload a plan"],
                  label="Plan", horizontal=True)
    plan = _plan_from_widgets(frame, first, last) if source == "Choose here" else _plan_from_file()
    if plan is None:
        return
    try:
        result = _simulate(data.key, run.run_id, plan, products, state.planning_forecast(), run, frame,
                           data.dataset.freq, elasticities)
    except ForecastingError as exc:
        show_error(exc)
        return
    _plan_results(result, run)
    workspace.keep_button("promotion", result.summary, plan=plan, key="promotions_keep")


def _plan_from_widgets(frame: pd.DataFrame, first: dt.date, last: dt.date) -> pd.DataFrame | None:
    kinds = ["A category", "Products"] if CATEGORY in frame.columns else ["Products"]
    left, middle, right = st.columns([1, 2, 1])
    with left:
        kind = kept(st.radio, "promotions_kind", kinds[0], options=kinds, label="Promote")
    with middle:
        if kind == "A category":
            names = sorted(frame[CATEGORY].dropna().astype(str).unique())
            target = {CATEGORY: kept(st.selectbox, "promotions_category", names[0], options=names, label="Category")}
        else:
            ids = sorted(frame[UID].astype(str).unique())
            chosen = kept(st.multiselect, "promotions_skus", ids[:1], options=ids, label="Products")
            if not chosen:
                st.info("Pick at least one product.")
                return None
            target = {UID: chosen}
        dates = kept(st.date_input, "promotions_dates", (first, min(first + dt.timedelta(days=6), last)),
                     label="First and last day", min_value=first, max_value=last)
    with right:
        discount = kept(st.slider, "promotions_discount", 20, label="Discount (%)", min_value=5, max_value=70, step=5)
    if not isinstance(dates, (tuple, list)) or len(dates) != 2:
        st.info("Pick the last day of the promotion too.")
        return None
    items = target.get(UID, [None])
    return pd.DataFrame({UID: items, CATEGORY: target.get(CATEGORY), "start": pd.Timestamp(dates[0]),
                         "end": pd.Timestamp(dates[1]), "discount": discount / 100})


def _plan_from_file() -> pd.DataFrame | None:
    upload = st.file_uploader("Promotion plan (CSV or Excel)", type=["csv", "xlsx"], key="promotions_plan_upload",
                              help="One row per promotion: unique_id (or sku) or category, start, end (both "
                                   "inclusive) and discount (0.2 or 20 for 20% off).")
    if upload is None:
        st.caption("Columns: unique_id (or sku) or category, start, end, discount. Example row: "
                   "`SKU-001,,2026-01-05,2026-01-11,20`.")
        return None
    try:
        return read_plan(upload.getvalue())
    except ForecastingError as exc:
        show_error(exc, context=upload.name)
        return None


def _plan_results(result: PlanResult, run: TrainedRun) -> None:
    summary = result.summary
    totals = summary[["incremental_units", "post_promo_units", "incremental_revenue", "incremental_profit",
                      "discount_cost"]].sum()
    cols = st.columns(4)
    cols[0].metric("Extra units", f"{totals['incremental_units'] + totals['post_promo_units']:+,.0f}",
                   help="During the promotion, plus the change in the periods right after it.")
    cols[1].metric("Extra revenue", f"{totals['incremental_revenue']:+,.0f}")
    cols[2].metric("Extra profit", f"{totals['incremental_profit']:+,.0f}")
    roi = totals["incremental_profit"] / totals["discount_cost"] if totals["discount_cost"] > 0 else float("nan")
    cols[3].metric("ROI", f"{roi:.2f}", help="Extra profit per unit of money given away as discount; 0 is break-even.")
    st.plotly_chart(charts.promotion_summary_figure(summary), width="stretch", key="promotions_summary")
    promoted = list(dict.fromkeys(summary[UID]))
    uid = kept(st.selectbox, "promotions_series", promoted[0], options=promoted, label="Forecast of")
    number = int(summary.index[summary[UID] == uid][0])
    paths = result.paths[result.paths["promotion"] == number]
    st.plotly_chart(charts.promotion_paths_figure(paths, title=f"{uid}: forecast with and without the promotion"),
                    width="stretch", key="promotions_paths")
    _dip_note(summary, run)
    st.dataframe(summary, hide_index=True, width="stretch", column_config=MONEY_COLUMNS)
    sources = summary["cost_source"].unique()
    st.caption("Extra revenue and profit compare the promoted forecast at the promotion price with the forecast "
               "at the regular price, over the promotion and the periods after it; the discount cost is what the "
               "discount gives away on every promoted unit. Unit costs: " + ", ".join(sources) + ". "
               "'Uplift (history)' is what the price history implies at that discount, next to the model's. Both "
               "forecasts include the Review page's adjustments, if any.")


def _dip_note(summary: pd.DataFrame, run: TrainedRun) -> None:
    after = summary["post_promo_units"].sum()
    if after < 0:
        st.caption(f"After the promotion {run.fitted.label} expects {-after:,.0f} fewer units than without it: "
                   "buyers stocked up (pull-forward). That is counted in the extra units and profit.")
    else:
        st.caption(f"{run.fitted.label} shows no dip after the promotion ({after:+,.0f} units in the periods "
                   "after it), so any pull-forward is not in these numbers; past promotions (next tab) show what "
                   "happened after real ones.")


# --- past -------------------------------------------------------------------------------------------------------


def _past(data: Loaded, freq: str, elasticities: Elasticities | None) -> None:
    if PROMO not in data.result.frame.columns:
        st.info("This data has no promotion column, so past promotions cannot be found. Map one on the Data page.")
        return
    try:
        past = _past_of(data.key, freq, data.result.frame, elasticities)
    except ForecastingError as exc:
        st.info(for_markdown(exc))
        return
    summary = summarise_past(past)
    cols = st.columns(3)
    cols[0].metric("Past promotions", f"{len(past):,}")
    cols[1].metric("Median uplift", f"{past['uplift_pct'].median():+.0f}%")
    cols[2].metric("Week after (median)", f"{past['post_promo_change_pct'].median():+.0f}%",
                   help="Sales in the periods right after a promotion against their baseline: negative is a dip.")
    st.plotly_chart(charts.past_promotions_figure(past), width="stretch", key="promotions_past")
    st.caption("Uplift: units sold during the promotion against what the same days would have sold at the regular "
               "price without it (a regression on the product's own history: trend, weekday, season, price), in %. "
               "Sold-out days are left out of both. Dotted: what the estimated elasticity and promotion lift imply.")
    st.dataframe(summary, hide_index=True, width="stretch", column_config={
        "mean_discount": st.column_config.NumberColumn("mean discount", format="percent"),
        "mean_uplift_pct": st.column_config.NumberColumn("mean uplift", format="%+.0f%%"),
        "median_uplift_pct": st.column_config.NumberColumn("median uplift", format="%+.0f%%"),
        "expected_uplift_pct": st.column_config.NumberColumn("from the elasticity", format="%+.0f%%"),
        "post_promo_change_pct": st.column_config.NumberColumn("week after", format="%+.0f%%"),
    })
    with st.expander("Every past promotion"):
        st.dataframe(past, hide_index=True, width="stretch", column_config={
            "discount": st.column_config.NumberColumn(format="percent"),
            "uplift_pct": st.column_config.NumberColumn("uplift", format="%+.0f%%"),
            "expected_uplift_pct": st.column_config.NumberColumn("from the elasticity", format="%+.0f%%"),
            "post_promo_change_pct": st.column_config.NumberColumn("after", format="%+.0f%%"),
        })


# --- best windows --------------------------------------------------------------------------------------------------


def _fingerprint(table: pd.DataFrame | None) -> int | None:
    return None if table is None else int(pd.util.hash_pandas_object(table).sum())


def _windows(data: Loaded, run: TrainedRun, products: pd.DataFrame | None, elasticities: Elasticities | None) -> None:
    left, middle, right = st.columns(3)
    with left:
        discount = kept(st.slider, "promotions_w_discount", 20, label="Discount (%)", min_value=5, max_value=70,
                        step=5)
    with middle:
        length = kept(st.number_input, "promotions_w_length", 7, label="Length (days)", min_value=1, max_value=60)
    with right:
        top = kept(st.number_input, "promotions_w_top", 10, label="Show the best", min_value=1, max_value=100)
    planning = state.planning_forecast()
    # The ranking is shown only while nothing it depends on changed: costs and adjustments included.
    params = (data.key, run.run_id, discount, int(length), int(top), _fingerprint(products),
              _fingerprint(planning))
    if st.button("Rank the windows", key="promotions_rank", icon=":material/leaderboard:"):
        try:
            with st.spinner("Forecasting every candidate window ..."):
                ranked = suggest_windows(data.result.frame, data.dataset.freq, run, products, discount=discount / 100,
                                         length=int(length), top=int(top), elasticities=elasticities,
                                         planning=planning)
        except ForecastingError as exc:
            show_error(exc)
            return
        st.session_state[WINDOWS] = (params, ranked)
    stored = st.session_state.get(WINDOWS)
    if stored is None or stored[0] != params:
        st.caption("Every product is promoted in back-to-back windows of the horizon (one forecast per window), "
                   "leaving room for the periods after each window; press Rank to see the best ones.")
        return
    ranked = stored[1]
    st.plotly_chart(charts.windows_figure(ranked), width="stretch", key="promotions_windows_chart")
    st.dataframe(ranked, hide_index=True, width="stretch", column_config=MONEY_COLUMNS)
    st.caption("Ranked by extra profit, dip after the window included. A negative ROI means the discount costs "
               "more than the extra sales earn.")


main()
