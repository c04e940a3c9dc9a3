"""Seeded generator of daily e-commerce demand with known ground truth.

The generator draws a panel of SKUs whose expected daily demand follows a
multiplicative model::

    mu = base * trend(t) * weekly[dow] * yearly(doy) * event(date) * dip(date)
         * (price / reference_price) ** elasticity * promo_lift ** promo

observes units from a Poisson-gamma (negative binomial) around ``mu``, caps the
units by the stock of a simple (s, Q) replenishment simulation with injected
supplier delays, and optionally dirties the result (duplicates, missing days,
outliers, missing values). Every parameter and every injected defect is stored
in a JSON-serialisable ground truth, so forecasting, elasticity and cleaning
code can be scored against the truth.

Run ``python -m forecasting.synthetic sample_data`` to regenerate the committed
sample files.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ConfigError
from .launches import LaunchPlan, launch_plan, launch_ramp, tiered_products, tiered_truth
from .profiles import (
    CATEGORY_PROFILES,
    CHRISTMAS_DROP,
    DESCRIPTION_ADJECTIVES,
    DISCOUNT_DEPTHS,
    ELASTICITY_BOUNDS,
    EVENT_NAMES,
    EVENT_RULES,
    POST_PROMO_DAYS,
    CategoryProfile,
)

#: Counts of promotions, price changes and supplier delays are quoted per three years
#: and scaled to the configured span.
REFERENCE_SPAN_DAYS = 1096
MIN_SPAN_DAYS = 365

#: A blocked SKU whose stock has not run out after this many days is written off to zero.
MAX_DELAY_WAIT_DAYS = 120

ORDER_WINDOW_DAYS = 90
ORDER_SKUS = 5

UPLIFT_DEFINITION = (
    "true_uplift = promoted expected demand / baseline expected demand - 1 on the same date, "
    "where baseline is the regular price without promotion; it equals "
    "(1 - discount) ** elasticity * promo_lift - 1."
)

MODEL_FORMULA = (
    "mu = base * trend(t) * weekly[dow] * yearly(doy) * event(date) * post_promo_dip(date) "
    "* (price / reference_price) ** elasticity * promo_lift ** promo; "
    "true_units ~ Poisson(mu * Gamma(dispersion, 1 / dispersion)); units = min(true_units, stock)"
)


SALES_COLUMNS = ("date", "sku", "category", "units", "price", "promo", "discount", "stock")
PRODUCT_COLUMNS = ("sku", "name", "description", "category", "unit_cost", "lead_time_days", "stock_on_hand")
ORDER_COLUMNS = ("order_id", "order_datetime", "sku", "category", "quantity", "unit_price", "discount")


@dataclass(frozen=True)
class SyntheticConfig:
    """Settings of :func:`generate`.

    Parameters
    ----------
    n_skus
        Number of SKUs (the committed sample uses 48).
    n_categories
        Number of categories, taken in order from :data:`CATEGORY_PROFILES` (1..8).
    start, end
        First and last day, ISO dates; the span must cover at least 365 days.
    seed
        Seed of every random draw; the same config always gives the same data.
    dirty
        Inject duplicates, missing days, outliers and missing ``units`` into ``sales``.
    launches
        New products for cold-start tests (off by default, which keeps every other output as it was): each
        SKU's demand level comes from a size tier whose words are in its name and description
        (:data:`.launches.SIZE_TIERS`), and about 40% of the SKUs launch inside the span, with no sales rows
        before their launch and demand ramping up after it; the truth records each SKU's tier and launch.
    """

    n_skus: int = 48
    n_categories: int = 6
    start: str = "2023-01-01"
    end: str = "2025-12-31"
    seed: int = 7
    dirty: bool = True
    launches: bool = False

    def __post_init__(self) -> None:
        if not 1 <= self.n_categories <= len(CATEGORY_PROFILES):
            raise ConfigError(f"n_categories={self.n_categories} is out of range; use 1..{len(CATEGORY_PROFILES)}")
        if self.n_skus < self.n_categories:
            raise ConfigError(
                f"n_skus={self.n_skus} is smaller than n_categories={self.n_categories}; "
                "give every category at least one SKU"
            )
        if self.n_skus > 999:
            raise ConfigError(f"n_skus={self.n_skus} is too large; SKU ids have three digits, use at most 999")
        if self.seed < 0:
            raise ConfigError(f"seed={self.seed} is negative; use a non-negative integer")
        try:
            first, last = pd.Timestamp(self.start), pd.Timestamp(self.end)
        except ValueError as exc:
            raise ConfigError(f"start={self.start!r} or end={self.end!r} is not an ISO date like 2023-01-01") from exc
        if (last - first).days + 1 < MIN_SPAN_DAYS:
            raise ConfigError(
                f"the span {self.start}..{self.end} is shorter than {MIN_SPAN_DAYS} days; "
                "move start earlier or end later"
            )

    @property
    def dates(self) -> pd.DatetimeIndex:
        """Every day from ``start`` to ``end``."""
        return pd.date_range(self.start, self.end, freq="D")


@dataclass(frozen=True)
class SyntheticData:
    """Output of :func:`generate`.

    Parameters
    ----------
    sales
        Daily panel as written to ``sales.csv`` (dirty when the config says so),
        columns :data:`SALES_COLUMNS`; ``units`` is a nullable ``Int64``.
    products
        One row per SKU, columns :data:`PRODUCT_COLUMNS`.
    orders
        Order lines of five SKUs over the last 90 days, columns :data:`ORDER_COLUMNS`.
    ground_truth
        JSON-serialisable truth: parameters, promotions, stock-outs and injected dirt.
    demand
        Clean full panel before any dirt: ``date, sku, category, mu, non_price_mu,
        price_effect, promo_effect, event_effect, true_units, units, stock, price,
        regular_price, promo, discount``; ``mu = non_price_mu * price_effect *
        promo_effect`` and ``true_units`` is the draw before the stock cap.
    """

    sales: pd.DataFrame
    products: pd.DataFrame
    orders: pd.DataFrame
    ground_truth: dict
    demand: pd.DataFrame


@dataclass(frozen=True)
class _SkuSpec:
    """Drawn static parameters of one SKU."""

    sku: str
    profile: CategoryProfile
    base: float
    trend_total: float
    elasticity: float
    promo_lift: float
    post_promo_dip: float
    intermittent: bool
    fast_mover: bool
    dispersion: float
    lead_time: int
    cycle_days: int
    reference_price: float
    unit_cost: float
    supplier_delays: bool


@dataclass(frozen=True)
class _Promotion:
    """One promotion episode, day indexes inclusive."""

    start: int
    end: int
    discount: float


# ---------------------------------------------------------------- calendar


def _weekly_profile(profile: CategoryProfile) -> np.ndarray:
    """Day-of-week multipliers, Monday first, scaled to mean 1."""
    weekly = np.asarray(profile.weekly, dtype=float)
    return weekly / weekly.mean()


def _yearly_curve(day_of_year: np.ndarray, amplitude: float, peak_doy: int) -> np.ndarray:
    """Smooth yearly multiplier with mean 1: two Fourier terms phased on the peak."""
    theta = 2 * np.pi * (day_of_year - peak_doy) / 365.25
    return 1 + amplitude * (0.8 * np.cos(theta) + 0.2 * np.cos(2 * theta))


def _event_masks(dates: pd.DatetimeIndex) -> dict[str, np.ndarray]:
    """Boolean day masks of the one-day events."""
    month, day, weekday = dates.month.to_numpy(), dates.day.to_numpy(), dates.day_of_week.to_numpy()
    # Thanksgiving is the 4th Thursday (22nd..28th), so Black Friday is the Friday on the 23rd..29th.
    black_friday = (month == 11) & (weekday == 4) & (day >= 23) & (day <= 29)
    before = dates - pd.Timedelta(days=3)
    cyber_monday = (
        (before.month.to_numpy() == 11)
        & (before.day_of_week.to_numpy() == 4)
        & (before.day.to_numpy() >= 23)
        & (before.day.to_numpy() <= 29)
    )
    return {
        "11.11": (month == 11) & (day == 11),
        "618": (month == 6) & (day == 18),
        "black_friday": black_friday,
        "cyber_monday": cyber_monday,
    }


def _event_multiplier(dates: pd.DatetimeIndex, profile: CategoryProfile) -> np.ndarray:
    """Product of all event effects of one category on each day."""
    effects = dict(zip(EVENT_NAMES, profile.events, strict=True))
    mult = np.ones(len(dates))
    for name, mask in _event_masks(dates).items():
        mult[mask] *= effects[name]
    month, day = dates.month.to_numpy(), dates.day.to_numpy()
    ramp = (month == 12) & (day >= 15) & (day <= 24)
    mult[ramp] *= 1 + (effects["christmas"] - 1) * (day[ramp] - 14) / 10
    mult[(month == 12) & (day == 25)] *= CHRISTMAS_DROP["12-25"]
    mult[(month == 12) & (day == 26)] *= CHRISTMAS_DROP["12-26"]
    return mult


def _event_dates(dates: pd.DatetimeIndex) -> dict[str, list[str]]:
    """ISO dates of each event inside the span (Christmas: its peak day, 12-24)."""
    out = {name: _iso(dates[mask]) for name, mask in _event_masks(dates).items()}
    out["christmas"] = _iso(dates[(dates.month == 12) & (dates.day == 24)])
    return out


def _iso(dates: pd.DatetimeIndex) -> list[str]:
    return [d.strftime("%Y-%m-%d") for d in dates]


def _scaled_count(rng: np.random.Generator, low: int, high: int, n_days: int, minimum: int) -> int:
    """Draw a count quoted per three years and scale it to the span."""
    return max(minimum, round(int(rng.integers(low, high + 1)) * n_days / REFERENCE_SPAN_DAYS))


# ---------------------------------------------------------------- SKU parameters


def _category_assignment(
    rng: np.random.Generator, n_skus: int, profiles: tuple[CategoryProfile, ...]
) -> list[CategoryProfile]:
    """Balanced, shuffled category of each SKU."""
    order = [profiles[i % len(profiles)] for i in range(n_skus)]
    return [order[i] for i in rng.permutation(n_skus)]


def _price_point(value: float) -> float:
    """Round to a shelf price: x.99 from 20 up, x.x9 below."""
    if value >= 20:
        return round(round(value) - 0.01, 2)
    return round(max(round(value, 1), 0.1) - 0.01, 2)


def _draw_skus(rng: np.random.Generator, config: SyntheticConfig) -> list[_SkuSpec]:
    """Static parameters of every SKU."""
    profiles = CATEGORY_PROFILES[: config.n_categories]
    categories = _category_assignment(rng, config.n_skus, profiles)
    # Keep at least one ordinary SKU so tiny panels can still carry dirt and order lines.
    n_slow = min(max(1, round(config.n_skus / 8)), config.n_skus - 1)
    n_fast = min(max(1, round(config.n_skus / 16)), config.n_skus - n_slow - 1)
    kinds = rng.permutation(config.n_skus)
    slow, fast = set(kinds[:n_slow].tolist()), set(kinds[n_slow : n_slow + n_fast].tolist())
    regular = [i for i in range(config.n_skus) if i not in slow]
    n_delayed = min(len(regular), max(1, round(config.n_skus / 3)))
    delayed = set(rng.choice(regular, size=n_delayed, replace=False).tolist())
    low, high = ELASTICITY_BOUNDS
    specs = []
    for i, profile in enumerate(categories):
        if i in slow:
            base = rng.uniform(0.2, 0.6)
        elif i in fast:
            base = rng.uniform(80, 120)
        else:
            base = float(np.clip(rng.lognormal(np.log(14), 0.45), 5, 40))
        price_low, price_high = profile.price_range
        reference = _price_point(math.exp(rng.uniform(math.log(price_low), math.log(price_high))))
        specs.append(
            _SkuSpec(
                sku=f"SKU-{i + 1:03d}",
                profile=profile,
                base=float(base),
                trend_total=float(rng.uniform(-0.15, 0.30)),
                elasticity=float(np.clip(profile.elasticity + rng.normal(0, 0.1), low, high)),
                promo_lift=float(np.clip(profile.promo_lift * math.exp(rng.normal(0, 0.05)), 1.1, 1.7)),
                post_promo_dip=float(rng.uniform(0.85, 0.95)),
                intermittent=i in slow,
                fast_mover=i in fast,
                # Slow movers are lumpier: smaller Gamma shape, more zero days.
                dispersion=float(rng.uniform(1.0, 2.0) if i in slow else rng.uniform(6.0, 15.0)),
                lead_time=int(rng.integers(3, 29)),
                cycle_days=int(rng.integers(14, 36)),
                reference_price=reference,
                unit_cost=round(reference * rng.uniform(0.45, 0.70), 2),
                supplier_delays=i in delayed,
            )
        )
    return specs


# ---------------------------------------------------------------- prices and promotions


def _regular_prices(
    rng: np.random.Generator, n_days: int, reference: float
) -> tuple[np.ndarray, list[tuple[int, float]]]:
    """Regular price path with 2-4 step changes per three years, and the (day, new price) steps."""
    n_changes = _scaled_count(rng, 2, 4, n_days, minimum=1)
    days = np.sort(rng.choice(np.arange(30, n_days - 30), size=n_changes, replace=False))
    path = np.full(n_days, reference)
    steps = []
    level = reference
    for day in days.tolist():
        # Prices drift up more often than down (inflation, cost pass-through).
        sign = 1 if rng.random() < 0.65 else -1
        level = _price_point(level * (1 + sign * rng.uniform(0.03, 0.15)))
        path[day:] = level
        steps.append((day, level))
    return path, steps


def _promotions(rng: np.random.Generator, n_days: int) -> list[_Promotion]:
    """6-10 non-overlapping promotions per three years, one per equal segment of the span."""
    n_promos = _scaled_count(rng, 6, 10, n_days, minimum=2)
    edges = np.linspace(7, n_days, n_promos + 1).astype(int)
    promos = []
    for left, right in itertools.pairwise(edges.tolist()):
        length = int(rng.integers(3, 15))
        # Leave room for the post-promotion dip inside the segment.
        latest = right - length - POST_PROMO_DAYS - 1
        start = int(rng.integers(left, latest + 1))
        promos.append(_Promotion(start, start + length - 1, float(rng.choice(DISCOUNT_DEPTHS))))
    return promos


def _selling_prices(rng: np.random.Generator, regular: np.ndarray, discount: np.ndarray) -> np.ndarray:
    """Actual selling price: discounted on promotion days, small repricing noise on some other days."""
    promo = discount > 0
    jitter = np.where(rng.random(len(regular)) < 0.15, rng.uniform(0.97, 1.03, len(regular)), 1.0)
    price = np.where(promo, regular * (1 - discount), regular * jitter)
    return np.round(price, 2)


# ---------------------------------------------------------------- stock


def _delay_plan(rng: np.random.Generator, n_days: int) -> dict[int, int]:
    """Planned supplier-delay starts (day -> length of the zero-stock spell)."""
    n_delays = _scaled_count(rng, 2, 4, n_days, minimum=1)
    edges = np.linspace(30, n_days - MAX_DELAY_WAIT_DAYS - 20, n_delays + 1).astype(int)
    return {
        int(rng.integers(left, right)): int(rng.integers(3, 11)) for left, right in itertools.pairwise(edges.tolist())
    }


def _simulate_stock(
    true_units: np.ndarray, spec: _SkuSpec, avg_demand: float, delays: dict[int, int]
) -> tuple[np.ndarray, np.ndarray, int, list[dict], dict]:
    """Run an (s, Q) policy day by day.

    Returns
    -------
    stock, sold, end_stock, delay_records, policy
        Stock on hand at the start of each day (after deliveries), units sold,
        stock after the last day, the supplier delays that happened as
        ``{"blocked_from", "zero_from", "zero_to"}`` day indexes, and the policy.
    """
    n_days = len(true_units)
    lead = spec.lead_time
    reorder_point = max(1, math.ceil(avg_demand * (lead + 7 + lead // 2)))
    order_qty = max(1, math.ceil(avg_demand * spec.cycle_days))
    pipeline = np.zeros(n_days + lead + 1, dtype=np.int64)
    stock = np.zeros(n_days, dtype=np.int64)
    sold = np.zeros(n_days, dtype=np.int64)
    on_hand, on_order, held = reorder_point + order_qty, 0, 0
    blocked, block_start, spell, release = False, -1, 0, -1
    records = []
    for t in range(n_days):
        if t == release:
            # The delayed supplier ships everything outstanding at once.
            on_hand += held + int(pipeline[t:].sum())
            pipeline[t:] = 0
            on_order, held, blocked, release = 0, 0, False, -1
        elif blocked:
            held += int(pipeline[t])
            pipeline[t] = 0
        else:
            on_hand += int(pipeline[t])
            on_order -= int(pipeline[t])
        if t in delays and not blocked:
            blocked, block_start, spell = True, t, delays[t]
            records.append({"blocked_from": t})
        if blocked and release < 0 and t - block_start >= MAX_DELAY_WAIT_DAYS:
            # Slow seller never ran dry: write the rest off so the delay still shows.
            on_hand, release = 0, t + spell
            records[-1].update(zero_from=t, zero_to=min(t + spell, n_days) - 1)
        stock[t] = on_hand
        sold[t] = min(int(true_units[t]), on_hand)
        on_hand -= int(sold[t])
        if blocked and release < 0 and on_hand == 0:
            release = t + 1 + spell
            records[-1].update(zero_from=t + 1, zero_to=min(t + spell, n_days - 1))
        if on_hand + on_order <= reorder_point:
            pipeline[t + lead] += order_qty
            on_order += order_qty
    # A delay still waiting at the end of the span has no zero spell; drop it.
    records = [r for r in records if "zero_from" in r and r["zero_from"] < n_days]
    policy = {"reorder_point": reorder_point, "order_quantity": order_qty}
    return stock, sold, on_hand, records, policy


# ---------------------------------------------------------------- one SKU


def _simulate_sku(
    rng: np.random.Generator,
    spec: _SkuSpec,
    dates: pd.DatetimeIndex,
    seasonal: np.ndarray,
    events: np.ndarray,
    launch: int | None = None,
) -> tuple[dict[str, np.ndarray], dict, int]:
    """Columns of the clean panel, ground-truth entry and end stock of one SKU (``launch``: its first day)."""
    n_days = len(dates)
    regular, steps = _regular_prices(rng, n_days, spec.reference_price)
    promos = _promotions(rng, n_days)
    discount = np.zeros(n_days)
    dip = np.ones(n_days)
    for p in promos:
        discount[p.start : p.end + 1] = p.discount
        dip[p.end + 1 : p.end + 1 + POST_PROMO_DAYS] = spec.post_promo_dip
    price = _selling_prices(rng, regular, discount)
    promo = (discount > 0).astype(np.int64)

    trend = 1 + spec.trend_total * np.arange(n_days) / (n_days - 1)
    non_price = spec.base * trend * seasonal * events * dip
    if launch is not None:
        non_price = non_price * launch_ramp(n_days, launch)
    price_effect = (price / spec.reference_price) ** spec.elasticity
    promo_effect = np.where(promo == 1, spec.promo_lift, 1.0)
    mu = non_price * price_effect * promo_effect
    # Poisson-gamma mixture = negative binomial with variance mu + mu**2 / dispersion.
    true_units = rng.poisson(mu * rng.gamma(spec.dispersion, 1 / spec.dispersion, n_days))

    delays = _delay_plan(rng, n_days) if spec.supplier_delays else {}
    # A launched SKU is stocked for its demand once on sale, not for a mean diluted by the days before.
    on_sale = mu if launch is None else mu[launch:]
    stock, sold, end_stock, delay_records, policy = _simulate_stock(true_units, spec, float(on_sale.mean()), delays)

    columns = {
        "mu": mu,
        "non_price_mu": non_price,
        "price_effect": price_effect,
        "promo_effect": promo_effect,
        "event_effect": events,
        "true_units": true_units.astype(np.int64),
        "units": sold,
        "stock": stock,
        "price": price,
        "regular_price": regular,
        "promo": promo,
        "discount": discount,
    }
    truth = _sku_truth(spec, dates, steps, promos, delay_records, policy, stock, true_units)
    return columns, truth, end_stock


def _sku_truth(
    spec: _SkuSpec,
    dates: pd.DatetimeIndex,
    steps: list[tuple[int, float]],
    promos: list[_Promotion],
    delays: list[dict],
    policy: dict,
    stock: np.ndarray,
    true_units: np.ndarray,
) -> dict:
    """Ground-truth entry of one SKU."""

    def day(i: int) -> str:
        return dates[i].strftime("%Y-%m-%d")

    return {
        "category": spec.profile.name,
        "base": _r(spec.base),
        "trend_total": _r(spec.trend_total),
        "elasticity": _r(spec.elasticity),
        "promo_lift": _r(spec.promo_lift),
        "post_promo_dip": _r(spec.post_promo_dip),
        "intermittent": spec.intermittent,
        "fast_mover": spec.fast_mover,
        "dispersion": _r(spec.dispersion),
        "reference_price": spec.reference_price,
        "regular_price_changes": [
            {"date": day(d), "regular_price": p, "change": _r(p / before - 1)}
            for (d, p), before in zip(steps, [spec.reference_price] + [p for _, p in steps[:-1]], strict=True)
        ],
        "lead_time_days": spec.lead_time,
        **policy,
        "promotions": [
            {
                "start": day(p.start),
                "end": day(p.end),
                "discount": p.discount,
                "true_uplift": _r(_uplift(p.discount, spec.elasticity, spec.promo_lift)),
            }
            for p in promos
        ],
        "supplier_delays": [{"start": day(r["zero_from"]), "end": day(r["zero_to"])} for r in delays],
        "stockout_days": _iso(dates[stock == 0]),
        "censored_days": _iso(dates[(stock > 0) & (true_units > stock)]),
    }


def _uplift(discount: float, elasticity: float, lift: float) -> float:
    return (1 - discount) ** elasticity * lift - 1


def _r(value: float) -> float:
    """Round a float for the JSON file."""
    return round(float(value), 6)


# ---------------------------------------------------------------- dirt


def _pick(rng: np.random.Generator, candidates: np.ndarray, size: int) -> np.ndarray:
    """Sorted random subset of candidate row positions (all of them if too few)."""
    size = min(size, len(candidates))
    return np.sort(rng.choice(candidates, size=size, replace=False))


def _inject_dirt(
    rng: np.random.Generator, clean: pd.DataFrame, demand: pd.DataFrame, specs: list[_SkuSpec]
) -> tuple[pd.DataFrame, dict]:
    """Delete days, blow up outliers, blank units and duplicate rows; return the frame and the record."""
    regular_skus = [s.sku for s in specs if not s.intermittent]
    is_regular = clean["sku"].isin(regular_skus).to_numpy()
    day_index = clean.groupby("sku").cumcount().to_numpy()
    n_days = int(day_index.max()) + 1
    interior = (day_index > 0) & (day_index < n_days - 1)
    taken = np.zeros(len(clean), dtype=bool)

    # Missing days: 25 rows over five regular SKUs, never the first or last day.
    gap_skus = rng.choice(regular_skus, size=min(5, len(regular_skus)), replace=False)
    counts = np.full(len(gap_skus), 25 // len(gap_skus))
    counts[: 25 % len(gap_skus)] += 1
    deleted = np.concatenate(
        [
            _pick(rng, np.flatnonzero(interior & (clean["sku"] == sku).to_numpy()), int(k))
            for sku, k in zip(gap_skus, counts, strict=True)
        ]
    )
    taken[deleted] = True

    # Outliers: a plain day with sales, scaled 8-15x but still within stock.
    units = clean["units"].to_numpy()
    plain = (
        is_regular
        & interior
        & ~taken
        & (clean["promo"].to_numpy() == 0)
        & (demand["event_effect"].to_numpy() == 1)
        & (units > 0)
    )
    factors = rng.integers(8, 16, size=8)
    outliers = []
    for factor in factors.tolist():
        fits = np.flatnonzero(plain & ~taken & (units * factor <= clean["stock"].to_numpy()))
        if len(fits) == 0:
            break
        row = int(rng.choice(fits))
        taken[row] = True
        outliers.append((row, factor))

    missing = _pick(rng, np.flatnonzero(~taken), 10)
    taken[missing] = True
    duplicated = _pick(rng, np.flatnonzero(~taken), 10)

    dirty = clean.copy()
    dirty["units"] = dirty["units"].astype("Int64")
    for row, factor in outliers:
        dirty.loc[row, "units"] = int(units[row]) * factor
    dirty.loc[missing, "units"] = pd.NA
    dirty = pd.concat([dirty.drop(index=deleted), dirty.loc[duplicated]])
    dirty = dirty.sort_values(["sku", "date"], kind="stable").reset_index(drop=True)

    def where(rows: np.ndarray) -> list[dict]:
        frame = clean.loc[rows, ["sku", "date"]].sort_values(["sku", "date"])
        return [{"sku": s, "date": d.strftime("%Y-%m-%d")} for s, d in zip(frame["sku"], frame["date"], strict=True)]

    outlier_rows = sorted(outliers, key=lambda item: (clean.loc[item[0], "sku"], clean.loc[item[0], "date"]))
    record = {
        "duplicate_rows": len(duplicated),
        "duplicates": where(duplicated),
        "missing_days": where(deleted),
        "outliers": [
            {
                "sku": clean.loc[row, "sku"],
                "date": clean.loc[row, "date"].strftime("%Y-%m-%d"),
                "true_units": int(units[row]),
                "factor": factor,
                "units": int(units[row]) * factor,
            }
            for row, factor in outlier_rows
        ],
        "missing_units": where(missing),
    }
    return dirty, record


# ---------------------------------------------------------------- orders and products


def _order_skus(specs: list[_SkuSpec], n_categories: int) -> list[str]:
    """Five ordinary SKUs, one per category first, for the order-lines file."""
    ordinary = [s for s in specs if not s.intermittent and not s.fast_mover]
    chosen = []
    for profile in CATEGORY_PROFILES[:n_categories]:
        match = next((s.sku for s in ordinary if s.profile is profile and s.sku not in chosen), None)
        if match is not None and len(chosen) < ORDER_SKUS:
            chosen.append(match)
    for s in ordinary + specs:
        if len(chosen) < ORDER_SKUS and s.sku not in chosen:
            chosen.append(s.sku)
    return sorted(chosen)


def _split_units(rng: np.random.Generator, units: int) -> list[int]:
    """Split a day's units into 1-4 positive order-line quantities."""
    n_lines = min(units, int(rng.integers(1, 5)))
    cuts = np.sort(rng.choice(np.arange(1, units), size=n_lines - 1, replace=False)) if n_lines > 1 else []
    bounds = [0, *list(cuts), units]
    return [int(b - a) for a, b in itertools.pairwise(bounds)]


