"""Estimates from the sales history that several decision pages share, cached once per dataset."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from forecasting.recommend.elasticity import Elasticities, estimate_elasticities


@st.cache_data(max_entries=4, show_spinner="Estimating price elasticities and promotion lifts from the history ...")
def elasticities(data_key: str, freq: str, _frame: pd.DataFrame) -> Elasticities:
    """Price elasticities and promotion lifts per series and category (Pricing and Promotions use the same)."""
    return estimate_elasticities(_frame, freq)
