"""GainStopping: LightGBM's early stopping, plus a stop when the last rounds gain almost nothing."""

from __future__ import annotations

from types import SimpleNamespace

import lightgbm as lgb
import numpy as np
import pytest

from forecasting.models import get_model, ml
from forecasting.models.early_stopping import GainStopping


def _stopped_at(errors, rounds: int, min_gain: float, end: int = 1000) -> tuple[int, int] | None:
    """(round stopped after, best round), both 0-based, feeding ``errors`` one round at a time; None if it ran on."""
    callback = GainStopping(rounds, min_gain)
    for iteration, error in enumerate(errors):
        env = SimpleNamespace(iteration=iteration, end_iteration=end,
                              evaluation_result_list=[("valid_0", "l2", error, False)])
        try:
            callback(env)
        except lgb.callback.EarlyStopException as stop:
            return iteration, stop.best_iteration
    return None


def test_zero_min_gain_is_lightgbms_patience_rule():
    errors = [5.0, 4.0, 3.0, 3.5, 3.2, 3.1, 3.4, 9.0]
    assert _stopped_at(errors, rounds=3, min_gain=0.0) == (5, 2)  # three rounds without a new best; round 2 kept
    assert _stopped_at(errors[:5], rounds=3, min_gain=0.0) is None


def test_stops_once_the_recent_rounds_gain_a_small_share_of_the_total():
    # Errors approach 1 geometrically: the gain of the last 10 rounds shrinks against the gain since round 0.
    errors = 1 + 4 * 0.9 ** np.arange(400)
    stopped, best = _stopped_at(errors, rounds=10, min_gain=0.01)
    recent, total = errors[stopped - 10] - errors[stopped], errors[0] - errors[stopped]
    assert recent <= 0.01 * total < errors[stopped - 11] - errors[stopped - 1]  # the first round the rule holds
    assert best == stopped  # still improving: the last round is the best
    assert _stopped_at(errors[:150], rounds=10, min_gain=0.0) is None  # the classic rule would run every round


def test_keeps_the_best_round_when_rounds_run_out():
    errors = [3.0, 2.0, 1.0, 1.5]
    assert _stopped_at(errors, rounds=10, min_gain=0.0, end=len(errors)) == (3, 2)


def test_gradient_boosting_stops_sooner_and_loses_little_on_seeded_demand(panel, monkeypatch):
    """With the rule on, it ends before the classic rule with nearly its held-out error (the generated shop)."""
    monkeypatch.setattr(ml, "LARGE_PANEL_ROWS", 0)  # the 8-series panel holds out 224 rows, below the default
    classic = get_model("gradient_boosting", min_gain=0.0, n_jobs=1, learning_rate=0.02).fit(panel, freq="D")
    gain = get_model("gradient_boosting", min_gain=0.005, n_jobs=1, learning_rate=0.02).fit(panel, freq="D")
    assert gain.best_iteration_ < classic.best_iteration_  # measured: 130 against 159
    classic_error = classic.booster_.best_score["valid_0"]["l2"]
    gain_error = gain.booster_.best_score["valid_0"]["l2"]
    assert classic_error <= gain_error <= 1.02 * classic_error


def test_small_panels_keep_the_classic_rule(panel):
    """A few hundred held-out rows are too noisy to judge small gains: min_gain does not apply."""
    classic = get_model("gradient_boosting", min_gain=0.0, n_jobs=1, learning_rate=0.02).fit(panel, freq="D")
    gain = get_model("gradient_boosting", min_gain=0.005, n_jobs=1, learning_rate=0.02).fit(panel, freq="D")
    assert gain.best_iteration_ == classic.best_iteration_


@pytest.mark.parametrize("objective", ["poisson", "tweedie"])
def test_works_with_count_objectives_whose_metric_can_be_negative(tiny_panel, objective):
    model = get_model("gradient_boosting", objective=objective, min_gain=0.01, n_jobs=1).fit(tiny_panel, freq="D")
    assert 1 <= model.best_iteration_ < 500
