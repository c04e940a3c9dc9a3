"""Data page: load the sales history, check how its columns are read, read the quality report, choose the cleaning.

Flow: the sample or an upload -> how the file was read -> the detected column
mapping, table shape and frequency as editable choices -> overview and quality
report -> cleaning options -> what cleaning changed. When every step works,
the cleaned table becomes the data all pages use; when one fails, the page
shows the library's one-line message and the app keeps the data it had.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pandas as pd
import streamlit as st

from forecasting.analysis import hierarchy
from forecasting.data import cleaning
from forecasting.data.cleaning import DEFAULT_THRESHOLD, CleaningConfig, CleaningResult, StockoutMark
from forecasting.data.dataset import Dataset
from forecasting.data.io import DELIMITER_NAMES, RawTable
from forecasting.errors import ForecastingError
from forecasting.glossary import code_name, readable
from forecasting.plots import explore as plots
from ui import scale, state
from ui.data_access import (
    FileRef,
    Loaded,
    choices_for,
    clean,
    detection_failure,
    file_ref,
    freq_name,
    load,
    load_options,
    read_raw,
    sample_file,
)
from ui.messages import for_app, for_markdown, md, show_error
from ui.widgets import kept

SAMPLE, UPLOAD = "Sample data", "Upload a file"
FILE_TYPES = ["csv", "txt", "xlsx", "parquet"]
SHAPE_LABELS = {"panel": "Panel: one row per series and period", "order_lines": "Order lines: summed per day",
                "wide": "Wide: one column per series"}
# Streamlit shows a select whose value is None as "Choose an option", so "nothing" gets a label of its own.
NONE, KEEP, AUTO, DEFAULT, ALL = "(none)", "keep", "auto", "default", "all"
DETECT = "detect"
FREQ_LABELS = {KEEP: "Keep the file's own", "D": "Daily", "W": "Weekly", "M": "Monthly"}
SEVERITY_LABELS = {"error": "⛔ error", "warning": "⚠️ warning", "info": "ℹ️ info"}
GAP_LABELS = {AUTO: "Automatic (zero for order lines, unknown for panels)", "zero": "Zero sales",
              "missing": "Unknown, then filled"}
MISSING_LABELS = {"interpolate": "Interpolate between neighbours", "ffill": "Carry the last value forward",
                  "zero": "Zero", "seasonal": "Same period one season back", "keep": "Leave them empty"}
OUTLIER_LABELS = {"flag": "Flag them only", "clip": "Clip them to the threshold", "keep": "Do not look for them"}
METHOD_LABELS = {"mad": "Robust z-score (MAD)", "iqr": "Interquartile range (IQR)"}
NEGATIVE_LABELS = {"zero": "Set to zero", "missing": "Set to unknown", "keep": "Keep them"}
STOCKOUT_LABELS = {"missing": "Unknown demand (recommended)", "keep": "Zero demand"}
THRESHOLDS = [DEFAULT, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0]
MAX_CHANGE_ROWS = 2000
MARKS = "data_stockout_marks"


def main() -> None:
    state.init_state()
    st.title("Data")
    st.caption("Load the sales history, check how its columns are read, and choose how it is cleaned. "
               "Explore, Train and Forecast work on the cleaned table.")
    picked = _pick_file()
    if picked is None:
        return
    ref, data = picked
    try:
        ref, raw = _pick_sheet(ref, data, read_raw(ref, data))
        choices = choices_for(ref, data)
    except ForecastingError as exc:
        _failed(exc)
        return
    _read_info(raw)
    choices = _mapping_editor(ref, list(raw.frame.columns), choices)
    undetected = detection_failure(ref, choices)
    if undetected is not None:
        show_error(undetected)
        st.caption("Choose the columns above" + (", or another sheet," if len(raw.info.sheets) > 1 else "")
                   + " and the file loads.")
        _still_using()
        return
    current = state.loaded()
    try:
        options = load_options(choices)
        dataset = current.dataset if current and current.matches(ref, options) else load(ref, options, data)
    except ForecastingError as exc:
        _failed(exc)
        return
    _overview(dataset)
    large = scale.suggestion(dataset.frame, dataset.freq)
    if large:
        st.warning(large, icon=":material/speed:")
    _quality(dataset)
    try:
        config = _cleaning_options(dataset)
        same = current is not None and current.matches(ref, options, config)
        result = current.result if same else clean(ref, options, config, data)
    except ForecastingError as exc:
        _failed(exc)
        return
    if not same:
        st.session_state[state.DATA_LOADED] = Loaded(ref, options, config, dataset, result)
    _changes(dataset, result)
    st.success(f"Explore, Train and Forecast use this cleaned table: {result.frame['unique_id'].nunique():,} series, "
               f"{len(result.frame):,} rows.")
    st.page_link("pages/explore.py", label="Explore it", icon=":material/insights:")


def _failed(exc: ForecastingError) -> None:
    """One error line with the library's message, and which data the app keeps using."""
    show_error(exc)
    _still_using()


