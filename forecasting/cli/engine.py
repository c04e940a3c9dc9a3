"""``backtest`` (score models on the last K windows) and ``forecast`` (fit on all the history, forecast H ahead)."""

from __future__ import annotations

import argparse
import json
import sys

import pandas as pd

from ..data.convert import future_drivers
from ..data.dataset import Dataset
from ..data.export import check_writable, csv_text, plan_for_upload, with_id_columns, write_csv
from ..data.io import read_table
from ..errors import ConfigError
from .common import (
    add_dask_flags,
    add_mapping_flags,
    add_model_flags,
    build_models,
    dask_settings,
    json_number,
    prepared,
    progress_printer,
)
from .launches import add_launch_flags, check_launch_files, launch_rows, with_launches


def add_parsers(commands) -> None:
    """Register ``backtest`` and ``forecast``."""
    backtest = commands.add_parser("backtest", help="score models on the last K windows of H periods")
    backtest.add_argument("data", help="sales file: CSV, Excel .xlsx or Parquet")
    add_mapping_flags(backtest)
    add_model_flags(backtest)
    backtest.add_argument("--folds", type=int, default=3, help="scored windows (default 3)")
    backtest.add_argument("--predictions", help="write every forecast of the scored windows to this CSV")
    backtest.add_argument("--json", dest="json_out", help="write per-model metrics and seconds to this JSON file")
    add_dask_flags(backtest)
    backtest.set_defaults(handler=run_backtest)

    forecast = commands.add_parser("forecast", help="fit on all the history and forecast H periods ahead")
    forecast.add_argument("data", help="sales file: CSV, Excel .xlsx or Parquet")
    add_mapping_flags(forecast)
    add_model_flags(forecast)
    forecast.add_argument("--future", help="planned drivers (price, promotion ...) for the forecast periods")
    forecast.add_argument("--out", help="write the forecast to this CSV (default: print it)")
    forecast.add_argument("--save-plan", help="write the future plan the forecast assumes (prices, promotions ...) "
                                              "to this CSV; edit it and give it back with --future")
    add_launch_flags(forecast)
    add_dask_flags(forecast)
    forecast.set_defaults(handler=run_forecast)


def run_backtest(args: argparse.Namespace) -> int:
    from ..evaluation.backtest import BacktestConfig, backtest  # noqa: PLC0415 - keeps inspect fast

    check_writable(args.predictions)  # before any work: a typo must not cost a training
    check_writable(args.json_out)
    dataset, frame = prepared(args)
    models = build_models(args)
    config = BacktestConfig(horizon=args.horizon, folds=args.folds)
    settings = dask_settings(args)
    if settings.enabled:
        result = _on_cluster(settings, frame, "partitioned_backtest", models, frame, dataset.freq, config,
                             progress=progress_printer())
    else:
        result = backtest(models, frame, dataset.freq, config, progress=progress_printer())
    board = result.leaderboard
    print(format_leaderboard(board, result.seconds))
    for model, notes in result.notes.items():
        for note in notes[:5]:
            print(f"note [{model}]: {note}", file=sys.stderr)
    if args.predictions:
        table = long_predictions(result.predictions, list(result.seconds), dataset, config.levels)
        write_csv(table, args.predictions)
    if args.json_out:
        report = {
            "horizon": args.horizon, "folds": args.folds, "freq": dataset.freq,
            "n_series": int(frame["unique_id"].nunique()),
            "models": {row["model"]: {**{k: json_number(v) for k, v in row.items() if k != "model"},
                                      "seconds": round(result.seconds[row["model"]], 3)}
                       for row in board.to_dict("records")},
            "notes": result.notes,
        }
        with open(args.json_out, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)
    return 0


def run_forecast(args: argparse.Namespace) -> int:
    from ..evaluation.forecast import make_forecast  # noqa: PLC0415

    check_writable(args.out)
    check_writable(args.save_plan)
    check_launch_files(args)
    dataset, frame = prepared(args)
    # New SKUs first: a bad new-products file must not cost a training.
    launches = launch_rows(args, dataset, frame) if args.new_products else None
    models = build_models(args)
    if len(models) != 1:
        raise ConfigError("forecast takes one model (or auto); use backtest to compare several")
    future = None
    if args.future:
        future = future_drivers(read_table(args.future, max_mb=args.max_mb).frame, dataset.mapping,
                                date_format=args.date_format)
    settings = dask_settings(args)
    if settings.enabled:
        result = _on_cluster(settings, frame, "partitioned_forecast", models[0], frame, dataset.freq, args.horizon,
                             future=future, progress=progress_printer())
    else:
        result = make_forecast(models[0], frame, dataset.freq, args.horizon, future=future,
                               progress=progress_printer())
    for note in result.notes[:10]:
        print(f"note: {note}", file=sys.stderr)
    forecast = result.forecast
    if launches is not None:  # new SKUs' launch forecasts below the series' forecasts, same columns
        forecast = with_launches(forecast, launches)
    table = with_id_columns(forecast, dataset.mapping)
    if args.save_plan:
        if result.plan is None:
            print("note: the data has no drivers (price, promotion ...), so there is no plan to save", file=sys.stderr)
        else:
            write_csv(plan_for_upload(result.plan, dataset.mapping), args.save_plan)
    if args.out:
        write_csv(table, args.out)
    else:
        print(csv_text(table), end="")
    return 0


def _on_cluster(settings, frame, function: str, *args, **kwargs):
    """Run ``evaluation.distributed.<function>`` on the cluster the flags name (a local one is started and stopped)."""
    from ..evaluation import distributed  # noqa: PLC0415 - dask loads only when asked for

    return distributed.on_cluster(settings, getattr(distributed, function), frame, *args, **kwargs)


def long_predictions(predictions, models: list[str], dataset: Dataset, levels: tuple[int, ...]):
    """One row per series, window, period and model: the ``--predictions`` CSV."""
    from ..evaluation.forecast import output_names  # noqa: PLC0415

    pieces = []
    for model in models:
        columns = output_names(model, levels)
        present = {k: v for k, v in columns.items() if k in predictions.columns}
        piece = predictions[["unique_id", "ds", "cutoff", "y", *present]].rename(columns=present)
        pieces.append(piece.assign(model=model))
    table = pd.concat(pieces, ignore_index=True)
    order = ["unique_id", "ds", "cutoff", "y", "model", *output_names("", levels).values()]
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
