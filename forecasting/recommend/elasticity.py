"""Price elasticity and promotion lift of each series, estimated from its sales history.

For every series the log of expected demand is regressed on the log price (the
elasticity), the promotion share of the period (the display/feature lift on top
of the discount), the periods just after a promotion (pull-forward dip), a
linear trend, weekday dummies and two yearly waves. The model is fitted by
Poisson pseudo-maximum likelihood: a log-log regression that keeps zero-sales
days and stays unbiased under multiplicative noise, unlike OLS on log(units)
(Santos Silva & Tenreyro, 2006); a negative-binomial refit then weights the
noisy high-demand days down. Standard errors are HAC, since demand shocks
persist over days.

Periods that would bias the fit are left out: out of stock or sold out (units
equal stock: demand was cut off), flagged outliers, and the days around
shopping events, whose spikes the smooth yearly waves cannot describe. Each
series' estimate is then pooled toward its category (:mod:`.pooling`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning
from threadpoolctl import threadpool_limits

from ..data.cleaning import find_outliers, near_events
from ..errors import DataValidationError
from ..schema import CATEGORY, DS, PRICE, PROMO, STOCK, UID, Y, freq_family
from .pooling import Z95, GroupEstimate, random_effects, shrink

POST_PROMO_PERIODS = {"D": 7, "W": 1, "M": 1}  # the week after a promotion, where pull-forward shows
HAC_LAGS = {"D": 7, "W": 4, "M": 2}
MIN_EXTRA_ROWS = 20  # usable rows beyond the number of coefficients before a series gets its own estimate
LOW_VARIATION = 0.03  # std of log price below ~3%: the price barely moved, the own estimate is weak
MIN_TAU = 0.15  # prior spread of SKU elasticities within a category (see pooling.random_effects)
NO_CATEGORY = "(all)"


@dataclass(frozen=True)
class SeriesFit:
    """One series' demand regression: coefficients, their covariance and how to rebuild its design."""

    params: pd.Series
    cov: pd.DataFrame
    n_obs: int
    reference_price: float | None  # log price is centred here, so the intercept is demand at this price
    origin: pd.Timestamp  # trend is measured in years from here

    def coef(self, name: str) -> tuple[float, float]:
        """Coefficient and standard error, NaN when the regressor was not in the fit."""
        if name not in self.params.index:
            return np.nan, np.nan
        return float(self.params[name]), float(np.sqrt(self.cov.loc[name, name]))

    def expected(self, design: pd.DataFrame) -> np.ndarray:
        """Expected demand for rows of :func:`design_matrix` (regressors the fit lacks count as 0)."""
        columns = design.reindex(columns=self.params.index, fill_value=0.0)
        return np.exp(columns.to_numpy(float) @ self.params.to_numpy(float))


@dataclass(frozen=True)
class Elasticities:
    """Per-series and per-category price elasticity and promotion lift.

    ``per_series``: unique_id, category, elasticity, elasticity_lo, elasticity_hi (95%, pooled),
    own_elasticity, own_se, n_obs, price_variation, low_variation, pooled_weight (share taken
    from the category), promo_lift, uplift_at_20pct, post_promo_dip, note.
    ``per_category``: category, elasticity, elasticity_lo, elasticity_hi, spread, n_series,
    n_estimated, promo_lift, uplift_at_20pct.
    """

    per_series: pd.DataFrame
    per_category: pd.DataFrame
    fits: dict[str, SeriesFit]
    freq: str

    def row(self, unique_id: str) -> pd.Series:
        """The per-series row of one id."""
        match = self.per_series[self.per_series[UID] == unique_id]
        if match.empty:
            raise DataValidationError(f"series {unique_id!r} is not in the data; pick one of its unique_id values")
        return match.iloc[0]

    @property
    def by_series(self) -> pd.Series:
        """Each series' (pooled) elasticity, indexed by ``unique_id``: what the what-ifs continue prices with."""
        return self.per_series.set_index(UID)["elasticity"]


