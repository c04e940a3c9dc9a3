"""``python -m forecasting.synthetic [OUT_FOLDER]``: regenerate the sample data files."""

from __future__ import annotations

import argparse
import time

from .generator import SyntheticConfig, generate, write_sample


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m forecasting.synthetic [OUT_FOLDER]``."""
    parser = argparse.ArgumentParser(description="Regenerate the synthetic sample data files.")
    parser.add_argument("folder", nargs="?", default="sample_data", help="output folder (default: sample_data)")
    parser.add_argument("--seed", type=int, default=SyntheticConfig.seed, help="random seed (default: 7)")
    parser.add_argument("--clean", action="store_true", help="do not inject duplicates, gaps, outliers, blanks")
    parser.add_argument("--skus", type=int, default=SyntheticConfig.n_skus, help="number of SKUs (default 48)")
    parser.add_argument("--launches", action="store_true",
                        help="new products: size words in the names carry the demand level, ~40%% of SKUs launch "
                             "inside the span (for cold-start tests and benchmarks)")
    args = parser.parse_args(argv)
    began = time.perf_counter()
    data = generate(SyntheticConfig(n_skus=args.skus, seed=args.seed, dirty=not args.clean, launches=args.launches))
    write_sample(data, args.folder)
    print(
        f"wrote {len(data.sales)} sales rows, {len(data.products)} products and {len(data.orders)} "
        f"order lines to {args.folder} in {time.perf_counter() - began:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
