"""Command line: ``python -m forecasting inspect|models|backtest|forecast|recommend ...``.

One module per command family (``data``: inspect and models; ``engine``: backtest and forecast;
``recommend``: decisions), all on the flags and loading in ``common``. Bad input prints one line
``error: ...`` on stderr and exits with code 2; there is never a traceback. Scripts and benchmarks rely
on the output columns and JSON keys documented in the README. The command line is the top floor: it
may import every layer of the library, and nothing in the library imports it.
"""

from __future__ import annotations

import sys

from ..errors import ForecastingError
from . import data, engine, recommend
from . import store as store_commands
from .common import EXIT_BAD_INPUT, EXIT_INTERNAL, Parser


def build_parser() -> Parser:
    parser = Parser(prog="python -m forecasting", description="Demand forecasting studio: command line.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    data.add_parsers(commands)
    engine.add_parsers(commands)
    recommend.add_parsers(commands)
    store_commands.add_parsers(commands)
    return parser


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
