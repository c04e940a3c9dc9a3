"""Alerts page: what in the history and the forecast deserves a look, most money at stake first.

Anomalies in the recent history (robust score), and forecast exceptions:
demand shifts, forecast bias in the latest backtest window, stock-out risk
within the lead time, and overstock beyond a days-of-cover threshold. Pick an
alert's series to see its chart here, or open it on the Explore page.
Every number comes from ``forecasting.recommend.alerts``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from forecasting.data.export import csv_bytes, with_id_columns
from forecasting.data.measure import Measure
from forecasting.errors import ForecastingError
from forecasting.evaluation.training import TrainedRun
from forecasting.glossary import code_name
from forecasting.plots.inventory import alert_series_figure
from forecasting.recommend.alerts import KINDS, PAST_KINDS, AlertSettings, find_alerts
from ui import state
from ui.data_access import Loaded
from ui.messages import md, show_error
from ui.products import products_table
from ui.widgets import kept

KIND_LABELS = {"anomaly": "Anomaly in history", "demand_shift": "Demand shift", "bias_drift": "Forecast bias",
               "stockout_risk": "Stock-out risk", "overstock": "Overstock"}
EXPLORE_PAGE = "pages/explore.py"
COLUMNS = {
    "unique_id": st.column_config.TextColumn("series"),
    "kind": st.column_config.TextColumn("kind"),
    "ds": st.column_config.DateColumn("date"),
    "revenue_at_stake": st.column_config.NumberColumn("money at stake", format="%,.0f"),
    "message": st.column_config.TextColumn("what to check", width="large"),
    "score": st.column_config.NumberColumn("score", format="%.2f")}


def main() -> None:
    st.title("Alerts")
    run = state.require_run("Alerts")
    if run is None:
        return
    data: Loaded = state.loaded()
    settings = _settings()
    planning = state.planning_forecast()
    try:
        alerts = _alerts(data, run, products_table(), planning, settings)
    except ForecastingError as exc:
        show_error(exc)
        return
    _headline(alerts)
    if alerts.empty:
        st.success("No alerts with these thresholds.")
        return
    shown = _filtered(alerts)
    past = shown["kind"].isin(PAST_KINDS)
    st.subheader("Risks ahead")
    if (~past).any():
        st.dataframe(_worded(shown[~past]), hide_index=True, width="stretch", height=300, column_config=COLUMNS)
    else:
        st.caption("No risk ahead with these thresholds.")
    if past.any():
        st.subheader("Anomalies in the history")
        st.caption("Past periods far from their neighbours: check them for data errors or one-off events. They are "
                   "reported apart because nothing is at stake any more.")
        st.dataframe(_worded(shown[past].drop(columns="revenue_at_stake")), hide_index=True, width="stretch", height=240,
                     column_config=COLUMNS)
    st.download_button("Alerts (CSV)", csv_bytes(with_id_columns(alerts, data.dataset.mapping)),
                       f"alerts_{run.name}.csv", mime="text/csv", icon=":material/download:", key="alerts_csv")
    _series(data, planning, alerts, shown)


def _worded(table: pd.DataFrame) -> pd.DataFrame:
    return table.assign(kind=table["kind"].map(code_name))


def _settings() -> AlertSettings:
    with st.expander("Thresholds"):
        cols = st.columns(3)
        with cols[0]:
            lookback = kept(st.number_input, "alerts_lookback", 90, label="Anomalies in the last ... days",
                            min_value=1, max_value=3650, step=1)
            shift = kept(st.number_input, "alerts_shift", 0.30, label="Demand shift from (share)",
                         min_value=0.05, max_value=5.0, step=0.05,
                         help="Forecast for the next 4 weeks against the same weeks a year ago.")
        with cols[1]:
            bias_t = kept(st.number_input, "alerts_bias_t", 3.0, label="Forecast bias: t above", min_value=1.0,
                          max_value=20.0, step=0.5, help="Mean error over its standard error, latest window.")
            bias_share = kept(st.number_input, "alerts_bias_share", 0.15, label="and bias share above",
                              min_value=0.01, max_value=2.0, step=0.05)
        with cols[2]:
            risk = kept(st.number_input, "alerts_risk", 0.25, label="Stock-out risk from", min_value=0.01,
                        max_value=1.0, step=0.05, help="Chance of running out within the lead time.")
            overstock = kept(st.number_input, "alerts_overstock", 120, label="Overstock beyond ... days of cover",
                             min_value=7, max_value=3650, step=7)
    return AlertSettings(lookback_days=float(lookback), shift_share=float(shift), bias_t=float(bias_t),
                         bias_share=float(bias_share), risk_threshold=float(risk), overstock_days=float(overstock))


@st.cache_data(max_entries=16, show_spinner="Looking for anomalies and exceptions ...")
def _alerts_cached(data_key: str, model: str, seconds: float, products: pd.DataFrame, forecast: pd.DataFrame,
                   settings: AlertSettings, measure: Measure, _frame: pd.DataFrame, _run: TrainedRun) -> pd.DataFrame:
    return find_alerts(_frame, _run.freq, _run, products, forecast=forecast, settings=settings, measure=measure)


def _alerts(data: Loaded, run: TrainedRun, products: pd.DataFrame, forecast: pd.DataFrame,
            settings: AlertSettings) -> pd.DataFrame:
    return _alerts_cached(data.key, run.name, run.seconds, products, forecast, settings, data.dataset.measure,
                          data.result.frame, run)


def _headline(alerts: pd.DataFrame) -> None:
    counts = alerts["kind"].value_counts()
    cols = st.columns(len(KINDS) + 1)
    cols[0].metric("Money at stake", f"{alerts['revenue_at_stake'].sum():,.0f}",
                   help="Sum over the risks ahead (see the method below the table for each kind); past anomalies "
                        "have nothing at stake.")
    for col, kind in zip(cols[1:], KINDS, strict=True):
        col.metric(KIND_LABELS[kind], f"{int(counts.get(kind, 0)):,}")


def _filtered(alerts: pd.DataFrame) -> pd.DataFrame:
    present = [k for k in KINDS if k in set(alerts["kind"])]
    kinds = kept(st.multiselect, "alerts_kinds", present, options=present, label="Show",
                 format_func=KIND_LABELS.get)
    return alerts[alerts["kind"].isin(kinds)].reset_index(drop=True)


def _series(data: Loaded, planning: pd.DataFrame, alerts: pd.DataFrame, shown: pd.DataFrame) -> None:
    st.subheader("One series")
    names = list(dict.fromkeys(shown["unique_id"])) or list(dict.fromkeys(alerts["unique_id"]))
    uid = kept(st.selectbox, "alerts_series", names[0], options=names, label="Series",
               help="Series with alerts, most money at stake first.")
    mine = alerts[alerts["unique_id"] == uid]
    for row in mine.to_dict("records"):
        stake = "" if pd.isna(row["revenue_at_stake"]) else f", {row['revenue_at_stake']:,.0f} at stake"
        st.markdown(f"**{KIND_LABELS[row['kind']]}** ({row['severity']}{stake}): {md(row['message'])}")
    st.plotly_chart(alert_series_figure(data.result.frame, planning, alerts, uid), width="stretch",
                    key="alerts_chart")
    if st.button("Open this series on the Explore page", key="alerts_open_explore", icon=":material/insights:"):
        _preselect_explore(uid)
        st.switch_page(EXPLORE_PAGE)
    with st.expander("How the alerts are found"):
        st.markdown(
            "- **Anomaly**: a past period far from its neighbours: the robust score of root sales against a "
            "rolling median (the cleaning step's), doubled on promotion and event days. Reported apart: it is "
            "past, so nothing is at stake.\n"
            "- **Demand shift**: the forecast for the next 4 weeks against the same weeks a year ago (the last 4 "
            "weeks with less history), beyond the threshold and beyond count noise. Money: the change x price.\n"
            "- **Forecast bias**: in the latest backtest window the forecast ran consistently high or low (mean "
            "error / its standard error above t). Money: the bias over the window x price.\n"
            "- **Stock-out risk** and **overstock** come from the Inventory page's recommendation: the chance of "
            "running out within the lead time, and stock lasting beyond the days-of-cover threshold; both need "
            "stock on hand (a products file or a stock column). Money: expected lost revenue; capital in the units "
            "beyond the threshold.")


def _preselect_explore(uid: str) -> None:
    """Make the Explore page open on this series (its level and series widgets read these keys)."""
    values = {state.EXPLORE_LEVEL: "series", f"{state.EXPLORE_SERIES}_series": uid}
    st.session_state.setdefault(state.EXPLORE_KEPT, {}).update(values)
    for key, value in values.items():
        st.session_state[key] = value


main()
