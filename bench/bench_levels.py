"""Coherent levels: backtest MASE per level before and after reconciliation, per dataset and model.

For each dataset and model: train (backtest + fit), then reconcile the levels
(``forecasting.analysis.reconcile``) and report the mean MASE at each level of
each level's own model ("base"), the summed series (bottom-up), the total split by
last year's shares (top-down) and MinT with shrinkage, and the method chosen.
Datasets: the bundled sample (daily, h28) and, when the workspace has them,
Walmart (weekly, h13; series and total) and Superstore by sub-category and
category (weekly, h12). Results go to ``bench/results/levels.md``.

Usage: python bench/bench_levels.py [--datasets sample,walmart,superstore] [--models ridge,gradient_boosting]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from any folder
    sys.path.insert(0, str(ROOT))

from forecasting.analysis.reconcile import reconcile_run  # noqa: E402
from forecasting.data.dataset import LoadOptions, load_dataset, prepare  # noqa: E402
from forecasting.evaluation.training import TrainingSpec, train  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
RESULTS = ROOT / "bench" / "results"

DATASETS = {
    "sample": (ROOT / "sample_data" / "sales.csv", LoadOptions(), 28),
    "walmart": (SHARED / "walmart_dept_weekly.csv", LoadOptions(), 13),
    "superstore": (SHARED / "superstore_orders.csv",
                   LoadOptions(mapping={"ids": ["Sub-Category"], "category": "Category"}, freq="W"), 12),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--models", default="ridge,gradient_boosting")
    parser.add_argument("--folds", type=int, default=3)
    args = parser.parse_args()
    lines = ["# Coherent levels: backtest MASE per level", "",
             f"`python bench/bench_levels.py --datasets {args.datasets} --models {args.models} --folds {args.folds}`", "",
             "| dataset | model | level | own model (base) | bottom-up | top-down | MinT shrink | chosen | seconds |",
             "|---|---|---|---:|---:|---:|---:|---|---:|"]
    for name in args.datasets.split(","):
        path, options, horizon = DATASETS[name]
        if not path.exists():
            print(f"skip {name}: {path} not found")
            continue
        dataset = load_dataset(path, options)
        frame = prepare(dataset).frame
        for model in args.models.split(","):
            started = time.perf_counter()
            run = train(TrainingSpec(model, horizon, folds=args.folds), frame, dataset.freq)
            result = reconcile_run(run, frame)
            seconds = time.perf_counter() - started
            for row in result.scores.to_dict("records"):
                cells = " | ".join(f"{row.get(m, float('nan')):.3f}" for m in
                                   ("base", "bottom_up", "top_down", "mint_shrink"))
                lines.append(f"| {name} | {model} | {row['level']} | {cells} | {result.method} | {seconds:.0f} |")
                print(lines[-1], flush=True)
    lines += ["", "MASE: mean over the level's nodes and the scored windows (lower is better). *base*: the model "
              "fitted on that level's own series (for the series level, the model itself); bottom-up is what the "
              "studio showed before reconciliation. The chosen method has the lowest mean over the levels."]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "levels.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
