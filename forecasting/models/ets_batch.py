"""ETS fitted to many series at once: statsmodels' estimates, with the work done over arrays of series.

Fitting exponential smoothing one series at a time costs ~75 likelihood
evaluations per specification, each a Python call for a few dozen numbers, so
a few hundred series spend their time in call overhead. Here every series of
the same length and specification runs its own L-BFGS-B (SciPy's, driven
step by step through its reverse-communication routine, one state per
series), and whenever the optimisers ask for the likelihood and its gradient,
all of them are answered by one recursion over time on arrays of series.

It is the same problem statsmodels' ``ETSModel.fit`` solves for additive
errors with heuristic initial states: the same internal parameters
(``beta* = beta / alpha``, ``gamma* = gamma / (1 - alpha)``), start values,
bounds, objective (``-loglike / nobs``), forward-difference gradient (step
``1e-8``, adjusted at bounds as SciPy does) and stopping rules, so given the
same initial states the estimates equal :func:`forecasting.models.ets_fit.fit_params`
(a test checks it). The heuristic states themselves are computed for all
series at once (:func:`heuristic_starts`, equal to statsmodels' to ~1e-12), so
the estimates end within the optimiser's tolerance of statsmodels' (forecasts
agree to ~1e-6). When SciPy's routine is not the one this was written against,
callers fall back to fitting series one by one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .ets_fit import FTOL, GTOL, LBFGS_MEMORY, MAXFUN, STEP

try:  # SciPy's L-BFGS-B step routine (private; its signature is checked by available())
    from scipy.optimize import _lbfgsb
except ImportError:  # pragma: no cover - a SciPy without it
    _lbfgsb = None

SMOOTHING_BOUNDS = (1e-4, 1 - 1e-4)
DAMPING_BOUNDS = (0.8, 0.98)
#: statsmodels' default start values: alpha, beta, gamma, phi.
START = {"alpha": 0.1, "beta": 0.01, "gamma": 0.01, "phi": 0.98}
FINISHED, NEW_X, WANTS_FG = 4, 1, 3  # setulb task codes: converged, new iterate, evaluate f and g


@dataclass(frozen=True)
class Shape:
    """Which components an additive-error ETS specification has."""

    trend: bool
    damped: bool
    seasonal: bool
    season: int

    @classmethod
    def of(cls, spec: dict) -> Shape:
        seasonal = spec["seasonal"] == "add"
        return cls(trend=spec["trend"] == "add", damped=bool(spec["damped_trend"]), seasonal=seasonal,
                   season=int(spec["seasonal_periods"]) if seasonal else 1)

    @property
    def free(self) -> list[str]:
        """The estimated parameters, in statsmodels' order."""
        return ["alpha", *(["beta"] if self.trend else []), *(["gamma"] if self.seasonal else []),
                *(["phi"] if self.damped else [])]


def supported(spec: dict) -> bool:
    """True for the specifications this module fits: additive errors and season, heuristic (or known) initial
    states."""
    return (spec["error"] == "add" and spec["seasonal"] in (None, "add") and spec["trend"] in (None, "add")
            and spec["initialization_method"] in ("known", "heuristic"))


