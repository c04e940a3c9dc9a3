"""The workspace store: datasets, saved runs, forecasts, adjustments, plans, scenarios and decisions, kept.

A relational database through SQLAlchemy Core: an embedded SQLite file
(``studio.db`` in the working folder, in WAL mode) by default, or any
PostgreSQL URL a team shares (``FORECASTING_STORE`` or ``--store``). The
schema is versioned (``migrations``), every write is one transaction, and a
fitted model is kept as JSON settings plus the prepared training table, so
loading a run refits it deterministically and never unpickles anything.
This floor may import ``evaluation``, ``analysis``, ``models``, ``data``,
``schema`` and ``errors``; the forecast API (``serve``) and the command line
sit above it.
"""

from __future__ import annotations

from .database import Store, open_store, resolve_url
from .runs import RunRecord, RunSummary

__all__ = ["RunRecord", "RunSummary", "Store", "open_store", "resolve_url"]
