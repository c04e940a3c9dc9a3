"""Forecast new products (no sales yet) from the launch curves of their most similar existing products.

Two methods (:data:`METHODS`):

- ``text_level``: the level (mean sales per period) from a ridge regression of past launches' levels on
  their words and price (:mod:`.level`), times the shape of the neighbours' curves;
- ``neighbours``: the similarity-weighted mean of the neighbours' curves, price-scaled
  (:mod:`.neighbours`).

Intervals come from the same method's errors on past launches: every product with a fully observed launch
curve is forecast without itself (leave-one-out, exact for the level model too) and its
errors, scaled by the forecast's level, give the quantiles (:func:`.neighbours.interval_bounds`). Nothing is
assumed: with fewer than :data:`MIN_POOL` past launches there is no forecast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...errors import ConfigError, DataValidationError
from ...schema import CATEGORY, DS, LEVELS, PRICE, UID
from . import early, level
from .curves import complete, launch_curves, launch_prices
from .neighbours import Picks, Pool, curves_of, interval_bounds, pick, scaled_residuals, shapes_of
from .table import LAUNCH
from .text import Embedding, embed_products, product_texts

MODEL = "similar_launches"
MIN_POOL = 3
METHODS = ("text_level", "neighbours")


@dataclass(frozen=True)
class LaunchConfig:
    """Settings of a launch forecast.

    Parameters
    ----------
    method
        ``text_level`` or ``neighbours`` (see the module docstring).
    horizon
        Periods forecast from each launch.
    neighbours
        Similar products averaged (k). 10 gave a lower launch-backtest WAPE than 5, 20 or 40 on the generated
        shops and on Superstore (chosen on those same backtests, ``bench/results/launches.md``).
    same_category
        Take neighbours from the new product's category first, when the history knows it.
    elasticity
        ``neighbours`` method: the price elasticity that scales a neighbour's curve by
        ``(new price / its price) ** elasticity`` (clipped to 0.5..2); ``None`` (the default) turns price
        scaling off: at -1 it made the launch backtest worse on the generated shops and on Superstore
        (``bench/results/launches.md``), since different products' prices say little about their volumes.
        ``text_level`` learns the price's effect from past launches instead.
    levels
        Interval levels in %.
    components, seed
        SVD size and seed of the text embedding.
    """

    method: str = "text_level"
    horizon: int = 13
    neighbours: int = 10
    same_category: bool = True
    elasticity: float | None = None
    levels: tuple[int, ...] = LEVELS
    components: int = 32
    seed: int = 0

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ConfigError(f"unknown launch method {self.method!r}; choose {' or '.join(METHODS)}")
        if self.horizon < 1:
            raise ConfigError(f"horizon={self.horizon} must be at least 1", fix="choose a longer horizon ({horizon})")
        if self.neighbours < 1:
            raise ConfigError(f"neighbours={self.neighbours} must be at least 1")
        if any(not 0 < level < 100 for level in self.levels):
            raise ConfigError(f"interval levels {self.levels} must lie between 0 and 100")


@dataclass(frozen=True)
class LaunchForecast:
    """A launch forecast.

    Parameters
    ----------
    forecast
        ``unique_id, ds, model, yhat, yhat_lo_80, yhat_hi_80, yhat_lo_95, yhat_hi_95, price_factor``.
    neighbours
        ``unique_id, neighbour, text, similarity, weight, price_factor``: who each forecast is built from.
    notes
        What the forecast assumed (price scaling, categories, how many past launches set the intervals).
    """

    forecast: pd.DataFrame
    neighbours: pd.DataFrame
    notes: tuple[str, ...]


def first_values(history: pd.DataFrame, column: str) -> pd.Series:
    """First non-missing value of ``column`` per product (empty when the column is absent)."""
    if column not in history.columns:
        return pd.Series(dtype="object")
    return history.dropna(subset=[column]).groupby(UID)[column].first()


def build_pool(history: pd.DataFrame, freq: str, texts: pd.Series, horizon: int,
               categories: pd.Series | None = None) -> Pool:
    """Products with text and a fully observed launch curve of ``horizon`` periods."""
    curves = complete(launch_curves(history, freq, horizon))
    curves = curves[curves.index.isin(texts.index)]
    if categories is None:
        categories = first_values(history, CATEGORY)
    category = categories.reindex(curves.index).astype("object").where(lambda s: s.notna(), None)
    price = launch_prices(history, freq, horizon).reindex(curves.index)
    return Pool(curves.index.to_numpy(dtype=object), curves.to_numpy(dtype=float), category.to_numpy(dtype=object),
                price.to_numpy(dtype=float))


def level_model(pool: Pool, embedding: Embedding) -> level.LevelModel:
    """The words-and-price level model fitted on the pool's launches."""
    pool_x = level.features(embedding.terms[embedding.rows(list(pool.ids))], pool.price, pool.price)
    return level.fit(pool_x, level.level_target(pool.curves))


