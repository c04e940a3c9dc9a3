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

from forecasting.analysis import adjustments as adj
from forecasting.analysis import hierarchy
from forecasting.analysis.adjustments import series_categories
from forecasting.analysis.diagnostics import error_by_step
from forecasting.analysis.explain import feature_importance
from forecasting.analysis.hierarchy import level_view
from forecasting.data.export import csv_bytes, excel_bytes, with_id_columns
from forecasting.data.frequency import PERIOD_NAMES
from forecasting.data.measure import Measure
from forecasting.evaluation.plans import describe_plan
from forecasting.evaluation.training import TrainedRun, compare_runs
from forecasting.glossary import readable
from forecasting.plots import forecast as plots
from forecasting.plots.report import ReportContent, stakeholder_report
from forecasting.schema import freq_family
from ui import state
from ui.data_access import Loaded
from ui.messages import md
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
            _level_scores(run)
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
            st.markdown("\n".join(f"- {md(n)}" for n in run.notes) if run.notes else "Nothing to note.")


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
    columns[4].metric(f"{what} over the next {run.spec.horizon} periods", measure.figure(total), delta=delta)


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


def _level_scores(run: TrainedRun) -> None:
    """MASE per level before and after reconciliation, when the run's levels were reconciled."""
    if run.level_scores is None:
        return
    st.subheader("Coherent levels")
    names = {"level": "level", "base": "each level's own model", "bottom_up": "series summed (bottom-up)",
             "top_down": "total split (top-down)", "mint_shrink": "MinT (shrinkage)"}
    table = run.level_scores.rename(columns=names)
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(c, format="%.3f") for c in table.columns[1:]})
    st.caption(f"Backtest MASE per level (lower is better). In use: {names[run.reconciled]}, the lowest mean over "
               "the levels; every level on this page is the sum of the reconciled series, so they add up.")


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
    st.dataframe(readable(table), hide_index=True, width="stretch", height=300)
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
    st.caption("The forecast includes the manual adjustments from the Review page; the model's forecast is the "
               "model's own (the CSV and Excel name them yhat and yhat_model). The report for stakeholders is one "
               "small file that opens offline.")


def _workbook(run: TrainedRun, table: pd.DataFrame) -> bytes:
    settings = pd.DataFrame([{"setting": k, "value": str(v)} for k, v in run.spec.describe().items()])
    return excel_bytes({"forecast": table, "backtest": run.backtest.predictions,
                        "leaderboard": run.backtest.leaderboard, "settings": settings})


def _report(run: TrainedRun, data: Loaded, figure, name: str, table: pd.DataFrame, planning: pd.DataFrame) -> str:
    facts = data.facts()
    frame, measure = data.result.frame, data.dataset.measure
    period = PERIOD_NAMES[freq_family(run.freq)]
    total = _view(data.key, run.run_id, "total", hierarchy.TOTAL, planning, run, frame)
    by_category = None
    if "category" in hierarchy.available_levels(frame):
        categories = series_categories(frame)
        by_category = (planning.assign(category=planning["unique_id"].map(categories))
                       .groupby("category", as_index=False)["yhat"].sum())
    adjusted = state.adjustments()
    content = ReportContent(
        title=f"Demand forecast: {facts['file']}", measure=measure, model=run.name, period_name=period,
        history=total.history.tail(_shown(run)), total=total.forecast, leaderboard=compare_runs(list(
            state.trained_models().values())), gain=float(run.score["mase_gain_vs_seasonal_naive"]),
        windows=f"{run.spec.folds} windows of {run.spec.horizon} {period}s", by_category=by_category,
        plan=describe_plan(run.plan, frame, run.freq),
        adjustments=[f"{a.describe()}: {a.reason}" for a in adj.from_table(adjusted)] if adjusted is not None
        else [],
        quality=[issue.message for issue in data.dataset.issues if issue.severity != "info"],
        notes=run.notes,
        facts={"Data": facts["file"], "Series": f"{facts['series']:,}",
               "History": f"{facts['start']:%d %b %Y} to {facts['end']:%d %b %Y}", "Periods": facts["freq_name"]})
    return stakeholder_report(content)


main()
