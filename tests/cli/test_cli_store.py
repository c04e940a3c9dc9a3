"""``train``, ``runs`` and ``retrain`` on a store: versions, the JSON contract, promotion and failed retrains."""

from __future__ import annotations

import json

import pytest

from forecasting.cli import main
from forecasting.store import Store
from forecasting.store.retrain import retrain_history
from forecasting.store.runs import find_run
from tests.conftest import synthetic_long

TRAIN = ["--model", "ridge", "--horizon", "7", "--folds", "2"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The same sales history twice: up to 2024-12-31, and three weeks longer (the new data)."""
    folder = tmp_path_factory.mktemp("cli_store")
    full = synthetic_long(n_skus=4, start="2024-01-01", end="2025-01-21").rename(
        columns={"unique_id": "sku", "ds": "date", "y": "units"})
    full[full["date"] <= "2024-12-31"].to_csv(folder / "sales.csv", index=False)
    full.to_csv(folder / "sales_new.csv", index=False)
    return folder


def runs_json(url, capsys) -> list[dict]:
    capsys.readouterr()
    assert main(["runs", "--store", url, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_train_saves_a_new_version_each_time_and_runs_lists_them(files, tmp_path, capsys):
    url = str(tmp_path / "studio.db")
    for version in (1, 2):
        assert main(["train", str(files / "sales.csv"), *TRAIN, "--name", "weekly", "--store", url,
                     "--user", "ana"]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"saved run weekly version {version} (id ")
        assert "ridge" in out and "seasonal_naive" in out  # the scores
    listed = runs_json(url, capsys)
    assert [(r["name"], r["version"], r["model"], r["horizon"], r["champion"]) for r in listed] == [
        ("weekly", 2, "ridge", 7, True), ("weekly", 1, "ridge", 7, False)]
    assert {"name", "version", "model", "horizon", "mase", "created_at", "champion"} <= set(listed[0])
    assert listed[0]["created_by"] == "ana" and listed[0]["mase"] == listed[1]["mase"] > 0
    assert main(["runs", "--store", url]) == 0
    assert "weekly" in capsys.readouterr().out


def test_retrain_promotes_only_when_not_worse_and_records_the_comparison(files, tmp_path, capsys):
    url = str(tmp_path / "studio.db")
    assert main(["train", str(files / "sales.csv"), *TRAIN, "--name", "weekly", "--store", url]) == 0
    first = find_run(Store(url), "weekly")
    capsys.readouterr()
    assert main(["retrain", str(files / "sales_new.csv"), "--name", "weekly", "--store", url]) == 0
    out = capsys.readouterr().out
    [record] = retrain_history(Store(url), "weekly")
    comparison = record["comparison"]
    assert comparison["trained_to"] == "2024-12-31" and comparison["new_periods"] == 21
    assert comparison["windows"] == 2 and comparison["horizon"] == 7  # 21 new days hold 2 windows of 7 (folds 2)
    promoted = comparison["challenger_mase"] <= comparison["champion_mase"]
    assert record["status"] == ("promoted" if promoted else "kept")
    champion = find_run(Store(url), "weekly")
    assert champion.version == (2 if promoted else 1)
    assert ("promoted" if promoted else "not promoted") in out
    assert f"{comparison['champion_mase']:.3f}" in out and f"{comparison['challenger_mase']:.3f}" in out
    assert first.id == record["champion_id"]


def test_a_failed_retrain_leaves_the_champion_and_is_recorded(files, tmp_path, capsys):
    url = str(tmp_path / "studio.db")
    assert main(["train", str(files / "sales.csv"), *TRAIN, "--name", "weekly", "--store", url]) == 0
    champion = find_run(Store(url), "weekly")
    capsys.readouterr()
    assert main(["retrain", str(files / "sales.csv"), "--name", "weekly", "--store", url]) == 2  # nothing new
    err = capsys.readouterr().err
    assert err.startswith("error: the data ends on 2024-12-31, with no periods after") and err.count("\n") == 1
    assert find_run(Store(url), "weekly") == champion
    [record] = retrain_history(Store(url), "weekly")
    assert record["status"] == "failed" and record["challenger_id"] is None
    assert main(["retrain", str(files / "sales.csv"), "--name", "monthly", "--store", url]) == 2
    assert "no saved run 'monthly'" in capsys.readouterr().err
