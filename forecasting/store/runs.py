"""Saved runs: save a trained run with its dataset, list runs, load one back, choose the champion, archive.

A run's name groups its versions (``train --name weekly`` twice gives versions
1 and 2); one version per name is the champion, the one the forecast API
serves. Loading a run refits its model from the JSON settings on the stored
training table and checks that it forecasts the saved forecast again, so a
stored row can never run code, and a stale or changed one is refused.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, and_, func, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import ConfigError, DataReadError, ForecastingError
from ..evaluation.backtest import BacktestResult
from ..evaluation.forecast import forecast_fitted, output_names, window_quantiles
from ..evaluation.metrics import CUTOFF, evaluate, summarise, training_scales
from ..evaluation.persistence import model_config, model_from_config
from ..evaluation.plans import complete_plan
from ..evaluation.training import INTERVAL_WINDOWS, TrainedRun, TrainingSpec
from ..models.base import Forecaster
from ..models.features import FeatureConfig
from ..schema import DS, LEVELS, SEASON_LENGTH, UID, ColumnMapping, freq_family
from . import tables
from .database import Store
from .frames import content_hash, frame_from, from_parquet, iso, now, plain, rows, to_parquet

FORECAST_COLUMNS = [UID, DS, "yhat", *tables.INTERVALS]
PREDICTION_COLUMNS = ["model", UID, CUTOFF, DS, "y", "yhat", *tables.INTERVALS]
TOLERANCE = 1e-6
VERSION_RETRIES = 5


class RunNotFoundError(ForecastingError, LookupError):
    """No saved run has this name (or version)."""


def current_user() -> str:
    """Who is saving: ``$FORECASTING_USER``, else the login name."""
    try:
        return os.environ.get("FORECASTING_USER") or getpass.getuser()
    except Exception:  # no login name (some containers): still record something
        return "unknown"


@dataclass(frozen=True)
class RunSummary:
    """One saved run as ``runs --json`` and ``GET /runs`` list it."""

    id: str
    name: str
    version: int
    model: str
    horizon: int
    folds: int
    freq: str
    dataset: str
    mase: float | None
    wape: float | None
    created_at: str
    created_by: str
    status: str
    champion: bool

    def as_json(self) -> dict[str, Any]:
        """Plain JSON values (scores to 6 decimals), the same for the command line and the API."""
        return {k: round(v, 6) if k in ("mase", "wape") and v is not None else v for k, v in vars(self).items()}


@dataclass
class RunRecord:
    """A saved run, loaded: what :class:`RunSummary` says plus its settings, scores, forecast and training table."""

    summary: RunSummary
    settings: dict[str, Any]
    config: dict[str, Any]
    metrics: dict[str, Any]
    leaderboard: pd.DataFrame
    quantiles: pd.DataFrame | None
    forecast: pd.DataFrame
    frame: pd.DataFrame
    mapping: ColumnMapping
    options: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    dataset_hash: str = ""
    future: pd.DataFrame | None = None  # the planned drivers the saved forecast was made with
    model_text: str | None = None  # LightGBM's text model, for models that write one
    model_text_sha256: str | None = None

    @property
    def spec(self) -> TrainingSpec:
        settings = self.settings
        features = settings.get("features")
        return TrainingSpec(model=settings["model"], horizon=int(settings["horizon"]),
                            params=dict(settings.get("params", {})),
                            features=FeatureConfig(**_tuples(features)) if features else None,
                            folds=int(settings["folds"]), levels=tuple(settings.get("levels", LEVELS)))


# -- saving -----------------------------------------------------------------------------------------------------

def save_dataset(connection: Connection, frame: pd.DataFrame, freq: str, *, name: str,
                 mapping: ColumnMapping | None = None, options: dict | None = None) -> int:
    """The id of the stored copy of ``frame`` (stored once per content)."""
    digest = content_hash(frame)
    found = connection.execute(select(tables.datasets.c.id).where(tables.datasets.c.content_hash == digest)).scalar()
    if found is not None:
        return int(found)
    values = dict(name=name, content_hash=digest, mapping=mapping.as_dict() if mapping else {},
                  options=options or {}, freq=freq, n_rows=len(frame), n_series=int(frame[UID].nunique()),
                  start=f"{frame[DS].min():%Y-%m-%d}", end=f"{frame[DS].max():%Y-%m-%d}",
                  table_parquet=to_parquet(frame.reset_index(drop=True)), created_at=now())
    return int(connection.execute(tables.datasets.insert().values(**values)).inserted_primary_key[0])


CHECK_ROWS = 500  # rows of a reconciled run's own forecast kept to check its refit


def save_run(store: Store, run: TrainedRun, frame: pd.DataFrame, *, name: str, dataset_name: str,
             mapping: ColumnMapping | None = None, options: dict | None = None, user: str | None = None,
             champion: bool = True, future: pd.DataFrame | None = None) -> RunSummary:
    """Save ``run`` (trained on ``frame``) as the next version of ``name``, in one transaction.

    ``champion=True`` makes it the version the API serves (``train`` does; a retrain only when it is not worse).
    The plan of drivers the run's forecast was made with (``run.plan``, else ``future``) is kept as the run's
    default plan.
    """
    future = run.plan if run.plan is not None else future
    name = name.strip()
    if not name:
        raise ConfigError("the run name is empty", fix="give the run a name, e.g. --name weekly")
    user = user or current_user()
    settings = {**run.spec.describe(), "params": dict(run.spec.params), "levels": list(run.spec.levels)}
    settings.pop("features", None)
    if run.spec.features is not None:
        settings["features"] = _plain_tree(vars(run.spec.features))
    if run.reconciled is not None and run.model_forecast is not None:
        # The saved forecast is reconciled; the refit check compares the model with its own forecast instead.
        check = run.model_forecast.sort_values([UID, DS]).head(CHECK_ROWS)
        settings["reconciled"] = run.reconciled
        settings["model_check"] = {UID: check[UID].astype(str).tolist(),
                                   DS: check[DS].dt.strftime("%Y-%m-%d").tolist(), "yhat": check["yhat"].tolist()}
    settings = _plain_tree(settings)
    for attempt in range(VERSION_RETRIES):  # two writers saving the same name: the loser takes the next version
        try:
            with store.write() as connection:
                return _insert_run(connection, run, frame, name=name, dataset_name=dataset_name, mapping=mapping,
                                   options=options, user=user, champion=champion, settings=settings, future=future)
        except IntegrityError:
            if attempt == VERSION_RETRIES - 1:
                raise
    raise AssertionError("unreachable")


def _insert_run(connection: Connection, run: TrainedRun, frame: pd.DataFrame, *, name, dataset_name, mapping,
                options, user, champion, settings, future) -> RunSummary:
    dataset_id = save_dataset(connection, frame, run.freq, name=dataset_name, mapping=mapping, options=options)
    last = connection.execute(select(func.max(tables.runs.c.version)).where(tables.runs.c.name == name)).scalar()
    version = int(last or 0) + 1
    run_id = run.run_id if not _exists(connection, run.run_id) else uuid.uuid4().hex
    board = run.backtest.leaderboard
    metrics = {k: plain(v) for k, v in run.score.to_dict().items()}
    quantiles = window_quantiles(run.backtest.predictions, run.name, frame, run.freq, run.spec.horizon,
                                 run.spec.levels, INTERVAL_WINDOWS) if len(run.backtest.predictions) else None
    if champion:
        connection.execute(update(tables.runs).where(tables.runs.c.name == name).values(champion=False))
    created = now()
    text = run.fitted.model_text() if hasattr(run.fitted, "model_text") else None
    connection.execute(tables.runs.insert().values(
        model_text=text, model_text_sha256=hashlib.sha256(text.encode()).hexdigest() if text else None,
        id=run_id, name=name, version=version, dataset_id=dataset_id, model=run.name, horizon=run.spec.horizon,
        folds=run.spec.folds, freq=run.freq, settings=settings, model_config=model_config(run.fitted),
        metrics=metrics, leaderboard=rows(board), quantiles_parquet=to_parquet(quantiles) if quantiles is not None
        else None, future_parquet=to_parquet(future.reset_index(drop=True)) if future is not None and len(future)
        else None, notes=list(run.notes), seconds=float(run.seconds), created_at=created, created_by=user,
        status="active", champion=champion))
    table = run.forecast.reindex(columns=FORECAST_COLUMNS)
    connection.execute(tables.forecasts.insert(), rows(table, run_id=run_id))
    predictions = _long_predictions(run.backtest.predictions, list(run.backtest.seconds), run.spec.levels)
    if len(predictions):
        connection.execute(tables.backtest_predictions.insert(), rows(predictions, run_id=run_id))
    return RunSummary(id=run_id, name=name, version=version, model=run.name, horizon=run.spec.horizon,
                      folds=run.spec.folds, freq=run.freq, dataset=dataset_name, mase=plain(metrics.get("mase")),
                      wape=plain(metrics.get("wape")), created_at=iso(created), created_by=user, status="active",
                      champion=champion)


def is_saved(store: Store, run_id: str) -> bool:
    """True when a run with this id is in the store."""
    with store.read() as connection:
        return _exists(connection, run_id)


def _exists(connection: Connection, run_id: str) -> bool:
    return connection.execute(select(tables.runs.c.id).where(tables.runs.c.id == run_id)).scalar() is not None


def _long_predictions(predictions: pd.DataFrame, models: list[str], levels: tuple[int, ...]) -> pd.DataFrame:
    pieces = []
    for model in models:
        names = {k: v for k, v in output_names(model, levels).items() if k in predictions.columns}
        piece = predictions[[UID, DS, CUTOFF, "y", *names]].rename(columns=names)
        pieces.append(piece.assign(model=model))
    if not pieces:
        return pd.DataFrame(columns=PREDICTION_COLUMNS)
    return pd.concat(pieces, ignore_index=True).reindex(columns=PREDICTION_COLUMNS)


def _wide_predictions(long: pd.DataFrame, levels: tuple[int, ...]) -> pd.DataFrame:
    """The backtest table again: ``unique_id, ds, cutoff, y, <model>, <model>-lo-80 ...``."""
    keys = [UID, DS, CUTOFF]
    wide = None
    for model, piece in long.groupby("model", sort=False):
        names = {v: k for k, v in output_names(str(model), levels).items()}
        part = piece[[*keys, "y", *[c for c in names if c in piece.columns]]].rename(columns=names)
        part = part.dropna(axis=1, how="all")
        wide = part if wide is None else wide.merge(part.drop(columns="y"), on=keys, how="outer")
    if wide is None:
        return pd.DataFrame(columns=[*keys, "y"])
    return wide.sort_values([CUTOFF, UID, DS]).reset_index(drop=True)


# -- listing and loading ----------------------------------------------------------------------------------------

def _summary_query():
    r, d = tables.runs, tables.datasets
    return select(r.c.id, r.c.name, r.c.version, r.c.model, r.c.horizon, r.c.folds, r.c.freq, d.c.name,
                  r.c.metrics, r.c.created_at, r.c.created_by, r.c.status, r.c.champion).join(
        d, r.c.dataset_id == d.c.id)


def _summary(row) -> RunSummary:
    metrics = row[8] or {}
    return RunSummary(id=row[0], name=row[1], version=int(row[2]), model=row[3], horizon=int(row[4]),
                      folds=int(row[5]), freq=row[6], dataset=row[7], mase=plain(metrics.get("mase")),
                      wape=plain(metrics.get("wape")), created_at=iso(row[9]), created_by=row[10], status=row[11],
                      champion=bool(row[12]))


def list_runs(store: Store, *, archived: bool = False) -> list[RunSummary]:
    """Every saved run (without archived ones unless ``archived``), by name, newest version first."""
    query = _summary_query().order_by(tables.runs.c.name, tables.runs.c.version.desc())
    if not archived:
        query = query.where(tables.runs.c.status != "archived")
    with store.read() as connection:
        return [_summary(row) for row in connection.execute(query)]


def find_run(store: Store, name: str, version: int | None = None) -> RunSummary:
    """The summary of ``name``'s champion (or of ``version``); :class:`RunNotFoundError` when there is none."""
    r = tables.runs
    query = _summary_query().where(r.c.name == name)
    if version is not None:
        query = query.where(r.c.version == int(version))
    else:  # the champion; a name whose champion was archived falls back to its newest active version
        query = query.where(r.c.status != "archived").order_by(r.c.champion.desc(), r.c.version.desc())
    with store.read() as connection:
        row = connection.execute(query.limit(1)).first()
    if row is None:
        known = sorted({s.name for s in list_runs(store)})
        which = f"run {name!r}" + (f" version {version}" if version is not None else "")
        raise RunNotFoundError(f"no saved {which}; saved runs: {', '.join(known[:10]) or 'none'}")
    return _summary(row)


