"""Demand forecasting studio: the Streamlit entry point.

Run with ``make run`` (or ``streamlit run app.py``). This file sets up the
page, the shared session state and the navigation, loads the bundled sample on
first start so a demo needs no upload (the Data page, the default, loads it
itself after drawing its title), runs the chosen page, and then draws the
sidebar summary (after the page, so it shows what the page just loaded).
Pages only render: every number comes from a ``forecasting`` call.
"""

from __future__ import annotations

import streamlit as st

from ui import state
from ui.data_access import load_sample_on_first_start
from ui.messages import show_unexpected
from ui.scale import settings_box
from ui.widgets import sidebar_summary
from ui.workspace import user_box

st.set_page_config(page_title="Demand forecasting studio", layout="wide")
state.init_state()
data_page = st.Page("pages/data.py", title="Data", icon=":material/upload_file:", default=True)
page = st.navigation(
    {
        "Data": [
            data_page,
            st.Page("pages/explore.py", title="Explore", icon=":material/insights:"),
        ],
        "Forecasting": [
            st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
            st.Page("pages/forecast.py", title="Forecast", icon=":material/trending_up:"),
            st.Page("pages/new_products.py", title="New products", icon=":material/new_releases:"),
            st.Page("pages/review.py", title="Review", icon=":material/fact_check:"),
            st.Page("pages/runs.py", title="Runs", icon=":material/history:"),
        ],
        "Decisions": [
            st.Page("pages/inventory.py", title="Inventory", icon=":material/inventory_2:"),
            st.Page("pages/pricing.py", title="Pricing", icon=":material/sell:"),
            st.Page("pages/promotions.py", title="Promotions", icon=":material/campaign:"),
            st.Page("pages/alerts.py", title="Alerts", icon=":material/notifications:"),
        ],
    }
)
if page is not data_page:  # the Data page loads the sample itself, after drawing its title
    load_sample_on_first_start()
try:
    page.run()
except Exception as exc:  # a bug, not bad input (pages show those): one line here, the traceback in the server log
    show_unexpected(exc, where=f"the {page.title} page")
sidebar_summary()
user_box()
settings_box()
