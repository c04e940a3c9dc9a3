"""Command line: ``python -m forecasting inspect DATA [mapping flags] [--json]``.

Bad input prints one line ``error: ...`` on stderr and exits with code 2;
there is never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys

from .dataset import Dataset, LoadOptions, load_dataset
from .errors import ForecastingError
from .io import DEFAULT_MAX_MB
from .schema import FREQ_CODES, SHAPES

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line, like every other error."""

    def error(self, message: str) -> None:  # noqa: D102 - argparse hook
        print(f"error: {message}; see '{self.prog} --help'", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def add_mapping_flags(parser: argparse.ArgumentParser) -> None:
    """Flags every data command shares: which column is which, shape and frequency."""
    group = parser.add_argument_group("column mapping (detected when not given; 'none' clears a field)")
    group.add_argument("--date", help="date column")
    group.add_argument("--target", help="column with the quantity to forecast")
    group.add_argument("--id", dest="ids", action="append", help="id column (repeat for several)")
    group.add_argument("--price", help="price column")
    group.add_argument("--promo", help="promotion flag or discount column")
    group.add_argument("--category", help="category column")
    group.add_argument("--stock", help="stock-on-hand column")
    group.add_argument("--driver", dest="drivers", action="append",
                       help="other known-in-advance column, e.g. a holiday flag (repeat for several)")
    group.add_argument("--series", action="append", help="wide shape: a column holding one series (repeat)")
    parser.add_argument("--shape", choices=SHAPES, help="panel, order_lines or wide (detected when not given)")
    parser.add_argument("--freq", choices=FREQ_CODES, help="resample to daily, weekly or monthly periods")
    parser.add_argument("--date-format", help="strptime format of the dates, e.g. %%d/%%m/%%Y")
    parser.add_argument("--sheet", help="Excel sheet to read")
    parser.add_argument("--max-mb", type=float, default=DEFAULT_MAX_MB, help="largest file to read, in MB")


def load_options(args: argparse.Namespace) -> LoadOptions:
    mapping: dict = {}
    for field in ("date", "target", "price", "promo", "category", "stock"):
        value = getattr(args, field)
        if value is not None:
            mapping[field] = None if value.lower() == "none" else value
    for field in ("ids", "drivers", "series"):
        values = getattr(args, field)
        if values is not None:
            mapping[field] = [v for value in values for v in value.split(",") if v and v.lower() != "none"]
    return LoadOptions(mapping=mapping or None, shape=args.shape, freq=args.freq, date_format=args.date_format)


def load_from_args(args: argparse.Namespace) -> Dataset:
    return load_dataset(args.data, load_options(args), max_mb=args.max_mb, sheet=args.sheet)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m forecasting", description="Demand forecasting studio: command line.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    inspect = commands.add_parser("inspect", help="show the detected mapping, shape, frequency and quality report")
    inspect.add_argument("data", help="sales file: CSV, Excel .xlsx or Parquet")
    add_mapping_flags(inspect)
    inspect.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    inspect.set_defaults(handler=run_inspect)
    return parser


def run_inspect(args: argparse.Namespace) -> int:
    summary = load_from_args(args).summary()
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        print(format_summary(summary))
    return 0


def format_summary(summary: dict) -> str:
    """Human-readable inspect report."""
    mapping = {k: v for k, v in summary["mapping"].items() if v not in (None, [], ())}
    lines = [f"{summary['file']}: {summary['n_rows']:,} rows read ({summary['read']['kind']})", "", "Column mapping:"]
    lines += [f"  {field:<9} {', '.join(v) if isinstance(v, list) else v}" for field, v in mapping.items()]
    lines += [
        "",
        f"Shape:      {summary['shape']}",
        f"Series:     {summary['n_series']:,}",
        f"Periods:    {summary['start']} .. {summary['end']} ({summary['freq']}, {summary['n_periods_rows']:,} rows)",
        f"Target sum: {summary['target_total']:,.2f}",
        "",
        "Quality report:" if summary["issues"] else "Quality report: nothing to report.",
    ]
    lines += [f"  [{i['severity']}] {i['kind']}: {i['message']}" for i in summary["issues"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except ForecastingError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not bad input: still one line, never a traceback
        print(f"error: unexpected {type(exc).__name__}: {exc}; please report this with the file", file=sys.stderr)
        return EXIT_INTERNAL
