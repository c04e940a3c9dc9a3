"""The feature code as it was before issue #12 made it lean, kept verbatim as the reference the lean code must
match (tests/models/test_features_lean.py). Not used by the library.

Original docstring: Features for global models: calendar, holidays, shopping events, past demand, price and promotion.

Leak-free by construction: every feature built from the target at period t
uses only values before t (lags start at 1, rolling and exponentially
weighted statistics are taken on the target shifted by one period). Price,
promotion, calendar and drivers are known in advance, so their value at t is
allowed. For the forecast horizon, :func:`recursive_forecast` fills the lag
features step by step with the model's own forecasts.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import holidays
import numpy as np
import pandas as pd

from forecasting.data.events import event_dates
from forecasting.errors import ConfigError
from forecasting.schema import CATEGORY, DS, PRICE, PROMO, STOCK, UID, Y, freq_family

TargetTransform = Literal["none", "log1p"]

DEFAULT_LAGS = {"D": (1, 2, 3, 4, 5, 6, 7, 14, 21, 28, 364), "W": (1, 2, 3, 4, 8, 13, 26, 52), "M": (1, 2, 3, 6, 12)}
DEFAULT_WINDOWS = {"D": (7, 28), "W": (4, 13), "M": (3, 12)}
EVENT_REACH = 15  # days-to/after-event features are clipped here: farther means "no event near"
PRICE_MEMORY = {"D": 28, "W": 8, "M": 3}  # periods of past prices that define the "usual" price
NOT_DRIVERS = {UID, DS, Y, PRICE, PROMO, CATEGORY, STOCK}


@dataclass(frozen=True)
class FeatureConfig:
    """Which features a global model sees.

    Parameters
    ----------
    lags
        Past periods of demand to use; ``None`` picks sensible ones for the frequency.
    rolling_windows, rolling_stats
        Windows (in periods) and statistics of past demand.
    ewm_alphas
        Smoothing factors of exponentially weighted means of past demand.
    diffs
        Differences of past demand (``y[t-1] - y[t-1-d]``).
    calendar
        Day of week, week of year, month, quarter, month start/end, weekend, yearly waves.
    holidays_country
        ISO country code for public holidays (``None`` for none).
    events
        Shopping events: 11.11, 618, Black Friday, Cyber Monday, Christmas.
    extra_events
        User-added event dates as ``(name, "YYYY-MM-DD")`` pairs.
    price, promo, category, drivers
        Use these columns when the data has them.
    target_transform
        ``log1p`` models log demand (multiplicative effects become additive).
    """

    lags: tuple[int, ...] | None = None
    rolling_windows: tuple[int, ...] | None = None
    rolling_stats: tuple[str, ...] = ("mean", "std")
    ewm_alphas: tuple[float, ...] = (0.5, 0.1)
    diffs: tuple[int, ...] = (1,)
    calendar: bool = True
    holidays_country: str | None = "US"
    events: bool = True
    extra_events: tuple[tuple[str, str], ...] = ()
    price: bool = True
    promo: bool = True
    category: bool = True
    drivers: bool = True
    target_transform: TargetTransform = "log1p"

    def __post_init__(self) -> None:
        bad_stats = set(self.rolling_stats) - {"mean", "std", "min", "max"}
        if bad_stats:
            raise ConfigError(f"rolling statistic {sorted(bad_stats)[0]!r} is not one of mean, std, min, max")
        for name, values in (("lags", self.lags), ("rolling windows", self.rolling_windows), ("diffs", self.diffs)):
            if values is not None and any(int(v) < 1 for v in values):
                raise ConfigError(f"{name} must be whole numbers of periods of at least 1, got {values}")
        if any(not 0 < a <= 1 for a in self.ewm_alphas):
            raise ConfigError(f"exponential smoothing factors must be in (0, 1], got {self.ewm_alphas}")
        if self.holidays_country is not None:
            supported = holidays.list_supported_countries()
            if self.holidays_country not in supported:
                raise ConfigError(f"holiday country {self.holidays_country!r} is unknown; use an ISO code such as "
                                  "US, GB, DE, FR, CN")
        if self.target_transform not in ("none", "log1p"):
            raise ConfigError(f"target transform {self.target_transform!r} is not one of none, log1p")

    def lags_for(self, freq: str) -> tuple[int, ...]:
        return tuple(sorted(set(self.lags if self.lags is not None else DEFAULT_LAGS[freq_family(freq)])))

    def windows_for(self, freq: str) -> tuple[int, ...]:
        return tuple(self.rolling_windows if self.rolling_windows is not None else DEFAULT_WINDOWS[freq_family(freq)])

    def memory(self, freq: str) -> int:
        """Past periods a forecast step needs to recompute every demand feature."""
        longest = max([*self.lags_for(freq), *(w + 1 for w in self.windows_for(freq)), *(d + 1 for d in self.diffs)])
        ewm = int(np.ceil(5 / min(self.ewm_alphas))) if self.ewm_alphas else 0  # 99% of the weight
        return max(longest, ewm) + 1


@dataclass
class FeatureBuilder:
    """Learns the static parts (categories, usual levels) on training data, then builds feature frames.

    Parameters
    ----------
    config
        What to build.
    freq
        pandas frequency of the data.
    """

    config: FeatureConfig
    freq: str
    categories_: list[str] = field(default_factory=list)
    drivers_: list[str] = field(default_factory=list)
    has_price_: bool = False
    has_promo_: bool = False
    level_: pd.Series | None = None
    feature_names_: list[str] = field(default_factory=list)

    def fit(self, df: pd.DataFrame) -> FeatureBuilder:
        """Remember which optional columns exist and each series' usual level."""
        cfg = self.config
        self.has_price_ = cfg.price and PRICE in df.columns and df[PRICE].notna().any()
        self.has_promo_ = cfg.promo and PROMO in df.columns
        self.categories_ = sorted(df[CATEGORY].astype(str).unique()) if cfg.category and CATEGORY in df.columns else []
        self.drivers_ = [c for c in df.columns if c not in NOT_DRIVERS and cfg.drivers
                         and pd.api.types.is_numeric_dtype(df[c])]
        self.level_ = df.groupby(UID, sort=True)[Y].mean().clip(lower=0)
        self.feature_names_ = list(self.transform(df.head(0)).columns)
        return self

    def target(self, y: pd.Series) -> pd.Series:
        return np.log1p(y.clip(lower=0)) if self.config.target_transform == "log1p" else y

    def inverse(self, values: np.ndarray) -> np.ndarray:
        return np.expm1(values) if self.config.target_transform == "log1p" else values

    def transform(self, df: pd.DataFrame) -> pd.DataFrame:
        """Feature frame aligned with ``df`` (sorted by ``unique_id, ds``; future rows have NaN ``y``)."""
        return self.combine(self.demand(df), self.exogenous(df))

    def demand(self, df: pd.DataFrame) -> pd.DataFrame:
        """The features built from past demand: the only ones that change while forecasting recursively."""
        return self._demand(df)

    def exogenous(self, df: pd.DataFrame) -> pd.DataFrame:
        """Calendar, events, holidays, price, promotion and static features: known in advance."""
        parts = [self._calendar(df[DS]), self._events(df[DS]), self._holidays(df[DS]), self._price_promo(df),
                 self._static(df)]
        return pd.concat([p for p in parts if p is not None and len(p.columns)], axis=1).set_axis(df.index)

    @staticmethod
    def combine(demand: pd.DataFrame, exogenous: pd.DataFrame) -> pd.DataFrame:
        return pd.concat([demand, exogenous], axis=1)

    # -- feature groups -------------------------------------------------------

    def _demand(self, df: pd.DataFrame) -> pd.DataFrame:
        cfg, freq = self.config, self.freq
        y = self.target(df[Y]).astype("float64")
        groups = y.groupby(df[UID], sort=False)
        past = groups.shift(1)  # everything below looks at periods before t only
        past_groups = past.groupby(df[UID], sort=False)
        out = {f"lag_{k}": groups.shift(k) for k in self.config.lags_for(freq)}
        for window in cfg.windows_for(freq):
            rolling = past_groups.rolling(window, min_periods=1)
            for stat in cfg.rolling_stats:
                out[f"roll_{stat}_{window}"] = getattr(rolling, stat)().reset_index(level=0, drop=True)
        for alpha in cfg.ewm_alphas:
            smoothed = past_groups.ewm(alpha=alpha, adjust=False).mean().reset_index(level=0, drop=True)
            out[f"ewm_{alpha:g}"] = smoothed.reindex(df.index)
        for d in cfg.diffs:
            out[f"diff_{d}"] = past - past_groups.shift(d)
        return pd.DataFrame(out, index=df.index)

    def _calendar(self, ds: pd.Series) -> pd.DataFrame | None:
        if not self.config.calendar:
            return None
        family = freq_family(self.freq)
        out = {"month": ds.dt.month, "quarter": ds.dt.quarter}
        day_of_year = ds.dt.day_of_year.to_numpy()
        for k in (1, 2):
            out[f"year_sin_{k}"] = np.sin(2 * np.pi * k * day_of_year / 365.25)
            out[f"year_cos_{k}"] = np.cos(2 * np.pi * k * day_of_year / 365.25)
        if family in ("D", "W"):
            out["week_of_year"] = ds.dt.isocalendar().week.astype("int64").to_numpy()
        if family == "D":
            out["day_of_week"] = ds.dt.day_of_week
            out["day_of_month"] = ds.dt.day
            out["weekend"] = (ds.dt.day_of_week >= 5).astype(int)
            out["month_start"] = ds.dt.is_month_start.astype(int)
            out["month_end"] = ds.dt.is_month_end.astype(int)
        return pd.DataFrame(out, index=ds.index).astype("float64")

    def _events(self, ds: pd.Series) -> pd.DataFrame | None:
        if not self.config.events and not self.config.extra_events:
            return None
        years = range(ds.min().year - 1, ds.max().year + 2) if len(ds) else range(2000, 2001)
        events = event_dates(years) if self.config.events else pd.DataFrame(columns=["event", "date"])
        extra = pd.DataFrame([(n, pd.Timestamp(d)) for n, d in self.config.extra_events], columns=["event", "date"])
        events = pd.concat([events, extra], ignore_index=True)
        out = {}
        family = freq_family(self.freq)
        for name, dates in events.groupby("event", sort=True)["date"]:
            days = np.sort(dates.to_numpy(dtype="datetime64[ns]"))
            if family == "D":
                out[f"days_to_{name}"], out[f"days_after_{name}"] = _distance_to_dates(ds, days)
            else:
                out[f"event_{name}"] = _dates_in_period(ds, days, family)
        return pd.DataFrame(out, index=ds.index)

    def _holidays(self, ds: pd.Series) -> pd.DataFrame | None:
        country = self.config.holidays_country
        if country is None or not len(ds):
            return None if country is None else pd.DataFrame({"holiday": [], "days_to_holiday": []})
        years = list(range(ds.min().year - 1, ds.max().year + 2))
        days = np.sort(np.array(list(holidays.country_holidays(country, years=years)), dtype="datetime64[ns]"))
        family = freq_family(self.freq)
        if family == "D":
            to, after = _distance_to_dates(ds, days)
            return pd.DataFrame({"holiday": (to == 0).astype(float), "days_to_holiday": to,
                                 "days_after_holiday": after}, index=ds.index)
        return pd.DataFrame({"holidays_in_period": _dates_in_period(ds, days, family)}, index=ds.index)

    def _price_promo(self, df: pd.DataFrame) -> pd.DataFrame | None:
        out = {}
        if self.has_price_:
            price = df[PRICE].astype("float64")
            usual = price.groupby(df[UID], sort=False).transform(
                lambda s: s.shift(1).rolling(PRICE_MEMORY[freq_family(self.freq)], min_periods=1).max()
            )
            out["log_price"] = np.log(price.clip(lower=1e-6))
            out["price_vs_usual"] = (price / usual).fillna(1.0)
        if self.has_promo_:
            promo = df[PROMO].astype("float64").fillna(0)
            out["promo"] = promo
            groups = promo.groupby(df[UID], sort=False)
            out["promo_last_period"] = groups.shift(1).fillna(0)  # the period after a promotion often dips
            out["promo_next_period"] = groups.shift(-1).fillna(0)  # and the one before it (buyers wait)
        for column in self.drivers_:
            out[f"driver_{column}"] = df[column].astype("float64") if column in df.columns else np.nan
        return pd.DataFrame(out, index=df.index) if out else None

    def _static(self, df: pd.DataFrame) -> pd.DataFrame:
        out = {"series_level": np.log1p(df[UID].map(self.level_).astype("float64").fillna(0))}
        if self.categories_:
            codes = pd.Categorical(df[CATEGORY].astype(str), categories=self.categories_).codes
            out["category"] = codes.astype("float64")
        return pd.DataFrame(out, index=df.index)


