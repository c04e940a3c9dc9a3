"""``python -m forecasting``: the command line."""

from .cli import main

raise SystemExit(main())
