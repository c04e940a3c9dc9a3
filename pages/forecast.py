"""Forecast page (placeholder): another engineer fills it in next."""

from __future__ import annotations

import streamlit as st

from ui.state import DATA_PAGE, require_data


def main() -> None:
    st.title("Forecast")
    if not require_data("Forecast"):
        return
    st.info("Coming next: forecast the coming periods with the trained models and compare them with what sold.")
    st.page_link(DATA_PAGE, label="Back to the Data page", icon=":material/arrow_back:")


main()
