"""How much stock to hold and to order, from a trained run's forecast and its backtest errors.

The policy is a periodic review (R, s, S) policy. Every review period the
stock is checked; when the inventory position (on hand + on order) is below
the reorder point s, an order brings it up to the order-up-to level S (at
least the minimum order quantity). An order placed at the end of a period
arrives ``L`` periods later (lead time rounded up to whole periods), so one
order has to cover the *protection period* of ``L + R - 1`` periods until the
next order can arrive.

Safety stock comes from the forecast's own errors over the protection period,
not from z times sigma. The backtest windows are laid end to end; from every
start period, the error ``actual - forecast`` summed over the next P periods is
one sample. Errors grow with the demand level, so each sample is divided by
``sqrt(1 + F + kappa * F^2)`` (F = forecast over those periods): a
negative-binomial-like spread, Poisson noise plus a share ``kappa`` of
multiplicative error, fitted per pool. The standardised samples are pooled
per category (all series when a category is small), and the service level's
empirical quantile q of that pool gives ``safety stock = q * sqrt(1 + F +
kappa F^2)`` for the forecast F of the coming protection period. Skewed and
intermittent demand keep their skew: q is read off the sample, not a normal
table.

Service level means **cycle service level**: the share of review cycles
(the R periods that one order must serve) without any lost sale.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..data.measure import Measure
from ..errors import ConfigError, DataValidationError
from ..evaluation.backtest import predict_windows
from ..evaluation.crossval import usable_windows, window_cutoffs
from ..evaluation.metrics import CUTOFF, training_scales
from ..schema import DS, PRICE, SEASON_LENGTH, UID, Y, freq_family
from .products import DEFAULTED, default_products, period_days

MIN_POOL_SERIES = 5  # a category with fewer series borrows the errors of all series
MIN_SAMPLES = 20  # fewer error samples than this: the safety stock is not trusted (noted)
COVER_DAYS_LIMIT = 730  # days of cover are searched two years ahead; beyond that they are "inf"
ALL = "(all series)"

Progress = Callable[[float, str], None]


@dataclass(frozen=True)
class PolicyOptions:
    """Choices that apply to every series.

    Parameters
    ----------
    service_level
        Target cycle service level for every series; ``None`` keeps each product's own.
    eoq
        Order in lots of at least the economic order quantity (fewer, larger
        orders; raises the order-up-to level by the EOQ).
    pool
        ``category``: pool the standardised errors per category (all series
        for small categories); ``all``: one pool.
    """

    service_level: float | None = None
    eoq: bool = False
    pool: str = "category"

    def __post_init__(self) -> None:
        if self.service_level is not None and not 0.5 <= self.service_level < 1:
            raise ConfigError(f"service level must be between 0.5 and 1 (e.g. 0.95), got {self.service_level}")
        if self.pool not in ("category", "all"):
            raise ConfigError(f"pool must be 'category' or 'all', got {self.pool!r}")


# --- the errors of the forecast ------------------------------------------------------


@dataclass(frozen=True)
class ErrorHistory:
    """A model's backtest forecasts over contiguous windows of H periods, as series x period matrices.

    ``forecast[i, t]`` was made at the cutoff of the window holding period t,
    from data up to that cutoff only; ``extended[i, w]`` is window w's forecast
    continued past its H periods by repeating its last season, which is what a
    planner holding that forecast would use for a longer protection period.
    """

    ids: tuple[str, ...]
    dates: pd.DatetimeIndex
    horizon: int
    freq: str
    model: str
    actual: np.ndarray  # n x T
    forecast: np.ndarray  # n x T

    @property
    def windows(self) -> int:
        return len(self.dates) // self.horizon

    @classmethod
    def from_predictions(cls, predictions: pd.DataFrame, model: str, horizon: int, freq: str) -> ErrorHistory:
        """From a backtest table ``unique_id, ds, cutoff, y, <model>`` whose windows follow each other."""
        table = predictions[[UID, DS, Y, model]].drop_duplicates([UID, DS], keep="last")
        ids = tuple(sorted(table[UID].astype(str).unique()))
        dates = pd.DatetimeIndex(sorted(table[DS].unique()))
        if len(dates) % horizon:
            raise DataValidationError(f"the backtest periods ({len(dates)}) are not whole windows of {horizon}; "
                                      "train the model again")
        actual = table.pivot(index=UID, columns=DS, values=Y).reindex(index=list(ids), columns=dates)
        forecast = table.pivot(index=UID, columns=DS, values=model).reindex(index=list(ids), columns=dates)
        return cls(ids, dates, horizon, freq, model, actual.to_numpy(dtype="float64"),
                   forecast.to_numpy(dtype="float64").clip(min=0))

    def per_unit(self, value: pd.Series) -> ErrorHistory:
        """The history in units: each series' actuals and forecasts divided by its ``value`` per unit (its price)."""
        divisor = value.reindex(list(self.ids)).to_numpy(dtype="float64")[:, None]
        return ErrorHistory(self.ids, self.dates, self.horizon, self.freq, self.model, self.actual / divisor,
                            self.forecast / divisor)

    def extended(self, length: int) -> np.ndarray:
        """``n x W x (H + length)``: each window's forecast, continued ``length`` periods by seasonal repetition."""
        n, windows, h = len(self.ids), self.windows, self.horizon
        blocks = self.forecast.reshape(n, windows, h)
        return extend(blocks, h + length, SEASON_LENGTH[freq_family(self.freq)])


