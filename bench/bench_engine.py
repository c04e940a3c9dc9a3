"""Benchmark every model's backtest: accuracy (MASE, WAPE, coverage), seconds and peak memory.

Each (dataset, model) pair runs ``python -m forecasting backtest ... --json`` in
its own process, so the peak resident memory is that run's alone. Datasets:
the bundled sample (daily, horizon 28) and, when the workspace has them, the
shared public files (walmart weekly h13, stallion monthly h6, superstore weekly
per sub-category h12), all with 3 folds. Results go to ``bench/results/engine.md``.

Usage: python bench/bench_engine.py [--datasets sample,walmart] [--models auto,ets] [--folds 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results"

DATASETS = {
    "sample": (ROOT / "sample_data" / "sales.csv", ["--horizon", "28"]),
    "walmart": (SHARED / "walmart_dept_weekly.csv", ["--horizon", "13"]),
    "stallion": (SHARED / "stallion_beverages.parquet", ["--horizon", "6"]),
    "superstore": (SHARED / "superstore_orders.csv", ["--id", "Sub-Category", "--freq", "W", "--horizon", "12"]),
}
MODELS = ["seasonal_naive", "naive", "moving_average", "croston", "tsb", "ets", "sarimax", "ridge", "random_forest",
          "gradient_boosting", "mlp", "lstm", "transformer", "auto"]

# The child runs the CLI and reports its own peak memory; RUSAGE_SELF is per process.
CHILD = """
import json, resource, sys
from forecasting.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}),
      file=sys.stderr)
"""


def run(dataset: str, model: str, folds: int) -> dict:
    path, flags = DATASETS[dataset]
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "m.json"
        args = ["backtest", str(path), *flags, "--model", model, "--folds", str(folds), "--json", str(report)]
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, cwd=ROOT)
        wall = time.perf_counter() - started
        tail = done.stderr.strip().splitlines()
        usage = json.loads(tail[-1]) if tail and tail[-1].startswith("{") else {}
        if done.returncode != 0 or not report.exists():
            return {"dataset": dataset, "model": model, "error": (tail[-2] if len(tail) > 1 else done.stderr)[:200]}
        metrics = json.loads(report.read_text())["models"]
    row = metrics[model]
    baseline = metrics["seasonal_naive"]
    return {
        "dataset": dataset, "model": model, "mase": row["mase"], "wape": row["wape"],
        "coverage_80": row.get("coverage_80"), "coverage_95": row.get("coverage_95"),
        "gain": row.get("mase_gain_vs_seasonal_naive"), "seasonal_naive_mase": baseline["mase"],
        "seconds": wall, "model_seconds": row["seconds"], "max_rss_mb": usage.get("max_rss_mb"),
    }


def table(rows: list[dict]) -> str:
    lines = ["| dataset | model | MASE | vs seasonal naive | WAPE | cov 80 | cov 95 | seconds | peak MB |",
             "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['dataset']} | {r['model']} | error: {r['error']} | | | | | | |")
            continue
        lines.append(
            f"| {r['dataset']} | {r['model']} | {r['mase']:.3f} | {r['gain']:+.1%} | {r['wape']:.3f} | "
            f"{_pct(r['coverage_80'])} | {_pct(r['coverage_95'])} | {r['seconds']:.1f} | {r['max_rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def _pct(value) -> str:
    return f"{value:.0%}" if value is not None else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--out", default=str(RESULTS / "engine.md"))
    args = parser.parse_args()
    rows = []
    for dataset in args.datasets.split(","):
        if not DATASETS[dataset][0].exists():
            print(f"skip {dataset}: {DATASETS[dataset][0]} not found", file=sys.stderr)
            continue
        for model in args.models.split(","):
            row = run(dataset, model, args.folds)
            rows.append(row)
            print(table([row]).splitlines()[-1], flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    machine = "2 cores, 24 GiB, no GPU"
    text = f"# Engine benchmark\n\nBacktests with {args.folds} folds on {machine}; wall seconds include start-up.\n\n"
    Path(args.out).write_text(text + table(rows) + "\n")
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