def uplift(discount: float | np.ndarray, elasticity, promo_lift) -> np.ndarray:
    """Promoted / regular-price demand - 1 at the same date: ``(1 - discount) ** elasticity * promo_lift - 1``."""
    return (1 - np.asarray(discount, float)) ** np.asarray(elasticity, float) * np.asarray(promo_lift, float) - 1


def require_price(df: pd.DataFrame) -> None:
    """Raise a one-line error when the table has no usable price column."""
    if PRICE not in df.columns or not (pd.to_numeric(df[PRICE], errors="coerce") > 0).any():
        raise DataValidationError("the data has no price column with positive prices; map a price column on the "
                                  "Data page to estimate price elasticities", column=PRICE)


def usable_rows(df: pd.DataFrame, freq: str) -> pd.Series:
    """Rows whose sales show true demand at a known price (see the module docstring for what is left out)."""
    ok = df[Y].notna() & np.isfinite(pd.to_numeric(df[Y], errors="coerce"))
    if PRICE in df.columns:
        ok &= pd.to_numeric(df[PRICE], errors="coerce") > 0
    if STOCK in df.columns:
        stock = pd.to_numeric(df[STOCK], errors="coerce")
        out = stock <= 0  # NaN stock is unknown, so the row is kept
        if freq_family(freq) == "D":
            # Sold out during the day. A resampled week or month keeps its lowest stock, which its total
            # sales exceed without any stock-out, so longer periods count only a zero as sold out.
            out |= df[Y] >= stock
        ok &= ~out
    ok &= ~find_outliers(df, freq)
    ok &= ~near_events(df[DS], freq)
    return ok


def design_matrix(series: pd.DataFrame, freq: str, origin: pd.Timestamp,
                  reference_price: float | None) -> pd.DataFrame:
    """Regressors of one series sorted by ``ds``: const, log_price, promo, post_promo, trend, weekday, yearly."""
    ds = series[DS]
    out = pd.DataFrame({"const": 1.0}, index=series.index)
    if reference_price is not None:
        out["log_price"] = np.log(series[PRICE].astype(float) / reference_price)
    if PROMO in series.columns:
        promo = series[PROMO].astype(float).fillna(0).clip(0, 1)
        recent = promo.shift(1).rolling(POST_PROMO_PERIODS[freq_family(freq)], min_periods=1).max().fillna(0)
        out["promo"] = promo
        out["post_promo"] = ((recent > 0) & (promo == 0)).astype(float)
    out["trend"] = (ds - origin).dt.days / 365.25
    if freq_family(freq) == "D":
        for day in range(1, 7):
            out[f"weekday_{day}"] = (ds.dt.day_of_week == day).astype(float)
    angle = 2 * np.pi * ds.dt.day_of_year.to_numpy() / 365.25
    for k in (1, 2):
        out[f"year_sin_{k}"] = np.sin(k * angle)
        out[f"year_cos_{k}"] = np.cos(k * angle)
    return out


def fit_demand_models(df: pd.DataFrame, freq: str, *, with_price: bool = True) -> dict[str, SeriesFit]:
    """The demand regression of every series that has enough usable history (no pooling)."""
    frame = df.sort_values([UID, DS], kind="stable")
    results = _fit_all(frame, usable_rows(frame, freq), freq, with_price=with_price)
    return {uid: fit for uid, (fit, _) in results.items() if fit is not None}


def _fit_all(frame: pd.DataFrame, usable: pd.Series, freq: str, *,
             with_price: bool) -> dict[str, tuple[SeriesFit | None, str]]:
    # One BLAS thread: dozens of small regressions run faster without threads fighting over shared cores.
    with threadpool_limits(limits=1, user_api="blas"):
        return {uid: _fit_series(series, usable, freq, with_price=with_price)
                for uid, series in frame.groupby(UID, sort=True)}