def extend(values: np.ndarray, length: int, season: int) -> np.ndarray:
    """Continue forecasts (last axis) to ``length`` periods by repeating the last season (the mean when shorter)."""
    h = values.shape[-1]
    if length <= h:
        return values[..., :length]
    if h >= season:
        tail = values[..., h - season:]
        reps = np.concatenate([tail] * (math.ceil((length - h) / season)), axis=-1)[..., : length - h]
    else:
        reps = np.repeat(values.mean(axis=-1, keepdims=True), length - h, axis=-1)
    return np.concatenate([values, reps], axis=-1)


def error_history(run, df: pd.DataFrame, freq: str, *, windows: int | None = None,
                  progress: Progress | None = None) -> ErrorHistory:
    """The run's backtest forecasts (calibration and scored windows), with earlier windows added when asked.

    Parameters
    ----------
    run
        A :class:`~forecasting.evaluation.training.TrainedRun`.
    windows
        Windows wanted in all; the ones the run lacks are backtested now with
        the run's model (one fit each), oldest first. ``None``: the run's own.
    """
    horizon = run.spec.horizon
    frames = [t for t in (run.backtest.calibration, run.backtest.predictions) if t is not None and len(t)]
    have = pd.concat(frames, ignore_index=True)[[UID, DS, CUTOFF, Y, run.name]]
    own = have[CUTOFF].nunique()
    wanted = usable_windows(df, freq, horizon, max(windows or own, own))
    if wanted > own:
        cutoffs = window_cutoffs(df, freq, horizon, wanted)[: wanted - own]
        scales = training_scales(df, cutoffs, SEASON_LENGTH[freq_family(freq)])
        extra, _, _ = predict_windows([run.spec.build()], df, freq, horizon, cutoffs, scales, levels=run.spec.levels,
                                     progress=progress)
        have = pd.concat([extra[[UID, DS, CUTOFF, Y, run.name]], have], ignore_index=True)
    return ErrorHistory.from_predictions(have, run.name, horizon, freq)


def lead_time_samples(history: ErrorHistory, periods: int) -> tuple[np.ndarray, np.ndarray]:
    """Errors and forecasts summed over ``periods`` periods from every start: two ``n x starts`` arrays.

    A sample starting at period r uses the forecast of the window holding r
    (extended past its horizon when needed) and the actuals of periods
    r .. r + periods - 1. Starts with missing actuals are NaN.
    """
    n, total, h = len(history.ids), len(history.dates), history.horizon
    starts = np.arange(0, total - periods + 1)
    if len(starts) == 0:
        return np.empty((n, 0)), np.empty((n, 0))
    cum_actual = np.concatenate([np.zeros((n, 1)), np.cumsum(history.actual, axis=1)], axis=1)
    cum_forecast = np.concatenate([np.zeros((n, history.windows, 1)),
                                   np.cumsum(history.extended(periods), axis=2)], axis=2)
    window, offset = np.divmod(starts, h)
    forecast = cum_forecast[:, window, offset + periods] - cum_forecast[:, window, offset]
    actual = cum_actual[:, starts + periods] - cum_actual[:, starts]
    return actual - forecast, forecast


