"""What pricing and promotion decisions start from: today's regular price and the unit cost of each series.

The regular price is the median price of the non-promotion periods of about
the last four weeks, so neither a running promotion nor a one-day repricing
sets it. Unit costs come from the products table; where it has none, the cost
is assumed to be a stated share of the price, and the ``cost_source`` column
says so on every row that uses the assumption.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ConfigError, DataValidationError, MappingError
from ..models.features import PRICE_MEMORY
from ..schema import DS, PRICE, PROMO, UID, freq_family
from .products import DEFAULTED, ProductDefaults

ASSUMED_COST_SHARE = ProductDefaults.cost_share  # unit cost as a share of the price when no cost is known


def as_fraction(value: float, what: str, *, upper: float = 1.0) -> float:
    """A share in (0, ``upper``); numbers above 1 are read as percentages (20 means 20%)."""
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{what} {value!r} is not a number; give a share such as 0.2 or a percent such as "
                          "20") from exc
    if 1 < number <= 100:
        number /= 100
    if not 0 < number < upper or not np.isfinite(number):
        raise ConfigError(f"{what} {value!r} is out of range; give a share between 0 and {upper:g} "
                          f"(such as 0.2) or a percent (such as 20)")
    return number


def regular_prices(df: pd.DataFrame, freq: str) -> pd.Series:
    """Today's regular price per series: median non-promotion price of the last ~4 weeks (last price if none)."""
    if PRICE not in df.columns:
        raise DataValidationError("the data has no price column; map a price column on the Data page to plan "
                                  "prices or compute revenue", column=PRICE)
    frame = df[df[PRICE] > 0].sort_values([UID, DS], kind="stable")
    recent = frame.groupby(UID, sort=True).tail(PRICE_MEMORY[freq_family(freq)])
    regular = recent[recent[PROMO].fillna(0) <= 0] if PROMO in recent.columns else recent
    prices = regular.groupby(UID, sort=True)[PRICE].median()
    last = frame.groupby(UID, sort=True)[PRICE].last()
    ids = pd.Index(sorted(df[UID].unique()), name=UID)
    return prices.reindex(ids).fillna(last.reindex(ids)).rename(PRICE)


def unit_costs(prices: pd.Series, products: pd.DataFrame | None, *,
               cost_share: float = ASSUMED_COST_SHARE) -> pd.DataFrame:
    """``unique_id, current_price, unit_cost, cost_source`` for every series of ``prices``.

    ``products`` needs ``unique_id`` and ``unit_cost`` (one row per series); a
    ``price`` column there overrides the price seen in the sales, unless the
    products table marks it as a default.
    """
    table = pd.DataFrame({UID: prices.index, "current_price": prices.to_numpy(float)})
    known_cost = pd.Series(np.nan, index=prices.index)
    if products is not None:
        products = _checked_products(products)
        given = products.set_index(UID)
        defaulted = given[DEFAULTED].fillna("") if DEFAULTED in given.columns else pd.Series("", index=given.index)
        cost = given["unit_cost"].where(~defaulted.str.contains("unit_cost"))
        known_cost = cost.reindex(prices.index)
        if PRICE in given.columns:
            price = given[PRICE].where(~defaulted.str.contains(PRICE) & (given[PRICE] > 0)).reindex(prices.index)
            table["current_price"] = price.fillna(prices).to_numpy(float)
    assumed = known_cost.isna().to_numpy()
    table["unit_cost"] = np.where(assumed, table["current_price"] * cost_share, known_cost.to_numpy(float))
    table["cost_source"] = np.where(assumed, f"assumed: {cost_share:.0%} of the price", "products table")
    return table


def _checked_products(products: pd.DataFrame) -> pd.DataFrame:
    missing = [c for c in (UID, "unit_cost") if c not in products.columns]
    if missing:
        raise MappingError(f"the products table has no column {missing[0]!r}; give one row per unique_id with its "
                           "unit_cost", column=missing[0])
    products = products.assign(**{UID: products[UID].astype(str)})
    if products[UID].duplicated().any():
        repeated = products.loc[products[UID].duplicated(), UID].iloc[0]
        raise DataValidationError(f"the products table lists {repeated!r} more than once; keep one row per unique_id",
                                  ids=[repeated])
    cost = pd.to_numeric(products["unit_cost"], errors="coerce")
    if (cost < 0).any():
        bad = products.loc[cost < 0, UID].iloc[0]
        raise DataValidationError(f"unit_cost of {bad!r} is negative; costs must be 0 or more", ids=[bad])
    return products.assign(unit_cost=cost)
