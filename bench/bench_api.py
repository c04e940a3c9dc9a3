"""Load test of the forecast API on 127.0.0.1: latency percentiles of a warm 10-series request.

Usage (from the repository root)::

    python bench/bench_api.py                      # 500 requests, 8 at a time
    python bench/bench_api.py --requests 2000 --concurrency 16

It trains ridge on the bundled sample (horizon 14, 2 backtest windows) into a
throw-away store with ``python -m forecasting train``, starts ``python -m
forecasting serve`` on a free port, warms it up, then sends a bounded load of
``POST /runs/sample/forecast`` for 10 series (default plan: the champion's saved
forecast) from ``--concurrency`` client threads, each with its own
keep-alive connection, and records every request's wall time. A second, smaller
load (one at a time by default) sends what-if plans (new prices and promotions for the 10 series), which
the server answers with the run's model refitted once and kept in memory.
The markdown table is printed and written to ``bench/results/api.md``.
Target: p95 under 100 ms for the warm 10-series request. This is a report, not a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SAMPLE = ROOT / "sample_data" / "sales.csv"
KEY = "bench-key"
TARGET_P95_MS = 100.0
SERIES = [f"SKU-{i:03d}" for i in range(1, 11)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def load(base: str, body: dict, requests: int, concurrency: int) -> tuple[list[float], float, int]:
    """Wall times (ms) of ``requests`` POSTs sent by ``concurrency`` threads; total seconds; failures."""
    per_worker = [requests // concurrency + (1 if i < requests % concurrency else 0) for i in range(concurrency)]

    def worker(count: int) -> tuple[list[float], int]:
        times, failed = [], 0
        with httpx.Client(base_url=base, headers={"X-API-Key": KEY}, timeout=60) as client:
            for _ in range(count):
                started = time.perf_counter()
                response = client.post("/runs/sample/forecast", json=body)
                times.append(1000 * (time.perf_counter() - started))
                failed += response.status_code != 200
        return times, failed

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        done = list(pool.map(worker, per_worker))
    seconds = time.perf_counter() - started
    return [t for times, _ in done for t in times], seconds, sum(f for _, f in done)


def row(label: str, times: list[float], seconds: float, failed: int, concurrency: int) -> str:
    return (f"| {label} | {len(times)} | {concurrency} | {percentile(times, 0.5):.1f} | {percentile(times, 0.95):.1f} "
            f"| {percentile(times, 0.99):.1f} | {max(times):.1f} | {len(times) / seconds:.0f} | {failed} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--what-if-requests", type=int, default=20)
    parser.add_argument("--what-if-concurrency", type=int, default=1)
    args = parser.parse_args()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FORECASTING_API_KEY": KEY}
    with tempfile.TemporaryDirectory() as folder:
        store = str(Path(folder) / "studio.db")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "forecasting", "train", str(SAMPLE), "--model", "ridge", "--horizon",
                        "14", "--folds", "2", "--name", "sample", "--store", store], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        train_seconds = time.perf_counter() - started
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "forecasting", "serve", "--store", store, "--port",
                                   str(port), "--no-warm"], cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(600):
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            default = {"unique_ids": SERIES}
            plan = {"unique_ids": SERIES, "future": [
                {"unique_id": uid, "ds": f"2026-01-{day:02d}", "price": 9.99, "promo": 1.0}
                for uid in SERIES for day in range(1, 8)]}
            started = time.perf_counter()
            first = httpx.post(f"{base}/runs/sample/forecast", json=plan, headers={"X-API-Key": KEY}, timeout=300)
            refit_seconds = time.perf_counter() - started
            assert first.status_code == 200, first.text
            assert len(first.json()["forecast"]) == 10 * 14
            load(base, default, 40, args.concurrency)  # warm-up: connections, caches
            times, seconds, failed = load(base, default, args.requests, args.concurrency)
            what_if, what_if_seconds, what_if_failed = load(base, plan, args.what_if_requests,
                                                             args.what_if_concurrency)
        finally:
            server.terminate()
            server.wait(timeout=30)
    p95 = percentile(times, 0.95)
    lines = [
        "# Forecast API latency",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, {os.cpu_count()} CPU(s) "
        f"(shared with other jobs), Python {platform.python_version()}: `python bench/bench_api.py "
        f"--requests {args.requests} --concurrency {args.concurrency}`.",
        "",
        "Run `sample`: ridge trained on the bundled sample (48 daily series, horizon 14, 2 windows) in "
        f"{train_seconds:.0f} s by `python -m forecasting train`; server `python -m forecasting serve` (uvicorn, "
        "one process) on 127.0.0.1; each client thread keeps one connection. Times are per request, client side.",
        "",
        "| request | requests | concurrent | p50 ms | p95 ms | p99 ms | max ms | requests/s | failed |",
        "|---|---|---|---|---|---|---|---|---|",
        row("10 series, default plan (warm)", times, seconds, failed, args.concurrency),
        row("10 series, what-if plan (warm)", what_if, what_if_seconds, what_if_failed, args.what_if_concurrency),
        "",
        f"Target: p95 under {TARGET_P95_MS:.0f} ms for the warm 10-series request: "
        f"**{'met' if p95 < TARGET_P95_MS else 'missed'}** ({p95:.1f} ms). The first what-if request after a start "
        f"refits the run's model from the store and checks it against the saved forecast: {refit_seconds:.1f} s, "
        "once per run version and server process (measured with `--no-warm`; by default `serve` does this for "
        "every champion in the background at start-up). A what-if is a new prediction by the model (ridge forecasts "
        f"recursively, 14 steps, for all 48 series, then the 10 are kept): median {statistics.median(what_if):.0f} ms "
        "one at a time; its cost is the model's predict, so concurrent what-ifs share the CPUs.",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "api.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
