"""Manual forecast adjustments: a category manager's judgement on top of the model.

An adjustment changes the forecast of one series, of every series in a
category, or of all series, over a date range (both ends included):
``percent`` multiplies the forecast (+10 = 10% more), ``absolute`` adds units
per period. The interval bands move with the point forecast (scaled for
percent, shifted for absolute) and nothing goes below 0. Adjustments apply in
the order of the table, each on the result of the ones before, so ``+10%``
then ``+5 units`` differs from the reverse.

The table (one row per adjustment) is what the Review page keeps, exports and
imports: ``unique_id`` (a series id, a category name, or ``Total``), ``level``
(series, category or total), ``start``, ``end``, ``kind``, ``value``,
``reason`` (required, so a later reader knows why) and ``created``.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal

import numpy as np
import pandas as pd

from ..data.export import csv_bytes, unneutralise
from ..data.parsing import parse_dates
from ..errors import ConfigError, DataReadError, DataValidationError
from ..schema import CATEGORY, DS, UID
from .hierarchy import TOTAL, Level

Kind = Literal["percent", "absolute"]
LEVELS: tuple[Level, ...] = ("series", "category", "total")
KINDS: tuple[Kind, ...] = ("percent", "absolute")
COLUMNS = (UID, "level", "start", "end", "kind", "value", "reason", "created")
REQUIRED = (UID, "start", "end", "kind", "value", "reason")  # level defaults to series, created to the import time
MODEL = "yhat_model"  #: the model's own forecast, next to the adjusted ``yhat``
CHANGE = "adjustment"  #: units added (negative: removed) by the adjustments
REASONS = "adjustment_reason"  #: the reasons of the adjustments that touched a row, joined by "; "
DATE_FORMAT = "%Y-%m-%d"
CREATED_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_IMPORT_BYTES = 5 * 1024 * 1024

Source = str | Path | bytes | BinaryIO


@dataclass(frozen=True)
class Adjustment:
    """One manual change of the forecast, checked on creation (checks against a forecast: :func:`check_adjustments`).

    Parameters
    ----------
    unique_id
        The series id, the category name (``level="category"``) or anything for ``level="total"``.
    start, end
        First and last forecast period changed (inclusive).
    kind
        ``percent`` (+10 = 10% more) or ``absolute`` (units added per period; for a category or the total they are
        shared among its series in proportion to their forecast).
    value
        The change; a percent below -100 would make the forecast negative and is refused.
    reason
        Why the forecast is changed (required).
    """

    unique_id: str
    start: pd.Timestamp
    end: pd.Timestamp
    kind: Kind
    value: float
    reason: str
    level: Level = "series"
    created: pd.Timestamp | None = None

    def __post_init__(self) -> None:
        level = _choice(self.level, LEVELS, "level")
        fields = {
            "level": level,
            "unique_id": TOTAL if level == "total" else _text(self.unique_id),
            "start": _day(self.start, "start"),
            "end": _day(self.end, "end"),
            "kind": _choice(self.kind, KINDS, "kind"),
            "value": _number(self.value),
            "reason": _text(self.reason),
            "created": _created(self.created),
        }
        for name, value in fields.items():
            object.__setattr__(self, name, value)
        if not self.unique_id:
            raise DataValidationError(f"the {self.level} to adjust is empty: name a series id or a category",
                                      column=UID)
        if self.end < self.start:
            raise DataValidationError(f"the adjustment ends ({self.end:{DATE_FORMAT}}) before it starts "
                                      f"({self.start:{DATE_FORMAT}}): swap the dates", column="end")
        if self.kind == "percent" and self.value < -100:
            raise DataValidationError(f"a percent adjustment of {self.value:g} would make the forecast negative: "
                                      "use -100 (no sales) or more", column="value")
        if not self.reason:
            raise DataValidationError("the reason is empty: say why the forecast changes (e.g. 'TV campaign "
                                      "in week 2') so others can follow it later", column="reason")

    def describe(self) -> str:
        """A short readable label, e.g. ``SKU-001 +10% 2026-01-01 to 2026-01-07``."""
        change = f"{self.value:+g}%" if self.kind == "percent" else f"{self.value:+g} units/period"
        target = "all series" if self.level == "total" else self.unique_id
        return f"{target} {change}, {self.start:{DATE_FORMAT}} to {self.end:{DATE_FORMAT}}"


def _missing(value: object) -> bool:
    if isinstance(value, str):
        return not value.strip()
    return value is None or bool(pd.isna(value))


def _text(value: object) -> str:
    return "" if _missing(value) else str(value).strip()


def _day(value: object, name: str) -> pd.Timestamp:
    if _missing(value):
        raise DataValidationError(f"the {name} date is empty: write dates as YYYY-MM-DD", column=name)
    try:
        day = pd.Timestamp(value)
    except (TypeError, ValueError):
        day = pd.NaT
    if pd.isna(day):
        raise DataValidationError(f"{name} {value!r} is not a date: write dates as YYYY-MM-DD", column=name)
    return day.tz_localize(None).normalize() if day.tzinfo else day.normalize()


def _choice(value: object, options: tuple[str, ...], name: str) -> str:
    text = _text(value).lower()
    if text not in options:
        raise DataValidationError(f"{name} {value!r} is not known: use {' or '.join(options)}", column=name)
    return text


def _number(value: object) -> float:
    if _missing(value):
        raise DataValidationError("the value is empty: write e.g. 10 for +10% or -5 for 5 units less", column="value")
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise DataValidationError(f"value {value!r} is not a number: write e.g. 10 for +10% or -5 for 5 units less",
                                  column="value")
    return number


def _created(value: object) -> pd.Timestamp:
    """When the adjustment was made, to the second; now when not given."""
    if _missing(value):
        return pd.Timestamp.now().floor("s")
    try:
        return pd.Timestamp(value).floor("s")
    except (TypeError, ValueError):
        raise DataValidationError(f"created {value!r} is not a date and time: write YYYY-MM-DD HH:MM:SS or leave "
                                  "it empty", column="created") from None


# The table -------------------------------------------------------------------------------------------------------


def empty_adjustments() -> pd.DataFrame:
    """An adjustments table without rows (the columns and types every table has)."""
    return to_table([])


def to_table(adjustments: list[Adjustment]) -> pd.DataFrame:
    """The adjustments as a table, one row each, in the given order (the order they apply in)."""
    rows = [{name: getattr(adjustment, name) for name in COLUMNS} for adjustment in adjustments]
    table = pd.DataFrame(rows, columns=list(COLUMNS))
    return table.astype({UID: "str", "level": "str", "kind": "str", "reason": "str", "value": "float64",
                         "start": "datetime64[ns]", "end": "datetime64[ns]", "created": "datetime64[ns]"})


def from_table(table: pd.DataFrame) -> list[Adjustment]:
    """Checked :class:`Adjustment` objects from a table (``level`` and ``created`` may be missing)."""
    missing = [name for name in REQUIRED if name not in table.columns]
    if missing:
        raise DataValidationError(f"the adjustments have no {_quoted(missing)} column: add it (columns: "
                                  f"{', '.join(COLUMNS)})", column=missing[0])
    adjustments = []
    for number, row in enumerate(table.to_dict("records"), start=1):
        fields = {name: row[name] for name in COLUMNS if name in row}
        try:
            adjustments.append(Adjustment(**fields))
        except DataValidationError as exc:
            raise DataValidationError(f"adjustment {number}: {exc}", column=exc.column) from None
    return adjustments


def add_adjustment(table: pd.DataFrame | None, adjustment: Adjustment) -> pd.DataFrame:
    """The table with ``adjustment`` appended (so it applies after the ones already there)."""
    current = from_table(table) if table is not None and len(table) else []
    return to_table([*current, adjustment])


def remove_adjustments(table: pd.DataFrame, positions: list[int]) -> pd.DataFrame:
    """The table without the rows at ``positions`` (0-based)."""
    keep = [i for i in range(len(table)) if i not in set(positions)]
    return table.iloc[keep].reset_index(drop=True)


def _quoted(names: list[str]) -> str:
    return ", ".join(repr(name) for name in names)


# Checks against a forecast ---------------------------------------------------------------------------------------


def series_categories(frame: pd.DataFrame) -> pd.Series:
    """Each series' category (index ``unique_id``) from a long table; empty when there is no category column."""
    if CATEGORY not in frame.columns:
        return pd.Series(dtype="str", name=CATEGORY)
    return frame.groupby(UID, sort=True)[CATEGORY].first().astype("str")


