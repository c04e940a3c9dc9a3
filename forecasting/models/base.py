"""The model protocol every forecaster follows, whatever library is underneath.

A model is constructed with keyword-only hyperparameters (stored, not
checked against data), learns in :meth:`Forecaster.fit` into attributes that
end in ``_``, and forecasts ``horizon`` periods after each series' last
period in :meth:`Forecaster.predict`. Capabilities are class attributes that
the UI reads to choose widgets and to warn about ignored drivers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from ..data.frequency import infer_freq
from ..errors import ConfigError, DataValidationError, ForecastingError
from ..schema import DS, SEASON_LENGTH, UID, Y, freq_family

ParamKind = Literal["int", "float", "choice", "bool", "names"]


class NotFittedError(ForecastingError, RuntimeError):
    """``predict`` was called before ``fit``."""


@dataclass(frozen=True)
class Param:
    """A hyperparameter the UI can show as a widget.

    Parameters
    ----------
    name, kind, default
        Keyword name, widget kind and default value.
    low, high
        Bounds for numbers (inclusive).
    choices
        Options for ``choice``, and the allowed items of ``names`` (several of the choices, in order).
    help
        One sentence for the widget's tooltip.
    log
        Numbers that span orders of magnitude (learning rate, L2) use a log slider.
    """

    name: str
    kind: ParamKind
    default: Any
    low: float | None = None
    high: float | None = None
    choices: tuple = ()
    help: str = ""
    log: bool = False

    def check(self, value: Any, model: str) -> Any:
        """Return ``value`` converted to the right type, or raise a ConfigError naming the bounds."""
        if self.kind == "choice":
            if value not in self.choices:
                raise ConfigError(f"{model}: {self.name}={value!r} is not one of {', '.join(map(str, self.choices))}")
            return value
        if self.kind == "bool":
            return bool(value)
        if self.kind == "names":
            names = tuple(n.strip() for n in value.split(",") if n.strip()) if isinstance(value, str) else tuple(value)
            unknown = [n for n in names if n not in self.choices]
            if unknown or not names:
                raise ConfigError(f"{model}: {self.name} must name one or more of {', '.join(self.choices)}"
                                  + (f"; {unknown[0]!r} is not one of them" if unknown else ""))
            return names
        try:
            number = float(value)
            number = int(number) if self.kind == "int" and number.is_integer() else number
        except (TypeError, ValueError):
            raise ConfigError(f"{model}: {self.name}={value!r} is not a number") from None
        if not math.isfinite(number) or (self.kind == "int" and not isinstance(number, int)):
            raise ConfigError(f"{model}: {self.name}={value!r} is not a finite {'whole ' if self.kind == 'int' else ''}"
                              f"number; give one between {self.low} and {self.high}")
        if (self.low is not None and number < self.low) or (self.high is not None and number > self.high):
            raise ConfigError(f"{model}: {self.name}={value} is outside {self.low}..{self.high}")
        return number


class Forecaster:
    """Base class: stores hyperparameters, checks inputs, guarantees the output contract.

    Subclasses set the class attributes and implement :meth:`_fit` and
    :meth:`_predict`. :meth:`_predict` returns the point forecast per series
    and period in a column named after the model; the base class adds
    nothing it does not check (no negative sales, every series, every period).
    """

    name: ClassVar[str] = "base"
    label: ClassVar[str] = "Base"
    family: ClassVar[str] = "baseline"
    description: ClassVar[str] = ""
    uses_exog: ClassVar[bool] = False
    is_global: ClassVar[bool] = False
    requires: ClassVar[tuple[str, ...]] = ()
    native_intervals: ClassVar[bool] = False
    deterministic: ClassVar[bool] = True  # refitting on the same data gives the same forecast
    uses_features: ClassVar[bool] = False  # learns from built features: takes ``features=FeatureConfig(...)``
    reports_epochs: ClassVar[bool] = False  # trains in epochs: takes ``callbacks=`` to follow and stop them
    combines: ClassVar[bool] = False  # built from other models' forecasts (auto): see member_names, combine_windows
    params: ClassVar[tuple[Param, ...]] = ()

    def __init__(self, **params: Any) -> None:
        known = {p.name: p for p in self.params}
        unknown = sorted(set(params) - set(known))
        if unknown:
            valid = ", ".join(known) or "none"
            raise ConfigError(f"{self.name} has no parameter {unknown[0]!r}; its parameters are {valid}")
        for param in self.params:
            setattr(self, param.name, param.check(params.get(param.name, param.default), self.name))

    # -- public protocol ---------------------------------------------------

    def get_params(self) -> dict[str, Any]:
        return {p.name: getattr(self, p.name) for p in self.params}

    def clone(self) -> Forecaster:
        """An unfitted copy with the same hyperparameters."""
        return type(self)(**self.get_params())

    def fit(self, df: pd.DataFrame, *, freq: str | None = None) -> Forecaster:
        """Learn from the long table ``unique_id, ds, y`` (+ drivers); never modifies ``df``."""
        frame = self.remember(df, freq)
        self._fit(frame)
        self.fitted_ = True
        return self

    def remember(self, df: pd.DataFrame, freq: str | None = None) -> pd.DataFrame:
        """Check the training table and note its frequency and series; returns the sorted copy ``_fit`` gets."""
        frame = check_training_frame(df, self.name)
        self.freq_ = freq or infer_freq(frame[DS], frame[UID])
        self.season_length_ = SEASON_LENGTH[freq_family(self.freq_)]
        self.last_ds_ = frame.groupby(UID, sort=True)[DS].max()
        self.series_ = self.last_ds_.index.to_numpy()
        return frame

    def predict(
        self, horizon: int, future: pd.DataFrame | None = None, *, levels: tuple[int, ...] = ()
    ) -> pd.DataFrame:
        """Forecast ``horizon`` periods after each series' last training period.

        Parameters
        ----------
        horizon
            Number of periods to forecast.
        future
            Known-in-advance drivers for the forecast periods (``unique_id``,
            ``ds`` and driver columns); missing ones fall back to the last
            known price and no promotion.
        levels
            Models with ``native_intervals`` add ``<name>-lo-<level>`` and
            ``<name>-hi-<level>`` columns for these coverage levels (in %).
            Every model gets conformal intervals from :mod:`forecasting.evaluation.intervals`.
        """
        if not getattr(self, "fitted_", False):
            raise NotFittedError(f"{self.name} must be fitted before it can predict; call fit(df) first")
        if int(horizon) < 1:
            raise ConfigError(f"horizon must be at least 1 period, got {horizon}")
        grid = self.future_grid(int(horizon))
        out = self._predict(int(horizon), grid, future, tuple(levels) if self.native_intervals else ())
        return self._finish(out, grid)

    def predict_many(self, horizon: int, futures: list[pd.DataFrame | None]) -> list[pd.DataFrame]:
        """One forecast per scenario of planned drivers (price and promotion what-ifs), as :meth:`predict` gives."""
        return [self.predict(horizon, future=future) for future in futures]

    def what_if(self, horizon: int, futures: list[pd.DataFrame | None]) -> list[pd.DataFrame]:
        """Forecasts under what-if driver scenarios: :meth:`predict_many`, unless a combining model must
        keep members that ignore the drivers from diluting the response (see ``auto``)."""
        return self.predict_many(horizon, futures)

    @property
    def validation_windows(self) -> int:
        """Windows of history before each fit that the model validates on (a backtest must leave room for them)."""
        return 0

    def member_names(self) -> list[str]:
        """Registry names of the models a combining model is built from (none for most models)."""
        return []

    def combine_windows(self, predictions: pd.DataFrame, scales: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
        """A combining model's forecasts for every backtest window, from its members' forecasts in ``predictions``
        (``unique_id, ds, cutoff, y, <member> ...``) and the windows' MASE ``scales``; with notes per window."""
        raise NotImplementedError(f"{self.name} combines no other models")

    def refit_copy(self, windows: pd.DataFrame | None = None) -> Forecaster:
        """The unfitted copy to fit on all the history after a backtest whose forecasts are ``windows``.

        Most models ignore the windows; a combining model chooses from them instead of validating again.
        """
        return self.clone()

    def feature_importance(self, df: pd.DataFrame, *, periods: int = 28, repeats: int = 3,
                           seed: int = 0) -> pd.Series | None:
        """Importance per feature for models that ``uses_features`` and can say; ``None`` otherwise."""
        return None

    def future_grid(self, horizon: int) -> pd.DataFrame:
        """``unique_id, ds`` for every series and forecast period."""
        return future_dates(self.last_ds_, horizon, self.freq_)

    # -- for subclasses -------------------------------------------------------

    def _fit(self, df: pd.DataFrame) -> None:
        raise NotImplementedError

    def _predict(
        self, horizon: int, grid: pd.DataFrame, future: pd.DataFrame | None, levels: tuple[int, ...]
    ) -> pd.DataFrame:
        """Forecasts on ``grid`` in a column named ``self.name`` (plus interval columns for ``levels``)."""
        raise NotImplementedError

    def _finish(self, out: pd.DataFrame, grid: pd.DataFrame) -> pd.DataFrame:
        merged = grid.merge(out, on=[UID, DS], how="left", validate="one_to_one")
        value_columns = [c for c in merged.columns if c.startswith(self.name)]
        if merged[self.name].isna().any():
            missing = merged.loc[merged[self.name].isna(), UID].unique()
            raise ForecastingError(f"{self.name} returned no forecast for series {', '.join(map(str, missing[:3]))}")
        merged[value_columns] = merged[value_columns].clip(lower=0)  # sales are never negative
        return merged

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


