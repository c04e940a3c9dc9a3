"""Baselines every forecast must beat, and Croston/TSB for intermittent demand."""

from __future__ import annotations

import numpy as np

from .base import LocalModel, Param, seasonal_naive_values
from .registry import register


class _ArrayModel(LocalModel):
    """A baseline that forecasts from the series' own history and nothing else."""

    def _fit_series(self, y, exog):
        return y

    def _forecast_series(self, y, horizon, exog, levels):
        return {"mean": self._forecast(y, horizon)}

    def _forecast(self, y: np.ndarray, horizon: int) -> np.ndarray:
        raise NotImplementedError


@register
class Naive(_ArrayModel):
    name = "naive"
    label = "Naive (last value)"
    description = "Repeats the last observed value."

    def _forecast(self, y, horizon):
        return np.full(horizon, y[-1])


@register
class SeasonalNaive(_ArrayModel):
    name = "seasonal_naive"
    label = "Seasonal naive"
    description = "Repeats the last full season (same weekday last week, same week or month last year)."
    params = (Param("season_length", "int", 0, 0, 366, help="Periods per season; 0 uses the frequency's default."),)

    def _forecast(self, y, horizon):
        return seasonal_naive_values(y, horizon, self.season_length or self.season_length_)


@register
class MovingAverage(_ArrayModel):
    name = "moving_average"
    label = "Moving average"
    description = "The mean of the last few periods, flat over the horizon."
    params = (Param("window", "int", 0, 0, 365, help="Periods to average; 0 uses one season."),)

    def _forecast(self, y, horizon):
        window = self.window or self.season_length_
        return np.full(horizon, y[-window:].mean())


def croston_rate(y: np.ndarray, alpha: float, *, sba: bool) -> float:
    """Croston's demand rate: smoothed size of non-zero demands over smoothed interval between them.

    ``sba`` applies the Syntetos-Boylan correction (1 - alpha / 2), which
    removes Croston's upward bias.
    """
    nonzero = np.flatnonzero(y > 0)
    if len(nonzero) == 0:
        return 0.0
    sizes = y[nonzero]
    intervals = np.diff(np.concatenate([[-1], nonzero])).astype(float)
    size, interval = sizes[0], intervals[0]
    for s, q in zip(sizes[1:], intervals[1:], strict=True):
        size += alpha * (s - size)
        interval += alpha * (q - interval)
    rate = size / interval
    return rate * (1 - alpha / 2) if sba else rate


@register
class Croston(_ArrayModel):
    name = "croston"
    label = "Croston (SBA)"
    family = "intermittent"
    description = "For intermittent demand: smoothed demand size over smoothed interval, bias-corrected (SBA)."
    params = (
        Param("alpha", "float", 0.1, 0.01, 1.0, help="Smoothing of sizes and intervals."),
        Param("sba", "bool", True, help="Apply the Syntetos-Boylan bias correction."),
    )

    def _forecast(self, y, horizon):
        return np.full(horizon, croston_rate(y, self.alpha, sba=self.sba))


@register
class TSB(_ArrayModel):
    name = "tsb"
    label = "TSB (Teunter-Syntetos-Babai)"
    family = "intermittent"
    description = "For intermittent demand that may die out: smooths the probability of a sale every period."
    params = (
        Param("alpha", "float", 0.1, 0.01, 1.0, help="Smoothing of the demand size."),
        Param("beta", "float", 0.05, 0.01, 1.0, help="Smoothing of the probability of demand."),
    )

    def _forecast(self, y, horizon):
        nonzero = y[y > 0]
        if len(nonzero) == 0:
            return np.zeros(horizon)
        probability, size = float(y[0] > 0), nonzero[0]
        for value in y[1:]:
            hit = value > 0
            probability += self.beta * (hit - probability)
            if hit:
                size += self.alpha * (value - size)
        return np.full(horizon, probability * size)
