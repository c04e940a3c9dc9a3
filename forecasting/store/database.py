"""Open a store: which database, its engine (SQLite in WAL mode with a busy timeout), its schema version.

Every write goes through :meth:`Store.write`, one transaction: all of it is
kept or none of it. On SQLite a write transaction starts with ``BEGIN
IMMEDIATE`` so two writers queue for the lock (up to the busy timeout) instead
of failing halfway; WAL lets readers go on while one writes.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ..errors import ConfigError
from .migrations import migrate

ENV = "FORECASTING_STORE"
DEFAULT_FILE = "studio.db"
BUSY_TIMEOUT_MS = 30_000


def resolve_url(url: str | None = None) -> str:
    """``url``, else ``$FORECASTING_STORE``, else ``studio.db`` in the working folder; a bare path means SQLite."""
    url = url or os.environ.get(ENV) or DEFAULT_FILE
    if "://" not in url:
        url = f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]  # psycopg 3 is the driver we ship
    return url


class Store:
    """A workspace store at ``url`` (see :func:`resolve_url`), upgraded to the latest schema on open."""

    def __init__(self, url: str | None = None) -> None:
        self.url = resolve_url(url)
        try:
            parsed = make_url(self.url)
        except ArgumentError:
            raise ConfigError(f"{self.url!r} is not a database URL",
                              fix="give a file name or a URL such as postgresql://user@host/db ({store})") from None
        self.label = parsed.render_as_string(hide_password=True)
        self.dialect = parsed.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise ConfigError(f"the store must be SQLite or PostgreSQL, not {self.dialect!r}",
                              fix="give a SQLite file or a PostgreSQL URL ({store})")
        self.engine = _sqlite_engine(self.url) if self.dialect == "sqlite" else create_engine(
            self.url, pool_pre_ping=True)
        try:
            self.version = migrate(self.engine, self.label)
        except ConfigError:
            raise
        except Exception as exc:  # unreachable server, bad file ...: one line that says where
            raise ConfigError(f"cannot open the store {self.label}: {type(exc).__name__}: "
                              f"{str(exc).splitlines()[0] if str(exc) else ''}", fix="check the URL ({store})") from None

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One write transaction: committed when the block ends, rolled back if it raises."""
        with self.engine.begin() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only look (on SQLite a deferred transaction that takes no write lock)."""
        with self.engine.connect().execution_options(store_read=True) as connection:
            yield connection
            connection.rollback()

    def close(self) -> None:
        self.engine.dispose()

    def __repr__(self) -> str:
        return f"Store({self.label!r}, schema {self.version})"


def _sqlite_engine(url: str) -> Engine:
    path = make_url(url).database
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below), not the driver
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable at each checkpoint, never corrupt
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get("store_read", False)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


_OPEN: dict[str, Store] = {}


def open_store(url: str | None = None) -> Store:
    """The store at ``url`` (see :func:`resolve_url`), opened once per process and URL."""
    resolved = resolve_url(url)
    if resolved not in _OPEN:
        _OPEN[resolved] = Store(resolved)
    return _OPEN[resolved]