def load_run(store: Store, name: str, version: int | None = None, *, run_id: str | None = None) -> RunRecord:
    """A saved run with its forecast and training table (the champion of ``name`` unless ``version``/``run_id``)."""
    if run_id is not None:
        with store.read() as connection:
            row = connection.execute(_summary_query().where(tables.runs.c.id == run_id)).first()
        if row is None:
            raise RunNotFoundError(f"no saved run with id {run_id!r}")
        summary = _summary(row)
    else:
        summary = find_run(store, name, version)
    r, d = tables.runs, tables.datasets
    with store.read() as connection:
        row = connection.execute(select(r.c.settings, r.c.model_config, r.c.metrics, r.c.leaderboard,
                                        r.c.quantiles_parquet, r.c.notes, r.c.seconds, d.c.table_parquet,
                                        d.c.mapping, d.c.options, d.c.content_hash, r.c.future_parquet,
                                        r.c.model_text, r.c.model_text_sha256).join(d, r.c.dataset_id == d.c.id)
                                 .where(r.c.id == summary.id)).one()
        forecast = frame_from(connection.execute(
            select(*[tables.forecasts.c[c] for c in FORECAST_COLUMNS]).where(tables.forecasts.c.run_id == summary.id)
            .order_by(tables.forecasts.c.unique_id, tables.forecasts.c.ds)), FORECAST_COLUMNS)
    frame = from_parquet(row[7]).reset_index(drop=True)
    mapping = ColumnMapping.from_dict(row[8]) if row[8] else ColumnMapping(date=DS, target="y", ids=(UID,))
    forecast.insert(2, "model", summary.model)
    return RunRecord(summary=summary, settings=row[0], config=row[1], metrics=row[2],
                     leaderboard=pd.DataFrame(row[3]), quantiles=from_parquet(row[4]) if row[4] else None,
                     forecast=forecast, frame=frame, mapping=mapping, options=row[9] or {}, notes=list(row[5] or []),
                     seconds=float(row[6]), dataset_hash=row[10],
                     future=from_parquet(row[11]) if row[11] else None, model_text=row[12], model_text_sha256=row[13])


