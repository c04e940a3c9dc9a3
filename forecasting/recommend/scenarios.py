"""What-ifs with the trained model: forecast the horizon under planned prices and promotions.

The approach of :func:`forecasting.analysis.explain.driver_effects`: build the future
drivers, ask the fitted model for its forecast, compare scenarios. The base
scenario is today's regular price and no promotion. Every model in the registry
forecasts each series from its own history and drivers only, so one call can
carry a different scenario for every series (all series at -10%, or each SKU
at its own recommended price) and still answer each series' what-if.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..evaluation.backtest import ignored_drivers
from ..evaluation.training import TrainedRun
from ..schema import DS, PRICE, PROMO, UID, freq_family

#: Price multipliers at which the page draws the model's own price response.
MODEL_FACTORS = (0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3)


def check_same_data(run: TrainedRun, df: pd.DataFrame) -> None:
    """The run must have been trained on these series, or its forecasts answer another question."""
    series = set(map(str, run.fitted.series_))
    missing = sorted(set(df[UID].astype(str).unique()) - series)
    if missing:
        raise ConfigError(f"the model {run.name!r} was trained on other data (it has no series {missing[0]!r}); "
                          "train it again on the data now loaded")


def refuse_without_drivers(run: TrainedRun, df: pd.DataFrame, what: str) -> None:
    """ConfigError when the run's model ignores price and promotion (its what-if would show no effect)."""
    notes = ignored_drivers(run.fitted, df)
    if notes or not run.fitted.uses_exog:
        reason = notes[0] if notes else f"{run.fitted.label} ignores price and promotion"
        raise ConfigError(f"cannot {what}: {reason}")


def horizon_periods(run: TrainedRun) -> pd.DataFrame:
    """``unique_id, ds, period_end`` of every forecast period (``period_end`` exclusive)."""
    grid = run.fitted.future_grid(run.spec.horizon)
    return grid.assign(period_end=period_end(grid[DS], run.freq))


def period_end(ds: pd.Series, freq: str) -> pd.Series:
    """Exclusive end of each period: the next day, week (weeks are labelled by their first day) or month."""
    family = freq_family(freq)
    if family == "M":
        return (ds.dt.to_period("M") + 1).dt.start_time
    return ds + pd.Timedelta(days=1 if family == "D" else 7)


