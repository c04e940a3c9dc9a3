"""Large catalogues in the app: suggest aggregating or Dask before training freezes the session, and run on Dask.

Above ``MANY_SERIES`` series (the session can lower it: ``scale_many_series``)
the Data and Train pages say how to make the work smaller (a coarser id such
as the category, a weekly or monthly frequency) or where to run it (Dask:
local worker processes or a scheduler address, set in the sidebar), and the
Train page trains in this process only when the user confirms it. The Dask
settings are the command line's (``--workers`` / ``--scheduler``,
:class:`~forecasting.evaluation.distributed.DaskSettings`) and the backtest
runs through the same function: :func:`~forecasting.evaluation.distributed.backtest_on`.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from forecasting.errors import ConfigError
from forecasting.schema import CATEGORY, UID, freq_family
from ui.messages import show_error

MANY_SERIES = 2_000  #: above this many series, training every one in the app's process takes a long time
SCALE_MANY_SERIES = "scale_many_series"  #: the threshold for this session (tests lower it)
SCALE_WORKERS = "scale_dask_workers"  #: widget: local Dask worker processes (0: train in this process)
SCALE_SCHEDULER = "scale_dask_scheduler"  #: widget: address of a running Dask scheduler
SCALE_CONFIRMED = "scale_train_here"  #: widget: train every series in this process anyway
COARSER = {"D": "weekly or monthly", "W": "monthly", "M": None}


def threshold() -> int:
    return int(st.session_state.get(SCALE_MANY_SERIES) or MANY_SERIES)


def is_large(n_series: int) -> bool:
    return n_series > threshold()


def suggestion(frame: pd.DataFrame, freq: str, n_series: int | None = None) -> str | None:
    """What to do about a catalogue too large to train comfortably in the session, or ``None``.

    ``n_series``: the number of series when the caller has counted them (a count is a pass over every row).
    """
    n_series = int(frame[UID].nunique()) if n_series is None else n_series
    if not is_large(n_series):
        return None
    ways = []
    if CATEGORY in frame.columns:
        groups = int(frame[CATEGORY].nunique())
        ways.append(f"forecast by category ({groups:,} series): on the Data page set **Series id columns** to the "
                    "category column")
    else:
        ways.append("forecast a coarser id (such as a category or a store): on the Data page choose fewer "
                    "**Series id columns**")
    coarser = COARSER[freq_family(freq)]
    if coarser:
        ways.append(f"choose a {coarser} **Frequency** on the Data page")
    ways.append("run the work on Dask: set **Local Dask workers** or a **Dask scheduler** under *Large catalogues* "
                "in the sidebar")
    return (f"{n_series:,} series is a large catalogue (more than {threshold():,}): training every one here takes "
            "a long time and the page waits for it. To make it quicker, " + "; or ".join(ways) + ".")


def settings_box() -> None:
    """The sidebar settings: local Dask workers or a scheduler address (kept in the session)."""
    st.session_state.setdefault(SCALE_WORKERS, 0)
    st.session_state.setdefault(SCALE_SCHEDULER, "")
    with st.sidebar.expander("Large catalogues", icon=":material/hub:"):
        st.number_input("Local Dask workers", min_value=0, max_value=64, step=1, key=SCALE_WORKERS,
                        help="Backtest on this many worker processes on this machine, over groups of series "
                             "(as `--workers` on the command line); 0 trains in the app's own process.")
        st.text_input("Dask scheduler", key=SCALE_SCHEDULER, placeholder="tcp://host:8786",
                      help="Address of a running Dask cluster to backtest on (as `--scheduler`); "
                           "used instead of local workers.")


def dask_settings():
    """The session's :class:`~forecasting.evaluation.distributed.DaskSettings`, or ``None`` to train in process.

    Raises ``ConfigError`` (shown by the page) when both workers and a scheduler are set.
    """
    workers = int(st.session_state.get(SCALE_WORKERS) or 0)
    scheduler = (st.session_state.get(SCALE_SCHEDULER) or "").strip()
    if not workers and not scheduler:
        return None
    from forecasting.evaluation.distributed import DaskSettings  # noqa: PLC0415 - dask only when asked for

    if workers and scheduler:
        raise ConfigError("give either local Dask workers or a scheduler address, not both",
                          fix="set Local Dask workers to 0 or clear the Dask scheduler in the sidebar")
    return DaskSettings(workers=workers or None, scheduler=scheduler or None)


def training_route(frame: pd.DataFrame, freq: str, n_series: int) -> tuple[bool, Callable | None]:
    """Whether the Train button may train, and the backtest to use (``None``: in this process).

    A large catalogue trains on Dask when it is set, else only after the user ticks *train here anyway*.
    """
    try:
        settings = dask_settings()
    except ConfigError as exc:
        show_error(exc)
        return False, None
    if settings is not None:
        where = f"{settings.workers} local worker(s)" if settings.workers else f"the scheduler {settings.scheduler}"
        st.info(f"The backtest runs on Dask ({where}), over groups of series; the final fit runs here.",
                icon=":material/hub:")
        from forecasting.evaluation.distributed import backtest_on  # noqa: PLC0415 - dask only when asked for

        return True, backtest_on(settings)
    message = suggestion(frame, freq, n_series)
    if message is None:
        return True, None
    st.warning(message, icon=":material/speed:")  # numbers and our own words only: markdown is safe
    here = st.checkbox(f"Train all {n_series:,} series in this session anyway", key=SCALE_CONFIRMED)
    return bool(here), None
