"""Pricing page: what price each product should have, and why.

The price elasticity of every product is estimated from its sales history
(log-log demand regression controlling for promotions, trend and season,
pooled toward its category). Within the bounds the user sets around today's
price, the profit-best price follows from that elasticity and the unit cost;
the trained model's own what-if is shown next to it as a check. Every number
comes from ``forecasting.recommend.pricing``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from forecasting.data.export import csv_bytes
from forecasting.data.frequency import PERIOD_NAMES
from forecasting.errors import ForecastingError
from forecasting.evaluation.training import TrainedRun
from forecasting.plots import pricing as charts
from forecasting.recommend.inputs import regular_prices
from forecasting.recommend.pricing import (
    Elasticities,
    model_price_response,
    price_curves,
    recommend_prices,
)
from forecasting.recommend.scenarios import adjustment_factors
from forecasting.schema import PRICE, UID, freq_family
from ui import estimates, state, workspace
from ui.data_access import Loaded
from ui.messages import md, show_error
from ui.products import products_editor
from ui.widgets import kept, lazy_tabs

TABS = ["Recommendations", "One product", "Elasticities"]


def main() -> None:
    st.title("Pricing")
    run = state.require_run("Pricing")
    if run is None:
        return
    data: Loaded = state.loaded()
    frame, freq = data.result.frame, data.dataset.freq
    if PRICE not in frame.columns:
        st.info("This data has no price column, so there is no price to recommend. Map a price column on the Data "
                "page (the selling price of each period) to estimate elasticities and prices.")
        st.page_link(state.DATA_PAGE, label="Go to the Data page", icon=":material/upload_file:")
        return
    try:
        elasticities = estimates.elasticities(data.key, freq, frame)
    except ForecastingError as exc:
        show_error(exc)
        return
    down, up = _bounds()
    products, planning = products_editor(), state.planning_forecast()
    try:
        response = _response(data.key, run.run_id, planning, run, frame, freq, elasticities)
        table = _recommendations(data.key, run.run_id, (down, up), products, planning, run, frame, freq,
                                 elasticities, response)
    except ForecastingError as exc:
        show_error(exc)
        return
    _model_note(run)
    _headline(table, run, freq, adjusted=adjustment_factors(planning) is not None)
    recommendations, one, by_category = lazy_tabs(TABS, "pricing_tab")
    if recommendations.open:
        with recommendations:
            _table(table, run)
    if one.open:
        with one:
            _one_product(table, run, frame, freq, products, planning, (down, up), elasticities, response)
    if by_category.open:
        with by_category:
            _elasticity_view(elasticities)


@st.cache_data(max_entries=4, show_spinner="Asking the trained model how demand follows price ...")
def _response(data_key: str, stamp: str, planning: pd.DataFrame | None, _run: TrainedRun, _frame: pd.DataFrame,
              freq: str, _elasticities: Elasticities) -> pd.DataFrame:
    return model_price_response(_run, _frame, regular_prices(_frame, freq), planning=planning,
                                elasticity=_elasticities.by_series)


@st.cache_data(max_entries=16, show_spinner="Finding the profit-best prices ...")
def _recommendations(data_key: str, stamp: str, bounds: tuple[float, float], products: pd.DataFrame | None,
                     planning: pd.DataFrame | None, _run: TrainedRun, _frame: pd.DataFrame, freq: str,
                     _elasticities: Elasticities, _response: pd.DataFrame) -> pd.DataFrame:
    return recommend_prices(_frame, freq, _run, products, bounds=bounds, elasticities=_elasticities,
                            model_response=_response, planning=planning)


def _bounds() -> tuple[float, float]:
    left, right = st.columns(2)
    with left:
        down = kept(st.slider, "pricing_down", 15, label="Largest price cut (%)", min_value=1, max_value=50,
                    help="How far below today's regular price a recommendation may go (never below unit cost).")
    with right:
        up = kept(st.slider, "pricing_up", 15, label="Largest price rise (%)", min_value=1, max_value=50,
                  help="How far above today's regular price a recommendation may go.")
    return down / 100, up / 100


def _model_note(run: TrainedRun) -> None:
    if not run.fitted.uses_exog:
        st.warning(f"{run.fitted.label} ignores price: its forecast is the same at any price, so its what-if "
                   "below is flat. The recommendations rest on the elasticities from the history; the model only "
                   "gives the units at today's price. Train a model that uses drivers (ridge, gradient boosting, "
                   "SARIMAX, neural) to compare.")


def _headline(table: pd.DataFrame, run: TrainedRun, freq: str, *, adjusted: bool) -> None:
    totals = table[["baseline_units", "expected_units", "baseline_revenue", "expected_revenue", "baseline_profit",
                    "expected_profit"]].sum()
    horizon = f"next {run.spec.horizon} {PERIOD_NAMES[freq_family(freq)]}s"
    cols = st.columns(4)
    cols[0].metric(f"Profit, {horizon}", f"{totals['expected_profit']:,.0f}",
                   delta=f"{totals['expected_profit'] - totals['baseline_profit']:+,.0f} vs today's prices")
    cols[1].metric("Revenue", f"{totals['expected_revenue']:,.0f}",
                   delta=f"{totals['expected_revenue'] - totals['baseline_revenue']:+,.0f}")
    cols[2].metric("Units", f"{totals['expected_units']:,.0f}",
                   delta=f"{totals['expected_units'] - totals['baseline_units']:+,.0f}")
    moves = table["price_change_pct"]
    up, down = int((moves > 0.5).sum()), int((moves < -0.5).sum())
    cols[3].metric("Prices up / down", f"{up} / {down}", delta=f"{len(table) - up - down} unchanged",
                   delta_color="off", help="Products whose recommended price differs from today's by more than 0.5%.")
    assumed = (table["cost_source"] != "products table").sum()
    cost_note = (f" {assumed} of {len(table)} products have no unit cost in the products table: their cost is "
                 f"{table.loc[table['cost_source'] != 'products table', 'cost_source'].iloc[0]}." if assumed else "")
    review = " (with the Review page's adjustments)" if adjusted else ""
    st.caption(f"Units at today's regular price come from {run.fitted.label}'s forecast for the {horizon} without "
               f"promotions{review}; at another price they follow units × (new / today's price) ^ elasticity. "
               f"Profit = (price − unit cost) × units.{cost_note}")


def _table(table: pd.DataFrame, run: TrainedRun) -> None:
    st.plotly_chart(charts.recommendations_figure(table), width="stretch", key="pricing_bars")
    shown = table[[UID, "category", "current_price", "recommended_price", "price_change_pct", "elasticity",
                   "elasticity_lo", "elasticity_hi", "unit_cost", "expected_units_change_pct",
                   "expected_revenue_change_pct", "expected_profit_change_pct", "profit_change_lo_pct",
                   "profit_change_hi_pct", "model_units_change_pct", "reason"]]
    st.dataframe(shown, hide_index=True, width="stretch", height=420, column_config={
        UID: st.column_config.TextColumn("series"),
        "current_price": st.column_config.NumberColumn("today", format="%.2f"),
        "recommended_price": st.column_config.NumberColumn("recommended", format="%.2f"),
        "price_change_pct": st.column_config.NumberColumn("price change", format="%+.1f%%"),
        "elasticity": st.column_config.NumberColumn(format="%.2f"),
        "elasticity_lo": st.column_config.NumberColumn("95% from", format="%.2f"),
        "elasticity_hi": st.column_config.NumberColumn("95% to", format="%.2f"),
        "unit_cost": st.column_config.NumberColumn("unit cost", format="%.2f"),
        "expected_units_change_pct": st.column_config.NumberColumn("units", format="%+.1f%%"),
        "expected_revenue_change_pct": st.column_config.NumberColumn("revenue", format="%+.1f%%"),
        "expected_profit_change_pct": st.column_config.NumberColumn("profit", format="%+.1f%%"),
        "profit_change_lo_pct": st.column_config.NumberColumn("profit, worst case", format="%+.1f%%"),
        "profit_change_hi_pct": st.column_config.NumberColumn("profit, best case", format="%+.1f%%"),
        "model_units_change_pct": st.column_config.NumberColumn(f"units ({run.name} what-if)", format="%+.1f%%"),
    })
    st.caption("Changes are against today's regular price. Worst and best case: the profit change at the two ends "
               "of the elasticity's 95% interval. The model's what-if column is the trained model's own forecast "
               "at the recommended price: where it disagrees in direction with the units column, look closer.")
    st.download_button("Recommendations (CSV)", csv_bytes(table), "price_recommendations.csv",
                       mime="text/csv", icon=":material/download:", key="pricing_csv", on_click="ignore")
    workspace.keep_button("prices", table, key="pricing_keep")


def _one_product(table: pd.DataFrame, run: TrainedRun, frame: pd.DataFrame, freq: str,
                 products: pd.DataFrame | None, planning: pd.DataFrame | None, bounds: tuple[float, float],
                 elasticities: Elasticities, response: pd.DataFrame) -> None:
    ids = list(table[UID])
    uid = kept(st.selectbox, "pricing_series", ids[0], options=ids, label="Product")
    row = table.set_index(UID).loc[uid]
    facts = elasticities.row(uid)
    curve = price_curves(frame, freq, run, uid, products, bounds=bounds, elasticities=elasticities,
                         model_response=response, planning=planning)
    cols = st.columns(4)
    cols[0].metric("Today's price", f"{row['current_price']:,.2f}")
    cols[1].metric("Recommended", f"{row['recommended_price']:,.2f}", delta=f"{row['price_change_pct']:+.1f}%")
    cols[2].metric("Elasticity", f"{row['elasticity']:.2f}",
                   help=f"95% interval {row['elasticity_lo']:.2f} to {row['elasticity_hi']:.2f}")
    cols[3].metric("Expected profit change", f"{row['expected_profit_change_pct']:+.1f}%",
                   delta=f"{row['expected_units_change_pct']:+.1f}% units", delta_color="off")
    st.plotly_chart(charts.price_response_figure(curve, row["recommended_price"], title=f"{uid}: price response"),
                    width="stretch", key="pricing_curve")
    own = ("no estimate of its own" if pd.isna(facts["own_elasticity"])
           else f"its own estimate {facts['own_elasticity']:.2f}")
    reason = row["reason"][:1].upper() + row["reason"][1:]
    st.caption(f"{reason}. The elasticity combines {own} ({facts['n_obs']:,} usable periods, "
               f"prices varied {facts['price_variation']:.1%}) with its category ({facts['pooled_weight']:.0%} "
               "weight on the category). Dashed: the trained model's forecast at each price, over the same horizon.")
    unseen = curve[curve["model_extrapolated"]]
    if len(unseen):
        st.caption("Grey: prices this product never sold at. A model cannot know demand there (a tree answers the "
                   "nearest price it saw), so its line continues from the nearest price it saw along the "
                   "elasticity curve.")


def _elasticity_view(elasticities: Elasticities) -> None:
    st.plotly_chart(charts.elasticity_figure(elasticities.per_category, elasticities.per_series), width="stretch",
                    key="pricing_elasticities")
    st.caption("Elasticity: the % change in units for a 1% higher price, from a log-log regression of each "
               "product's sales on its price, controlling for promotions (and the week after them), trend, weekday "
               "and yearly season. Out-of-stock, sold-out, outlier and shopping-event periods are left out. Each "
               "product is pulled toward its category in proportion to how uncertain its own estimate is. Below -1 "
               "a price cut raises revenue; above -1 (inelastic) a price rise does.")
    st.dataframe(elasticities.per_category, hide_index=True, width="stretch", column_config={
        "elasticity": st.column_config.NumberColumn(format="%.2f"),
        "elasticity_lo": st.column_config.NumberColumn("95% from", format="%.2f"),
        "elasticity_hi": st.column_config.NumberColumn("95% to", format="%.2f"),
        "spread": st.column_config.NumberColumn("spread between products", format="%.2f"),
        "promo_lift": st.column_config.NumberColumn("promotion lift", format="%.2f"),
        "uplift_at_20pct": st.column_config.NumberColumn("uplift at 20% off", format="percent"),
    })
    flagged = elasticities.per_series[elasticities.per_series["low_variation"]]
    if len(flagged):
        st.warning(f"{len(flagged)} product(s) barely changed price in the history, so their elasticity leans on "
                   f"the category: {md(', '.join(flagged[UID].astype(str).head(10)))}.")
    with st.expander("Per product"):
        st.dataframe(elasticities.per_series, hide_index=True, width="stretch", column_config={
            "price_variation": st.column_config.NumberColumn("price variation", format="percent"),
            "pooled_weight": st.column_config.NumberColumn("weight on category", format="percent"),
            "uplift_at_20pct": st.column_config.NumberColumn("uplift at 20% off", format="percent"),
            "post_promo_dip": st.column_config.NumberColumn("week after a promotion", format="percent"),
        })


main()
