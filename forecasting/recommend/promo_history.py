"""Past promotions: what each one really added, against a counterfactual baseline.

A promotion is a run of consecutive periods with ``promo > 0``. Its baseline is
what the series' demand regression (:mod:`.elasticity`) expects on the same
periods at the regular price without promotion; the regular price is the
median non-promotion price of the weeks before it. So the uplift is
``actual / baseline - 1`` at the same dates, with trend, weekday, season and
the regular price level held fixed; the dip after the promotion is reported
apart. Periods that sold out are left out of both sums, since their sales
understate demand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DataValidationError
from ..models.features import PRICE_MEMORY
from ..schema import CATEGORY, DS, PRICE, PROMO, UID, Y, freq_family
from .elasticity import (
    POST_PROMO_PERIODS,
    Elasticities,
    SeriesFit,
    design_matrix,
    estimate_elasticities,
    fit_demand_models,
    uplift,
    usable_rows,
)
from .scenarios import period_end

COLUMNS = ("unique_id", "category", "start", "end", "periods", "discount", "regular_price", "actual_units",
           "baseline_units", "uplift_pct", "expected_uplift_pct", "post_promo_change_pct", "used_periods", "note")


def require_promo(df: pd.DataFrame) -> None:
    """Raise a one-line error when the table has no promotion column."""
    if PROMO not in df.columns or not (pd.to_numeric(df[PROMO], errors="coerce").fillna(0) > 0).any():
        raise DataValidationError("the data has no promotion periods (no promo column, or it is always 0); map a "
                                  "promotion column on the Data page to analyse promotions", column=PROMO)


def past_promotions(df: pd.DataFrame, freq: str, *, elasticities: Elasticities | None = None) -> pd.DataFrame:
    """Uplift of every historical promotion against its counterfactual baseline.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`: ``discount`` is read from the prices (1 - promoted / regular price),
        ``uplift_pct`` is ``100 * (actual / baseline - 1)``, ``expected_uplift_pct`` what the pooled
        elasticity and promotion lift predict at that discount, ``post_promo_change_pct`` the change of
        the periods just after against their baseline (negative: a dip).
    """
    require_promo(df)
    frame = df.sort_values([UID, DS], kind="stable")
    has_price = PRICE in frame.columns and (pd.to_numeric(frame[PRICE], errors="coerce") > 0).any()
    if has_price:
        elasticities = elasticities or estimate_elasticities(frame, freq)
        fits, pooled = elasticities.fits, elasticities.per_series.set_index(UID)
    else:
        fits, pooled = fit_demand_models(frame, freq, with_price=False), None
    usable = usable_rows(frame, freq)
    family = freq_family(freq)
    rows = []
    for uid, series in frame.groupby(UID, sort=True):
        arrays = _SeriesArrays.of(series, usable, fits.get(uid), freq, has_price)
        facts = None if pooled is None else pooled.loc[uid]
        for first, last in _runs(arrays.promo > 0):
            rows.append(_one_promotion(series, arrays, first, last, family, facts))
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return table.astype({"start": "datetime64[ns]", "end": "datetime64[ns]"})


@dataclass(frozen=True)
class _SeriesArrays:
    """One series as arrays, with the regression's unpromoted demand at its reference price per period."""

    ds: pd.Series
    y: np.ndarray
    price: np.ndarray
    promo: np.ndarray
    usable: np.ndarray
    unpromoted: np.ndarray  # NaN without a fit
    price_coef: float  # 0 without price
    reference_price: float

    @classmethod
    def of(cls, series: pd.DataFrame, usable: pd.Series, fit: SeriesFit | None, freq: str,
           has_price: bool) -> _SeriesArrays:
        n = len(series)
        price = series[PRICE].to_numpy(float) if has_price else np.full(n, np.nan)
        unpromoted, coef, reference = np.full(n, np.nan), 0.0, np.nan
        if fit is not None:
            design = design_matrix(series, freq, fit.origin, fit.reference_price)
            # Promotion and the week after switched off, log price at the reference (0): scaled per episode below.
            unpromoted = fit.expected(design.assign(promo=0.0, post_promo=0.0, log_price=0.0))
            coef = fit.coef("log_price")[0] if fit.reference_price is not None else 0.0
            reference = fit.reference_price or np.nan
        return cls(series[DS].reset_index(drop=True), series[Y].to_numpy(float), price,
                   series[PROMO].fillna(0).to_numpy(float), usable.loc[series.index].to_numpy(bool), unpromoted,
                   0.0 if np.isnan(coef) else coef, reference)

    def baseline(self, positions: np.ndarray, regular: float) -> float:
        """Expected units at ``positions`` at the regular price without promotion."""
        scale = (regular / self.reference_price) ** self.price_coef if np.isfinite(self.reference_price) else 1.0
        return float(self.unpromoted[positions].sum() * scale)


def _runs(active: np.ndarray) -> list[tuple[int, int]]:
    """``(first, last)`` positions of each run of True values."""
    edges = np.diff(np.concatenate([[0], active.astype(int), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), (np.flatnonzero(edges == -1) - 1).tolist(), strict=True))


def _one_promotion(series: pd.DataFrame, arrays: _SeriesArrays, first: int, last: int, family: str,
                   pooled: pd.Series | None) -> dict:
    inside = np.arange(first, last + 1)
    used = inside[arrays.usable[inside]]
    after = np.arange(last + 1, min(last + 1 + POST_PROMO_PERIODS[family], len(arrays.y)))
    after = after[arrays.usable[after] & (arrays.promo[after] <= 0)]
    regular = _regular_price(arrays, first, last, PRICE_MEMORY[family])
    discount = 1 - np.nanmean(arrays.price[inside]) / regular if regular > 0 else np.nan
    actual = float(arrays.y[used].sum()) if len(used) else np.nan
    baseline = arrays.baseline(used, regular) if len(used) else np.nan
    after_change = _change(float(arrays.y[after].sum()), arrays.baseline(after, regular)) if len(after) else np.nan
    notes = []
    if np.isnan(arrays.unpromoted).all():
        notes.append("no baseline: too little usable history for this series")
    if len(used) < len(inside):
        notes.append(f"{len(inside) - len(used)} of {len(inside)} periods left out (sold out or unusual)")
    expected = np.nan
    if pooled is not None and np.isfinite(discount):
        expected = 100 * float(uplift(max(discount, 0.0), pooled["elasticity"], pooled["promo_lift"]))
    return {UID: series[UID].iloc[0], CATEGORY: series[CATEGORY].iloc[0] if CATEGORY in series.columns else None,
            "start": arrays.ds[first], "end": period_end(arrays.ds[[last]], family)[last] - pd.Timedelta(days=1),
            "periods": len(inside), "discount": discount, "regular_price": regular, "actual_units": actual,
            "baseline_units": baseline, "uplift_pct": _change(actual, baseline), "expected_uplift_pct": expected,
            "post_promo_change_pct": after_change, "used_periods": len(used), "note": "; ".join(notes)}


def _regular_price(arrays: _SeriesArrays, first: int, last: int, window: int) -> float:
    """Median non-promotion price of the ``window`` periods before the promotion (after it, at the very start)."""
    plain = (arrays.promo <= 0) & (arrays.price > 0)
    before = np.flatnonzero(plain[:first])[-window:]
    chosen = before if len(before) else last + 1 + np.flatnonzero(plain[last + 1:])[:window]
    return float(np.median(arrays.price[chosen])) if len(chosen) else np.nan


def _change(actual: float, baseline: float) -> float:
    return 100 * (actual / baseline - 1) if baseline and np.isfinite(baseline) and baseline > 0 else np.nan


def summarise_past(past: pd.DataFrame) -> pd.DataFrame:
    """Per category (or overall): promotions, mean discount, mean measured and expected uplift, the week after."""
    group = past[CATEGORY].fillna("(all)") if CATEGORY in past.columns else pd.Series("(all)", index=past.index)
    return past.groupby(group.rename(CATEGORY), sort=True).agg(
        promotions=(UID, "size"), mean_discount=("discount", "mean"), mean_uplift_pct=("uplift_pct", "mean"),
        median_uplift_pct=("uplift_pct", "median"), expected_uplift_pct=("expected_uplift_pct", "mean"),
        post_promo_change_pct=("post_promo_change_pct", "median")).reset_index()
