"""``train`` (backtest, fit and save a run), ``runs`` (list saved runs), ``retrain`` (challenger vs champion)
and ``serve`` (the forecast API), all on the workspace store (``--store``, else ``$FORECASTING_STORE``, else
``studio.db`` in the working folder)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..errors import ConfigError
from .common import (
    add_dask_flags,
    add_mapping_flags,
    add_model_flags,
    build_models,
    dask_settings,
    load_options,
    prepared,
    progress_printer,
)

STORE_HELP = "database: a file name or URL (default $FORECASTING_STORE, else studio.db here)"


def add_parsers(commands) -> None:
    """Register ``train``, ``runs``, ``retrain`` and ``serve``."""
    train = commands.add_parser("train", help="backtest, fit and save a run (with its forecast) in the store")
    train.add_argument("data", help="sales file: CSV, Excel .xlsx or Parquet")
    add_mapping_flags(train)
    add_model_flags(train)
    train.add_argument("--folds", type=int, default=3, help="scored windows (default 3)")
    train.add_argument("--future", help="planned drivers (price, promotion ...) for the forecast periods")
    train.add_argument("--name", required=True, help="run name; a new version when the name exists")
    train.add_argument("--store", help=STORE_HELP)
    train.add_argument("--user", help="who trained it (default $FORECASTING_USER, else the login name)")
    add_dask_flags(train)
    train.set_defaults(handler=run_train)

    runs = commands.add_parser("runs", help="list the saved runs")
    runs.add_argument("--store", help=STORE_HELP)
    runs.add_argument("--json", action="store_true", help="print a JSON list instead of a table")
    runs.add_argument("--all", action="store_true", help="include archived runs")
    runs.set_defaults(handler=run_runs)

    retrain = commands.add_parser("retrain", help="refit a run on new data; promote it only when not worse")
    retrain.add_argument("data", help="sales file with the new periods, mapped like the run's data")
    retrain.add_argument("--name", required=True, help="run to retrain")
    retrain.add_argument("--store", help=STORE_HELP)
    retrain.add_argument("--user", help="who retrained it (default $FORECASTING_USER, else the login name)")
    retrain.set_defaults(handler=run_retrain)

    serve = commands.add_parser("serve", help="answer forecasts over HTTP (FastAPI; docs at /docs)")
    serve.add_argument("--store", help=STORE_HELP)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--no-auth", action="store_true",
                       help="no API key (only with --host 127.0.0.1); otherwise set FORECASTING_API_KEY")
    serve.add_argument("--no-warm", action="store_true",
                       help="do not refit the champions' models at start-up (the first what-if then waits for it)")
    serve.set_defaults(handler=run_serve)


def run_train(args: argparse.Namespace) -> int:
    from ..data.convert import future_drivers  # noqa: PLC0415 - keeps inspect fast
    from ..data.io import read_table  # noqa: PLC0415
    from ..evaluation.distributed import backtest_on  # noqa: PLC0415 - dask itself loads only when asked for
    from ..evaluation.training import TrainingSpec, train  # noqa: PLC0415
    from ..store import open_store  # noqa: PLC0415
    from ..store.runs import save_run  # noqa: PLC0415
    from .engine import format_leaderboard  # noqa: PLC0415

    store = open_store(args.store)
    models = build_models(args)
    if len(models) != 1:
        raise ConfigError("train takes one model (or auto); use backtest to compare several")
    dataset, frame = prepared(args)
    params = {k: v for k, v in models[0].get_params().items()}
    spec = TrainingSpec(model=models[0].name, horizon=args.horizon, params=params, folds=args.folds)
    future = None
    if args.future:
        future = future_drivers(read_table(args.future, max_mb=args.max_mb).frame, dataset.mapping,
                                date_format=args.date_format)
    run = train(spec, frame, dataset.freq, future=future, progress=progress_printer(),
                run_backtest=backtest_on(dask_settings(args)))  # with --workers/--scheduler: windows on Dask
    for note in run.notes[:10]:
        print(f"note: {note}", file=sys.stderr)
    saved = save_run(store, run, frame, name=args.name, dataset_name=Path(args.data).name, mapping=dataset.mapping,
                     options=_options(args, dataset.freq), user=args.user, future=future)
    print(f"saved run {saved.name} version {saved.version} (id {saved.id}, champion) in {store.label}")
    print(format_leaderboard(run.backtest.leaderboard, run.backtest.seconds))
    return 0


def _options(args: argparse.Namespace, freq: str) -> dict:
    options = load_options(args)
    return {"shape": options.shape, "freq": options.freq, "date_format": options.date_format, "data_freq": freq}


def run_runs(args: argparse.Namespace) -> int:
    from ..store import open_store  # noqa: PLC0415
    from ..store.runs import list_runs  # noqa: PLC0415

    found = list_runs(open_store(args.store), archived=args.all)
    if args.json:
        print(json.dumps([s.as_json() for s in found], indent=2))
        return 0
    if not found:
        print("no saved runs; save one with: python -m forecasting train DATA --model M --horizon H --name RUN")
        return 0
    print(f"{'name':<20}{'version':>8}  {'model':<18}{'horizon':>8}{'MASE':>8}  {'created_at':<21}{'by':<12}"
          f"{'champion':<9}{'status'}")
    for s in found:
        mase = f"{s.mase:>8.3f}" if s.mase is not None else f"{'-':>8}"
        print(f"{s.name:<20}{s.version:>8}  {s.model:<18}{s.horizon:>8}{mase}  {s.created_at:<21}"
              f"{s.created_by[:11]:<12}{'yes' if s.champion else '':<9}{s.status}")
    return 0


def run_retrain(args: argparse.Namespace) -> int:
    from ..data.dataset import LoadOptions, load_dataset, prepare  # noqa: PLC0415
    from ..store import open_store  # noqa: PLC0415
    from ..store.retrain import retrain  # noqa: PLC0415
    from ..store.runs import load_run  # noqa: PLC0415

    store = open_store(args.store)
    champion = load_run(store, args.name)
    stored = champion.options
    options = LoadOptions(mapping=champion.mapping.as_dict(), shape=stored.get("shape"), freq=stored.get("freq"),
                          date_format=stored.get("date_format"))
    dataset = load_dataset(args.data, options)
    frame = prepare(dataset).frame
    result = retrain(store, args.name, frame, dataset.freq, dataset_name=Path(args.data).name,
                     mapping=dataset.mapping, options={**stored, "data_freq": dataset.freq}, user=args.user)
    c = result.comparison
    verdict = "promoted: it serves now" if result.promoted else "not promoted: the champion keeps serving"
    print(f"retrained {result.name}: challenger version {result.challenger.version} (id {result.challenger.id}) "
          f"{verdict}")
    print(f"{'':<12}{'version':>8}{'MASE':>8}{'WAPE':>8}   on {c['windows']} window(s) of {c['horizon']} "
          f"after {c['trained_to']}")
    for who, summary in (("champion", result.champion), ("challenger", result.challenger)):
        mase, wape = (float("nan") if c[f"{who}_{m}"] is None else c[f"{who}_{m}"] for m in ("mase", "wape"))
        print(f"{who:<12}{summary.version:>8}{mase:>8.3f}{wape:>8.3f}")
    for alert in result.drift:
        print(f"drift alert: {alert}", file=sys.stderr)
    return 0


def run_serve(args: argparse.Namespace) -> int:
    key = os.environ.get("FORECASTING_API_KEY", "")
    if args.no_auth and args.host != "127.0.0.1":
        raise ConfigError(f"--no-auth is allowed only with --host 127.0.0.1, not {args.host}; set "
                          "FORECASTING_API_KEY to serve other machines")
    if not key and not args.no_auth:
        raise ConfigError("FORECASTING_API_KEY is not set; set it to the key clients send in X-API-Key, or give "
                          "--no-auth with --host 127.0.0.1 for a local test")
    import uvicorn  # noqa: PLC0415

    from ..serve import create_app  # noqa: PLC0415
    from ..store import open_store  # noqa: PLC0415

    store = open_store(args.store)
    app = create_app(store, api_key=None if args.no_auth else key, warm=not args.no_warm)
    print(f"serving {store.label} on http://{args.host}:{args.port} (docs at /docs)", file=sys.stderr, flush=True)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0