@dataclass(frozen=True)
class ErrorModel:
    """Standardised lead-time errors of one pool: ``z = error / sqrt(1 + F + kappa F^2)``, sorted."""

    kappa: float
    z: np.ndarray
    tail_sums: np.ndarray = field(default=None, repr=False)  # tail_sums[k] = sum of z[k:], for shortfalls

    def __post_init__(self) -> None:
        if self.tail_sums is None:
            object.__setattr__(self, "tail_sums", np.concatenate([np.cumsum(self.z[::-1])[::-1], [0.0]]))

    @classmethod
    def fit(cls, errors: np.ndarray, forecasts: np.ndarray) -> ErrorModel:
        ok = np.isfinite(errors) & np.isfinite(forecasts)
        e, f = errors[ok], np.maximum(forecasts[ok], 0)
        if len(e) == 0:
            return cls(0.0, np.empty(0))
        # Moments: E[e^2] = E[1 + F] + kappa E[F^2]; the excess over Poisson noise is the multiplicative part.
        kappa = max(float((np.sum(e**2) - np.sum(1 + f)) / max(np.sum(f**2), 1e-12)), 0.0)
        return cls(kappa, np.sort(e / spread(f, kappa)))

    def quantile(self, level: float) -> float:
        """The finite-sample (conformal) ``level`` quantile: ``ceil((n + 1) level)``-th smallest."""
        n = len(self.z)
        if n == 0:
            return float("nan")
        return float(self.z[min(math.ceil((n + 1) * level), n) - 1])

    def shortfall(self, margin: np.ndarray | float) -> np.ndarray:
        """E[(z - margin)+] for each margin: the expected demand above a buffer, in spread units."""
        margin = np.atleast_1d(np.asarray(margin, dtype="float64"))
        if len(self.z) == 0:
            return np.full(margin.shape, np.nan)
        first = np.searchsorted(self.z, margin, side="right")  # z[first:] are the values above the margin
        return (self.tail_sums[first] - margin * (len(self.z) - first)) / len(self.z)

    def exceed(self, margin: np.ndarray | float) -> np.ndarray:
        """P(z > margin) for each margin."""
        margin = np.atleast_1d(np.asarray(margin, dtype="float64"))
        if len(self.z) == 0:
            return np.full(margin.shape, np.nan)
        return 1.0 - np.searchsorted(self.z, margin, side="right") / len(self.z)


def spread(forecast, kappa: float):
    """Expected size of the error over a period with forecast F: ``sqrt(1 + F + kappa F^2)``."""
    f = np.maximum(forecast, 0)
    return np.sqrt(1.0 + f + kappa * f**2)


def pools(ids: list[str], categories: pd.Series | None, how: str) -> dict[str, str]:
    """Series id -> pool name: its category when that has enough series, else all series."""
    if how == "all" or categories is None:
        return dict.fromkeys(ids, ALL)
    cat = categories.reindex(ids).astype("string").fillna(ALL)
    sizes = cat.value_counts()
    return {i: (c if sizes[c] >= MIN_POOL_SERIES else ALL) for i, c in zip(ids, cat, strict=True)}