def check_adjustments(table: pd.DataFrame, forecast: pd.DataFrame,
                      categories: Mapping[str, str] | pd.Series | None = None) -> list[str]:
    """Check every adjustment against the forecast; return warnings, raise on the first that cannot apply.

    Raises for an unknown series or category and for a date range wholly
    outside the forecast; warns when a range is only partly inside (only the
    part inside is changed).
    """
    members = _categories(forecast, categories)
    ids = set(forecast[UID].astype("str").unique())
    warnings = []
    for number, adjustment in enumerate(from_table(table), start=1):
        where = f"adjustment {number} ({adjustment.describe()})"
        rows = _target_rows(forecast, adjustment, members, ids, where)
        if not rows.any():
            raise DataValidationError(f"{where}: no series of the forecast is in it; check the name", ids=[])
        warning = _horizon_warning(forecast.loc[rows, DS], adjustment, where)
        if warning:
            warnings.append(warning)
    return warnings


def _target_rows(forecast: pd.DataFrame, adjustment: Adjustment, members: pd.Series | None, ids: set[str],
                 where: str) -> pd.Series:
    if adjustment.level == "series" and adjustment.unique_id not in ids:
        example = sorted(ids)[0] if ids else "none"
        raise DataValidationError(f"{where}: series {adjustment.unique_id!r} is not in the forecast; use an id such "
                                  f"as {example!r}, or level category or total", ids=[adjustment.unique_id])
    if adjustment.level == "category":
        known = sorted(set(members)) if members is not None else []
        if not known:
            raise DataValidationError(f"{where}: the data has no category column, so there is no category "
                                      f"{adjustment.unique_id!r}; use level series or total", column=CATEGORY)
        if adjustment.unique_id not in known:
            raise DataValidationError(f"{where}: category {adjustment.unique_id!r} is not in the data; use one of "
                                      f"{_quoted(known[:8])}", column=CATEGORY)
    return _selected(forecast, adjustment, members)