def heuristic_starts(y: np.ndarray, seasonal: bool, season: int | None) -> list[dict]:
    """statsmodels' heuristic initial states (``_initialization_heuristic``, Hyndman et al. 2.6) for every row of
    ``y`` at once, as :func:`~forecasting.models.ets_fit.heuristic_start` gives them one series at a time.

    The centred moving averages are computed from cumulative sums instead of pandas' rolling windows, so the
    states agree to ~1e-12, not to the last bit. Raises ``ValueError`` where statsmodels does (too short).
    """
    n_series, nobs = y.shape
    if nobs < 10:
        raise ValueError("Cannot use heuristic method with less than 10 observations.")
    endog, initial_seasonal = y, None
    if seasonal:
        m = int(season)
        min_obs = 10 + 2 * (m // 2)
        if nobs < 2 * m or nobs < min_obs:
            raise ValueError("too few observations for heuristic seasonal initial states")
        cycles = max(min(5, nobs // m), int(np.ceil(min_obs / m)))
        series = y[:, : m * cycles]
        length = series.shape[1]
        sums = np.concatenate([np.zeros((n_series, 1)), np.cumsum(series, axis=1)], axis=1)
        trend = np.full((n_series, length), np.nan)
        trend[:, m // 2 : m // 2 + length - m + 1] = (sums[:, m:] - sums[:, :-m]) / m  # centred window of m
        if m % 2 == 0:  # a 2 x m moving average centres an even window
            paired = np.full_like(trend, np.nan)
            paired[:, :-1] = (trend[:, :-1] + trend[:, 1:]) / 2
            trend = paired
        padded = np.full((n_series, cycles * m), np.nan)
        padded[:, :length] = series - trend
        with np.errstate(invalid="ignore"):
            initial_seasonal = np.nanmean(padded.reshape(n_series, cycles, m), axis=1)
        initial_seasonal -= initial_seasonal.mean(axis=1, keepdims=True)
        endog = trend[:, ~np.isnan(trend[0])]
    if endog.shape[1] < 10:
        raise ValueError("too few observations for heuristic initial states")
    weights = np.linalg.pinv(np.c_[np.ones(10), np.arange(10) + 1])  # least squares on the first 10 values
    # Summed term by term, not by a matrix product: BLAS orders the sums differently for one series and for
    # many, and the one-by-one path must start from the same bits as the batched one.
    beta = np.zeros((2, n_series))
    for j in range(10):
        beta += weights[:, j : j + 1] * endog[None, :, j]
    return [{"initial_level": beta[0, i], "initial_trend": beta[1, i],
             "initial_seasonal": initial_seasonal[i] if seasonal else None} for i in range(n_series)]


def available() -> bool:
    """True when SciPy's L-BFGS-B step routine is the one this module drives."""
    return _lbfgsb is not None and hasattr(_lbfgsb, "setulb")


def fit_batch(y: np.ndarray, spec: dict, starts: list[dict], maxiter: int) -> tuple[np.ndarray, np.ndarray]:
    """Estimate one specification on every row of ``y`` (series x periods, all the same length).

    ``starts`` holds each series' initial states (:func:`~forecasting.models.ets_fit.heuristic_start`).
    Returns the parameters in statsmodels' order (alpha, beta, gamma, phi as the specification has them),
    one row per series, and each series' log-likelihood at them.
    """
    shape = Shape.of(spec)
    n_series, nobs = y.shape
    level = np.array([s["initial_level"] for s in starts], dtype="float64")
    trend = np.array([s["initial_trend"] if shape.trend else 0.0 for s in starts], dtype="float64")
    seasonal = (np.array([s["initial_seasonal"] for s in starts], dtype="float64") if shape.seasonal
                else np.zeros((n_series, 1)))
    free = shape.free
    x0 = np.array([START["alpha"], START["beta"] / START["alpha"], START["gamma"] / (1 - START["alpha"]),
                   START["phi"]])[[["alpha", "beta", "gamma", "phi"].index(p) for p in free]]
    bounds = np.array([DAMPING_BOUNDS if p == "phi" else SMOOTHING_BOUNDS for p in free], dtype="float64")

    def objective(x: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """-loglike / nobs for parameter rows ``x`` (internal, starred) of series ``rows``."""
        values = dict(zip(free, x.T, strict=True))
        mse = _mean_squared_error(y[rows], values["alpha"], values.get("beta", 0.0), values.get("gamma", 0.0),
                                  values.get("phi", 1.0), level[rows], trend[rows], seasonal[rows])
        return -(-nobs / 2 * (np.log(2 * np.pi * mse) + 1)) / nobs

    x = _minimise(objective, np.tile(x0, (n_series, 1)), bounds, maxiter)
    alpha = x[:, free.index("alpha")]
    external = x.copy()
    if shape.trend:
        external[:, free.index("beta")] = x[:, free.index("beta")] * alpha
    if shape.seasonal:
        external[:, free.index("gamma")] = x[:, free.index("gamma")] * (1 - alpha)
    return external, -nobs * objective(x, np.arange(n_series))


def _mean_squared_error(y, alpha, beta, gamma, phi, level, trend, seasonal) -> np.ndarray:
    """The additive-error ETS recursion of statsmodels' ``_ets_smooth_add_add`` for many series at once.

    ``seasonal`` holds s[-m] .. s[-1] per row; slot ``t % m`` is the seasonal state of period t - m.
    """
    level, trend, ring = level.copy(), trend.copy(), seasonal.copy()
    season = ring.shape[1]
    errors = np.empty_like(y)
    with np.errstate(all="ignore"):
        for t in range(y.shape[1]):
            slot = t % season
            previous = ring[:, slot]
            errors[:, t] = y[:, t] - (level + phi * trend + previous)
            new_level = alpha * (y[:, t] - previous) + (1 - alpha) * (level + phi * trend)
            trend = beta * (new_level - level) + (1 - beta) * phi * trend
            ring[:, slot] = gamma * (y[:, t] - new_level) + (1 - gamma) * previous
            level = new_level
        return np.mean(errors**2, axis=1)


def _minimise(objective, x: np.ndarray, bounds: np.ndarray, maxiter: int) -> np.ndarray:
    """One L-BFGS-B per row of ``x``, run in lockstep; every round of f-and-gradient requests is one batch."""
    n_rows, k = x.shape
    lower, upper = np.ascontiguousarray(bounds[:, 0]), np.ascontiguousarray(bounds[:, 1])
    x = np.clip(x, lower, upper)
    states = [_State(x[i].copy(), k) for i in range(n_rows)]
    nbd = np.full(k, 2, dtype=np.int32)  # both bounds
    factr = FTOL / np.finfo(float).eps
    active = list(range(n_rows))
    while active:
        waiting = []
        for i in active:
            state = states[i]
            while True:
                _lbfgsb.setulb(LBFGS_MEMORY, state.x, lower, upper, nbd, state.f, state.g, factr, GTOL, state.wa,
                               state.iwa, state.task, state.lsave, state.isave, state.dsave, 20, state.ln_task)
                if state.task[0] == WANTS_FG:
                    waiting.append(i)
                    break
                if state.task[0] == NEW_X:
                    state.iterations += 1
                    if state.iterations >= maxiter or state.evaluations > MAXFUN:
                        state.task[0], state.task[1] = 5, 504
                    continue
                break  # converged or stopped
        if not waiting:
            break
        rows = np.array(waiting)
        points = np.stack([states[i].x for i in waiting])
        f, g = _value_and_gradient(objective, points, rows, lower, upper)
        for j, i in enumerate(waiting):
            states[i].f, states[i].g = float(f[j]), g[j].copy()
            states[i].evaluations += 1
        active = waiting
    return np.stack([s.x for s in states])


def _value_and_gradient(objective, points, rows, lower, upper):
    """f and its forward-difference gradient for every point, with SciPy's step rules, in one batch."""
    n_points, k = points.shape
    h = np.full(points.shape, STEP)
    zero = (points + h) - points == 0
    h = np.where(zero, np.finfo(np.float64).eps ** 0.5 * np.where(points >= 0, 1.0, -1.0)
                 * np.maximum(1.0, np.abs(points)), h)
    below, above = points - lower, upper - points
    violated = ((points + h) < lower) | ((points + h) > upper)
    fitting = np.abs(h) <= np.maximum(below, above)
    h = np.where(violated & fitting, -h, h)
    h = np.where((above >= below) & ~fitting, above, h)
    h = np.where((above < below) & ~fitting, -below, h)
    shifted = np.repeat(points[None, :, :], k + 1, axis=0)  # (k + 1, points, k): the point, then one step each
    for i in range(k):
        shifted[i + 1, :, i] = points[:, i] + h[:, i]
    values = objective(shifted.reshape(-1, k), np.tile(rows, k + 1)).reshape(k + 1, n_points)
    steps = (points + h) - points
    gradient = (values[1:].T - values[0][:, None]) / steps
    return values[0], gradient


class _State:
    """One series' L-BFGS-B workspace (as SciPy's ``_minimize_lbfgsb`` allocates it)."""

    def __init__(self, x: np.ndarray, k: int) -> None:
        m = LBFGS_MEMORY
        self.x = x
        self.f = 0.0
        self.g = np.zeros(k, dtype=np.float64)
        self.wa = np.zeros(2 * m * k + 5 * k + 11 * m * m + 8 * m, dtype=np.float64)
        self.iwa = np.zeros(3 * k, dtype=np.int32)
        self.task = np.zeros(2, dtype=np.int32)
        self.ln_task = np.zeros(2, dtype=np.int32)
        self.lsave = np.zeros(4, dtype=np.int32)
        self.isave = np.zeros(44, dtype=np.int32)
        self.dsave = np.zeros(29, dtype=np.float64)
        self.iterations = 0
        self.evaluations = 0


def point_forecasts(y: np.ndarray, spec: dict, starts: list[dict], params: np.ndarray, horizon: int) -> np.ndarray:
    """Point forecasts ``horizon`` periods ahead for rows of ``y`` that share one specification and length.

    The recursion runs over the history with each series' fitted parameters
    (statsmodels' order, as :func:`fit_batch` returns them) and continues with
    zero errors, which is how statsmodels forecasts (a simulation without errors).
    """
    shape = Shape.of(spec)
    free = shape.free
    values = dict(zip(free, params.T, strict=True))
    alpha = values["alpha"]
    beta = values["beta"] / alpha if shape.trend else np.zeros_like(alpha)
    gamma = values["gamma"] / (1 - alpha) if shape.seasonal else np.zeros_like(alpha)
    phi = values.get("phi", np.ones_like(alpha))
    level = np.array([s["initial_level"] for s in starts], dtype="float64")
    trend = np.array([s["initial_trend"] if shape.trend else 0.0 for s in starts], dtype="float64")
    ring = (np.array([s["initial_seasonal"] for s in starts], dtype="float64") if shape.seasonal
            else np.zeros((len(starts), 1)))
    season = ring.shape[1]
    out = np.empty((y.shape[0], horizon))
    with np.errstate(all="ignore"):
        for t in range(y.shape[1] + horizon):
            slot = t % season
            previous = ring[:, slot]
            fitted = level + phi * trend + previous
            actual = y[:, t] if t < y.shape[1] else fitted
            if t >= y.shape[1]:
                out[:, t - y.shape[1]] = fitted
            new_level = alpha * (actual - previous) + (1 - alpha) * (level + phi * trend)
            trend = beta * (new_level - level) + (1 - beta) * phi * trend
            ring[:, slot] = gamma * (actual - new_level) + (1 - gamma) * previous
            level = new_level
    return out