def _distance_to_dates(ds: pd.Series, days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Days until the next date in ``days`` and since the last one, both clipped at EVENT_REACH."""
    values = ds.to_numpy(dtype="datetime64[ns]")
    if len(days) == 0:
        far = np.full(len(values), float(EVENT_REACH))
        return far, far
    position = np.searchsorted(days, values, side="left")
    following = days[np.clip(position, 0, len(days) - 1)]
    to = (following - values) / np.timedelta64(1, "D")
    to = np.where((position >= len(days)) | (to < 0), EVENT_REACH, to)
    before = np.searchsorted(days, values, side="right") - 1
    preceding = days[np.clip(before, 0, len(days) - 1)]
    after = (values - preceding) / np.timedelta64(1, "D")
    after = np.where((before < 0) | (after < 0), EVENT_REACH, after)
    return np.minimum(to, EVENT_REACH), np.minimum(after, EVENT_REACH)


def _dates_in_period(ds: pd.Series, days: np.ndarray, family: str) -> np.ndarray:
    """How many of ``days`` fall in each week (7 days from ds) or month (of ds)."""
    values = ds.to_numpy(dtype="datetime64[ns]")
    if family == "M":
        start = ds.dt.to_period("M").dt.start_time.to_numpy(dtype="datetime64[ns]")
        end = (ds.dt.to_period("M") + 1).dt.start_time.to_numpy(dtype="datetime64[ns]")
    else:
        start, end = values, values + np.timedelta64(7, "D")
    return (np.searchsorted(days, end, side="left") - np.searchsorted(days, start, side="left")).astype(float)


def future_frame(history: pd.DataFrame, grid: pd.DataFrame, future: pd.DataFrame | None) -> tuple[pd.DataFrame, list[str]]:
    """Rows for the forecast periods with planned drivers where given, defaults elsewhere.

    Defaults: the last known price of each series, no promotion, drivers 0,
    and the series' category. Returns the rows and a note per defaulted column.
    """
    rows = grid.copy()
    notes = []
    given = future if future is not None else pd.DataFrame(columns=[UID, DS])
    if len(given):
        given = given.assign(**{UID: given[UID].astype(str), DS: pd.to_datetime(given[DS])})
    last = history.groupby(UID, sort=False).tail(1).set_index(UID)
    for column in history.columns:
        if column in (UID, DS, Y):
            continue
        planned = None
        if column in given.columns:
            planned = rows.merge(given[[UID, DS, column]], on=[UID, DS], how="left")[column].to_numpy()
        if column in (PRICE, CATEGORY, STOCK):
            default = rows[UID].map(last[column]).to_numpy()
        else:
            default = np.zeros(len(rows))
        if planned is None and column not in (CATEGORY, STOCK):
            notes.append(f"no planned values for {column!r}: used "
                         + ("the last known price" if column == PRICE else "0 (none)"))
        values = default if planned is None else np.where(pd.isna(planned), default, planned)
        rows[column] = values
    rows[Y] = np.nan
    return rows, notes


def training_table(builder: FeatureBuilder, df: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, np.ndarray]:
    """Features, target and the usable rows a global model learns from (``builder`` fitted on ``df``).

    A series' first period has no past at all, so it is not usable; a feature
    that is empty in every usable row (a lag longer than the history) is
    dropped rather than fed as a column of nothing.
    """
    X = builder.transform(df)
    y = builder.target(df[Y])
    usable = X["lag_1"].notna().to_numpy()
    return X[[c for c in X.columns if X.loc[usable, c].notna().any()]], y, usable


def recent_tail(df: pd.DataFrame, config: FeatureConfig, freq: str) -> pd.DataFrame:
    """Each series' last periods, as many as a recursive forecast needs to rebuild its demand features."""
    return df.groupby(UID, sort=False).tail(config.memory(freq)).reset_index(drop=True)


class StepDemand:
    """The demand features of the rows forecast at one recursive step, from arrays.

    Rebuilding every lag, rolling and smoothed feature over all series' tails
    at each step cost most of a forecast; a step only needs one row per series.
    The first step is built by :meth:`FeatureBuilder.demand` itself; later steps
    read lags and windows from an array of the (transformed) demand and carry
    the exponentially weighted means forward with pandas' own recursion
    (``adjust=False``; a run of unknown periods before the forecast decays the
    old weight as pandas does). A test checks equality with the full rebuild.
    """

    def __init__(self, builder: FeatureBuilder, work: pd.DataFrame) -> None:
        self.builder, self.work = builder, work
        self.cfg, self.freq = builder.config, builder.freq
        self.y = builder.target(work[Y]).astype("float64").to_numpy(copy=True)
        codes = pd.factorize(work[UID], sort=False)[0]
        boundaries = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
        self.start = np.repeat(boundaries, np.diff(np.r_[boundaries, len(work)]))  # first row of each row's series
        self.ewm: dict[float, np.ndarray] = {}
        self.gap = np.zeros(0)  # unknown periods just before the forecast, per series (set by the first step)

    def first(self, rows: np.ndarray) -> pd.DataFrame:
        """The first step's features, built by the feature builder itself; they seed the smoothed means."""
        frame = self.builder.demand(self.work).iloc[rows]
        for alpha in self.cfg.ewm_alphas:
            self.ewm[alpha] = frame[f"ewm_{alpha:g}"].to_numpy(dtype="float64", copy=True)
        self.gap = self._trailing_unknown(rows)
        return frame

    def at(self, rows: np.ndarray) -> pd.DataFrame:
        """A later step's features, from the demand arrays."""
        out: dict[str, np.ndarray] = {}
        for k in self.cfg.lags_for(self.freq):
            out[f"lag_{k}"] = self._value(rows - k, rows)
        for window in self.cfg.windows_for(self.freq):
            values = np.stack([self._value(rows - j, rows) for j in range(window, 0, -1)], axis=1)
            count = np.sum(~np.isnan(values), axis=1)
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-unknown windows give NaN, as in pandas
                stats = {"mean": np.nanmean(values, axis=1), "min": np.nanmin(values, axis=1),
                         "max": np.nanmax(values, axis=1),
                         "std": np.where(count > 1, np.nanstd(values, axis=1, ddof=1), np.nan)}
            for stat in self.cfg.rolling_stats:
                out[f"roll_{stat}_{window}"] = np.where(count > 0, stats[stat], np.nan)
        for alpha in self.cfg.ewm_alphas:
            out[f"ewm_{alpha:g}"] = self.ewm[alpha]
        for d in self.cfg.diffs:
            out[f"diff_{d}"] = self._value(rows - 1, rows) - self._value(rows - 1 - d, rows)
        return pd.DataFrame(out, index=self.work.index[rows])

    def record(self, rows: np.ndarray, values: np.ndarray) -> None:
        """Store a step's forecasts and move the smoothed means on to the next step's rows."""
        self.y[rows] = self.builder.target(pd.Series(values)).to_numpy(dtype="float64")
        x = self.y[rows]  # the next row's "past" value
        for alpha, smoothed in self.ewm.items():
            old = (1 - alpha) ** (self.gap + 1)
            moved = (old * smoothed + alpha * x) / (old + alpha)
            self.ewm[alpha] = np.where(np.isnan(smoothed), x, moved)
        self.gap = np.zeros(len(rows))

    def _value(self, positions: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Demand at ``positions`` where they fall in the same series as ``rows``, else NaN."""
        inside = positions >= self.start[rows]
        return np.where(inside, self.y[np.where(inside, positions, 0)], np.nan)

    def _trailing_unknown(self, rows: np.ndarray) -> np.ndarray:
        """Unknown demand values right before each series' first forecast row (they decay the smoothed mean)."""
        gaps = np.zeros(len(rows))
        for i, row in enumerate(rows):
            j = row - 1
            while j >= self.start[row] and np.isnan(self.y[j]):
                gaps[i] += 1
                j -= 1
        return gaps


def recursive_forecast(
    builder: FeatureBuilder,
    predict: Callable[[pd.DataFrame], np.ndarray],
    history: pd.DataFrame,
    rows: pd.DataFrame,
    horizon: int,
) -> np.ndarray:
    """Forecast step by step, feeding each step's forecast into the next step's lag features.

    Parameters
    ----------
    builder
        A fitted feature builder.
    predict
        Maps a feature frame to predictions on the transformed target scale.
    history
        Training rows (only each series' recent tail is used).
    rows
        The future rows from :func:`future_frame`, sorted by ``unique_id, ds``.
    horizon
        Steps per series.

    Returns
    -------
    Forecasts on the original scale, aligned with ``rows``.
    """
    memory = builder.config.memory(builder.freq)
    tail = history.groupby(UID, sort=False).tail(memory)
    future = rows[tail.columns.intersection(rows.columns)].assign(_future=True)
    work = pd.concat([tail.assign(_future=False), future], ignore_index=True)
    work = work.sort_values([UID, DS], kind="stable").reset_index(drop=True)
    is_future = work.pop("_future").to_numpy(dtype=bool)  # not "y is missing": history can have unknown days
    step = work[is_future].groupby(UID, sort=False).cumcount().to_numpy()
    future_index = np.flatnonzero(is_future)
    known = builder.exogenous(work)  # does not depend on demand: built once
    out = np.empty(len(future_index))
    demand = StepDemand(builder, work)
    for h in range(horizon):
        at = future_index[step == h]
        features = builder.combine(demand.first(at) if h == 0 else demand.at(at), known.iloc[at])
        values = np.clip(builder.inverse(predict(features)), 0, None)
        demand.record(at, values)
        out[step == h] = values
    # Return in the order of ``rows`` (sorted by unique_id, ds like ``work``'s future part).
    order = work.loc[future_index, [UID, DS]].reset_index(drop=True)
    aligned = rows[[UID, DS]].merge(order.assign(_v=out), on=[UID, DS], how="left")["_v"]
    return aligned.to_numpy()
