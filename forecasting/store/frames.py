"""Tables in and out of the database: Parquet bytes for whole tables, plain rows for row tables."""

from __future__ import annotations

import hashlib
import io
import math
from datetime import UTC, datetime

import pandas as pd

from ..schema import DS, UID


def to_parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=True)
    return buffer.getvalue()


def from_parquet(data: bytes) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(data))


def content_hash(frame: pd.DataFrame) -> str:
    """Same values, columns and order -> same hash (Parquet bytes may differ between library versions)."""
    digest = hashlib.sha256("|".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def plain(value):
    """A database- and JSON-friendly scalar: NaN -> None, numpy -> Python, Timestamp -> datetime."""
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def rows(frame: pd.DataFrame, **constant) -> list[dict]:
    """``frame`` as a list of row dicts of plain values, with ``constant`` columns added."""
    records = frame.to_dict("records")
    return [{**constant, **{k: plain(v) for k, v in record.items()}} for record in records]


def frame_from(result, columns: list[str]) -> pd.DataFrame:
    """A SELECT's rows as a DataFrame with the contract's dtypes for ids and dates."""
    frame = pd.DataFrame(result.all(), columns=columns)
    if UID in frame.columns:
        frame[UID] = frame[UID].astype(str)
    for column in (DS, "cutoff"):
        if column in frame.columns:
            frame[column] = pd.to_datetime(frame[column])
    return frame


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    """A stored time as ISO 8601 UTC (SQLite returns it without a zone)."""
    if moment is None or pd.isna(moment):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
