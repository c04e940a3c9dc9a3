"""The future plan editor: see and change the prices, promotions and other drivers the forecast assumes.

The plan starts at each series' usual values (``forecasting.evaluation.plans``).
A change is made for everything, a category or one series over a date range,
or cell by cell; "Forecast with this plan" asks the trained model again (no
retraining) and the new forecast replaces the run on every page. The plan
downloads and uploads as CSV in the shape of the command line's ``--future``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from forecasting.data.convert import future_drivers
from forecasting.data.export import csv_bytes, plan_for_upload
from forecasting.data.io import read_table
from forecasting.errors import ForecastingError
from forecasting.evaluation.training import TrainedRun, replan
from forecasting.schema import CATEGORY, DS, PRICE, PROMO, UID
from ui import state
from ui.data_access import Loaded
from ui.messages import show_error

PENDING = "plan_pending"  #: run id -> the plan being edited (not yet forecast)
EDITOR_ROWS = 2_000  # above this the cell editor shows one series at a time
EVERYTHING = "All series"


def plan_editor(run: TrainedRun, data: Loaded) -> None:
    """The plan of ``run``: bulk changes, the cell editor, apply, download and upload."""
    if run.plan is None:
        st.info("This data has no drivers (price, promotion or others), so the forecast assumes no plan. Map a "
                "price or promotion column on the Data page to plan them.")
        return
    if not run.fitted.uses_exog:
        st.warning(f"{run.name} ignores price and promotion: a plan does not change its forecast. Train gradient "
                   "boosting, ridge or auto to plan prices and promotions.", icon=":material/info:")
    pending = st.session_state.setdefault(PENDING, {})
    plan = pending.get(run.run_id, run.plan)
    drivers = [c for c in plan.columns if c not in (UID, DS)]
    st.caption("Each series' usual values fill the plan: the regular price (median of recent periods) and the "
               "usual promotion or discount (median of the last year). Change them for everything, a category or "
               "one series, then forecast with the plan.")
    plan = _bulk_change(plan, drivers, data)
    plan = _cell_editor(plan, drivers, run.run_id)
    pending[run.run_id] = plan
    changed = not plan[drivers].equals(run.plan[drivers])
    left, middle, right = st.columns(3)
    if left.button("Forecast with this plan", type="primary", disabled=not changed, key="plan_apply",
                   icon=":material/update:"):
        _apply(run, plan, data)
    middle.download_button("Plan (CSV)", csv_bytes(plan_for_upload(plan, data.dataset.mapping)),
                           f"plan_{run.name}.csv", mime="text/csv", icon=":material/download:", key="plan_csv")
    upload = right.file_uploader("Upload a plan (CSV)", type=["csv", "xlsx", "parquet"], key="plan_upload",
                                 help="Same columns as the downloaded plan: the id and date columns and the drivers.")
    if upload is not None and st.session_state.get("plan_upload_seen") != upload.file_id:
        st.session_state["plan_upload_seen"] = upload.file_id
        _read_upload(run, plan, upload, data)


def _bulk_change(plan: pd.DataFrame, drivers: list[str], data: Loaded) -> pd.DataFrame:
    """Set one driver to a value for a scope and date range."""
    frame = data.result.frame
    categories = sorted(frame[CATEGORY].dropna().astype(str).unique()) if CATEGORY in frame.columns else []
    scopes = [EVERYTHING, *[f"Category: {c}" for c in categories], *[f"Series: {s}" for s in sorted(plan[UID].unique())]]
    first, last = plan[DS].min().date(), plan[DS].max().date()
    with st.form("plan_bulk", border=True):
        cols = st.columns([2, 2, 2, 1])
        driver = cols[0].selectbox("Driver", drivers, format_func=_driver_label, key="plan_bulk_driver")
        scope = cols[1].selectbox("For", scopes, key="plan_bulk_scope")
        dates = cols[2].date_input("From - to", (first, last), min_value=first, max_value=last, key="plan_bulk_dates")
        value = cols[3].number_input("Value", value=None, step=0.01, key="plan_bulk_value",
                                     help="A price, or a promotion share 0..1 (1 = promoted the whole period).")
        submitted = st.form_submit_button("Set", icon=":material/edit:")
    if not submitted or value is None:
        return plan
    start, end = (dates[0], dates[-1]) if isinstance(dates, tuple) and dates else (first, last)
    rows = plan[DS].between(pd.Timestamp(start), pd.Timestamp(end) + pd.Timedelta(hours=23))
    if scope.startswith("Category: "):
        members = frame.loc[frame[CATEGORY].astype(str) == scope.removeprefix("Category: "), UID].unique()
        rows &= plan[UID].isin(members)
    elif scope.startswith("Series: "):
        rows &= plan[UID] == scope.removeprefix("Series: ")
    plan = plan.copy()
    plan.loc[rows, driver] = float(value)
    return plan


def _cell_editor(plan: pd.DataFrame, drivers: list[str], run_id: str) -> pd.DataFrame:
    """The plan cell by cell (one series at a time when the plan is long)."""
    shown = plan
    if len(plan) > EDITOR_ROWS:
        series = st.selectbox("Series to edit", sorted(plan[UID].unique()), key="plan_editor_series")
        shown = plan[plan[UID] == series]
    edited = st.data_editor(
        shown, key=f"plan_editor_{run_id}_{len(shown)}", hide_index=True, width="stretch", height=300,
        disabled=[UID, DS], num_rows="fixed",
        column_config={UID: st.column_config.TextColumn("series"), DS: st.column_config.DateColumn("period"),
                       **{d: st.column_config.NumberColumn(_driver_label(d), format="%.3f") for d in drivers}})
    if edited[drivers].equals(shown[drivers]):
        return plan
    merged = plan.set_index([UID, DS])
    merged.update(edited.set_index([UID, DS])[drivers])
    return merged.reset_index()[plan.columns]


def _apply(run: TrainedRun, plan: pd.DataFrame, data: Loaded) -> None:
    with st.spinner("Forecasting with the plan ..."):
        try:
            new = replan(run, data.result.frame, plan)
        except ForecastingError as exc:
            show_error(exc, context="plan")
            return
    runs = state.trained_models()
    runs[new.run_id] = new
    runs.pop(run.run_id, None)
    st.session_state[PENDING].pop(run.run_id, None)
    if st.session_state.get(state.TRAIN_CHOSEN) == run.run_id:  # the user's choice follows its new plan
        st.session_state[state.TRAIN_CHOSEN] = new.run_id
    st.rerun()


def _read_upload(run: TrainedRun, plan: pd.DataFrame, upload, data: Loaded) -> None:
    try:
        raw = read_table(upload.getvalue(), name=upload.name).frame
        given = future_drivers(raw, data.dataset.mapping)
    except ForecastingError as exc:
        show_error(exc, context=upload.name)
        return
    merged = plan.set_index([UID, DS])
    columns = [c for c in given.columns if c in merged.columns and c not in (UID, DS)]
    if not columns:
        show_error(f"the plan file has none of the drivers {', '.join(map(_driver_label, plan.columns[2:]))}; "
                   "download the plan to see its columns", context=upload.name)
        return
    keyed = given.assign(**{UID: given[UID].astype(str)}).drop_duplicates([UID, DS]).set_index([UID, DS])[columns]
    matched = keyed.index.isin(merged.index).sum()
    merged.update(keyed)
    st.session_state[PENDING][run.run_id] = merged.reset_index()[plan.columns]
    st.success(f"Read {matched:,} planned periods from {upload.name}; forecast with the plan to use them.")


def _driver_label(column: str) -> str:
    """A driver's name for people: price and promotion in words, others as the file names them."""
    return {PRICE: "Price", PROMO: "Promotion (share of the period)"}.get(column, column)