def _still_using() -> None:
    current = state.loaded()
    if current is not None:
        st.caption(f"The app keeps using **{md(current.ref.label)}** until a file loads.")


# --- choosing the file ---------------------------------------------------------


def _pick_file() -> tuple[FileRef, bytes] | None:
    source = kept(st.radio, state.DATA_SOURCE, SAMPLE, options=(SAMPLE, UPLOAD), label="Sales history",
                  horizontal=True)
    if source == SAMPLE:
        st.caption("Synthetic daily sales of 48 products in 6 categories over three years, with prices, "
                   "promotions, stock and a few planted defects.")
        return sample_file()
    upload = st.file_uploader("Sales file: CSV or TXT (any delimiter), Excel .xlsx or Parquet", type=FILE_TYPES,
                              key=state.DATA_UPLOAD,
                              help="One row per product and period, order lines, or one column per product. "
                                   "Columns are detected; you can change them below.")
    if upload is not None:
        data = upload.getvalue()
        ref = file_ref(upload.name, data)
        message = _accept_upload(ref, data)
        if message is not None:
            show_error(message)
            _still_using()
            return None
    uploaded = st.session_state[state.DATA_UPLOADED]
    if uploaded is None:
        st.info("Choose a file to upload.")
        _still_using()
        return None
    if upload is None:
        st.caption(f"Showing **{md(uploaded[0].name)}**, uploaded earlier. Upload another file to replace it.")
    return uploaded


def _accept_upload(ref: FileRef, data: bytes) -> str | None:
    """Read a new upload; its error message when it cannot be read (remembered, so it is not read again)."""
    uploaded = st.session_state[state.DATA_UPLOADED]
    if uploaded is not None and uploaded[0].digest == ref.digest and uploaded[0].name == ref.name:
        return None
    failed = st.session_state[state.DATA_UPLOAD_FAILED]
    if failed is not None and failed[0] == ref.digest:
        return failed[1]
    try:
        read_raw(ref, data)
    except ForecastingError as exc:
        st.session_state[state.DATA_UPLOAD_FAILED] = (ref.digest, for_app(exc))
        return for_app(exc)
    st.session_state[state.DATA_UPLOADED] = (ref, data)
    return None


def _pick_sheet(ref: FileRef, data: bytes, raw: RawTable) -> tuple[FileRef, RawTable]:
    """Excel workbooks with several sheets: let the user pick the sheet (the first with data by default)."""
    sheets = list(raw.info.sheets)
    if len(sheets) < 2:
        return ref, raw
    sheet = kept(st.selectbox, f"data_sheet_{ref.digest[:12]}", raw.info.sheet, options=sheets, label="Sheet")
    if sheet == raw.info.sheet:
        return ref, raw
    ref = replace(ref, sheet=sheet)
    return ref, read_raw(ref, data)


def _read_info(raw: RawTable) -> None:
    info = raw.info
    parts = [f"**{md(info.name)}**", f"{len(raw.frame):,} rows × {raw.frame.shape[1]} columns"]
    if info.kind == "csv":
        parts += [f"encoding {info.encoding}" + (" (byte-order mark removed)" if info.has_bom else ""),
                  f"{DELIMITER_NAMES.get(info.delimiter, repr(info.delimiter))}-separated"]
    elif info.kind == "excel":
        parts.append(f"sheet {md(repr(info.sheet))} of {len(info.sheets)}")
    else:
        parts.append("Parquet")
    if info.skipped_top:
        parts.append(f"{info.skipped_top} line(s) above the header skipped")
    st.markdown(" · ".join(parts))
    with st.expander("First rows of the file"):
        st.dataframe(raw.frame.head(20), width="stretch")