def _build_orders(rng: np.random.Generator, sales: pd.DataFrame, skus: list[str], end: str) -> pd.DataFrame:
    """Order lines whose daily sum per SKU equals ``units`` of the written sales rows."""
    first_day = pd.Timestamp(end) - pd.Timedelta(days=ORDER_WINDOW_DAYS - 1)
    rows = sales.drop_duplicates().dropna(subset=["units"])
    rows = rows[rows["sku"].isin(skus) & (rows["date"] >= first_day) & (rows["units"] > 0)]
    lines = []
    for row in rows.itertuples(index=False):
        quantities = _split_units(rng, int(row.units))
        # Orders arrive between 07:00 and midnight.
        seconds = rng.integers(7 * 3600, 24 * 3600, size=len(quantities))
        for quantity, second in zip(quantities, seconds.tolist(), strict=True):
            lines.append(
                (row.date + pd.Timedelta(seconds=second), row.sku, row.category, quantity, row.price, row.discount)
            )
    orders = pd.DataFrame(lines, columns=list(ORDER_COLUMNS[1:]))
    orders = orders.sort_values(["order_datetime", "sku"], kind="stable").reset_index(drop=True)
    orders.insert(0, "order_id", [f"ORD-{i:06d}" for i in range(100001, 100001 + len(orders))])
    return orders


