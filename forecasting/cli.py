"""Command line: ``python -m forecasting inspect|models|backtest|forecast ...``.

Bad input prints one line ``error: ...`` on stderr and exits with code 2;
there is never a traceback. Scripts and benchmarks rely on the output
columns and JSON keys documented in the README.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys

import pandas as pd

from .convert import future_drivers
from .dataset import Dataset, LoadOptions, load_dataset, prepare
from .errors import ConfigError, ForecastingError
from .export import with_id_columns
from .io import DEFAULT_MAX_MB, read_table
from .schema import FREQ_CODES, SHAPES, ColumnMapping

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

    models = commands.add_parser("models", help="list the forecasting models and their hyperparameters")
    models.add_argument("--json", action="store_true", help="print JSON instead of text")
    models.set_defaults(handler=run_models)

    backtest = commands.add_parser("backtest", help="score models on the last K windows of H periods")
    backtest.add_argument("data", help="sales file: CSV, Excel .xlsx or Parquet")
    add_mapping_flags(backtest)
    add_model_flags(backtest)
    backtest.add_argument("--folds", type=int, default=3, help="scored windows (default 3)")
    backtest.add_argument("--predictions", help="write every forecast of the scored windows to this CSV")
    backtest.add_argument("--json", dest="json_out", help="write per-model metrics and seconds to this JSON file")
    backtest.set_defaults(handler=run_backtest)

    forecast = commands.add_parser("forecast", help="fit on all the history and forecast H periods ahead")
    forecast.add_argument("data", help="sales file: CSV, Excel .xlsx or Parquet")
    add_mapping_flags(forecast)
    add_model_flags(forecast)
    forecast.add_argument("--future", help="planned drivers (price, promotion ...) for the forecast periods")
    forecast.add_argument("--out", help="write the forecast to this CSV (default: print it)")
    forecast.set_defaults(handler=run_forecast)

    from .recommend.cli import add_recommend_parser  # noqa: PLC0415 - the decisions' command lives with them

    add_recommend_parser(commands)
    return parser


def add_model_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True, help="model name, several joined by commas, or auto")
    parser.add_argument("--horizon", type=int, required=True, help="periods to forecast (H)")
    parser.add_argument("--param", action="append", default=[], metavar="[MODEL.]NAME=VALUE",
                        help="set a hyperparameter, e.g. gradient_boosting.max_iter=200 (repeat)")


def run_inspect(args: argparse.Namespace) -> int:
    summary = load_from_args(args).summary()
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        print(format_summary(summary))
    return 0


def run_models(args: argparse.Namespace) -> int:
    from .models import available  # noqa: PLC0415 - the registry imports every model family

    rows = [
        {"name": name, "label": cls.label, "family": cls.family, "uses_exog": cls.uses_exog, "global": cls.is_global,
         "requires": list(cls.requires), "native_intervals": cls.native_intervals,
         "params": {p.name: p.default for p in cls.params}, "description": cls.description}
        for name, cls in available().items()
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        params = ", ".join(f"{k}={v}" for k, v in row["params"].items()) or "-"
        drivers = "uses price/promotion/drivers" if row["uses_exog"] else "history only"
        print(f"{row['name']:<18} {row['family']:<17} {drivers:<30} {params}")
    return 0


def build_models(args: argparse.Namespace) -> list:
    """Models named by ``--model`` with ``--param`` hyperparameters applied."""
    from .models import available, get_model  # noqa: PLC0415

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
        if name == "auto":
            params.setdefault("horizon", args.horizon)
        built.append(get_model(name, **params))
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


def _prepared(args: argparse.Namespace):
    dataset = load_from_args(args)
    return dataset, prepare(dataset).frame


def run_backtest(args: argparse.Namespace) -> int:
    from .backtest import BacktestConfig, backtest  # noqa: PLC0415 - keeps inspect fast

    dataset, frame = _prepared(args)
    models = build_models(args)
    result = backtest(models, frame, dataset.freq, BacktestConfig(horizon=args.horizon, folds=args.folds),
                      progress=_progress_printer())
    board = result.leaderboard
    print(format_leaderboard(board, result.seconds))
    for model, notes in result.notes.items():
        for note in notes[:5]:
            print(f"note [{model}]: {note}", file=sys.stderr)
    if args.predictions:
        long_predictions(result.predictions, list(result.seconds), dataset).to_csv(args.predictions, index=False)
    if args.json_out:
        report = {
            "horizon": args.horizon, "folds": args.folds, "freq": dataset.freq,
            "n_series": int(frame["unique_id"].nunique()),
            "models": {row["model"]: {**{k: _json_number(v) for k, v in row.items() if k != "model"},
                                      "seconds": round(result.seconds[row["model"]], 3)}
                       for row in board.to_dict("records")},
            "notes": result.notes,
        }
        with open(args.json_out, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)
    return 0


def run_forecast(args: argparse.Namespace) -> int:
    from .forecast import make_forecast  # noqa: PLC0415

    dataset, frame = _prepared(args)
    models = build_models(args)
    if len(models) != 1:
        raise ConfigError("forecast takes one model (or auto); use backtest to compare several")
    future = None
    if args.future:
        future = future_drivers(read_table(args.future, max_mb=args.max_mb).frame, dataset.mapping,
                                date_format=args.date_format)
    result = make_forecast(models[0], frame, dataset.freq, args.horizon, future=future, progress=_progress_printer())
    for note in result.notes[:10]:
        print(f"note: {note}", file=sys.stderr)
    table = with_id_columns(result.forecast, dataset.mapping)
    if args.out:
        table.to_csv(args.out, index=False)
    else:
        print(table.to_csv(index=False), end="")
    return 0


def long_predictions(predictions, models: list[str], dataset: Dataset):
    """One row per series, window, period and model: the ``--predictions`` CSV."""
    from .forecast import output_names  # noqa: PLC0415

    pieces = []
    for model in models:
        columns = output_names(model, (80, 95))
        present = {k: v for k, v in columns.items() if k in predictions.columns}
        piece = predictions[["unique_id", "ds", "cutoff", "y", *present]].rename(columns=present)
        pieces.append(piece.assign(model=model))
    table = pd.concat(pieces, ignore_index=True)
    order = ["unique_id", "ds", "cutoff", "y", "model", "yhat", "yhat_lo_80", "yhat_hi_80", "yhat_lo_95", "yhat_hi_95"]
    return with_id_columns(table[[c for c in order if c in table.columns]], dataset.mapping)


def format_leaderboard(board, seconds: dict[str, float]) -> str:
    lines = [f"{'model':<20}{'MASE':>8}{'WAPE':>8}{'bias':>8}{'cov80':>7}{'cov95':>7}{'vs s.naive':>12}{'seconds':>9}"]
    for row in board.to_dict("records"):
        lines.append(
            f"{row['model']:<20}{row['mase']:>8.3f}{row['wape']:>8.3f}{row['bias']:>+8.3f}"
            f"{row.get('coverage_80', float('nan')):>7.2f}{row.get('coverage_95', float('nan')):>7.2f}"
            f"{row.get('mase_gain_vs_seasonal_naive', float('nan')):>+12.1%}{seconds.get(row['model'], 0):>9.1f}"
        )
    return "\n".join(lines)


def _json_number(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return None if number != number else round(number, 6)


def _progress_printer():
    """Progress on stderr when a person is watching (a terminal), silent in pipes and CI."""
    if not sys.stderr.isatty():
        return None

    def report(share: float, message: str) -> None:
        print(f"\r[{share:4.0%}] {message[:70]:<70}", end="" if share < 1 else "\n", file=sys.stderr, flush=True)

    return report


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
