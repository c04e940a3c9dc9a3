"""What every command shares: the one-line error parser, mapping and model flags, loading, progress.

Bad input prints one line ``error: ...`` on stderr and exits with code 2; there is never a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys

from ..data.dataset import Dataset, LoadOptions, load_dataset, prepare
from ..data.io import DEFAULT_MAX_MB
from ..data.measure import MEASURE_KINDS
from ..errors import ConfigError
from ..schema import FREQ_CODES, SHAPES, ColumnMapping

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1


class Parser(argparse.ArgumentParser):
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
    group.add_argument("--revenue", help="sales value column; without a price, price = value / quantity")
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
    parser.add_argument("--measure", choices=MEASURE_KINDS,
                        help="what the target measures: units or money (detected from its name and values)")
    parser.add_argument("--currency", default="", help="symbol shown before money amounts, e.g. $ (default none)")
    parser.add_argument("--max-mb", type=float, default=DEFAULT_MAX_MB, help="largest file to read, in MB")


def load_options(args: argparse.Namespace) -> LoadOptions:
    mapping: dict = {}
    for field in dataclasses.fields(ColumnMapping):  # every mapping field has its flag (same dest name)
        value = getattr(args, field.name)
        if value is None:
            continue
        if field.default == ():  # the repeatable column lists
            mapping[field.name] = [v for item in value for v in item.split(",") if v and v.lower() != "none"]
        else:
            mapping[field.name] = None if value.lower() == "none" else value
    return LoadOptions(mapping=mapping or None, shape=args.shape, freq=args.freq, date_format=args.date_format,
                       measure=args.measure, currency=args.currency)


def load_from_args(args: argparse.Namespace) -> Dataset:
    return load_dataset(args.data, load_options(args), max_mb=args.max_mb, sheet=args.sheet)


def add_model_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="model name, several joined by commas, or auto")
    parser.add_argument("--horizon", type=int, required=True, help="periods to forecast (H)")
    parser.add_argument("--param", action="append", default=[], metavar="[MODEL.]NAME=VALUE",
                        help="set a hyperparameter, e.g. gradient_boosting.max_iter=200 (repeat)")


def build_models(args: argparse.Namespace) -> list:
    """Models named by ``--model`` with ``--param`` hyperparameters applied."""
    from ..models.registry import available, get_model_for  # noqa: PLC0415

    names = [n.strip() for n in args.model.split(",") if n.strip()]
    if not names:
        raise ConfigError("--model names no model; see 'python -m forecasting models'")
    overrides: dict[str, dict[str, str]] = {}
    for item in args.param:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--param {item!r} is not NAME=VALUE")
        model, _, name = key.rpartition(".")
        overrides.setdefault(model, {})[name] = value
    registry = available()
    built = []
    for name in names:
        if name not in registry:
            raise ConfigError(f"unknown model {name!r}; choose one of {', '.join(registry)}")
        known = {p.name for p in registry[name].params}
        shared = {k: v for k, v in overrides.get("", {}).items() if k in known}  # unprefixed: where it applies
        params = {k: _parse_value(v) for k, v in {**shared, **overrides.get(name, {})}.items()}
        built.append(get_model_for(name, params, args.horizon))
    return built


def _parse_value(text: str):
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def prepared(args: argparse.Namespace):
    dataset = load_from_args(args)
    return dataset, prepare(dataset).frame


def json_number(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return None if number != number else round(number, 6)


def progress_printer():
    """Progress on stderr when a person is watching (a terminal), silent in pipes and CI."""
    if not sys.stderr.isatty():
        return None

    def report(share: float, message: str) -> None:
        print(f"\r[{share:4.0%}] {message[:70]:<70}", end="" if share < 1 else "\n", file=sys.stderr, flush=True)

    return report


def add_dask_flags(parser: argparse.ArgumentParser) -> None:
    """``--workers`` / ``--scheduler``: run the work over partitions of series on a Dask cluster."""
    group = parser.add_argument_group("Dask (work over partitions of series, for catalogues one process cannot hold)")
    where = group.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, help="start a local Dask cluster of N worker processes for this run")
    where.add_argument("--scheduler", metavar="ADDRESS", help="use a running Dask scheduler, e.g. tcp://10.0.0.5:8786")
    group.add_argument("--memory-limit", default="2GB", help="memory per local worker before it spills (default 2GB)")
    group.add_argument("--partitions", type=int,
                       help="groups of series (default: ~400,000 rows each, at least one per worker); "
                            "a global model is fitted once per partition")


def dask_settings(args: argparse.Namespace):
    """The Dask settings from the flags (``enabled`` is False when neither flag was given)."""
    from ..evaluation.distributed import DaskSettings  # noqa: PLC0415

    return DaskSettings(workers=getattr(args, "workers", None), scheduler=getattr(args, "scheduler", None),
                        memory_limit=getattr(args, "memory_limit", "2GB"), partitions=getattr(args, "partitions", None))