def _product_text(rng: np.random.Generator, specs: list[_SkuSpec]) -> dict[str, tuple[str, str]]:
    """Unique readable name and one-sentence description of every SKU."""
    nouns = {p.name: list(rng.permutation(p.nouns)) for p in CATEGORY_PROFILES}
    named = dict.fromkeys(nouns, 0)
    used = set()
    out = {}
    for spec in specs:
        profile = spec.profile
        noun = nouns[profile.name][named[profile.name] % len(profile.nouns)]
        named[profile.name] += 1
        base_name = f"{rng.choice(profile.brands)} {noun}"
        name, suffix = base_name, 2
        while name in used:
            name, suffix = f"{base_name} #{suffix}", suffix + 1
        used.add(name)
        description = f"{rng.choice(DESCRIPTION_ADJECTIVES)} {_lower_words(noun)} {rng.choice(profile.features)}."
        out[spec.sku] = (name, description)
    return out


def _lower_words(text: str) -> str:
    """Lower-case ordinary capitalised words but keep acronyms and model names (USB-C, A5, SPF)."""
    words = text.split()
    return " ".join(w if w.isupper() or any(c.isupper() or c.isdigit() for c in w[1:]) else w.lower() for w in words)


def _build_products(rng: np.random.Generator, specs: list[_SkuSpec], end_stock: dict[str, int]) -> pd.DataFrame:
    text = _product_text(rng, specs)
    return pd.DataFrame(
        {
            "sku": [s.sku for s in specs],
            "name": [text[s.sku][0] for s in specs],
            "description": [text[s.sku][1] for s in specs],
            "category": [s.profile.name for s in specs],
            "unit_cost": [s.unit_cost for s in specs],
            "lead_time_days": [s.lead_time for s in specs],
            "stock_on_hand": [end_stock[s.sku] for s in specs],
        }
    )


