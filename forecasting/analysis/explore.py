"""Look at demand before modelling it: levels, decomposition, profiles, price and promotion response, ABC/XYZ.

Every function takes the long contract table (``unique_id``, ``ds``, ``y`` and
optional ``price``, ``promo``, ``category``), usually the cleaned one, and
returns a small frame or a frozen result object that :mod:`forecasting.plots.explore`
draws. Nothing here changes its input.

A level (total, category or one series) is chosen with
:mod:`forecasting.analysis.hierarchy`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.frequency import PERIOD_NAMES
from ..errors import ConfigError, DataValidationError
from ..schema import CATEGORY, DS, PRICE, PROMO, SEASON_LENGTH, UID, Y, freq_family

#: ABC: the best sellers that make up the first 80% of volume are A, the next 15% B, the last 5% C.
ABC_SHARES = (0.80, 0.95)
#: XYZ: coefficient of variation of demand per period up to 0.5 is X (steady), up to 1.0 Y, above Z.
XYZ_CV = (0.5, 1.0)
#: Syntetos-Boylan cut-offs: average demand interval and squared CV of the non-zero demand sizes.
ADI_CUTOFF = 1.32
CV2_CUTOFF = 0.49
DEMAND_CLASSES = ("smooth", "erratic", "intermittent", "lumpy")
NO_DEMAND = "no demand"
WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def series_summary(series: pd.DataFrame) -> dict:
    """Headline numbers of one series: periods, total and mean units, share of periods without sales, dates."""
    values = series[Y]
    known = values.dropna()
    return {
        "periods": int(len(series)),
        "total": float(known.sum()),
        "mean": float(known.mean()) if len(known) else float("nan"),
        "zero_share": float((known == 0).mean()) if len(known) else float("nan"),
        "missing": int(values.isna().sum()),
        "start": series[DS].min(),
        "end": series[DS].max(),
    }


# --- decomposition and profiles ---------------------------------------------


def season_period(freq: str) -> int:
    """The season length STL uses for a frequency: 7 for days, 52 for weeks, 12 for months."""
    return SEASON_LENGTH[freq_family(freq)]


@dataclass(frozen=True)
class Decomposition:
    """An STL decomposition of one series.

    Attributes
    ----------
    frame
        ``ds``, ``observed``, ``trend``, ``seasonal``, ``resid``; observed = trend + seasonal + resid.
    period
        The season length used.
    seasonal_strength, trend_strength
        0..1, as in Hyndman & Athanasopoulos (FPP3, 4.3): 1 minus the residual
        variance over the variance of seasonal (or trend) plus residual.
    filled
        Periods that were empty and were interpolated before decomposing.
    """

    frame: pd.DataFrame
    period: int
    seasonal_strength: float
    trend_strength: float
    filled: int


def decompose(series: pd.DataFrame, freq: str, *, period: int | None = None, robust: bool = True) -> Decomposition:
    """Split one series into trend, seasonal and residual parts with statsmodels' STL.

    Parameters
    ----------
    series
        One series: ``ds`` and ``y`` (other columns are ignored).
    freq
        The pandas frequency of the table (``D``, ``W-MON``, ``MS`` ...).
    period
        Season length; by default from the frequency (:func:`season_period`).
    robust
        Down-weight outliers (recommended for sales).

    Raises
    ------
    DataValidationError
        When the series holds more than one value per period, or fewer than two full seasons.
    """
    from statsmodels.tsa.seasonal import STL  # statsmodels takes a second to import: only when asked

    period = period or season_period(freq)
    if series[DS].duplicated().any():
        raise DataValidationError(
            "the decomposition needs one series with one value per period; pick a single series or a level"
        )
    values = series.set_index(DS)[Y].sort_index().astype("float64").asfreq(freq)
    filled = int(values.isna().sum())
    values = values.interpolate(limit_direction="both")
    if len(values) < 2 * period or values.isna().all():
        unit = f"{PERIOD_NAMES[freq_family(freq)]}s"
        raise DataValidationError(
            f"the decomposition needs at least two full seasons ({2 * period} {unit}); this series has "
            f"{len(values)}; choose a series with more history or a finer frequency"
        )
    fit = STL(values, period=period, robust=robust).fit()
    frame = pd.DataFrame(
        {DS: values.index, "observed": values.to_numpy(), "trend": fit.trend.to_numpy(),
         "seasonal": fit.seasonal.to_numpy(), "resid": fit.resid.to_numpy()}
    )
    return Decomposition(frame, period, _strength(fit.resid, fit.seasonal), _strength(fit.resid, fit.trend), filled)


def _strength(resid: pd.Series, part: pd.Series) -> float:
    total = float(np.var(part + resid))
    if total == 0:
        return 0.0
    return float(max(0.0, 1.0 - np.var(resid) / total))


def weekday_profile(series: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Mean demand per weekday and its index (1 = an average day); daily data only.

    Returns ``weekday`` (Mon..Sun), ``mean``, ``index`` and ``periods`` (how many days were averaged).
    """
    if freq_family(freq) != "D":
        raise ConfigError("the weekday profile needs daily data; this table has longer periods")
    return _profile(series, series[DS].dt.day_of_week, WEEKDAY_NAMES, "weekday")


