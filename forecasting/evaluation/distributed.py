"""Backtests and forecasts over partitions of series, in this process or on a Dask cluster.

Work that outgrows one process is split by series: each partition (a group
of whole series, balanced by rows) is fitted and forecast on its own, on a
Dask worker when a client is given, and only the small results come back.
What pools information across series is done once, on the caller's side,
over every partition's results: the conformal interval quantiles, the
combining of ``auto``'s members and the metrics. So a local model (one fit per
series) gives the same numbers as :func:`~forecasting.evaluation.forecast.make_forecast`
and :func:`~forecasting.evaluation.backtest.backtest`, and a global model
(LightGBM, ridge) is one model per partition, the same numbers with or
without a cluster for the same partitions.

``dask.distributed`` is imported only when a cluster is asked for.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ConfigError
from ..models.base import Forecaster
from ..models.registry import get_model
from ..schema import DS, LEVELS, SEASON_LENGTH, UID, Y, freq_family
from .backtest import BacktestConfig, BacktestResult, conformal, ignored_drivers, plan_windows, predict_windows
from .crossval import Progress, usable_windows, window_cutoffs
from .forecast import ForecastResult, check_future, tidy, window_quantiles
from .intervals import apply_intervals
from .metrics import CUTOFF, evaluate, seasonal_scale, summarise, training_scales
from .plans import complete_plan, plausibility

ROWS_PER_PARTITION = 400_000  # ~550 daily series of two years: a few hundred MB of features per worker


@dataclass(frozen=True)
class DaskSettings:
    """Where the work runs.

    Parameters
    ----------
    workers
        Start a local cluster of this many worker processes (one thread each), stopped afterwards.
    scheduler
        Address of a running Dask scheduler (``tcp://host:8786``); used instead of starting one.
    memory_limit
        Memory per local worker (``"2GB"``); past it Dask spills to disk, then restarts the worker.
    partitions
        Groups of series; default: enough for about ``ROWS_PER_PARTITION`` rows each, at least one per worker.
    """

    workers: int | None = None
    scheduler: str | None = None
    memory_limit: str = "2GB"
    partitions: int | None = None

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 1:
            raise ConfigError(f"workers must be at least 1, got {self.workers}", fix="use 1 or more ({workers})")
        if self.workers and self.scheduler:
            raise ConfigError("give either a number of local workers or a scheduler address, not both",
                              fix="drop {workers} or {scheduler}")
        if self.partitions is not None and self.partitions < 1:
            raise ConfigError(f"partitions must be at least 1, got {self.partitions}")

    @property
    def enabled(self) -> bool:
        return bool(self.workers or self.scheduler)


@contextmanager
def dask_client(settings: DaskSettings) -> Iterator[Any]:
    """A ``dask.distributed.Client`` for ``settings``: a new local cluster (closed on exit) or a running scheduler."""
    from dask.distributed import Client, LocalCluster  # noqa: PLC0415 - only when a cluster is asked for

    if settings.scheduler:
        try:
            client = Client(settings.scheduler, timeout="10s")
        except OSError as exc:
            raise ConfigError(f"cannot reach the Dask scheduler at {settings.scheduler} ({exc})",
                              fix="start it with 'dask scheduler' or check the address ({scheduler})") from None
        try:
            yield client
        finally:
            client.close()
        return
    cluster = LocalCluster(n_workers=settings.workers, threads_per_worker=1, processes=True,
                           memory_limit=settings.memory_limit, dashboard_address=None)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def on_cluster(settings: DaskSettings, function: Callable, df: pd.DataFrame, *args, **kwargs):
    """``function(*args, parts=..., client=..., **kwargs)`` on the cluster ``settings`` name, ``df`` cut into the
    settings' partitions (default: by rows, at least one per worker); a local cluster is started and stopped."""
    with dask_client(settings) as client:
        workers = len(client.scheduler_info().get("workers", {})) or 1
        parts = settings.partitions or default_partitions(df, workers)
        return function(*args, parts=parts, client=client, **kwargs)


def backtest_on(settings: DaskSettings) -> Callable | None:
    """A ``run_backtest`` for :func:`~forecasting.evaluation.training.train`: the windows over partitions on the
    cluster ``settings`` name (``None``, the in-process backtest, when they name none). The final fit stays in
    the caller's process, so the run has one fitted model to forecast and to answer what-ifs."""
    if not settings.enabled:
        return None

    def run_backtest(models, df, freq, config, *, progress=None):
        return on_cluster(settings, partitioned_backtest, df, models, df, freq, config, progress=progress)

    return run_backtest


def partition_series(df: pd.DataFrame, parts: int) -> list[np.ndarray]:
    """Series ids in ``parts`` groups of whole series with about equal rows, in sorted id order (deterministic)."""
    sizes = df.groupby(UID, sort=True).size()
    parts = max(1, min(parts, len(sizes)))
    edges = np.linspace(0, sizes.sum(), parts + 1)[1:-1]
    labels = np.searchsorted(edges, sizes.cumsum().to_numpy() - sizes.to_numpy() / 2)
    ids = sizes.index.to_numpy()
    return [ids[labels == k] for k in range(parts) if np.any(labels == k)]


def default_partitions(df: pd.DataFrame, workers: int) -> int:
    return max(workers, int(np.ceil(len(df) / ROWS_PER_PARTITION)))


def _split(df: pd.DataFrame, groups: list[np.ndarray]) -> list[pd.DataFrame]:
    label = pd.Series(np.concatenate([np.full(len(g), k) for k, g in enumerate(groups)]),
                      index=np.concatenate(groups))
    keys = df[UID].map(label).to_numpy()
    return [df[keys == k].reset_index(drop=True) for k in range(len(groups))]


def run_partitions(func: Callable, frames: list, client: Any = None, progress: Progress | None = None,
                   label: str = "") -> list:
    """``[func(frame) for frame in frames]``, on the cluster's workers when ``client`` is given (in order)."""
    if client is None:
        out = []
        for i, frame in enumerate(frames):
            out.append(func(frame))
            if progress:
                progress((i + 1) / len(frames), f"{label}: partition {i + 1} of {len(frames)}")
        return out
    from dask.distributed import as_completed  # noqa: PLC0415

    # At most two partitions per worker at a time (one running, one waiting), each sent when it is submitted and
    # its result brought back as soon as it is done: a worker's memory holds one or two partitions however many
    # there are. (Scattering every partition up front grew each worker by the partitions it would hold:
    # 560 -> 920 MB from 4 to 19 partitions of the same size.)
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    waiting = iter(enumerate(frames))
    position: dict[str, int] = {}
    shared = client.scatter(func, broadcast=True)  # the model and the plan travel once, not with every task

    def submit() -> Any:
        i, frame = next(waiting)
        future = client.submit(_call, shared, client.scatter(frame, direct=False), pure=False)
        position[future.key] = i
        return future

    results: list = [None] * len(frames)
    running = as_completed([submit() for _ in range(min(2 * workers, len(frames)))])
    for done, future in enumerate(running, start=1):
        results[position.pop(future.key)] = future.result()
        future.release()
        if done + len(position) < len(frames):
            running.add(submit())
        if progress:
            progress(done / len(frames), f"{label}: partition {done} of {len(frames)} on the cluster")
    return results


def _call(func: Callable, frame: pd.DataFrame):
    return func(frame)


@contextmanager
def _one_process() -> Iterator[None]:
    """Inside a partition, per-series models fit one after another: the workers are the parallelism, and a
    worker process starting its own pool would compete with the other workers for the cores."""
    from joblib import parallel_config  # noqa: PLC0415

    with parallel_config(backend="sequential"):
        yield


def _worker_model(model: Forecaster) -> Forecaster:
    """On a worker, a model that would use every core uses the worker's threads (workers share the machine)."""
    copy = model.clone()
    if getattr(copy, "n_jobs", 0) == -1:
        try:
            from dask.distributed import get_worker  # noqa: PLC0415

            copy.n_jobs = get_worker().state.nthreads
        except (ImportError, ValueError):
            pass
    return copy


# -- forecast ------------------------------------------------------------------


def _forecast_partition(frame: pd.DataFrame, *, model, freq, horizon, cutoffs, levels, future):
    """One partition: the calibration windows' forecasts, then the fit on all its history and the point forecast."""
    with _one_process():
        return _forecast_one(frame, model=_worker_model(model), freq=freq, horizon=horizon, cutoffs=cutoffs,
                             levels=levels, future=future)


def _forecast_one(frame, *, model, freq, horizon, cutoffs, levels, future):
    scales = training_scales(frame, cutoffs, SEASON_LENGTH[freq_family(freq)]) if cutoffs else None
    windows = None
    if cutoffs:
        windows, _, _ = predict_windows([model], frame, freq, horizon, cutoffs, scales, levels=levels)
    own = None if future is None else future[future[UID].isin(frame[UID].unique())]
    fitted = model.clone().fit(frame, freq=freq)
    point = fitted.predict(horizon, future=own)[[UID, DS, model.name]]
    notes = [f"{uid}: {why}" for uid, why in getattr(fitted, "fallbacks_", {}).items()]
    return windows, point, notes + getattr(fitted, "warnings_", [])


def partitioned_forecast(
    model: Forecaster,
    df: pd.DataFrame,
    freq: str,
    horizon: int,
    *,
    parts: int,
    client: Any = None,
    future: pd.DataFrame | None = None,
    levels: tuple[int, ...] = LEVELS,
    calibration_windows: int = 2,
    progress: Progress | None = None,
) -> ForecastResult:
    """:func:`~forecasting.evaluation.forecast.make_forecast` over ``parts`` partitions of series.

    The intervals' residual quantiles pool every partition's calibration
    errors, as the in-process forecast pools every series'. ``model`` in the
    result is the unfitted model: each partition fitted its own copy.
    """
    started = time.perf_counter()
    future_notes = check_future(future, df, freq, horizon)
    # The plan is completed over all series here (usual values where nothing is planned), as make_forecast does.
    plan, plan_notes = complete_plan(df, freq, horizon, future)
    available = usable_windows(df, freq, horizon, calibration_windows + model.validation_windows)
    cutoffs = window_cutoffs(df, freq, horizon, available) if available else []
    job = functools.partial(_forecast_partition, model=model, freq=freq, horizon=horizon, cutoffs=cutoffs,
                            levels=levels, future=plan)
    results = run_partitions(job, _split(df, partition_series(df, parts)), client, progress, model.name)
    point = pd.concat([r[1] for r in results], ignore_index=True)
    notes = [n for r in results for n in r[2]]
    name = model.name
    if cutoffs:
        predictions = pd.concat([r[0] for r in results], ignore_index=True)
        quantiles = window_quantiles(predictions, name, df, freq, horizon, levels, calibration_windows)
        season = SEASON_LENGTH[freq_family(freq)]
        scale = df.groupby(UID, sort=True)[Y].apply(lambda s: seasonal_scale(s.to_numpy(dtype="float64"), season))
        table = apply_intervals(point, name, quantiles, scale, levels)
    else:
        table = point
        notes.append("the history is too short for a backtest window, so the forecast has no intervals")
    table = tidy(table, name, levels)
    warning = plausibility(table, df, freq, horizon, plan)
    if progress:
        progress(1.0, "done")
    notes = future_notes + plan_notes + list(dict.fromkeys(notes)) + ([warning] if warning else [])
    return ForecastResult(table, model, time.perf_counter() - started, notes, plan)


# -- backtest ------------------------------------------------------------------


def _backtest_partition(frame: pd.DataFrame, *, models, freq, horizon, cutoffs, levels):
    scales = training_scales(frame, cutoffs, SEASON_LENGTH[freq_family(freq)])
    with _one_process():
        return predict_windows([_worker_model(m) for m in models], frame, freq, horizon, cutoffs, scales,
                               levels=levels)


def partitioned_backtest(
    models: list[Forecaster],
    df: pd.DataFrame,
    freq: str,
    config: BacktestConfig,
    *,
    parts: int,
    client: Any = None,
    progress: Progress | None = None,
) -> BacktestResult:
    """:func:`~forecasting.evaluation.backtest.backtest` over ``parts`` partitions of series.

    Partitions forecast every window with the plain models (``auto``'s members
    included); ``auto`` combines them and the conformal intervals and metrics
    are computed here, over all series at once, as in the in-process backtest.
    ``seconds`` add up every partition's time (work done, not wall time).
    """
    if not any(m.name == "seasonal_naive" for m in models):
        models = [*models, get_model("seasonal_naive")]
    combining = [m for m in models if m.combines]
    plain = [m for m in models if not m.combines]
    for model in combining:
        plain += [get_model(n) for n in model.member_names() if n not in {m.name for m in plain}]
    cutoffs, calibration = plan_windows(df, freq, config)
    scales = training_scales(df, cutoffs, SEASON_LENGTH[freq_family(freq)])
    job = functools.partial(_backtest_partition, models=plain, freq=freq, horizon=config.horizon, cutoffs=cutoffs,
                            levels=config.levels)
    results = run_partitions(job, _split(df, partition_series(df, parts)), client, progress, "backtest")
    predictions = pd.concat([r[0] for r in results], ignore_index=True)
    predictions = predictions.sort_values([CUTOFF, UID, DS], kind="stable").reset_index(drop=True)
    seconds = {m.name: sum(r[1][m.name] for r in results) for m in plain}
    notes = {m.name: sorted({n for r in results for n in r[2][m.name] if n not in ignored_drivers(m, df)})
             + ignored_drivers(m, df) for m in plain}
    for model in combining:
        predictions, notes[model.name] = model.combine_windows(predictions, scales)
        seconds[model.name] = sum(seconds[n] for n in model.member_names())
    for name in seconds:
        predictions = conformal(predictions, name, scales, config, calibration)
    scored = predictions[predictions[CUTOFF].isin(cutoffs[calibration:])].reset_index(drop=True)
    per_series = evaluate(scored, list(seconds), scales, config.levels)
    calibration_rows = predictions[~predictions[CUTOFF].isin(cutoffs[calibration:])].reset_index(drop=True)
    if progress:
        progress(1.0, "done")
    return BacktestResult(scored, per_series, summarise(per_series), seconds, notes, calibration_rows)
