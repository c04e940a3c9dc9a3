"""The Runs page through AppTest: saved runs survive a new session and a server restart, reopen, compare, archive;
the Train page saves what it trains."""

from __future__ import annotations

import pandas as pd
import pytest
import streamlit as st
from apptest_support import start, texts

from forecasting.store import Store
from forecasting.store.runs import list_runs, save_run

RUNS = "pages/runs.py"


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A fresh store for the app (and a 'restarted server': no store or reopened run cached in memory)."""
    url = str(tmp_path / "studio.db")
    monkeypatch.setenv("FORECASTING_STORE", url)
    st.cache_resource.clear()
    yield Store(url)
    st.cache_resource.clear()


def test_a_saved_run_is_listed_in_a_new_session_and_reopens_for_the_other_pages(store, sample_frame, sample_run):
    frame, _ = sample_frame
    saved = save_run(store, sample_run, frame, name="sales-ridge", dataset_name="sales.csv", user="ana")
    at = start(page=RUNS)
    table = at.dataframe[0].value
    assert table[["name", "version", "model", "by", "champion"]].values.tolist() == [
        ["sales-ridge", 1, "ridge", "ana", True]]
    assert table["MASE"].iloc[0] == pytest.approx(float(sample_run.score["mase"]))
    at.selectbox(key="runs_open_pick").set_value(saved.id).run()
    at.button(key="runs_open").click().run(timeout=180)
    assert not at.exception and not at.error
    assert at.session_state["train_chosen"] == sample_run.run_id
    reopened = next(iter(at.session_state["train_models"].values()))[sample_run.run_id]
    pd.testing.assert_frame_equal(reopened.forecast, sample_run.forecast, check_dtype=False)
    assert at.session_state["data_loaded"].ref.sample  # the same data as the run's: the loaded sample stays
    at.switch_page("pages/forecast.py").run(timeout=180)
    assert not at.exception and not at.error
    assert "Train a model first" not in texts(at)


def test_compare_two_and_archive_one(store, sample_frame, sample_run):
    frame, _ = sample_frame
    first = save_run(store, sample_run, frame, name="sales-ridge", dataset_name="sales.csv", user="ana")
    second = save_run(store, sample_run, frame, name="sales-ridge", dataset_name="sales.csv", user="ben")
    at = start(page=RUNS)
    at.multiselect(key="runs_compare").set_value([first.id, second.id]).run()
    compared = at.dataframe[1].value
    assert compared["run"].tolist() == ["sales-ridge v1", "sales-ridge v2"]
    assert compared["mase"].tolist() == pytest.approx([float(sample_run.score["mase"])] * 2)
    at.selectbox(key="runs_archive_pick").set_value(first.id).run()
    at.button(key="runs_archive").click().run()
    assert [r.version for r in list_runs(store)] == [2]
    assert at.dataframe[0].value["version"].tolist() == [2]


def test_the_train_page_saves_each_run_with_the_users_name(store):
    at = start(page="pages/train.py")
    at.sidebar.text_input(key="store_user").set_value("carla").run()
    at.multiselect(key="train_chosen_models").set_value(["seasonal_naive"]).run()
    at.number_input(key="train_horizon_D").set_value(7).run()
    at.number_input(key="train_folds").set_value(1).run()
    at.button[0].click().run(timeout=180)
    assert not at.exception and not at.error
    [saved] = list_runs(store)
    assert (saved.name, saved.model, saved.horizon, saved.created_by) == ("sales-seasonal_naive", "seasonal_naive",
                                                                         7, "carla")
    st.cache_resource.clear()  # a server restart: the next session reads the run back from the file
    assert start(page=RUNS).dataframe[0].value["name"].tolist() == ["sales-seasonal_naive"]


def test_reopening_a_run_on_other_data_loads_the_data_it_was_trained_on(store):
    from forecasting.evaluation.training import TrainingSpec, train  # noqa: PLC0415
    from tests.conftest import synthetic_long  # noqa: PLC0415

    frame = synthetic_long(n_skus=4, start="2024-01-01", end="2024-12-31")
    run = train(TrainingSpec("ridge", horizon=7, folds=1), frame, "D")
    saved = save_run(store, run, frame, name="shop-ridge", dataset_name="shop.csv", user="ana")
    at = start(page=RUNS)
    at.selectbox(key="runs_open_pick").set_value(saved.id).run()
    at.button(key="runs_open").click().run(timeout=180)
    assert not at.exception and not at.error
    data = at.session_state["data_loaded"]
    assert data.ref.name == "shop.csv (saved with run shop-ridge v1)"
    pd.testing.assert_frame_equal(data.result.frame, frame, check_dtype=False)
    at.switch_page("pages/forecast.py").run(timeout=180)
    assert not at.exception and not at.error
    assert "shop.csv (saved with run shop-ridge v1)" in " ".join(m.value for m in at.sidebar.markdown)
