"""Reconciliation: the formulas on worked examples, coherence to the cent, and the choice by backtest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from forecasting.analysis.hierarchy import level_view
from forecasting.analysis.reconcile import Hierarchy, reconcile, reconcile_run, shrunk_covariance
from forecasting.evaluation.training import TrainingSpec, train

# Total = A + B, A = a1 + a2, B = b1 (the smallest hierarchy with a category level).
S = np.array([[1, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1]], dtype=float)


def test_bottom_up_sums_and_top_down_splits_by_shares():
    base = np.array([[100.0], [70.0], [40.0], [30.0], [35.0], [38.0]])
    np.testing.assert_allclose(reconcile(base, S, "bottom_up")[:, 0], [30, 35, 38])
    np.testing.assert_allclose(reconcile(base, S, "top_down", shares=np.array([0.5, 0.3, 0.2]))[:, 0], [50, 30, 20])


def test_mint_with_identity_covariance_is_the_ols_projection_worked_by_hand():
    base = np.array([[100.0], [70.0], [40.0], [30.0], [35.0], [38.0]])
    bottom = reconcile(base, S, "mint_shrink", covariance=np.eye(6))
    # OLS: b = (S'S)^-1 S'y. S'S = [[3,2,1],[2,3,1],[1,1,3]] and S'y = [200, 205, 178] by hand.
    expected = np.linalg.solve(np.array([[3, 2, 1], [2, 3, 1], [1, 1, 3]], dtype=float), np.array([200, 205, 178.0]))
    np.testing.assert_allclose(bottom[:, 0], expected, rtol=1e-9)
    nodes = S @ bottom
    assert nodes[0, 0] == pytest.approx(nodes[1, 0] + nodes[2, 0]) and nodes[1, 0] == pytest.approx(nodes[3, 0] + nodes[4, 0])


def test_mint_weights_a_noisy_node_less():
    base = np.array([[100.0], [70.0], [40.0], [30.0], [35.0], [38.0]])
    quiet_total = np.diag([0.01, 1, 1, 1, 1, 1])  # the total's base forecast is almost exact
    bottom = reconcile(base, S, "mint_shrink", covariance=quiet_total)
    ols = reconcile(base, S, "mint_shrink", covariance=np.eye(6)).sum()
    assert abs(bottom.sum() - 100.0) < 0.1 < abs(ols - 100.0)  # the total stays near its trusted base


def test_shrinkage_matches_schafer_strimmer_by_hand():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    x[:, 1] += 0.8 * x[:, 0]
    cov = shrunk_covariance(x)
    t = len(x)
    z = (x - x.mean(0)) / x.std(0, ddof=1)
    w = np.einsum("ki,kj->kij", z, z)
    r = t / (t - 1) * w.mean(0)
    var = t / (t - 1) ** 3 * ((w - w.mean(0)) ** 2).sum(0)
    off = ~np.eye(3, dtype=bool)
    lam = np.clip(var[off].sum() / (r[off] ** 2).sum(), 0, 1)
    expected = np.where(off, (1 - lam) * r, 1) * np.outer(x.std(0, ddof=1), x.std(0, ddof=1))
    np.testing.assert_allclose(cov, expected, rtol=1e-10)
    np.testing.assert_allclose(np.diag(cov), x.var(0, ddof=1))  # variances are not shrunk
    assert 0 < abs(cov[0, 1]) < abs(np.cov(x.T)[0, 1])  # covariances are


def test_the_hierarchy_of_a_table_with_categories():
    frame = pd.DataFrame({"unique_id": ["b1", "a1", "a2"], "ds": pd.Timestamp("2025-01-01"), "y": 1.0,
                          "category": ["B", "A", "A"]})
    h = Hierarchy.of(frame)
    assert h.nodes == ["Total", "A", "B", "a1", "a2", "b1"]
    np.testing.assert_array_equal(h.summing(), S)


@pytest.mark.parametrize("method", ["bottom_up", "top_down", "mint_shrink", "auto"])
def test_a_reconciled_run_is_coherent_to_the_cent_at_every_level(panel, method):
    spec = TrainingSpec("seasonal_naive", horizon=7, folds=2)
    run = train(spec, panel, "D")
    result = reconcile_run(run, panel, method=method)
    assert result is not None and result.method in ("bottom_up", "top_down", "mint_shrink")
    new = result.run
    assert set(result.scores["level"]) >= {"total", "series"}
    assert {"base", "bottom_up", "top_down", "mint_shrink"} <= set(result.scores.columns)
    total = level_view(new, panel, "total", "Total").forecast["yhat"].to_numpy()
    by_category = sum(level_view(new, panel, "category", c).forecast["yhat"].to_numpy()
                      for c in panel["category"].unique())
    by_series = new.forecast.groupby("ds")["yhat"].sum().to_numpy()
    np.testing.assert_allclose(total, by_series, atol=0.005)
    np.testing.assert_allclose(by_category, by_series, atol=0.005)
    assert (new.forecast["yhat_lo_95"] <= new.forecast["yhat"] + 1e-9).all()
    assert (new.forecast["yhat"] <= new.forecast["yhat_hi_95"] + 1e-9).all()
    if result.method == "bottom_up":
        np.testing.assert_allclose(new.forecast["yhat"], run.forecast["yhat"])


def test_auto_chooses_the_method_with_the_lowest_mean_mase_over_levels(panel):
    run = train(TrainingSpec("naive", horizon=7, folds=3), panel, "D")
    result = reconcile_run(run, panel)
    methods = [c for c in result.scores.columns if c not in ("level", "base")]
    means = result.scores[methods].mean()
    assert result.method == means.idxmin()
    assert result.run.reconciled == result.method and result.run.level_scores is not None
