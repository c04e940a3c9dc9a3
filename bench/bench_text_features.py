"""Do product-text embedding components help the global models as static features? (issue #14, use b)

Usage (from the repository root)::

    python bench/bench_text_features.py

Backtests ``ridge`` and ``gradient_boosting`` (horizon 13, 3 windows, weekly) on the bundled sample and on
a generated shop whose names carry the demand level (``SyntheticConfig(n_skus=200, launches=True)``), once
as they are and once with the first 4 SVD components of each product's text embedding added as constant
columns (the backtest feeds known-in-advance columns with their actual values, so constant columns are
exactly static features there). The markdown table is printed and written to
``bench/results/text_features.md``. This is a measurement to decide whether to build the option.
"""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from forecasting.analysis.launches import embed_products, product_texts  # noqa: E402
from forecasting.data.dataset import LoadOptions, load_dataset, prepare  # noqa: E402
from forecasting.evaluation.backtest import BacktestConfig, backtest  # noqa: E402
from forecasting.models.registry import get_model  # noqa: E402
from forecasting.schema import UID  # noqa: E402
from forecasting.synthetic import SyntheticConfig, generate  # noqa: E402

COMPONENTS = 4
MODELS = ("ridge", "gradient_boosting")


def sample():
    dataset = load_dataset(ROOT / "sample_data" / "sales.csv", LoadOptions(mapping={"ids": ["sku"]}, freq="W"))
    products = pd.read_csv(ROOT / "sample_data" / "products.csv").rename(columns={"sku": UID})
    return "bundled sample (48 SKUs)", prepare(dataset).frame, dataset.freq, products


def generated():
    data = generate(SyntheticConfig(n_skus=200, launches=True, seed=7))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "sales.csv"
        data.sales.to_csv(path, index=False)
        dataset = load_dataset(path, LoadOptions(mapping={"ids": ["sku"]}, freq="W"))
        frame = prepare(dataset).frame
    return "generated shop (200 SKUs, launches=True)", frame, dataset.freq, data.products.rename(columns={"sku": UID})


def with_text(frame: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    embedding = embed_products(product_texts(products))
    table = pd.DataFrame(embedding.vectors[:, :COMPONENTS], index=list(embedding.ids),
                         columns=[f"text_{i + 1}" for i in range(COMPONENTS)])
    return frame.join(table, on=UID)


def verdict(scores: dict) -> list[str]:
    """Whether the text components lowered MASE for every model on every dataset (the bar to keep them)."""
    pairs = {(d, m) for d, m, _ in scores}
    better = sorted(f"{m} on {d}" for d, m in pairs if scores[(d, m, "with text components")] < scores[(d, m, "without")])
    keep = len(better) == len(pairs)
    return [f"MASE lower with text components for {len(better)} of {len(pairs)} model x data pairs"
            + (f" ({', '.join(better)})" if better else "") + ".",
            "Decision: " + ("keep them as an option." if keep else
                            "not built as an option: the change is within noise and not consistent. The global "
                            "models already see each series' own level (series_level), which is what the words "
                            "would tell them about a series with history; text matters for series without "
                            "history, which the launch forecast (analysis.launches) covers.")]


def main() -> int:
    rows, scores = [], {}
    for name, frame, freq, products in (sample(), generated()):
        for label, data in (("without", frame), ("with text components", with_text(frame, products))):
            result = backtest([get_model(m) for m in MODELS], data, freq, BacktestConfig(horizon=13, folds=3))
            board = result.leaderboard.set_index("model")
            for model in MODELS:
                scores[(name, model, label)] = board.loc[model, "mase"]
                rows.append(f"| {name} | {model} | {label} | {board.loc[model, 'mase']:.3f} | "
                            f"{board.loc[model, 'wape']:.3f} |")
            print(rows[-2], rows[-1], sep="\n", file=sys.stderr)
    text = "\n".join([
        "# Text embedding components as static features of the global models",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, command: `python bench/bench_text_features.py` "
        f"(weekly, horizon 13, 3 backtest windows, first {COMPONENTS} SVD components of the product text).",
        "",
        "| data | model | text features | MASE | WAPE |",
        "|---|---|---|---:|---:|",
        *rows,
        "",
        *verdict(scores),
    ]) + "\n"
    print(text)
    (ROOT / "bench" / "results" / "text_features.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