def _horizon_warning(dates: pd.Series, adjustment: Adjustment, where: str) -> str | None:
    first, last = dates.min(), dates.max()
    horizon = f"{first:{DATE_FORMAT}} to {last:{DATE_FORMAT}}"
    if adjustment.end < first or adjustment.start > last:
        raise DataValidationError(f"{where}: the dates are outside the forecast ({horizon}); pick dates within it",
                                  column="start")
    if adjustment.start < first or adjustment.end > last:
        inside = f"{max(adjustment.start, first):{DATE_FORMAT}} to {min(adjustment.end, last):{DATE_FORMAT}}"
        return f"{where} is partly outside the forecast ({horizon}): only {inside} changes"
    return None


def _categories(forecast: pd.DataFrame, categories: Mapping[str, str] | pd.Series | None) -> pd.Series | None:
    """unique_id -> category, from ``categories`` or else from a ``category`` column of the forecast."""
    if categories is not None:
        return pd.Series(categories, dtype="str")
    if CATEGORY in forecast.columns:
        return forecast.groupby(UID, sort=True)[CATEGORY].first().astype("str")
    return None


def _selected(forecast: pd.DataFrame, adjustment: Adjustment, members: pd.Series | None) -> pd.Series:
    """The forecast rows an adjustment targets, before its date range is applied."""
    ids = forecast[UID].astype("str")
    if adjustment.level == "series":
        return ids.eq(adjustment.unique_id)
    if adjustment.level == "category":
        if members is None:
            raise ConfigError(f"category adjustment {adjustment.unique_id!r} needs each series' category: pass "
                              "categories=series_categories(history) to apply_adjustments")
        return ids.map(members).eq(adjustment.unique_id).fillna(False).astype(bool)
    return pd.Series(True, index=forecast.index)


