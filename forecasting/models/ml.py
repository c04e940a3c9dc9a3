"""Global models (LightGBM, scikit-learn): one model over all series, on lag, calendar, price and promotion features.

Multi-step forecasts are recursive: each step's forecast becomes the next
step's lag. Models are fitted on a fresh estimator every time (never a shared
template), so fitting never leaks state between folds.
"""

from __future__ import annotations

import copy
import dataclasses
import os

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestRegressor
from threadpoolctl import threadpool_limits

from ..errors import DataReadError
from ..schema import DS, UID, Y, freq_family
from .base import Forecaster, Param
from .early_stopping import GainStopping
from .features import FeatureBuilder, FeatureConfig, future_frame, recent_tail, recursive_forecast, training_table
from .linear import LeanRidge
from .registry import register

SCENARIO_TAG = "\x1f"  # joins a series id and a scenario number; never in a real id


def _tagged(frame: pd.DataFrame, scenario: int) -> pd.DataFrame:
    return frame.assign(**{UID: frame[UID].astype(str) + f"{SCENARIO_TAG}{scenario}"})


def _tagged_index(series: pd.Series, scenario: int) -> pd.Series:
    return series.rename(index=lambda uid: f"{uid}{SCENARIO_TAG}{scenario}")

RANDOM_STATE = 0


class GlobalFeatureModel(Forecaster):
    """Base of models that learn from the feature table built by :class:`FeatureBuilder`.

    Parameters
    ----------
    features
        Which features to build; defaults to :class:`FeatureConfig`'s defaults.
    **params
        The model's hyperparameters (see ``params``).
    """

    uses_exog = True
    is_global = True
    uses_features = True

    def __init__(self, *, features: FeatureConfig | None = None, **params) -> None:
        super().__init__(**params)
        self.features = features or FeatureConfig()

    def clone(self) -> GlobalFeatureModel:
        return type(self)(features=self.features, **self.get_params())

    def _fit(self, df: pd.DataFrame) -> None:
        self.builder_ = FeatureBuilder(self.features, self.freq_).fit(df)
        X, y, usable = training_table(self.builder_, df)
        self.columns_ = list(X.columns)
        self.estimator_ = self._estimator(pd.Index(self.columns_))
        # One OpenMP thread: on two cores it fits as fast as two, and it does not collapse when
        # another process (the app, a second backtest) competes for the cores.
        with threadpool_limits(limits=1, user_api="openmp"):
            if isinstance(self.estimator_, LeanRidge):  # takes the usable rows as a mask: no copy of the table
                self.estimator_.fit(X, y, usable)
            else:
                self.estimator_.fit(X.loc[usable], y[usable])
        self.tail_ = recent_tail(df, self.features, self.freq_)
        self.warnings_: list[str] = []

    def _predict(self, horizon, grid, future, levels):
        rows, notes = future_frame(self.tail_, grid, future)
        self.warnings_ = notes
        values = recursive_forecast(self.builder_, self.predict_features, self.tail_, rows, horizon)
        return grid.assign(**{self.name: values})

    def predict_many(self, horizon: int, futures: list[pd.DataFrame | None]) -> list[pd.DataFrame]:
        """All scenarios in one recursive pass: each scenario's series join as copies under tagged ids.

        A recursive step costs about the same for 48 rows as for 7 x 48, so seven
        price levels take little more than one forecast.
        """
        if len(futures) < 2:
            return super().predict_many(horizon, futures)
        stacked = copy.copy(self)
        stacked.tail_ = pd.concat([_tagged(self.tail_, i) for i in range(len(futures))], ignore_index=True)
        stacked.builder_ = copy.copy(self.builder_)
        stacked.builder_.level_ = pd.concat([_tagged_index(self.builder_.level_, i) for i in range(len(futures))])
        stacked.last_ds_ = pd.concat([_tagged_index(self.last_ds_, i) for i in range(len(futures))]).sort_index()
        stacked.series_ = stacked.last_ds_.index.to_numpy()
        planned = [_tagged(future, i) for i, future in enumerate(futures) if future is not None]
        out = stacked.predict(horizon, future=pd.concat(planned, ignore_index=True) if planned else None)
        parts = out[UID].astype(str).str.rsplit(SCENARIO_TAG, n=1, expand=True)
        return [out[parts[1] == str(i)].assign(**{UID: parts[0]}).reset_index(drop=True)
                for i in range(len(futures))]

    def predict_features(self, features: pd.DataFrame) -> np.ndarray:
        with threadpool_limits(limits=1, user_api="openmp"):  # a recursive step predicts a handful of rows
            return self.estimator_.predict(features[self.columns_])

    def _estimator(self, columns: pd.Index):
        raise NotImplementedError

    def native_importance(self) -> pd.Series | None:
        """The estimator's own importances (tree impurity, linear coefficients) by feature name, if it has them."""
        return None

    def feature_importance(self, df: pd.DataFrame, *, periods: int = 28, repeats: int = 3,
                           seed: int = 0) -> pd.Series:
        """Native importances, else permutation importance on the last ``periods`` of ``df`` (largest first)."""
        native = self.native_importance()
        return native if native is not None else self.permutation_importance(df, periods=periods, repeats=repeats,
                                                                               seed=seed)

    def permutation_importance(self, df: pd.DataFrame, *, periods: int, repeats: int, seed: int) -> pd.Series:
        """Mean increase of absolute error (on the model's target scale) when each feature is shuffled."""
        frame = df.sort_values([UID, DS]).reset_index(drop=True)
        features = self.builder_.transform(frame)
        target = self.builder_.target(frame[Y]).to_numpy()
        recent = (frame.groupby(UID, sort=False).cumcount(ascending=False) < periods).to_numpy()
        X, y = features[recent], target[recent]
        base = np.mean(np.abs(self.predict_features(X) - y))
        rng = np.random.default_rng(seed)
        scores = {}
        for column in X.columns:
            losses = []
            for _ in range(repeats):
                shuffled = X.copy()
                shuffled[column] = rng.permutation(shuffled[column].to_numpy())
                losses.append(np.mean(np.abs(self.predict_features(shuffled) - y)))
            scores[column] = max(float(np.mean(losses) - base), 0.0)
        return pd.Series(scores).sort_values(ascending=False)