def _fit_series(series: pd.DataFrame, usable: pd.Series, freq: str, *,
                with_price: bool = True) -> tuple[SeriesFit | None, str]:
    """Fit one series (sorted by ds); returns the fit, or None and the reason there is none."""
    rows = series[usable.loc[series.index]]
    if rows.empty or rows[Y].sum() <= 0:
        return None, "no usable sales (all out of stock, outliers or zero)"
    reference = float(rows[PRICE].median()) if with_price else None
    design = design_matrix(series, freq, series[DS].min(), reference).loc[rows.index]
    span_years = (rows[DS].max() - rows[DS].min()).days / 365.25
    drop = [c for c in design.columns if c.startswith("year_")] if span_years < 1 else []
    varying = [c for c in design.columns if c == "const" or (c not in drop and design[c].std() > 1e-9)]
    design = design[varying]
    if with_price and "log_price" not in design.columns:
        return None, "the price never changed"
    if len(rows) < design.shape[1] + MIN_EXTRA_ROWS:
        return None, f"only {len(rows)} usable periods"
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            result = _fit_glm(rows[Y].to_numpy(float), design, freq)
        except (ValueError, np.linalg.LinAlgError, PerfectSeparationWarning) as exc:
            return None, f"the regression failed ({type(exc).__name__})"
    cov = pd.DataFrame(result.cov_params(), index=design.columns, columns=design.columns)
    if not np.all(np.isfinite(result.params)) or not np.all(np.isfinite(np.diag(cov))):
        return None, "the regression did not converge"
    fit = SeriesFit(pd.Series(result.params, index=design.columns), cov, len(rows), reference, series[DS].min())
    return fit, ""


def _fit_glm(y: np.ndarray, design: pd.DataFrame, freq: str):
    """Poisson fit, then a negative-binomial refit with the overdispersion estimated from the Poisson residuals.

    Both are consistent for the coefficients; the negative-binomial weights stop
    the noisiest high-demand days from dominating, which narrows the intervals.
    """
    cov = {"cov_type": "HAC", "cov_kwds": {"maxlags": HAC_LAGS[freq_family(freq)]}}
    poisson = sm.GLM(y, design, family=sm.families.Poisson()).fit(**cov)
    mu = poisson.fittedvalues
    alpha = float(np.sum((y - mu) ** 2 - mu) / np.sum(mu**2))  # moment estimate of var = mu + alpha * mu^2
    if not alpha > 1e-3:
        return poisson
    return sm.GLM(y, design, family=sm.families.NegativeBinomial(alpha=alpha)).fit(start_params=poisson.params, **cov)


def _category_of(df: pd.DataFrame) -> pd.Series:
    """Category per unique_id; one shared group when the data has none."""
    if CATEGORY not in df.columns:
        return pd.Series(NO_CATEGORY, index=pd.Index(df[UID].unique(), name=UID))
    first = df.groupby(UID, sort=False)[CATEGORY].first()
    return first.astype(str).where(first.notna(), NO_CATEGORY)


def _price_variation(series: pd.DataFrame, usable: pd.Series) -> float:
    prices = series.loc[usable.loc[series.index], PRICE].astype(float)
    return float(np.log(prices[prices > 0]).std()) if len(prices) > 1 else 0.0


