"""``python -m forecasting recommend KIND DATA ...``: decisions from a model trained on the spot.

The command loads and cleans the sales file as ``forecast`` does, trains the
model (a backtest for its errors, then a fit on all the history), reads the
products file when given, and writes one CSV:

- ``inventory``: safety stock, reorder point, order-up-to level and the order
  to place now per series; with ``--simulate``, also the policy replayed over
  a year of backtest windows (achieved cycle service level, fill rate ...).
- ``alerts``: anomalies and forecast exceptions, most money at stake first.
- ``pricing`` / ``promotion``: :mod:`forecasting.recommend.pricing` and
  :mod:`forecasting.recommend.promotions` (imported only for those kinds).

Output columns are listed in the README; scripts rely on them.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from ..data.export import check_writable, csv_text, with_id_columns, write_csv
from ..errors import ConfigError
from ..recommend.products import load_products
from .common import (
    add_dask_flags,
    add_mapping_flags,
    add_model_flags,
    build_models,
    dask_settings,
    prepared,
    progress_printer,
)

KINDS = ("inventory", "alerts", "pricing", "promotion")
INVENTORY_COLUMNS = ["unique_id", "service_level", "lead_time", "safety_stock", "reorder_point", "order_up_to",
                     "order_qty", "days_of_cover", "stockout_date"]
SIMULATION_COLUMNS = ["target_service_level", "achieved_service_level", "fill_rate", "stockout_periods", "avg_stock"]


def add_parsers(commands) -> None:
    """Register the ``recommend`` subcommand on the main parser's subcommands."""
    parser = commands.add_parser("recommend", help="inventory, alerts, pricing or promotion recommendations")
    parser.add_argument("kind", choices=KINDS, help="what to recommend")
    parser.add_argument("data", help="sales file: CSV, Excel .xlsx or Parquet")
    add_mapping_flags(parser)
    add_model_flags(parser)
    parser.add_argument("--folds", type=int, default=3, help="backtest windows scored when training (default 3)")
    parser.add_argument("--products", help="products file: sku, unit_cost, lead_time_days, stock_on_hand ...")
    parser.add_argument("--plan", help="promotion: planned promotions (sku, start, end, discount) to evaluate")
    parser.add_argument("--service-level", type=float,
                        help="inventory: target cycle service level for every series, e.g. 0.95 "
                             "(default: the products file's, else 0.95)")
    parser.add_argument("--eoq", action="store_true", help="inventory: order at least the economic order quantity")
    parser.add_argument("--simulate", action="store_true",
                        help="inventory: replay the policy over past backtest windows against actual demand")
    parser.add_argument("--sim-windows", type=int,
                        help="inventory: backtest windows to replay (default: enough for a year)")
    parser.add_argument("--overstock-days", type=float, default=120.0,
                        help="alerts: days of cover above which stock is flagged (default 120)")
    parser.add_argument("--bounds", type=float, default=0.15,
                        help="pricing: largest price change to recommend, as a share (default 0.15)")
    parser.add_argument("--out", help="write the table to this CSV (default: print it)")
    add_dask_flags(parser)
    parser.set_defaults(handler=run_recommend)


def run_recommend(args: argparse.Namespace) -> int:
    from ..evaluation.training import TrainingSpec  # noqa: PLC0415 - keeps the parser fast to build

    if args.service_level is not None and not 0.5 <= args.service_level < 1:
        raise ConfigError(f"--service-level must be between 0.5 and 1 (e.g. 0.95), got {args.service_level}")
    if args.plan and args.kind != "promotion":
        raise ConfigError("--plan is for 'recommend promotion' only")
    check_writable(args.out)
    dataset, frame = prepared(args)
    models = build_models(args)
    if len(models) != 1:
        raise ConfigError("recommend takes one model (or auto)")
    matched = load_products(args.products, frame, dataset.freq, max_mb=args.max_mb) if args.products else None
    for note in matched.notes if matched else ():
        print(f"note: {note}", file=sys.stderr)
    if args.kind == "inventory" and dataset.measure.is_money:  # before training: a sales value needs prices
        from ..recommend.inventory import quantities_price  # noqa: PLC0415
        from ..recommend.products import default_products  # noqa: PLC0415

        quantities_price(matched.table if matched else default_products(frame, dataset.freq), frame)
    run = None
    if args.kind != "promotion" or args.plan:  # past promotions are measured on the history alone
        spec = TrainingSpec(models[0].name, args.horizon, params=models[0].get_params(), folds=args.folds)
        run = _train(spec, frame, dataset.freq, dask_settings(args))
    table = KIND_RUNNERS[args.kind](args, frame, dataset.freq, run, matched, dataset.measure)
    table = with_id_columns(table, dataset.mapping)
    if args.out:
        write_csv(table, args.out)
        print(f"{len(table):,} rows written to {args.out}", file=sys.stderr)
    else:
        print(csv_text(table), end="")
    return 0


