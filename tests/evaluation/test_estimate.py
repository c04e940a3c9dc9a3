"""The training-time estimate counts every fit the Train button will make."""

from __future__ import annotations

import pytest

from forecasting.evaluation.estimate import SECONDS_PER_100K_ROWS, describe_seconds, training_seconds
from forecasting.models.auto import DEFAULT_CANDIDATES
from forecasting.models.registry import available


def test_every_registered_model_but_auto_has_a_measured_rate():
    assert set(available()) - {"auto"} == set(SECONDS_PER_100K_ROWS)


def test_one_fit_per_window_plus_the_final_one_next_to_seasonal_naive():
    rate = SECONDS_PER_100K_ROWS
    fits = 3 + 2 + 1  # scored windows, calibration windows, the final fit
    assert training_seconds(["ets"], 200_000, 3) == pytest.approx(2 * fits * (rate["ets"] + rate["seasonal_naive"]))
    assert training_seconds(["ets"], 400_000, 3) == pytest.approx(2 * training_seconds(["ets"], 200_000, 3))
    auto = sum(rate[c] for c in DEFAULT_CANDIDATES) + rate["seasonal_naive"]
    assert training_seconds(["auto"], 100_000, 1) == pytest.approx(4 * auto)


@pytest.mark.parametrize(("seconds", "said"), [(0.2, "about 1 s"), (40, "about 40 s"), (180, "about 3 min"),
                                               (9000, "about 2.5 h")])
def test_the_estimate_is_said_in_the_unit_a_person_would_use(seconds, said):
    assert describe_seconds(seconds) == said


def test_a_small_table_still_costs_each_learning_model_its_set_up_per_fit():
    from forecasting.evaluation.estimate import MIN_SECONDS_PER_FIT

    assert training_seconds(["gradient_boosting"], 1_000, 3) >= 6 * MIN_SECONDS_PER_FIT
