"""The products table of the loaded data, shared by the decision pages, and the widget that edits it.

``products_table()`` returns one row per series with unit cost, price, lead
time, review period, stock, costs, MOQ and service level (every blank filled
with a stated default, see :mod:`forecasting.recommend.products`). For the
bundled sample it starts from ``sample_data/products.csv``; otherwise from the
defaults. ``products_editor()`` lets the user upload a products file or edit
the values; the result is kept per loaded data (``products_table`` in session
state, keyed by ``Loaded.key``), so every decision page sees the same values.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from forecasting.errors import ForecastingError
from forecasting.recommend.products import DEFAULTED, FIELDS, ProductDefaults, ProductMatch, load_products
from forecasting.schema import UID
from ui import state
from ui.messages import for_app, md, show_error

SAMPLE_PRODUCTS = Path(__file__).resolve().parent.parent / "sample_data" / "products.csv"
PRODUCTS_TABLE = "products_table"  #: Loaded.key -> {"table", "notes", "version", "source"}
PRODUCTS_UPLOAD = "products_upload"  #: widget: a products file
PRODUCTS_EDITOR = "products_editor"  #: widget key prefix: the editable table (one key per version)

LABELS = {
    "unit_cost": ("Unit cost", "Purchase cost per unit."),
    "price": ("Price", "Regular selling price per unit."),
    "lead_time": ("Lead time (days)", "Days from placing an order to having the goods on the shelf."),
    "review_period": ("Review period (days)", "Days between two order opportunities."),
    "on_hand": ("On hand", "Units in stock now."),
    "on_order": ("On order", "Units ordered and not yet received."),
    "holding_rate": ("Holding rate / year", "Cost of keeping a unit for a year, as a share of its unit cost."),
    "order_cost": ("Order cost", "Fixed cost of placing one order."),
    "moq": ("MOQ", "Minimum order quantity in units."),
    "service_level": ("Service level", "Target share of replenishment cycles without a stock-out."),
}


def _store() -> dict | None:
    data = state.loaded()
    if data is None:
        return None
    stores = st.session_state.setdefault(PRODUCTS_TABLE, {})
    if data.key not in stores:
        stores[data.key] = _initial(data)
    return stores[data.key]


def _initial(data) -> dict:
    frame, freq = data.result.frame, data.dataset.freq
    source = SAMPLE_PRODUCTS if data.ref.sample else None
    try:
        match = load_products(source, frame, freq)
    except ForecastingError as exc:  # a broken bundled file must not take the pages down
        match = load_products(None, frame, freq)
        match = ProductMatch(match.table, match.unknown, match.missing, (f"sample products file not used: {for_app(exc)}",))
    label = SAMPLE_PRODUCTS.name if source else "defaults (no products file)"
    return {"table": match.table, "notes": list(match.notes), "version": 0, "source": label}


def products_table() -> pd.DataFrame | None:
    """One row per series of the loaded data with every product field filled, or ``None`` when nothing is loaded."""
    store = _store()
    return None if store is None else store["table"]


def products_editor(*, expanded: bool = False) -> pd.DataFrame | None:
    """Upload a products file or edit the values in a table; returns the products table in use."""
    store = _store()
    if store is None:
        return None
    data = state.loaded()
    with st.expander(f"Products: costs, lead times and stock ({md(store['source'])})", expanded=expanded):
        upload = st.file_uploader("Products file (CSV, Excel or Parquet)", type=["csv", "xlsx", "parquet"],
                                  key=PRODUCTS_UPLOAD,
                                  help="One row per product: sku (or unique_id), and any of unit_cost, price, "
                                       "lead_time_days, review_period_days, stock_on_hand, on_order, holding_rate, "
                                       "order_cost, moq, service_level. Blank values use the defaults below.")
        if upload is not None and upload.file_id != store.get("upload_id"):
            try:
                match = load_products(upload.getvalue(), data.result.frame, data.dataset.freq, name=upload.name)
            except ForecastingError as exc:
                show_error(exc, context=upload.name)
            else:
                store.update(table=match.table, notes=list(match.notes), version=store["version"] + 1,
                             source=upload.name, upload_id=upload.file_id)
        for note in store["notes"]:
            st.caption(md(note))
        defaults = ProductDefaults().describe(data.dataset.freq)
        st.caption("Blank values use stated defaults: lead time {lead_time_days:g} days, review period "
                   "{review_period_days:g} days, holding rate {holding_rate:.0%} a year, order cost {order_cost:g}, "
                   "MOQ {moq:g}, service level {service_level:.0%}, unit cost {cost_share:.0%} of the price, price "
                   "= recent median selling price, stock on hand = the last period's stock minus its sales (else 0). "
                   "The last column lists which values are defaults.".format(**defaults))
        store["table"] = _edited(store)
    return store["table"]


def _edited(store: dict) -> pd.DataFrame:
    key = f"{PRODUCTS_EDITOR}_{store['version']}"
    if key not in st.session_state:  # drawn afresh (first time, or back from another page): start from the kept table
        store["shown"] = store["table"]
    config = {name: st.column_config.NumberColumn(label, help=tip, min_value=0.5 if name == "service_level" else 0.0,
                                                  max_value=0.999 if name == "service_level" else None,
                                                  format="%.3f" if name == "service_level" else None)
              for name, (label, tip) in LABELS.items()}
    config[DEFAULTED] = st.column_config.TextColumn("Defaults used", help="Fields of this row that hold a default.")
    edited = st.data_editor(store["shown"], key=key, hide_index=True, num_rows="fixed", width="stretch",
                            disabled=[UID, "name", "category", DEFAULTED], column_config=config)
    changed = (edited[list(FIELDS)] != store["shown"][list(FIELDS)]) & edited[list(FIELDS)].notna()
    if changed.to_numpy().any():
        edited = edited.copy()
        edited[DEFAULTED] = [", ".join(f for f in row.split(", ") if f and not changed.iloc[i][f])
                             for i, row in enumerate(store["shown"][DEFAULTED])]
    filled = edited[list(FIELDS)].fillna(store["shown"][list(FIELDS)])  # a cleared cell goes back to its value
    return edited.assign(**{name: filled[name] for name in FIELDS})


def set_product_value(unique_id: str, name: str, value: float) -> None:
    """Change one product value (e.g. a what-if lead time on the Inventory page) for every page."""
    store = _store()
    if store is None or name not in FIELDS:
        return
    table = store["table"].copy()
    rows = table[UID] == unique_id
    table.loc[rows, name] = float(value)
    table.loc[rows, DEFAULTED] = [", ".join(f for f in d.split(", ") if f and f != name)
                                  for d in table.loc[rows, DEFAULTED]]
    store["table"] = table
    store["version"] += 1  # the editor shows the new value