def month_profile(series: pd.DataFrame) -> pd.DataFrame:
    """Mean demand per period in each calendar month and its index (1 = an average month).

    Returns ``month`` (Jan..Dec), ``mean``, ``index`` and ``periods``. Months without data are left out.
    """
    return _profile(series, series[DS].dt.month - 1, MONTH_NAMES, "month")


def _profile(series: pd.DataFrame, position: pd.Series, names: tuple[str, ...], label: str) -> pd.DataFrame:
    if series[Y].notna().sum() == 0:
        raise DataValidationError(f"the {label} profile needs demand values; this series has none")
    grouped = series[Y].groupby(position.to_numpy())
    table = pd.DataFrame({"mean": grouped.mean(), "periods": grouped.count()}).reindex(range(len(names)))
    table = table.loc[table["periods"].fillna(0) > 0]
    level = table["mean"].mean()
    table["index"] = table["mean"] / level if level else np.nan
    table.insert(0, label, [names[i] for i in table.index])
    return table.reset_index(drop=True)[[label, "mean", "index", "periods"]].astype({"periods": "int64"})


# --- price and promotion ------------------------------------------------------


@dataclass(frozen=True)
class PriceResponse:
    """How units move with price: a straight line through log units against log price.

    Attributes
    ----------
    points
        ``unique_id``, ``ds``, ``price``, ``units``, ``promo`` (bool): the periods used.
        When ``relative``, ``price`` and ``units`` are divided by the series' own
        typical (geometric mean) price and units, so each product is compared with itself.
    slope
        d log(units) / d log(price): a rough price elasticity (negative: dearer sells less).
    intercept, r2
        The rest of the fit, on the log scale.
    n_used, n_dropped
        Periods used, and periods left out (zero sales or no price: the log is undefined).
    relative
        True when several series were pooled.
    """

    points: pd.DataFrame
    slope: float
    intercept: float
    r2: float
    n_used: int
    n_dropped: int
    relative: bool

    def change_for(self, price_change: float) -> float:
        """Relative change in units the fit implies for a relative price change (-0.1: 10% cheaper)."""
        return float((1 + price_change) ** self.slope - 1)

    def line(self, n: int = 50) -> pd.DataFrame:
        """The fitted curve over the observed price range: ``price``, ``units``."""
        prices = np.geomspace(self.points["price"].min(), self.points["price"].max(), n)
        return pd.DataFrame({"price": prices, "units": np.exp(self.intercept) * prices**self.slope})


