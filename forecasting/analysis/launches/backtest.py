"""Launch backtest: hide the products launched in the last year and forecast their first periods from text.

Every product whose first sale falls in the last year of the data (and that has ``horizon`` periods observed
since) is a test launch. Only the sales before that year are kept, so the neighbours are older products and
their curves end where the year begins. Two methods are scored on the same launches:

- ``similar_launches``: the text forecast (:mod:`.forecaster`), with intervals from leave-one-out errors on
  the older launches;
- ``category_average``: the mean launch curve of the older products in the launch's category;
- with ``revealed`` periods known, both corrected by them (:mod:`.early`), and ``observed_mean``: the mean of
  the known periods, flat.

Scores (lower is better), pooled over the test launches and their ``horizon`` steps:

- ``wape`` = sum |y - yhat| / sum y;
- ``scaled_mae`` = the mean over launches of MAE_i / mean(b_i), where b_i is the category-average curve of
  launch i: each launch's error in units of what the naive baseline expected it to sell, so big and small
  products count alike (the baseline itself has the MASE-like scale of 1 only when it is right on average).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...errors import ConfigError, DataValidationError
from ...schema import CATEGORY, DS, UID
from . import early
from .curves import complete, launch_curves, launch_dates, launch_prices, period_grid
from .forecaster import (
    MIN_POOL,
    LaunchConfig,
    build_pool,
    first_values,
    level_model,
    loo_residuals,
    predict_curves,
)
from .neighbours import category_average, interval_bounds
from .text import Encoder, encode

#: Periods in a year per frequency family (the hidden launch window).
YEAR = {"D": 365, "W": 52, "M": 12}
BASELINE = "category_average"
METHOD = "similar_launches"
OBSERVED = "observed_mean"


@dataclass(frozen=True)
class LaunchBacktest:
    """Result of :func:`launch_backtest`.

    Parameters
    ----------
    scores
        One row per method: ``method, launches, horizon, wape, scaled_mae`` and, for the text forecast,
        ``coverage_<level>`` (share of actual periods inside the interval).
    predictions
        ``unique_id, step, y, method, yhat`` (and interval bounds for the text forecast).
    cutoff
        First period of the hidden year.
    """

    scores: pd.DataFrame
    predictions: pd.DataFrame
    cutoff: pd.Timestamp


def wape(actual: np.ndarray, predicted: np.ndarray) -> float:
    """Sum of absolute errors over the sum of actuals."""
    total = float(np.abs(actual).sum())
    return float(np.abs(actual - predicted).sum() / total) if total > 0 else float("nan")


def scaled_mae(actual: np.ndarray, predicted: np.ndarray, baseline: np.ndarray) -> float:
    """Mean over launches of MAE / mean of the category-average curve (launches with a zero baseline skipped)."""
    scale = baseline.mean(axis=1)
    ok = scale > 0
    return float((np.abs(actual - predicted).mean(axis=1)[ok] / scale[ok]).mean())


def launch_backtest(history: pd.DataFrame, freq: str, texts: pd.Series, config: LaunchConfig | None = None,
                    *, holdout: int | None = None, family: str = "W", revealed: int = 0,
                    encoder: Encoder | None = None) -> LaunchBacktest:
    """Score the text launch forecast and the category average on the launches of the last year.

    Parameters
    ----------
    history
        Prepared sales (``unique_id, ds, y``, optional ``price``, ``category``).
    freq
        Its period frequency; ``family`` (``D``, ``W``, ``M``) sets the default hidden year.
    texts
        Product text by id (:func:`.text.product_texts`).
    config
        Launch forecast settings (default :class:`.LaunchConfig`).
    holdout
        Periods hidden at the end (default: one year).
    revealed
        Periods after each launch taken as known (a product that has sold for a few weeks): every method's
        curve is corrected by them (:mod:`.early`), ``observed_mean`` (their mean, flat) joins, and only the
        periods after them are scored.
    encoder
        Texts -> :class:`.text.Embedding` of the older and the tested products (default: TF-IDF + SVD,
        :func:`.text.embed_products`); its ``vectors`` pick the neighbours, its ``terms`` feed the level model.
    """
    config = config or LaunchConfig()
    if not 0 <= revealed < config.horizon:
        raise ConfigError(f"revealed={revealed} must be at least 0 and below the horizon")
    grid = period_grid(history, freq)
    holdout = holdout or YEAR[family]
    if len(grid) <= holdout + config.horizon:
        raise DataValidationError(f"the data covers {len(grid)} periods; a launch backtest needs more than "
                                  f"{holdout + config.horizon} (a year hidden plus the horizon)")
    cutoff = grid[len(grid) - holdout]
    first = launch_dates(history)
    curves = complete(launch_curves(history, freq, config.horizon))
    tested = curves[curves.index.isin(first[first >= cutoff].index) & curves.index.isin(texts.index)]
    older = history[history[DS] < cutoff]
    categories = first_values(history, CATEGORY)
    pool = build_pool(older, freq, texts, config.horizon, categories)
    if len(tested) == 0 or len(pool.ids) < MIN_POOL:
        raise DataValidationError(f"{len(tested)} products launched in the last year and {len(pool.ids)} older "
                                  f"launches are fully observed; a launch backtest needs at least one and {MIN_POOL}")

    ids = tested.index.tolist()
    embedding = encode(texts[list(pool.ids) + ids], encoder, components=config.components, seed=config.seed)
    category = categories.reindex(ids).astype("object").where(lambda s: s.notna(), None).to_numpy()
    price = launch_prices(history, freq, config.horizon).reindex(ids).to_numpy(dtype=float)
    actual = tested.to_numpy(dtype=float)
    model = level_model(pool, embedding) if config.method == "text_level" else None
    text_curves, _ = predict_curves(pool, embedding, ids, category, price, config, model)
    base_curves = category_average(pool, category)
    residuals = loo_residuals(pool, embedding, config, model)

    methods = {METHOD: text_curves, BASELINE: base_curves}
    if revealed:  # the first periods are known: every curve is corrected by them, and a flat naive joins
        seen = np.full(len(ids), revealed)
        methods = {name: curves * early.update_factors(curves, seen, actual)[:, None]
                   for name, curves in methods.items()}
        methods[OBSERVED] = np.tile(actual[:, :revealed].mean(axis=1, keepdims=True), (1, config.horizon))
    scored = slice(revealed, config.horizon)
    rows, frames = [], []
    for method, predicted in methods.items():
        name = config.method if method == METHOD else method
        y, yhat = actual[:, scored], predicted[:, scored]
        row = {"method": name, "launches": len(ids), "horizon": config.horizon, "revealed": revealed,
               "wape": wape(y, yhat), "scaled_mae": scaled_mae(y, yhat, base_curves[:, scored])}
        frame = pd.DataFrame({UID: np.repeat(ids, y.shape[1]),
                              "step": np.tile(np.arange(revealed + 1, config.horizon + 1), len(ids)),
                              "y": y.ravel(), "method": name, "yhat": yhat.ravel()})
        if method == METHOD:
            for level in config.levels:
                low, high = (bound[:, scored] for bound in interval_bounds(predicted, residuals, level))
                row[f"coverage_{level}"] = float(((y >= low) & (y <= high)).mean())
                frame[f"yhat_lo_{level}"], frame[f"yhat_hi_{level}"] = low.ravel(), high.ravel()
        rows.append(row)
        frames.append(frame)
    return LaunchBacktest(pd.DataFrame(rows), pd.concat(frames, ignore_index=True), cutoff)
