"""Load a sales file end to end: read, map, convert, validate, report; then clean on request.

This is the one entry point the app and the command line share, so both give
the same mapping, numbers and messages for the same file.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..errors import DataValidationError
from ..schema import DS, UID, ColumnMapping, FreqCode, Shape, Y
from .cleaning import CleaningConfig, CleaningResult, clean
from .convert import Conversion, to_long
from .io import DEFAULT_MAX_MB, RawTable, Source, read_table
from .issues import Issue
from .mapping import detect_mapping, detect_shape
from .measure import Measure, MeasureKind, detect_measure
from .parsing import parse_dates
from .quality import quality_issues
from .validation import validate


@dataclass(frozen=True)
class LoadOptions:
    """The user's choices for reading a file; anything left ``None`` is detected.

    Parameters
    ----------
    mapping
        Fields the user set, ``field -> column`` (lists for ``ids``, ``drivers``, ``series``).
    shape
        ``panel``, ``order_lines`` or ``wide``.
    freq
        ``D``, ``W`` or ``M`` to resample to; ``None`` keeps the data's frequency.
    date_format
        strptime format of the date column when detection guesses wrong.
    measure
        ``units`` or ``money``: what the target measures (``None``: detected, see :mod:`.measure`).
    currency
        Symbol shown before money amounts, e.g. ``$`` (empty: none).
    """

    mapping: dict | None = None
    shape: Shape | None = None
    freq: FreqCode | None = None
    date_format: str | None = None
    measure: MeasureKind | None = None
    currency: str = ""

    def __post_init__(self) -> None:
        Measure(self.measure or "units", self.currency)  # checks both now, not at the first label


@dataclass(frozen=True)
class Dataset:
    """A loaded file: the raw table, the mapping used, and the long table before cleaning."""

    raw: RawTable
    mapping: ColumnMapping
    conversion: Conversion
    issues: tuple[Issue, ...]
    options: LoadOptions

    @property
    def frame(self) -> pd.DataFrame:
        """The long contract table, before cleaning."""
        return self.conversion.frame

    @property
    def freq(self) -> str:
        return self.conversion.freq

    @property
    def shape(self) -> Shape:
        return self.conversion.shape

    @property
    def measure(self) -> Measure:
        """What the target measures (the user's choice, else detected from its name and values)."""
        kind = self.options.measure or detect_measure(self.frame[Y], self.mapping.target)
        return Measure(kind, self.options.currency)

    def summary(self) -> dict:
        """The facts ``inspect --json`` prints (scripts rely on these keys)."""
        frame = self.frame
        return {
            "file": self.raw.info.name,
            "mapping": self.mapping.as_dict(),
            "shape": self.shape,
            "n_rows": int(len(self.raw.frame)),
            "n_periods_rows": int(len(frame)),
            "n_series": int(frame[UID].nunique()),
            "start": frame[DS].min().strftime("%Y-%m-%d"),
            "end": frame[DS].max().strftime("%Y-%m-%d"),
            "freq": self.freq,
            "native_freq": self.conversion.native_freq,
            "target_total": float(frame[Y].sum()),
            "measure": self.measure.kind,
            "read": {
                "kind": self.raw.info.kind,
                "encoding": self.raw.info.encoding,
                "delimiter": self.raw.info.delimiter,
                "sheet": self.raw.info.sheet,
            },
            "issues": [issue.as_dict() for issue in self.issues],
        }


def load_dataset(
    source: Source,
    options: LoadOptions = LoadOptions(),
    *,
    name: str | None = None,
    max_mb: float = DEFAULT_MAX_MB,
    sheet: str | None = None,
) -> Dataset:
    """Read a file and build its :class:`Dataset` (see :func:`build_dataset`)."""
    return build_dataset(read_table(source, name=name, max_mb=max_mb, sheet=sheet), options)


def build_dataset(raw: RawTable, options: LoadOptions = LoadOptions()) -> Dataset:
    """Map, convert, validate and report on a raw table.

    The app reads a file once and calls this again whenever the user changes
    the mapping, shape or frequency.
    """
    if raw.frame.empty:
        raise DataValidationError(f"{raw.info.name} has a header but no data rows; export the table again with its rows")
    mapping = detect_mapping(raw.frame, options.mapping)
    shape = options.shape or detect_shape(raw.frame, mapping, parse_dates(raw.frame[mapping.date],
                                                                           options.date_format).values)
    conversion = to_long(raw.frame, mapping, shape, freq=options.freq, date_format=options.date_format)
    warnings = validate(conversion.frame, mapping.target or "series columns")
    duplicate_lines = len(conversion.duplicate_rows) if shape == "order_lines" else 0
    found = quality_issues(conversion.frame, conversion.freq, duplicate_lines=duplicate_lines)
    issues = (*raw.issues, *conversion.issues, *warnings, *found)
    return Dataset(raw, mapping, conversion, issues, options)


def prepare(dataset: Dataset, config: CleaningConfig = CleaningConfig()) -> CleaningResult:
    """Clean a dataset; duplicate order lines are removed before they are summed."""
    conversion = dataset.conversion
    frame = conversion.frame
    lines_removed = None
    if config.drop_duplicates and dataset.shape == "order_lines" and len(conversion.duplicate_rows):
        frame = to_long(dataset.raw.frame, dataset.mapping, dataset.shape, freq=dataset.options.freq,
                        drop_duplicates=True, date_format=dataset.options.date_format).frame
        lines_removed = len(conversion.duplicate_rows)
    result = clean(frame, conversion.freq, config, order_lines=dataset.shape == "order_lines")
    if lines_removed:
        note = Issue("duplicate_lines_removed", f"{lines_removed} duplicate order line(s) removed before summing "
                     f"(rows {', '.join(str(r) for r in conversion.duplicate_rows[:5])}).", lines_removed, "info")
        result = CleaningResult(result.frame, result.changes, (note, *result.summary))
    return result