def price_response(frame: pd.DataFrame, *, min_points: int = 10) -> PriceResponse:
    """Fit log units on log price over the periods with sales and a price.

    With several series the logs are centred on each series' mean first, so
    the slope measures how each product's sales move when its own price moves,
    not that cheap products sell more than dear ones. It is a rough hint only:
    promotions (display, features), season and stock-outs move demand too.

    Raises
    ------
    DataValidationError
        Without a price column, with fewer than ``min_points`` periods with
        sales and a price, or when the price never changes.
    """
    if PRICE not in frame.columns:
        raise DataValidationError("no price column is mapped; map the price column on the Data page to see "
                                  "how price moves demand")
    usable = (frame[Y] > 0) & (frame[PRICE] > 0)
    data = frame.loc[usable]
    if len(data) < min_points:
        raise DataValidationError(
            f"only {len(data)} period(s) have both sales and a price; at least {min_points} are needed to fit "
            "price against demand"
        )
    log_price = np.log(data[PRICE].astype("float64"))
    log_units = np.log(data[Y].astype("float64"))
    relative = data[UID].nunique() > 1
    if relative:
        log_price = log_price - log_price.groupby(data[UID]).transform("mean")
        log_units = log_units - log_units.groupby(data[UID]).transform("mean")
    if float(log_price.std(ddof=0)) < 1e-9:
        raise DataValidationError("the price never changes here, so its effect on demand cannot be seen; "
                                  "choose a product or level whose price varies")
    slope, intercept = np.polyfit(log_price.to_numpy(), log_units.to_numpy(), 1)
    fitted = intercept + slope * log_price
    ss_res = float(((log_units - fitted) ** 2).sum())
    ss_tot = float(((log_units - log_units.mean()) ** 2).sum())
    promo = data[PROMO].fillna(0) > 0 if PROMO in data.columns else pd.Series(False, index=data.index)
    points = pd.DataFrame(
        {UID: data[UID].to_numpy(), DS: data[DS].to_numpy(), "price": np.exp(log_price).to_numpy(),
         "units": np.exp(log_units).to_numpy(), "promo": promo.to_numpy()}
    )
    r2 = 1 - ss_res / ss_tot if ss_tot > 0 else 0.0
    return PriceResponse(points, float(slope), float(intercept), float(r2), len(data), int((~usable).sum()), relative)


@dataclass(frozen=True)
class PromoComparison:
    """Mean demand per period on and off promotion.

    Attributes
    ----------
    table
        Per series: ``unique_id``, ``periods_promo``, ``periods_regular``,
        ``mean_promo``, ``mean_regular``, ``uplift`` (``mean_promo / mean_regular - 1``).
    mean_promo, mean_regular
        The series means averaged over the series that have both kinds of period.
    uplift
        ``mean_promo / mean_regular - 1`` over those series (a 0.5 is +50%).
    """

    table: pd.DataFrame
    mean_promo: float
    mean_regular: float
    uplift: float

    @property
    def periods_promo(self) -> int:
        return int(self.table["periods_promo"].sum())

    @property
    def periods_regular(self) -> int:
        return int(self.table["periods_regular"].sum())


def promo_comparison(frame: pd.DataFrame) -> PromoComparison:
    """Compare mean demand per period on promotion with the periods without.

    A period is on promotion when ``promo`` is above 0 (for weekly or monthly
    data: when any promotion ran in it). Each series is compared with itself,
    then the series are pooled; it does not correct for season or price, so
    it is a first look, not the promotion's causal effect.

    Raises
    ------
    DataValidationError
        Without a promotion column, or when no series has periods both on and off promotion.
    """
    if PROMO not in frame.columns:
        raise DataValidationError("no promotion column is mapped; map the promo column on the Data page to "
                                  "compare promotion periods with regular ones")
    data = frame.loc[frame[Y].notna()]
    on = data[PROMO].fillna(0) > 0
    promo, regular = data.loc[on].groupby(UID)[Y], data.loc[~on].groupby(UID)[Y]
    table = pd.DataFrame(
        {"periods_promo": promo.count(), "periods_regular": regular.count(), "mean_promo": promo.mean(),
         "mean_regular": regular.mean()}
    ).fillna({"periods_promo": 0, "periods_regular": 0})
    table["uplift"] = table["mean_promo"] / table["mean_regular"] - 1
    table = table.rename_axis(UID).reset_index().astype({"periods_promo": "int64", "periods_regular": "int64"})
    both = table.loc[(table["periods_promo"] > 0) & (table["periods_regular"] > 0)]
    if both.empty:
        raise DataValidationError("no series has periods both on and off promotion, so they cannot be compared; "
                                  "choose a level or product that had promotions")
    mean_promo, mean_regular = float(both["mean_promo"].mean()), float(both["mean_regular"].mean())
    uplift = mean_promo / mean_regular - 1 if mean_regular > 0 else float("nan")
    return PromoComparison(table, mean_promo, mean_regular, uplift)


# --- ABC / XYZ and intermittency ------------------------------------------------