# ---------------------------------------------------------------- ground truth


def _category_truth(specs: list[_SkuSpec], profiles: tuple[CategoryProfile, ...]) -> dict:
    out = {}
    for profile in profiles:
        members = [s for s in specs if s.profile is profile]
        uplifts = [_uplift(0.2, s.elasticity, s.promo_lift) for s in members]
        out[profile.name] = {
            "elasticity": profile.elasticity,
            "promo_lift": profile.promo_lift,
            "weekly": [round(float(w), 6) for w in _weekly_profile(profile)],
            "yearly": {
                "amplitude": profile.yearly_amplitude,
                "peak_day_of_year": profile.yearly_peak_doy,
                "formula": "1 + amplitude * (0.8 * cos(theta) + 0.2 * cos(2 * theta)), "
                "theta = 2 * pi * (day_of_year - peak_day_of_year) / 365.25",
            },
            "events": dict(zip(EVENT_NAMES, profile.events, strict=True)),
            "price_range": list(profile.price_range),
            "true_uplift_at_20pct": _r(np.mean(uplifts)) if uplifts else None,
            "skus": [s.sku for s in members],
        }
    return out


def _ground_truth(
    config: SyntheticConfig,
    dates: pd.DatetimeIndex,
    specs: list[_SkuSpec],
    sku_truth: dict,
    dirt: dict,
) -> dict:
    profiles = CATEGORY_PROFILES[: config.n_categories]
    empty_dirt = {"duplicate_rows": 0, "duplicates": [], "missing_days": [], "outliers": [], "missing_units": []}
    return {
        "seed": config.seed,
        "start": config.start,
        "end": config.end,
        "n_days": len(dates),
        "config": {
            "n_skus": config.n_skus,
            "n_categories": config.n_categories,
            "dirty": config.dirty,
        },
        "model": MODEL_FORMULA,
        "weekly_order": "Monday..Sunday",
        "post_promo_days": POST_PROMO_DAYS,
        "categories": _category_truth(specs, profiles),
        "skus": sku_truth,
        "events": EVENT_RULES,
        "event_dates": _event_dates(dates),
        "christmas_drop": CHRISTMAS_DROP,
        "dirty": dirt or empty_dirt,
        "uplift_definition": UPLIFT_DEFINITION,
    }


