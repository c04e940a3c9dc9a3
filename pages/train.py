"""Train page: choose models, features and a horizon; backtest and fit them; keep several side by side.

Each run backtests the model on the last K windows (next to seasonal naive),
fits it on all the history and forecasts the horizon (``forecasting.evaluation.training``).
Finished runs go into the session at once, so stopping keeps what finished;
the Stop button works because Streamlit interrupts a run at its next UI call,
and every progress update is one.
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from forecasting.analysis.reconcile import reconcile_run
from forecasting.errors import ForecastingError
from forecasting.evaluation.backtest import ignored_drivers
from forecasting.evaluation.estimate import describe_seconds, training_seconds
from forecasting.evaluation.training import TrainingSpec, compare_runs, loses_to_baseline, size_warnings, train
from forecasting.models.registry import available
from forecasting.schema import freq_family
from ui import scale, state, workspace
from ui.data_access import Loaded
from ui.messages import md, show_error
from ui.model_settings import feature_config, model_params
from ui.widgets import kept

DEFAULT_MODEL = "ridge"  # good on the sample (+27% over seasonal naive) and trains in under 10 s
DEFAULT_HORIZON = {"D": 28, "W": 13, "M": 6}
MAX_HORIZON = {"D": 366, "W": 104, "M": 36}


def main() -> None:
    st.title("Train")
    if not state.require_data("Train"):
        return
    data: Loaded = state.loaded()
    frame, freq = data.result.frame, data.dataset.freq
    models = available()
    family = freq_family(freq)
    st.caption("Each model is backtested on the last windows of the history next to seasonal naive, then fitted on "
               "all of it to forecast the horizon. Trained models stay here side by side until the data changes.")
    left, middle, right = st.columns([3, 1, 1])
    with left:
        chosen = kept(st.multiselect, "train_chosen_models", [DEFAULT_MODEL], options=list(models), label="Models",
                      format_func=lambda n: f"{models[n].label} ({models[n].family})",
                      help="Pick one or more; each is trained and kept side by side.")
    with middle:
        horizon = int(kept(st.number_input, f"train_horizon_{family}", DEFAULT_HORIZON[family], label="Horizon",
                           min_value=1, max_value=MAX_HORIZON[family], step=1,
                           help="How many periods ahead to forecast; the backtest windows have the same length."))
    with right:
        folds = int(kept(st.number_input, "train_folds", 3, label="Backtest windows", min_value=1, max_value=8,
                         step=1, help="Scored windows at the end of the history; more is steadier but slower."))
    specs = _settings(chosen, models, frame, freq, horizon, folds)
    _warnings(chosen, models, frame)
    if chosen:
        seconds = training_seconds(list(chosen), len(frame), folds)
        st.caption(f":material/schedule: Training {len(chosen)} model{'s' if len(chosen) > 1 else ''} on "
                   f"{len(frame):,} rows takes {describe_seconds(seconds)} (a rough guide from speeds measured on a "
                   "2-core machine; the backtest windows and the final fit are included).")
    interrupted = st.session_state.pop("train_running", None)
    if interrupted:
        st.info(f"Training stopped during {interrupted}; models that had finished are kept below.")
    n_series = int(frame["unique_id"].nunique())
    levels = n_series > 1
    reconcile = levels and kept(st.checkbox, "train_reconcile", True, label="Reconcile levels (series, category, "
                                "total)", help="Also fit the model on the category and total series and combine "
                                "all levels so children sum to their parents: bottom-up, top-down or MinT, "
                                "whichever backtests best.")
    # A large catalogue: aggregate, Dask, or confirm.
    allowed, run_backtest = scale.training_route(frame, freq, n_series)
    start = st.button("Train", type="primary", disabled=not specs or not allowed, icon=":material/play_arrow:")
    if start:
        _train_all(specs, data, reconcile=bool(reconcile), run_backtest=run_backtest)
    _trained(data)


def _settings(chosen, models, frame, freq, horizon, folds) -> list[TrainingSpec]:
    """The settings widgets (features once, then each model's own) and the specs they describe."""
    if not chosen:
        st.info("Choose at least one model to train.")
        return []
    features = None
    if any(models[n].uses_features for n in chosen):
        with st.expander("Features (machine-learning and neural models)", expanded=False):
            features = feature_config(frame, freq)
            if not features.lags:
                st.warning("With no lags the models see no past demand.")
    specs = []
    for name in chosen:
        model = models[name]
        with st.expander(f"{model.label} settings"):
            st.caption(model.description)
            params = model_params(model)
        specs.append(TrainingSpec(name, horizon, params, features if model.uses_features else None,
                                  folds))
    return specs


def _warnings(chosen, models, frame) -> None:
    for message in _size_warnings(state.loaded().key, frame):
        st.warning(md(message), icon=":material/speed:")
    for name in chosen:
        for message in ignored_drivers(models[name](), frame):
            st.warning(md(message), icon=":material/info:")
    if any(models[n].requires == ("tensorflow",) for n in chosen):
        st.caption("Neural models load TensorFlow when training starts (a few seconds the first time) and train "
                   "for up to their epoch limit; progress shows each epoch.")


@st.cache_data(max_entries=4, show_spinner=False)
def _size_warnings(data_key: str, _frame: pd.DataFrame) -> list[str]:
    return size_warnings(_frame)


def _train_all(specs: list[TrainingSpec], data: Loaded, *, reconcile: bool = False, run_backtest=None) -> None:
    """Train each spec with a progress bar; store each run as soon as it finishes."""
    frame, freq = data.result.frame, data.dataset.freq
    future = data.dataset.conversion.future
    runs = state.trained_models()
    done = [spec for spec in specs if any(run.spec == spec and (run.reconciled is not None) == reconcile
                                          for run in runs.values())]
    if done:  # pressing Train again trains only what changed
        st.info(f"Already trained with these settings: {', '.join(spec.model for spec in done)}. Change a setting "
                "to train it again.", icon=":material/check_circle:")
    specs = [spec for spec in specs if spec not in done]
    if not specs:
        return
    st.button("Stop", icon=":material/stop:", help="Stops after the current step; finished models are kept.")
    bar = st.progress(0.0, text="Starting ...")
    epochs = st.empty()
    for index, spec in enumerate(specs):
        label = f"{spec.model} ({index + 1} of {len(specs)})"

        def report(share: float, message: str, index=index, label=label) -> None:
            bar.progress(min(1.0, (index + share) / len(specs)), text=f"{label}: {message}")

        def on_epoch(epoch: int, total: int, logs: dict) -> bool:
            loss = logs.get("val_loss", logs.get("loss"))
            epochs.caption(f"epoch {epoch + 1} of {total}" + (f", validation loss {loss:.4f}" if loss else ""))
            return False

        started = time.perf_counter()
        st.session_state["train_running"] = spec.model  # still set on the next run if Stop interrupted this one
        try:
            run = train(spec, frame, freq, future=future if len(future) else None, progress=report,
                        callbacks=on_epoch, run_backtest=run_backtest)
            if reconcile:
                report(0.99, "reconciling the levels")
                reconciled = reconcile_run(run, frame)
                run = reconciled.run if reconciled is not None else run
        except ForecastingError as exc:
            st.session_state.pop("train_running", None)
            show_error(exc, context=spec.model)
            continue
        st.session_state.pop("train_running", None)  # not in a finally: a Stop must leave it set
        replaced = [run_id for run_id, old in runs.items() if old.name == spec.model]  # retraining replaces
        for run_id in replaced:
            del runs[run_id]
        runs[run.run_id] = run
        workspace.save_trained(run, data)  # kept in the store: the Runs page, the API and new sessions see it
        if st.session_state.get(state.TRAIN_CHOSEN) in replaced:  # the user's choice follows its retraining
            st.session_state[state.TRAIN_CHOSEN] = run.run_id
        epochs.empty()
        st.toast(f"{spec.model} trained in {time.perf_counter() - started:.1f} s", icon=":material/check:")
    bar.empty()


def _trained(data: Loaded) -> None:
    """The leaderboard of the runs on this data, the model the other pages use, notes, and removal."""
    runs = state.trained_models()
    if not runs:
        st.info("No model trained on this data yet: choose models above and press Train.")
        return
    st.subheader("Trained models")
    board = compare_runs(list(runs.values()))
    st.dataframe(_readable(board), hide_index=True, width="stretch")
    st.caption("MASE: error relative to a one-season-ago forecast in the training data (lower is better; "
               "below 1 beats it). Gain: how much lower the MASE is than seasonal naive's on the same windows. "
               "Bias: over (+) or under (-) forecasting as a share of actual demand. Coverage: how often the "
               "actual fell inside the 80% / 95% intervals.")
    in_use = state.chosen_run()
    losers = [r.name for r in runs.values() if r.run_id != in_use.run_id and loses_to_baseline(r)]
    if losers:
        st.warning(f"{', '.join(losers)} forecast{'s' if len(losers) == 1 else ''} worse than seasonal naive on this "
                   "data. Try ETS, gradient boosting or auto (which backtests candidates and averages the best).",
                   icon=":material/trending_down:")
    ids = list(runs)
    left, right = st.columns([2, 1])
    with left:
        st.session_state["train_use_model"] = in_use.run_id  # the widget shows the model in use, chosen or best
        st.selectbox("Model the Forecast, Review and decision pages use", ids, key="train_use_model",
                     format_func=lambda run_id: runs[run_id].name, on_change=_choose_model)
        st.caption(state.why_chosen(in_use))
        state.warn_if_worse_than_baseline(in_use)
    with right:
        drop = st.selectbox("Remove a model", [None, *ids], key="train_remove",
                            format_func=lambda run_id: "(keep all)" if run_id is None else runs[run_id].name)
        if drop is not None and st.button(f"Remove {runs[drop].name}", icon=":material/delete:"):
            runs.pop(drop, None)
            if st.session_state.get(state.TRAIN_CHOSEN) == drop:
                st.session_state[state.TRAIN_CHOSEN] = None
            st.rerun()
    for run in runs.values():
        if run.notes:
            with st.expander(f"Notes on {run.name} ({len(run.notes)})"):
                st.markdown("\n".join(f"- {md(note)}" for note in run.notes[:50]))
    st.page_link("pages/forecast.py", label="See the forecasts", icon=":material/trending_up:")


def _choose_model() -> None:
    """Remember the user's pick; without one the pages use the best backtest MASE."""
    st.session_state[state.TRAIN_CHOSEN] = st.session_state["train_use_model"]


def _readable(board: pd.DataFrame) -> pd.DataFrame:
    """The comparison table with percentages and names for people."""
    out = board.copy()
    for column in ("mase_gain_vs_seasonal_naive", "wape", "bias", "coverage_80", "coverage_95"):
        if column in out:
            out[column] = (100 * out[column]).round(1)
    out["mase"] = out["mase"].round(3)
    out["seconds"] = out["seconds"].round(1)
    return out.rename(columns={"mase": "MASE", "mase_gain_vs_seasonal_naive": "gain vs seasonal naive %",
                               "wape": "WAPE %", "bias": "bias %", "coverage_80": "80% coverage %",
                               "coverage_95": "95% coverage %", "windows": "windows x periods"})


main()