def window_share(periods: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    """Share of each period covered by the days ``start..end`` (both inclusive): the promotion share of the period."""
    first, stop = periods[DS].to_numpy(), periods["period_end"].to_numpy()
    overlap = np.minimum(stop, np.datetime64(end + pd.Timedelta(days=1))) - np.maximum(first, np.datetime64(start))
    length = (stop - first) / np.timedelta64(1, "D")
    return np.clip(overlap / np.timedelta64(1, "D") / length, 0, 1)


def base_future(run: TrainedRun, df: pd.DataFrame, prices: pd.Series | None) -> pd.DataFrame:
    """Forecast periods at today's regular price (when the data has prices) and without promotion."""
    future = horizon_periods(run)
    if PRICE in df.columns and prices is not None:
        future[PRICE] = future[UID].map(prices).astype(float)
    if PROMO in df.columns:
        future[PROMO] = 0.0
    return future


def adjustment_factors(planning: pd.DataFrame | None) -> pd.DataFrame | None:
    """``unique_id, ds, factor``: the Review page's adjustments as ``yhat / yhat_model`` per period, or None.

    ``planning`` is the planning forecast (``ui.state.planning_forecast``). What-ifs
    are scaled by these factors, so an adjusted baseline stays adjusted under any
    price or promotion. A period whose model forecast is 0 keeps factor 1.
    """
    if planning is None or "yhat_model" not in planning.columns:
        return None
    model, adjusted = planning["yhat_model"].to_numpy(float), planning["yhat"].to_numpy(float)
    factor = np.where(model > 0, adjusted / np.where(model > 0, model, 1.0), 1.0)
    if np.allclose(factor, 1.0):
        return None
    return pd.DataFrame({UID: planning[UID].to_numpy(), DS: planning[DS].to_numpy(), "factor": factor})


def forecast_units(run: TrainedRun, future: pd.DataFrame, factors: pd.DataFrame | None = None) -> np.ndarray:
    """The model's forecast for each row of ``future`` (same order), scaled by adjustment ``factors`` if given."""
    return forecast_scenarios(run, [future], factors)[0]


def forecast_scenarios(run: TrainedRun, futures: list[pd.DataFrame],
                       factors: pd.DataFrame | None = None) -> list[np.ndarray]:
    """:func:`forecast_units` for several what-if scenarios at once (global models answer them in one pass)."""
    name = run.fitted.name
    drivers = [future.drop(columns=["period_end"], errors="ignore") for future in futures]
    forecasts = run.fitted.what_if(run.spec.horizon, drivers)
    out = []
    for future, forecast in zip(futures, forecasts, strict=True):
        merged = future[[UID, DS]].merge(forecast[[UID, DS, name]], on=[UID, DS], how="left")
        units = merged[name].to_numpy(float)
        if factors is not None:
            scale = future[[UID, DS]].merge(factors, on=[UID, DS], how="left")["factor"].fillna(1.0)
            units = units * scale.to_numpy(float)
        out.append(units)
    return out


def model_price_response(run: TrainedRun, df: pd.DataFrame, prices: pd.Series, *,
                         factors: tuple[float, ...] = MODEL_FACTORS,
                         planning: pd.DataFrame | None = None,
                         elasticity: pd.Series | None = None) -> pd.DataFrame:
    """Units over the horizon per series when every price is multiplied by each factor (one pass for all).

    Returns ``unique_id, factor, price, units, extrapolated``. A model that ignores
    price answers the same units at every factor, which is what it would plan with.
    ``planning`` applies the Review page's adjustments (see :func:`adjustment_factors`).
    With ``elasticity`` (per series), prices beyond the range the series was sold at
    are asked at the nearest seen price and continued along the elasticity curve
    (``extrapolated`` says where): a tree cannot extrapolate and would answer flat.
    """
    base = base_future(run, df, prices)
    scenarios = [base.assign(**{PRICE: base[PRICE] * factor}) if PRICE in base.columns else base
                 for factor in factors]
    forecasts, beyond = priced_scenarios(run, df, scenarios, adjustment_factors(planning), elasticity)
    parts = []
    for factor, forecast, outside in zip(factors, forecasts, beyond, strict=True):
        ids = base[UID].to_numpy()
        units = pd.Series(forecast).groupby(ids).sum()
        parts.append(pd.DataFrame({UID: units.index, "factor": factor,
                                   PRICE: prices.reindex(units.index).to_numpy(float) * factor,
                                   "units": units.to_numpy(float),
                                   "extrapolated": pd.Series(outside).groupby(ids).any().to_numpy(bool)}))
    return pd.concat(parts, ignore_index=True)


def seen_price_range(df: pd.DataFrame) -> pd.DataFrame:
    """``low, high`` per series: the lowest and highest price each series was sold at in the history."""
    if PRICE not in df.columns:
        return pd.DataFrame(columns=["low", "high"], dtype=float)
    prices = df[[UID, PRICE]].dropna()
    return prices.groupby(UID)[PRICE].agg(low="min", high="max")


def priced_scenarios(run: TrainedRun, df: pd.DataFrame, futures: list[pd.DataFrame],
                     factors: pd.DataFrame | None = None,
                     elasticity: pd.Series | None = None) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """:func:`forecast_scenarios`, with prices outside the seen range continued along the elasticity curve.

    Each row whose planned price lies outside the series' :func:`seen_price_range` is
    forecast at the nearest seen price and scaled by ``(price / seen price) ** elasticity``.
    Returns the units per scenario and, per scenario, which rows were extrapolated.
    Without ``elasticity`` (or without prices) the model answers every price itself.
    """
    if elasticity is None or PRICE not in df.columns or not any(PRICE in f.columns for f in futures):
        return forecast_scenarios(run, futures, factors), [np.zeros(len(f), bool) for f in futures]
    seen = seen_price_range(df)
    asked, scales, beyond = [], [], []
    for future in futures:
        wanted = future[PRICE].to_numpy(float)
        low = future[UID].map(seen["low"]).fillna(future[PRICE]).to_numpy(float)
        high = future[UID].map(seen["high"]).fillna(future[PRICE]).to_numpy(float)
        clipped = np.clip(wanted, low, high)
        e = future[UID].map(elasticity).to_numpy(float)
        outside = ~np.isclose(clipped, wanted) & np.isfinite(e)
        # Rows inside the range get ratio 1 and exponent 0, so their scale is exactly 1.
        ratio = np.where(outside, wanted / np.where(clipped > 0, clipped, 1.0), 1.0)
        scales.append(ratio ** np.where(outside, e, 0.0))
        asked.append(future.assign(**{PRICE: np.where(outside, clipped, wanted)}))
        beyond.append(outside)
    units = forecast_scenarios(run, asked, factors)
    return [u * s for u, s in zip(units, scales, strict=True)], beyond