@register
class RidgeModel(GlobalFeatureModel):
    name = "ridge"
    label = "Ridge regression (global)"
    family = "machine learning"
    description = "A linear model with L2 penalty over all series; fast and hard to overfit."
    params = (Param("alpha", "float", 1.0, 1e-4, 1e4, help="L2 penalty strength.", log=True),)

    def _estimator(self, columns):
        # scikit-learn's impute / scale / one-hot / Ridge pipeline, computed without copying the float32 block
        # (the pipeline made four float64 copies of it: 2.8 GB at 2,000 daily series).
        return LeanRidge(alpha=self.alpha)

    def predict_features(self, features: pd.DataFrame) -> np.ndarray:
        # No OpenMP here, so no threadpool limit: entering one inspects every loaded library (~20 ms), more than
        # the product itself at each recursive step. Columns are found by name: no copy of the selection.
        return self.estimator_.predict(features)

    def native_importance(self):
        return pd.Series(np.abs(self.estimator_.coef_), index=self.estimator_.feature_names()).sort_values(
            ascending=False)


@register
class RandomForestModel(GlobalFeatureModel):
    name = "random_forest"
    label = "Random forest (global)"
    family = "machine learning"
    description = "An average of many decision trees over all series."
    params = (
        Param("n_estimators", "int", 100, 10, 2000, help="Number of trees."),
        Param("max_depth", "int", 0, 0, 100, help="Deepest split; 0 means unlimited."),
        Param("min_samples_leaf", "int", 10, 1, 500, help="Fewest rows in a leaf; larger is smoother."),
        Param("max_features", "float", 0.3, 0.05, 1.0, help="Share of features tried at each split."),
    )

    def _estimator(self, columns):
        return RandomForestRegressor(
            n_estimators=self.n_estimators,
            max_depth=self.max_depth or None,
            min_samples_leaf=self.min_samples_leaf,
            max_features=self.max_features,
            n_jobs=-1,
            random_state=RANDOM_STATE,
        )

    def native_importance(self):
        return pd.Series(self.estimator_.feature_importances_, index=self.columns_).sort_values(
            ascending=False
        )


@register
class HistGradientBoostingModel(GlobalFeatureModel):
    name = "hist_gradient_boosting"
    label = "Histogram gradient boosting (scikit-learn, global)"
    family = "machine learning"
    description = "scikit-learn's histogram gradient-boosted trees over all series, on one thread."
    params = (
        Param("max_iter", "int", 300, 10, 5000, help="Boosting rounds."),
        Param("learning_rate", "float", 0.1, 0.001, 1.0, help="Step size of each round.", log=True),
        Param("max_leaf_nodes", "int", 31, 2, 512, help="Leaves per tree."),
        Param("min_samples_leaf", "int", 20, 1, 1000, help="Fewest rows in a leaf."),
        Param("l2_regularization", "float", 0.0, 0.0, 100.0, help="L2 penalty on leaf values."),
        Param("loss", "choice", "squared_error", choices=("squared_error", "absolute_error", "poisson"),
              help="squared_error for the mean, absolute_error for the median, poisson for counts."),
    )

    def _estimator(self, columns):
        return HistGradientBoostingRegressor(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            loss=self.loss,
            categorical_features=[c == "category" for c in columns],
            early_stopping=False,
            random_state=RANDOM_STATE,
        )


