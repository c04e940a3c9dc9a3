"""Alerts: what in the history and the forecast deserves a look, ranked by the money at stake.

Five kinds, each one row ``unique_id, kind, ds, severity, revenue_at_stake, message``:

- ``anomaly``: a past period far from its neighbours (the cleaning step's
  robust score of root sales against a rolling median; promotions and events
  need twice the score), in the last ``lookback_days``.
- ``demand_shift``: the forecast for the next weeks differs from the same
  weeks a year before (or from the last weeks, with less than a year of
  history) by more than ``shift_share`` and by more than noise. Promoted
  periods are left out of the reference: the forecast plans no promotion.
- ``bias_drift``: in the most recent backtest window the forecast ran
  consistently above or below actual sales (mean error over its standard
  error beyond ``bias_t``, and at least ``bias_share`` of actual sales): the
  bias of :func:`~forecasting.evaluation.metrics.latest_window_bias`, as on Review.
- ``stockout_risk``: the chance of running out before an order placed now
  arrives is at least ``risk_threshold`` (only where stock on hand is known).
- ``overstock``: stock on hand lasts more than ``overstock_days`` (idem).

Money at stake, for the risks ahead only (a past anomaly is reported apart
and has none): demand shift = the change in units x price; bias = units of bias over the next
window x price; stock-out = expected lost units x price; overstock = units
beyond ``overstock_days`` of demand x unit cost (capital tied up).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.cleaning import ROLLING_WINDOW, find_outliers, outlier_scores
from ..data.measure import Measure
from ..errors import ConfigError
from ..evaluation.metrics import BIAS_WINDOW, latest_window_bias
from ..evaluation.plans import usual_values
from ..schema import DS, PROMO, UID, Y, freq_family
from .inventory import InventoryPlan, known_prices, recommend_inventory
from .products import default_products, period_days

ALERT_COLUMNS = ["unique_id", "kind", "ds", "severity", "revenue_at_stake", "message", "category", "score"]
KINDS = ("anomaly", "demand_shift", "bias_drift", "stockout_risk", "overstock")
PAST_KINDS = ("anomaly",)  #: about the history: reported apart from the risks ahead, with no money at stake


@dataclass(frozen=True)
class AlertSettings:
    """Thresholds of the alerts; every one is shown on the page."""

    lookback_days: float | None = 90.0  # anomalies this recent; None: the whole history
    shift_share: float = 0.3
    shift_days: float = 28.0  # the stretch of forecast compared for a demand shift
    bias_t: float = 3.0
    bias_share: float = 0.15
    risk_threshold: float = 0.25
    overstock_days: float = 120.0

    def __post_init__(self) -> None:
        if self.lookback_days is not None and self.lookback_days <= 0:
            raise ConfigError(f"lookback must be above 0 days, got {self.lookback_days}")
        if not 0 < self.risk_threshold <= 1:
            raise ConfigError(f"stock-out risk threshold must be in (0, 1], got {self.risk_threshold}")
        for name in ("shift_share", "shift_days", "bias_t", "bias_share", "overstock_days"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"alert setting {name} must be above 0, got {getattr(self, name)}")


def find_alerts(
    df: pd.DataFrame,
    freq: str,
    run,
    products: pd.DataFrame | None = None,
    *,
    forecast: pd.DataFrame | None = None,
    plan: InventoryPlan | None = None,
    settings: AlertSettings = AlertSettings(),
    measure: Measure | None = None,
) -> pd.DataFrame:
    """Every alert of every kind, most money at stake first (see :data:`ALERT_COLUMNS`).

    A sales-value target without any known price has no inventory plan, so no stock alerts.
    """
    products = default_products(df, freq) if products is None else products
    forecast = run.forecast if forecast is None else forecast
    plannable = measure is None or not measure.is_money or not known_prices(products, df).empty
    if plan is None and plannable:
        plan = recommend_inventory(df, freq, run, products, forecast=forecast, measure=measure)
    price = products.set_index(UID)["price"]
    parts = [
        anomalies(df, freq, price, settings),
        demand_shifts(df, freq, forecast, price, settings),
        bias_drift(run, price, settings),
        stock_alerts(plan.table, freq, forecast, settings) if plan is not None else _frame([]),
    ]
    table = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) \
        else pd.DataFrame(columns=ALERT_COLUMNS)
    categories = products.set_index(UID)["category"]
    table["category"] = table[UID].map(categories)
    # Risks ahead first, most money at stake first; past anomalies after them, most unusual first.
    table = table.assign(_past=table["kind"].isin(PAST_KINDS), _score=table["score"].abs())
    table = table.sort_values(["_past", "revenue_at_stake", "_score"], ascending=[True, False, False],
                              kind="stable", na_position="last")
    return table[ALERT_COLUMNS].reset_index(drop=True)


def _severity(score, medium: float, high: float) -> np.ndarray:
    score = np.asarray(score, dtype="float64")
    return np.where(score >= high, "high", np.where(score >= medium, "medium", "low"))


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[c for c in ALERT_COLUMNS if c != "category"])


def anomalies(df: pd.DataFrame, freq: str, price: pd.Series, settings: AlertSettings) -> pd.DataFrame:
    """Past periods far from their neighbours (robust score of root sales), in the lookback window."""
    data = df.sort_values([UID, DS], kind="stable").reset_index(drop=True)
    flagged = find_outliers(data, freq) & data[Y].notna()
    if settings.lookback_days is not None:
        flagged &= data[DS] > data[DS].max() - pd.Timedelta(days=settings.lookback_days)
    if not flagged.any():
        return _frame([])
    scores = outlier_scores(data, freq)
    typical = data.groupby(UID, sort=False)[Y].transform(
        lambda s: s.rolling(ROLLING_WINDOW[freq_family(freq)], center=True, min_periods=1).median())
    rows = []
    for i in np.flatnonzero(flagged.to_numpy()):
        row = data.iloc[i]
        rows.append({UID: row[UID], "kind": "anomaly", DS: row[DS], "severity": _severity(scores.iloc[i], 9, 12)[()],
                     "revenue_at_stake": np.nan, "score": scores.iloc[i],  # past: nothing left at stake
                     "message": f"{row[Y]:,.0f} units on {row[DS]:%Y-%m-%d} against a usual {typical.iloc[i]:,.0f} "
                                f"(robust score {scores.iloc[i]:.1f}): check for a data error, a one-off order or an "
                                "event the forecast should know about"})
    return _frame(rows)


def demand_shifts(df: pd.DataFrame, freq: str, forecast: pd.DataFrame, price: pd.Series,
                  settings: AlertSettings) -> pd.DataFrame:
    """Series whose forecast for the next weeks differs from the same weeks a year ago (or the last weeks)."""
    periods = max(1, round(settings.shift_days / period_days(freq)))
    year = round(365.25 / period_days(freq))
    history = df.pivot_table(index=DS, columns=UID, values=Y, aggfunc="sum", dropna=False).sort_index()
    rarely_promoted = pd.Index([])
    if PROMO in df.columns:
        # A series whose usual plan has no promotion is forecast without one: compare it with last year's regular
        # periods only. One promoted as a rule (a discount almost every week) is forecast with its usual promotion,
        # so all its periods are the reference.
        usual = usual_values(df, freq)[PROMO]
        rarely_promoted = usual.index[usual.fillna(0) <= 0]
        promoted = df.pivot_table(index=DS, columns=UID, values=PROMO, aggfunc="max", dropna=False).sort_index()
        promoted = promoted.reindex_like(history).fillna(0) > 0
        promoted.loc[:, ~promoted.columns.isin(rarely_promoted)] = False
        history = history.where(~promoted)
    rows = []
    for uid, part in forecast.sort_values(DS).groupby(UID, sort=False):
        if uid not in history.columns:
            continue
        ahead = part.head(periods)
        past = history[uid].dropna()
        start = ahead[DS].iloc[0]
        last_year = past[(past.index >= start - pd.Timedelta(days=365)) &
                         (past.index < ahead[DS].iloc[-1] - pd.Timedelta(days=365) + pd.Timedelta(days=1))]
        if len(past) >= year + periods and len(last_year) >= periods * 0.5:
            reference = float(last_year.sum()) * periods / len(last_year)
            against = "the same weeks a year ago" + (" without promotions" if uid in rarely_promoted else "")
        else:
            reference, against = float(past.tail(periods).sum()), f"the last {periods} periods"
        expected = float(ahead["yhat"].sum())
        change = expected - reference
        noise = 3 * np.sqrt(reference + expected + 1)  # Poisson-like spread of two sums of counts
        share = change / reference if reference > 0 else np.inf
        if abs(change) < noise or abs(share) < settings.shift_share:
            continue
        rows.append({UID: uid, "kind": "demand_shift", DS: start,
                     "severity": _severity(abs(min(share, 10)), 0.5, 1.0)[()],
                     "revenue_at_stake": abs(change) * price.get(uid, np.nan), "score": float(share),
                     "message": f"forecast {expected:,.0f} units for the next {periods} periods, "
                                + (f"{share:+.0%} against {against} ({reference:,.0f})" if reference > 0
                                   else f"where {against} sold none")
                                + ": check that the change is real before acting on it"})
    return _frame(rows)


def bias_drift(run, price: pd.Series, settings: AlertSettings) -> pd.DataFrame:
    """Series whose forecast ran consistently high or low in the latest backtest window (the Review page's bias)."""
    stats = latest_window_bias(run.backtest.predictions, run.name)
    hits = stats[(stats["t"].abs() >= settings.bias_t) & (stats["bias"].abs() >= settings.bias_share)]
    rows = []
    for uid, row in hits.iterrows():
        direction = "above" if row["bias"] > 0 else "below"
        rows.append({UID: uid, "kind": "bias_drift", DS: row["last"],
                     "severity": _severity(abs(row["bias"]), 0.3, 0.5)[()],
                     "revenue_at_stake": abs(row["units"]) * price.get(uid, np.nan), "score": row["t"],
                     "message": f"in {BIAS_WINDOW} ({int(row['periods'])} periods) the forecast ran "
                                f"{abs(row['bias']):.0%} {direction} actual sales (t = {row['t']:.1f}): the level "
                                "has moved; retrain, or adjust the forecast on the Review page"})
    return _frame(rows)


def stock_alerts(table: pd.DataFrame, freq: str, forecast: pd.DataFrame, settings: AlertSettings) -> pd.DataFrame:
    """Stock-out risk within the lead time and overstock beyond the days-of-cover threshold, from the plan."""
    start = forecast[DS].min()
    rows = []
    for row in table.to_dict("records"):
        if row["stockout_risk"] >= settings.risk_threshold:
            when = row["stockout_date"] if pd.notna(row["stockout_date"]) else start
            rows.append({UID: row[UID], "kind": "stockout_risk", DS: when,
                         "severity": _severity(row["stockout_risk"], 0.5, 0.8)[()],
                         "revenue_at_stake": row["revenue_at_risk"], "score": row["stockout_risk"],
                         "message": f"{row['stockout_risk']:.0%} chance of running out within the "
                                    f"{_lead_time(row, freq)} ({row['inventory_position']:,.0f} units on "
                                    f"hand and on order against {row['lead_time_demand']:,.0f} expected); order "
                                    f"{row['order_qty']:,.0f} now"})
        if row["days_of_cover"] > settings.overstock_days:
            demand = _demand_over(forecast, row[UID], settings.overstock_days, freq)
            extra = max(row["on_hand"] - demand, 0.0)
            cover = "over two years" if np.isinf(row["days_of_cover"]) else f"{row['days_of_cover']:,.0f} days"
            rows.append({UID: row[UID], "kind": "overstock", DS: start,
                         "severity": _severity(row["days_of_cover"] / settings.overstock_days, 1.5, 3)[()],
                         "revenue_at_stake": extra * row["unit_cost"], "score": row["days_of_cover"],
                         "message": f"{row['on_hand']:,.0f} units on hand last {cover} at the forecast rate; about "
                                    f"{extra:,.0f} units are beyond {settings.overstock_days:g} days of demand: "
                                    "hold orders, consider a promotion"})
    return _frame(rows)


def _lead_time(row: dict, freq: str) -> str:
    """``14-day lead time``, with the whole periods it was rounded up to when periods are longer than a day."""
    text = f"{row['lead_time']:g}-day lead time"
    if freq_family(freq) == "D" or "lead_time_periods" not in row:
        return text
    unit = {"W": "week", "M": "month"}[freq_family(freq)]
    periods = int(row["lead_time_periods"])
    return f"{text} (rounded up to {periods} {unit}{'s' if periods > 1 else ''})"


def _demand_over(forecast: pd.DataFrame, uid: str, days: float, freq: str) -> float:
    """Forecast units over the next ``days`` (the horizon's mean rate beyond it)."""
    values = forecast.loc[forecast[UID] == uid].sort_values(DS)["yhat"].to_numpy(dtype="float64")
    periods = days / period_days(freq)
    whole = int(min(periods, len(values)))
    rest = periods - whole
    return float(values[:whole].sum() + rest * (values.mean() if len(values) else 0.0))
