"""Benchmark: how fast, and within how much memory, each hostile file of issue #10 is refused (or read).

Usage (from the repository root)::

    python bench/bench_hostile.py            # the full-size bombs of the issue
    python bench/bench_hostile.py --quick    # smaller files, for a smoke run

Each file comes from ``tests/data/hostile_corpus.py`` (the corpus the tests use), is
written to a temporary folder, and is given to ``python -m forecasting inspect`` in
a fresh process, so the memory is that run's own: the child reports the seconds
spent in the command (imports excluded) and its peak resident memory
(``VmHWM`` from ``/proc/self/status``, which unlike ``ru_maxrss`` does not carry
the parent's peak across ``fork``; imports included, a bare ``inspect`` of a tiny file is the
first row for reference). The table goes to stdout and ``bench/results/hostile.md``.
This is a report, not a test.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"

CHILD = """
import json, resource, sys, time, io, contextlib
from forecasting.cli import main
err = io.StringIO()
start = time.perf_counter()
with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
seconds = time.perf_counter() - start
try:  # VmHWM belongs to this program's memory; ru_maxrss would include the parent's at fork time
    status = open("/proc/self/status").read()
    peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
except (OSError, IndexError):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"code": code, "seconds": seconds, "peak_mb": peak, "stderr": err.getvalue()}))
"""


def cases(quick: bool) -> list[tuple[str, str, object, list[str], str]]:
    """(file name, attack, builder, extra flags, issue's observation before the fix)."""
    from tests.data import hostile_corpus as corpus  # noqa: PLC0415

    return [
        ("tiny.csv", "reference: a 3-series, 30-day file", lambda: corpus.sales_csv(["A", "B", "C"], days=30), [], "-"),
        ("far_cell.xlsx", "one cell at XFD1048576, with its `<dimension>`", corpus.far_cell_xlsx, [],
         "grew past 7 GB (137 GB uncapped)"),
        ("far_cell_no_dimension.xlsx", "the same, `<dimension>` removed",
         lambda: corpus.far_cell_xlsx(with_dimension=False), [], "-"),
        ("inflating.xlsx", f"sheet padded to {5 if quick else 200} MB of whitespace",
         lambda: corpus.inflating_xlsx(5 if quick else 200), [], "-"),
        ("laughs.xlsx", "billion laughs (entity expansion) in the sheet", corpus.entity_bomb_xlsx, [],
         "exit 1, unexpected error"),
        ("laughs_hidden.xlsx", "billion laughs behind a 64 KB comment", lambda: corpus.entity_bomb_xlsx(hidden=True),
         [], "-"),
        ("rows.parquet", f"{2 if quick else 20} M rows of one value",
         lambda: corpus.many_rows_parquet(2_000_000 if quick else 20_000_000),
         ["--max-rows", "1e6"] if quick else [], "20 M rows, 2.95 GB"),
        ("nested.parquet", "list and struct columns", corpus.nested_parquet, [], "stack trace in the browser"),
        ("huge.csv", "targets of 1e308", corpus.huge_target_csv, [], "51 lines of numpy warnings, exit 1"),
        ("ids_1m.csv", f"{100_000 if quick else 1_000_000:,} distinct ids (over the series cap)",
         lambda: corpus.many_ids_csv(100_000 if quick else 1_000_000, days=1),
         ["--max-series", "50000"] if quick else [], "did not finish in 120 s"),
        ("wide.csv", f"{2_000 if quick else 10_000:,} columns x 200 rows (accepted: wide table)",
         lambda: corpus.wide_csv(2_000 if quick else 10_000, rows=200), [], "almost 6 minutes"),
        ("ids_100k.csv", f"{10_000 if quick else 100_000:,} ids x 10 days (accepted)",
         lambda: corpus.many_ids_csv(10_000 if quick else 100_000, days=10), [], "43 s in `inspect`"),
    ]


def measure(path: Path, flags: list[str]) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, "inspect", str(path), *flags], capture_output=True,
                          text=True, cwd=ROOT, timeout=900)
    if done.returncode != 0 or not done.stdout.strip():
        return {"code": done.returncode, "seconds": float("nan"), "peak_mb": float("nan"),
                "stderr": (done.stderr.strip().splitlines() or ["crashed"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller files")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, attack, build, flags, before in cases(args.quick):
            path = Path(folder) / name
            path.write_bytes(build())
            result = measure(path, flags)
            message = result["stderr"].strip().splitlines()
            outcome = "read" if result["code"] == 0 else f"exit {result['code']}: " + (message[0] if message else "")
            rows.append((name, attack, path.stat().st_size, " ".join(flags), result, outcome, before))
            print(f"{name:<28} {result['seconds']:8.2f} s {result['peak_mb']:8.0f} MB  {outcome[:110]}", flush=True)
    write(rows, args.quick)


def write(rows, quick: bool) -> None:
    lines = [
        "# Hostile files: time and memory to refuse them (issue #10)",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.machine()}, Python {platform.python_version()}, "
        f"{'quick sizes' if quick else 'the full sizes of the issue'}; `python bench/bench_hostile.py"
        f"{' --quick' if quick else ''}`. Each file is given to `python -m forecasting inspect` in a fresh "
        "process under the default limits (flags as listed). Seconds: inside the command, imports excluded. "
        "Peak: the process's max RSS, imports included (the first row is the baseline). The machine was shared "
        "with other jobs, so seconds are indicative.",
        "",
        "| file | attack | size | flags | seconds | peak MB | outcome | before the fix (issue) |",
        "|---|---|---:|---|---:|---:|---|---|",
    ]
    for name, attack, size, flags, result, outcome, before in rows:
        shown = outcome.replace("|", "\\|")
        shown = shown if len(shown) <= 150 else shown[:150] + " ..."
        lines.append(f"| {name} | {attack} | {_size(size)} | {flags or '-'} | {result['seconds']:.2f} | "
                     f"{result['peak_mb']:.0f} | {shown} | {before} |")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "hostile.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.1f} KB"


if __name__ == "__main__":
    main()
