"""Promotion what-ifs against the generator's truth: the uplift of 20% off for one week, per SKU.

The bundled sample's ground truth gives every SKU's price elasticity and promotion
lift, so the true uplift of a week at 20% off is ``0.8 ** elasticity * lift - 1``.
For each frequency and model: train (backtest + fit), plan that week for every SKU
(``recommend.promotions.plan_promotions`` with the history's elasticities, as the
CLI and the Promotions page do) and report the median relative error of the model's
own uplift, of the history's estimate, and of the reconciled answer the user sees,
with the model's median signed error (negative = the response is diluted).
Results go to ``bench/results/whatif.md``.

Usage: python bench/bench_whatif.py [--models auto,ridge,gradient_boosting] [--freqs D,W]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from any folder
    sys.path.insert(0, str(ROOT))

from forecasting.data.dataset import LoadOptions, load_dataset, prepare  # noqa: E402
from forecasting.evaluation.training import TrainingSpec, train  # noqa: E402
from forecasting.recommend.elasticity import estimate_elasticities  # noqa: E402
from forecasting.recommend.promotions import plan_promotions  # noqa: E402
from forecasting.schema import UID  # noqa: E402

SAMPLE = ROOT / "sample_data"
RESULTS = ROOT / "bench" / "results"
HORIZON = {"D": 28, "W": 13}


def measure(freq: str, model: str) -> dict:
    truth_file = json.loads((SAMPLE / "ground_truth.json").read_text())["skus"]
    dataset = load_dataset(SAMPLE / "sales.csv", LoadOptions(freq=None if freq == "D" else freq))
    frame = prepare(dataset).frame
    started = time.perf_counter()
    run = train(TrainingSpec(model, horizon=HORIZON[freq], folds=2), frame, dataset.freq)
    elasticities = estimate_elasticities(frame, dataset.freq)
    first = run.forecast["ds"].min()
    skus = sorted(frame[UID].unique())
    plan = pd.DataFrame({UID: skus, "start": first + pd.Timedelta(days=7), "end": first + pd.Timedelta(days=13),
                         "discount": 20})
    out = plan_promotions(frame, dataset.freq, run, plan, elasticities=elasticities).set_index(UID)
    truth = pd.Series({s: 100 * (0.8 ** truth_file[s]["elasticity"] * truth_file[s]["promo_lift"] - 1) for s in skus})
    history = 100 * (0.8 ** elasticities.per_series.set_index(UID)["elasticity"]
                     * elasticities.per_series.set_index(UID)["promo_lift"] - 1)

    def error(values: pd.Series) -> float:
        return float(((values.reindex(truth.index) - truth).abs() / truth).median())

    return {"freq": freq, "model": model, "model_error": error(out["model_uplift_pct"]),
            "model_signed": float(((out["model_uplift_pct"] - truth) / truth).median()),
            "history_error": error(history), "answer_error": error(out["uplift_pct"]),
            "model_kept": int(out["uplift_source"].str.startswith("model").sum()), "skus": len(skus),
            "seconds": time.perf_counter() - started}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="auto,ridge,gradient_boosting")
    parser.add_argument("--freqs", default="D,W")
    args = parser.parse_args()
    rows = [measure(freq, model) for freq in args.freqs.split(",") for model in args.models.split(",")]
    lines = ["| data | model | model's uplift: median rel. error | model's median signed error | history's estimate "
             "| answer shown (reconciled) | model's answer kept | s |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        name = {"D": "sample, daily (h 28)", "W": "sample, weekly (h 13)"}[r["freq"]]
        lines.append(f"| {name} | {r['model']} | {r['model_error']:.1%} | {r['model_signed']:+.1%} | "
                     f"{r['history_error']:.1%} | **{r['answer_error']:.1%}** | {r['model_kept']} of {r['skus']} | "
                     f"{r['seconds']:.0f} |")
    table = "\n".join(lines)
    print(table)
    (RESULTS / "whatif.md").write_text(
        "# Promotion what-ifs against the truth (issue #11, item 2)\n\n"
        f"`python bench/bench_whatif.py --models {args.models} --freqs {args.freqs}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. One week at 20% off for every SKU of the bundled "
        "sample, in the first full week of the horizon; truth = `0.8 ** elasticity * lift - 1` from "
        "`sample_data/ground_truth.json`. Target: median relative error of the answer at most 25%.\n\n"
        + table + "\n")


if __name__ == "__main__":
    main()
