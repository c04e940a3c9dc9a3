"""Review page (placeholder): another engineer fills it in next."""

from __future__ import annotations

import streamlit as st

from ui.state import DATA_PAGE, require_data


def main() -> None:
    st.title("Review")
    if not require_data("Review"):
        return
    st.info("Coming next: review forecast accuracy per series and model, and find where the forecast needs attention.")
    st.page_link(DATA_PAGE, label="Back to the Data page", icon=":material/arrow_back:")


main()
