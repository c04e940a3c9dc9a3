"""Alerts page (placeholder): filled in with the decisions issue."""

from __future__ import annotations

import streamlit as st

from ui.state import require_run


def main() -> None:
    st.title("Alerts")
    if require_run("Alerts") is None:
        return
    st.info("Coming next: recommendations derived from the trained forecasts.")


main()
