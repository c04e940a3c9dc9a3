"""The Train and Forecast pages driven through AppTest on the bundled sample."""

from __future__ import annotations

from apptest_support import BAD_CSV, BAD_MESSAGE, chart_specs, start, texts, upload, with_run

from forecasting.evaluation.training import TrainingSpec, train
from forecasting.models.registry import available

TRAIN = "pages/train.py"
FORECAST = "pages/forecast.py"


def titles(at) -> list[str]:
    return [spec["layout"]["title"]["text"] for spec in chart_specs(at)]


def quick(at, models: list[str]):
    """Choose models, a short horizon and one backtest window, so the test trains in seconds."""
    at.multiselect(key="train_chosen_models").set_value(models).run()
    at.number_input(key="train_horizon_D").set_value(7).run()
    at.number_input(key="train_folds").set_value(1).run()
    return at


def test_training_the_default_model_fills_the_board_and_the_sidebar():
    at = start(page=TRAIN)
    assert at.multiselect(key="train_chosen_models").value == ["ridge"]
    assert "No model trained on this data yet" in texts(at)
    quick(at, ["ridge", "seasonal_naive"])
    at.button[0].click().run(timeout=180)
    assert not at.exception and not at.error
    board = at.dataframe[0].value
    assert {"ridge", "seasonal_naive", "seasonal_naive (baseline)"} <= set(board["model"])
    assert "ridge" in " ".join(m.value for m in at.sidebar.markdown)
    runs = {run.name: run for run in next(iter(at.session_state["train_models"].values())).values()}
    assert runs["ridge"].spec.horizon == 7 and len(runs["ridge"].forecast) == 48 * 7
    assert runs["ridge"].reconciled in ("bottom_up", "top_down", "mint_shrink")  # levels reconciled by default
    at.switch_page(FORECAST).run()
    assert "Coherent levels" in " ".join(h.value for h in at.subheader)
    at.switch_page(TRAIN).run()
    best = min(runs.values(), key=lambda run: run.score["mase"])
    assert at.session_state["train_chosen"] is None  # no choice made: the pages use the best backtest MASE
    assert at.selectbox(key="train_use_model").value == best.run_id
    assert f"{best.name} is in use: the lowest backtest MASE" in texts(at)


def test_model_settings_come_from_the_model_and_reach_the_run():
    at = start(page=TRAIN)
    quick(at, ["moving_average"])
    window = at.number_input(key="train_param_moving_average_window")
    declared = next(p for p in available()["moving_average"].params if p.name == "window")
    assert window.value == declared.default and window.max == declared.high and declared.help in window.help
    window.set_value(3).run()
    at.button[0].click().run(timeout=180)
    run = next(iter(next(iter(at.session_state["train_models"].values())).values()))
    assert run.spec.params == {"window": 3} and run.fitted.window == 3


def test_a_model_that_ignores_the_drivers_is_flagged_and_feature_choices_show_for_ml_models():
    at = start(page=TRAIN)
    at.multiselect(key="train_chosen_models").set_value(["ets"]).run()
    assert any("ignores the drivers price, promo" in w.value for w in at.warning)
    assert "train_feat_calendar" not in [c.key for c in at.checkbox]
    at.multiselect(key="train_chosen_models").set_value(["gradient_boosting"]).run()
    assert not at.warning and "train_feat_calendar" in [c.key for c in at.checkbox]


def test_the_forecast_page_asks_for_a_model_then_shows_it_by_level(sample_run):
    at = start(page=FORECAST)
    assert "Train a model first" in texts(at)
    with_run(at, sample_run).run()
    assert not at.exception and not at.error
    assert titles(at) == ["Total: forecast and backtest"]  # the leaderboard tab is open; others run when opened
    at.session_state["forecast_tab"] = "Error by step ahead"
    at.run()
    assert titles(at) == ["Total: forecast and backtest", "Error by step ahead"]
    at.session_state["forecast_tab"] = "What the model relies on"
    at.run()
    assert titles(at) == ["Total: forecast and backtest", "What the model relies on"]
    at.session_state["forecast_tab"] = "Table and downloads"
    at.run()
    assert [b.proto.label for b in at.get("download_button")] == [
        "Forecast (CSV)", "Forecast, backtest and scores (Excel)", "Report for stakeholders (HTML)"]
    at.radio(key="forecast_level").set_value("series").run()
    assert titles(at)[0] == "SKU-001: forecast and backtest"
    at.selectbox(key="forecast_series_series").set_value("SKU-017").run()
    assert titles(at)[0] == "SKU-017: forecast and backtest"


def test_switching_models_on_the_forecast_page_changes_what_every_page_uses(sample_run, sample_frame):
    frame, freq = sample_frame
    naive = train(TrainingSpec("naive", horizon=28, folds=2), frame, freq)
    at = with_run(start(page=FORECAST), sample_run, naive)
    at.run()
    mase = next(m.value for m in at.metric if m.label == "MASE")
    at.selectbox(key="forecast_model").set_value(naive.run_id).run()
    assert next(m.value for m in at.metric if m.label == "MASE") != mase
    assert at.session_state["train_chosen"] == naive.run_id


