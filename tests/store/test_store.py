"""The workspace store on SQLite and PostgreSQL: runs round-trip, versions, champion, audit trail, migrations,
concurrent writers and a writer killed mid-transaction."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from forecasting.errors import ConfigError
from forecasting.evaluation.training import TrainingSpec, train
from forecasting.store import Store, resolve_url, tables
from forecasting.store.migrations import LATEST
from forecasting.store.records import (
    active_adjustments,
    adjustment_history,
    list_decisions,
    list_plans,
    list_scenarios,
    plan_frame,
    save_adjustments,
    save_decision,
    save_plan,
    save_scenario,
)
from forecasting.store.runs import (
    RunNotFoundError,
    archive_run,
    as_trained_run,
    backtest_predictions,
    find_run,
    list_runs,
    load_run,
    refit,
    save_run,
    set_champion,
)
from tests.conftest import synthetic_long

ROOT = Path(__file__).parent.parent.parent


@pytest.fixture(scope="module")
def small():
    frame = synthetic_long(n_skus=4, start="2024-01-01", end="2024-12-31")
    return frame, train(TrainingSpec("ridge", horizon=7, folds=2), frame, "D")


def test_a_saved_run_loads_back_refits_to_the_same_forecast_and_reopens_as_a_run(store_url, small):
    frame, run = small
    store = Store(store_url)
    saved = save_run(store, run, frame, name="weekly", dataset_name="sales.csv", user="ana")
    assert (saved.name, saved.version, saved.model, saved.champion, saved.created_by) == (
        "weekly", 1, "ridge", True, "ana")
    assert saved.mase == pytest.approx(float(run.score["mase"]))
    record = load_run(store, "weekly")
    pd.testing.assert_frame_equal(record.frame, frame.reset_index(drop=True), check_dtype=False)
    pd.testing.assert_frame_equal(record.forecast, run.forecast, check_dtype=False)
    fitted = refit(record)  # deterministic refit from JSON settings, checked against the saved forecast
    reopened = as_trained_run(record, fitted, backtest_predictions(store, saved.id))
    assert reopened.run_id == run.run_id
    wide = run.backtest.predictions
    pd.testing.assert_frame_equal(reopened.backtest.predictions[wide.columns], wide, check_dtype=False,
                                  check_like=True)
    board = reopened.backtest.leaderboard.set_index("model")
    expected = run.backtest.leaderboard.set_index("model")
    assert np.allclose(board.loc[expected.index, "mase"], expected["mase"])
    store.close()


def test_versions_champion_and_archive(store_url, small):
    frame, run = small
    store = Store(store_url)
    first = save_run(store, run, frame, name="weekly", dataset_name="a.csv")
    second = save_run(store, run, frame, name="weekly", dataset_name="a.csv")
    assert (first.version, second.version) == (1, 2) and first.id != second.id
    with store.read() as connection:  # the same table is stored once
        assert len(connection.execute(select(tables.datasets.c.id)).all()) == 1
    assert find_run(store, "weekly").version == 2
    set_champion(store, "weekly", 1)
    champions = [(s.version, s.champion) for s in list_runs(store)]
    assert champions == [(2, False), (1, True)]
    archive_run(store, "weekly", 2)
    assert [s.version for s in list_runs(store)] == [1]
    assert [s.status for s in list_runs(store, archived=True)] == ["archived", "active"]
    with pytest.raises(RunNotFoundError, match="no saved run 'monthly'"):
        find_run(store, "monthly")
    store.close()


def test_adjustments_are_an_audit_trail_never_overwritten(store_url, small):
    frame, run = small
    store = Store(store_url)
    run_id = save_run(store, run, frame, name="weekly", dataset_name="a.csv").id
    table = pd.DataFrame({
        "unique_id": ["SKU-01", "SKU-02"], "level": ["series", "series"],
        "start": pd.to_datetime(["2024-10-01", "2024-10-02"]), "end": pd.to_datetime(["2024-10-03", "2024-10-05"]),
        "kind": ["percent", "absolute"], "value": [10.0, -2.0], "reason": ["promo flyer", "shelf gap"],
        "created": pd.to_datetime(["2024-09-30 10:00", "2024-09-30 11:00"])})
    assert save_adjustments(store, run_id, table, user="ana") == {"added": 2, "superseded": 0}
    assert save_adjustments(store, run_id, table, user="ana") == {"added": 0, "superseded": 0}
    changed = table.iloc[[0]].assign(value=15.0)
    assert save_adjustments(store, run_id, changed, user="ben") == {"added": 1, "superseded": 2}
    history = adjustment_history(store, run_id)
    assert history["value"].tolist() == [10.0, -2.0, 15.0]
    assert history["superseded_by"].tolist()[:2] == ["ben", "ben"] and history["superseded_at"].iloc[2] is None
    assert history["created_by"].tolist() == ["ana", "ana", "ben"]
    active = active_adjustments(store, run_id)
    assert active[["unique_id", "value", "reason"]].values.tolist() == [["SKU-01", 15.0, "promo flyer"]]
    assert active["created"].iloc[0] == pd.Timestamp("2024-09-30 10:00")
    store.close()


def test_plans_scenarios_and_decisions_round_trip(store_url, small):
    frame, run = small
    store = Store(store_url)
    run_id = save_run(store, run, frame, name="weekly", dataset_name="a.csv").id
    plan = pd.DataFrame({"unique_id": ["SKU-01"], "ds": pd.to_datetime(["2024-10-01"]), "price": [9.5],
                         "promo": [1.0]})
    save_plan(store, run_id, "october promo", plan, user="ana")
    [kept] = list_plans(store, run_id)
    assert kept["name"] == "october promo" and kept["created_by"] == "ana"
    pd.testing.assert_frame_equal(plan_frame(kept), plan, check_dtype=False)
    save_scenario(store, run_id, "promotion", "20% off", {"depth": 0.2}, {"uplift_units": 123.5}, user="ana")
    assert list_scenarios(store, run_id)[0]["result"] == {"uplift_units": 123.5}
    save_decision(store, run_id, "orders", {"SKU-01": 40}, user="ben")
    assert [(d["kind"], d["payload"], d["created_by"]) for d in list_decisions(store)] == [
        ("orders", {"SKU-01": 40}, "ben")]
    store.close()


def test_schema_is_versioned_and_a_newer_store_is_refused(store_url):
    store = Store(store_url)
    assert store.version == LATEST
    Store(store_url).close()  # opening again applies nothing twice
    with store.read() as connection:
        assert connection.execute(select(tables.migrations.c.version)).scalars().all() == [LATEST]
    with store.write() as connection:
        connection.execute(tables.migrations.insert().values(version=LATEST + 1, name="future",
                                                             applied_at=pd.Timestamp.now(tz="UTC")))
    store.close()
    with pytest.raises(ConfigError, match="newer than this studio"):
        Store(store_url)


def test_store_url_resolution(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("FORECASTING_STORE", raising=False)
    assert resolve_url() == f"sqlite:///{tmp_path / 'studio.db'}"
    monkeypatch.setenv("FORECASTING_STORE", "team.db")
    assert resolve_url() == f"sqlite:///{tmp_path / 'team.db'}"
    assert resolve_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    with pytest.raises(ConfigError, match="must be SQLite or PostgreSQL"):
        Store("mysql://u@h/db")


WRITER = textwrap.dedent("""
    import sys
    from forecasting.evaluation.training import TrainingSpec, train
    from forecasting.store import Store
    from forecasting.store.records import save_decision
    from forecasting.store.runs import save_run
    from tests.conftest import synthetic_long
    url, who = sys.argv[1], sys.argv[2]
    frame = synthetic_long(n_skus=4, start="2024-01-01", end="2024-12-31")
    run = train(TrainingSpec("seasonal_naive", horizon=7, folds=1), frame, "D")
    store = Store(url)
    print("ready", flush=True)
    sys.stdin.readline()  # both writers start together
    for i in range(3):
        save_run(store, run, frame, name="shared", dataset_name="s.csv", user=who)
        for j in range(10):
            save_decision(store, None, "orders", {"who": who, "i": i, "j": j}, user=who)
