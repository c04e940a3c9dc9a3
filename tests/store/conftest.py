"""A real PostgreSQL for the store tests: Debian's server binaries, a throw-away cluster on a free port.

``make test`` installs the ``postgresql`` package the way it installs Chromium;
where the binaries are absent the PostgreSQL tests are skipped with a message
saying so. The server runs as the ``postgres`` user when the tests run as root
(PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

PG_BIN = Path(os.environ.get("FORECASTING_PG_BIN", "/usr/lib/postgresql/15/bin"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _as_postgres(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    runuser = shutil.which("runuser")
    return [runuser, "-u", "postgres", "--", *command] if runuser else ["su", "postgres", "-c", " ".join(command)]


@pytest.fixture(scope="session")
def postgres_url(tmp_path_factory):
    """``postgresql+psycopg://...`` of a fresh server, stopped after the session."""
    initdb, pg_ctl = PG_BIN / "initdb", PG_BIN / "pg_ctl"
    if not (initdb.exists() and pg_ctl.exists()):
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN}: install Debian's postgresql package "
                    "(make postgresql) to run the PostgreSQL store tests")
    root = tmp_path_factory.mktemp("pg")
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
        os.chmod(root.parent, 0o755)
        os.chmod(root.parent.parent, 0o755)
    subprocess.run(_as_postgres([str(initdb), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync",
                                 "-E", "UTF8"]), check=True, capture_output=True)
    port = free_port()
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(_as_postgres([str(pg_ctl), "-D", str(data), "-o", options, "-l", str(root / "log"), "-w",
                                 "start"]), check=True, capture_output=True)
    try:
        import psycopg  # noqa: PLC0415

        with psycopg.connect(f"host=127.0.0.1 port={port} user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute("CREATE DATABASE studio")
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/studio"
    finally:
        subprocess.run(_as_postgres([str(pg_ctl), "-D", str(data), "-m", "fast", "-w", "stop"]), capture_output=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """A new, empty store on each backend: an SQLite file, or a fresh database on the test server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'studio.db'}"
    base = request.getfixturevalue("postgres_url")
    import psycopg  # noqa: PLC0415

    name = f"t{os.getpid()}_{abs(hash(request.node.nodeid)) % 10**8}"
    admin = base.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return base.rsplit("/", 1)[0] + f"/{name}"