def backtest_predictions(store: Store, run_id: str) -> pd.DataFrame:
    """The long backtest table of a run: ``model, unique_id, cutoff, ds, y, yhat, yhat_lo_80 ...``."""
    t = tables.backtest_predictions
    with store.read() as connection:
        return frame_from(connection.execute(select(*[t.c[c] for c in PREDICTION_COLUMNS]).where(t.c.run_id == run_id)
                                             .order_by(t.c.model, t.c.unique_id, t.c.cutoff, t.c.ds)),
                          PREDICTION_COLUMNS)


def refit(record: RunRecord) -> Forecaster:
    """The run's model rebuilt from its JSON settings, refitted on its training table (or, for LightGBM, read
    back from its text model) and checked against the saved forecast (the models are deterministic: fixed seeds)."""
    model = model_from_config(record.config)
    if record.model_text and hasattr(model, "restore"):  # LightGBM: read its trees back instead of training
        if hashlib.sha256(record.model_text.encode()).hexdigest() != record.model_text_sha256:
            raise DataReadError(f"run {record.summary.name!r} version {record.summary.version}: its text model was "
                                "changed after it was saved; train the run again")
        model.restore(record.frame, record.summary.freq, record.model_text)
    else:
        model.fit(record.frame, freq=record.summary.freq)
    freq, horizon = record.summary.freq, record.summary.horizon
    plan = record.future  # the plan the saved forecast was made with; older runs: usual values
    if plan is None:
        plan = complete_plan(record.frame, freq, horizon, None)[0]
    table, _ = forecast_fitted(model, record.frame, freq, horizon, None, future=plan)
    saved = record.forecast[[UID, DS, "yhat"]]
    check = record.settings.get("model_check")
    if check:  # a reconciled run: its model's own forecast (the first rows) was kept for this check
        saved = pd.DataFrame(check).assign(**{DS: lambda f: pd.to_datetime(f[DS])})
        table = table.merge(saved[[UID, DS]], on=[UID, DS], how="inner")
    merged = table[[UID, DS, "yhat"]].merge(saved, on=[UID, DS], how="outer", suffixes=("", "_saved"))
    if len(merged) != len(saved) or not np.allclose(merged["yhat"].to_numpy(dtype=float),
                                                              merged["yhat_saved"].to_numpy(dtype=float),
                                                              rtol=TOLERANCE, atol=TOLERANCE):
        raise DataReadError(f"run {record.summary.name!r} version {record.summary.version}: the refitted model does "
                            "not reproduce the saved forecast (saved by another version, or the row was changed); "
                            "train the run again")
    return model


