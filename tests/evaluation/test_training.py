"""A training run: backtest, final fit and a forecast whose intervals come from the backtest's last windows."""

from __future__ import annotations

import pandas as pd
import pytest

from forecasting.errors import ConfigError
from forecasting.evaluation.forecast import make_forecast
from forecasting.evaluation.training import TrainingSpec, train
from forecasting.models.features import FeatureConfig
from forecasting.models.registry import get_model


def test_a_run_forecasts_like_make_forecast_without_refitting_the_windows(tiny_panel):
    run = train(TrainingSpec("ridge", horizon=7, folds=2), tiny_panel, "D")
    direct = make_forecast(get_model("ridge"), tiny_panel, "D", 7)
    pd.testing.assert_frame_equal(run.forecast, direct.forecast)
    assert set(run.backtest.leaderboard["model"]) == {"ridge", "seasonal_naive"}
    assert run.score["model"] == "ridge" and run.backtest.predictions["cutoff"].nunique() == 2


def test_the_feature_choice_reaches_the_model_and_is_reported(tiny_panel):
    spec = TrainingSpec("ridge", horizon=7, folds=1, features=FeatureConfig(lags=(1, 7), calendar=False, price=False))
    run = train(spec, tiny_panel, "D")
    assert not any(c.startswith("dow") or c.startswith("price") for c in run.fitted.columns_)
    assert spec.describe()["features"]["lags"] == (1, 7)
    assert "features" not in TrainingSpec("ets", horizon=7).describe()


def test_progress_runs_to_one_and_hooks_reach_only_models_that_take_them(tiny_panel):
    shares = []
    run = train(TrainingSpec("seasonal_naive", horizon=7, folds=1), tiny_panel, "D",
                progress=lambda share, message: shares.append(share), callbacks=lambda *a: False)
    assert shares == sorted(shares) and shares[-1] == 1.0
    assert len(run.forecast) == 3 * 7


def test_bad_settings_say_what_is_wrong(tiny_panel):
    with pytest.raises(ConfigError, match="horizon"):
        train(TrainingSpec("ridge", horizon=0), tiny_panel, "D")


def test_runs_compare_on_one_board_with_the_baseline_once_per_set_of_windows(tiny_panel):
    from forecasting.evaluation.training import compare_runs

    ridge = train(TrainingSpec("ridge", horizon=7, folds=2), tiny_panel, "D")
    ets = train(TrainingSpec("ets", horizon=7, folds=2), tiny_panel, "D")
    short = train(TrainingSpec("naive", horizon=3, folds=2), tiny_panel, "D")
    board = compare_runs([ridge, ets, short])
    assert sorted(board["model"]) == sorted(["ridge", "ets", "naive", "seasonal_naive (baseline)",
                                             "seasonal_naive (baseline)"])
    assert board["mase"].is_monotonic_increasing
    ridge_row = board[board["model"] == "ridge"].iloc[0]
    assert ridge_row["mase"] == ridge.score["mase"] and ridge_row["windows"] == "2 x 7"


def test_big_or_sparse_tables_get_a_warning_before_training(tiny_panel, monkeypatch):
    from forecasting.evaluation import training

    assert training.size_warnings(tiny_panel) == []
    sparse = tiny_panel.assign(y=tiny_panel["y"].where(tiny_panel["ds"].dt.day == 1, 0.0))
    assert "sell in fewer than 3% of their periods" in " ".join(training.size_warnings(sparse))
    monkeypatch.setattr(training, "LARGE_TABLE_ROWS", len(tiny_panel) - 1)
    assert training.size_warnings(tiny_panel)[0].startswith("360 rows (3 series): training will take minutes")


def test_auto_reuses_the_backtest_for_its_final_choice_and_chooses_as_a_plain_fit(tiny_panel, monkeypatch):
    from forecasting.models import auto

    run = train(TrainingSpec("auto", horizon=7, params={"horizon": 7}, folds=2), tiny_panel, "D")
    plain = get_model("auto", horizon=7).fit(tiny_panel, freq="D")
    assert run.fitted.choice_.models == plain.choice_.models
    assert run.fitted.choice_.scores == pytest.approx(plain.choice_.scores)
    pd.testing.assert_frame_equal(run.fitted.predict(7), plain.predict(7))

    def cross_validated_again(*args, **kwargs):
        raise AssertionError("the selection windows should come from the backtest")

    monkeypatch.setattr(auto, "cross_validate", cross_validated_again)
    refit = run.spec.build().refit_copy(run.backtest.windows()).fit(tiny_panel, freq="D")
    assert refit.choice_.models == plain.choice_.models