# --- column mapping ------------------------------------------------------------------

FIELDS = {
    "date": ("Date", "The period or order date."),
    "target": ("Quantity to forecast", "Units sold (or ordered); summed per period."),
    "price": ("Price", "Actual selling price per unit, after discounts."),
    "revenue": ("Sales value", "Revenue per row; with no price column, the price is this value / the quantity."),
    "promo": ("Promotion", "A 0/1 flag or the discount depth."),
    "category": ("Category", "Groups series for Explore and for models that share information."),
    "stock": ("Stock on hand", "Zero sales at zero stock are unknown demand, not zero demand."),
    "ids": ("Series id columns", "Columns whose combination names one series (e.g. SKU, or store and SKU). "
                                 "Leave empty for a single series."),
    "drivers": ("Other known-in-advance drivers", "Holiday flags, markdowns, campaigns ... known for the future."),
    "series": ("Series columns (wide table)", "Each of these columns holds one series."),
    "shape": ("Table shape", "How rows relate to periods."),
    "freq": ("Frequency", "Sum the data into days, weeks (Monday to Sunday) or months."),
    "date_format": ("Date format (only if dates are read wrong)", "strptime codes, e.g. %d/%m/%Y or %m/%d/%Y."),
    "measure": ("The quantity to forecast is", "Units (a quantity) or a sales value (money): detected from the "
                "column's name and values. Inventory orders units, so a sales value needs prices."),
    "currency": ("Currency symbol", "Shown before money amounts, e.g. $ or EUR (optional)."),
}
MEASURE_LABELS = {DETECT: "detect", "units": "units (a quantity)", "money": "a sales value (money)"}


def _wkey(field: str) -> str:
    return f"data_map_{field}"


def _to_widget(field: str, value):
    """A choice as its widget shows it: None becomes "(none)", "keep" or ""."""
    if field in ("ids", "drivers", "series"):
        return list(value or [])
    if field == "freq":
        return value or KEEP
    if field in ("date_format", "currency"):
        return value or ""
    if field == "measure":
        return value or DETECT
    return NONE if value is None else value


def _from_widget(field: str, value):
    """Inverse of :func:`_to_widget`."""
    if field in ("ids", "drivers", "series"):
        return list(value)
    if field == "currency":
        return value
    blank = {"freq": KEEP, "date_format": "", "shape": None, "measure": DETECT}.get(field, NONE)
    return None if value == blank else value


def _mapping_editor(ref: FileRef, columns: list[str], choices: dict) -> dict:
    """Editable selects for the mapping, shape and frequency, preset to the choices remembered for this file."""
    st.subheader("Columns")
    st.caption("Detected from the column names and values; change any that is wrong.")
    fresh = st.session_state[state.DATA_EDITING] != ref
    for field in FIELDS:
        if fresh or _wkey(field) not in st.session_state:
            st.session_state[_wkey(field)] = _to_widget(field, choices.get(field))
    st.session_state[state.DATA_EDITING] = ref

    def select(where, field: str, options: list, **kwargs):
        label, help_text = FIELDS[field]
        return where.selectbox(label, options, key=_wkey(field), help=help_text, **kwargs)

    def multi(where, field: str):
        label, help_text = FIELDS[field]
        return where.multiselect(label, columns, key=_wkey(field), help=help_text, placeholder="(none)")

    optional = [NONE, *columns]
    row = st.columns(4)
    new = {"date": select(row[0], "date", columns),
           "target": select(row[1], "target", optional),
           "price": select(row[2], "price", optional),
           "promo": select(row[3], "promo", optional)}
    row = st.columns(5)
    new["revenue"] = select(row[0], "revenue", optional, disabled=new["price"] != NONE)
    new["category"] = select(row[1], "category", optional)
    new["stock"] = select(row[2], "stock", optional)
    new["shape"] = select(row[3], "shape", list(SHAPE_LABELS), format_func=SHAPE_LABELS.get)
    new["freq"] = select(row[4], "freq", list(FREQ_LABELS), format_func=FREQ_LABELS.get)
    row = st.columns(2)
    new["ids"] = multi(row[0], "ids")
    new["drivers"] = multi(row[1], "drivers")
    if new["shape"] == "wide":
        new["series"] = multi(st, "series")
    else:
        new["series"] = list(choices.get("series") or [])
    with st.expander("Date format, units or money"):
        row = st.columns(3)
        label, help_text = FIELDS["date_format"]
        new["date_format"] = row[0].text_input(label, key=_wkey("date_format"), help=help_text).strip()
        new["measure"] = select(row[1], "measure", list(MEASURE_LABELS), format_func=MEASURE_LABELS.get)
        label, help_text = FIELDS["currency"]
        new["currency"] = row[2].text_input(label, key=_wkey("currency"), help=help_text, max_chars=5).strip()
    new = {field: _from_widget(field, value) for field, value in new.items()}
    st.session_state[state.DATA_CHOICES][ref] = new
    return new


