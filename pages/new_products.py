"""New products page: forecast SKUs that have no sales yet from their names, and see their similar products.

The user types new SKUs (id, name, category, price) or uploads a file of them; each is forecast for its first
periods from the launches of the loaded data's most similar products
(``forecasting.analysis.launches``): the level from the words and price of past launches, the shape from the
neighbours, the intervals from how well this worked on past launches. The existing products' names come from
the sample's products file, the sales file's name columns, or a products file uploaded here.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from forecasting.analysis.launches import LaunchConfig, forecast_launches, products_from_sales, read_new_products
from forecasting.analysis.launches.curves import launch_curves
from forecasting.analysis.launches.text import text_columns
from forecasting.data.export import csv_bytes
from forecasting.data.io import read_table
from forecasting.errors import ForecastingError
from forecasting.plots.launches import launch_figure
from forecasting.recommend.products import detect_product_columns
from forecasting.schema import CATEGORY, UID, freq_family
from ui import state
from ui.messages import md, show_error
from ui.products import SAMPLE_PRODUCTS
from ui.widgets import kept

SOURCE = "launch_source"
EDITOR = "launch_editor"
UPLOAD = "launch_upload"
NAMES_UPLOAD = "launch_names_upload"
HORIZON = "launch_horizon"
PICK = "launch_pick"
SOURCES = ("Type them", "Upload a file")
DEFAULT_HORIZON = {"D": 28, "W": 13, "M": 6}


def main() -> None:
    st.title("New products")
    if not state.require_data("New products"):
        return
    data = state.loaded()
    history, freq = data.result.frame, data.dataset.freq
    st.caption("Forecast products with no sales yet from their names: the level comes from the words and price "
               "of past launches, the shape from the most similar products' first periods, the bands from how "
               "well this worked on past launches.")
    existing, names_key = _existing_products(data)
    if existing is None:
        return
    new = _new_products(existing, history)
    if new is None:
        return
    family = freq_family(freq)
    horizon = kept(st.number_input, HORIZON, DEFAULT_HORIZON[family], label="Periods to forecast from launch",
                   min_value=1, max_value=104, step=1)
    try:
        table = read_new_products(new)
        result = _forecast(f"{data.key}|{names_key}", history, freq, existing, table, int(horizon))
    except ForecastingError as exc:
        show_error(exc, context="New products")
        return
    _show(result, history, freq, int(horizon), data.dataset.measure.label)


@st.cache_data(max_entries=8, show_spinner="Forecasting the new products from similar products ...")
def _forecast(key: str, _history: pd.DataFrame, freq: str, _existing: pd.DataFrame, table: pd.DataFrame,
              horizon: int):
    """The launch forecast, computed once per data (``key``: loaded data and names source), new SKUs and horizon."""
    return forecast_launches(_history, freq, _existing, table, LaunchConfig(horizon=horizon))


@st.cache_data(max_entries=1, show_spinner=False)
def _sample_products() -> pd.DataFrame:
    return read_table(SAMPLE_PRODUCTS).frame.rename(columns={"sku": UID})


@st.cache_data(max_entries=4, show_spinner=False)
def _sales_products(data_key: str, _raw: pd.DataFrame, ids: tuple[str, ...], category: str | None) -> pd.DataFrame:
    """The products and their names in the sales file, read once per loaded file (not on every rerun)."""
    return products_from_sales(_raw, list(ids), category=category)


def _existing_products(data) -> tuple[pd.DataFrame | None, str]:
    """Names of the products with sales (the sample's products file, the sales file, or an upload here), and
    a key saying where they came from."""
    if data.ref.sample:
        return _sample_products(), "sample"
    mapping = data.dataset.mapping
    products = _sales_products(data.key, data.dataset.raw.frame, tuple(mapping.ids), mapping.category)
    if {"name", "description"} & set(text_columns(products.drop(columns=[UID]))):
        return products, "sales"
    st.info("The sales file has no product names. Upload a products file with an id and a name column, so new "
            "products can be compared with the ones that sell.")
    upload = st.file_uploader("Products file with names", type=["csv", "xlsx", "parquet"], key=NAMES_UPLOAD)
    if upload is None:
        return None, ""
    content = upload.getvalue()
    try:
        raw = read_table(content, name=upload.name).frame
    except ForecastingError as exc:
        show_error(exc, context=upload.name)
        return None, ""
    uid = detect_product_columns(raw).get(UID)
    if uid is None:
        show_error("the products file has no id column; add a column called sku or id", context=upload.name)
        return None, ""
    return raw.rename(columns={uid: UID}), hashlib.sha256(content).hexdigest()


def _starter(existing: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """One example row: a new pack of the first product, so the page shows a forecast at once."""
    category = history[CATEGORY].dropna().iloc[0] if CATEGORY in history.columns and history[CATEGORY].notna().any() \
        else None
    names = text_columns(existing.drop(columns=[UID]))
    first = str(existing[names.get("name", names.get("description"))].dropna().iloc[0])
    return pd.DataFrame({"id": ["NEW-1"], "name": [f"{first} family pack"], "category": [category],
                         "price": [float("nan")]}).astype({"id": "str", "name": "str", "category": "object",
                                                           "price": "float64"})


def _new_products(existing: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame | bytes | None:
    source = kept(st.radio, SOURCE, SOURCES[0], options=SOURCES, label="New products", horizontal=True)
    if source == SOURCES[1]:
        upload = st.file_uploader("New products: id, name or description, optional category, price, launch date",
                                  type=["csv", "xlsx", "parquet"], key=UPLOAD)
        return None if upload is None else upload.getvalue()
    config = {"id": st.column_config.TextColumn("Id", required=True),
              "name": st.column_config.TextColumn("Name or description", required=True),
              "category": st.column_config.TextColumn("Category"),
              "price": st.column_config.NumberColumn("Price", min_value=0.0)}
    edited = st.data_editor(_starter(existing, history), key=EDITOR, num_rows="dynamic", hide_index=True,
                            width="stretch", column_config=config)
    edited = edited.dropna(subset=["name"])
    if edited.empty:
        st.info("Type at least one new product: an id and a name.")
        return None
    return edited


def _show(result, history: pd.DataFrame, freq: str, horizon: int, y_label: str) -> None:
    forecast, neighbours = result.forecast, result.neighbours
    ids = list(dict.fromkeys(forecast[UID]))
    chosen = kept(st.selectbox, PICK, ids[0], options=ids, label="New product")
    mine = neighbours[neighbours[UID] == chosen]
    curves = launch_curves(history, freq, horizon).reindex(mine["neighbour"])
    curves.index = mine["text"].fillna(mine["neighbour"]).to_numpy()
    st.plotly_chart(launch_figure(forecast[forecast[UID] == chosen], curves.T.reset_index(drop=True),
                                  title=f"{chosen}: first {horizon} periods", y_label=y_label), width="stretch")
    total = forecast.loc[forecast[UID] == chosen, ["yhat", "yhat_lo_80", "yhat_hi_80"]].sum()
    st.markdown(md(f"Expected over the first {horizon} periods: {total['yhat']:,.0f} "
                   f"(80% between {total['yhat_lo_80']:,.0f} and {total['yhat_hi_80']:,.0f})."))
    st.subheader("Similar products")
    st.dataframe(mine[["rank", "neighbour", "text", "similarity"]].rename(
        columns={"rank": "Rank", "neighbour": "Product", "text": "Name", "similarity": "Similarity"}),
        hide_index=True, width="stretch")
    for note in result.notes:
        st.caption(md(note))
    left, right = st.columns(2)
    left.download_button("Download the forecasts (CSV)", csv_bytes(forecast), file_name="new_products_forecast.csv",
                         mime="text/csv")
    right.download_button("Download the similar products (CSV)", csv_bytes(neighbours),
                          file_name="new_products_neighbours.csv", mime="text/csv")


main()
