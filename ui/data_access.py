"""Cached library calls: read a file, build its dataset, clean it.

Each step is cached on small hashable keys: a :class:`FileRef` (name, content
digest, sheet), the :class:`~forecasting.data.dataset.LoadOptions` and the
:class:`~forecasting.data.cleaning.CleaningConfig` (frozen dataclasses, which
Streamlit hashes field by field). The file's bytes travel as ``_data``, which
Streamlit leaves out of the key: the digest in the ``FileRef`` stands for them.
Changing a mapping or a cleaning option changes the key, so the step runs
again; going back to an earlier choice is a cache hit. Errors are not cached.

The tables are cached as resources, not data: every session and rerun gets the
cached object itself, never a copy (``st.cache_data`` pickles the result and
unpickles a new copy on every call, which for 10,000 series meant seconds per
rerun and another copy of the table in each session). Nothing may modify them
in place; pandas' copy-on-write makes derived frames independent.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from forecasting.data.cleaning import CleaningConfig, CleaningResult
from forecasting.data.dataset import Dataset, LoadOptions, build_dataset, prepare
from forecasting.data.frequency import FAMILY_NAMES
from forecasting.data.io import RawTable, ReadLimits, read_table
from forecasting.data.mapping import detect_mapping, detect_shape
from forecasting.data.parsing import parse_dates
from forecasting.errors import ForecastingError
from forecasting.schema import DS, UID, freq_family
from ui import state
from ui.messages import for_app, show_error

SAMPLE_PATH = Path(__file__).resolve().parent.parent / "sample_data" / "sales.csv"
MAPPING_FIELDS = ("date", "target", "ids", "price", "revenue", "promo", "category", "stock", "drivers", "series")


@dataclass(frozen=True)
class FileRef:
    """A file the user chose: its name, the SHA-256 of its bytes, the Excel sheet read, and whether it is the sample."""

    name: str
    digest: str
    sheet: str | None = None
    sample: bool = False

    @property
    def label(self) -> str:
        return f"{self.name} (bundled sample)" if self.sample else self.name


def file_ref(name: str, data: bytes, *, sheet: str | None = None, sample: bool = False) -> FileRef:
    return FileRef(name, hashlib.sha256(data).hexdigest(), sheet, sample)


@st.cache_resource(show_spinner=False)
def sample_file() -> tuple[FileRef, bytes]:
    """The bundled sample (read once per server: it never changes while the app runs)."""
    data = SAMPLE_PATH.read_bytes()
    return file_ref(SAMPLE_PATH.name, data, sample=True), data


@st.cache_resource(max_entries=2, show_spinner="Reading the file ...")
def read_raw(ref: FileRef, _data: bytes) -> RawTable:
    """The file as a raw table (``read_table``), keyed by its digest and sheet."""
    return read_table(_data, name=ref.name, sheet=ref.sheet, limits=upload_limits())


def upload_limits() -> ReadLimits:
    """The reader's caps, with the file size set to Streamlit's own upload limit (``server.maxUploadSize``)."""
    return ReadLimits(max_mb=float(st.get_option("server.maxUploadSize")))


@st.cache_resource(max_entries=3, show_spinner="Mapping, converting and checking the columns ...")
def load(ref: FileRef, options: LoadOptions, _data: bytes) -> Dataset:
    """The dataset for a file and the user's load options (``build_dataset``)."""
    return build_dataset(read_raw(ref, _data), options)


@st.cache_resource(max_entries=3, show_spinner="Cleaning ...")
def clean(ref: FileRef, options: LoadOptions, config: CleaningConfig, _data: bytes) -> CleaningResult:
    """The cleaning result for a dataset (file + load options) and a cleaning config (``prepare``)."""
    return prepare(load(ref, options, _data), config)


def detect_choices(raw: RawTable) -> dict:
    """What the library detects for a raw table, as editable choices (every mapping field, shape, frequency).

    The same detection ``build_dataset`` runs when it is given no options, so
    building with :func:`load_options` of these choices gives the same dataset.
    """
    mapping = detect_mapping(raw.frame)
    shape = detect_shape(raw.frame, mapping, parse_dates(raw.frame[mapping.date]).values)
    return {**mapping.as_dict(), "shape": shape, "freq": None, "date_format": None, "measure": None, "currency": ""}


