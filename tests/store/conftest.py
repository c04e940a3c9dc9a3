"""A real PostgreSQL for the store tests: Debian's server binaries, a throw-away cluster on a free port.

``make test`` installs the ``postgresql`` package the way it installs Chromium;
where the binaries are absent the PostgreSQL tests are skipped with a message
saying so. The server runs as the ``postgres`` user when the tests run as root
(PostgreSQL refuses to run as root).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest


def _server_binaries() -> Path:
    """``$FORECASTING_PG_BIN``, else the newest Debian ``/usr/lib/postgresql/<version>/bin``."""
    if os.environ.get("FORECASTING_PG_BIN"):
        return Path(os.environ["FORECASTING_PG_BIN"])
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name) if
                   p.parent.name.isdigit() else 0)
    return found[-1] if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _server_binaries()


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
def postgres_url():
    """``postgresql+psycopg://...`` of a fresh server, stopped after the session.

    The cluster lives in its own folder under the system temp folder (not pytest's, which another pytest
    session may close to other users while this one runs), and is stopped by signalling its postmaster.
    """
    initdb, pg_ctl = PG_BIN / "initdb", PG_BIN / "pg_ctl"
    if not (initdb.exists() and pg_ctl.exists()):
        pytest.skip(f"PostgreSQL server binaries not found in {PG_BIN}: install Debian's postgresql package "
                    "(make postgresql) to run the PostgreSQL store tests")
    root = Path(tempfile.mkdtemp(prefix="forecasting-pg-"))
    data, sockets = root / "data", root / "sock"
    sockets.mkdir()
    os.chmod(root, 0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sockets, "postgres")
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
        _stop(data)
        shutil.rmtree(root, ignore_errors=True)


def _stop(data: Path) -> None:
    """Fast shutdown (SIGINT to the postmaster, whose pid heads postmaster.pid), waiting up to 30 s."""
    try:
        pid = int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return
    try:
        os.kill(pid, signal.SIGINT)
        for _ in range(300):
            os.kill(pid, 0)
            time.sleep(0.1)
    except ProcessLookupError:
        return


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