class ErrorModels:
    """Error models per (pool, protection periods), fitted on demand from an :class:`ErrorHistory`.

    ``exclude`` (a window index) leaves out every sample that touches that
    window or the protection period after it: the errors a policy checked on
    that window must not come from it. When that leaves nothing (a short
    backtest), samples that start right after the window are kept.
    """

    def __init__(self, history: ErrorHistory, pool_of: dict[str, str]) -> None:
        self.history = history
        self.pool_of = pool_of
        self._members: dict[str, list[int]] = {}
        for index, uid in enumerate(history.ids):
            self._members.setdefault(pool_of.get(uid, ALL), []).append(index)
        self._members.setdefault(ALL, list(range(len(history.ids))))
        self._samples: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._fitted: dict[tuple, ErrorModel] = {}

    def model(self, uid: str, periods: int, exclude: int | None = None) -> ErrorModel:
        name = self.pool_of.get(uid, ALL)
        key = (name, periods, exclude)
        if key not in self._fitted:
            errors, forecasts = self._pool_samples(name, periods, exclude)
            self._fitted[key] = ErrorModel.fit(errors, forecasts)
        return self._fitted[key]

    def _pool_samples(self, name: str, periods: int, exclude: int | None) -> tuple[np.ndarray, np.ndarray]:
        if periods not in self._samples:
            self._samples[periods] = lead_time_samples(self.history, periods)
        errors, forecasts = self._samples[periods]
        rows = self._members[name]
        errors, forecasts = errors[rows], forecasts[rows]
        if exclude is not None:
            h = self.history.horizon
            starts = np.arange(errors.shape[1])
            before = starts + periods <= exclude * h
            keep = before | (starts >= (exclude + 1) * h + periods)
            if not keep.any():  # a short backtest: keep the samples that only start after the window
                keep = before | (starts >= (exclude + 1) * h)
            errors, forecasts = errors[:, keep], forecasts[:, keep]
        return errors, forecasts


# --- the policy ----------------------------------------------------------------------


def lead_periods(lead_days, freq: str) -> np.ndarray:
    """Lead time in whole periods, rounded up (an order arrives at the start of a period), at least 1."""
    return np.maximum(np.ceil(np.asarray(lead_days, dtype="float64") / period_days(freq) - 1e-9), 1).astype(int)


def review_periods(review_days, freq: str) -> np.ndarray:
    """Review period in whole periods, rounded to the nearest, at least 1."""
    return np.maximum(np.round(np.asarray(review_days, dtype="float64") / period_days(freq)), 1).astype(int)


def order_quantity(order_up_to: float, position: float, moq: float) -> int:
    """Whole units that lift the inventory position to the order-up-to level, at least the minimum order."""
    return math.ceil(max(order_up_to - position, moq))