# --- overview and quality report -------------------------------------------------------


def _overview(dataset: Dataset) -> None:
    summary = dataset.summary()
    cols = st.columns(5)
    cols[0].metric("Series", f"{summary['n_series']:,}")
    cols[1].metric("Rows before cleaning", f"{summary['n_periods_rows']:,}",
                   help="One row per series and period; cleaning adds the missing periods.")
    cols[2].metric("From", summary["start"])
    cols[3].metric("To", summary["end"])
    cols[4].metric("Frequency", freq_name(summary["freq"]))
    native = "" if summary["native_freq"] == summary["freq"] else f", summed from {freq_name(summary['native_freq'])}"
    st.caption(f"{summary['n_rows']:,} rows in the file, read as {SHAPE_LABELS[summary['shape']].lower()}{native}; "
               f"{summary['target_total']:,.0f} units in total.")


def _highlight(row: pd.Series) -> list[str]:
    colour = {"⚠️ warning": "#fff4d6", "⛔ error": "#fde2e1"}.get(row["severity"])
    return [f"background-color: {colour}; color: #202124" if colour else ""] * len(row)


def _quality(dataset: Dataset) -> None:
    st.subheader("Quality report")
    issues = pd.DataFrame([{**issue.as_dict(), "message": for_app(issue)} for issue in dataset.issues],
                          columns=["severity", "kind", "count", "message"])
    if issues.empty:
        st.success("No problems found.")
        return
    warnings = int(issues["severity"].isin(["warning", "error"]).sum())
    st.caption(f"{warnings} warning(s) to look at (highlighted); cleaning below handles most of them.")
    shown = issues.assign(severity=issues["severity"].map(SEVERITY_LABELS).fillna(issues["severity"]),
                          kind=issues["kind"].map(code_name))
    st.dataframe(shown.style.apply(_highlight, axis=1), hide_index=True, width="stretch",
                 column_config={"severity": st.column_config.TextColumn(width="small"),
                                "kind": st.column_config.TextColumn(width="small"),
                                "count": st.column_config.NumberColumn(width="small"),
                                "message": st.column_config.TextColumn(width="large")})


# --- cleaning ------------------------------------------------------------------------


