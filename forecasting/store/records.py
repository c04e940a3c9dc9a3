"""What people decide on top of a run: adjustments (an audit trail), plans, scenarios and decision snapshots.

Adjustments are never overwritten: saving the Review page's table adds the
rows that are new and marks the rows that are gone as superseded (who and
when), so the history of every change stays readable.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import and_, select, update

from ..analysis.adjustments import COLUMNS, DATE_FORMAT
from ..schema import UID
from . import tables
from .database import Store
from .frames import iso, now, plain
from .runs import current_user

#: What identifies an adjustment (``created`` is when it was made, not what it is).
KEY = (UID, "level", "start", "end", "kind", "value", "reason")


def adjustment_key(record: dict) -> tuple:
    """What identifies an adjustment row (see :data:`KEY`), as :func:`save_adjustments` compares them."""
    return tuple(_text_date(record[k]) if k in ("start", "end") else
                 round(float(record[k]), 9) if k == "value" else str(record[k]) for k in KEY)


def _text_date(value) -> str:
    return pd.Timestamp(value).strftime(DATE_FORMAT)


def save_adjustments(store: Store, run_id: str, table: pd.DataFrame | None, *, user: str | None = None,
                     before_after: dict[tuple, tuple[float, float]] | None = None) -> dict[str, int]:
    """Make the run's active adjustments equal to ``table`` (the Review page's), keeping every old row.

    Returns how many rows were ``added`` and ``superseded``. ``before_after`` maps an adjustment's key to the
    planned units in its range before and after it (shown in the audit trail).
    """
    user = user or current_user()
    a = tables.adjustments
    wanted = [] if table is None or table.empty else table.to_dict("records")
    with store.write() as connection:
        active = connection.execute(select(a).where(and_(a.c.run_id == run_id, a.c.superseded_at.is_(None)))).mappings()
        active = {adjustment_key(dict(row)): row["id"] for row in active}
        wanted_keys = {adjustment_key(r): r for r in wanted}
        stamp = now()
        gone = [row_id for key, row_id in active.items() if key not in wanted_keys]
        if gone:
            connection.execute(update(a).where(a.c.id.in_(gone)).values(superseded_at=stamp, superseded_by=user))
        added = [(key, r) for key, r in wanted_keys.items() if key not in active]
        if added:
            connection.execute(a.insert(), [
                dict(run_id=run_id, unique_id=str(r[UID]), level=str(r.get("level") or "series"),
                     start=_text_date(r["start"]), end=_text_date(r["end"]), kind=str(r["kind"]),
                     value=float(r["value"]), reason=str(r["reason"]),
                     before=plain((before_after or {}).get(key, (None, None))[0]),
                     after=plain((before_after or {}).get(key, (None, None))[1]),
                     created_at=_created(r.get("created"), stamp), created_by=user)
                for key, r in added])
    return {"added": len(added), "superseded": len(gone)}


def _created(value, default):
    if value is None or (isinstance(value, float) and value != value):
        return default
    moment = pd.Timestamp(value)
    return (moment.tz_localize("UTC") if moment.tzinfo is None else moment).to_pydatetime()


def active_adjustments(store: Store, run_id: str) -> pd.DataFrame:
    """The run's adjustments in force, as the table ``analysis.adjustments`` works on."""
    history = adjustment_history(store, run_id)
    current = history[history["superseded_at"].isna()]
    out = current.assign(start=pd.to_datetime(current["start"]), end=pd.to_datetime(current["end"]),
                         created=pd.to_datetime(current["created_at"]).dt.tz_localize(None))
    return out[list(COLUMNS)].reset_index(drop=True)


def adjustment_history(store: Store, run_id: str) -> pd.DataFrame:
    """Every adjustment ever made on the run, superseded ones included, oldest first."""
    a = tables.adjustments
    columns = ["id", UID, "level", "start", "end", "kind", "value", "reason", "before", "after", "created_at",
               "created_by", "superseded_at", "superseded_by"]
    with store.read() as connection:
        found = connection.execute(select(*[a.c[c] for c in columns]).where(a.c.run_id == run_id).order_by(a.c.id))
        frame = pd.DataFrame(found.all(), columns=columns)
    for column in ("created_at", "superseded_at"):
        frame[column] = pd.Series([iso(v) for v in frame[column]], index=frame.index, dtype=object)
    frame[UID] = frame[UID].astype(str)
    return frame


def _insert(store: Store, table, values: dict[str, Any]) -> int:
    with store.write() as connection:
        return int(connection.execute(table.insert().values(**values)).inserted_primary_key[0])


def listed(store: Store, table, columns: list[str] | None = None, **equal: Any) -> list[dict[str, Any]]:
    """Rows of ``table`` oldest first (``columns``, else all), where each given ``column=value`` holds (a value
    of None: any), with ``created_at`` as ISO text."""
    query = select(*[table.c[c] for c in columns] if columns else [table]).order_by(table.c.id)
    for column, value in equal.items():
        if value is not None:
            query = query.where(table.c[column] == value)
    with store.read() as connection:
        found = [dict(row) for row in connection.execute(query).mappings()]
    for row in found:
        row["created_at"] = iso(row["created_at"])
    return found


def save_plan(store: Store, run_id: str | None, name: str, plan: pd.DataFrame, *, user: str | None = None) -> int:
    """Keep planned drivers (``unique_id, ds, price, promo ...``) for a run's forecast periods."""
    records = [{k: (f"{v:%Y-%m-%d}" if isinstance(v, pd.Timestamp) else plain(v)) for k, v in r.items()}
               for r in plan.to_dict("records")]
    return _insert(store, tables.plans, dict(run_id=run_id, name=name, rows=records, created_at=now(),
                                             created_by=user or current_user()))


def list_plans(store: Store, run_id: str | None = None) -> list[dict[str, Any]]:
    return listed(store, tables.plans, ["id", "run_id", "name", "rows", "created_at", "created_by"], run_id=run_id)


def plan_frame(plan: dict[str, Any]) -> pd.DataFrame:
    """A stored plan's rows as a table of planned drivers."""
    frame = pd.DataFrame(plan["rows"])
    return frame.assign(ds=pd.to_datetime(frame["ds"]), unique_id=frame[UID].astype(str)) if len(frame) else frame


def save_scenario(store: Store, run_id: str | None, kind: str, name: str, settings: dict, result: dict, *,
                  user: str | None = None) -> int:
    """Keep a promotion or price what-if: its settings and its result (JSON values)."""
    return _insert(store, tables.scenarios, dict(run_id=run_id, kind=kind, name=name, settings=settings,
                                                 result=result, created_at=now(), created_by=user or current_user()))


def list_scenarios(store: Store, run_id: str | None = None) -> list[dict[str, Any]]:
    return listed(store, tables.scenarios,
                  ["id", "run_id", "kind", "name", "settings", "result", "created_at", "created_by"], run_id=run_id)


def save_decision(store: Store, run_id: str | None, kind: str, payload: dict, *, user: str | None = None) -> int:
    """Keep a decision snapshot (orders, prices, a promotion) with the numbers it was made on."""
    return _insert(store, tables.decisions, dict(run_id=run_id, kind=kind, payload=payload, created_at=now(),
                                                 created_by=user or current_user()))


def list_decisions(store: Store, run_id: str | None = None) -> list[dict[str, Any]]:
    return listed(store, tables.decisions, ["id", "run_id", "kind", "payload", "created_at", "created_by"],
                  run_id=run_id)
