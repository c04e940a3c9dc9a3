"""Benchmark ``backtest --model auto`` on the shared public datasets: wall and CPU seconds, peak memory, MASE.

Each dataset runs ``python -m forecasting backtest DATA ... --model auto --folds 3 --json`` in its own
process (start-up included, as a user sees it), from this checkout or from another one given with
``--root`` (e.g. the code before a change, for a before/after table in the same session). CPU seconds
(user + system of the child) vary less than wall seconds on a shared machine, so both are reported,
with the 1-minute load average before each run.

Usage: python bench/bench_auto.py [--datasets walmart,superstore,stallion] [--root PATH] [--label after]
       [--out bench/results/auto.json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
if not SHARED.exists():
    SHARED = Path("/work/shared/data")
RESULTS = ROOT / "bench" / "results"

# The shared data README's suggested tasks (ids detected, as the README's recipes do).
DATASETS = {
    "walmart": ("walmart_dept_weekly.csv", ["--horizon", "13"]),
    "superstore": ("superstore_orders.csv", ["--id", "Sub-Category", "--freq", "W", "--horizon", "12"]),
    "stallion": ("stallion_beverages.parquet", ["--horizon", "6"]),
}
CHILD = """
import json, resource, sys
from forecasting.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}),
      file=sys.stderr)
"""


def command(dataset: str, report: Path) -> list[str]:
    name, flags = DATASETS[dataset]
    return ["backtest", str(SHARED / name), *flags, "--model", "auto", "--folds", "3", "--json", str(report)]


def run(dataset: str, root: Path, label: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "m.json"
        load = os.getloadavg()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", CHILD, *command(dataset, report)], capture_output=True,
                              text=True, cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        tail = done.stderr.strip().splitlines()
        usage = json.loads(tail[-1]) if tail and tail[-1].startswith("{") else {}
        if done.returncode != 0 or not report.exists():
            return {"dataset": dataset, "label": label, "error": done.stderr[-300:]}
        models = json.loads(report.read_text())["models"]
    return {
        "dataset": dataset, "label": label, "root": str(root), "load": round(load, 2),
        "wall_s": round(wall, 2), "cpu_s": round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 2),
        "peak_mb": round(usage.get("max_rss_mb", 0)), "auto_seconds": models["auto"]["seconds"],
        "mase": {name: row["mase"] for name, row in models.items()},
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--root", default=str(ROOT), help="checkout whose forecasting package runs")
    parser.add_argument("--label", default="after")
    parser.add_argument("--out", default=str(RESULTS / "auto.json"), help="JSON lines, appended")
    args = parser.parse_args()
    for dataset in args.datasets.split(","):
        if not (SHARED / DATASETS[dataset][0]).exists():
            print(f"skip {dataset}: not in {SHARED}", file=sys.stderr)
            continue
        row = run(dataset, Path(args.root), args.label)
        print(json.dumps(row), flush=True)
        with open(args.out, "a") as out:
            out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