def _cleaning_options(dataset: Dataset) -> CleaningConfig:
    st.subheader("Cleaning")
    default = CleaningConfig()
    cols = st.columns(4)
    with cols[0]:
        drop = kept(st.checkbox, "data_clean_duplicates", default.drop_duplicates, label="Remove exact duplicate rows")
        negatives = kept(st.selectbox, "data_clean_negatives", default.negatives, options=list(NEGATIVE_LABELS),
                         label="Negative sales (returns)", format_func=NEGATIVE_LABELS.get)
    with cols[1]:
        gaps = kept(st.selectbox, "data_clean_gaps", default.gaps or AUTO, options=list(GAP_LABELS),
                    label="Missing periods inside a series", format_func=GAP_LABELS.get)
        missing = kept(st.selectbox, "data_clean_missing", default.missing, options=list(MISSING_LABELS),
                       label="Fill unknown values with", format_func=MISSING_LABELS.get)
    with cols[2]:
        outliers = kept(st.selectbox, "data_clean_outliers", default.outliers, options=list(OUTLIER_LABELS),
                        label="Outliers", format_func=OUTLIER_LABELS.get,
                        help="Promotions and shopping events must be twice as far out to count.")
        method = kept(st.selectbox, "data_clean_outlier_method", default.outlier_method, options=list(METHOD_LABELS),
                      label="Outlier test", format_func=METHOD_LABELS.get, disabled=outliers == "keep")
    with cols[3]:
        threshold = kept(st.selectbox, "data_clean_threshold", DEFAULT, options=THRESHOLDS,
                         label="Outlier threshold", disabled=outliers == "keep",
                         format_func=lambda t: f"default ({DEFAULT_THRESHOLD[method]:g})" if t == DEFAULT else f"{t:g}",
                         help="Higher flags fewer values.")
        stockouts = kept(st.selectbox, "data_clean_stockouts", default.stockouts, options=list(STOCKOUT_LABELS),
                         label="Zero sales at zero stock", format_func=STOCKOUT_LABELS.get)
    marks = _stockout_marks(dataset, stockouts)
    return CleaningConfig(drop_duplicates=drop, gaps=None if gaps == AUTO else gaps, missing=missing,
                          outliers=outliers, outlier_method=method,
                          outlier_threshold=None if threshold == DEFAULT else threshold, negatives=negatives,
                          stockouts=stockouts, stockout_marks=marks)


def _stockout_marks(dataset: Dataset, stockouts: str) -> tuple[StockoutMark, ...]:
    """Periods the user knows were out of stock; their sales become unknown demand."""
    marks: list[StockoutMark] = st.session_state.setdefault(MARKS, [])
    with st.expander(f"Known out-of-stock periods ({len(marks)})"):
        if stockouts != "missing":
            st.caption("Marked periods count only when zero sales at zero stock are treated as unknown demand.")
        ids = ["*", *hierarchy.series_names(dataset.frame, "series")]
        frame = dataset.frame
        last = frame["ds"].max().date()
        cols = st.columns([2, 2, 1])
        uid = cols[0].selectbox("Series", ids, key="data_mark_series",
                                format_func=lambda u: "all series" if u == "*" else u)
        span = cols[1].date_input("From and to", value=(last - timedelta(days=6), last), key="data_mark_span")
        if cols[2].button("Add", key="data_mark_add") and isinstance(span, tuple) and len(span) == 2:
            marks.append(StockoutMark(uid, pd.Timestamp(span[0]), pd.Timestamp(span[1])))
        if marks:
            st.dataframe(pd.DataFrame([{"series": "all series" if m.unique_id == "*" else m.unique_id,
                                        "from": m.start.date(), "to": m.end.date()} for m in marks]),
                         hide_index=True)
            st.button("Clear the marks", key="data_mark_clear", on_click=marks.clear)
    return tuple(marks)


def _changes(dataset: Dataset, result: CleaningResult) -> None:
    st.subheader("What cleaning changed")
    changes = result.changes
    if changes.empty:
        st.success("Cleaning changed nothing: the table is used as loaded.")
        return
    counts = cleaning.change_counts(changes)
    left, right = st.columns([2, 3])
    with left:
        st.dataframe(readable(counts), hide_index=True, width="stretch")
    with right:
        st.markdown("\n".join(f"- {for_markdown(issue)}" for issue in result.summary))
    action = kept(st.selectbox, "data_changes_action", ALL, options=[ALL, *counts["action"].unique()],
                  label="Changed cells", format_func=lambda a: "all actions" if a == ALL else code_name(a))
    shown = changes if action == ALL else changes.loc[changes["action"].eq(action)]
    st.dataframe(readable(shown.head(MAX_CHANGE_ROWS)), hide_index=True, width="stretch",
                 column_config={"date": st.column_config.DateColumn("date")})
    if len(shown) > MAX_CHANGE_ROWS:
        st.caption(f"Showing the first {MAX_CHANGE_ROWS:,} of {len(shown):,} changed cells.")
    ids = hierarchy.series_names(result.frame, "series")
    uid = kept(st.selectbox, "data_changes_series", cleaning.most_changed(changes, ids), options=ids,
               label="Series to compare before and after", help="Preset to the series with the most changes.")
    st.plotly_chart(plots.cleaning_figure(dataset.frame, result.frame, changes, uid), width="stretch")


main()
