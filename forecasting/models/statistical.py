"""Statistical models fitted to each series: exponential smoothing (ETS) and SARIMAX with drivers.

Both wrap statsmodels. The specification (trend, seasonality, ARIMA orders)
is chosen per series by AIC over a deliberately small set, so a catalogue of
a few hundred series fits in seconds to a minute. The per-series state keeps
only the specification, the estimated parameters and the data; forecasting
rebuilds the statsmodels model and runs one filter pass, which keeps fitted
models small in memory and cheap to send between processes.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import ClassVar

import numpy as np
import pandas as pd
from statsmodels.tools.sm_exceptions import MissingDataError, ModelWarning
from threadpoolctl import threadpool_limits

from ..schema import DS, PRICE, PROMO, UID, freq_family
from . import ets_batch
from .base import LocalModel, Param
from .ets_fit import ets_model, fit_params, heuristic_start, known_spec
from .features import NOT_DRIVERS, future_frame
from .registry import register

#: Errors a statsmodels fit raises on data it cannot model; the next candidate is tried.
FIT_ERRORS = (ValueError, np.linalg.LinAlgError, ArithmeticError, IndexError, MissingDataError)

MIN_PERIODS = 4  # below this no model has anything to estimate; the seasonal-naive fallback takes over
MIN_TREND_PERIODS = 10  # a trend needs this much history before it is worth a parameter
MIN_TEST_PERIODS = 20  # shorter series are not tested for a unit root
PERIODS_PER_DRIVER = 10  # at most one driver effect per this many periods of history
MAX_DRIVERS = 10  # each driver adds a state to the Kalman filter, which slows every fit
DIVERGED = 100  # a forecast this many times the largest sale is a broken model, not a forecast
DAYS_PER_YEAR = 365.25
#: Series of one length are fitted together when there are at least (length / this) of them: below that a
#: numpy recursion over few rows costs more per period than statsmodels' compiled one per series.
BATCH_SERIES_PER_PERIOD = 4
YEAR_IN_PERIODS = {"D": DAYS_PER_YEAR, "W": DAYS_PER_YEAR / 7}


@contextmanager
def quiet_statsmodels() -> Iterator[None]:
    """Silence statsmodels' optimiser chatter for one fit or forecast, never globally.

    Convergence and index warnings are expected when many candidate
    specifications are tried on short or noisy series; the AIC comparison and
    the seasonal-naive fallback deal with bad fits, and nothing on stderr would
    help the user.
    """
    with warnings.catch_warnings():
        # statsmodels attributes many warnings to the caller's module (stacklevel), so filter its own
        # warning classes by category; numpy's floating-point warnings come from inside the optimiser.
        warnings.simplefilter("ignore", ModelWarning)  # ConvergenceWarning, ValueWarning, InterpolationWarning, ...
        warnings.filterwarnings("ignore", category=RuntimeWarning, module=r"(statsmodels|scipy)\.")
        yield


def constant_state(y: np.ndarray) -> dict:
    """State of a series that never changes: its forecast is that value with no uncertainty."""
    return {"kind": "constant", "value": float(y[-1])}


def constant_forecast(state: dict, horizon: int, levels: tuple[int, ...]) -> dict:
    """The constant of :func:`constant_state` over the horizon, with zero-width intervals."""
    mean = np.full(horizon, state["value"])
    out = {"mean": mean}
    for level in levels:
        out[f"lo-{level}"] = mean.copy()
        out[f"hi-{level}"] = mean.copy()
    return out


def check_series(y: np.ndarray, model: str) -> None:
    """Raise a ValueError (recorded as the fallback reason) for a series no model can use."""
    if len(y) < MIN_PERIODS:
        raise ValueError(f"only {len(y)} periods; {model} needs at least {MIN_PERIODS}")
    if not np.all(np.isfinite(y)):
        raise ValueError("the series has infinite values")


class _StatsmodelsModel(LocalModel):
    """Shared plumbing for per-series statsmodels fits.

    BLAS runs single-threaded while fitting and forecasting: scipy's L-BFGS-B
    and the Kalman filter make thousands of BLAS calls on vectors of a few
    elements, and OpenBLAS threads only add synchronisation to them (10x
    slower on a busy two-core machine).
    """

    family = "statistical"
    native_intervals = True
    #: Worker start-up (about 2 s: each imports statsmodels) pays off only on this much history.
    min_observations_for_parallel: ClassVar[int] = 15_000

    def _fit_serially(self, jobs):
        with threadpool_limits(1, user_api="blas"):  # joblib's workers already run BLAS with one thread each
            return super()._fit_serially(jobs)

    def _predict(self, horizon, grid, future, levels):
        with threadpool_limits(1, user_api="blas"):
            return super()._predict(horizon, grid, future, levels)


# -- exponential smoothing -------------------------------------------------------


@register
class ETS(_StatsmodelsModel):
    """Exponential smoothing (Holt-Winters in state-space form) with additive errors.

    ``auto`` trend and seasonality are chosen per series by AIC among no
    trend / (damped) additive trend times no / additive seasonality.
    Seasonality needs two full seasons of history; multiplicative seasonality
    needs strictly positive sales and is otherwise replaced by additive.
    """

    name = "ets"
    label = "Exponential smoothing (ETS)"
    description = "Holt-Winters exponential smoothing per series; trend and seasonality chosen by AIC."
    params = (
        Param("trend", "choice", "auto", choices=("auto", "none", "add"),
              help="Trend component; auto lets AIC decide between none and additive."),
        Param("damped", "bool", True, help="Flatten the trend over the horizon, which is safer for long horizons."),
        Param("seasonal", "choice", "auto", choices=("auto", "none", "add", "mul"),
              help="Seasonal component; auto lets AIC decide between none and additive."),
        Param("season_length", "int", 0, 0, 366, help="Periods per season; 0 uses the frequency's default."),
    )
    parallel = False  # fits take milliseconds: even 350 monthly series fit in ~10 s, no faster in parallel
    maxiter = 200

    def _fit_series(self, y, exog):
        check_series(y, self.name)
        if np.ptp(y) == 0:
            return constant_state(y)
        season = self.season_length or self.season_length_
        specs = self._candidates(len(y), season, positive=bool(np.all(y > 0)))
        data = pd.Series(y)  # a RangeIndex: statsmodels' ETS prediction needs pandas input
        best, errors, starts = None, [], {}
        for spec in specs:
            try:
                with quiet_statsmodels():
                    spec = self._known_start(y, spec, starts)
                    model = ets_model(data, **spec)
                    # Parameters only (a full result would also compute a numerical Hessian we never use),
                    # by the same optimiser without statsmodels' and SciPy's wrappers (ets_fit).
                    params = fit_params(model, self.maxiter)
                    aic = -2 * model.loglike(params) + 2 * (len(params) + 1)  # + 1 for the error variance
            except FIT_ERRORS as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            if np.isfinite(aic) and (best is None or aic < best[0]):
                best = (aic, spec, params)
        if best is None:
            raise ValueError(f"no ETS specification could be fitted ({errors[-1] if errors else 'likelihood not finite'})")
        return {"kind": "ets", "spec": best[1], "params": best[2], "y": y}

    def _fit_serially(self, jobs):
        """Series of the same length and candidate specifications are fitted together (:mod:`.ets_batch`: the
        same estimates, the likelihood evaluated for all of them at once); any other series one by one."""
        if not ets_batch.available():
            return super()._fit_serially(jobs)
        results, groups = {}, {}
        with threadpool_limits(1, user_api="blas"):
            for uid, y, exog in jobs:
                specs = self._batch_specs(y)
                if specs is None:
                    results[uid] = self._fit_one(uid, y, exog)
                    continue
                key = (len(y), tuple((s["trend"], s["damped_trend"], s["seasonal"], s["seasonal_periods"])
                                     for s in specs))
                groups.setdefault(key, []).append((uid, y, specs))
            for (length, _), members in groups.items():
                if len(members) * BATCH_SERIES_PER_PERIOD >= length:
                    results.update(self._fit_group(members))
                else:  # few long series: statsmodels' compiled recursion per series beats numpy over few rows
                    results.update({uid: self._fit_one(uid, y, None) for uid, y, _ in members})
        return [results[uid] for uid, _, _ in jobs]

    def _batch_specs(self, y: np.ndarray) -> list[dict] | None:
        """The series' candidate specifications, or None when it needs the one-by-one path (too short, constant,
        not finite, multiplicative, or initial states that must be estimated)."""
        if len(y) < MIN_PERIODS or not np.all(np.isfinite(y)) or np.ptp(y) == 0:
            return None
        season = self.season_length or self.season_length_
        specs = self._candidates(len(y), season, positive=bool(np.all(y > 0)))
        return specs if all(ets_batch.supported(spec) and spec["initialization_method"] == "heuristic"
                            for spec in specs) else None

    def _fit_group(self, members: list[tuple]) -> dict:
        """Fit every candidate specification to a group of series of one length; keep each one's best by AIC."""
        values = np.stack([y for _, y, _ in members])
        starts = {}
        try:  # heuristic initial states for all series at once, per seasonality (the trend does not change them)
            for spec in members[0][2]:
                if spec["seasonal"] not in starts:
                    starts[spec["seasonal"]] = ets_batch.heuristic_starts(values, spec["seasonal"] == "add",
                                                                          spec["seasonal_periods"])
        except ValueError:
            return {uid: self._fit_one(uid, y, None) for uid, y, _ in members}
        best: list[tuple | None] = [None] * len(members)
        for spec in members[0][2]:
            specs = [known_spec(spec, start) for start in starts[spec["seasonal"]]]
            params, loglike = ets_batch.fit_batch(values, specs[0], specs, self.maxiter)
            aic = -2 * loglike + 2 * (params.shape[1] + 1)  # + 1 for the error variance
            for j, value in enumerate(aic):
                if np.isfinite(value) and (best[j] is None or value < best[j][0]):
                    best[j] = (value, specs[j], params[j])
        out = {}
        for (uid, y, _), chosen in zip(members, best, strict=True):
            out[uid] = (uid, {"kind": "ets", "spec": chosen[1], "params": chosen[2], "y": y}, None) if chosen else \
                (uid, None, "fit failed (ValueError: no ETS specification could be fitted (likelihood not finite)); "
                            "used seasonal naive")
        return out

    @staticmethod
    def _known_start(y: np.ndarray, spec: dict, starts: dict) -> dict:
        """``spec`` with its heuristic initial states computed once per seasonality (they do not depend on the
        trend) and given as known values: the same states without recomputing them for every specification, and
        without recomputing them again for every forecast."""
        if spec["initialization_method"] != "heuristic":
            return spec
        key = spec["seasonal"]
        if key not in starts and key == "mul":  # statsmodels' own (the batched path has no multiplicative season)
            starts[key] = heuristic_start(y, key, spec["seasonal_periods"])
        elif key not in starts:  # the batched path's computation, so both paths start from the same states
            starts[key] = ets_batch.heuristic_starts(y[None, :], key == "add", spec["seasonal_periods"])[0]
        return known_spec(spec, starts[key])

    def _candidates(self, n: int, season: int, *, positive: bool) -> list[dict]:
        """ETS specifications to compare for a series of ``n`` periods."""
        if n < MIN_TREND_PERIODS:
            trends = [(None, False)]
        else:
            trends = {"none": [(None, False)], "add": [("add", self.damped)],
                      "auto": [(None, False), ("add", self.damped)]}[self.trend]
        if season < 2 or n < 2 * season:
            seasonals = [None]  # fewer than two full seasons cannot separate season from noise
        else:
            seasonals = {"none": [None], "add": ["add"], "auto": [None, "add"],
                         "mul": ["mul" if positive else "add"]}[self.seasonal]
        # The heuristic start (Hyndman et al. 2.6) is ~8x faster than estimating the initial states.
        heuristic_min = max(MIN_TREND_PERIODS, 10 + 2 * (season // 2) if seasonals != [None] else 0)
        init = "heuristic" if n >= heuristic_min else "estimated"
        return [
            {"error": "add", "trend": trend, "damped_trend": damped, "seasonal": seasonal,
             "seasonal_periods": season if seasonal else None, "initialization_method": init}
            for trend, damped in trends for seasonal in seasonals
        ]

    def _predict(self, horizon, grid, future, levels):
        # Point forecasts only (auto's members, calibration windows): all series of one length and
        # specification at once; with intervals, statsmodels' prediction per series.
        self._batched = {} if levels else self._batched_point_forecasts(horizon)
        try:
            return super()._predict(horizon, grid, future, levels)
        finally:
            self._batched = {}

    def _batched_point_forecasts(self, horizon: int) -> dict[int, np.ndarray]:
        """Point forecasts of every batchable fitted series, keyed by ``id`` of its state."""
        groups: dict[tuple, list[dict]] = {}
        for state in self.states_.values():
            if state["kind"] == "ets" and ets_batch.supported(state["spec"]):
                shape = ets_batch.Shape.of(state["spec"])
                groups.setdefault((len(state["y"]), shape), []).append(state)
        out = {}
        for states in groups.values():
            forecasts = ets_batch.point_forecasts(np.stack([s["y"] for s in states]), states[0]["spec"],
                                                  [s["spec"] for s in states], np.stack([s["params"] for s in states]),
                                                  horizon)
            out.update({id(state): forecast for state, forecast in zip(states, forecasts, strict=True)})
        return out

    def _forecast_series(self, state, horizon, exog, levels):
        if state["kind"] == "constant":
            return constant_forecast(state, horizon, levels)
        batched = getattr(self, "_batched", {}).get(id(state))
        if batched is not None:
            return check_forecast({"mean": batched}, state["y"])
        n = len(state["y"])
        # Intervals of multiplicative models are simulated; a fixed seed keeps them reproducible.
        extra = {"rng": np.random.default_rng(0)} if state["spec"]["seasonal"] == "mul" else {}
        with quiet_statsmodels():
            result = ets_model(pd.Series(state["y"]), **state["spec"]).smooth(state["params"])
            if not levels:  # point forecasts only (auto's members in a backtest): no prediction variance
                return check_forecast({"mean": np.asarray(result.forecast(horizon), dtype="float64")}, state["y"])
            prediction = result.get_prediction(start=n, end=n + horizon - 1, **extra)
            out = {"mean": np.asarray(prediction.predicted_mean, dtype="float64")}
            for level in levels:
                bounds = np.asarray(prediction.pred_int(alpha=1 - level / 100), dtype="float64")
                out[f"lo-{level}"] = bounds[:, 0]
                out[f"hi-{level}"] = bounds[:, 1]
        return check_forecast(out, state["y"])


# -- SARIMAX with drivers ----------------------------------------------------------

Order = tuple[int, int, int]
SeasonalOrder = tuple[int, int, int, int]


def fourier_terms(start: int, count: int, period: float, pairs: int) -> np.ndarray:
    """``sin``/``cos`` waves of a yearly cycle at positions ``start .. start + count - 1``.

    Parameters
    ----------
    start, count
        First position and number of rows. Positions count periods from the
        first training period, so the waves continue seamlessly into the
        forecast horizon.
    period
        Periods per cycle (365.25 for daily data, 365.25 / 7 for weekly).
    pairs
        Harmonics: pair k is ``sin`` and ``cos`` of ``2 pi k t / period``.

    Returns
    -------
    A ``count x 2 * pairs`` array.
    """
    t = np.arange(start, start + count, dtype="float64")
    waves = []
    for k in range(1, pairs + 1):
        angle = 2 * np.pi * k * t / period
        waves += [np.sin(angle), np.cos(angle)]
    return np.column_stack(waves) if waves else np.empty((count, 0))


def driver_matrix(exog: pd.DataFrame | None, n: int, limit: int) -> tuple[np.ndarray, list[dict]]:
    """Standardised driver columns for one series and how to rebuild them for future rows.

    Price enters as ``log(price)`` so its coefficient reads as an elasticity;
    zero or negative prices are data errors and carry the neighbouring price.
    Missing promotions and drivers are 0. Columns that never change in this
    series carry no information and are dropped.

    Parameters
    ----------
    exog
        The series' raw driver columns, one row per training period.
    n
        Training periods (rows of the result when there are no drivers).
    limit
        Most columns to keep, in the order of ``exog`` (price and promotion first).

    Returns
    -------
    The ``n x k`` matrix and, per kept column, what :func:`future_driver_matrix`
    needs to transform future values the same way.
    """
    if exog is None or exog.empty:
        return np.empty((n, 0)), []
    columns, specs = [], []
    for column in exog.columns:
        if len(columns) >= limit:
            break
        values = pd.to_numeric(exog[column], errors="coerce").to_numpy(dtype="float64")
        fill = 0.0
        if column == PRICE:
            values = pd.Series(np.where(values > 0, values, np.nan)).ffill().bfill().to_numpy()
            if np.isnan(values).all():
                continue
            fill = float(values[-1])
            values = np.log(values)
        values = np.where(np.isfinite(values), values, 0.0)
        mean, scale = float(values.mean()), float(values.std())
        if np.ptp(values) <= 1e-9 * max(1.0, abs(mean)):
            continue  # constant, up to rounding (the standard deviation of a constant is not exactly 0)
        columns.append((values - mean) / scale)
        specs.append({"column": column, "mean": mean, "scale": scale, "fill": fill})
    return (np.column_stack(columns) if columns else np.empty((n, 0))), specs


def future_driver_matrix(exog: pd.DataFrame | None, specs: list[dict], horizon: int) -> np.ndarray:
    """Driver columns for the forecast periods, transformed exactly as in training."""
    columns = []
    for spec in specs:
        values = pd.to_numeric(exog[spec["column"]], errors="coerce").to_numpy(dtype="float64")
        if spec["column"] == PRICE:
            values = np.log(np.where(values > 0, values, spec["fill"]))
        values = np.where(np.isfinite(values), values, 0.0)
        columns.append((values - spec["mean"]) / spec["scale"])
    return np.column_stack(columns) if columns else np.empty((horizon, 0))


def explosive(result) -> bool:
    """Whether a fitted SARIMAX's autoregressive part makes forecasts grow without bound.

    Estimation is unconstrained for speed, so on short noisy series an AR
    coefficient can land beyond 1; AIC alone would happily pick such a model.
    """
    with quiet_statsmodels():
        roots = np.abs(np.asarray(result.arroots))
    return bool(roots.size) and not bool(np.all(roots > 1 - 1e-3))


def check_forecast(out: dict, y: np.ndarray) -> dict:
    """Raise a ValueError (recorded as the fallback reason) when a forecast has blown up."""
    bound = DIVERGED * max(1.0, float(np.abs(y).max()))
    if not np.all(np.abs(out["mean"]) <= bound):
        raise ValueError(f"the forecast diverged (beyond {DIVERGED}x the largest sale)")
    return out


def differencing_order(y: np.ndarray, X: np.ndarray) -> int:
    """1 when the series is not stationary around its driver effects (KPSS test at 5%), else 0.

    As in R's ``auto.arima`` with regressors, the test runs on the residuals
    of a least-squares fit on the drivers, so yearly waves and promotions do
    not pass for a wandering level.
    """
    if len(y) < MIN_TEST_PERIODS:
        return 0
    from statsmodels.tsa.stattools import kpss  # noqa: PLC0415 - statsmodels' time-series models load on use

    design = np.column_stack([np.ones(len(y)), X])
    try:
        coefficients = np.linalg.lstsq(design, y, rcond=None)[0]
        with quiet_statsmodels():  # p-values outside the KPSS table only warn
            p_value = kpss(y - design @ coefficients, regression="c", nlags="auto", result_object=True).pvalue
    except FIT_ERRORS:
        return 0
    return int(p_value < 0.05)


@register
class Sarimax(_StatsmodelsModel):
    """Seasonal ARIMA with price, promotion and other drivers as regressors.

    Orders are chosen per series by AIC over a small grid, tried in order
    until ``time_budget`` seconds are spent. Daily data uses a weekly seasonal
    term, monthly data a yearly one. Weekly data gets no seasonal term (52
    periods make the state space too slow); yearly waves (Fourier terms) as
    regressors carry its yearly pattern, and daily data with two years of
    history gets them too.
    """

    name = "sarimax"
    label = "SARIMAX with drivers"
    description = "Seasonal ARIMA per series with log price, promotion and drivers as regressors; orders by AIC."
    uses_exog = True
    params = (
        Param("time_budget", "float", 1.0, 0.1, 60.0,
              help="Seconds per series for trying ARIMA orders; the best found so far is kept."),
        Param("seasonal", "bool", True, help="Add a seasonal ARIMA term (weekly for daily data, yearly for monthly)."),
        Param("yearly_terms", "int", 2, 0, 6,
              help="Pairs of yearly waves for daily and weekly data with two years of history; 0 turns them off."),
    )
    parallel = True  # 48 daily or 350 monthly series fit 1.2-1.8x faster on two cores
    deterministic = False  # the order search stops on wall-clock time, so a busier machine may pick other orders
    maxiter = 50  # enough for these small models; more mostly polishes the last decimals of the AIC
    # L-BFGS-B stops when the likelihood improves by less than factr x machine epsilon (relative): 1e9
    # (scipy's default is 1e7) fits 2-3x faster and moves the AIC by well under 1.
    factr = 1e9

    def _exog_columns(self, df):
        columns = []
        if PRICE in df.columns and pd.api.types.is_numeric_dtype(df[PRICE]):
            columns.append(PRICE)
        if PROMO in df.columns and pd.api.types.is_numeric_dtype(df[PROMO]):
            columns.append(PROMO)
        columns += [c for c in df.columns if c not in NOT_DRIVERS and pd.api.types.is_numeric_dtype(df[c])]
        return columns

    def _fit(self, df):
        super()._fit(df)
        # The last row of each series is all future_frame needs for default future drivers.
        self.last_rows_ = df.groupby(UID, sort=True).tail(1)[[UID, DS, *self.exog_columns_]].reset_index(drop=True)
        self.warnings_: list[str] = []

    def _predict(self, horizon, grid, future, levels):
        rows, notes = future_frame(self.last_rows_, grid, future)
        self.warnings_ = [f"{self.name}: {note}" for note in notes]
        self._future_rows = {uid: group.reset_index(drop=True) for uid, group in rows.groupby(UID, sort=False)}
        try:
            return super()._predict(horizon, grid, future, levels)
        finally:
            del self._future_rows

    def _future_exog(self, uid, grid, future):
        return self._future_rows[uid][self.exog_columns_] if self.exog_columns_ else None

    # -- one series ----------------------------------------------------------------

    def _fit_series(self, y, exog):
        check_series(y, self.name)
        n = len(y)
        if np.ptp(y) == 0:
            return constant_state(y)
        drivers, specs = driver_matrix(exog, n, limit=min(MAX_DRIVERS, n // PERIODS_PER_DRIVER))
        period = self._year_in_periods(n)
        X = np.column_stack([drivers, fourier_terms(0, n, period, self.yearly_terms)]) if period else drivers
        d = differencing_order(y, X)
        # Last resort when every candidate fails or explodes: a moving average cannot explode.
        candidates = [*self._candidates(n, d), ((0, d, 1), (0, 0, 0, 0))]
        start, best, errors = time.perf_counter(), None, []
        for i, (order, seasonal_order) in enumerate(candidates):
            last_resort = i == len(candidates) - 1
            if best is not None and (last_resort or time.perf_counter() - start > self.time_budget):
                break
            trend = "c" if order[1] == 0 and seasonal_order[1] == 0 else None
            try:
                with quiet_statsmodels():
                    result = self._model(y, X, order, seasonal_order, trend).fit(
                        disp=False, maxiter=self.maxiter, cov_type="none", factr=self.factr
                    )
            except FIT_ERRORS as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            if explosive(result):
                errors.append(f"{order}x{seasonal_order} is explosive")
                continue
            if np.isfinite(result.aic) and (best is None or result.aic < best[0]):
                best = (result.aic, order, seasonal_order, trend, np.asarray(result.params, dtype="float64"))
        if best is None:
            raise ValueError(f"no ARIMA order could be fitted ({errors[-1] if errors else 'likelihood not finite'})")
        _, order, seasonal_order, trend, params = best
        return {"kind": "sarimax", "y": y, "X": X, "order": order, "seasonal_order": seasonal_order, "trend": trend,
                "params": params, "drivers": specs, "period": period, "pairs": self.yearly_terms}

    def _year_in_periods(self, n: int) -> float | None:
        """Periods per year when yearly waves are used for this series, else None."""
        family = freq_family(self.freq_)
        if self.yearly_terms == 0 or family not in YEAR_IN_PERIODS:
            return None
        period = YEAR_IN_PERIODS[family]
        return period if n >= 2 * period else None

    def _candidates(self, n: int, d: int) -> list[tuple[Order, SeasonalOrder]]:
        """ARIMA orders to try, cheapest and most often best first, all with ``d`` differences.

        AIC is only compared between models with the same differencing: across
        differencing orders it is not comparable and favours differenced
        models that forecast worse.
        """
        none = (0, 0, 0, 0)
        if n < MIN_TREND_PERIODS:
            return [((0, 1, 1), none)]  # a local level, like simple exponential smoothing
        s = {"D": 7, "M": 12}.get(freq_family(self.freq_), 0)
        if self.seasonal and s and n >= 3 * s + MIN_TREND_PERIODS:
            # A seasonal AR term with unconstrained coefficient reaches a seasonal random walk when it must.
            sar, sarma = (1, 0, 0, s), (1, 0, 1, s)
            if d == 0:
                return [((1, 0, 0), sar), ((2, 0, 0), sar), ((1, 0, 1), sar), ((1, 0, 1), sarma)]
            return [((0, 1, 1), sar), ((1, 1, 1), sar), ((0, 1, 1), sarma), ((0, 1, 2), sar)]
        if d == 0:
            return [((1, 0, 0), none), ((1, 0, 1), none), ((2, 0, 0), none), ((2, 0, 1), none)]
        return [((0, 1, 1), none), ((1, 1, 1), none), ((0, 1, 2), none), ((1, 1, 0), none)]

    @staticmethod
    def _model(y, X, order, seasonal_order, trend):
        from statsmodels.tsa.statespace.sarimax import SARIMAX  # noqa: PLC0415 - loads on use

        return SARIMAX(
            y, exog=X if X.shape[1] else None, order=order, seasonal_order=seasonal_order, trend=trend,
            # Unconstrained estimation is faster and fails less often; AIC still ranks the candidates.
            enforce_stationarity=False, enforce_invertibility=False,
            # Driver effects and the scale are solved by the Kalman filter instead of the optimiser,
            # which then searches only the ARMA coefficients: the same model, about twice as fast.
            mle_regression=False, concentrate_scale=True,
        )

    def _forecast_series(self, state, horizon, exog, levels):
        if state["kind"] == "constant":
            return constant_forecast(state, horizon, levels)
        n = len(state["y"])
        future_X = future_driver_matrix(exog, state["drivers"], horizon)
        if state["period"]:
            waves = fourier_terms(n, horizon, state["period"], state["pairs"])
            future_X = np.column_stack([future_X, waves])
        X = state["X"]
        with quiet_statsmodels():
            model = self._model(state["y"], X, state["order"], state["seasonal_order"], state["trend"])
            result = model.filter(state["params"], cov_type="none")
            forecast = result.get_forecast(horizon, exog=future_X if X.shape[1] else None)
            out = {"mean": np.asarray(forecast.predicted_mean, dtype="float64")}
            for level in levels:
                bounds = np.asarray(forecast.conf_int(alpha=1 - level / 100), dtype="float64")
                out[f"lo-{level}"], out[f"hi-{level}"] = bounds[:, 0], bounds[:, 1]
        return check_forecast(out, state["y"])
