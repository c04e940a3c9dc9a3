"""Widgets shared by the pages: widgets that keep their value across pages, and the sidebar summary."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from forecasting.analysis import hierarchy
from ui import state
from ui.messages import md


def _store(key: str) -> dict:
    """The plain dict that keeps the last values of one page's widgets (``data_kept``, ``explore_kept`` ...)."""
    return st.session_state.setdefault(f"{key.split('_', 1)[0]}_kept", {})


_INVALID = object()


def _valid(value: Any, options: Sequence | None, multi: bool) -> Any:
    if options is None:
        return value
    if multi:
        return [v for v in (value or []) if v in options]
    return value if value in options else _INVALID


def _within(value: Any, low: Any, high: Any) -> bool:
    """A kept number or date (or a range of them) still inside the widget's bounds, which another run may move."""
    values = value if isinstance(value, (tuple, list)) else (value,)
    try:
        return all((low is None or low <= v) and (high is None or v <= high) for v in values)
    except TypeError:  # not comparable with the bounds: the widget itself will say
        return True


def kept(widget: Callable, key: str, default: Any, *, options: Sequence | None = None, **kwargs) -> Any:
    """Draw ``widget(key=key, ...)`` so that it keeps its value when the user comes back from another page.

    Streamlit forgets a widget's value in a run that does not draw it (another
    page was shown). The last value is kept in ``<page>_kept`` and handed back
    through session state before the widget is drawn. A value that is no longer
    among ``options`` (another file, another level) or outside ``min_value`` ..
    ``max_value`` (another horizon) falls back to ``default``.

    Parameters
    ----------
    widget
        A Streamlit widget function, e.g. ``st.selectbox``; ``label`` and the rest go in ``kwargs``.
    key
        Session-state key with the page prefix, e.g. ``"data_clean_outliers"``.
    default
        The value when nothing was chosen yet.
    options
        For select-like widgets: the choices (passed on to the widget).
    """
    store = _store(key)
    multi = widget is st.multiselect
    current = st.session_state[key] if key in st.session_state else store.get(key, default)
    checked = _valid(current, options, multi)
    if checked is _INVALID or not _within(checked, kwargs.get("min_value"), kwargs.get("max_value")):
        checked = default
    if key not in st.session_state or checked != current:
        st.session_state[key] = checked
    if options is not None:
        kwargs["options"] = options
    value = widget(key=key, **kwargs)
    store[key] = value
    return value


LEVEL_LABELS = {"total": "Total", "category": "Category", "series": "Series"}


def level_picker(frame: pd.DataFrame, page: str, *, summed: str = "summed") -> tuple[str, str]:
    """Level (total, category, series) and the one series at that level, kept as ``<page>_level`` and
    ``<page>_series_<level>``; returns ``(level, name)``."""
    left, right = st.columns([1, 2])
    with left:
        level = kept(st.radio, f"{page}_level", "total", options=list(hierarchy.available_levels(frame)),
                     label="Level", format_func=LEVEL_LABELS.get, horizontal=True)
    with right:
        if level == "total":
            st.caption(f"All {frame['unique_id'].nunique():,} series {summed}.")
            return level, hierarchy.TOTAL
        names = hierarchy.series_names(frame, level)
        return level, kept(st.selectbox, f"{page}_series_{level}", names[0], options=names, label=LEVEL_LABELS[level])


def lazy_tabs(labels: Sequence[str], key: str) -> list:
    """Tabs whose content runs only while open (``tab.open``): the page draws one tab's charts, not all of them.

    The open tab is kept across page visits under ``key`` (page-prefixed, e.g. ``"explore_tab"``).
    """
    store = _store(key)
    if key not in st.session_state and store.get(key) in labels:
        st.session_state[key] = store[key]  # back from another page: reopen the tab the user left open
    tabs = st.tabs(list(labels), key=key, on_change="rerun")
    store[key] = st.session_state.get(key, labels[0])
    return tabs


def sidebar_summary() -> None:
    """The sidebar panel: the loaded data (file, series, rows, dates, frequency) and the trained models."""
    data = state.loaded()
    with st.sidebar:
        st.subheader("Data in use")
        if data is None:
            st.caption("Nothing loaded yet.")
            st.page_link(state.DATA_PAGE, label="Load data", icon=":material/upload_file:")
        else:
            facts = data.facts()
            st.markdown(f"**{md(facts['file'])}**")
            st.caption(f"{facts['series']:,} series · {facts['rows']:,} rows")
            st.caption(f"{facts['start']:%Y-%m-%d} to {facts['end']:%Y-%m-%d}")
            st.caption(f"Frequency: {facts['freq_name']}")
        st.subheader("Trained models")
        models = state.trained_models()
        if models:
            used = state.chosen_run().run_id
            st.markdown("\n".join(f"- {run.name}: MASE {run.score['mase']:.2f}"
                                   + (" **(in use)**" if run_id == used else "") for run_id, run in models.items()))
        else:
            st.caption("None yet: models trained on the Train page appear here.")