def eoq(annual_demand, order_cost, unit_cost, holding_rate) -> np.ndarray:
    """Economic order quantity ``sqrt(2 D K / (h c))``; NaN when holding a unit costs nothing."""
    holding = np.asarray(unit_cost, dtype="float64") * np.asarray(holding_rate, dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.sqrt(2 * np.asarray(annual_demand, dtype="float64") * np.asarray(order_cost) / holding)
    return np.where(holding > 0, value, np.nan)


@dataclass
class InventoryPlan:
    """The recommendation per series, the projected stock per series and period, and notes."""

    table: pd.DataFrame
    projection: pd.DataFrame
    notes: list[str] = field(default_factory=list)


TABLE_COLUMNS = [
    "unique_id", "category", "service_level", "lead_time", "lead_time_periods", "review_period", "on_hand", "on_order",
    "moq", "inventory_position", "lead_time_demand", "protection_periods", "protection_demand", "safety_stock",
    "reorder_point", "order_up_to", "eoq", "order_qty", "order_value", "days_of_cover", "stockout_date",
    "stockout_risk", "expected_lost_units", "revenue_at_risk", "excess_units", "excess_value", "money_at_stake",
    "expected_fill_rate", "error_samples", "unit_cost", "price",
]


def recommend_inventory(
    df: pd.DataFrame,
    freq: str,
    run,
    products: pd.DataFrame | None = None,
    *,
    forecast: pd.DataFrame | None = None,
    history: ErrorHistory | None = None,
    options: PolicyOptions = PolicyOptions(),
    measure: Measure | None = None,
) -> InventoryPlan:
    """Safety stock, reorder point, order-up-to level and the order to place now, per series.

    Parameters
    ----------
    df
        The cleaned sales table the run was trained on.
    run
        The :class:`~forecasting.evaluation.training.TrainedRun` whose forecast and backtest errors are used.
    products
        The products table (:func:`~forecasting.recommend.products.default_products`); ``None``: defaults.
    forecast
        The forecast to plan on (e.g. with manual adjustments: ``unique_id, ds, yhat``); ``None``: the run's.
    history
        Backtest errors (:func:`error_history`); ``None``: the run's own windows.
    measure
        What the target measures; a sales value (money) is turned into units with each series' price, and
        without a known price inventory cannot be planned (:func:`quantities_price` says so).

    Returns
    -------
    InventoryPlan
        ``table`` sorted by stock-out risk, then money at stake; see :data:`TABLE_COLUMNS`.
    """
    products = default_products(df, freq) if products is None else products
    forecast = run.forecast if forecast is None else forecast
    history = history or error_history(run, df, freq)
    notes: list[str] = []
    if measure is not None and measure.is_money:  # orders are in units: sales value / price
        price = quantities_price(products, df)
        forecast = forecast.assign(yhat=forecast["yhat"] / forecast[UID].astype(str).map(price))
        history = history.per_unit(price)
        notes.append("the target is a sales value: demand in units is the forecast divided by each series' price")
        unpriced = products.loc[~products[UID].astype(str).isin(price.index), UID]
        if len(unpriced):
            notes.append(f"{len(unpriced):,} series have no known price, so their sales value cannot be turned into "
                         f"units and they get no recommendation (e.g. {unpriced.iloc[0]}); add their prices")
            products = products[products[UID].astype(str).isin(price.index)]
    items = _items(products, forecast, history, notes)
    categories = items.set_index(UID)["category"] if items["category"].notna().any() else None
    models = ErrorModels(history, pools(list(items[UID]), categories, options.pool))
    paths = _forecast_paths(forecast, items[UID], freq)
    rows = [_recommend_one(item, paths[item[UID]], models, freq, options) for item in items.to_dict("records")]
    table = pd.DataFrame(rows)[TABLE_COLUMNS]
    table = table.sort_values(["stockout_risk", "money_at_stake", "reorder_point"], ascending=False, kind="stable",
                              na_position="last")
    unknown = table.loc[table["on_hand"].isna(), UID]
    if len(unknown):
        notes.append(f"stock on hand is unknown for {len(unknown):,} of {len(table):,} series (e.g. {unknown.iloc[0]}): "
                     "shown is the policy (safety stock, reorder point, order-up-to level); order quantities, days "
                     "of cover and stock-out risk need stock on hand (a products file with on_hand, or a stock column)")
    none = table.loc[table["error_samples"] == 0, UID]
    few = table.loc[table["error_samples"].between(1, MIN_SAMPLES - 1), UID]
    if len(none):
        notes.append(f"{len(none)} series have a protection period (lead time + review period) longer than the "
                     f"backtest, so no safety stock or order is given for them (e.g. {none.iloc[0]}); train with "
                     "more folds or a longer horizon")
    if len(few):
        notes.append(f"{len(few)} series have fewer than {MIN_SAMPLES} error samples for their protection period "
                     "(short backtest or long lead time): their safety stock is rough; train with more folds")
    projection = pd.concat([_projection(row, paths[row[UID]], freq) for row in table.to_dict("records")],
                           ignore_index=True)
    return InventoryPlan(table.reset_index(drop=True), projection, notes)


def known_prices(products: pd.DataFrame, df: pd.DataFrame) -> pd.Series:
    """Each series' known price (``unique_id`` -> price), to turn a sales value into units.

    Known: from the products file, or (the products table's default) from the prices in the sales data;
    a price made up from a cost share is not known.
    """
    priced = set(df.loc[df[PRICE].notna(), UID].astype(str)) if PRICE in df.columns else set()
    from_file = ~products[DEFAULTED].fillna("").str.contains(r"\bprice\b")
    known = (from_file | products[UID].astype(str).isin(priced)) & (products["price"] > 0)
    return products.loc[known].set_index(products.loc[known, UID].astype(str))["price"]


def quantities_price(products: pd.DataFrame, df: pd.DataFrame) -> pd.Series:
    """:func:`known_prices`, or DataValidationError when there is none: ordering a sales value as units
    would be silently wrong."""
    price = known_prices(products, df)
    if price.empty:
        raise DataValidationError(
            "the target is a sales value (money), and inventory needs quantities; there is no price to turn it "
            "into units", fix="map a quantity column as the target ({target}), or a price column ({price}), or "
                              "say the target is units if it is ({measure})")
    return price


def _items(products: pd.DataFrame, forecast: pd.DataFrame, history: ErrorHistory, notes: list[str]) -> pd.DataFrame:
    """Products rows of the series that have both a forecast and backtest errors."""
    products = products.assign(**{UID: products[UID].astype(str)})
    have = set(forecast[UID].astype(str)) & set(history.ids)
    left_out = sorted(set(products[UID]) - have)
    if left_out:
        notes.append(f"{len(left_out)} series have no forecast or backtest errors and get no recommendation: "
                     f"{', '.join(left_out[:3])}{' ...' if len(left_out) > 3 else ''}")
    items = products[products[UID].isin(have)].reset_index(drop=True)
    if items.empty:
        raise DataValidationError("no series has both a product row and a forecast; check that the products ids "
                                  "match the sales ids")
    return items


def _forecast_paths(forecast: pd.DataFrame, ids: pd.Series, freq: str) -> dict[str, pd.Series]:
    """Per series, the forecast by date continued (seasonally) far enough to measure days of cover."""
    limit = math.ceil(COVER_DAYS_LIMIT / period_days(freq))
    season = SEASON_LENGTH[freq_family(freq)]
    out = {}
    grouped = {str(k): g.sort_values(DS) for k, g in forecast.groupby(UID, sort=False)}
    for uid in ids:
        part = grouped[uid]
        values = extend(part["yhat"].to_numpy(dtype="float64").clip(min=0), max(limit, len(part)), season)
        dates = pd.date_range(part[DS].iloc[0], periods=len(values), freq=freq)
        out[uid] = pd.Series(values, index=dates)
        out[uid].attrs["horizon"] = len(part)
    return out


def _recommend_one(item: dict, path: pd.Series, models: ErrorModels, freq: str, options: PolicyOptions) -> dict:
    level = options.service_level or float(item["service_level"])
    lead = int(lead_periods(item["lead_time"], freq))
    review = int(review_periods(item["review_period"], freq))
    protect = lead + review - 1
    values = path.to_numpy()
    protection_demand = float(values[:protect].sum())
    lead_demand = float(values[:lead].sum())
    model = models.model(item[UID], protect)
    safety = model.quantile(level) * float(spread(protection_demand, model.kappa))
    reorder = max(protection_demand + safety, 0.0) if np.isfinite(safety) else float("nan")
    annual = float(values[: path.attrs["horizon"]].mean()) * 365.25 / period_days(freq)
    lot = float(eoq(annual, item["order_cost"], item["unit_cost"], item["holding_rate"]))
    order_up_to = reorder + (lot if options.eoq and np.isfinite(lot) else 0.0)
    position = float(item["on_hand"] + item["on_order"])  # NaN when stock on hand is unknown
    if not np.isfinite(reorder) or not np.isfinite(position):  # no error sample, or no stock: no order, said so
        quantity = float("nan")
    else:
        quantity = float(order_quantity(order_up_to, position, item["moq"])) if position < reorder else 0.0
    lead_model = models.model(item[UID], lead)
    lead_spread = float(spread(lead_demand, lead_model.kappa))
    margin = (position - lead_demand) / lead_spread
    risk = float(lead_model.exceed(margin)[0]) if np.isfinite(position) else float("nan")
    lost = float(lead_model.shortfall(margin)[0]) * lead_spread if np.isfinite(position) else float("nan")
    excess = max(position - order_up_to, 0.0) if np.isfinite(position) else float("nan")  # more than ever held
    # Expected fill rate: expected units short per cycle over the units one cycle sells.
    cycle_demand = max(float(values[:review].sum()), float(item["moq"]), lot if options.eoq and np.isfinite(lot) else 0)
    short = float(model.shortfall(model.quantile(level))[0]) * float(spread(protection_demand, model.kappa))
    fill = 1.0 - short / cycle_demand if cycle_demand > 0 else float("nan")
    cover, stockout = _cover(path, float(item["on_hand"]), float(item["on_order"]), lead, freq) \
        if np.isfinite(position) else (float("nan"), pd.NaT)
    revenue_at_risk = lost * float(item["price"])
    excess_value = excess * float(item["unit_cost"])
    return {
        UID: item[UID], "category": item.get("category"), "service_level": level, "lead_time": float(item["lead_time"]),
        "lead_time_periods": lead,
        "review_period": float(item["review_period"]), "on_hand": float(item["on_hand"]),
        "on_order": float(item["on_order"]), "moq": float(item["moq"]), "inventory_position": position,
        "lead_time_demand": lead_demand,
        "protection_periods": protect, "protection_demand": protection_demand, "safety_stock": safety,
        "reorder_point": reorder, "order_up_to": order_up_to, "eoq": lot, "order_qty": quantity,
        "order_value": quantity * float(item["unit_cost"]), "days_of_cover": cover, "stockout_date": stockout,
        "stockout_risk": risk, "expected_lost_units": lost, "revenue_at_risk": revenue_at_risk,
        "excess_units": excess, "excess_value": excess_value,
        "money_at_stake": max(revenue_at_risk, excess_value) if np.isfinite(position) else float("nan"),
        "expected_fill_rate": float(np.clip(fill, 0, 1)), "error_samples": len(model.z),
        "unit_cost": float(item["unit_cost"]), "price": float(item["price"]),
    }


def _cover(path: pd.Series, on_hand: float, on_order: float, lead: int, freq: str) -> tuple[float, pd.Timestamp]:
    """Days until on-hand stock runs out at the forecast rate, and the date stock runs out with the open order.

    The open order is assumed to arrive at the end of the lead time (the latest it could). Cover is
    interpolated inside the period where it runs out; ``inf`` / ``NaT`` when that is beyond two years.
    """
    values = path.to_numpy()
    cumulative = np.cumsum(values)
    days = period_days(freq)
    out = np.flatnonzero(cumulative > on_hand)
    if len(out):
        i = out[0]
        before = cumulative[i - 1] if i else 0.0
        cover = (i + (on_hand - before) / values[i]) * days
    else:
        cover = float("inf")
    arrivals = np.zeros(len(values))
    arrivals[min(lead - 1, len(values) - 1)] = on_order
    stock = on_hand + np.cumsum(arrivals) - cumulative
    short = np.flatnonzero(stock < 0)
    stockout = path.index[short[0]] if len(short) else pd.NaT
    return float(cover), stockout


def _projection(row: dict, path: pd.Series, freq: str) -> pd.DataFrame:
    """Expected stock per period if demand follows the forecast: with no new order, and with the policy run forward.

    The policy reviews every review period and orders up to the order-up-to level when the inventory position
    is below the reorder point (the first of those orders is the recommendation now). Stock never goes below
    zero: demand beyond it is lost, as in the replay on history.
    """
    horizon = max(int(row["protection_periods"]) * 2, math.ceil(56 / period_days(freq)))
    values = path.to_numpy()[:horizon]
    lead = int(row["lead_time_periods"])
    review = int(review_periods(row["review_period"], freq))
    without = _run_forward(values, row["on_hand"], row["on_order"], lead, None)
    policy = (review, row["reorder_point"], row["order_up_to"], row["moq"]) \
        if np.isfinite(row["reorder_point"]) else None
    with_orders = _run_forward(values, row["on_hand"], row["on_order"], lead, policy)
    return pd.DataFrame({
        UID: row[UID], DS: path.index[: len(values)], "demand": values, "stock_without_order": without,
        "stock_with_order": with_orders, "reorder_point": row["reorder_point"], "safety_stock": row["safety_stock"],
    })


def _run_forward(demand: np.ndarray, on_hand: float, on_order: float, lead: int,
                 policy: tuple[int, float, float, float] | None) -> np.ndarray:
    """End-of-period stock on hand over ``demand``; ``policy`` = (review, reorder point, order-up-to, moq) or None."""
    arrivals = np.zeros(len(demand) + lead + 1)
    arrivals[min(lead - 1, len(demand) - 1)] += on_order
    stock, pipeline, out = float(on_hand), float(on_order), np.empty(len(demand))
    for t, units in enumerate(demand):
        if policy is not None and t % policy[0] == 0 and stock + pipeline < policy[1]:
            quantity = order_quantity(policy[2], stock + pipeline, policy[3])
            arrivals[t + lead - 1] += quantity
            pipeline += quantity
        stock += arrivals[t]
        pipeline -= arrivals[t]
        stock = max(stock - units, 0.0)
        out[t] = stock
    return out