def as_trained_run(record: RunRecord, fitted: Forecaster, predictions: pd.DataFrame) -> TrainedRun:
    """The saved run as the pages use a run trained in the session (same run id, so caches key on it)."""
    spec = record.spec
    wide = _wide_predictions(predictions, spec.levels)
    models = list(dict.fromkeys(predictions["model"])) if len(predictions) else [record.summary.model]
    season = SEASON_LENGTH[freq_family(record.summary.freq)]
    cutoffs = sorted(pd.Timestamp(c) for c in wide[CUTOFF].unique()) if len(wide) else []
    per_series = evaluate(wide, models, training_scales(record.frame, cutoffs, season), spec.levels) \
        if len(wide) else pd.DataFrame()
    board = summarise(per_series) if len(per_series) else record.leaderboard
    result = BacktestResult(wide, per_series, board, {m: 0.0 for m in models}, {})
    forecast = record.forecast.copy()
    return TrainedRun(spec, record.summary.freq, fitted, result, forecast, record.seconds, list(record.notes),
                      run_id=record.summary.id, plan=None if record.future is None else record.future.copy())


# -- champion and archive ---------------------------------------------------------------------------------------

def set_champion(store: Store, name: str, version: int) -> None:
    """Make ``version`` the champion of ``name`` (the version the API serves)."""
    find_run(store, name, version)
    r = tables.runs
    with store.write() as connection:
        connection.execute(update(r).where(r.c.name == name).values(champion=False))
        connection.execute(update(r).where(and_(r.c.name == name, r.c.version == int(version))).values(champion=True))


def archive_run(store: Store, name: str, version: int, *, archived: bool = True) -> None:
    """Hide a version from the lists (kept, never deleted); ``archived=False`` brings it back."""
    r = tables.runs
    with store.write() as connection:
        done = connection.execute(update(r).where(and_(r.c.name == name, r.c.version == int(version)))
                                  .values(status="archived" if archived else "active"))
    if done.rowcount == 0:
        raise RunNotFoundError(f"no saved run {name!r} version {version}")


def _plain_tree(value):
    if isinstance(value, dict):
        return {str(k): _plain_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain_tree(v) for v in value]
    return plain(value)


def _tuples(values: dict) -> dict:
    def convert(v):
        return tuple(convert(x) for x in v) if isinstance(v, list) else v
    return {k: convert(v) for k, v in values.items()}