def predict_curves(pool: Pool, embedding: Embedding, ids: list[str], category: np.ndarray, price: np.ndarray,
                   config: LaunchConfig, model: level.LevelModel | None = None) -> tuple[np.ndarray, Picks]:
    """Launch curves of the products ``ids`` (m x H) and the neighbours they were built from.

    ``model``: the pool's level model when already fitted (:func:`level_model`).
    """
    picks = pick(embedding.similarity(ids, list(pool.ids)), pool, category, price, k=config.neighbours,
                 same_category=config.same_category, elasticity=config.elasticity)
    if config.method == "neighbours":
        return curves_of(picks, pool), picks
    new_x = level.features(embedding.terms[embedding.rows(ids)], price, pool.price)
    levels = (model or level_model(pool, embedding)).predict(new_x)
    return levels[:, None] * shapes_of(picks, pool), picks


def loo_residuals(pool: Pool, embedding: Embedding, config: LaunchConfig,
                  model: level.LevelModel | None = None) -> np.ndarray:
    """Scaled errors of forecasting every pool product without itself (its own price and category known)."""
    ids = list(pool.ids)
    picks = pick(embedding.similarity(ids, ids), pool, pool.category, pool.price, k=config.neighbours,
                 same_category=config.same_category, elasticity=config.elasticity, exclude_self=True)
    if config.method == "neighbours":
        return scaled_residuals(pool.curves, curves_of(picks, pool))
    levels = (model or level_model(pool, embedding)).loo_levels
    return scaled_residuals(pool.curves, levels[:, None] * shapes_of(picks, pool))


def _categories(products: pd.DataFrame | None, history: pd.DataFrame) -> pd.Series:
    known = first_values(history, CATEGORY)
    if products is not None and CATEGORY in products.columns:
        extra = products.dropna(subset=[CATEGORY]).drop_duplicates(UID).set_index(UID)[CATEGORY]
        known = known.combine_first(extra.astype("object"))
    return known


def forecast_launches(history: pd.DataFrame, freq: str, products: pd.DataFrame, new_products: pd.DataFrame,
                      config: LaunchConfig = LaunchConfig()) -> LaunchForecast:
    """Forecast the first ``config.horizon`` periods of each new product from its most similar products.

    Parameters
    ----------
    history
        The prepared sales table (``unique_id, ds, y`` and optional ``price``, ``category``).
    freq
        Its period frequency.
    products
        Text of the existing products: ``unique_id`` and name / description / category ... columns
        (:func:`.text.products_from_sales` or a products file).
    new_products
        :func:`.table.read_new_products` output: ``unique_id``, text, optional ``category``, ``price``,
        ``launch`` (default: the period after the history ends).
    """
    ids = new_products[UID].tolist()
    seen, sold = early.observed(launch_curves(history, freq, config.horizon), ids)
    done = [uid for uid, n in zip(ids, seen, strict=True) if n >= config.horizon]
    if done:
        raise DataValidationError(
            f"new products already have {config.horizon} periods of sales or more: {', '.join(done[:3])}",
            fix="forecast them with the ordinary forecast, or give the new products new ids", ids=done)
    old_texts = product_texts(products)
    new_texts = product_texts(new_products)
    missing = sorted(set(new_products[UID]) - set(new_texts.index))
    if missing:
        raise DataValidationError(f"new products have no name or description: {', '.join(missing[:3])}",
                                  fix="write a name for every new product", ids=missing)
    pool = build_pool(history, freq, old_texts, config.horizon, _categories(products, history))
    if len(pool.ids) < MIN_POOL:
        raise DataValidationError(
            f"only {len(pool.ids)} products have a name and {config.horizon} periods of sales since their first "
            f"sale; a launch forecast needs at least {MIN_POOL}",
            fix="give product names for more products, or choose a shorter horizon ({horizon})")
    texts = pd.concat([old_texts[old_texts.index.isin(pool.ids)], new_texts])
    embedding = embed_products(texts, components=config.components, seed=config.seed)
    model = level_model(pool, embedding) if config.method == "text_level" else None
    residuals = loo_residuals(pool, embedding, config, model)

    category = _column_or_nan(new_products, CATEGORY, object)
    price = _column_or_nan(new_products, PRICE, float)
    curves, picks = predict_curves(pool, embedding, ids, category, price, config, model)
    curves = curves * early.update_factors(curves, seen, sold)[:, None]
    starts = _starts(new_products, history, freq, seen)
    forecast = _frame(ids, curves, residuals, starts, seen, freq, config)
    notes = _notes(pool, residuals, price, config, category)
    if seen.any():
        notes += (f"{int((seen > 0).sum())} of the new products have sold for a few periods: their curves are "
                  f"scaled by what they sold (the prediction counts as {early.PRIOR_PERIODS} periods)",)
    return LaunchForecast(forecast, _neighbour_table(ids, picks, pool, texts), notes)