""")


def test_two_processes_writing_at_once_lose_nothing(store_url):
    Store(store_url).close()
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, store_url, who], cwd=ROOT, text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
               for who in ("ana", "ben")]
    for writer in writers:
        assert writer.stdout.readline().strip() == "ready", writer.stderr.read()
    for writer in writers:
        writer.stdin.write("go\n")
        writer.stdin.flush()
    for writer in writers:
        _, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
    store = Store(store_url)
    runs = list_runs(store)
    assert sorted(s.version for s in runs) == [1, 2, 3, 4, 5, 6]
    assert sorted(s.created_by for s in runs) == ["ana"] * 3 + ["ben"] * 3
    assert sum(s.champion for s in runs) == 1
    decisions = list_decisions(store)
    assert sorted((d["payload"]["who"], d["payload"]["i"], d["payload"]["j"]) for d in decisions) == sorted(
        (who, i, j) for who in ("ana", "ben") for i in range(3) for j in range(10))
    store.close()


KILLED = textwrap.dedent("""
    import sys, time
    from forecasting.store import Store, tables
    from forecasting.store.frames import now
    from forecasting.store.records import save_decision
    store = Store(sys.argv[1])
    save_decision(store, None, "orders", {"n": 1}, user="ana")
    with store.write() as connection:
        for n in range(2, 200):
            connection.execute(tables.decisions.insert().values(kind="orders", payload={"n": n}, created_at=now(),
                                                                created_by="ana"))
        print("writing", flush=True)
        time.sleep(120)
""")


def test_a_process_killed_mid_write_leaves_the_last_committed_state(store_url):
    Store(store_url).close()
    child = subprocess.Popen([sys.executable, "-c", KILLED, store_url], cwd=ROOT, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout.readline().strip() == "writing", child.stderr.read()
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    store = Store(store_url)
    assert [d["payload"] for d in list_decisions(store)] == [{"n": 1}]
    save_decision(store, None, "orders", {"n": 2}, user="ben")  # the dead writer's lock is gone
    assert [d["payload"]["n"] for d in list_decisions(store)] == [1, 2]
    if store.dialect == "sqlite":
        with store.read() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    store.close()
