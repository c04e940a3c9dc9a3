"""Start the app's server and a headless Chromium for the browser test and the app benchmark.

Chromium is Debian's (``make test`` installs it), driven through Playwright's
Python package; Playwright's own browser download is never used.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).parents[2]
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def app_server(timeout: float = 60) -> Iterator[tuple[str, float, int]]:
    """Run ``streamlit run app.py`` on a free port; yields (url, seconds until the server answered, its pid)."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
               "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"]
    started = time.perf_counter()
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              env={**os.environ, "PYTHONUNBUFFERED": "1"})
    url = f"http://127.0.0.1:{port}"
    try:
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the app server exited: {server.stdout.read()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.perf_counter() - started > timeout:
                raise RuntimeError(f"the app server did not answer within {timeout:.0f} s")
            time.sleep(0.1)
        yield url, time.perf_counter() - started, server.pid
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@contextlib.contextmanager
def browser_page(width: int = 1400, height: int = 1000):
    """A Playwright page in headless Debian Chromium."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    path = chromium_path()
    if path is None:
        raise RuntimeError("Chromium is not installed: run `make test` (it installs Debian's chromium) "
                           "or `apt-get install chromium`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()


IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def wait_until_idle(page, timeout: float = 120_000) -> None:
    """Wait until Streamlit has finished running the script and stays so for half a second (no rerun follows)."""
    for _ in range(3):
        page.wait_for_selector(IDLE, timeout=timeout)
        page.wait_for_timeout(250)
    page.wait_for_selector(IDLE, timeout=timeout)


def open_page(page, title: str, timeout: float = 60_000) -> float:
    """Click a page in the sidebar navigation; return the seconds until its script first finished, then settle."""
    started = time.perf_counter()
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
    page.get_by_role("heading", name=title).first.wait_for(timeout=timeout)
    page.wait_for_selector(IDLE, timeout=timeout)
    seconds = time.perf_counter() - started
    wait_until_idle(page, timeout)
    return seconds