def _column_or_nan(frame: pd.DataFrame, column: str, kind) -> np.ndarray:
    if column not in frame.columns:
        return np.full(len(frame), np.nan if kind is float else None, dtype=kind)
    values = frame[column]
    return values.to_numpy(dtype=float) if kind is float else values.astype("object").where(values.notna(), None).to_numpy()


def _starts(new_products: pd.DataFrame, history: pd.DataFrame, freq: str, seen: np.ndarray) -> list[pd.Timestamp]:
    """First forecast period of each product: its launch date, else the period after the history (also for a
    product already selling, whose first periods are history)."""
    following = pd.date_range(history[DS].max(), periods=2, freq=freq)[1]
    given = new_products[LAUNCH] if LAUNCH in new_products.columns else pd.Series(pd.NaT, index=new_products.index)
    return [following if n > 0 or pd.isna(d) else pd.Timestamp(d) for d, n in zip(given, seen, strict=True)]


def _frame(ids, curves, residuals, starts, seen, freq, config: LaunchConfig) -> pd.DataFrame:
    """One row per product and period still to come (a product already selling starts after its sales)."""
    bounds = {pct: interval_bounds(curves, residuals, pct) for pct in config.levels}
    pieces = []
    for i, uid in enumerate(ids):
        steps = slice(int(seen[i]), config.horizon)
        piece = {UID: uid, DS: pd.date_range(starts[i], periods=config.horizon - int(seen[i]), freq=freq),
                 "model": MODEL, "yhat": curves[i, steps]}
        for pct, (low, high) in bounds.items():
            piece[f"yhat_lo_{pct}"], piece[f"yhat_hi_{pct}"] = low[i, steps], high[i, steps]
        pieces.append(pd.DataFrame(piece))
    return pd.concat(pieces, ignore_index=True)


def _neighbour_table(ids, picks: Picks, pool: Pool, texts: pd.Series) -> pd.DataFrame:
    k = picks.rows.shape[1]
    neighbour = pool.ids[picks.rows].ravel()
    return pd.DataFrame({
        UID: np.repeat(ids, k),
        "rank": np.tile(np.arange(1, k + 1), len(ids)),
        "neighbour": neighbour,
        "text": texts.reindex(neighbour).to_numpy(),
        "similarity": picks.similarity.ravel().round(4),
        "weight": picks.weight.ravel().round(4),
        "price_factor": picks.price_factor.ravel().round(4),
    })


def _notes(pool: Pool, residuals, price, config: LaunchConfig, category) -> tuple[str, ...]:
    notes = [f"intervals from {len(pool.ids)} past launches, each forecast without itself"]
    if config.method == "text_level":
        notes.append("level from the words and price of past launches (ridge regression), shape from the "
                     f"{config.neighbours} most similar products")
    elif config.elasticity is None:
        notes.append("no price scaling (elasticity off)")
    elif not np.isfinite(price).any():
        notes.append("no price scaling: the new products have no price")
    elif not np.isfinite(pool.price).any():
        notes.append("no price scaling: the history has no prices")
    else:
        notes.append(f"neighbours' curves scaled by (price / their launch price) ** {config.elasticity:g}, "
                     "clipped to 0.5..2; products without a price are not scaled")
    unknown = sorted({c for c in category if isinstance(c, str)} - {c for c in pool.category if isinstance(c, str)})
    if config.same_category and unknown:
        notes.append(f"categories the history does not know, neighbours from every category: {', '.join(unknown[:3])}")
    if len(residuals) == 0:
        notes.append("no past launch could be scored, intervals are empty")
    return tuple(notes)