# ---------------------------------------------------------------- public API


def generate(config: SyntheticConfig = SyntheticConfig()) -> SyntheticData:
    """Generate a seeded synthetic e-commerce dataset with its ground truth.

    Parameters
    ----------
    config
        Size, span, seed and whether to dirty the sales panel.

    Returns
    -------
    SyntheticData
        Sales panel, products, order lines, ground truth and the clean demand panel.
    """
    dates = config.dates
    streams = np.random.SeedSequence(config.seed).spawn(5)
    sku_rng, series_rng, dirt_rng, order_rng, text_rng = (np.random.default_rng(s) for s in streams)
    specs = _draw_skus(sku_rng, config)
    plan = launch_plan(config, specs, len(dates)) if config.launches else LaunchPlan()
    specs = plan.specs or specs

    day_of_year, weekday = dates.day_of_year.to_numpy(), dates.day_of_week.to_numpy()
    seasonal, events = {}, {}
    for profile in CATEGORY_PROFILES[: config.n_categories]:
        seasonal[profile.name] = _weekly_profile(profile)[weekday] * _yearly_curve(
            day_of_year, profile.yearly_amplitude, profile.yearly_peak_doy
        )
        events[profile.name] = _event_multiplier(dates, profile)

    parts, sku_truth, end_stock = [], {}, {}
    for spec in specs:
        name = spec.profile.name
        columns, truth, end_stock[spec.sku] = _simulate_sku(series_rng, spec, dates, seasonal[name], events[name],
                                                            plan.launch.get(spec.sku))
        parts.append(columns)
        sku_truth[spec.sku] = truth

    n_days = len(dates)
    demand = pd.DataFrame(
        {
            "date": np.tile(dates.to_numpy(), len(specs)),
            "sku": np.repeat([s.sku for s in specs], n_days),
            "category": np.repeat([s.profile.name for s in specs], n_days),
            **{key: np.concatenate([part[key] for part in parts]) for key in parts[0]},
        }
    )
    clean = demand[list(SALES_COLUMNS)].copy()
    on_sale = demand
    if plan.launch:  # a product has no sales rows before its launch
        keep = demand["date"].to_numpy() >= demand["sku"].map(plan.launch_dates(dates)).to_numpy()
        clean, on_sale = clean[keep].reset_index(drop=True), demand[keep].reset_index(drop=True)
    if config.dirty:
        sales, dirt = _inject_dirt(dirt_rng, clean, on_sale, specs)
    else:
        sales, dirt = clean.assign(units=clean["units"].astype("Int64")), {}

    orders = _build_orders(order_rng, sales, _order_skus(specs, config.n_categories), config.end)
    products = _build_products(text_rng, specs, end_stock)
    truth = _ground_truth(config, dates, specs, sku_truth, dirt)
    if config.launches:
        products = tiered_products(products, plan)
        truth = tiered_truth(truth, plan, dates)
    return SyntheticData(sales=sales, products=products, orders=orders, ground_truth=truth, demand=demand)


def write_sample(data: SyntheticData, folder: str | Path) -> None:
    """Write ``sales.csv``, ``products.csv``, ``orders.csv`` and ``ground_truth.json``.

    Parameters
    ----------
    data
        Output of :func:`generate`.
    folder
        Target folder; created when missing, existing files are overwritten.
    """
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    data.sales.to_csv(out / "sales.csv", index=False, date_format="%Y-%m-%d", lineterminator="\n")
    data.products.to_csv(out / "products.csv", index=False, lineterminator="\n")
    data.orders.to_csv(out / "orders.csv", index=False, date_format="%Y-%m-%d %H:%M:%S", lineterminator="\n")
    text = json.dumps(data.ground_truth, indent=2, ensure_ascii=False)
    (out / "ground_truth.json").write_text(text + "\n", encoding="utf-8")
