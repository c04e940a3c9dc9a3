"""The workspace store in the app: one store per server, the user's name, saving and reopening runs.

The store is ``$FORECASTING_STORE`` or ``studio.db`` in the folder the app
runs in, the same one the command line and the forecast API use. Saving never
stops the page: if the store cannot be written, the page says so and the run
stays in the session.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from forecasting.data.cleaning import CHANGE_COLUMNS, CleaningConfig, CleaningResult
from forecasting.data.dataset import LoadOptions, build_dataset
from forecasting.data.io import read_table
from forecasting.errors import ForecastingError
from forecasting.evaluation.training import TrainedRun
from forecasting.schema import CATEGORY, DS, PRICE, PROMO, STOCK, UID, Y
from forecasting.store import Store, open_store, resolve_url
from forecasting.store.frames import content_hash, to_parquet
from forecasting.store.records import active_adjustments
from forecasting.store.runs import (
    RunRecord,
    RunSummary,
    as_trained_run,
    backtest_predictions,
    current_user,
    load_run,
    refit,
    save_run,
)
from ui import state
from ui.data_access import FileRef, Loaded

STORE_USER = "store_user"  #: widget: the name saved with runs, adjustments and plans (set once per session)
STORE_SAVED = "store_saved"  #: run id -> RunSummary of the runs this session saved


def workspace() -> Store | None:
    """The store (opened once per server and URL), or ``None`` after saying why it cannot be opened."""
    try:
        return _open(resolve_url())
    except ForecastingError as exc:
        st.warning(f"Runs are not saved: {exc}", icon=":material/cloud_off:")
        return None


@st.cache_resource(show_spinner=False)
def _open(url: str) -> Store:
    return open_store(url)


def user() -> str:
    """Who is working: the name set in the sidebar, else the login name."""
    return (st.session_state.get(STORE_USER) or "").strip() or current_user()


def user_box() -> None:
    """The sidebar field for the user's name, filled with the login name the first time."""
    st.session_state.setdefault(STORE_USER, current_user())
    with st.sidebar:
        st.text_input("Your name", key=STORE_USER, help="Saved with every run, adjustment and plan you make.")


def run_name(run: TrainedRun, data: Loaded) -> str:
    """The saved name of a run trained in the app: ``<file>-<model>`` (a new version each time)."""
    return f"{Path(data.ref.name).stem}-{run.name}"


def save_trained(run: TrainedRun, data: Loaded) -> RunSummary | None:
    """Save a run trained on the Train page; ``None`` (after a warning) when it cannot be saved."""
    store = workspace()
    if store is None:
        return None
    options = {"shape": data.options.shape, "freq": data.options.freq, "date_format": data.options.date_format,
               "data_freq": data.dataset.freq}
    try:
        saved = save_run(store, run, data.result.frame, name=run_name(run, data), dataset_name=data.ref.label,
                         mapping=data.dataset.mapping, options=options, user=user())
    except Exception as exc:  # a full disk or a lost server must not lose the trained run itself
        st.warning(f"{run.name} is trained but could not be saved: {exc}", icon=":material/cloud_off:")
        return None
    st.session_state.setdefault(STORE_SAVED, {})[run.run_id] = saved
    return saved


@st.cache_resource(max_entries=8, show_spinner="Refitting the saved model ...")
def _reopened(url: str, run_id: str) -> tuple[RunRecord, TrainedRun]:
    store = _open(url)
    record = load_run(store, "", run_id=run_id)
    return record, as_trained_run(record, refit(record), backtest_predictions(store, run_id))


def reopen(summary: RunSummary) -> TrainedRun:
    """Make a saved run the one the Forecast, Review and decision pages use (loading its data if another is in use)."""
    store = workspace()
    record, run = _reopened(store.url, summary.id)
    data = state.loaded()
    if data is None or content_hash(data.result.frame) != record.dataset_hash:
        st.session_state[state.DATA_LOADED] = saved_data(record, summary)
    state.trained_models()[run.run_id] = run
    st.session_state[state.TRAIN_CHOSEN] = run.run_id
    kept = active_adjustments(store, run.run_id)
    if len(kept):
        state.set_adjustments(kept)
    return run


def saved_data(record: RunRecord, summary: RunSummary) -> Loaded:
    """The run's stored training table as the loaded data (already cleaned: it is not cleaned again)."""
    frame = record.frame
    data = to_parquet(frame)
    present = {k: k for k in (PRICE, PROMO, CATEGORY, STOCK) if k in frame.columns}
    drivers = [c for c in frame.columns if c not in (UID, DS, Y, *present)]
    options = LoadOptions(mapping={"date": DS, "target": Y, "ids": [UID], **present, "drivers": drivers},
                          shape="panel")
    dataset = build_dataset(read_table(data, name=f"{summary.dataset}.parquet"), options)
    empty = pd.DataFrame({c: pd.Series(dtype="float64" if c in ("before", "after") else object)
                          for c in CHANGE_COLUMNS})
    ref = FileRef(f"{summary.dataset} (saved with run {summary.name} v{summary.version})", record.dataset_hash)
    return Loaded(ref, options, CleaningConfig(), dataset, CleaningResult(frame, empty, ()))
