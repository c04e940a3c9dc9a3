"""Rolling-origin backtests: windows, no look-ahead, intervals, auto, leaderboard."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.errors import DataValidationError
from forecasting.evaluation.backtest import BacktestConfig, backtest
from forecasting.models import get_model
from forecasting.models.baselines import Naive

FAST_CANDIDATES = ("seasonal_naive", "moving_average", "croston", "ridge")


class Spy(Naive):
    """Naive, recording what each fit saw and which future drivers each predict got."""

    name = "spy"
    seen: list = []

    def _fit(self, df):
        Spy.seen.append(("fit", df["ds"].max(), df["ds"].min()))
        super()._fit(df)

    def _predict(self, horizon, grid, future, levels):
        Spy.seen.append(("future", future["ds"].min(), future["ds"].max(), "y" in future.columns))
        return super()._predict(horizon, grid, future, levels)


def test_windows_are_the_last_k_non_overlapping_and_training_ends_at_the_cutoff(tiny_panel):
    Spy.seen = []
    result = backtest([Spy()], tiny_panel, "D", BacktestConfig(horizon=7, folds=3, calibration_windows=2))
    last = tiny_panel["ds"].max()
    expected = [last - pd.Timedelta(days=7 * k) for k in (5, 4, 3, 2, 1)]
    fits = [s for s in Spy.seen if s[0] == "fit"]
    assert [f[1] for f in fits] == expected  # two calibration windows, then three scored ones
    futures = [s for s in Spy.seen if s[0] == "future"]
    assert all(lo == cut + pd.Timedelta(days=1) and hi == cut + pd.Timedelta(days=7) and not has_y
               for (_, lo, hi, has_y), cut in zip(futures, expected, strict=True))
    scored = result.predictions
    assert sorted(scored["cutoff"].unique()) == expected[2:]
    assert len(scored) == 3 * 7 * 3  # folds x horizon x series
    merged = scored.merge(tiny_panel, on=["unique_id", "ds"], suffixes=("", "_true"))
    assert (merged["y"] == merged["y_true"]).all()


def test_leaderboard_always_has_seasonal_naive_and_the_gain_over_it(tiny_panel):
    result = backtest([get_model("moving_average")], tiny_panel, "D", BacktestConfig(horizon=7, folds=2))
    board = result.leaderboard.set_index("model")
    assert set(board.index) == {"moving_average", "seasonal_naive"}
    assert board.loc["seasonal_naive", "mase_gain_vs_seasonal_naive"] == 0
    expected = 1 - board.loc["moving_average", "mase"] / board.loc["seasonal_naive", "mase"]
    assert board.loc["moving_average", "mase_gain_vs_seasonal_naive"] == pytest.approx(expected)
    assert any("ignores the drivers price, promo" in n for n in result.notes["moving_average"])


def test_eighty_percent_intervals_cover_seventy_to_ninety_percent():
    rng = np.random.default_rng(7)
    days = pd.date_range("2023-01-01", periods=500)
    frames = []
    for i in range(30):
        level = rng.uniform(5, 60)
        weekly = 1 + 0.4 * np.sin(2 * np.pi * np.arange(500) / 7 + i)
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": days, "y": rng.poisson(level * weekly).astype(float)}))
    panel = pd.concat(frames, ignore_index=True)
    result = backtest([get_model("ets")], panel, "D", BacktestConfig(horizon=14, folds=4, calibration_windows=3))
    board = result.leaderboard.set_index("model")
    for model in ("ets", "seasonal_naive"):
        assert 0.70 <= board.loc[model, "coverage_80"] <= 0.90, board.loc[model]
        assert 0.88 <= board.loc[model, "coverage_95"] <= 0.99, board.loc[model]
    lo, hi = result.predictions["ets-lo-80"], result.predictions["ets-hi-80"]
    assert ((lo <= result.predictions["ets"]) & (result.predictions["ets"] <= hi)).all()


def test_auto_in_a_backtest_equals_auto_fitted_on_each_window_alone(panel):
    """The fast path never looks at the scored window: it matches a plain fit on the training data."""
    auto = get_model("auto", horizon=14, selection_windows=2, candidates=FAST_CANDIDATES)
    result = backtest([auto], panel, "D", BacktestConfig(horizon=14, folds=2, calibration_windows=2))
    for cutoff in result.predictions["cutoff"].unique():
        train = panel[panel["ds"] <= cutoff]
        future = panel[(panel["ds"] > cutoff) & (panel["ds"] <= cutoff + pd.Timedelta(days=14))].drop(columns="y")
        alone = auto.clone().fit(train, freq="D").predict(14, future=future)
        window = result.predictions[result.predictions["cutoff"] == cutoff]
        merged = window.merge(alone, on=["unique_id", "ds"], suffixes=("", "_alone"))
        np.testing.assert_allclose(merged["auto"], merged["auto_alone"], rtol=1e-9)
    assert result.notes["auto"] and all("window" in n for n in result.notes["auto"])


def test_too_short_history_says_what_to_change(tiny_panel):
    with pytest.raises(DataValidationError, match=r"5 backtest windows of 30 periods need more history than the 120 "
                                                  r"periods in the data; use fewer folds \(--folds\) or a shorter"):
        backtest([get_model("naive")], tiny_panel, "D", BacktestConfig(horizon=30, folds=5))


def test_progress_counts_the_windows_the_user_asked_for_apart_from_the_calibration_ones(tiny_panel):
    messages = []
    backtest([get_model("naive")], tiny_panel, "D", BacktestConfig(horizon=7, folds=3, calibration_windows=2),
             progress=lambda share, message: messages.append(message))
    naive = [m for m in messages if m.startswith("naive:")]
    assert [m.split(" (cutoff")[0] for m in naive] == [
        "naive: interval calibration window 1 of 2", "naive: interval calibration window 2 of 2",
        "naive: scored window 1 of 3", "naive: scored window 2 of 3", "naive: scored window 3 of 3"]
