"""Catalogue scale (issue #12): ``forecast --horizon 28`` on N generated daily series x 2 years.

Each measurement runs in its own process, started through a small wrapper that
waits for it and reads ``resource.getrusage(RUSAGE_CHILDREN)``: the wall time
and the peak resident memory of the largest process of the run. On a
LocalCluster the command holds the whole table, so the wrapper also polls
every process of the run (psutil) for the command's and each worker's peak. Peers (mlforecast + LightGBM,
statsforecast AutoETS) run in the same session from a separate virtual
environment when it has them (``--peers-python``); they are bench-only and
never a project dependency.

Run::

    python bench/bench_scale.py --sizes 500 2000 --out bench/results/scale.json
    python bench/bench_scale.py --table                                # the results as a Markdown table
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
FAMILIES = ("gradient_boosting", "ridge", "ets")
PEERS = ("mlforecast", "mlforecast_intervals", "statsforecast_autoets")
HORIZON = 28

PEER_SCRIPT = r'''
import sys, time
import numpy as np
import pandas as pd
path, which = sys.argv[1], sys.argv[2]
df = pd.read_parquet(path)[["unique_id", "ds", "y", "price", "promo"]]
last = df.groupby("unique_id").tail(1)
future = pd.concat([last.assign(ds=last["ds"] + pd.Timedelta(days=k), promo=0.0) for k in range(1, 29)])
future = future.drop(columns="y").sort_values(["unique_id", "ds"]).reset_index(drop=True)
if which.startswith("mlforecast"):
    import lightgbm as lgb
    from mlforecast import MLForecast
    from mlforecast.lag_transforms import ExponentiallyWeightedMean, RollingMean
    from mlforecast.utils import PredictionIntervals
    fcst = MLForecast(
        models={"lgbm": lgb.LGBMRegressor(n_estimators=200, learning_rate=0.05, verbosity=-1)},
        freq="D", lags=[1, 7, 14, 28],
        lag_transforms={1: [RollingMean(7), RollingMean(28), ExponentiallyWeightedMean(0.5),
                            ExponentiallyWeightedMean(0.1)], 7: [RollingMean(7)]},
        date_features=["dayofweek", "month", "dayofyear", "day"],
    )
    intervals = PredictionIntervals(n_windows=2, h=28) if which == "mlforecast_intervals" else None
    fcst.fit(df, static_features=[], prediction_intervals=intervals)
    out = fcst.predict(28, X_df=future, level=[80, 95] if intervals else None)
else:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS
    sf = StatsForecast(models=[AutoETS(season_length=7)], freq="D", n_jobs=-1)
    out = sf.forecast(df=df[["unique_id", "ds", "y"]], h=28, level=[80, 95])
print(len(out), file=sys.stderr)
'''


def measure(command: list[str], env: dict | None = None) -> dict:
    """Run ``command`` through a wrapper process: its wall time, the peak RSS of its largest process, and (polled
    every 0.5 s with psutil, which ``dask.distributed`` brings) the peaks of the command and of each worker."""
    wrapper = ("import json, resource, subprocess, sys, time\n"
               "import psutil\n"
               "start = time.perf_counter()\n"
               "child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
               "me, peaks = psutil.Process(child.pid), {}\n"
               "while child.poll() is None:\n"
               "    try:\n"
               "        for p in [me, *me.children(recursive=True)]:\n"
               "            peaks[p.pid] = max(peaks.get(p.pid, 0), p.memory_info().rss)\n"
               "    except psutil.Error:\n"
               "        pass\n"
               "    time.sleep(0.5)\n"
               "wall = time.perf_counter() - start\n"
               "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
               "others = sorted((round(v / 2**20) for k, v in peaks.items() if k != child.pid and v > 100 * 2**20),\n"
               "                reverse=True)\n"
               "print(json.dumps({'code': child.returncode, 'seconds': round(wall, 1), 'peak_mb': round(peak),\n"
               "                  'command_peak_mb': round(peaks.get(child.pid, 0) / 2**20), 'worker_peak_mb': others}))\n")
    done = subprocess.run([sys.executable, "-c", wrapper, *command], capture_output=True, text=True, env=env,
                          cwd=ROOT, check=False)
    lines = done.stdout.strip().splitlines()
    if not lines:
        return {"code": -1, "seconds": None, "peak_mb": None, "error": done.stderr[-500:]}
    result = json.loads(lines[-1])
    if result["code"] != 0:
        result["error"] = done.stderr[-500:]
    return result


def our_command(data: Path, model: str, workers: int | None, out: Path) -> list[str]:
    command = [sys.executable, "-m", "forecasting", "forecast", str(data), "--model", model,
               "--horizon", str(HORIZON), "--out", str(out)]
    return command + (["--workers", str(workers), "--memory-limit", "2GB"] if workers else [])


def run(args) -> None:
    sys.path.insert(0, str(HERE))
    from scale_data import panel_file  # noqa: PLC0415

    results = json.loads(args.out.read_text()) if args.out.is_file() else []
    done = {(r["series"], r["tool"], r["mode"]) for r in results if r.get("code") == 0}
    peers = args.peers_python if args.peers_python and Path(args.peers_python).is_file() else None
    script = args.data / "peer.py"
    args.data.mkdir(parents=True, exist_ok=True)
    script.write_text(PEER_SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for n in args.sizes:
        data = panel_file(n, args.data)
        plan = [(f, "in-process", our_command(data, f, None, args.data / "out.csv")) for f in args.families]
        plan += [(f, "LocalCluster 2 workers", our_command(data, f, 2, args.data / "out.csv"))
                 for f in args.families if args.cluster]
        if peers:
            plan += [(tool, "in-process", [peers, str(script), str(data), tool])
                     for tool in args.peers]
        # What the targets compare first (LightGBM against mlforecast), the slow statistical runs last.
        order = ["gradient_boosting", "mlforecast_intervals", "mlforecast", "ridge", "ets", "statsforecast_autoets"]
        plan.sort(key=lambda item: (order.index(item[0]) if item[0] in order else len(order), item[1] != "in-process"))
        for tool, mode, command in plan:
            if (n, tool, mode) in done:
                continue
            print(f"{n:>6} series  {tool:<24} {mode:<24}", end=" ", flush=True)
            result = {"series": n, "rows": n * 730, "tool": tool, "mode": mode, **measure(command, env),
                      "load_before": round(os.getloadavg()[0], 1), "when": time.strftime("%H:%M")}
            print(result["seconds"], "s", result["peak_mb"], "MB", result.get("error", "")[-200:], flush=True)
            results = [r for r in results if (r["series"], r["tool"], r["mode"]) != (n, tool, mode)] + [result]
            args.out.write_text(json.dumps(results, indent=1))


def table(results: list[dict]) -> str:
    """Markdown rows: one per size, tool and mode, with the ratio to mlforecast of the same size (with and
    without its conformal 80/95 intervals)."""
    lines = ["| series | rows | tool | where | wall s | peak MB (largest process) | workers' peak MB | x mlforecast | "
             "x mlforecast with 80/95 | load avg before |",
             "|---:|---:|---|---|---:|---:|---:|---:|---:|---:|"]

    def ratio(r, peer_name):
        peer = next((p for p in results if p["series"] == r["series"] and p["tool"] == peer_name
                     and p.get("code") == 0), None)
        return f"{r['seconds'] / peer['seconds']:.1f}" if peer and r.get("code") == 0 else ""

    for r in sorted(results, key=lambda r: (r["series"], r["mode"] != "in-process", r["tool"])):
        wall = r["seconds"] if r.get("code") == 0 else f"failed ({r.get('error', '')[-60:]!r})"
        workers = " / ".join(map(str, r.get("worker_peak_mb") or [])) if "Local" in r["mode"] else ""
        lines.append(f"| {r['series']:,} | {r['rows']:,} | {r['tool']} | {r['mode']} | {wall} | {r['peak_mb']} "
                     f"| {workers} | {ratio(r, 'mlforecast')} | {ratio(r, 'mlforecast_intervals')} | {r.get('load_before', '')} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 2000, 10000])
    parser.add_argument("--families", nargs="+", default=list(FAMILIES))
    parser.add_argument("--no-cluster", dest="cluster", action="store_false")
    parser.add_argument("--peers", nargs="*", default=list(PEERS), choices=PEERS, help="peer tools to run (none: --peers)")
    parser.add_argument("--peers-python", default="/tmp/peers/bin/python",
                        help="python of a venv with mlforecast, statsforecast and lightgbm (bench-only)")
    parser.add_argument("--data", type=Path, default=Path("/tmp/scale"), help="where generated panels are kept")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "scale.json")
    parser.add_argument("--table", action="store_true", help="print the results in --out as a Markdown table")
    args = parser.parse_args()
    if args.table:
        print(table(json.loads(args.out.read_text())))
        return
    run(args)


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
