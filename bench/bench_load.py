"""Benchmark of the data layer on a large daily panel: time and peak memory per stage.

Usage (from the repository root)::

    python bench/bench_load.py              # 1,000,000 rows: 1,000 SKUs x 1,000 days
    python bench/bench_load.py --rows 200000
    python bench/bench_load.py --no-tracemalloc

It writes a realistic CSV (columns date, sku, category, units, price, promo,
with a few dirty rows: exact duplicates, empty units, outliers and missing
days), then measures each stage in a fresh Python process so that the max RSS
is that stage's own:

* ``read_table``: bytes -> raw table (encoding, delimiter, header, pandas parser);
* ``build_dataset``: the rest of ``load_dataset``: map, convert, validate and
  the quality report (its input, the raw table, is unpickled first);
* ``prepare``: cleaning (its input, the dataset, is unpickled first);
* ``total``: ``load_dataset`` + ``prepare`` from the CSV in one process.

Memory is the process's max RSS (``resource.getrusage``) and, in a second
run of the stage, the ``tracemalloc`` peak of the Python allocations made
during the stage (numpy buffers are counted, Arrow string buffers are not).
The markdown table is printed and written to ``bench/results/load.md``.
Target: total under 10 s and under 2 GB. This is a report, not a test.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"
DAYS = 1_000
CATEGORIES = ("Electronics", "Home & Kitchen", "Beauty", "Toys", "Grocery", "Office", "Garden", "Sports")
TARGET_SECONDS = 10.0
TARGET_MB = 2048.0
STAGES = ("read_table", "build_dataset", "prepare", "total")
STAGE_WHAT = {
    "read_table": "read the CSV into the raw table",
    "build_dataset": "map + convert + validate + quality report",
    "prepare": "cleaning (duplicates, gaps, outliers, missing values)",
    "total": "`load_dataset` + `prepare`, from the CSV, one process",
}


# --- data -----------------------------------------------------------------------------------


def make_panel(rows: int, seed: int = 11):
    """A daily sales panel of about ``rows`` rows, with its dirty rows counted in ``defects``."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n_days = min(DAYS, rows)
    n_skus = math.ceil(rows / n_days)
    days = pd.date_range("2022-01-01", periods=n_days, freq="D")
    sku_ids = np.array([f"SKU-{i:05d}" for i in range(n_skus)])
    base_level = rng.gamma(2.0, 6.0, n_skus)
    base_price = rng.uniform(2.0, 120.0, n_skus).round(2)
    category = rng.choice(np.array(CATEGORIES), n_skus)

    n = n_skus * n_days
    sku_index = np.repeat(np.arange(n_skus), n_days)
    day_index = np.tile(np.arange(n_days), n_skus)
    weekday = days.day_of_week.to_numpy()[day_index]
    promo = (rng.random(n) < 0.05).astype("int8")
    season = 1 + 0.25 * np.sin(2 * np.pi * day_index / 365.25) + np.where(weekday >= 5, 0.3, 0.0)
    mu = base_level[sku_index] * season * np.where(promo == 1, 1.8, 1.0)
    units = rng.poisson(mu).astype("float64")
    price = (base_price[sku_index] * np.where(promo == 1, 0.8, 1.0)).round(2)

    frame = pd.DataFrame({
        "date": days.strftime("%Y-%m-%d").to_numpy()[day_index],
        "sku": sku_ids[sku_index],
        "category": category[sku_index],
        "units": units,
        "price": price,
        "promo": promo,
    })
    inner = np.flatnonzero((day_index > 0) & (day_index < n_days - 1))
    picks = rng.permutation(inner)
    n_gaps, n_missing, n_outliers = n // 5_000, n // 10_000, n // 20_000
    gaps = picks[:n_gaps]
    missing = picks[n_gaps : n_gaps + n_missing]
    outliers = picks[n_gaps + n_missing : n_gaps + n_missing + n_outliers]
    frame.loc[missing, "units"] = np.nan
    frame.loc[outliers, "units"] = (frame.loc[outliers, "units"] + 5) * 25
    frame.loc[outliers, "promo"] = 0
    frame = frame.drop(index=gaps)
    duplicates = frame.sample(n=max(1, n // 10_000), random_state=seed)
    frame = pd.concat([frame, duplicates]).sort_index(kind="stable").reset_index(drop=True)
    defects = {"gaps": len(gaps), "missing_units": len(missing), "outliers": len(outliers),
               "duplicates": len(duplicates)}
    return frame, {"rows": len(frame), "skus": n_skus, "days": n_days, **defects}


def write_panel(path: Path, rows: int) -> dict:
    """Write the panel CSV; return its facts and the library versions (run in a child process)."""
    import numpy as np
    import pandas as pd

    started = time.perf_counter()
    frame, facts = make_panel(rows)
    frame.to_csv(path, index=False, float_format="%.10g")
    facts["mb"] = path.stat().st_size / 1024 / 1024
    facts["units_total"] = float(frame["units"].sum())
    facts["seconds"] = time.perf_counter() - started
    facts["versions"] = f"Python {platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}"
    return facts


# --- one stage, in this process ----------------------------------------------------------------


def _max_rss_mb() -> float:
    """Peak resident set size of this process so far, in MB.

    Linux keeps ``ru_maxrss`` across ``exec``, so a child inherits its parent's
    peak: the parent of the stages therefore never loads pandas or the data.
    """
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024 if sys.platform != "darwin" else kb / 1024 / 1024


def _vm_hwm_mb() -> float | None:
    """Linux ``VmHWM``: the peak RSS of this process image only (not inherited), as a cross-check."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def run_stage(stage: str, data: Path, work: Path, trace: bool) -> dict:
    """Run one stage after loading its input; return time, RSS and, with ``trace``, the tracemalloc peak."""
    from forecasting.data.dataset import build_dataset, load_dataset, prepare
    from forecasting.data.io import read_table

    raw_pickle, dataset_pickle = work / "raw.pkl.tmp", work / "dataset.pkl.tmp"
    if stage == "read_table":
        def job():
            return read_table(data)
    elif stage == "build_dataset":
        with raw_pickle.open("rb") as f:
            raw = pickle.load(f)

        def job():
            return build_dataset(raw)
    elif stage == "prepare":
        with dataset_pickle.open("rb") as f:
            dataset = pickle.load(f)

        def job():
            return prepare(dataset)
    else:
        def job():
            loaded = load_dataset(data)
            return loaded, prepare(loaded)

    rss_before = _max_rss_mb()
    if trace:
        tracemalloc.start()
    start = time.perf_counter()
    result = job()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 1024 / 1024 if trace else None
    if trace:
        tracemalloc.stop()
    out = {"stage": stage, "seconds": seconds, "rss_before_mb": rss_before, "max_rss_mb": _max_rss_mb(),
           "vm_hwm_mb": _vm_hwm_mb(), "tracemalloc_peak_mb": peak}
    if not trace:
        if stage == "read_table":
            with raw_pickle.open("wb") as f:
                pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
        elif stage == "build_dataset":
            with dataset_pickle.open("wb") as f:
                pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
        elif stage == "total":
            loaded, cleaned = result
            summary = loaded.summary()
            out["facts"] = {
                "n_rows": summary["n_rows"],
                "n_series": summary["n_series"],
                "target_total": summary["target_total"],
                "shape": summary["shape"],
                "freq": summary["freq"],
                "issues": {i["kind"]: i["count"] for i in summary["issues"]},
                "cleaning": {i.kind: i.count for i in cleaned.summary},
                "cleaned_rows": len(cleaned.frame),
            }
    return out


def spawn_stage(stage: str, data: Path, work: Path, trace: bool = False, rows: int = 0) -> dict:
    """Run a stage (or ``generate``) in a fresh interpreter and return what it prints as JSON."""
    command = [sys.executable, str(Path(__file__).resolve()), "--stage", stage, "--data", str(data),
               "--work", str(work), "--rows", str(rows)]
    if trace:
        command.append("--trace")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"stage {stage} failed (exit {done.returncode}):\n{done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- report ---------------------------------------------------------------------------------------


def markdown(facts: dict, results: dict[str, dict], traced: dict[str, dict] | None) -> str:
    total = results["total"]
    summary = total["facts"]
    lines = [
        "# Data-layer benchmark: a daily panel CSV through read, load and prepare",
        "",
        f"Generated by `python bench/bench_load.py --rows {facts['requested']}` on "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPU(s), {facts['versions']}.",
        "",
        f"Input: {facts['rows']:,} rows ({facts['skus']:,} SKUs x {facts['days']:,} days, {facts['mb']:.1f} MB CSV; "
        f"columns date, sku, category, units, price, promo), with {facts['duplicates']:,} duplicate rows, "
        f"{facts['missing_units']:,} empty units, {facts['outliers']:,} outliers and {facts['gaps']:,} missing days.",
        "",
        "Each stage runs in a fresh process after loading its input (the previous stage's output, pickled), so "
        "max RSS is that process's peak: interpreter + libraries + input + the stage's work. "
        "*RSS before* is the peak just before the stage starts (interpreter, libraries and input). *VmHWM* is "
        "Linux's own peak-RSS counter for the process, a cross-check of max RSS. The tracemalloc peak comes from a second run of "
        "the stage with tracing on: the Python allocations made during the stage (numpy buffers are counted, "
        "Arrow string buffers are not). Times are from the untraced run.",
        "",
        "| stage | what | time (s) | max RSS (MB) | RSS before stage (MB) | VmHWM (MB) | tracemalloc peak (MB) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for stage in STAGES:
        r = results[stage]
        peak = f"{traced[stage]['tracemalloc_peak_mb']:,.0f}" if traced else "not measured"
        name = f"**{stage}**" if stage == "total" else f"`{stage}`"
        hwm = f"{r['vm_hwm_mb']:,.0f}" if r.get("vm_hwm_mb") is not None else "n/a"
        lines.append(f"| {name} | {STAGE_WHAT[stage]} | {r['seconds']:.2f} | {r['max_rss_mb']:,.0f} | "
                     f"{r['rss_before_mb']:,.0f} | {hwm} | {peak} |")
    stage_sum = sum(results[s]["seconds"] for s in STAGES[:-1])
    met_time = total["seconds"] < TARGET_SECONDS
    met_memory = total["max_rss_mb"] < TARGET_MB
    lines += [
        "",
        f"Sum of the three stages: {stage_sum:.2f} s. Target for the total: under {TARGET_SECONDS:.0f} s "
        f"({'met' if met_time else 'NOT met'}: {total['seconds']:.2f} s) and under {TARGET_MB / 1024:.0f} GB "
        f"({'met' if met_memory else 'NOT met'}: {total['max_rss_mb']:,.0f} MB max RSS).",
        "",
        f"What the load found: {summary['n_rows']:,} rows, {summary['n_series']:,} series, shape {summary['shape']}, "
        f"frequency {summary['freq']}, target total {summary['target_total']:,.0f} "
        f"(CSV units total {facts['units_total']:,.0f}); issues "
        + (", ".join(f"{k} {v:,}" for k, v in summary["issues"].items()) or "none")
        + ". Cleaning: "
        + (", ".join(f"{k} {v:,}" for k, v in summary["cleaning"].items()) or "nothing")
        + f"; {summary['cleaned_rows']:,} rows after cleaning.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the generated panel (default 1,000,000)")
    parser.add_argument("--out", type=Path, default=RESULTS / "load.md", help="markdown report to write")
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the second, traced run of each stage")
    parser.add_argument("--keep", action="store_true", help="keep the generated CSV and pickles")
    parser.add_argument("--stage", choices=("generate", *STAGES), help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.stage == "generate":  # child process: write the CSV, print its facts
        print(json.dumps(write_panel(args.data, args.rows)))
        return 0
    if args.stage:  # child process: one stage, one JSON line on stdout
        print(json.dumps(run_stage(args.stage, args.data, args.work, args.trace)))
        return 0

    if args.rows < 3:
        parser.error("--rows must be at least 3")
    RESULTS.mkdir(parents=True, exist_ok=True)
    data = RESULTS / f"panel_{args.rows}.csv.tmp"
    print(f"writing {args.rows:,} rows to {data.relative_to(ROOT)} ...", file=sys.stderr)
    facts = {"requested": args.rows, **spawn_stage("generate", data, RESULTS, rows=args.rows)}
    print(f"  {facts['mb']:.1f} MB in {facts['seconds']:.1f} s", file=sys.stderr)

    results: dict[str, dict] = {}
    traced: dict[str, dict] | None = None if args.no_tracemalloc else {}
    try:
        for stage in STAGES:
            print(f"stage {stage} ...", file=sys.stderr)
            results[stage] = spawn_stage(stage, data, RESULTS)
            print(f"  {results[stage]['seconds']:.2f} s, max RSS {results[stage]['max_rss_mb']:,.0f} MB",
                  file=sys.stderr)
            if traced is not None:
                traced[stage] = spawn_stage(stage, data, RESULTS, trace=True)
                print(f"  tracemalloc peak {traced[stage]['tracemalloc_peak_mb']:,.0f} MB", file=sys.stderr)
    finally:
        if not args.keep:
            for path in (data, RESULTS / "raw.pkl.tmp", RESULTS / "dataset.pkl.tmp"):
                path.unlink(missing_ok=True)

    report = markdown(facts, results, traced)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