def load_options(choices: dict) -> LoadOptions:
    """The user's choices as explicit load options (``None`` and ``[]`` mean "none", never re-detected)."""
    mapping = {field: choices.get(field) for field in MAPPING_FIELDS}
    for field in ("ids", "drivers", "series"):
        mapping[field] = list(mapping[field] or [])
    return LoadOptions(mapping=mapping, shape=choices.get("shape"), freq=choices.get("freq"),
                       date_format=choices.get("date_format") or None, measure=choices.get("measure"),
                       currency=choices.get("currency") or "")


@dataclass(frozen=True)
class Loaded:
    """The data every page works on: which file, the choices, the dataset and its cleaning result."""

    ref: FileRef
    options: LoadOptions
    config: CleaningConfig
    dataset: Dataset
    result: CleaningResult

    def matches(self, ref: FileRef, options: LoadOptions, config: CleaningConfig | None = None) -> bool:
        """True when this is the data for that file and those options (and that cleaning, if given)."""
        return self.ref == ref and self.options == options and (config is None or self.config == config)

    @property
    def key(self) -> str:
        """A short text that changes whenever the data changes: a cache key for later computations."""
        return f"{self.ref.digest}|{self.ref.sheet}|{self.options!r}|{self.config!r}"

    def facts(self) -> dict:
        """What the sidebar shows: file, series, rows, date range and frequency of the cleaned table."""
        frame = self.result.frame
        return {
            "file": self.ref.label,
            "series": int(frame[UID].nunique()),
            "rows": len(frame),
            "start": frame[DS].min(),
            "end": frame[DS].max(),
            "freq": self.dataset.freq,
            "freq_name": freq_name(self.dataset.freq),
        }


def freq_name(freq: str) -> str:
    """``weekly (W-MON)``: a pandas frequency for people."""
    return f"{FAMILY_NAMES[freq_family(freq)]} ({freq})"


def build(ref: FileRef, data: bytes, choices: dict, config: CleaningConfig) -> Loaded:
    """Load and clean a file with the given choices (cached); raises ``ForecastingError`` with the library's message."""
    options = load_options(choices)
    dataset = load(ref, options, data)
    return Loaded(ref, options, config, dataset, clean(ref, options, config, data))


def blank_choices(raw: RawTable) -> dict:
    """Choices to start from when detection fails: the first column as the date, nothing else mapped."""
    return {**{field: None for field in MAPPING_FIELDS}, "date": str(raw.frame.columns[0]), "ids": [], "drivers": [],
            "series": [], "shape": "panel", "freq": None, "date_format": None, "measure": None, "currency": ""}


@st.cache_data(max_entries=8, show_spinner="Detecting the columns ...")
def detected(ref: FileRef, _data: bytes) -> tuple[dict, str | None]:
    """The detected choices of a file and ``None``; or blank choices and the library's message when detection fails."""
    raw = read_raw(ref, _data)
    try:
        return detect_choices(raw), None
    except ForecastingError as exc:
        return blank_choices(raw), for_app(exc)


def choices_for(ref: FileRef, data: bytes) -> dict:
    """The remembered choices for a file, detected (and remembered) the first time it is seen.

    When detection fails, the choices start blank and the library's message is
    kept in ``data_detect_failed`` (see :func:`detection_failure`), so the page
    can show it and still let the user choose the columns themselves.
    """
    store = st.session_state[state.DATA_CHOICES]
    if ref not in store:
        choices, message = detected(ref, data)
        store[ref] = choices
        if message is not None:
            st.session_state[state.DATA_DETECT_FAILED][ref] = (message, dict(choices))
    return store[ref]


def detection_failure(ref: FileRef, choices: dict) -> str | None:
    """The detection message of a file while the user has not changed its blank choices yet, else None."""
    failed = st.session_state[state.DATA_DETECT_FAILED].get(ref)
    return failed[0] if failed is not None and choices == failed[1] else None


def load_sample_on_first_start() -> None:
    """Load and clean the bundled sample when the session has no data yet, so a demo needs no upload."""
    if st.session_state.get(state.DATA_LOADED) is not None or not st.session_state.get(state.DATA_AUTOLOAD):
        return
    ref, data = sample_file()
    try:
        with st.spinner("Loading the sample data ..."):
            st.session_state[state.DATA_LOADED] = build(ref, data, choices_for(ref, data), CleaningConfig())
    except ForecastingError as exc:
        st.session_state[state.DATA_AUTOLOAD] = False  # say it once; the Data page offers an upload
        show_error(exc, context="The bundled sample could not be loaded")

