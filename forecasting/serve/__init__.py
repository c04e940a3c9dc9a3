"""The forecast API: FastAPI over the workspace store, served by uvicorn (``python -m forecasting serve``).

``GET /health``, ``GET /runs`` and ``POST /runs/{name}/forecast``, which
answers from the champion version of a saved run: the saved forecast for the
default plan, or, for a what-if plan of prices and promotions, the run's model
refitted once from its stored settings and kept in memory (no retraining per
request). Clients send ``X-API-Key``. This floor may import ``store`` and
every floor below it; only the command line imports it.
"""

from __future__ import annotations

from .app import create_app

__all__ = ["create_app"]
