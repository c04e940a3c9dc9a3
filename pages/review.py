"""Review page: find the series whose forecast needs attention and adjust it by hand.

The ranking puts the worst high-volume series first (``forecasting.analysis.review``).
Picking a series shows its recent sales, the model's backtest and forecast, and
the adjusted forecast. Adjustments (``forecasting.analysis.adjustments``) are kept per
loaded data set in ``ui.state``; the Forecast page's downloads and the decision
pages read them through ``state.planning_forecast()``. Changes happen in
callbacks, so the whole page (chart, totals, table) already shows them in the
run that follows the click.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from forecasting.analysis import adjustments as adj
from forecasting.analysis import review
from forecasting.errors import ForecastingError
from forecasting.evaluation.training import TrainedRun
from forecasting.plots import review as plots_review
from forecasting.schema import CATEGORY, DS, PRICE, UID
from ui import state
from ui.messages import for_app, for_markdown, md, show_error
from ui.widgets import kept

# Page-local keys (the shared ones are in ui.state) ------------------------------------------------------------------
CATEGORIES = "review_categories"
SORT_BY = "review_sort_by"
BASIS = "review_basis"
SERIES = "review_series"
LEVEL = "review_level"
KIND = "review_kind"
VALUE = "review_value"
DATES = "review_dates"
REASON = "review_reason"
DELETE = "review_delete"
IMPORT = "review_import"
IMPORT_MODE = "review_import_mode"
FORM_ERROR = "review_form_error"  #: message of the last adjustment that could not be added
IMPORT_ERROR = "review_import_error"  #: (file id, message) of the last file that could not be imported
NOTICE = "review_notice"  #: (kind, message) saying what the last action did, shown once

LEVEL_LABELS = {"series": "This series", "category": "Its category", "total": "All series"}
KIND_LABELS = {"percent": "Percent (+10 = 10% more)", "absolute": "Units per period (+5 = 5 more each period)"}
IMPORT_MODES = {"add": "Add them to the current adjustments", "replace": "Replace the current adjustments"}
UNIT_FORMAT = "%.0f"


def main() -> None:
    st.title("Review")
    run = state.require_run("Review")
    if run is None:
        return
    data = state.loaded()
    history = data.result.frame
    categories = adj.series_categories(history)
    planned = state.planning_forecast()
    st.caption(f"Model **{run.name}**, {run.spec.horizon} periods ahead, scored on the last {run.spec.folds} "
               "backtest windows. Adjustments made here carry into the Forecast page's downloads and the "
               "decision pages.")
    ranked = _ranking(run, history, planned)
    if ranked.empty:
        st.info("No series match the chosen categories: pick at least one category, or clear the filter.")
        return
    st.subheader("Adjust a forecast")
    unique_id = kept(st.selectbox, SERIES, ranked[UID].iloc[0], options=list(ranked[UID]),
                     label="Series (listed worst first)")
    category = categories.get(unique_id)
    _totals(planned, unique_id)
    chart, form = st.columns([3, 2])
    with chart:
        _chart(run, history, planned, unique_id)
    with form:
        _adjustment_form(run, unique_id, category, categories)
    _adjustments_section(run, categories)


# Ranking ------------------------------------------------------------------------------------------------------------


def _ranking(run: TrainedRun, history: pd.DataFrame, planned: pd.DataFrame) -> pd.DataFrame:
    """Filters, the ranked table and the priority chart; returns the ranked rows shown."""
    st.subheader("Series ranked for review")
    has_categories = CATEGORY in history.columns
    has_prices = PRICE in history.columns and history[PRICE].notna().any()
    left, middle, right = st.columns(3)
    with left:
        chosen = kept(st.multiselect, CATEGORIES, [], options=sorted(history[CATEGORY].dropna().unique()),
                      label="Categories (none = all)") if has_categories else []
    with middle:
        by = kept(st.selectbox, SORT_BY, "priority", options=list(review.SORT_KEYS), label="Worst first by",
                  format_func=review.SORT_KEYS.get)
    with right:
        basis = kept(st.radio, BASIS, "units", options=["units", "revenue"], label="Priority from missed",
                     horizontal=True, help="Revenue weights each missed unit by its price.") if has_prices \
            else "units"
    table = review.review_table(run, history, planned, basis=basis)
    ranked = review.rank_series(table, by, categories=chosen)
    st.dataframe(ranked, hide_index=True, width="stretch", height=320, column_config=_ranking_columns(basis))
    st.caption(review.PRIORITY_RULE.format(basis="units" if basis == "units" else "revenue (units × price)")
               + " MASE below 1 beats seasonal naive. Click a column header to sort by it.")
    with st.expander("Chart: the series with the most missed volume"):
        st.plotly_chart(plots_review.priority_figure(ranked), width="stretch")
    return ranked


def _ranking_columns(basis: str) -> dict:
    percent = "percent"
    return {
        "rank": st.column_config.NumberColumn("priority rank", help="1 = the most missed volume"),
        UID: st.column_config.TextColumn("series"),
        "priority": st.column_config.NumberColumn("priority", format=percent,
                                                  help="share of all missed volume in the backtest"),
        "missed": st.column_config.NumberColumn(f"missed {basis}", format=UNIT_FORMAT),
        "mase": st.column_config.NumberColumn("MASE", format="%.2f"),
        "wape": st.column_config.NumberColumn("WAPE", format=percent),
        "bias": st.column_config.NumberColumn("bias", format=percent, help="Forecast minus actual sales in the latest backtest window, as a share of sales (the bias Alerts flags): + over-forecast, - under-forecast"),
        "direction": st.column_config.TextColumn("forecast was"),
        "recent_units": st.column_config.NumberColumn("recent units", format=UNIT_FORMAT,
                                                      help="sold in as many recent periods as the forecast covers"),
        "forecast_units": st.column_config.NumberColumn("forecast units", format=UNIT_FORMAT,
                                                        help="with adjustments"),
        "adjusted_units": st.column_config.NumberColumn("adjusted by", format=UNIT_FORMAT),
        "forecast_vs_recent": st.column_config.NumberColumn("forecast vs recent", format=percent),
        "recent_revenue": st.column_config.NumberColumn("recent revenue", format="localized"),
    }


# One series ---------------------------------------------------------------------------------------------------------


def _totals(planned: pd.DataFrame, unique_id: str) -> None:
    """Model and adjusted units over the horizon, for all series and for the chosen one."""
    everything, one = adj.totals(planned), adj.totals(planned, [unique_id])
    cols = st.columns(4)
    cols[0].metric("All series: model forecast", f"{everything['model']:,.0f}")
    cols[1].metric("All series: adjusted", f"{everything['adjusted']:,.0f}", delta=_delta(everything))
    cols[2].metric(f"{md(unique_id)}: model forecast", f"{one['model']:,.0f}")
    cols[3].metric(f"{md(unique_id)}: adjusted", f"{one['adjusted']:,.0f}", delta=_delta(one))


def _delta(total: dict) -> str | None:
    if abs(total["change"]) < 0.5:
        return None
    share = "" if pd.isna(total["change_share"]) else f" ({total['change_share']:+.1%})"
    return f"{total['change']:+,.0f} units{share}"


SCALES = {"fit": "Fit the forecast", "all": "Show everything", "log": "Logarithmic"}


def _chart(run: TrainedRun, history: pd.DataFrame, planned: pd.DataFrame, unique_id: str) -> None:
    """Recent sales over the backtest windows and one horizon before them, then the forecast."""
    periods = run.spec.horizon * (run.spec.folds + 1)
    tail = history.loc[history[UID].eq(unique_id)].sort_values(DS).tail(periods)
    scale = kept(st.segmented_control, "review_scale", "fit", label="Chart scale", options=list(SCALES),
                 format_func=SCALES.get, help="A single past spike can flatten the forecast: 'fit' cuts the axis "
                 "above the forecast and usual sales and labels the spike.") or "fit"
    figure = plots_review.adjusted_forecast_figure(tail, planned, unique_id, backtest=run.backtest.predictions,
                                                   model=run.name, scale=scale)
    st.plotly_chart(figure, width="stretch")
    st.caption("The dotted line is what the model forecast for recent windows it had not seen; the band is the "
               "80% interval of the (adjusted) forecast. Shaded periods carry an adjustment.")


def _adjustment_form(run: TrainedRun, unique_id: str, category: str | None, categories: pd.Series) -> None:
    """Kind, value, dates within the horizon and a reason; the callback adds it or keeps the message."""
    dates = list(pd.DatetimeIndex(run.forecast[DS].unique()).sort_values())
    stored = st.session_state.get(DATES)
    if stored is not None and not set(stored) <= set(dates):  # another run: other periods
        del st.session_state[DATES]
    levels = ["series", "category", "total"] if category is not None else ["series", "total"]
    targets = {"series": unique_id, "category": category, "total": adj.TOTAL}
    with st.form("review_add"):
        st.markdown("**Add an adjustment**")
        st.radio("Apply to", levels, key=LEVEL, horizontal=True,
                 format_func=lambda level: f"{LEVEL_LABELS[level]} ({md(targets[level])})" if level != "total"
                 else LEVEL_LABELS[level])
        st.radio("Kind", list(KIND_LABELS), key=KIND, format_func=KIND_LABELS.get)
        st.number_input("Change", value=10.0, step=1.0, key=VALUE)
        st.select_slider("Periods", options=dates, value=(dates[0], dates[-1]), key=DATES,
                         format_func=lambda day: f"{pd.Timestamp(day):%Y-%m-%d}")
        st.text_input("Reason (required)", key=REASON, placeholder="e.g. TV campaign in week 2")
        st.form_submit_button("Add adjustment", type="primary", on_click=_add,
                              args=(run.forecast, targets, categories))
        message = st.session_state.pop(FORM_ERROR, None)
        if message:
            show_error(message)
    st.caption("Percent scales the forecast and its band; units shift them (for a category or all series the units "
               "are shared in proportion to each series' forecast). Nothing goes below 0. Adjustments apply in the "
               "order of the table below, each on top of the ones before.")


def _add(forecast: pd.DataFrame, targets: dict, categories: pd.Series) -> None:
    """Form callback: add the adjustment the form describes, or keep why it cannot be added."""
    level = st.session_state[LEVEL]
    start, end = st.session_state[DATES]
    try:
        adjustment = adj.Adjustment(targets[level], start, end, st.session_state[KIND], st.session_state[VALUE],
                                    st.session_state[REASON], level=level)
        warnings = adj.check_adjustments(adj.to_table([adjustment]), forecast, categories)
    except ForecastingError as exc:
        st.session_state[FORM_ERROR] = for_app(exc)
        return
    state.set_adjustments(adj.add_adjustment(state.adjustments(), adjustment))
    _notice("success", f"Added: {adjustment.describe()}.", warnings)


def _notice(kind: str, message: str, warnings: list[str] | None = None) -> None:
    st.session_state[NOTICE] = (kind, " ".join([message, *(warnings or [])]))


# The adjustments table ----------------------------------------------------------------------------------------------


def _adjustments_section(run: TrainedRun, categories: pd.Series) -> None:
    st.subheader("Adjustments")
    notice = st.session_state.pop(NOTICE, None)
    if notice:
        getattr(st, notice[0])(md(notice[1]))  # it quotes ids, reasons and file names
    table = state.adjustments()
    if table is None or table.empty:
        st.caption("No adjustments yet: add one above, or import a CSV file.")
    else:
        _show_adjustments(table, run, categories)
    _export_import(table, run, categories)


def _show_adjustments(table: pd.DataFrame, run: TrainedRun, categories: pd.Series) -> None:
    shown = table.assign(number=range(1, len(table) + 1))
    st.dataframe(shown[["number", *adj.COLUMNS]], hide_index=True, width="stretch", column_config={
        "number": st.column_config.NumberColumn("#", help="adjustments apply in this order"),
        "start": st.column_config.DateColumn("start"), "end": st.column_config.DateColumn("end"),
        "created": st.column_config.DatetimeColumn("created", format="YYYY-MM-DD HH:mm"),
        "value": st.column_config.NumberColumn("value", format="%g"),
    })
    try:
        for warning in adj.check_adjustments(table, run.forecast, categories):
            st.caption(md(warning))
    except ForecastingError as exc:  # made for another run or horizon: kept, but it changes nothing here
        st.warning(f"{for_markdown(exc)}. It is kept, but does not change this forecast.")
    labels = {i: f"{i + 1}. {a.describe()}" for i, a in enumerate(adj.from_table(table))}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    with left:
        st.multiselect("Adjustments to delete", list(labels), key=DELETE, format_func=labels.get)
    with right:
        st.button("Delete", key="review_delete_button", on_click=_delete)


def _delete() -> None:
    positions = st.session_state.get(DELETE) or []
    table = state.adjustments()
    if positions and table is not None:
        state.set_adjustments(adj.remove_adjustments(table, positions))
        _notice("info", f"Deleted {len(positions)} adjustment(s).")
    st.session_state[DELETE] = []


def _export_import(table: pd.DataFrame | None, run: TrainedRun, categories: pd.Series) -> None:
    left, right = st.columns(2)
    with left:
        st.download_button("Export adjustments (CSV)", adj.adjustments_to_csv(
            table if table is not None else adj.empty_adjustments()), "forecast_adjustments.csv", mime="text/csv",
            key="review_export", on_click="ignore", icon=":material/download:")
        st.caption("Columns: " + ", ".join(adj.COLUMNS) + ". An empty export is a template to fill in.")
    with right:
        st.radio("Imported adjustments", list(IMPORT_MODES), key=IMPORT_MODE, format_func=IMPORT_MODES.get)
        st.file_uploader("Import adjustments (CSV)", type=["csv"], key=IMPORT, on_change=_import,
                         args=(run.forecast, categories))
        failed, upload = st.session_state.get(IMPORT_ERROR), st.session_state.get(IMPORT)
        if failed and upload is not None and failed[0] == upload.file_id:  # shown while that file is in the box
            show_error(failed[1])


def _import(forecast: pd.DataFrame, categories: pd.Series) -> None:
    """Uploader callback: check the whole file first, so a bad file changes nothing."""
    upload = st.session_state.get(IMPORT)
    if upload is None:
        return
    try:
        imported = adj.read_adjustments(upload.getvalue(), name=upload.name)
        warnings = adj.check_adjustments(imported, forecast, categories)
    except ForecastingError as exc:
        st.session_state[IMPORT_ERROR] = (upload.file_id, f"{for_app(exc)}. The current adjustments are unchanged.")
        return
    count, current = len(imported), state.adjustments()
    if st.session_state.get(IMPORT_MODE) == "add" and current is not None and len(current):
        imported = adj.to_table(adj.from_table(current) + adj.from_table(imported))
    state.set_adjustments(imported)
    _notice("success", f"Imported {count} adjustment(s) from {upload.name}.", warnings)


main()
