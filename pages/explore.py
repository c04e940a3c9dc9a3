"""Explore page: look at the cleaned sales before modelling them.

Pick a level (total, a category, or one series) and see its history, its
trend and season (STL), weekday and month profiles, how price and promotions
go with demand, and where each product sits in ABC/XYZ and in the
Syntetos-Boylan demand classes. Every number comes from ``forecasting.analysis.explore``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from forecasting.analysis import explore, hierarchy
from forecasting.data.frequency import PERIOD_NAMES
from forecasting.data.measure import Measure
from forecasting.errors import ForecastingError
from forecasting.plots import explore as plots
from forecasting.schema import freq_family
from ui import state
from ui.data_access import Loaded
from ui.messages import for_markdown
from ui.widgets import lazy_tabs, level_picker

TABS = ["History", "Trend and season", "Profiles", "Price and promotion", "ABC / XYZ"]


def main() -> None:
    st.title("Explore")
    if not state.require_data("Explore"):
        return
    data: Loaded = state.loaded()
    frame = data.result.frame
    freq = data.dataset.freq
    level, name = level_picker(frame, "explore", summed="summed per period")
    chosen = hierarchy.members(frame, level, name)
    series = hierarchy.level_series(frame, level, name)
    history, season, profiles, price, classes = lazy_tabs(TABS, "explore_tab")
    if history.open:
        with history:
            _history(series, name, freq, data.dataset.measure)
            if level == "total" and "category" in hierarchy.available_levels(frame):
                st.plotly_chart(plots.history_figure(hierarchy.aggregate(frame, "category"), title="By category",
                                                     y_label=data.dataset.measure.label), width="stretch")
    if season.open:
        with season:
            _decomposition(series, freq)
    if profiles.open:
        with profiles:
            _profiles(series, freq)
    if price.open:
        with price:
            _price_and_promo(chosen, order_lines=data.dataset.shape == "order_lines")
    if classes.open:
        with classes:
            _abc_xyz(chosen if level == "category" else frame, level, name)


def _history(series: pd.DataFrame, name: str, freq: str, measure: Measure) -> None:
    summary = explore.series_summary(series)
    period = PERIOD_NAMES[freq_family(freq)]
    cols = st.columns(4)
    cols[0].metric("Units sold" if not measure.is_money else "Sales value", measure.figure(summary["total"]))
    cols[1].metric(f"Mean per {period}", f"{summary['mean']:,.1f}")
    cols[2].metric(f"{period.capitalize()}s without sales", f"{summary['zero_share']:.0%}")
    cols[3].metric(f"{period.capitalize()}s", f"{summary['periods']:,}")
    label = measure.label
    st.plotly_chart(plots.history_figure(series, title=f"{name}: {label} per {period}", y_label=label),
                    width="stretch")


def _decomposition(series: pd.DataFrame, freq: str) -> None:
    try:
        result = explore.decompose(series, freq)
    except ForecastingError as exc:
        st.info(for_markdown(exc))
        return
    cols = st.columns(3)
    cols[0].metric("Strength of season", f"{result.seasonal_strength:.2f}", help="0 = none, 1 = all the variation")
    cols[1].metric("Strength of trend", f"{result.trend_strength:.2f}", help="0 = none, 1 = all the variation")
    cols[2].metric("Season length", f"{result.period} {PERIOD_NAMES[freq_family(freq)]}s")
    note = " For daily data the season is the week; the yearly pattern shows in the trend." \
        if freq_family(freq) == "D" else ""
    st.caption("STL splits the series into a smooth trend, a repeating season and the remainder "
               f"(robust to outliers).{note}")
    st.plotly_chart(plots.decomposition_figure(result), width="stretch")


def _profiles(series: pd.DataFrame, freq: str) -> None:
    left, right = st.columns(2)
    with left:
        try:
            st.plotly_chart(plots.profile_figure(explore.weekday_profile(series, freq), title="Weekday profile"),
                            width="stretch")
        except ForecastingError as exc:
            st.info(for_markdown(exc))
    with right:
        try:
            st.plotly_chart(plots.profile_figure(explore.month_profile(series), title="Month profile"),
                            width="stretch")
        except ForecastingError as exc:
            st.info(for_markdown(exc))
    st.caption("Mean sales per period on each weekday / in each month, divided by the average: 1.2 means 20% "
               "above an average period.")


def _price_and_promo(chosen: pd.DataFrame, *, order_lines: bool) -> None:
    left, right = st.columns(2)
    with left:
        try:
            response = explore.price_response(chosen)
        except ForecastingError as exc:
            st.info(for_markdown(exc))
        else:
            st.plotly_chart(plots.price_response_figure(response), width="stretch")
            st.caption(
                f"Slope {response.slope:.2f} (R² {response.r2:.2f}, {response.n_used:,} periods; "
                f"{response.n_dropped:,} without sales or price left out): a 10% lower price goes with about "
                f"{response.change_for(-0.10):+.0%} units. A rough hint only: promotions, season and stock-outs "
                "move demand too." + (" Each product is compared with its own typical price." if response.relative
                                      else ""))
    with right:
        try:
            comparison = explore.promo_comparison(chosen)
        except ForecastingError as exc:
            st.info(for_markdown(exc))
            return
        cols = st.columns(3)
        cols[0].metric("Mean, regular", f"{comparison.mean_regular:,.1f}")
        cols[1].metric("Mean, on promotion", f"{comparison.mean_promo:,.1f}")
        cols[2].metric("Uplift", f"{comparison.uplift:+.0%}")
        st.plotly_chart(plots.promo_figure(comparison), width="stretch")
        note = (" With order lines summed into periods, a period counts as on promotion when any line had one, and "
                "busy periods have more lines: that overstates the uplift.") if order_lines else ""
        st.caption(f"{comparison.periods_promo:,} promotion periods against {comparison.periods_regular:,} regular "
                   f"ones, each series compared with itself. Season and price are not held fixed.{note}")
        if len(comparison.table) > 1:
            with st.expander("Per series"):
                st.dataframe(comparison.table, hide_index=True, width="stretch",
                             column_config={"uplift": st.column_config.NumberColumn(format="percent")})


def _abc_xyz(scope: pd.DataFrame, level: str, name: str) -> None:
    try:
        table = explore.abc_xyz(scope)
    except ForecastingError as exc:
        st.info(for_markdown(exc))
        return
    where = f"the series of {name}" if level == "category" else "all series"
    st.caption(f"Over {where}. ABC by share of units: A = the best sellers making up 80% of volume, B the next 15%, "
               "C the last 5%. XYZ by the coefficient of variation per period: X up to 0.5, Y up to 1, Z above. "
               "ADI (periods per period with sales) and CV² of the non-zero sales give the Syntetos-Boylan class: "
               "smooth, erratic, intermittent (ADI ≥ 1.32) or lumpy (both high).")
    left, right = st.columns(2)
    with left:
        st.plotly_chart(plots.abc_xyz_figure(explore.class_matrix(table)), width="stretch")
    with right:
        st.plotly_chart(plots.intermittency_figure(table), width="stretch")
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={"share": st.column_config.NumberColumn(format="percent"),
                                "cumulative_share": st.column_config.NumberColumn("cumulative", format="percent"),
                                "mean": st.column_config.NumberColumn(format="%.2f"),
                                "cv": st.column_config.NumberColumn(format="%.2f"),
                                "adi": st.column_config.NumberColumn(format="%.2f"),
                                "cv2": st.column_config.NumberColumn("CV²", format="%.2f")})


main()