def estimate_elasticities(df: pd.DataFrame, freq: str, *, min_tau: float = MIN_TAU) -> Elasticities:
    """Price elasticity (and promotion lift) per series and per category, pooled toward the category.

    Parameters
    ----------
    df
        The cleaned long table with ``price`` (and ideally ``promo``, ``category``, ``stock``).
    freq
        Its pandas frequency.
    min_tau
        Prior spread of elasticities within a category; 0 lets consistent categories pool fully.
    """
    require_price(df)
    frame = df.sort_values([UID, DS], kind="stable")
    usable = usable_rows(frame, freq)
    categories = _category_of(frame)
    results = _fit_all(frame, usable, freq, with_price=True)
    fits = {uid: fit for uid, (fit, _) in results.items() if fit is not None}
    rows = []
    for uid, series in frame.groupby(UID, sort=True):
        fit, reason = results[uid]
        elasticity, se = fit.coef("log_price") if fit else (np.nan, np.nan)
        log_lift, lift_se = fit.coef("promo") if fit else (np.nan, np.nan)
        dip = fit.coef("post_promo")[0] if fit else np.nan
        variation = _price_variation(series, usable)
        rows.append({UID: uid, CATEGORY: categories[uid], "own_elasticity": elasticity, "own_se": se,
                     "log_lift": log_lift, "log_lift_se": lift_se, "post_promo_dip": np.exp(dip) - 1,
                     "n_obs": int(fit.n_obs if fit else usable.loc[series.index].sum()),
                     "price_variation": variation, "low_variation": variation < LOW_VARIATION, "note": reason})
    table = pd.DataFrame(rows)
    if table["own_elasticity"].notna().sum() == 0:
        raise DataValidationError("no series has enough price changes to estimate an elasticity; it needs periods "
                                  "at different prices (regular changes or discounts) outside stock-outs")
    return _pool(table, fits, freq, min_tau)


def _pool(table: pd.DataFrame, fits: dict[str, SeriesFit], freq: str, min_tau: float) -> Elasticities:
    """Pool elasticity and promotion lift per category (a category without any estimate pools toward all)."""
    overall = random_effects(table["own_elasticity"].to_numpy(), table["own_se"].to_numpy(), min_tau=min_tau)
    overall_lift = random_effects(table["log_lift"].to_numpy(), table["log_lift_se"].to_numpy(), min_tau=min_tau)
    parts, categories = [], []
    for category, members in table.groupby(CATEGORY, sort=True):
        members = members.copy()
        group = _group_or(members["own_elasticity"], members["own_se"], overall, min_tau)
        lift_group = _group_or(members["log_lift"], members["log_lift_se"], overall_lift, min_tau)
        value, se, weight = shrink(members["own_elasticity"].to_numpy(), members["own_se"].to_numpy(), group)
        members["elasticity"], members["pooled_weight"] = value, weight
        members["elasticity_lo"], members["elasticity_hi"] = value - Z95 * se, value + Z95 * se
        log_lift = shrink(members["log_lift"].to_numpy(), members["log_lift_se"].to_numpy(), lift_group)[0]
        members["promo_lift"] = np.exp(log_lift)
        members["uplift_at_20pct"] = uplift(0.2, value, members["promo_lift"])
        members.loc[members["note"].eq("") & members["low_variation"], "note"] = "the price barely varied"
        members.loc[members["own_elasticity"].isna(), "note"] += "; the category value is used"
        parts.append(members)
        categories.append({CATEGORY: category, "elasticity": group.value,
                           "elasticity_lo": group.value - Z95 * group.se, "elasticity_hi": group.value + Z95 * group.se,
                           "spread": group.tau, "n_series": len(members), "n_estimated": group.n_members,
                           "promo_lift": float(np.exp(lift_group.value)),
                           "uplift_at_20pct": float(members["uplift_at_20pct"].mean())})
    columns = [UID, CATEGORY, "elasticity", "elasticity_lo", "elasticity_hi", "own_elasticity", "own_se", "n_obs",
               "price_variation", "low_variation", "pooled_weight", "promo_lift", "uplift_at_20pct",
               "post_promo_dip", "note"]
    per_series = pd.concat(parts).sort_values(UID)[columns].reset_index(drop=True)
    per_series["note"] = per_series["note"].str.lstrip("; ")
    return Elasticities(per_series, pd.DataFrame(categories), fits, freq)


def _group_or(values: pd.Series, ses: pd.Series, fallback: GroupEstimate, min_tau: float) -> GroupEstimate:
    """The group's random-effects estimate, or the overall one when no member has its own."""
    group = random_effects(values.to_numpy(), ses.to_numpy(), min_tau=min_tau)
    if group.n_members == 0:
        return GroupEstimate(fallback.value, np.hypot(fallback.se, fallback.tau), fallback.tau, 0)
    return group
