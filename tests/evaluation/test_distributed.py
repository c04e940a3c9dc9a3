"""Work over partitions of series on a real Dask cluster (a scheduler and two worker processes on 127.0.0.1):
the same numbers as the in-process run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forecasting.cli import main
from forecasting.errors import ConfigError
from forecasting.evaluation.backtest import BacktestConfig, backtest
from forecasting.evaluation.distributed import (
    DaskSettings,
    partition_series,
    partitioned_backtest,
    partitioned_forecast,
)
from forecasting.evaluation.forecast import make_forecast
from forecasting.models import get_model

SAMPLE = Path(__file__).parents[2] / "sample_data" / "sales.csv"


@pytest.fixture(scope="module")
def client():
    """A scheduler and two worker processes on this machine, started for these tests and stopped after them."""
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       dashboard_address=None, memory_limit="1GB")
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_partitions_hold_whole_series_in_about_equal_rows(panel):
    groups = partition_series(panel, 3)
    assert len(groups) == 3
    ids = [uid for group in groups for uid in group]
    assert sorted(ids) == sorted(panel["unique_id"].unique()) and len(ids) == len(set(ids))
    rows = [panel["unique_id"].isin(g).sum() for g in groups]
    assert max(rows) - min(rows) <= panel.groupby("unique_id").size().max()
    assert [list(g) for g in partition_series(panel, 3)] == [list(g) for g in groups]  # deterministic


@pytest.mark.parametrize("name", ["ets", "croston"])
def test_a_local_model_forecasts_the_same_numbers_on_the_cluster(client, panel, name):
    alone = make_forecast(get_model(name), panel, "D", 14)
    spread = partitioned_forecast(get_model(name), panel, "D", 14, parts=3, client=client)
    assert len(client.scheduler_info()["workers"]) == 2
    pd.testing.assert_frame_equal(spread.forecast, alone.forecast)
    assert {"yhat_lo_80", "yhat_hi_95"} <= set(spread.forecast.columns)


def test_a_global_model_gives_the_same_numbers_per_partition_on_the_cluster_and_here(client, panel):
    model = get_model("gradient_boosting", max_iter=40)
    here = partitioned_forecast(model, panel, "D", 14, parts=2)
    there = partitioned_forecast(model, panel, "D", 14, parts=2, client=client)
    pd.testing.assert_frame_equal(there.forecast, here.forecast)
    one = partitioned_forecast(model, panel, "D", 14, parts=1, client=client)  # one partition: the in-process model
    pd.testing.assert_frame_equal(one.forecast, make_forecast(model, panel, "D", 14).forecast)


def test_a_backtest_on_the_cluster_equals_the_in_process_backtest(client, panel):
    config = BacktestConfig(horizon=14, folds=2)
    alone = backtest([get_model("ets"), get_model("moving_average")], panel, "D", config)
    spread = partitioned_backtest([get_model("ets"), get_model("moving_average")], panel, "D", config, parts=3,
                                  client=client)
    pd.testing.assert_frame_equal(spread.predictions, alone.predictions)
    pd.testing.assert_frame_equal(spread.leaderboard, alone.leaderboard)
    assert list(spread.seconds) == list(alone.seconds) == ["ets", "moving_average", "seasonal_naive"]


def test_the_command_line_forecasts_on_a_scheduler_and_on_its_own_workers(client, tmp_path, capsys):
    address = client.scheduler.address
    common = ["forecast", str(SAMPLE), "--model", "ets", "--horizon", "7"]
    assert main([*common, "--out", str(tmp_path / "here.csv")]) == 0
    assert main([*common, "--scheduler", address, "--partitions", "3", "--out", str(tmp_path / "there.csv")]) == 0
    assert main([*common, "--workers", "2", "--memory-limit", "1GB", "--out", str(tmp_path / "own.csv")]) == 0
    here = pd.read_csv(tmp_path / "here.csv")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "there.csv"), here)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "own.csv"), here)


def test_bad_cluster_settings_are_refused(capsys):
    with pytest.raises(ConfigError, match="workers must be at least 1"):
        DaskSettings(workers=0)
    with pytest.raises(SystemExit) as stopped:  # a usage error: argparse's one line, exit code 2
        main(["forecast", str(SAMPLE), "--model", "naive", "--horizon", "7", "--workers", "2",
              "--scheduler", "tcp://127.0.0.1:1"])
    assert stopped.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err
    assert main(["forecast", str(SAMPLE), "--model", "naive", "--horizon", "7",
                 "--scheduler", "tcp://127.0.0.1:1"]) == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:1" in capsys.readouterr().err


def test_recommend_runs_its_backtest_windows_on_the_cluster(client, tmp_path):
    common = ["recommend", "inventory", str(SAMPLE), "--model", "moving_average", "--horizon", "14", "--folds", "2"]
    assert main([*common, "--out", str(tmp_path / "here.csv")]) == 0
    assert main([*common, "--scheduler", client.scheduler.address, "--out", str(tmp_path / "there.csv")]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "there.csv"), pd.read_csv(tmp_path / "here.csv"))


def test_train_runs_its_backtest_on_the_cluster_and_saves_the_same_run(client, tmp_path, capsys):
    from forecasting.store import open_store
    from forecasting.store.runs import load_run

    url = str(tmp_path / "studio.db")
    common = ["train", str(SAMPLE), "--model", "ets", "--horizon", "7", "--folds", "2", "--store", url]
    assert main([*common, "--name", "here"]) == 0
    assert main([*common, "--name", "there", "--scheduler", client.scheduler.address, "--partitions", "3"]) == 0
    assert "saved run there version 1" in capsys.readouterr().out
    store = open_store(url)
    here, there = load_run(store, "here"), load_run(store, "there")
    pd.testing.assert_frame_equal(there.forecast, here.forecast)
    columns = ["model", "mase", "wape", "coverage_80", "coverage_95"]
    pd.testing.assert_frame_equal(there.leaderboard[columns], here.leaderboard[columns])
