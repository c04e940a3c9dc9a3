"""The future plan: drivers default to what is normal for each series, and implausible totals are flagged."""

from __future__ import annotations

import numpy as np
import pandas as pd

from forecasting.evaluation.forecast import make_forecast
from forecasting.evaluation.plans import complete_plan, default_plan, plausibility_note, usual_values
from forecasting.evaluation.training import TrainingSpec, train
from forecasting.models.features import FeatureConfig
from forecasting.models.registry import get_model


def discounted_weeks(n_series: int = 4, weeks: int = 120, seed: int = 5) -> pd.DataFrame:
    """Weekly demand 100 x (1 + 2 x discount) with a discount share that is never 0 (0.10..0.30), as in
    a weekly average of order-line discounts; truth of the next weeks at the usual discount is about 140."""
    rng = np.random.default_rng(seed)
    frames = []
    for i in range(n_series):
        ds = pd.date_range("2022-01-03", periods=weeks, freq="W-MON")
        discount = rng.uniform(0.10, 0.30, weeks)
        y = 100 * (1 + 2 * discount) + rng.normal(0, 3, weeks)
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": ds, "y": y, "promo": discount,
                                    "price": 10.0 * (1 - discount)}))
    return pd.concat(frames, ignore_index=True)


def test_usual_values_are_no_promotion_for_a_rare_flag_and_the_regular_price_despite_a_final_promotion():
    ds = pd.date_range("2024-01-01", periods=400, freq="D")
    flag = (np.arange(400) % 10 == 0).astype(float)  # on promotion one day in ten
    flag[-1] = 1.0
    price = np.where(flag == 1, 8.0, 10.0)
    df = pd.DataFrame({"unique_id": "a", "ds": ds, "y": 5.0, "promo": flag, "price": price})
    usual = usual_values(df, "D")
    assert usual.loc["a", "promo"] == 0.0
    assert usual.loc["a", "price"] == 10.0


def test_a_continuous_discount_defaults_to_its_typical_share_not_zero():
    df = discounted_weeks()
    plan = default_plan(df, "W-MON", 13)
    assert len(plan) == 4 * 13
    for uid, group in df.groupby("unique_id"):
        expected = group["promo"].tail(52).median()
        np.testing.assert_allclose(plan.loc[plan["unique_id"] == uid, "promo"], expected)
    assert plan["promo"].between(0.15, 0.25).all()


def test_the_users_plan_wins_where_given_and_usual_values_fill_the_rest():
    df = discounted_weeks()
    grid = default_plan(df, "W-MON", 13)
    given = grid[grid["unique_id"] == "s0"][["unique_id", "ds"]].assign(promo=0.5)
    plan, notes = complete_plan(df, "W-MON", 13, given)
    assert (plan.loc[plan["unique_id"] == "s0", "promo"] == 0.5).all()
    assert (plan.loc[plan["unique_id"] != "s0", "promo"] < 0.3).all()
    assert any("'promo' in 39 of 52" in note for note in notes)
    assert any("'price' in 52 of 52" in note for note in notes)


def test_a_forecast_without_a_plan_stays_at_the_usual_discount_level():
    df = discounted_weeks()
    model = get_model("ridge", features=FeatureConfig(lags=(1, 2), rolling_windows=(4,), holidays_country=None, events=False))
    result = make_forecast(model, df, "W-MON", 8)
    truth = 100 * (1 + 2 * result.plan["promo"].to_numpy())
    relative = abs(result.forecast["yhat"].sum() - truth.sum()) / truth.sum()
    assert relative < 0.1, relative
    assert not any("implausible" in n or "of repeating last season" in n for n in result.notes)


def test_training_keeps_the_plan_it_forecast_with():
    df = discounted_weeks()
    spec = TrainingSpec("ridge", horizon=8, folds=2,
                        features=FeatureConfig(lags=(1, 2), rolling_windows=(4,), holidays_country=None, events=False))
    run = train(spec, df, "W-MON")
    assert run.plan is not None and len(run.plan) == 4 * 8
    assert run.plan["promo"].between(0.1, 0.3).all()


def test_an_implausible_total_names_the_driver_planned_outside_the_history():
    df = discounted_weeks()
    plan = default_plan(df, "W-MON", 4).assign(promo=0.9)
    reference = plan[["unique_id", "ds"]].assign(yhat=140.0)
    far = reference.assign(yhat=400.0)
    note = plausibility_note(far, reference, df, plan)
    assert note is not None and "'promo' (4 series)" in note and "286%" in note
    assert plausibility_note(reference.assign(yhat=150.0), reference, df, plan) is None


def test_replanning_a_run_changes_the_forecast_without_retraining():
    from forecasting.evaluation.training import replan

    df = discounted_weeks()
    spec = TrainingSpec("ridge", horizon=8, folds=2,
                        features=FeatureConfig(lags=(1, 2), rolling_windows=(4,), holidays_country=None, events=False))
    run = train(spec, df, "W-MON")
    same = replan(run, df, run.plan)
    np.testing.assert_allclose(same.forecast["yhat"], run.forecast["yhat"])
    assert same.fitted is run.fitted and same.run_id != run.run_id
    deeper = replan(run, df, run.plan.assign(promo=0.3))
    assert deeper.forecast["yhat"].sum() > 1.05 * run.forecast["yhat"].sum()
    assert (deeper.plan["promo"] == 0.3).all()
