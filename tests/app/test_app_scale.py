"""Large catalogues in the app: the Data and Train pages suggest aggregating or Dask, the Dask settings reach the
command line's code path, and the session keeps one copy of the table."""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager

import numpy as np
import pandas as pd
from apptest_support import start, texts, upload

from forecasting.evaluation import distributed
from ui.scale import SCALE_CONFIRMED, SCALE_MANY_SERIES, SCALE_SCHEDULER, SCALE_WORKERS

TRAIN = "pages/train.py"
DATA = "pages/data.py"


def train_button(at):
    return next(b for b in at.button if b.label == "Train")


def test_a_large_catalogue_gets_a_suggestion_on_the_data_and_train_pages():
    at = start(**{SCALE_MANY_SERIES: 10})  # the sample's 48 series count as large for this session
    said = texts(at)
    assert "48 series is a large catalogue (more than 10)" in said
    assert "forecast by category (6 series)" in said and "weekly or monthly **Frequency**" in said
    assert "Local Dask workers" in said
    at.switch_page(TRAIN).run()
    assert "48 series is a large catalogue" in texts(at)
    assert train_button(at).disabled  # not until the user chooses to wait for it
    at.checkbox(key=SCALE_CONFIRMED).check().run()
    assert not train_button(at).disabled


def test_a_small_catalogue_trains_without_asking():
    at = start(page=TRAIN)
    assert "large catalogue" not in texts(at)
    assert not train_button(at).disabled
    assert not [c for c in at.checkbox if c.key == SCALE_CONFIRMED]


def test_dask_settings_run_the_backtest_through_the_command_lines_partitioned_backtest(monkeypatch):
    calls = []

    @contextmanager
    def fake_client(settings):  # no cluster in this test: the route is what is checked, the work runs here
        calls.append(("client", settings))

        class Client:
            def scheduler_info(self):
                return {"workers": {"w1": {}, "w2": {}}}

        yield Client()

    real = distributed.partitioned_backtest

    def recorded(models, df, freq, config, *, parts, client=None, progress=None):
        calls.append(("backtest", parts))
        return real(models, df, freq, config, parts=parts, client=None, progress=progress)

    monkeypatch.setattr(distributed, "dask_client", fake_client)
    monkeypatch.setattr(distributed, "partitioned_backtest", recorded)
    at = start(**{SCALE_MANY_SERIES: 10})
    at.number_input(key=SCALE_WORKERS).set_value(2).run()
    at.switch_page(TRAIN).run()
    assert "The backtest runs on Dask (2 local worker(s))" in texts(at)
    assert "large catalogue" not in texts(at) and not train_button(at).disabled
    at.multiselect(key="train_chosen_models").set_value(["seasonal_naive"]).run()
    at.number_input(key="train_horizon_D").set_value(7).run()
    at.number_input(key="train_folds").set_value(1).run()
    at.checkbox(key="train_reconcile").uncheck().run()
    train_button(at).click().run(timeout=180)
    assert not at.exception and not at.error
    assert calls[0] == ("client", distributed.DaskSettings(workers=2))
    assert calls[1][0] == "backtest" and calls[1][1] >= 2  # at least one partition per worker
    runs = next(iter(at.session_state["train_models"].values()))
    assert [run.name for run in runs.values()] == ["seasonal_naive"]


def test_workers_and_a_scheduler_together_are_refused_with_the_fix():
    at = start()
    at.number_input(key=SCALE_WORKERS).set_value(2).run()
    at.text_input(key=SCALE_SCHEDULER).input("tcp://127.0.0.1:8786").run()
    at.switch_page(TRAIN).run()
    assert "either local Dask workers or a scheduler address" in " ".join(e.value for e in at.error)
    assert train_button(at).disabled


def frames_in(value, seen: set | None = None, depth: int = 0) -> list[pd.DataFrame]:
    """Every DataFrame reachable from ``value`` through containers, dataclasses and attributes (a few levels)."""
    seen = set() if seen is None else seen
    if id(value) in seen or depth > 5:
        return []
    seen.add(id(value))
    if isinstance(value, pd.DataFrame):
        return [value]
    if isinstance(value, dict):
        children = list(value.values())
    elif isinstance(value, (list, tuple)):
        children = list(value)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        children = [getattr(value, f.name) for f in dataclasses.fields(value)]
    elif hasattr(value, "__dict__") and type(value).__module__.startswith(("forecasting", "ui")):
        children = list(vars(value).values())
    else:
        return []
    return [frame for child in children for frame in frames_in(child, seen, depth + 1)]


def copies_of(table: pd.DataFrame, session) -> int:
    """How many distinct frames in the session hold exactly this table."""
    found = {id(f): f for key in session for f in frames_in(session[key])}
    return sum(1 for f in found.values() if f.shape == table.shape and list(f.columns) == list(table.columns)
               and f.equals(table))


def test_the_session_holds_one_copy_of_the_cleaned_table_across_pages_and_reruns():
    at = start()
    cleaned = at.session_state["data_loaded"].result.frame
    assert copies_of(cleaned, at.session_state) == 1
    for page in ("pages/explore.py", TRAIN, DATA):
        at.switch_page(page).run()
        assert not at.exception
    assert at.session_state["data_loaded"].result.frame is cleaned  # reruns reuse it, never a new copy
    assert copies_of(cleaned, at.session_state) == 1


def ten_thousand_series() -> bytes:
    """10,000 weekly series x 12 weeks (120,000 rows) with a category: a large catalogue that reads in seconds."""
    rng = np.random.default_rng(0)
    weeks = pd.date_range("2024-01-01", periods=12, freq="W-MON")
    ids = np.repeat([f"SKU-{i:05d}" for i in range(10_000)], len(weeks))
    frame = pd.DataFrame({"date": np.tile(weeks, 10_000), "sku": ids, "units": rng.poisson(3, len(ids)),
                          "category": np.repeat([f"cat-{i % 20}" for i in range(10_000)], len(weeks))})
    return frame.to_csv(index=False).encode()


def test_a_ten_thousand_series_upload_is_read_and_gets_the_suggestion_at_the_default_threshold():
    at = upload(start(), "catalogue.csv", ten_thousand_series())
    assert not at.exception
    said = texts(at)
    assert "10,000 series is a large catalogue (more than 2,000)" in said
    assert "forecast by category (20 series)" in said and "monthly **Frequency**" in said
    at.switch_page(TRAIN).run()
    assert not at.exception and train_button(at).disabled
    assert copies_of(at.session_state["data_loaded"].result.frame, at.session_state) == 1