def demand_class(adi: float, cv2: float) -> str:
    """Syntetos-Boylan class from the average demand interval and the squared CV of demand sizes."""
    if not np.isfinite(adi) or np.isnan(cv2):
        return NO_DEMAND
    if adi < ADI_CUTOFF:
        return "smooth" if cv2 < CV2_CUTOFF else "erratic"
    return "intermittent" if cv2 < CV2_CUTOFF else "lumpy"


def abc_xyz(frame: pd.DataFrame, *, abc: tuple[float, float] = ABC_SHARES,
            xyz: tuple[float, float] = XYZ_CV) -> pd.DataFrame:
    """Classify each series by volume (ABC), variability (XYZ) and intermittency (Syntetos-Boylan).

    Parameters
    ----------
    frame
        The long table; empty periods (``y`` missing) are ignored.
    abc
        Cumulative volume shares closing A and B. A series is A when the series
        selling more than it make up less than ``abc[0]`` of the volume, so the
        series that crosses 80% is still A (and a lone best seller always is).
    xyz
        Coefficient of variation (std / mean of demand per period, zeros
        included) closing X and Y.

    Returns
    -------
    pandas.DataFrame
        One row per series, best seller first: ``unique_id`` (``category`` when
        present), ``volume``, ``share``, ``cumulative_share``, ``abc``, ``mean``,
        ``cv``, ``xyz``, ``periods``, ``nonzero``, ``adi`` (periods per period
        with demand), ``cv2`` (squared CV of the non-zero demands), ``demand_class``
        (smooth, erratic, intermittent, lumpy, or "no demand").
    """
    if not 0 < abc[0] < abc[1] <= 1:
        raise ConfigError(f"ABC shares must rise within (0, 1], got {abc}")
    if not 0 < xyz[0] < xyz[1]:
        raise ConfigError(f"XYZ limits must be positive and rising, got {xyz}")
    data = frame.loc[frame[Y].notna()]
    y = data[Y].astype("float64")
    grouped = y.groupby(data[UID], sort=False)
    sizes = y.where(y > 0)
    by_size = sizes.groupby(data[UID], sort=False)
    table = pd.DataFrame(
        {"volume": grouped.sum(), "mean": grouped.mean(), "std": grouped.std(ddof=0), "periods": grouped.count(),
         "nonzero": by_size.count(), "size_mean": by_size.mean(), "size_std": by_size.std(ddof=0)}
    )
    total = table["volume"].sum()
    if table.empty or total <= 0:
        raise DataValidationError("there are no sales in the data, so series cannot be ranked by volume")
    table = table.rename_axis(UID).reset_index()
    table = table.sort_values(["volume", UID], ascending=[False, True], kind="stable").reset_index(drop=True)
    table["share"] = table["volume"] / total
    table["cumulative_share"] = table["share"].cumsum()
    before = table["cumulative_share"] - table["share"]
    table["abc"] = np.select([before < abc[0] - 1e-12, before < abc[1] - 1e-12], ["A", "B"], "C")
    table["cv"] = np.where(table["mean"] > 0, table["std"] / table["mean"].where(table["mean"] > 0), np.nan)
    table["xyz"] = np.select([table["cv"] <= xyz[0], table["cv"] <= xyz[1]], ["X", "Y"], "Z")
    table["adi"] = np.where(table["nonzero"] > 0, table["periods"] / table["nonzero"].clip(lower=1), np.inf)
    table["cv2"] = (table["size_std"] / table["size_mean"]) ** 2
    table["demand_class"] = [demand_class(a, c) for a, c in zip(table["adi"], table["cv2"], strict=True)]
    columns = [UID, "volume", "share", "cumulative_share", "abc", "mean", "cv", "xyz", "periods", "nonzero", "adi",
               "cv2", "demand_class"]
    if CATEGORY in frame.columns:
        categories = frame.drop_duplicates(UID).set_index(UID)[CATEGORY]
        table.insert(1, CATEGORY, table[UID].map(categories))
        columns.insert(1, CATEGORY)
    return table[columns].astype({"periods": "int64", "nonzero": "int64"})


def class_matrix(table: pd.DataFrame) -> pd.DataFrame:
    """Count of series per ABC (rows A, B, C) and XYZ (columns X, Y, Z) class of an :func:`abc_xyz` table."""
    counts = pd.crosstab(table["abc"], table["xyz"])
    return counts.reindex(index=["A", "B", "C"], columns=["X", "Y", "Z"], fill_value=0).astype("int64")