class LocalModel(Forecaster):
    """A model fitted separately to each series.

    Subclasses implement :meth:`_fit_series` and :meth:`_forecast_series`.
    Series are fitted in parallel across cores when ``parallel`` is set and
    there are enough of them to pay for the worker start-up. A series whose
    fit or forecast fails gets a seasonal-naive forecast instead, and
    ``fallbacks_`` says which series and why: nothing fails silently.
    """

    parallel: ClassVar[bool] = False
    min_series_for_parallel: ClassVar[int] = 16
    min_observations_for_parallel: ClassVar[int] = 0

    def _fit(self, df: pd.DataFrame) -> None:
        exog_columns = self._exog_columns(df)
        self.exog_columns_ = exog_columns
        self.history_ = {}
        jobs = []
        for uid, group in df.groupby(UID, sort=True):
            y = group[Y].to_numpy(dtype="float64")
            exog = group[exog_columns].reset_index(drop=True) if exog_columns else None
            self.history_[uid] = (y, exog)
            jobs.append((uid, y, exog))
        results = self._map(jobs)
        self.states_ = {uid: state for uid, state, _ in results if state is not None}
        self.fallbacks_ = {uid: reason for uid, _, reason in results if reason}

    def _map(self, jobs):
        observations = sum(len(y) for _, y, _ in jobs)
        if (self.parallel and len(jobs) >= self.min_series_for_parallel
                and observations >= self.min_observations_for_parallel):
            from joblib import Parallel, delayed  # noqa: PLC0415 - only when parallel work is asked for

            # ``self._fit_one`` would pickle ``self`` with every series' history into each batch:
            # workers get an unfitted copy that knows only the frequency.
            worker = self.clone()
            worker.freq_, worker.season_length_ = self.freq_, self.season_length_
            return Parallel(n_jobs=-1, prefer="processes")(delayed(worker._fit_one)(*job) for job in jobs)
        return self._fit_serially(jobs)

    def _fit_serially(self, jobs):
        return [self._fit_one(*job) for job in jobs]

    def _fit_one(self, uid, y, exog):
        try:
            return uid, self._fit_series(y, exog), None
        except (ValueError, np.linalg.LinAlgError, ArithmeticError, IndexError) as exc:
            return uid, None, f"fit failed ({type(exc).__name__}: {str(exc)[:120]}); used seasonal naive"

    def _predict(self, horizon, grid, future, levels):
        pieces = []
        for uid in self.series_:
            y, _ = self.history_[uid]
            exog_future = self._future_exog(uid, grid, future)
            values = None
            if uid in self.states_:
                try:
                    values = self._forecast_series(self.states_[uid], horizon, exog_future, levels)
                except (ValueError, np.linalg.LinAlgError, ArithmeticError, IndexError) as exc:
                    self.fallbacks_[uid] = f"forecast failed ({type(exc).__name__}: {str(exc)[:120]}); used seasonal naive"
            if values is None or not np.all(np.isfinite(values["mean"])):
                if values is not None:
                    self.fallbacks_[uid] = "forecast was not finite; used seasonal naive"
                values = {"mean": seasonal_naive_values(y, horizon, self.season_length_)}
            piece = {self.name: values["mean"]}
            for level in levels:
                for side in ("lo", "hi"):
                    key = f"{side}-{level}"
                    piece[f"{self.name}-{key}"] = values.get(key, np.full(horizon, np.nan))
            pieces.append(pd.DataFrame(piece))
        out = pd.concat(pieces, ignore_index=True)
        return pd.concat([grid.reset_index(drop=True), out], axis=1)

    def _exog_columns(self, df: pd.DataFrame) -> list[str]:
        """Driver columns this model uses (none unless it ``uses_exog``)."""
        return []

    def _future_exog(self, uid, grid, future) -> pd.DataFrame | None:
        return None

    def _fit_series(self, y: np.ndarray, exog: pd.DataFrame | None):
        """Fit one series; return whatever :meth:`_forecast_series` needs."""
        raise NotImplementedError

    def _forecast_series(self, state, horizon: int, exog: pd.DataFrame | None, levels: tuple[int, ...]) -> dict:
        """``{"mean": array, "lo-80": array, "hi-80": array, ...}`` for one series."""
        raise NotImplementedError


