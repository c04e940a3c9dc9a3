"""Retraining decisions: promote only when not worse, record the comparison and drift, keep the champion on failure."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.errors import DataValidationError
from forecasting.evaluation.training import TrainingSpec, train
from forecasting.store import Store
from forecasting.store import retrain as retraining
from forecasting.store.retrain import drift_alerts, retrain, retrain_history
from forecasting.store.runs import find_run, save_run
from tests.conftest import synthetic_long


@pytest.fixture(scope="module")
def history():
    full = synthetic_long(n_skus=4, start="2024-01-01", end="2025-01-21")
    old = full[full["ds"] <= "2024-12-31"].reset_index(drop=True)
    return old, full, train(TrainingSpec("seasonal_naive", horizon=7, folds=2), old, "D")


@pytest.fixture
def store(tmp_path, history):
    old, _, run = history
    store = Store(str(tmp_path / "studio.db"))
    save_run(store, run, old, name="weekly", dataset_name="old.csv")
    return store


@pytest.mark.parametrize("champion, challenger, promoted", [(1.0, 1.2, False), (1.0, 1.0, True), (1.0, 0.8, True)])
def test_the_challenger_is_promoted_only_when_not_worse(store, history, monkeypatch, champion, challenger, promoted):
    _, full, _ = history
    scores = {"champion_mase": champion, "challenger_mase": challenger, "champion_wape": 0.5,
              "challenger_wape": 0.5, "windows": 2, "horizon": 7, "trained_to": "2024-12-31"}
    monkeypatch.setattr(retraining, "compare", lambda *a: (scores, ["level shift: test"]))
    result = retrain(store, "weekly", full, "D", dataset_name="new.csv", user="cron")
    assert result.promoted is promoted and result.challenger.version == 2
    assert find_run(store, "weekly").version == (2 if promoted else 1)
    [record] = retrain_history(store, "weekly")
    assert record["status"] == ("promoted" if promoted else "kept") and record["created_by"] == "cron"
    assert record["comparison"]["challenger_mase"] == challenger and record["drift"] == ["level shift: test"]


def test_the_real_comparison_scores_both_on_windows_after_the_champions_last_date(store, history):
    _, full, _ = history
    result = retrain(store, "weekly", full, "D", dataset_name="new.csv")
    c = result.comparison
    assert c["cutoffs"] == ["2025-01-07", "2025-01-14"] and c["new_periods"] == 21
    # seasonal naive from 2024-12-31 repeats the week before it, refitted ones repeat a later week: both are scored
    assert c["champion_mase"] > 0 and c["challenger_mase"] > 0


def test_a_failed_retrain_is_recorded_and_leaves_the_champion(store, history):
    old, _, _ = history
    champion = find_run(store, "weekly")
    with pytest.raises(DataValidationError, match="no periods after"):
        retrain(store, "weekly", old, "D", dataset_name="old.csv")
    assert find_run(store, "weekly") == champion
    assert [r["status"] for r in retrain_history(store)] == ["failed"]


def test_drift_alerts_on_accuracy_and_level():
    days = pd.date_range("2024-12-18", periods=28)
    history = pd.DataFrame({"unique_id": "a", "ds": days[:14], "y": 10.0})
    new = pd.DataFrame({"unique_id": "a", "ds": days[14:], "y": 20.0})
    trained_to = days[13]
    assert drift_alerts({"champion_mase": 1.0, "champion_backtest_mase": 0.9}, history, new.assign(y=11.0),
                        trained_to) == []
    alerts = drift_alerts({"champion_mase": 2.0, "champion_backtest_mase": 1.0}, history, new, trained_to)
    assert alerts[0].startswith("accuracy drift: the champion's MASE on the latest periods is 2.00, 2.0x")
    assert alerts[1].startswith("level shift: mean sales per period moved +100%")


def test_not_worse_falls_back_to_wape_when_a_mase_is_undefined():
    assert retraining.not_worse({"champion_mase": 1.0, "challenger_mase": 1.0})
    assert not retraining.not_worse({"champion_mase": 1.0, "challenger_mase": 1.1, "champion_wape": 0.9,
                                     "challenger_wape": 0.1})
    assert retraining.not_worse({"champion_mase": None, "challenger_mase": None, "champion_wape": 0.5,
                                 "challenger_wape": 0.4})
    assert not retraining.not_worse({"champion_mase": None, "challenger_mase": 1.0, "champion_wape": None,
                                     "challenger_wape": 0.4})
