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

    from forecasting.cleaning import CleaningResult
    from forecasting.dataset import Dataset
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
DATA_KEPT = "data_kept"  #: last values of the Data page's widgets, restored after other pages were shown

# Explore page ---------------------------------------------------------------
EXPLORE_LEVEL = "explore_level"  #: widget: total, category or sku
EXPLORE_SERIES = "explore_series"  #: widget key prefix: the chosen series per level
EXPLORE_KEPT = "explore_kept"

# Forecasting pages (filled in by their pages later) ---------------------------
TRAIN_MODELS = "train_models"  #: model name -> fitted model (or anything describing it)
FORECAST_RESULT = "forecast_result"
REVIEW_SELECTION = "review_selection"


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
        DATA_KEPT: {},
        EXPLORE_KEPT: {},
        TRAIN_MODELS: {},
        FORECAST_RESULT: None,
        REVIEW_SELECTION: None,
    }
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)


def loaded() -> Loaded | None:
    """The loaded data (file, choices, dataset, cleaning result), or ``None``."""
    return st.session_state.get(DATA_LOADED)


def current_dataset() -> Dataset | None:
    """The loaded :class:`~forecasting.dataset.Dataset` (before cleaning), or ``None``."""
    data = loaded()
    return data.dataset if data is not None else None


def cleaning_result() -> CleaningResult | None:
    """The cleaning result of the loaded data (frame, changes, summary), or ``None``."""
    data = loaded()
    return data.result if data is not None else None


def cleaned_frame() -> pd.DataFrame | None:
    """The cleaned long table that Explore, Train and Forecast work on, or ``None``."""
    result = cleaning_result()
    return result.frame if result is not None else None


def trained_models() -> dict:
    """Model name -> fitted model, as the Train page stores them (empty until then)."""
    return st.session_state.get(TRAIN_MODELS) or {}


def require_data(page_name: str) -> bool:
    """True when data is loaded; otherwise say what to do, link to the Data page and return False."""
    init_state()  # a page can run before app.py in a fresh server process (Streamlit's legacy pages/ mode)
    if loaded() is not None:
        return True
    st.info(f"Load data first: the {page_name} page works on the sales history you load and clean on the Data page.")
    st.page_link(DATA_PAGE, label="Go to the Data page", icon=":material/upload_file:")
    return False
