"""Runs page: every saved run (this session's, other sessions', the command line's), reopen, compare, archive.

Runs live in the workspace store (``ui.workspace``), so they are here after a
browser refresh or a server restart. Reopening a run makes it the one the
Forecast, Review and decision pages use, with the data it was trained on.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from forecasting.errors import ForecastingError
from forecasting.store.runs import archive_run, list_runs, load_run
from ui import workspace
from ui.messages import show_error

COMPARED = ["mase", "wape", "bias", "coverage_80", "coverage_95", "mase_gain_vs_seasonal_naive"]


def main() -> None:
    st.title("Runs")
    store = workspace.workspace()
    if store is None:
        return
    st.caption(f"Saved runs in {store.label}. Training on the Train page saves each run; the command line's "
               "`train` and `retrain` save here too, and the forecast API serves each name's champion.")
    show_archived = st.toggle("Show archived runs", key="runs_show_archived")
    runs = list_runs(store, archived=show_archived)
    if not runs:
        st.info("No saved runs yet: train a model on the Train page and it is saved here.")
        st.page_link("pages/train.py", label="Go to the Train page", icon=":material/model_training:")
        return
    st.dataframe(_table(runs), hide_index=True, width="stretch")
    by_id = {r.id: r for r in runs}
    labels = {r.id: f"{r.name} v{r.version} · {r.model} · MASE {_score(r.mase)} · {r.created_by}" for r in runs}
    _reopen(by_id, labels)
    _compare(store, by_id, labels)
    _archive(store, by_id, labels, show_archived)


def _score(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def _table(runs) -> pd.DataFrame:
    return pd.DataFrame([{
        "name": r.name, "version": r.version, "dataset": r.dataset, "model": r.model, "horizon": r.horizon,
        "MASE": r.mase, "WAPE %": None if r.wape is None else round(100 * r.wape, 1), "by": r.created_by,
        "when": r.created_at.replace("T", " ").removesuffix("Z") + " UTC", "champion": r.champion,
        "status": r.status} for r in runs])


def _reopen(by_id, labels) -> None:
    st.subheader("Reopen")
    pick = st.selectbox("Run", list(by_id), format_func=labels.get, key="runs_open_pick")
    if st.button("Open this run", key="runs_open", type="primary", icon=":material/open_in_new:"):
        try:
            run = workspace.reopen(by_id[pick])
        except ForecastingError as exc:
            show_error(exc, context=labels[pick])
            return
        st.success(f"{labels[pick]} is now the model the Forecast, Review and decision pages use "
                   f"({len(run.forecast):,} forecast rows).")
    st.page_link("pages/forecast.py", label="See its forecast", icon=":material/trending_up:")


def _compare(store, by_id, labels) -> None:
    st.subheader("Compare two runs")
    picked = st.multiselect("Runs", list(by_id), format_func=labels.get, max_selections=2, key="runs_compare")
    if len(picked) != 2:
        st.caption("Choose two runs to see their scores side by side.")
        return
    rows = []
    for run_id in picked:
        summary = by_id[run_id]
        metrics = load_run(store, summary.name, summary.version).metrics
        rows.append({"run": f"{summary.name} v{summary.version}", "model": summary.model, "dataset": summary.dataset,
                     "windows": f"{summary.folds} x {summary.horizon}",
                     **{k: metrics.get(k) for k in COMPARED}})
    table = pd.DataFrame(rows)
    st.dataframe(table, hide_index=True, width="stretch")
    a, b = (by_id[i] for i in picked)
    if (a.dataset, a.horizon, a.folds) != (b.dataset, b.horizon, b.folds):
        st.warning("These runs were scored on different data or windows, so their scores compare only roughly.",
                   icon=":material/compare_arrows:")


def _archive(store, by_id, labels, show_archived: bool) -> None:
    st.subheader("Archive")
    st.caption("Archiving hides a run from the lists; nothing is deleted, and it can be restored.")
    pick = st.selectbox("Run to archive or restore", list(by_id), format_func=labels.get, key="runs_archive_pick")
    archived = by_id[pick].status == "archived"
    if st.button("Restore" if archived else "Archive", key="runs_archive", icon=":material/archive:"):
        archive_run(store, by_id[pick].name, by_id[pick].version, archived=not archived)
        st.rerun()


main()
