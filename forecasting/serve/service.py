"""What the API answers, without HTTP: runs, and a run's forecast for some series, a horizon and a plan.

A run is loaded once per process (by run id: a promoted champion is a new id)
and its saved forecast indexed per series, so a request for the default plan
is a dictionary look-up. A what-if plan is forecast by the run's model,
refitted once from its stored settings on its stored table and kept.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd

from ..evaluation.forecast import OUTPUT_COLUMNS, forecast_fitted
from ..evaluation.plans import complete_plan
from ..models.base import Forecaster
from ..schema import CATEGORY, DS, STOCK, UID, Y
from ..store.database import Store
from ..store.runs import RunRecord, find_run, list_runs, load_run, refit

ANSWER_COLUMNS = [c for c in OUTPUT_COLUMNS if c != "model"]


class NotFound(LookupError):
    """An unknown run or series (HTTP 404)."""


class BadRequest(ValueError):
    """A field of the request cannot be answered (HTTP 422); ``loc`` names it as FastAPI does."""

    def __init__(self, loc: tuple, message: str) -> None:
        super().__init__(message)
        self.loc = ("body", *loc)
        self.message = message


@dataclass
class LoadedRun:
    record: RunRecord
    rows: dict[str, list[dict[str, Any]]]  # per series, the saved forecast's rows in date order
    dates: dict[str, list[pd.Timestamp]]
    drivers: tuple[str, ...]
    fitted: Forecaster | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


class ForecastService:
    """Answers for one store; thread-safe (uvicorn runs sync endpoints in a thread pool)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._runs: dict[str, LoadedRun] = {}
        self._lock = threading.Lock()

    def runs(self) -> list[dict[str, Any]]:
        return [s.as_json() for s in list_runs(self.store)]

    def forecast(self, name: str, unique_ids: list[str] | None = None, horizon: int | None = None,
                 future: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """The champion of ``name``'s forecast (see the module docstring)."""
        try:
            summary = find_run(self.store, name)
        except LookupError as exc:
            raise NotFound(str(exc)) from None
        loaded = self._load(summary.id)
        trained = summary.horizon
        horizon = trained if horizon is None else int(horizon)
        if not 1 <= horizon <= trained:
            raise BadRequest(("horizon",), f"horizon {horizon} is outside 1..{trained}, the run's trained horizon")
        ids = list(dict.fromkeys(unique_ids)) if unique_ids else list(loaded.rows)
        unknown = [u for u in ids if u not in loaded.rows]
        if unknown:
            raise NotFound(f"unknown series {', '.join(map(repr, unknown[:5]))} in run {name!r}; it has "
                           f"{len(loaded.rows)} series such as {next(iter(loaded.rows))!r}")
        if future:
            plan = self._plan(loaded, future, horizon)
            rows = self._what_if(loaded, plan, horizon, ids)
        else:
            rows = [row for uid in ids for row in loaded.rows[uid][:horizon]]
        return {"run": summary.name, "version": summary.version, "forecast": rows}

    # -- loading ----------------------------------------------------------------------------------------------

    def _load(self, run_id: str) -> LoadedRun:
        loaded = self._runs.get(run_id)
        if loaded is not None:
            return loaded
        with self._lock:
            if run_id not in self._runs:
                record = load_run(self.store, "", run_id=run_id)
                table = record.forecast.sort_values([UID, DS])
                rows: dict[str, list[dict[str, Any]]] = {}
                dates: dict[str, list[pd.Timestamp]] = {}
                for uid, part in table.groupby(UID, sort=False):
                    rows[str(uid)] = _answer_rows(part)
                    dates[str(uid)] = list(part[DS])
                drivers = tuple(c for c in record.frame.columns if c not in (UID, DS, Y, CATEGORY, STOCK))
                self._runs[run_id] = LoadedRun(record, rows, dates, drivers)
            return self._runs[run_id]

    def _fitted(self, loaded: LoadedRun) -> Forecaster:
        with loaded.lock:
            if loaded.fitted is None:
                loaded.fitted = refit(loaded.record)
            return loaded.fitted

    # -- what-if plans ----------------------------------------------------------------------------------------

    def _plan(self, loaded: LoadedRun, future: list[dict[str, Any]], horizon: int) -> pd.DataFrame:
        allowed = set(loaded.drivers)
        records = []
        for i, row in enumerate(future):
            for key in row:
                if key not in (UID, DS) and key not in allowed:
                    known = ", ".join(sorted(allowed)) or "none"
                    raise BadRequest(("future", i, key), f"unknown driver {key!r}; this run's drivers are {known}")
            uid = str(row[UID])
            if uid not in loaded.rows:
                raise NotFound(f"unknown series {uid!r} in future[{i}]")
            ds = pd.Timestamp(row[DS]) if isinstance(row[DS], (date, str)) else None
            if ds is None or ds not in loaded.dates[uid][:horizon]:
                dates = loaded.dates[uid]
                raise BadRequest(("future", i, DS), f"{row[DS]} is not a forecast period of {uid!r} (the forecast "
                                 f"runs {dates[0]:%Y-%m-%d} to {dates[horizon - 1]:%Y-%m-%d})")
            records.append({UID: uid, DS: ds, **{k: v for k, v in row.items() if k not in (UID, DS) and v is not None}})
        plan = pd.DataFrame(records)
        if plan.duplicated([UID, DS]).any():
            first = int(plan.duplicated([UID, DS]).to_numpy().argmax())
            raise BadRequest(("future", first), "the plan has this series and date twice; give each once")
        plan[UID] = plan[UID].astype(str)
        return plan

    def _what_if(self, loaded: LoadedRun, plan: pd.DataFrame, horizon: int, ids: list[str]) -> list[dict[str, Any]]:
        record = loaded.record
        fitted = self._fitted(loaded)
        plan, _ = complete_plan(record.frame, record.summary.freq, horizon, plan)  # unplanned: usual values
        table, _ = forecast_fitted(fitted, record.frame, record.summary.freq, horizon, record.quantiles,
                                   future=plan, levels=record.spec.levels)
        table = table[table[UID].isin(ids)]
        order = {uid: i for i, uid in enumerate(ids)}
        table = table.assign(_order=table[UID].map(order)).sort_values(["_order", DS])
        return _answer_rows(table)


def _answer_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    out = table.reindex(columns=ANSWER_COLUMNS)
    out = out.assign(**{DS: out[DS].dt.strftime("%Y-%m-%d"), UID: out[UID].astype(str)})
    records = out.to_dict("records")
    for record in records:
        for key, value in record.items():
            if isinstance(value, float) and value != value:
                record[key] = None
    return records
