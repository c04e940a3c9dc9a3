"""Ridge regression on the float32 feature block without copying it: impute, standardise and solve in row chunks.

scikit-learn's ``ColumnTransformer(SimpleImputer + StandardScaler, OneHotEncoder)
-> Ridge`` pipeline gives the numbers this estimator reproduces, but it copies
the whole feature table several times on the way (the usable rows, the imputed
table, the scaled table, the float64 stack with the one-hot columns), which
at 2,000 daily series was 2.8 GB. Here the statistics are computed one column
at a time, and the normal equations are accumulated from chunks of rows, so
the peak is the block itself plus one chunk. The design matrix is the
pipeline's (imputed and scaled in float32, as it did); the pipeline then solved
in float32, this solves in float64, so coefficients of an ill-conditioned design
(several price columns) differ in the third or fourth digit while predictions
agree to ~1e-5 (``tests/models/test_ridge_lean.py``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import linalg

CHUNK_ROWS = 65_536
CATEGORY = "category"


class LeanRidge:
    """Median imputation, standard scaling, one-hot ``category``, ridge with an intercept (L2 penalty ``alpha``)."""

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    def fit(self, X: pd.DataFrame, y: np.ndarray | pd.Series, rows: np.ndarray | None = None) -> LeanRidge:
        """Fit on ``X`` (float columns; ``category`` holds codes) and target ``y``, on the ``rows`` mask if given."""
        self.numeric_ = [c for c in X.columns if c != CATEGORY]
        block = X.to_numpy(copy=False)  # a view of the float32 block (one dtype), not a copy
        positions, category = self._positions(X)
        index = np.flatnonzero(rows) if rows is not None else np.arange(len(X))
        target = np.asarray(y, dtype="float64")[index]
        self.median_, self.mean_, self.scale_ = self._statistics(block, positions, index)
        codes = block[index, category].astype("float64") if category is not None else None
        self.categories_ = np.unique(codes[~np.isnan(codes)]) if codes is not None else np.array([])
        width = len(self.numeric_) + len(self.categories_)
        chunks = [index[start:start + CHUNK_ROWS] for start in range(0, len(index), CHUNK_ROWS)]
        # Two passes, as Ridge with fit_intercept centres X and y before forming X'X: the column means first,
        # then the centred normal equations (forming them uncentred and subtracting loses digits that an
        # ill-conditioned design, such as several price columns, turns into visibly different coefficients).
        sums = np.zeros(width)
        for chunk in chunks:
            sums += self._design(block[chunk], positions, category).sum(axis=0)
        centre, target_mean = sums / len(index), float(target.mean())
        gram, moment = np.zeros((width, width)), np.zeros(width)
        start = 0
        for chunk in chunks:
            design = self._design(block[chunk], positions, category) - centre
            gram += design.T @ design
            moment += design.T @ (target[start:start + len(chunk)] - target_mean)
            start += len(chunk)
        self.coef_ = linalg.solve(gram + self.alpha * np.eye(width), moment, assume_a="pos")
        self.intercept_ = target_mean - centre @ self.coef_
        return self

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        block = X.to_numpy(copy=False)
        positions, category = self._positions(X)
        out = np.empty(len(X))
        for start in range(0, len(X), CHUNK_ROWS):
            part = slice(start, start + CHUNK_ROWS)
            out[part] = self._design(block[part], positions, category) @ self.coef_
        return out + self.intercept_

    def _positions(self, X: pd.DataFrame) -> tuple[list[int], int | None]:
        return [X.columns.get_loc(c) for c in self.numeric_], (X.columns.get_loc(CATEGORY) if CATEGORY in X.columns
                                                                 else None)

    def feature_names(self) -> list[str]:
        """Coefficient names: the numeric features, then ``category_<code>`` per one-hot column."""
        return [*self.numeric_, *(f"{CATEGORY}_{code}" for code in self.categories_)]

    def _statistics(self, block: np.ndarray, positions: list[int],
                    index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per column: the median of the known values (0 when there is none), then the mean and standard deviation
        after imputing it (a constant column gets scale 1), computed in float64 one column at a time."""
        width = len(positions)
        median, mean, scale = np.zeros(width), np.zeros(width), np.ones(width)
        for j, position in enumerate(positions):
            column = block[index, position].astype("float64")
            missing = np.isnan(column)
            median[j] = float(block.dtype.type(np.median(column[~missing]))) if not missing.all() else 0.0
            column[missing] = median[j]  # the imputed value as the block stores it
            mean[j] = column.mean()
            std = column.std()
            scale[j] = std if std > 10 * np.finfo("float64").eps * max(abs(mean[j]), 1.0) else 1.0
        return median, mean, scale

    def _design(self, rows: np.ndarray, positions: list[int], category: int | None) -> np.ndarray:
        """Standardised numeric columns and one-hot categories for a chunk of rows, in float64."""
        # Imputed and scaled in the block's own precision, as the pipeline's SimpleImputer and StandardScaler did
        # (in place on float32), so the design matrix and therefore the solution are the pipeline's.
        numeric = rows[:, positions].astype(rows.dtype, copy=True)
        missing = np.isnan(numeric)
        if missing.any():
            numeric[missing] = np.broadcast_to(self.median_.astype(rows.dtype), numeric.shape)[missing]
        numeric -= self.mean_  # in place: computed in float64, stored in the block's precision
        numeric /= self.scale_
        numeric = numeric.astype("float64", copy=False)
        if not len(self.categories_):
            return numeric
        codes = rows[:, category].astype("float64") if category is not None else np.full(len(rows), np.nan)
        onehot = (codes[:, None] == self.categories_[None, :]).astype("float64")  # unknown or missing: all zeros
        return np.hstack([numeric, onehot])
