"""The API's answers without HTTP: a run trained with a plan keeps it as its default plan."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.evaluation.training import TrainingSpec, train
from forecasting.serve.service import BadRequest, ForecastService, NotFound
from forecasting.store import Store
from forecasting.store.runs import load_run, refit, save_run
from tests.conftest import synthetic_long

VALUES = ["yhat", "yhat_lo_80", "yhat_hi_80", "yhat_lo_95", "yhat_hi_95"]


@pytest.fixture(scope="module")
def planned(tmp_path_factory):
    frame = synthetic_long(n_skus=4, start="2024-01-01", end="2024-12-31")
    plan = pd.DataFrame({"unique_id": "SKU-001", "ds": pd.date_range("2025-01-01", periods=3),
                         "price": 5.0, "promo": 1.0})
    spec = TrainingSpec("ridge", horizon=7, folds=2)
    run = train(spec, frame, "D", future=plan)
    plain = train(spec, frame, "D")
    store = Store(str(tmp_path_factory.mktemp("service") / "studio.db"))
    save_run(store, run, frame, name="weekly", dataset_name="s.csv", future=plan)
    return store, run, plain


def test_a_run_trained_with_a_plan_refits_with_it_and_serves_it_by_default(planned):
    store, run, plain = planned
    sku1 = run.forecast["unique_id"].eq("SKU-001")
    assert not np.allclose(run.forecast.loc[sku1, "yhat"], plain.forecast.loc[sku1, "yhat"])  # the plan matters
    record = load_run(store, "weekly")
    # the whole plan the forecast assumed: the given rows, usual values elsewhere
    pd.testing.assert_frame_equal(record.future, run.plan.reset_index(drop=True), check_dtype=False)
    planned = record.future[record.future["unique_id"].eq("SKU-001")].head(3)
    assert planned["price"].tolist() == [5.0] * 3 and planned["promo"].tolist() == [1.0] * 3
    refit(record)  # checked against the saved forecast, made with the plan
    answer = pd.DataFrame(ForecastService(store).forecast("weekly")["forecast"])
    assert np.allclose(answer[VALUES].to_numpy(float), run.forecast[VALUES].to_numpy(float))


def test_a_what_if_changes_only_what_it_plans_on_top_of_the_runs_plan(planned):
    store, run, _ = planned
    service = ForecastService(store)
    future = [{"unique_id": "SKU-002", "ds": "2025-01-02", "price": 1.0, "promo": 1.0}]
    answer = pd.DataFrame(service.forecast("weekly", future=future)["forecast"])
    same = answer["unique_id"].ne("SKU-002").to_numpy()
    assert np.allclose(answer.loc[same, VALUES].to_numpy(float), run.forecast.loc[same, VALUES].to_numpy(float))
    assert not np.allclose(answer.loc[~same, "yhat"], run.forecast.loc[~same, "yhat"])


def test_errors_name_the_field(planned):
    service = ForecastService(planned[0])
    with pytest.raises(BadRequest) as caught:
        service.forecast("weekly", horizon=8)
    assert caught.value.loc == ("body", "horizon")
    with pytest.raises(NotFound, match="SKU-404"):
        service.forecast("weekly", unique_ids=["SKU-404"])


def test_warming_up_refits_every_champion_once(planned):
    service = ForecastService(planned[0])
    service.warm()
    [loaded] = service._runs.values()
    assert loaded.fitted is not None and loaded.record.summary.name == "weekly"
    fitted = loaded.fitted
    service.forecast("weekly", future=[{"unique_id": "SKU-002", "ds": "2025-01-02", "price": 1.0}])
    assert loaded.fitted is fitted  # the what-if used the warmed model
