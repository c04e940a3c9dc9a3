"""``inspect`` (what was read and how it was mapped, with the quality report) and ``models`` (the registry)."""

from __future__ import annotations

import argparse
import json

from .common import add_mapping_flags, load_from_args


def add_parsers(commands) -> None:
    """Register ``inspect`` and ``models``."""
    inspect = commands.add_parser("inspect", help="show the detected mapping, shape, frequency and quality report")
    inspect.add_argument("data", help="sales file: CSV, Excel .xlsx or Parquet")
    add_mapping_flags(inspect)
    inspect.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    inspect.set_defaults(handler=run_inspect)

    models = commands.add_parser("models", help="list the forecasting models and their hyperparameters")
    models.add_argument("--json", action="store_true", help="print JSON instead of text")
    models.set_defaults(handler=run_models)


def run_inspect(args: argparse.Namespace) -> int:
    summary = load_from_args(args).summary()
    if args.json:
        print(json.dumps(summary, indent=2, ensure_ascii=False))
    else:
        print(format_summary(summary))
    return 0


def run_models(args: argparse.Namespace) -> int:
    from ..models import available  # noqa: PLC0415 - the registry imports every model family

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
        params = ", ".join(f"{k}={','.join(v) if isinstance(v, tuple) else v}" for k, v in row["params"].items()) or "-"
        drivers = "uses price/promotion/drivers" if row["uses_exog"] else "history only"
        print(f"{row['name']:<18} {row['family']:<17} {drivers:<30} {params}")
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