def seasonal_naive_values(y: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """The last full season repeated (the last value when the series is shorter than a season)."""
    if len(y) < season:
        return np.full(horizon, y[-1])
    return np.resize(y[-season:], horizon)


def check_training_frame(df: pd.DataFrame, model: str) -> pd.DataFrame:
    """A sorted copy of the training table, or a clear error when it cannot be used."""
    missing = [c for c in (UID, DS, Y) if c not in df.columns]
    if missing:
        raise DataValidationError(f"{model}: the training table has no column {missing[0]!r}; pass the long table "
                                  "(unique_id, ds, y)")
    if df.empty:
        raise DataValidationError(f"{model}: the training table is empty")
    if df[Y].isna().any():
        ids = df.loc[df[Y].isna(), UID].unique()
        raise DataValidationError(
            f"{model}: {int(df[Y].isna().sum())} sales value(s) are missing (series {', '.join(map(str, ids[:3]))}); "
            "clean the data first (fill missing values)",
            ids=[str(i) for i in ids[:20]],
        )
    if df.duplicated([UID, DS]).any():
        raise DataValidationError(f"{model}: the training table repeats (unique_id, ds) pairs; clean duplicates first")
    return df.sort_values([UID, DS], kind="stable").reset_index(drop=True)


def future_dates(last_ds: pd.Series, horizon: int, freq: str) -> pd.DataFrame:
    """The ``horizon`` periods after each series' last date (``last_ds``: unique_id -> last ds)."""
    ids = np.repeat(last_ds.index.to_numpy(), horizon)
    steps = np.tile(np.arange(1, horizon + 1), len(last_ds))
    last = pd.DatetimeIndex(np.repeat(last_ds.to_numpy(), horizon))
    if freq_family(freq) == "M":
        ds = (last.to_period("M") + steps).to_timestamp()
    else:
        ds = last + steps * pd.Timedelta(days=1 if freq_family(freq) == "D" else 7)
    return pd.DataFrame({UID: ids, DS: ds.astype("datetime64[ns]")})