def test_a_bad_upload_keeps_the_trained_models_and_pages_working(sample_run):
    at = with_run(start(), sample_run)
    upload(at, "bad.csv", BAD_CSV)
    assert BAD_MESSAGE in " ".join(e.value for e in at.error)
    for page in (TRAIN, FORECAST):
        at.switch_page(page).run()
        assert not at.exception and not at.error
    assert titles(at)[0] == "Total: forecast and backtest"


def test_a_stopped_training_says_so_once():
    at = start(page=TRAIN, train_running="gradient_boosting")  # Stop interrupts the run that set this
    assert "Training stopped during gradient_boosting" in texts(at)
    at.run()
    assert "Training stopped" not in texts(at)


def test_a_model_worse_than_seasonal_naive_gets_a_hint(tiny_panel):
    naive = train(TrainingSpec("naive", horizon=7, folds=2), tiny_panel, "D")
    assert naive.score["mase_gain_vs_seasonal_naive"] < 0  # on a weekly pattern, yesterday loses to last week
    at = with_run(start(page=TRAIN), naive)
    at.run()
    assert any("naive forecast worse than seasonal naive" in w.value for w in at.warning)
    at.switch_page("pages/inventory.py").run()
    assert any("naive forecast worse than seasonal naive" in w.value for w in at.warning)


def test_the_model_in_use_is_the_best_backtest_not_the_first_trained_until_the_user_picks(tiny_panel):
    worse = train(TrainingSpec("naive", horizon=7, folds=2), tiny_panel, "D")
    better = train(TrainingSpec("seasonal_naive", horizon=7, folds=2), tiny_panel, "D")
    assert better.score["mase"] < worse.score["mase"]
    at = with_run(start(page=TRAIN), worse, better)  # the worse one was trained first
    at.run()
    assert at.selectbox(key="train_use_model").value == better.run_id
    assert "seasonal_naive is in use: the lowest backtest MASE" in texts(at)
    at.selectbox(key="train_use_model").set_value(worse.run_id).run()
    assert at.session_state["train_chosen"] == worse.run_id
    assert "naive is in use because you chose it." in texts(at)
    assert any("naive forecast worse than seasonal naive" in w.value for w in at.warning)


def test_the_future_plan_is_shown_edited_and_changes_the_forecast(sample_run):
    at = with_run(start(page=FORECAST), sample_run)
    at.session_state["forecast_tab"] = "Future plan"
    at.run()
    assert not at.exception and not at.error
    editor = next(d.value for d in at.dataframe if "promo" in d.value.columns)  # the cell editor
    assert len(editor) == len(sample_run.plan) and {"price", "promo"} <= set(editor.columns)
    assert not (sample_run.plan["promo"] > 0).any()  # the sample's flag: usually no promotion
    at.selectbox(key="plan_bulk_driver").set_value("promo")
    at.number_input(key="plan_bulk_value").set_value(1.0)
    next(b for b in at.button if b.proto.label == "Set").click().run()
    assert not at.exception
    at.button(key="plan_apply").click().run(timeout=180)
    assert not at.exception and not at.error
    runs = list(next(iter(at.session_state["train_models"].values())).values())
    assert len(runs) == 1 and runs[0].run_id != sample_run.run_id
    assert (runs[0].plan["promo"] == 1.0).all()
    assert runs[0].forecast["yhat"].sum() > 1.1 * sample_run.forecast["yhat"].sum()


def test_pressing_train_again_trains_only_what_changed():
    at = start(page=TRAIN)
    quick(at, ["seasonal_naive"])
    at.button[0].click().run(timeout=180)
    first = list(next(iter(at.session_state["train_models"].values())))
    at.button[0].click().run(timeout=180)
    assert "Already trained with these settings: seasonal_naive" in texts(at)
    assert list(next(iter(at.session_state["train_models"].values()))) == first  # nothing retrained
    at.number_input(key="train_horizon_D").set_value(14).run()
    at.button[0].click().run(timeout=180)
    runs = list(next(iter(at.session_state["train_models"].values())).values())
    assert [run.spec.horizon for run in runs] == [14]  # a changed setting trains again (and replaces)


def test_choosing_every_model_says_how_long_training_will_take_before_it_starts(sample_frame):
    from forecasting.evaluation.estimate import describe_seconds, training_seconds

    at = start(TRAIN)
    every = list(available())
    at.multiselect(key="train_chosen_models").set_value(every).run()
    expected = describe_seconds(training_seconds(every, len(sample_frame[0]), 3))
    assert f"Training {len(every)} models on {len(sample_frame[0]):,} rows takes {expected}" in texts(at)
    assert expected.endswith(("min", "h"))  # every model, the neural ones included: minutes, not seconds
