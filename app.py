"""Demand forecasting studio: the Streamlit app.

For now it loads the bundled sample (or an upload) and shows what is in it;
the Data, Explore, Train, Forecast and Decide pages come with the dashboard.
Every number comes from a ``forecasting`` call; this file only renders.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import plotly.express as px
import streamlit as st

from forecasting.dataset import Dataset, load_dataset
from forecasting.errors import ForecastingError
from forecasting.schema import DS, Y

SAMPLE = Path(__file__).parent / "sample_data" / "sales.csv"


@st.cache_data(max_entries=4, show_spinner="Reading the file ...")
def _load(data: bytes, name: str) -> Dataset:
    return load_dataset(data, name=name)


def _render(dataset: Dataset) -> None:
    summary = dataset.summary()
    cols = st.columns(4)
    cols[0].metric("Series", f"{summary['n_series']:,}")
    cols[1].metric("Rows", f"{summary['n_rows']:,}")
    cols[2].metric("Frequency", summary["freq"])
    cols[3].metric("Total sold", f"{summary['target_total']:,.0f}")
    st.caption(f"{summary['start']} to {summary['end']} · shape: {summary['shape']}")
    total = dataset.frame.groupby(DS, as_index=False)[Y].sum()
    st.plotly_chart(px.line(total, x=DS, y=Y, labels={DS: "date", Y: "units"}, title="Total sales"))
    st.subheader("Column mapping")
    mapping = {k: ", ".join(v) if isinstance(v, list) else v for k, v in summary["mapping"].items() if v}
    st.table(pd.DataFrame({"field": list(mapping), "column": list(mapping.values())}))
    st.subheader("Data-quality report")
    issues = pd.DataFrame(summary["issues"], columns=["severity", "kind", "count", "message"])
    st.dataframe(issues, hide_index=True, width="stretch")


def main() -> None:
    st.set_page_config(page_title="Demand forecasting studio", layout="wide")
    st.title("Demand forecasting studio")
    upload = st.sidebar.file_uploader("Sales file (CSV, Excel, Parquet)", type=["csv", "txt", "xlsx", "parquet"])
    data, name = (upload.getvalue(), upload.name) if upload else (SAMPLE.read_bytes(), SAMPLE.name)
    st.sidebar.caption(f"Showing **{name}**" + ("" if upload else " (bundled sample)"))
    try:
        dataset = _load(data, name)
    except ForecastingError as exc:
        st.error(str(exc))
        return
    _render(dataset)


main()