# Applying --------------------------------------------------------------------------------------------------------


def apply_adjustments(forecast: pd.DataFrame, adjustments: pd.DataFrame | None, *,
                      categories: Mapping[str, str] | pd.Series | None = None) -> pd.DataFrame:
    """The forecast with the adjustments applied, in table order.

    Parameters
    ----------
    forecast
        ``unique_id, ds, yhat`` and optional bands ``yhat_lo_<level>`` / ``yhat_hi_<level>``.
    adjustments
        The adjustments table (see the module docs); ``None`` or empty changes nothing.
    categories
        unique_id -> category, needed for category adjustments unless the forecast has a ``category`` column.

    Returns
    -------
    The forecast with ``yhat`` and the bands adjusted, plus ``yhat_model`` (the model's value), ``adjustment``
    (units changed) and ``adjustment_reason``. Rows outside an adjustment's range or series are left alone.
    """
    out = forecast.copy()
    out[MODEL] = out["yhat"]
    out[REASONS] = pd.Series("", index=out.index, dtype="str")
    if adjustments is not None and len(adjustments):
        members = _categories(forecast, categories)
        values = ["yhat", *[c for c in out.columns if c.startswith(("yhat_lo_", "yhat_hi_"))]]
        for adjustment in from_table(adjustments):
            rows = _selected(out, adjustment, members) & out[DS].between(adjustment.start, adjustment.end)
            if rows.any():
                _apply_one(out, rows, values, adjustment)
    out[CHANGE] = out["yhat"] - out[MODEL]
    return out[[c for c in out.columns if c != REASONS] + [REASONS]]


def _apply_one(out: pd.DataFrame, rows: pd.Series, values: list[str], adjustment: Adjustment) -> None:
    """Change ``out`` in place on ``rows``: scale or shift the forecast and bands, floor at 0, note the reason."""
    part = out.loc[rows, values]
    if adjustment.kind == "percent":
        part = part * (1 + adjustment.value / 100)
    else:
        shift = adjustment.value * _shares(out.loc[rows, [DS, "yhat"]])
        part = part.add(shift, axis=0)
    out.loc[rows, values] = part.clip(lower=0)
    before = out.loc[rows, REASONS]
    out.loc[rows, REASONS] = before.where(before.eq(""), before + "; ") + adjustment.reason


def _shares(part: pd.DataFrame) -> pd.Series:
    """Each row's share of the units added per period: in proportion to its forecast, equal when all are 0.

    A category or total adjustment of +50 units a day adds 50 to the group's daily total, split so that
    big sellers get more; a single series gets all of it.
    """
    totals = part.groupby(DS)["yhat"].transform("sum")
    counts = part.groupby(DS)["yhat"].transform("size")
    return pd.Series(np.where(totals > 0, part["yhat"] / totals.where(totals > 0, 1), 1 / counts), index=part.index)


def totals(planned: pd.DataFrame, unique_ids: list[str] | None = None) -> dict[str, float]:
    """Model and adjusted units over the horizon (of ``unique_ids``, or of all series) from :func:`apply_adjustments`."""
    part = planned if unique_ids is None else planned[planned[UID].isin(unique_ids)]
    model, adjusted = float(part[MODEL].sum()), float(part["yhat"].sum())
    return {"model": model, "adjusted": adjusted, "change": adjusted - model,
            "change_share": (adjusted - model) / model if model > 0 else math.nan}


# CSV import and export -------------------------------------------------------------------------------------------


