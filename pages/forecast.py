"""Forecast page: the trained models' forecasts against the actuals, the future with its bands, and downloads.

Pick a trained model and a level (a series, a category or the total): the
chart shows the history, what the model forecast in each backtest window,
and the future with 80% and 95% bands. Below: the leaderboard against
seasonal naive, the error by step ahead, what the model relies on, the table,
and downloads (CSV, Excel, a self-contained HTML report). Forecasts include
the Review page's manual adjustments; the model's own value stays next to them.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from forecasting.analysis import hierarchy
from forecasting.analysis.diagnostics import error_by_step
from forecasting.analysis.explain import feature_importance
from forecasting.analysis.hierarchy import level_view
from forecasting.data.export import csv_bytes, excel_bytes, with_id_columns
from forecasting.data.frequency import PERIOD_NAMES
from forecasting.data.measure import Measure
from forecasting.evaluation.training import TrainedRun, compare_runs
from forecasting.plots import forecast as plots
from forecasting.plots.report import html_report
from forecasting.schema import freq_family
from ui import state
from ui.data_access import Loaded
from ui.plan_editor import plan_editor
from ui.widgets import lazy_tabs, level_picker

TABS = ["Leaderboard", "Future plan", "Error by step ahead", "What the model relies on", "Table and downloads", "Notes"]


def main() -> None:
    st.title("Forecast")
    run = state.require_run("Forecast")
    if run is None:
        return
    data: Loaded = state.loaded()
    frame = data.result.frame
    runs = state.trained_models()
    ids = list(runs)
    picked = st.selectbox("Model", ids, index=ids.index(run.run_id), key="forecast_model",
                          format_func=lambda run_id: runs[run_id].name,
                          help="The model the Review and decision pages use, too.")
    if picked != run.run_id:
        st.session_state[state.TRAIN_CHOSEN] = picked
        run = runs[picked]
    st.caption(state.why_chosen(run))
    planning = state.planning_forecast()
    _headline(run, planning, data.dataset.measure)
    level, name = level_picker(frame, "forecast")
    view = _view(data.key, run.run_id, level, name, planning, run, frame)
    figure = plots.forecast_figure(view, title=f"{name}: forecast and backtest", history_periods=_shown(run),
                                   levels=run.spec.levels, y_label=data.dataset.measure.label)
    st.plotly_chart(figure, width="stretch", key="forecast_chart")
    st.caption("Dotted: what the model forecast in each backtest window, made without seeing those periods. "
               "Bands: the range the actuals should fall in 80% and 95% of the time, sized by the model's own "
               "errors in the last backtest windows" + (" at this level." if level != "series" else "."))
    board, plan, steps, importance, table, notes = lazy_tabs(TABS, "forecast_tab")
    if board.open:
        with board:
            _leaderboard(list(runs.values()))
    if plan.open:
        with plan:
            plan_editor(run, data)
    if steps.open:
        with steps:
            _error_by_step(run)
    if importance.open:
        with importance:
            _importance(run, data)
    if table.open:
        with table:
            _downloads(run, planning, data, figure, name)
    if notes.open:
        with notes:
            st.markdown("\n".join(f"- {n}" for n in run.notes) if run.notes else "Nothing to note.")


@st.cache_data(max_entries=16, show_spinner=False)
def _view(data_key: str, stamp: str, level: str, name: str, planning: pd.DataFrame, _run: TrainedRun,
          _frame: pd.DataFrame):
    """The run summed to one level (cached: every tab click reruns the page)."""
    return level_view(_run, _frame, level, name, planning)


def _shown(run: TrainedRun) -> int:
    """History periods on the chart: the backtest windows and a few horizons before them."""
    return (run.spec.folds + 3) * run.spec.horizon


def _headline(run: TrainedRun, planning: pd.DataFrame, measure: Measure) -> None:
    score = run.score
    columns = st.columns(5)
    columns[0].metric("MASE", f"{score['mase']:.3f}", help="Below 1 beats a one-season-ago forecast.")
    columns[1].metric("Gain vs seasonal naive", f"{100 * score['mase_gain_vs_seasonal_naive']:+.1f}%")
    columns[2].metric("WAPE", f"{100 * score['wape']:.1f}%", help="Absolute errors as a share of units sold.")
    columns[3].metric("80% interval coverage", f"{100 * score['coverage_80']:.0f}%")
    total, model_total = planning["yhat"].sum(), planning["yhat_model"].sum()
    delta = f"{100 * (total / model_total - 1):+.1f}% adjusted" if model_total and abs(total - model_total) > 1e-9 \
        else None
    what = "Units" if not measure.is_money else "Sales value"
    value = f"{total:,.0f}" if not measure.is_money else measure.amount(total).removesuffix(" in sales")
    columns[4].metric(f"{what} over the next {run.spec.horizon} periods", value, delta=delta)


def _leaderboard(runs: list[TrainedRun]) -> None:
    board = compare_runs(runs)
    st.dataframe(board, hide_index=True, width="stretch", column_config={
        "mase": st.column_config.NumberColumn("MASE", format="%.3f"),
        "mase_gain_vs_seasonal_naive": st.column_config.NumberColumn("gain vs seasonal naive", format="percent"),
        "wape": st.column_config.NumberColumn("WAPE", format="percent"),
        "bias": st.column_config.NumberColumn("bias", format="percent"),
        "coverage_80": st.column_config.NumberColumn("80% coverage", format="percent"),
        "coverage_95": st.column_config.NumberColumn("95% coverage", format="percent"),
        "seconds": st.column_config.NumberColumn("seconds", format="%.1f"),
    })
    st.caption("Every model is scored on the same backtest windows as seasonal naive (the forecast that repeats "
               "last season); the gain is how much lower its MASE is. Train more models on the Train page to "
               "compare them here.")


def _error_by_step(run: TrainedRun) -> None:
    table = error_by_step(run.backtest.predictions, [run.name, "seasonal_naive"])
    unit = PERIOD_NAMES[freq_family(run.freq)]
    st.plotly_chart(plots.error_by_step_figure(table, unit=unit), width="stretch", key="forecast_steps")
    st.caption(f"WAPE of the backtest forecasts by how many {unit}s ahead they were made: errors usually grow "
               "with the distance; where the model's line meets seasonal naive's it stops adding value.")


@st.cache_data(max_entries=8, show_spinner="Measuring what the model relies on ...")
def _importance_of(data_key: str, model: str, seconds: float, _run: TrainedRun, _frame: pd.DataFrame):
    return feature_importance(_run.fitted, _frame, periods=min(_run.spec.horizon, 28))


def _importance(run: TrainedRun, data: Loaded) -> None:
    importance = _importance_of(data.key, run.name, run.seconds, run, data.result.frame)
    if importance is None:
        st.info(f"{run.name} does not build features (it models each series' own history), so there is no "
                "feature importance to show. Train ridge, random forest or gradient boosting to see one.")
        return
    st.plotly_chart(plots.importance_figure(importance), width="stretch", key="forecast_importance")
    st.caption("Share of the model's reliance on each input (the model's own importances, or how much the error "
               "grows when that input is shuffled).")


def _downloads(run: TrainedRun, planning: pd.DataFrame, data: Loaded, figure, name: str) -> None:
    table = with_id_columns(planning, data.dataset.mapping)
    st.dataframe(table, hide_index=True, width="stretch", height=300)
    stem = f"forecast_{run.name}_h{run.spec.horizon}"
    left, middle, right = st.columns(3)
    left.download_button("Forecast (CSV)", csv_bytes(table), f"{stem}.csv",
                         mime="text/csv", icon=":material/download:", key="forecast_csv")
    middle.download_button("Forecast, backtest and scores (Excel)", lambda: _workbook(run, table), f"{stem}.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                           icon=":material/table:", key="forecast_xlsx")
    right.download_button("Report for stakeholders (HTML)", lambda: _report(run, data, figure, name, table, planning),
                          f"{stem}_report.html", mime="text/html", icon=":material/description:",
                          key="forecast_report")
    st.caption("`yhat` is the forecast including manual adjustments from the Review page; `yhat_model` is the "
               "model's own. The report is one file with interactive charts that opens offline.")


def _workbook(run: TrainedRun, table: pd.DataFrame) -> bytes:
    settings = pd.DataFrame([{"setting": k, "value": str(v)} for k, v in run.spec.describe().items()])
    return excel_bytes({"forecast": table, "backtest": run.backtest.predictions,
                        "leaderboard": run.backtest.leaderboard, "settings": settings})


def _report(run: TrainedRun, data: Loaded, figure, name: str, table: pd.DataFrame, planning: pd.DataFrame) -> str:
    facts = data.facts()
    summary = {"data": facts["file"], "series": facts["series"], "history": f"{facts['start']:%Y-%m-%d} to "
               f"{facts['end']:%Y-%m-%d}", "frequency": facts["freq_name"], "model": run.name,
               "horizon": run.spec.horizon, "forecast": data.dataset.measure.amount(table["yhat"].sum())}
    steps = error_by_step(run.backtest.predictions, [run.name, "seasonal_naive"])
    total = _view(data.key, run.run_id, "total", hierarchy.TOTAL, planning, run, data.result.frame)
    figures = [("Total forecast", plots.forecast_figure(total, title="Total: forecast and backtest",
                                                        history_periods=_shown(run), levels=run.spec.levels,
                                                        y_label=data.dataset.measure.label))]
    if name != hierarchy.TOTAL:
        figures.append((name, figure))
    figures.append(("Error by step ahead", plots.error_by_step_figure(steps, unit=PERIOD_NAMES[freq_family(run.freq)])))
    by_series = table.groupby("unique_id", sort=True)[["yhat", "yhat_model"]].sum().reset_index()
    summary["measure"] = data.dataset.measure.label
    return html_report(f"Demand forecast: {facts['file']}", summary, compare_runs([run]), figures,
                       settings=run.spec.describe(), tables=[("Forecast units per series", by_series)],
                       notes=run.notes)


main()
