"""Train page (placeholder): another engineer fills it in next."""

from __future__ import annotations

import streamlit as st

from ui.state import DATA_PAGE, require_data


def main() -> None:
    st.title("Train")
    if not require_data("Train"):
        return
    st.info("Coming next: choose models and drivers, train them and backtest them on the loaded data.")
    st.page_link(DATA_PAGE, label="Back to the Data page", icon=":material/arrow_back:")


main()
