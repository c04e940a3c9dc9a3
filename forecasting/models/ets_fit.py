"""statsmodels' ETS maximum-likelihood fit without its generic wrappers: the same numbers, a fraction of the time.

``ETSModel.fit`` spends most of its time outside the model: statsmodels'
likelihood-model plumbing and SciPy's general finite-difference machinery wrap
every one of the ~75 likelihood evaluations of a fit. :func:`fit_params`
runs the same L-BFGS-B (same start, bounds, tolerances and iteration cap) on
the same likelihood (statsmodels' own compiled smoother) with the same
forward-difference gradient SciPy would compute (absolute step ``1e-8``,
flipped or shortened at a bound exactly as ``approx_derivative`` does), so the
parameters are identical to ``ETSModel.fit(return_params=True)``
(``tests/models/test_ets_fast.py`` checks it).

Heuristic initial states do not depend on the trend (the level is the
intercept of the same regression), so the specifications of one series share
them through ``initialization_method="known"`` (:func:`known_spec`); ETS
computes them with :func:`forecasting.models.ets_batch.heuristic_starts`, and
:func:`heuristic_start` is statsmodels' own, the reference it is tested against.
"""

from __future__ import annotations

import numpy as np

#: SciPy's L-BFGS-B defaults, as ``fmin_l_bfgs_b`` (which statsmodels calls) passes them.
LBFGS_MEMORY = 10
FTOL = 1e7 * np.finfo(float).eps  # factr=1e7
GTOL = 1e-5  # pgtol
MAXFUN = 15_000
STEP = 1e-8  # fmin_l_bfgs_b's epsilon: the absolute finite-difference step
FALLBACK_STEP = np.finfo(np.float64).eps ** 0.5  # SciPy's relative step when x + STEP == x


def ets_model(data, **spec):
    """statsmodels' ``ETSModel``, imported on first use: its time-series stack takes seconds to load, and
    most commands (and models) never need it."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel  # noqa: PLC0415

    return ETSModel(data, **spec)


def heuristic_start(y: np.ndarray, seasonal: str | None, season: int | None) -> dict:
    """statsmodels' heuristic initial level, trend and seasonal states as ``known`` initialisation arguments."""
    from statsmodels.tsa.exponential_smoothing.initialization import _initialization_heuristic  # noqa: PLC0415

    level, trend, seasonals = _initialization_heuristic(y, trend="add", seasonal=seasonal, seasonal_periods=season)
    return {"initial_level": level, "initial_trend": trend, "initial_seasonal": seasonals}


def known_spec(spec: dict, start: dict) -> dict:
    """``spec`` with its heuristic initialisation replaced by the precomputed ``start`` (identical states)."""
    out = {**spec, "initialization_method": "known", "initial_level": start["initial_level"]}
    if spec["trend"]:
        out["initial_trend"] = start["initial_trend"]
    if spec["seasonal"]:
        out["initial_seasonal"] = start["initial_seasonal"]
    return out


def fit_params(model, maxiter: int) -> np.ndarray:
    """The maximum-likelihood parameters of ``model``, equal to ``model.fit(return_params=True, maxiter=maxiter)``.

    For models without fixed parameters (the only kind this project builds).
    """
    if model.error != "add":
        return np.asarray(model.fit(disp=False, maxiter=maxiter, return_params=True), dtype="float64")
    internal = model._convert_and_bound_start_params(model.start_params)
    bounds = model._setup_bounds()
    use_beta_star = "smoothing_trend" not in model.bounds
    if use_beta_star:
        internal[1] /= internal[0]
    use_gamma_star = "smoothing_seasonal" not in model.bounds
    if use_gamma_star:
        internal[2] /= 1 - internal[0]
    is_fixed = np.array([lo == hi for lo, hi in bounds], dtype=np.int64)
    fixed_values = np.where(is_fixed, [lo for lo, _ in bounds], internal).astype("float64")
    free = ~is_fixed.astype(bool)
    free_bounds = [b for b, keep in zip(bounds, free, strict=True) if keep]
    lower = np.array([-np.inf if lo is None else lo for lo, _ in free_bounds], dtype="float64")
    upper = np.array([np.inf if hi is None else hi for _, hi in free_bounds], dtype="float64")
    bounded = bool(np.any(np.isfinite(lower) | np.isfinite(upper)))
    data = model.endog
    nobs = data.shape[0]
    yhat = np.zeros(model.nobs)
    xhat = np.zeros((model.nobs, model._k_states_internal))
    smooth, residuals = model._smoothing_func, model._residuals

    def objective(p: np.ndarray) -> float:
        # statsmodels' _loglike_internal (additive errors) divided by -nobs, as LikelihoodModel.fit minimises it.
        smooth(p, data, yhat, xhat, is_fixed, fixed_values, use_beta_star, use_gamma_star)
        res = residuals(yhat, data=data)
        return -(-nobs / 2 * (np.log(2 * np.pi * np.mean(res**2)) + 1)) / nobs

    def objective_and_gradient(p: np.ndarray) -> tuple[float, np.ndarray]:
        f0 = objective(p)
        h = np.where((p + STEP) - p == 0, FALLBACK_STEP * np.where(p >= 0, 1.0, -1.0) * np.maximum(1.0, np.abs(p)),
                     STEP)
        if bounded:
            h = _steps_within_bounds(p, h, lower, upper)
        gradient = np.empty_like(p)
        for i in range(p.size):
            shifted = p.copy()
            shifted[i] = p[i] + h[i]
            gradient[i] = (objective(shifted) - f0) / ((p[i] + h[i]) - p[i])
        return f0, gradient

    from scipy.optimize import minimize  # noqa: PLC0415 - loads with the model

    with np.errstate(all="ignore"):  # a step into a degenerate region gives inf/nan, which L-BFGS-B backs off from
        result = minimize(objective_and_gradient, internal[free], jac=True, method="L-BFGS-B", bounds=free_bounds,
                          options={"maxiter": maxiter, "maxcor": LBFGS_MEMORY, "ftol": FTOL, "gtol": GTOL,
                                   "maxfun": MAXFUN})
    fitted = fixed_values.copy()
    fitted[free] = result.x
    if use_beta_star:
        fitted[1] *= fitted[0]
    if use_gamma_star:
        fitted[2] *= 1 - fitted[0]
    return np.asarray(model._model_params(fitted), dtype="float64")


def _steps_within_bounds(x: np.ndarray, h: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """SciPy's one-sided step adjustment at bounds (``_adjust_scheme_to_bounds``, one step)."""
    h = h.copy()
    below, above = x - lower, upper - x
    violated = ((x + h) < lower) | ((x + h) > upper)
    fitting = np.abs(h) <= np.maximum(below, above)
    h[violated & fitting] *= -1
    forward = (above >= below) & ~fitting
    h[forward] = above[forward]
    backward = (above < below) & ~fitting
    h[backward] = -below[backward]
    return h
