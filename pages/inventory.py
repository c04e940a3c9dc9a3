"""Inventory page: how much to order now, and whether the policy would have kept its promise.

The chosen run's forecast (with the Review page's adjustments) and its
backtest errors give, per series, the safety stock, reorder point,
order-up-to level and the order to place now, sorted by stock-out risk and
money at stake. Product values (lead time, stock, costs ...) come from the
products table shared with the Pricing and Promotions pages. "Check the
policy on history" replays it over past backtest windows against the demand
that came and reports the achieved cycle service level per category.
Every number comes from ``forecasting.recommend``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from forecasting.data.export import csv_bytes, with_id_columns
from forecasting.data.measure import Measure
from forecasting.errors import ForecastingError
from forecasting.evaluation.training import TrainedRun
from forecasting.plots.inventory import projected_stock_figure, service_level_figure, simulation_figure
from forecasting.recommend.inventory import (
    ErrorHistory,
    InventoryPlan,
    PolicyOptions,
    error_history,
    recommend_inventory,
)
from forecasting.recommend.simulation import SimulationResult, simulate_policy, year_of_windows
from ui import state
from ui.data_access import Loaded
from ui.messages import show_error
from ui.products import products_editor, set_product_value
from ui.widgets import kept

HISTORIES = "inventory_histories"  #: (data key, model, seconds, windows) -> ErrorHistory with extra windows
SHOWN = {
    "unique_id": st.column_config.TextColumn("series"),
    "category": st.column_config.TextColumn("category"),
    "stockout_risk": st.column_config.ProgressColumn("stock-out risk", format="percent", min_value=0, max_value=1,
                                                     help="Chance of running out before an order placed now arrives."),
    "money_at_stake": st.column_config.NumberColumn("money at stake", format="%,.0f",
                                                    help="Expected lost revenue within the lead time, or the value "
                                                         "of stock above the order-up-to level."),
    "order_qty": st.column_config.NumberColumn("order now", format="%,.0f"),
    "order_value": st.column_config.NumberColumn("order value", format="%,.0f"),
    "on_hand": st.column_config.NumberColumn("on hand", format="%,.0f"),
    "on_order": st.column_config.NumberColumn("on order", format="%,.0f"),
    "lead_time": st.column_config.NumberColumn("lead time (days)", format="%.0f"),
    "safety_stock": st.column_config.NumberColumn("safety stock", format="%,.0f"),
    "reorder_point": st.column_config.NumberColumn("reorder point", format="%,.0f"),
    "order_up_to": st.column_config.NumberColumn("order-up-to", format="%,.0f"),
    "days_of_cover": st.column_config.NumberColumn("days of cover", format="%.0f"),
    "stockout_date": st.column_config.DateColumn("runs out on"),
    "expected_fill_rate": st.column_config.NumberColumn("expected fill rate", format="percent"),
}


def main() -> None:
    st.title("Inventory")
    run = state.require_run("Inventory")
    if run is None:
        return
    data: Loaded = state.loaded()
    products = products_editor()
    options = _options()
    try:
        plan = _plan(data, run, products, state.planning_forecast(), options)
    except ForecastingError as exc:
        show_error(exc)
        return
    _headline(plan)
    _table(plan, data, run)
    uid = _series_detail(plan)
    _replay(data, run, products, options, uid)
    with st.expander("How this is worked out"):
        _method()


def _options() -> PolicyOptions:
    left, middle, right = st.columns([1, 2, 1])
    with left:
        same = kept(st.toggle, "inventory_same_level", True, label="One target for every series",
                    help="Off: each product's own service level from the products table.")
    with middle:
        level = kept(st.slider, "inventory_service_level", 0.95, label="Target cycle service level",
                     min_value=0.80, max_value=0.995, step=0.005, format="%.3f", disabled=not same,
                     help="Share of replenishment cycles (from one delivery to the next) that should end without "
                          "a lost sale.")
    with right:
        lots = kept(st.toggle, "inventory_eoq", False, label="Order in EOQ lots",
                    help="Order at least the economic order quantity (sqrt(2 x annual demand x order cost / "
                         "(holding rate x unit cost))): fewer, larger orders, more stock on average.")
    return PolicyOptions(service_level=level if same else None, eoq=lots)


@st.cache_data(max_entries=16, show_spinner="Working out safety stocks and orders ...")
def _plan_cached(data_key: str, model: str, seconds: float, products: pd.DataFrame, forecast: pd.DataFrame,
                 options: PolicyOptions, measure: Measure, _frame: pd.DataFrame, _run: TrainedRun) -> InventoryPlan:
    return recommend_inventory(_frame, _run.freq, _run, products, forecast=forecast, options=options,
                               measure=measure)


def _plan(data: Loaded, run: TrainedRun, products: pd.DataFrame, forecast: pd.DataFrame,
          options: PolicyOptions) -> InventoryPlan:
    return _plan_cached(data.key, run.name, run.seconds, products, forecast, options, data.dataset.measure,
                        data.result.frame, run)


def _headline(plan: InventoryPlan) -> None:
    table = plan.table
    known = table["on_hand"].notna()
    if not known.any():
        st.info("Stock on hand is unknown, so this page shows the policy for each series (safety stock, reorder "
                "point, order-up-to level) but no order quantities, days of cover or stock-out risk: those need "
                "stock on hand. Add it in the products table below (On hand), or map a stock column on the Data "
                "page.", icon=":material/inventory_2:")
        columns = st.columns(2)
        columns[0].metric("Series with a policy", f"{int(table['reorder_point'].notna().sum()):,} of {len(table):,}")
        columns[1].metric("Total safety stock", f"{table['safety_stock'].sum():,.0f}")
        return
    ordering = table[table["order_qty"] > 0]
    columns = st.columns(4)
    columns[0].metric("Series to order now", f"{len(ordering):,} of {len(table):,}")
    columns[1].metric("Value of those orders", f"{ordering['order_value'].sum():,.0f}")
    columns[2].metric("Series likely to run out", f"{int((table['stockout_risk'] >= 0.5).sum()):,}",
                      help="At least a 50% chance of running out before an order placed now arrives.")
    columns[3].metric("Expected lost revenue", f"{table['revenue_at_risk'].sum():,.0f}",
                      help="Within each series' lead time, even when ordering now.")
    for note in plan.notes:
        st.caption(note)


def _table(plan: InventoryPlan, data: Loaded, run: TrainedRun) -> None:
    st.subheader("Recommendations, riskiest first")
    st.dataframe(plan.table[list(SHOWN)], hide_index=True, width="stretch", height=360, column_config=SHOWN)
    table = with_id_columns(plan.table, data.dataset.mapping)
    left, right = st.columns(2)
    left.download_button("Recommendations (CSV)", csv_bytes(table),
                         f"inventory_{run.name}.csv", mime="text/csv", icon=":material/download:",
                         key="inventory_csv")
    right.download_button("Projected stock per period (CSV)", csv_bytes(plan.projection),
                          f"inventory_projection_{run.name}.csv", mime="text/csv", icon=":material/download:",
                          key="inventory_projection_csv")


def _series_detail(plan: InventoryPlan) -> str:
    st.subheader("One series")
    names = list(plan.table["unique_id"])
    uid = kept(st.selectbox, "inventory_series", names[0], options=names, label="Series",
               help="Sorted as the table: riskiest first.")
    row = plan.table.set_index("unique_id").loc[uid]
    left, right = st.columns([1, 3])
    with left:
        # The key carries the current value, so an edit in the products table shows here too.
        key = f"inventory_lead_time_{uid}_{row['lead_time']:g}"
        st.number_input("Lead time (days)", min_value=0.0, max_value=730.0, step=1.0, value=float(row["lead_time"]),
                        key=key, on_change=_lead_time_changed, args=(uid, key),
                        help="A what-if for this series: it changes the products table for every page.")
        st.metric("Safety stock", f"{row['safety_stock']:,.0f}")
        st.metric("Reorder point", f"{row['reorder_point']:,.0f}")
        st.metric("Order-up-to level", f"{row['order_up_to']:,.0f}")
        if pd.isna(row["on_hand"]):
            st.caption(f"Stock on hand is unknown: the order quantity, days of cover and stock-out risk need it. "
                       f"Demand over the {int(row['protection_periods'])}-period protection period "
                       f"{row['protection_demand']:,.0f}; expected fill rate {row['expected_fill_rate']:.1%}.")
        else:
            st.metric("Order now", f"{row['order_qty']:,.0f}")
            cover = "over 2 years" if row["days_of_cover"] == float("inf") else f"{row['days_of_cover']:,.0f} days"
            st.metric("Days of cover", cover)
            runs_out = "not within 2 years" if pd.isna(row["stockout_date"]) else f"{row['stockout_date']:%Y-%m-%d}"
            st.caption(f"On hand {row['on_hand']:,.0f}, on order {row['on_order']:,.0f}; demand over the "
                       f"{int(row['protection_periods'])}-period protection period {row['protection_demand']:,.0f}; "
                       f"expected fill rate {row['expected_fill_rate']:.1%}; stock runs out: {runs_out}.")
    with right:
        st.plotly_chart(projected_stock_figure(plan.projection, uid), width="stretch", key="inventory_projection")
        st.caption("Expected stock at the end of each period if demand follows the forecast; the open order and "
                   "the recommended one arrive after the lead time. Below zero: demand that would be lost.")
    return uid


def _lead_time_changed(uid: str, key: str) -> None:
    set_product_value(uid, "lead_time", st.session_state[key])


def _history(data: Loaded, run: TrainedRun, windows: int, progress) -> ErrorHistory:
    store = st.session_state.setdefault(HISTORIES, {})
    key = (data.key, run.name, run.seconds, windows)
    if key not in store:
        store.clear()  # one extended backtest at a time: they hold every series' forecasts
        store[key] = error_history(run, data.result.frame, run.freq, windows=windows, progress=progress)
    return store[key]


def _replay(data: Loaded, run: TrainedRun, products: pd.DataFrame, options: PolicyOptions, uid: str) -> None:
    st.subheader("Check the policy on history")
    own = run.backtest.predictions["cutoff"].nunique() + (
        run.backtest.calibration["cutoff"].nunique() if run.backtest.calibration is not None else 0)
    default = max(year_of_windows(run.freq, run.spec.horizon), own)
    windows = kept(st.number_input, "inventory_sim_windows", default, label="Backtest windows to replay",
                   min_value=2, max_value=60, step=1,
                   help=f"Windows of {run.spec.horizon} periods; the run has {own}. Each extra one is one more fit of "
                        "the model. A year or more gives a steadier answer.")
    key = (data.key, run.name, run.seconds, int(windows))
    ready = key in st.session_state.get(HISTORIES, {}) or windows <= own
    if not ready and not st.button("Replay the policy", key="inventory_replay", icon=":material/replay:"):
        st.caption(f"Backtests {windows - own} more windows with {run.name}, then replays the policy period by "
                   "period against actual demand.")
        return
    bar = st.progress(0.0) if not ready else None
    try:
        history = _history(data, run, int(windows), (lambda s, m: bar.progress(min(s, 1.0), m)) if bar else None)
        result = simulate_policy(data.result.frame, run.freq, run, products, history=history, options=options)
    except ForecastingError as exc:
        show_error(exc)
        return
    finally:
        if bar is not None:
            bar.empty()
    _replay_results(result, uid)


def _replay_results(result: SimulationResult, uid: str) -> None:
    summary = result.per_category
    overall = summary[summary["category"] == "All"].iloc[0]
    st.markdown(f"Replayed {result.start:%Y-%m-%d} to {result.end:%Y-%m-%d} ({result.windows} windows): "
                f"**{overall['achieved_service_level']:.1%}** of {int(overall['cycles']):,} replenishment cycles "
                f"ended without a lost sale (target {overall['target_service_level']:.1%}); fill rate "
                f"{overall['fill_rate']:.1%}.")
    st.plotly_chart(service_level_figure(summary[summary["category"] != "All"]), width="stretch",
                    key="inventory_service_chart")
    st.dataframe(summary, hide_index=True, width="stretch", column_config={
        "target_service_level": st.column_config.NumberColumn("target", format="percent"),
        "achieved_service_level": st.column_config.NumberColumn("cycle service level", format="percent"),
        "fill_rate": st.column_config.NumberColumn("fill rate", format="percent"),
        "avg_stock": st.column_config.NumberColumn("average units on hand", format="%,.0f")})
    if uid in set(result.trace["unique_id"]):
        st.plotly_chart(simulation_figure(result.trace, uid), width="stretch", key="inventory_replay_chart")
    st.caption("Each window's safety stock comes from the forecast errors of the other windows, never its own, and "
               "each review uses the forecast made before its window. Lost sales are lost (not backordered), so "
               "the achieved level usually lands a little above the target. With EOQ lots, cycles are longer and "
               "the target is a floor.")


def _method() -> None:
    st.markdown(
        "- **Policy**: every review period the inventory position (on hand + on order) is compared with the "
        "reorder point; below it, an order brings it up to the order-up-to level (at least the MOQ). An order "
        "arrives after the lead time (rounded up to whole periods), so it covers a *protection period* of lead "
        "time + review period - 1 periods.\n"
        "- **Safety stock** comes from the model's own backtest errors summed over the protection period, "
        "standardised by `sqrt(1 + F + kappa F^2)` and pooled per category; the target's quantile of that sample "
        "(not a normal table) keeps the skew of intermittent and promotional demand.\n"
        "- **Reorder point** = forecast over the protection period + safety stock. **Order-up-to** = reorder "
        "point (+ EOQ with lots).\n"
        "- **Stock-out risk** = chance that demand within the lead time exceeds on hand + on order; **money at "
        "stake** = expected lost revenue within the lead time, or the value of stock above the order-up-to "
        "level.\n"
        "- **Days of cover** = days until on-hand stock runs out at the forecast rate; **runs out on** also counts "
        "the open order, assumed to arrive at the end of the lead time.\n"
        "- **Service level** here means *cycle service level*: the share of replenishment cycles without a lost "
        "sale. The fill rate (units sold / units demanded) is higher for the same stock.")


main()