def _train(spec, frame: pd.DataFrame, freq: str, settings):
    """Train in this process, or with the backtest windows on a Dask cluster (the final fit stays here, so pricing
    and promotions get one fitted model to ask what-ifs)."""
    from ..evaluation.distributed import backtest_on  # noqa: PLC0415 - dask itself loads only when asked for
    from ..evaluation.training import train  # noqa: PLC0415

    return train(spec, frame, freq, progress=progress_printer(), run_backtest=backtest_on(settings))


def _inventory(args, frame: pd.DataFrame, freq: str, run, matched, measure) -> pd.DataFrame:
    from ..recommend.inventory import PolicyOptions, error_history, recommend_inventory  # noqa: PLC0415
    from ..recommend.simulation import simulate_policy, year_of_windows  # noqa: PLC0415

    products = matched.table if matched else None
    options = PolicyOptions(service_level=args.service_level, eoq=args.eoq)
    windows = (args.sim_windows or year_of_windows(freq, args.horizon)) if args.simulate else None
    history = error_history(run, frame, freq, windows=windows, progress=progress_printer())
    plan = recommend_inventory(frame, freq, run, products, history=history, options=options, measure=measure)
    for note in plan.notes:
        print(f"note: {note}", file=sys.stderr)
    table = plan.table[INVENTORY_COLUMNS + [c for c in plan.table.columns if c not in INVENTORY_COLUMNS]]
    if not args.simulate:
        return table
    result = simulate_policy(frame, freq, run, products, history=history, options=options)
    print(format_simulation(result), file=sys.stderr)
    per_series = result.per_series.drop(columns=["category"]).rename(
        columns={"cycles": "sim_cycles", "periods": "sim_periods", "orders": "sim_orders",
                 "lost_units": "sim_lost_units", "demand_units": "sim_demand_units"})
    merged = table.merge(per_series, on="unique_id", how="left")
    return merged[INVENTORY_COLUMNS + SIMULATION_COLUMNS + [c for c in merged.columns
                                                            if c not in INVENTORY_COLUMNS + SIMULATION_COLUMNS]]


def format_simulation(result) -> str:
    lines = [f"policy replayed {result.start:%Y-%m-%d} .. {result.end:%Y-%m-%d} ({result.windows} backtest windows); "
             "cycle service level = share of replenishment cycles without a lost sale",
             f"{'category':<20}{'series':>7}{'target':>8}{'achieved':>10}{'fill rate':>11}{'stock-out periods':>19}"]
    for row in result.per_category.to_dict("records"):
        lines.append(f"{str(row['category'])[:19]:<20}{row['series']:>7}{row['target_service_level']:>8.1%}"
                     f"{row['achieved_service_level']:>10.1%}{row['fill_rate']:>11.1%}{row['stockout_periods']:>19}")
    return "\n".join(lines)


def _alerts(args, frame: pd.DataFrame, freq: str, run, matched, measure) -> pd.DataFrame:
    from ..recommend.alerts import AlertSettings, find_alerts  # noqa: PLC0415

    return find_alerts(frame, freq, run, matched.table if matched else None,
                       settings=AlertSettings(overstock_days=args.overstock_days), measure=measure)


def _pricing(args, frame: pd.DataFrame, freq: str, run, matched, measure) -> pd.DataFrame:
    from ..recommend.pricing import recommend_prices  # noqa: PLC0415 - written alongside; only this kind needs it

    return recommend_prices(frame, freq, run, matched.table if matched else None, bounds=args.bounds)


def _promotion(args, frame: pd.DataFrame, freq: str, run, matched, measure) -> pd.DataFrame:
    from ..recommend.elasticity import estimate_elasticities  # noqa: PLC0415
    from ..recommend.promotions import past_promotions, plan_promotions, read_plan  # noqa: PLC0415

    if not args.plan:
        return past_promotions(frame, freq)
    # The history's elasticity and lift check the model's answer (and replace it where the model is off).
    elasticities = estimate_elasticities(frame, freq) if "price" in frame.columns else None
    return plan_promotions(frame, freq, run, read_plan(args.plan), matched.table if matched else None,
                           elasticities=elasticities)


KIND_RUNNERS = {"inventory": _inventory, "alerts": _alerts, "pricing": _pricing, "promotion": _promotion}
