"""The lean ridge (``forecasting.models.linear``) equals the scikit-learn pipeline it replaced, on the sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from forecasting.models import get_model
from forecasting.models.features import FeatureBuilder, FeatureConfig, training_table
from forecasting.models.linear import LeanRidge


def reference_pipeline(columns: pd.Index, alpha: float):
    """The ridge estimator before issue #12 (impute and scale the numeric columns, one-hot the category)."""
    categorical = [c for c in ("category",) if c in columns]
    numeric = [c for c in columns if c not in categorical]
    transform = ColumnTransformer(
        [("numeric", make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True), StandardScaler()),
          numeric),
         ("category", OneHotEncoder(handle_unknown="ignore"), categorical)],
        sparse_threshold=0,
    )
    return make_pipeline(transform, Ridge(alpha=alpha))


def _table(sample: tuple[pd.DataFrame, str], config: FeatureConfig):
    frame = sample[0].sort_values(["unique_id", "ds"]).reset_index(drop=True)
    builder = FeatureBuilder(config, "D").fit(frame)
    return training_table(builder, frame)


def test_lean_ridge_equals_the_pipeline_on_the_sample(sample_frame):
    X, y, usable = _table(sample_frame, FeatureConfig())
    assert "category" in X.columns and X[usable].isna().any().any()  # both the one-hot and the imputation matter
    for alpha in (1.0, 30.0):
        old = reference_pipeline(X.columns, alpha).fit(X.loc[usable], y[usable])
        new = LeanRidge(alpha).fit(X, y, usable)
        np.testing.assert_allclose(new.coef_, old[-1].coef_, rtol=1e-4, atol=1e-6)
        rows = X.loc[usable].iloc[::7]
        expected = old.predict(rows)
        np.testing.assert_allclose(new.predict(rows), expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())
        names = [n.split("__", 1)[1] for n in old[0].get_feature_names_out()]
        assert new.feature_names() == names


def test_unknown_or_missing_category_gets_no_category_effect(sample_frame):
    X, y, usable = _table(sample_frame, FeatureConfig())
    old = reference_pipeline(X.columns, 1.0).fit(X.loc[usable], y[usable])
    new = LeanRidge(1.0).fit(X, y, usable)
    rows = X.loc[usable].iloc[:20].copy()
    rows["category"] = [-1.0, 99.0] * 10
    np.testing.assert_allclose(new.predict(rows), old.predict(rows), rtol=1e-5, atol=1e-5)


def test_ridge_model_forecasts_like_before(sample_frame):
    """The registered model keeps its forecasts (same features, same solution) and names its coefficients."""
    model = get_model("ridge").fit(sample_frame[0], freq=sample_frame[1])
    X, y, usable = _table(sample_frame, model.features)
    old = reference_pipeline(X.columns, model.alpha).fit(X.loc[usable], y[usable])
    forecast = model.predict(14)
    model.estimator_ = old  # the same recursive forecast through the old estimator
    expected = model.predict(14)
    np.testing.assert_allclose(forecast["ridge"], expected["ridge"], rtol=1e-4, atol=1e-3)
