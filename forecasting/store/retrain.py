"""Scheduled retraining: refit a run's settings on new data, keep the better of challenger and champion.

The champion is the model serving now, fitted on data up to its training end
T0. The challenger is the same settings refitted on the new data. Both are
scored on the same latest windows, all after T0 so neither has seen them: the
challenger refitted at each window's cutoff (as a backtest does), the champion
forecasting from T0 as it would have been serving, with the actual drivers.
The challenger is saved as the run's next version either way and promoted only
when its MASE is not worse. A drift alert is recorded when the champion's
accuracy on the new periods is well below its backtest's, or when the sales
level moved. Any failure is recorded and leaves the champion serving.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import ConfigError, DataValidationError
from ..evaluation.backtest import predict_windows
from ..evaluation.crossval import window_cutoffs
from ..evaluation.metrics import CUTOFF, evaluate, summarise, training_scales
from ..evaluation.training import train
from ..schema import DS, SEASON_LENGTH, UID, ColumnMapping, Y, freq_family
from . import tables
from .database import Store
from .frames import now, plain
from .records import listed
from .runs import RunSummary, current_user, load_run, refit, save_run, set_champion

#: Alert when the champion's MASE on the new periods exceeds its backtest MASE by this factor.
DRIFT_RATIO = 1.5
#: Alert when mean sales in the new periods differ from the same span before by more than this share.
LEVEL_SHIFT = 0.5


@dataclass(frozen=True)
class RetrainResult:
    """What a retrain decided and why."""

    name: str
    champion: RunSummary
    challenger: RunSummary
    promoted: bool
    comparison: dict[str, Any]
    drift: list[str] = field(default_factory=list)


def retrain(store: Store, name: str, frame: pd.DataFrame, freq: str, *, dataset_name: str,
            mapping: ColumnMapping | None = None, options: dict | None = None,
            user: str | None = None) -> RetrainResult:
    """Retrain run ``name`` on ``frame`` (the prepared new data); see the module docstring."""
    user = user or current_user()
    champion = load_run(store, name)
    try:
        comparison, drift = compare(champion, frame, freq)
        challenger_run = train(champion.spec, frame, freq)
        promoted = not_worse(comparison)
        challenger = save_run(store, challenger_run, frame, name=name, dataset_name=dataset_name, mapping=mapping,
                              options=options, user=user, champion=False)
        if promoted:
            set_champion(store, name, challenger.version)
            challenger = RunSummary(**{**challenger.as_json(), "champion": True})
    except Exception as exc:
        _record(store, name, champion.summary.id, None, "failed", {}, [], f"{type(exc).__name__}: {exc}", user)
        raise
    status = "promoted" if promoted else "kept"
    message = (f"challenger version {challenger.version} MASE {_text(comparison['challenger_mase'])} vs champion "
               f"version {champion.summary.version} MASE {_text(comparison['champion_mase'])} on "
               f"{comparison['windows']} window(s) of {comparison['horizon']}: {status}")
    _record(store, name, champion.summary.id, challenger.id, status, comparison, drift, message, user)
    return RetrainResult(name, champion.summary, challenger, promoted, comparison, drift)


def compare(champion, frame: pd.DataFrame, freq: str) -> tuple[dict[str, Any], list[str]]:
    """Champion and challenger scored on the same latest windows after the champion's training end."""
    summary = champion.summary
    if freq_family(freq) != freq_family(summary.freq):
        raise ConfigError(f"the new data is at frequency {freq!r} but run {summary.name!r} was trained at "
                          f"{summary.freq!r}", fix="resample the data to the run's frequency ({freq})")
    trained_to = champion.frame[DS].max()
    new = frame[frame[DS] > trained_to]
    periods = int(new[DS].nunique())
    if periods == 0:
        raise DataValidationError(f"the data ends on {frame[DS].max():%Y-%m-%d}, with no periods after the run's "
                                  f"training end {trained_to:%Y-%m-%d}", fix="retrain once new sales are in the file")
    unknown = sorted(set(frame[UID]) - set(champion.frame[UID]))
    known_frame = frame[~frame[UID].isin(unknown)]  # new series have no champion forecast to compare
    spec = champion.spec
    horizon = min(spec.horizon, periods)
    windows = max(1, min(spec.folds, periods // spec.horizon))
    cutoffs = window_cutoffs(known_frame, freq, horizon, windows)
    scales = training_scales(known_frame, cutoffs, SEASON_LENGTH[freq_family(freq)])
    challenger_model = spec.build()
    predictions, _, _ = predict_windows([challenger_model], known_frame, freq, horizon, cutoffs, scales, levels=())
    fitted = refit(champion)
    drivers = new[new[UID].isin(champion.frame[UID].unique())].drop(columns=[Y])
    steps = len(pd.date_range(trained_to, frame[DS].max(), freq=summary.freq)) - 1
    served = fitted.predict(max(steps, 1), future=drivers)[[UID, DS, fitted.name]]
    table = predictions[[UID, DS, CUTOFF, Y, challenger_model.name]].rename(
        columns={challenger_model.name: "challenger"}).merge(
        served.rename(columns={fitted.name: "champion"}), on=[UID, DS], how="left")
    board = summarise(evaluate(table, ["champion", "challenger"], scales, levels=())).set_index("model")
    comparison = {
        "windows": len(cutoffs), "horizon": horizon, "cutoffs": [f"{c:%Y-%m-%d}" for c in cutoffs],
        "trained_to": f"{trained_to:%Y-%m-%d}", "new_periods": periods, "new_series": unknown[:20],
        "champion_mase": plain(board.loc["champion", "mase"]), "challenger_mase": plain(board.loc["challenger", "mase"]),
        "champion_wape": plain(board.loc["champion", "wape"]), "challenger_wape": plain(board.loc["challenger", "wape"]),
        "champion_backtest_mase": plain(champion.metrics.get("mase")),
    }
    return comparison, drift_alerts(comparison, champion.frame, new, trained_to)


def not_worse(comparison: dict[str, Any]) -> bool:
    """The challenger's MASE is at most the champion's (WAPE when a MASE is undefined: flat histories)."""
    metric = "mase" if None not in (comparison.get("champion_mase"), comparison.get("challenger_mase")) else "wape"
    champion, challenger = comparison.get(f"champion_{metric}"), comparison.get(f"challenger_{metric}")
    return champion is not None and challenger is not None and challenger <= champion + 1e-12


def drift_alerts(comparison: dict[str, Any], history: pd.DataFrame, new: pd.DataFrame,
                 trained_to: pd.Timestamp) -> list[str]:
    """Why the world may have moved since the champion was trained (empty when nothing did)."""
    alerts = []
    backtest = comparison.get("champion_backtest_mase")
    live = comparison["champion_mase"]
    if backtest and live is not None and live > DRIFT_RATIO * backtest:
        alerts.append(f"accuracy drift: the champion's MASE on the latest periods is {live:.2f}, "
                      f"{live / backtest:.1f}x its backtest MASE {backtest:.2f}")
    span = new[DS].max() - trained_to
    before = history[history[DS] > trained_to - span]
    if len(before) and before[Y].mean() > 0:
        change = new[Y].mean() / before[Y].mean() - 1
        if abs(change) > LEVEL_SHIFT:
            alerts.append(f"level shift: mean sales per period moved {change:+.0%} against the same span before "
                          f"{trained_to:%Y-%m-%d}")
    return alerts


def _text(value) -> str:
    return "undefined" if value is None else f"{value:.3f}"


def _record(store: Store, name: str, champion_id: str | None, challenger_id: str | None, status: str,
            comparison: dict, drift: list[str], message: str, user: str) -> None:
    with store.write() as connection:
        connection.execute(tables.retrains.insert().values(
            name=name, champion_id=champion_id, challenger_id=challenger_id, status=status, comparison=comparison,
            drift=drift, message=message[:2000], created_at=now(), created_by=user))


def retrain_history(store: Store, name: str | None = None) -> list[dict[str, Any]]:
    """Every retrain of ``name`` (or of all runs), oldest first."""
    return listed(store, tables.retrains, name=name)
