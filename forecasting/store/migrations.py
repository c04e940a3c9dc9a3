"""Schema versions: each migration runs once, in order, inside one transaction, and is recorded.

A store at version N is upgraded by the migrations after N; a store newer than
this studio is refused rather than guessed at.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, inspect, select

from ..errors import ConfigError
from . import tables


def _create_v1(connection: Connection) -> None:
    tables.metadata.create_all(connection, tables=[t for t in tables.metadata.sorted_tables
                                                   if t.name != "migrations"])


#: (version, name, upgrade) in order; append, never edit a released one.
MIGRATIONS: list[tuple[int, str, Callable[[Connection], None]]] = [
    (1, "datasets, runs, forecasts, backtest predictions, adjustments, plans, scenarios, decisions, retrains",
     _create_v1),
]
LATEST = MIGRATIONS[-1][0]


def current_version(connection: Connection) -> int:
    """The store's schema version (0: empty)."""
    if not inspect(connection).has_table("migrations"):
        return 0
    versions = connection.execute(select(tables.migrations.c.version)).scalars().all()
    return max(versions, default=0)


def migrate(engine: Engine, url_label: str) -> int:
    """Bring the store to :data:`LATEST`; returns the version it is at."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # two processes opening a new store: one migrates
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7013)")
        tables.migrations.create(connection, checkfirst=True)
        version = current_version(connection)
        if version > LATEST:
            raise ConfigError(f"the store {url_label} has schema version {version}, newer than this studio's "
                              f"{LATEST}", fix="upgrade the studio or choose another store ({store})")
        for number, name, upgrade in MIGRATIONS:
            if number > version:
                upgrade(connection)
                connection.execute(tables.migrations.insert().values(
                    version=number, name=name, applied_at=datetime.now(UTC)))
        return LATEST
