"""``forecast ... --new-products FILE``: launch forecasts of SKUs with no sales yet, appended to the forecast."""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from ..analysis.launches import LaunchConfig, forecast_launches, products_from_sales, read_new_products
from ..analysis.launches.text import text_columns
from ..data.dataset import Dataset
from ..data.export import check_writable, write_csv
from ..data.io import read_table
from ..errors import MappingError
from ..recommend.products import detect_product_columns
from ..schema import UID


def add_launch_flags(parser: argparse.ArgumentParser) -> None:
    """``--new-products``, ``--products`` and ``--neighbours`` on the forecast command."""
    group = parser.add_argument_group("new products (cold start: forecast from the names of similar products)")
    group.add_argument("--new-products", metavar="FILE",
                       help="CSV of new SKUs: an id and a name or description; optional category, price, launch "
                            "date; their forecasts are added to the output")
    group.add_argument("--products", metavar="FILE",
                       help="names of the existing products (sku, name, description ...) when the sales file "
                            "has none")
    group.add_argument("--neighbours", metavar="FILE", help="write each new SKU's similar products to this CSV")


def check_launch_files(args: argparse.Namespace) -> None:
    """Before any work: an output that cannot be written, or a flag without --new-products."""
    check_writable(getattr(args, "neighbours", None))
    for flag in ("neighbours", "products"):
        if getattr(args, flag, None) and not args.new_products:
            raise MappingError(f"--{flag} needs --new-products FILE (the new SKUs to forecast)")


def existing_products(args: argparse.Namespace, dataset: Dataset) -> pd.DataFrame:
    """Text of the existing products: the ``--products`` file, else the sales file's name columns."""
    if args.products:
        raw = read_table(args.products, max_mb=args.max_mb).frame
        found = detect_product_columns(raw)
        if not found.get(UID):
            raise MappingError(f"the products file {args.products} has no id column",
                               fix="add a column called sku or id")
        return raw.rename(columns={found[UID]: UID})
    products = products_from_sales(dataset.raw.frame, dataset.mapping.ids, category=dataset.mapping.category)
    if not ({"name", "description"} & set(text_columns(products.drop(columns=[UID])))):
        raise MappingError("the sales file has no product names to compare the new products with",
                           fix="give --products FILE with an id and a name column")
    return products


def launch_rows(args: argparse.Namespace, dataset: Dataset, frame: pd.DataFrame) -> pd.DataFrame:
    """The new products' launch forecast (same columns as the forecast); notes on stderr."""
    new = read_new_products(args.new_products, max_mb=args.max_mb)
    result = forecast_launches(frame, dataset.freq, existing_products(args, dataset), new,
                               LaunchConfig(horizon=args.horizon))
    for note in result.notes:
        print(f"note [new products]: {note}", file=sys.stderr)
    if args.neighbours:
        write_csv(result.neighbours, args.neighbours)
    return result.forecast


def with_launches(forecast: pd.DataFrame, launches: pd.DataFrame) -> pd.DataFrame:
    """The forecast with the launch rows below it; a new SKU that has sold a few periods keeps only its launch
    forecast (a model fitted on a few periods knows less than its similar products)."""
    replaced = sorted(set(launches[UID]) & set(forecast[UID]))
    if replaced:
        print(f"note [new products]: the launch forecast replaces the model's for {len(replaced)} series that "
              f"started selling recently: {', '.join(replaced[:3])}", file=sys.stderr)
    return pd.concat([forecast[~forecast[UID].isin(replaced)], launches], ignore_index=True)
