"""The store's tables, as SQLAlchemy Core metadata (the latest schema version).

Tables grow by migrations (``migrations.py``), never by editing a released
version's ``CREATE``: a store written by an older studio is upgraded in place.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

#: One row per applied schema version.
migrations = Table(
    "migrations", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

#: A prepared long table (unique_id, ds, y, drivers), kept once per content.
datasets = Table(
    "datasets", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(500), nullable=False),
    Column("content_hash", String(64), nullable=False, unique=True),
    Column("mapping", JSON, nullable=False),
    Column("options", JSON, nullable=False),
    Column("freq", String(20), nullable=False),
    Column("n_rows", Integer, nullable=False),
    Column("n_series", Integer, nullable=False),
    Column("start", String(10), nullable=False),
    Column("end", String(10), nullable=False),
    Column("table_parquet", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

#: A trained run: settings, the fitted model as JSON, scores; versions of one name.
runs = Table(
    "runs", metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("dataset_id", Integer, ForeignKey("datasets.id"), nullable=False),
    Column("model", String(100), nullable=False),
    Column("horizon", Integer, nullable=False),
    Column("folds", Integer, nullable=False),
    Column("freq", String(20), nullable=False),
    Column("settings", JSON, nullable=False),
    Column("model_config", JSON, nullable=False),
    Column("metrics", JSON, nullable=False),
    Column("leaderboard", JSON, nullable=False),
    Column("quantiles_parquet", LargeBinary),
    Column("notes", JSON, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("status", String(20), nullable=False),  # active, archived
    Column("champion", Boolean, nullable=False),
    UniqueConstraint("name", "version", name="uq_runs_name_version"),
)

INTERVALS = ("yhat_lo_80", "yhat_hi_80", "yhat_lo_95", "yhat_hi_95")


def _intervals() -> list[Column]:
    return [Column(c, Float) for c in INTERVALS]

#: A run's future forecast.
forecasts = Table(
    "forecasts", metadata,
    Column("run_id", String(32), ForeignKey("runs.id"), primary_key=True),
    Column("unique_id", String(500), primary_key=True),
    Column("ds", DateTime, primary_key=True),
    Column("yhat", Float, nullable=False),
    *_intervals(),
)

#: Every forecast of a run's scored backtest windows (the model and seasonal naive).
backtest_predictions = Table(
    "backtest_predictions", metadata,
    Column("run_id", String(32), ForeignKey("runs.id"), nullable=False),
    Column("model", String(100), nullable=False),
    Column("unique_id", String(500), nullable=False),
    Column("cutoff", DateTime, nullable=False),
    Column("ds", DateTime, nullable=False),
    Column("y", Float),
    Column("yhat", Float),
    *_intervals(),
    Index("ix_backtest_run", "run_id"),
)

#: Manual adjustments as an audit trail: a change supersedes a row, never overwrites it.
adjustments = Table(
    "adjustments", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", String(32), ForeignKey("runs.id"), nullable=False),
    Column("unique_id", String(500), nullable=False),
    Column("level", String(20), nullable=False),
    Column("start", String(10), nullable=False),
    Column("end", String(10), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("value", Float, nullable=False),
    Column("reason", Text, nullable=False),
    Column("before", Float),  # planned units in the range before and after this adjustment
    Column("after", Float),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("superseded_at", DateTime(timezone=True)),
    Column("superseded_by", String(200)),
    Index("ix_adjustments_run", "run_id"),
)

#: Planned drivers (price, promotion ...) for a run's forecast periods, as rows in JSON.
plans = Table(
    "plans", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", String(32), ForeignKey("runs.id")),
    Column("name", String(200), nullable=False),
    Column("rows", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
)

#: Promotion and price what-ifs: their settings and results.
scenarios = Table(
    "scenarios", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", String(32), ForeignKey("runs.id")),
    Column("kind", String(50), nullable=False),
    Column("name", String(200), nullable=False),
    Column("settings", JSON, nullable=False),
    Column("result", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
)

#: What was decided (orders, prices, promotions) and on which numbers.
decisions = Table(
    "decisions", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", String(32), ForeignKey("runs.id")),
    Column("kind", String(50), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
)

#: Each retrain: challenger against champion on the same windows, and any drift alert.
retrains = Table(
    "retrains", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("champion_id", String(32)),
    Column("challenger_id", String(32)),
    Column("status", String(20), nullable=False),  # promoted, kept, failed
    Column("comparison", JSON, nullable=False),
    Column("drift", JSON, nullable=False),
    Column("message", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
)