#: Held-out last periods that choose the number of boosting rounds, by frequency family.
VALIDATION_PERIODS = {"D": 28, "W": 8, "M": 3}
#: Held-out rows from which a panel is large (about 360 daily series): every round costs seconds there, so
#: ``min_gain`` stops early and trees sample 70% of the features. Below it rounds are cheap, and the held-out
#: error of a few series is too noisy to judge a 0.1% gain (7 weekly series hold out 56 rows); measured on the
#: shared datasets, the full-feature trees were also more accurate there (superstore MASE 0.853 against 0.888).
LARGE_PANEL_ROWS = 10_000


@register
class GradientBoostingModel(GlobalFeatureModel):
    """LightGBM over all series: all cores, rounds chosen on the last periods, saved as LightGBM's text model.

    With early stopping, the fit holds out the last ``validation_periods`` of
    the panel (time-ordered, never shuffled) and stops when their error has not
    improved for ``early_stopping_rounds`` rounds, or those rounds gained less
    than ``min_gain`` of the improvement so far, keeping the best round. With
    ``refit`` it then trains again on every row for that many rounds, so the
    held-out periods teach it too (twice the time). Poisson and Tweedie objectives model counts through a log
    link, so they learn demand on its own scale (the ``log1p`` target transform
    is not applied for them).
    """

    name = "gradient_boosting"
    label = "Gradient boosting (LightGBM, global)"
    family = "machine learning"
    description = "LightGBM gradient-boosted trees over all series, on every core; the M5 winners' tool."
    requires = ("lightgbm",)
    params = (
        Param("max_iter", "int", 500, 10, 5000, help="Most boosting rounds; early stopping usually ends sooner."),
        Param("learning_rate", "float", 0.1, 0.001, 1.0, help="Step size of each round.", log=True),
        Param("num_leaves", "int", 31, 2, 1024, help="Leaves per tree."),
        Param("min_child_samples", "int", 20, 1, 10000, help="Fewest rows in a leaf."),
        Param("reg_lambda", "float", 0.0, 0.0, 100.0, help="L2 penalty on leaf values."),
        Param("feature_fraction", "float", 0.0, 0.0, 1.0,
              help="Share of the features each tree may use (drawn per tree, seeded); 0 means 0.7 on large "
                   "panels (10,000 or more held-out rows), about 25% faster per round, and all of them below."),
        Param("objective", "choice", "l2", choices=("l2", "poisson", "tweedie"),
              help="l2 for the mean of log demand; poisson or tweedie for counts and intermittent demand."),
        Param("tweedie_variance_power", "float", 1.5, 1.01, 1.99,
              help="Tweedie only: near 1 behaves like Poisson, near 2 like Gamma (more zeros)."),
        Param("early_stopping_rounds", "int", 20, 0, 1000,
              help="Stop when the held-out periods have not improved for this many rounds; 0 trains every round."),
        Param("min_gain", "float", 0.001, 0.0, 0.5,
              help="On large panels (10,000 or more held-out rows), also stop when the last early-stopping "
                   "rounds gained less than this share of all the held-out improvement so far (0.001 = "
                   "0.1%); 0 waits until it stops improving at all."),
        Param("validation_periods", "int", 0, 0, 1000,
              help="Last periods held out to choose the rounds; 0 means 28 days, 8 weeks or 3 months."),
        Param("refit", "bool", False,
              help="After early stopping, train again on every period with the chosen rounds (about twice the "
                   "time); off, the stopped model is used, its lags still read the latest periods."),
        Param("n_jobs", "int", -1, -1, 512, help="Threads; -1 uses every core that is not busy (same trees)."),
    )

    def _feature_config(self) -> FeatureConfig:
        if self.objective == "l2":
            return self.features
        return dataclasses.replace(self.features, target_transform="none")

    def _lgb_params(self) -> dict:
        params = {
            "objective": self.objective, "learning_rate": self.learning_rate, "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples, "reg_lambda": self.reg_lambda,
            "num_threads": _threads(self.n_jobs), "seed": RANDOM_STATE, "deterministic": True,
            "force_col_wise": True, "verbosity": -1,
        }
        if self.objective == "tweedie":
            params["tweedie_variance_power"] = self.tweedie_variance_power
        return params

    def _fit(self, df: pd.DataFrame) -> None:
        import lightgbm as lgb  # noqa: PLC0415 - the app starts without loading it

        self.builder_ = FeatureBuilder(self._feature_config(), self.freq_).fit(df)
        X, y, usable = training_table(self.builder_, df)
        self.columns_ = list(X.columns)
        categorical = [i for i, c in enumerate(self.columns_) if c == "category"]
        # The float32 feature block is handed over without a copy and binned once; the rows a model learns
        # from are subsets of the binned table.
        full = lgb.Dataset(X.to_numpy(), label=y.to_numpy(dtype=np.float64), feature_name=self.columns_,
                           categorical_feature=categorical, params={"verbosity": -1, "max_bin": 255},
                           free_raw_data=True).construct()
        del X
        rows = np.flatnonzero(usable)
        held_out = self._validation_rows(df[DS].to_numpy()[rows])
        large = int(held_out.sum()) >= LARGE_PANEL_ROWS
        params = {**self._lgb_params(), "feature_fraction": self.feature_fraction or (0.7 if large else 1.0)}
        self.best_iteration_ = self.max_iter
        if self.early_stopping_rounds and held_out.any() and not held_out.all():
            probe = lgb.train(params, full.subset(rows[~held_out]), num_boost_round=self.max_iter,
                              valid_sets=[full.subset(rows[held_out])],
                              callbacks=[GainStopping(self.early_stopping_rounds, self.min_gain if large else 0.0)])
            self.best_iteration_ = max(int(probe.best_iteration or self.max_iter), 1)
            if self.refit:
                del probe
                self.booster_ = lgb.train(params, full.subset(rows), num_boost_round=self.best_iteration_)
            else:
                probe.free_dataset()
                self.booster_ = probe
                self.booster_.best_iteration = self.best_iteration_
        else:
            self.booster_ = lgb.train(params, full.subset(rows), num_boost_round=self.max_iter)
        self.tail_ = recent_tail(df, self.builder_.config, self.freq_)
        self.warnings_: list[str] = []

    def _validation_rows(self, ds: np.ndarray) -> np.ndarray:
        """Rows in the last ``validation_periods`` periods of the panel (a time-ordered split)."""
        periods = self.validation_periods or VALIDATION_PERIODS[freq_family(self.freq_)]
        boundary = pd.Timestamp(ds.max()) - periods * pd.tseries.frequencies.to_offset(self.freq_)
        return ds > np.datetime64(boundary)

    def predict_features(self, features: pd.DataFrame) -> np.ndarray:
        return self.booster_.predict(features[self.columns_].to_numpy(dtype=np.float32),
                                     num_threads=_threads(self.n_jobs))

    def native_importance(self):
        gain = self.booster_.feature_importance(importance_type="gain")
        total = gain.sum() or 1.0
        return pd.Series(gain / total, index=self.columns_).sort_values(ascending=False)

    # -- safe persistence: LightGBM's own text format, never a pickle --------------

    def model_text(self) -> str:
        """The fitted booster as LightGBM's text model."""
        return self.booster_.model_to_string()

    def restore(self, df: pd.DataFrame, freq: str, text: str) -> GradientBoostingModel:
        """A fitted model from its training table and :meth:`model_text`, without training again."""
        import lightgbm as lgb  # noqa: PLC0415

        frame = self.remember(df, freq)
        self.builder_ = FeatureBuilder(self._feature_config(), self.freq_).fit(frame)
        try:
            self.booster_ = lgb.Booster(model_str=text)
        except lgb.basic.LightGBMError as exc:
            raise DataReadError(f"the saved LightGBM text model cannot be read ({str(exc)[:120]}); "
                                "fit and save the model again") from None
        self.columns_ = list(self.booster_.feature_name())
        self.best_iteration_ = self.booster_.current_iteration()
        self.tail_ = recent_tail(frame, self.builder_.config, self.freq_)
        self.warnings_ = []
        self.fitted_ = True
        return self


def _threads(n_jobs: int) -> int:
    """Threads for LightGBM: ``n_jobs``, or for -1 every core not already busy.

    OpenMP threads wait on each other at every tree level; on a machine whose
    cores are taken by other processes two threads measured 17x slower than one.
    The trees do not depend on the thread count (column-wise, deterministic
    histograms; a test checks it), so this changes the time, never the numbers.
    """
    if n_jobs >= 1:
        return int(n_jobs)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    busy = int(os.getloadavg()[0]) if hasattr(os, "getloadavg") else 0
    return max(1, min(cores, cores - busy + 1))
