"""How long training will take, before the user presses Train.

Each model is fitted once per backtest window (the scored ones and the ones that
calibrate the intervals) and once on all the history, next to seasonal naive.
Fit time grows about linearly with the rows; the rates below are fit plus a
28-period forecast on the bundled sample (52,608 rows, 48 daily series) on a
2-core machine, so an estimate is a rough guide, said as one.
"""

from __future__ import annotations

from ..models.auto import DEFAULT_CANDIDATES
from .backtest import BacktestConfig

#: Seconds for one fit and forecast per 100,000 rows, measured on the bundled sample (2 cores).
SECONDS_PER_100K_ROWS = {
    "naive": 0.1, "seasonal_naive": 0.1, "moving_average": 0.1, "croston": 0.2, "tsb": 0.5, "ets": 6.0,
    "sarimax": 100.0, "ridge": 3.0, "random_forest": 60.0, "hist_gradient_boosting": 13.0,
    "gradient_boosting": 5.5, "mlp": 46.0, "lstm": 40.0, "transformer": 145.0,
}

#: Seconds every fit of a model that learns (not a baseline) costs however small the table: setting up features,
#: the solver or the trees.
MIN_SECONDS_PER_FIT = 0.3
BASELINES = ("naive", "seasonal_naive", "moving_average", "croston", "tsb")


def training_seconds(models: list[str], rows: int, folds: int,
                     calibration: int = BacktestConfig.calibration_windows) -> float:
    """Rough seconds to train ``models`` on ``rows`` rows with ``folds`` scored windows."""
    fitted = ["seasonal_naive"]
    for name in models:  # auto backtests its candidates on every window and chooses from them
        fitted += list(DEFAULT_CANDIDATES) if name == "auto" else [name]
    per_fit = sum(_seconds_per_fit(name, rows) for name in fitted)
    return per_fit * (folds + calibration + 1)


def _seconds_per_fit(name: str, rows: int) -> float:
    seconds = SECONDS_PER_100K_ROWS.get(name, 10.0) * rows / 100_000
    return seconds if name in BASELINES else max(seconds, MIN_SECONDS_PER_FIT)


def describe_seconds(seconds: float) -> str:
    """``about 40 s`` / ``about 3 min`` / ``about 1.5 h``."""
    if seconds < 90:
        return f"about {max(seconds, 1):.0f} s"
    if seconds < 5400:
        return f"about {seconds / 60:.0f} min"
    return f"about {seconds / 3600:.1f} h"
