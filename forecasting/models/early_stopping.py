"""Early stopping for LightGBM that also stops when the last rounds no longer pay for themselves.

LightGBM's own rule waits until the held-out error has not improved at all for
``rounds`` rounds. On a large panel the error keeps creeping down by
hundredths of a percent for hundreds of rounds, each round costing the same
(2,000 daily series at learning rate 0.1: round 145 is 0.5% above the best
squared error, found only at round 221). This rule stops when the last
``rounds`` rounds gained less than ``min_gain`` of everything gained since the
first round, which needs no knowledge of the metric's scale or offset (a
Poisson deviance can be negative). With ``min_gain=0`` it is LightGBM's rule.
"""

from __future__ import annotations

import numpy as np


class GainStopping:
    """A LightGBM callback: stop when ``rounds`` rounds gained at most ``min_gain`` of the total gain so far.

    Watches the first metric of the first validation set (lower is better) and
    keeps the best round, as ``lightgbm.early_stopping`` does.
    """

    order = 30  # where LightGBM runs its own early stopping
    before_iteration = False

    def __init__(self, rounds: int, min_gain: float) -> None:
        self.rounds = int(rounds)
        self.min_gain = float(min_gain)
        self.best: list[float] = []  # best error up to each round
        self.best_round = 0
        self.best_results: list = []
        self.first = np.nan

    def __call__(self, env) -> None:
        import lightgbm as lgb  # noqa: PLC0415 - the callback lives where lightgbm is already loaded

        result = env.evaluation_result_list[0]
        error = float(result[2])
        if not self.best:
            self.first = error
        if not self.best or error < self.best[-1]:
            self.best_round, self.best_results = env.iteration, list(env.evaluation_result_list)
        self.best.append(min(error, self.best[-1]) if self.best else error)
        if len(self.best) > self.rounds:
            recent_gain = self.best[-1 - self.rounds] - self.best[-1]
            total_gain = self.first - self.best[-1]
            if recent_gain <= self.min_gain * total_gain:
                raise lgb.callback.EarlyStopException(self.best_round, self.best_results)
        if env.iteration == env.end_iteration - 1:  # out of rounds: still keep the best one
            raise lgb.callback.EarlyStopException(self.best_round, self.best_results)
