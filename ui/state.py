"""Session-state keys shared by the pages, their set-up, and accessors for the loaded data.

Every key is prefixed with the page that owns it (``data_``, ``explore_``,
``train_``, ``forecast_``, ``review_``), so pages never overwrite each other.
``init_state`` sets the shared keys once per session with ``setdefault``; the
accessors return ``None`` while nothing is loaded, and ``require_data`` turns
that into a "load data first" message with a link to the Data page.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

if TYPE_CHECKING:
    import pandas as pd

    from forecasting.data.cleaning import CleaningResult
    from forecasting.evaluation.training import TrainedRun
    from ui.data_access import Loaded

DATA_PAGE = "pages/data.py"

# Data page ------------------------------------------------------------------
DATA_AUTOLOAD = "data_autoload"  #: load the bundled sample when the session starts without data
DATA_LOADED = "data_loaded"  #: ui.data_access.Loaded: the file, choices, dataset and cleaned table every page uses
DATA_SOURCE = "data_source"  #: widget: sample or upload
DATA_UPLOAD = "data_upload"  #: widget: the file uploader
DATA_UPLOADED = "data_uploaded"  #: (FileRef, bytes) of the last upload that could be read
DATA_UPLOAD_FAILED = "data_upload_failed"  #: (digest, message) of the last upload that could not be read
DATA_CHOICES = "data_choices"  #: FileRef -> the column mapping, shape and frequency chosen for that file
DATA_DETECT_FAILED = "data_detect_failed"  #: FileRef -> (message, blank choices) when detection failed
DATA_EDITING = "data_editing"  #: the FileRef whose choices the mapping widgets show

# Explore page ---------------------------------------------------------------
EXPLORE_LEVEL = "explore_level"  #: widget: total, category or series
EXPLORE_SERIES = "explore_series"  #: widget key prefix: the chosen series per level
EXPLORE_KEPT = "explore_kept"

# Forecasting pages -------------------------------------------------------------
TRAIN_PAGE = "pages/train.py"
TRAIN_MODELS = "train_models"  #: Loaded.key -> {run id -> forecasting.evaluation.training.TrainedRun}
TRAIN_CHOSEN = "train_chosen"  #: the run id the Forecast, Review and decision pages use
REVIEW_ADJUSTMENTS = "review_adjustments"  #: Loaded.key -> adjustments table (forecasting.analysis.adjustments)


def init_state() -> None:
    """Create the shared keys once per session (``setdefault``: a rerun never resets them)."""
    defaults = {
        DATA_AUTOLOAD: True,
        DATA_LOADED: None,
        DATA_UPLOADED: None,
        DATA_UPLOAD_FAILED: None,
        DATA_CHOICES: {},
        DATA_DETECT_FAILED: {},
        DATA_EDITING: None,
        EXPLORE_KEPT: {},
        TRAIN_MODELS: {},
        TRAIN_CHOSEN: None,
        REVIEW_ADJUSTMENTS: {},
    }
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)


def loaded() -> Loaded | None:
    """The loaded data (file, choices, dataset, cleaning result), or ``None``."""
    return st.session_state.get(DATA_LOADED)


def cleaning_result() -> CleaningResult | None:
    """The cleaning result of the loaded data (frame, changes, summary), or ``None``."""
    data = loaded()
    return data.result if data is not None else None


def cleaned_frame() -> pd.DataFrame | None:
    """The cleaned long table that Explore, Train and Forecast work on, or ``None``."""
    result = cleaning_result()
    return result.frame if result is not None else None


def trained_models() -> dict[str, TrainedRun]:
    """Run id -> trained run on the data now loaded (runs on other data are kept for when it comes back)."""
    data = loaded()
    if data is None:
        return {}
    return st.session_state.setdefault(TRAIN_MODELS, {}).setdefault(data.key, {})


def chosen_run() -> TrainedRun | None:
    """The run the Forecast, Review and decision pages use: the user's choice, else the best backtest MASE."""
    from forecasting.evaluation.training import best_run  # noqa: PLC0415 - pages with a run

    runs = trained_models()
    chosen = st.session_state.get(TRAIN_CHOSEN)
    return runs[chosen] if chosen in runs else best_run(list(runs.values()))


def why_chosen(run: TrainedRun) -> str:
    """Why ``run`` is the model in use, in a sentence."""
    if st.session_state.get(TRAIN_CHOSEN) == run.run_id:
        return f"{run.name} is in use because you chose it."
    return f"{run.name} is in use: the lowest backtest MASE ({run.score['mase']:.3f}) of the models trained."


def warn_if_worse_than_baseline(run: TrainedRun) -> None:
    """A warning on every page that uses a run whose model loses to seasonal naive."""
    from forecasting.evaluation.training import loses_to_baseline  # noqa: PLC0415

    if loses_to_baseline(run):
        st.warning(f"{run.name} forecast worse than seasonal naive (repeating last season) in its backtest: "
                   "its decisions are less reliable than simply repeating last season. Train another model or "
                   "auto on the Train page.", icon=":material/trending_down:")


def adjustments() -> pd.DataFrame | None:
    """The manual forecast adjustments made on the Review page for the data now loaded, or ``None``."""
    data = loaded()
    if data is None:
        return None
    return st.session_state.setdefault(REVIEW_ADJUSTMENTS, {}).get(data.key)


def set_adjustments(table: pd.DataFrame | None) -> None:
    data = loaded()
    if data is not None:
        st.session_state.setdefault(REVIEW_ADJUSTMENTS, {})[data.key] = table


def planning_forecast() -> pd.DataFrame | None:
    """The chosen run's forecast with the Review page's adjustments applied: what downloads and decisions use.

    ``yhat`` (and the bands) carry the adjustments; ``yhat_model`` keeps the model's own value.
    """
    from forecasting.analysis.adjustments import apply_adjustments, series_categories  # noqa: PLC0415 - pages with a run

    run = chosen_run()
    if run is None:
        return None
    return apply_adjustments(run.forecast, adjustments(), categories=series_categories(cleaned_frame()))


def require_run(page_name: str) -> TrainedRun | None:
    """The chosen run; or, when data or a model is missing, say what to do first (with a link) and return None."""
    if not require_data(page_name):
        return None
    run = chosen_run()
    if run is None:
        st.info(f"Train a model first: the {page_name} page works on a trained model's forecasts.")
        st.page_link(TRAIN_PAGE, label="Go to the Train page", icon=":material/model_training:")
    else:
        warn_if_worse_than_baseline(run)
    return run


def require_data(page_name: str) -> bool:
    """True when data is loaded; otherwise say what to do, link to the Data page and return False."""
    init_state()  # a page can run before app.py in a fresh server process (Streamlit's legacy pages/ mode)
    if loaded() is not None:
        return True
    st.info(f"Load data first: the {page_name} page works on the sales history you load and clean on the Data page.")
    st.page_link(DATA_PAGE, label="Go to the Data page", icon=":material/upload_file:")
    return False