def adjustments_to_csv(table: pd.DataFrame) -> bytes:
    """The table as UTF-8 CSV (dates as YYYY-MM-DD), in the order the adjustments apply; read back with
    :func:`read_adjustments`."""
    out = to_table(from_table(table)) if len(table) else empty_adjustments()
    out = out.assign(start=out["start"].dt.strftime(DATE_FORMAT), end=out["end"].dt.strftime(DATE_FORMAT),
                     created=out["created"].dt.strftime(CREATED_FORMAT), value=out["value"].map(repr))
    return csv_bytes(out, lineterminator="\n")  # reasons and ids guarded against formulas; read_adjustments undoes it


def read_adjustments(source: Source, *, name: str = "the adjustments file") -> pd.DataFrame:
    """Read an adjustments CSV (as exported, or hand-made with at least the required columns) and check each row.

    Every cell is read as text, so ids such as ``001`` keep their zeros. ``level`` defaults to series and
    ``created`` to now. Messages name the file row (the header is row 1).
    """
    frame = unneutralise(_read_text_csv(_bytes(source), name))  # an export's formula guard comes off again
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    missing = [column for column in REQUIRED if column not in frame.columns]
    if missing:
        raise DataValidationError(f"{name} has no {_quoted(missing)} column (it has {_quoted(list(frame.columns))}): "
                                  f"add it, or start from a file exported on the Review page", column=missing[0])
    if frame.empty:
        return empty_adjustments()
    frame = _parse_file_dates(frame, name)
    adjustments = []
    for number, row in zip(frame.index, frame.to_dict("records"), strict=True):
        fields = {column: row[column] for column in COLUMNS if column in row}
        fields["level"] = fields.get("level") or "series"
        try:
            adjustments.append(Adjustment(**fields))
        except DataValidationError as exc:
            raise DataValidationError(f"{name}, row {number}: {exc}", column=exc.column, rows=[number]) from None
    return to_table(adjustments)


def _parse_file_dates(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Start and end read with one detected format (a spreadsheet may have rewritten them as 05.01.2026)."""
    cells = pd.concat([frame["start"], frame["end"]], ignore_index=True)
    parsed = parse_dates(cells)
    if not parsed.bad.empty:
        position = int(parsed.bad.index[0])
        column = "start" if position < len(frame) else "end"
        raise DataValidationError(f"{name}, row {frame.index[position % len(frame)]}: {column} "
                                  f"{parsed.bad.iloc[0]!r} is not a date; write dates as YYYY-MM-DD", column=column)
    if parsed.ambiguous:
        raise DataValidationError(f"{name}: dates such as {cells.iloc[0]!r} read both day-first and month-first; "
                                  "write them as YYYY-MM-DD", column="start")
    values = parsed.values.to_numpy()
    return frame.assign(start=values[: len(frame)], end=values[len(frame):])


def _bytes(source: Source) -> bytes:
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise DataReadError(f"file {str(path)!r} does not exist; check the path")
        return path.read_bytes()
    data = source if isinstance(source, bytes) else source.read()
    if len(data) > MAX_IMPORT_BYTES:
        raise DataReadError(f"the adjustments file is {len(data) / 1e6:.1f} MB; an adjustments table is small, "
                            "so check that this is the right file")
    return data


def _read_text_csv(data: bytes, name: str) -> pd.DataFrame:
    """Every cell as stripped text ('' when empty); comma, semicolon or tab separated, UTF-8 or Windows-1252."""
    if not data.strip():
        raise DataReadError(f"{name} is empty: export adjustments from the Review page to see the expected columns")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first_line = text.lstrip().splitlines()[0]
    delimiter = max(",;\t", key=first_line.count)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype="str", keep_default_na=False,
                            skip_blank_lines=True, quoting=csv.QUOTE_MINIMAL)
    except pd.errors.ParserError:
        raise DataReadError(f"{name} is not a readable CSV table (rows with more fields than the header); "
                            "check the separators and quotes") from None
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="row")  # the row numbers a spreadsheet shows
    return frame.apply(lambda column: column.str.strip())
