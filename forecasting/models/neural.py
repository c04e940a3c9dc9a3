"""Global neural models on Keras 3: an MLP on the feature table, an LSTM and a small Transformer on sequences.

TensorFlow is imported only inside :meth:`fit` (through :func:`import_keras`),
so importing this module, listing models or loading data never pays the
seconds TensorFlow takes to load.

All three models are global (one network over all series), seeded with
``keras.utils.set_random_seed`` so a refit with the same ``seed`` gives the
same forecast, and stop early on a time-ordered validation split: the last
``validation_share`` of each series' periods, never shuffled across time; the
weights of the best validation epoch are kept. Multi-step forecasts are
recursive: each step's forecast becomes the next step's past demand.

A UI can follow and stop training with the ``callbacks`` keyword: a callable
``on_epoch(epoch, epochs, logs)`` (or a list of them) called after every
epoch (``epoch`` counts from 1); returning ``True`` stops training.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataValidationError
from ..schema import CATEGORY, DS, UID, Y, freq_family
from .base import Forecaster, Param
from .features import PRICE_MEMORY, FeatureBuilder, FeatureConfig, future_frame, recent_tail, training_table
from .ml import GlobalFeatureModel
from .registry import register

#: ``on_epoch(epoch, epochs, logs) -> bool | None``; ``True`` stops training.
EpochHook = Callable[[int, int, dict], bool | None]

#: Sequence length used when ``window`` is 0: four weeks of days, a quarter of weeks, a year of months.
DEFAULT_WINDOW = {"D": 28, "W": 13, "M": 12}

#: Floor of the per-series scale of the (log) target, so a nearly constant series does not blow up noise.
MIN_SCALE = 0.1


def import_keras():
    """Import Keras (and TensorFlow under it) quietly; call only when a network is really needed."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # oneDNN reorders float sums: runs would differ slightly
    import keras  # noqa: PLC0415 - deferred on purpose: TensorFlow takes seconds to load

    return keras


def time_ordered_split(df: pd.DataFrame, share: float) -> np.ndarray:
    """Rows in the last ``share`` of each series' periods (the validation part).

    Parameters
    ----------
    df
        Long table with ``unique_id`` and ``ds``, in any row order.
    share
        Fraction of each series' periods to hold out, rounded down per
        series (a series of fewer than ``1 / share`` periods keeps all its rows
        for training).

    Returns
    -------
    Boolean mask aligned with ``df``: True for validation rows.
    """
    groups = df.groupby(UID, sort=False)[DS]
    position = groups.rank(method="first").to_numpy() - 1
    size = groups.transform("size").to_numpy()
    return position >= size - np.floor(share * size)


# -- shared parameters ----------------------------------------------------------


def _common_params(*, units: int, layers: int, layers_high: int, dropout: float, batch_size: int,
                   learning_rate: float, batch_help: str) -> tuple[Param, ...]:
    return (
        Param("units", "int", units, 4, 512, help="Width of each hidden layer."),
        Param("layers", "int", layers, 1, layers_high, help="Number of hidden layers (blocks)."),
        Param("dropout", "float", dropout, 0.0, 0.8, help="Share of activations dropped while training."),
        Param("l2", "float", 1e-6, 1e-9, 1e-1, help="L2 penalty on the weights.", log=True),
        Param("learning_rate", "float", learning_rate, 1e-5, 1e-1, help="Step size of the Adam optimizer.", log=True),
        Param("batch_size", "int", batch_size, 8, 8192, help=batch_help),
        Param("epochs", "int", 30, 1, 1000, help="Most passes over the training data."),
        Param("patience", "int", 5, 1, 100, help="Epochs without a better validation loss before stopping."),
        Param("validation_share", "float", 0.1, 0.0, 0.5,
              help="Last share of each series' periods used to stop early; 0 trains all epochs."),
    )


#: A sequence of window + 1 periods holds that many targets, so batches of sequences are smaller.
SEQUENCE_TRAINING = {"batch_size": 256, "learning_rate": 3e-3,
                     "batch_help": "Sequences (of window + 1 periods) per gradient step."}
SEED = Param("seed", "int", 0, 0, 2**31 - 1, help="Random seed; the same seed gives the same forecast.")
WINDOW = Param("window", "int", 0, 0, 400, help="Past periods the network sees; 0 picks one for the frequency.")


# -- feature scaling (no Keras) -------------------------------------------------------


@dataclass
class Standardizer:
    """Standardizes a feature frame with training means and deviations; ``category`` becomes one-hot.

    Missing values become 0 after standardizing, that is the training mean.
    """

    columns: list[str]
    mean: np.ndarray
    std: np.ndarray
    n_categories: int = 0

    @classmethod
    def fit(cls, X: pd.DataFrame, n_categories: int = 0) -> Standardizer:
        columns = [c for c in X.columns if not (c == CATEGORY and n_categories)]
        values = X[columns].to_numpy(dtype="float64")
        with np.errstate(invalid="ignore", divide="ignore"):
            seen = ~np.isnan(values)
            count = seen.sum(axis=0)
            mean = np.where(count > 0, np.nansum(values, axis=0) / np.maximum(count, 1), 0.0)
            std = np.sqrt(np.nansum((values - mean) ** 2, axis=0) / np.maximum(count, 1))
        std = np.where(std > 1e-12, std, 1.0)  # constant or empty columns pass through centred
        return cls(columns, mean, std, n_categories)

    @property
    def width(self) -> int:
        return len(self.columns) + self.n_categories

    def transform(self, X: pd.DataFrame) -> np.ndarray:
        out = (X[self.columns].to_numpy(dtype="float64") - self.mean) / self.std
        out[np.isnan(out)] = 0.0
        if self.n_categories:
            codes = X[CATEGORY].to_numpy()
            onehot = codes[:, None] == np.arange(self.n_categories)  # unknown (-1) or missing is all zeros
            out = np.concatenate([out, onehot], axis=1)
        return out.astype("float32")


# -- Keras plumbing (everything below imports Keras lazily) --------------------------------


def _batches(keras, gather: Callable[[np.ndarray], tuple], rows: np.ndarray, batch_size: int,
             seed: int | None, per_epoch: int | None = None):
    """A ``PyDataset`` of ``gather(row_indices)`` batches.

    With a ``seed`` the rows are reshuffled every epoch and an epoch takes the
    first ``per_epoch`` of them (all by default). Batches are gathered on
    demand, so the sequence models never hold every window of the panel in
    memory; one worker keeps the order, hence the result, reproducible.
    """
    size = len(rows) if per_epoch is None else min(per_epoch, len(rows))

    class Batches(keras.utils.PyDataset):
        def __init__(self) -> None:
            super().__init__(workers=1, use_multiprocessing=False)
            self.order = np.array(rows, copy=True)
            self.rng = np.random.default_rng(seed) if seed is not None else None
            self.on_epoch_end()

        def __len__(self) -> int:
            return math.ceil(size / batch_size)

        def __getitem__(self, i: int):
            return gather(self.order[i * batch_size:min((i + 1) * batch_size, size)])

        def on_epoch_end(self) -> None:
            if self.rng is not None:
                self.rng.shuffle(self.order)

    return Batches()


def _hook_callback(keras, hooks: list[EpochHook], epochs: int):
    """A Keras callback that reports each epoch to ``hooks`` and stops when one returns True."""

    class EpochHooks(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            clean = {k: float(v) for k, v in (logs or {}).items()}
            answers = [hook(epoch + 1, epochs, dict(clean)) for hook in hooks]  # every hook hears every epoch
            if any(answers):
                self.model.stop_training = True

    return EpochHooks()


def _as_hooks(callbacks: EpochHook | Iterable[EpochHook] | None) -> list[EpochHook]:
    if callbacks is None:
        return []
    if callable(callbacks):
        return [callbacks]
    return list(callbacks)


class KerasTraining:
    """Mixin: hyperparameter plumbing, the epoch hook and the training loop shared by the neural models.

    Parameters
    ----------
    features
        Which features to build; defaults to :class:`FeatureConfig`'s defaults.
    callbacks
        ``on_epoch(epoch, epochs, logs) -> bool | None`` or a list of them,
        called after each epoch (from 1) with the epoch's ``loss`` and
        ``val_loss``; returning ``True`` stops training (the best weights so
        far are kept). Not a hyperparameter: :meth:`clone` carries it along.
    **params
        The model's hyperparameters (see ``params``).
    """

    family = "neural"
    requires = ("tensorflow",)
    uses_exog = True
    is_global = True
    uses_features = True
    reports_epochs = True

    def __init__(self, *, features: FeatureConfig | None = None,
                 callbacks: EpochHook | Iterable[EpochHook] | None = None, **params: Any) -> None:
        super().__init__(**params)
        self.features = features or FeatureConfig()
        self.callbacks = callbacks

    def clone(self) -> Forecaster:
        return type(self)(features=self.features, callbacks=self.callbacks, **self.get_params())

    def _start(self):
        """Import Keras and seed every random generator it uses."""
        keras = import_keras()
        keras.utils.set_random_seed(self.seed)
        return keras

    def _regularizer(self, keras):
        return keras.regularizers.L2(self.l2) if self.l2 > 0 else None

    def _train(self, keras, model, train: tuple[Callable[[np.ndarray], tuple], np.ndarray],
               valid: tuple[Callable[[np.ndarray], tuple], np.ndarray], per_epoch: int | None = None) -> None:
        """Fit ``model`` on ``(gather, rows)`` batches; stop early on the validation rows when there are any.

        ``gather(rows)`` returns ``(x, y)`` or ``(x, y, sample_weight)``; the
        loss is the squared error averaged over the sample weights.
        """
        (train_gather, train_rows), (valid_gather, valid_rows) = train, valid
        if len(train_rows) == 0:
            raise DataValidationError(f"{self.name}: no training rows are left; use longer series or a shorter "
                                      "window")
        loss = keras.losses.MeanSquaredError(reduction="mean_with_sample_weight")
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=self.learning_rate, clipnorm=1.0), loss=loss)
        callbacks = []
        validation = None
        if len(valid_rows):
            validation = _batches(keras, valid_gather, valid_rows, max(self.batch_size, 1024), None)
            callbacks.append(keras.callbacks.EarlyStopping(monitor="val_loss", patience=self.patience,
                                                           restore_best_weights=True))
        hooks = _as_hooks(self.callbacks)
        if hooks:
            callbacks.append(_hook_callback(keras, hooks, self.epochs))
        batches = _batches(keras, train_gather, train_rows, self.batch_size, self.seed, per_epoch)
        fit = model.fit(batches, validation_data=validation, epochs=self.epochs, callbacks=callbacks, verbose=0)
        history = pd.DataFrame({k: np.asarray(v, dtype="float64") for k, v in fit.history.items()})
        self.history_ = history.set_axis(pd.RangeIndex(1, len(history) + 1, name="epoch"))
        monitor = "val_loss" if "val_loss" in history else "loss"
        self.best_epoch_ = int(self.history_[monitor].idxmin()) if len(history) else 0
        self.model_ = model


# -- MLP on the feature table ----------------------------------------------------------------


@register
class MLPModel(KerasTraining, GlobalFeatureModel):
    """A feed-forward network on the standardized feature table (lags, calendar, events, price, promotion)."""

    name = "mlp"
    label = "Neural network (MLP, global)"
    description = ("A small feed-forward network over all series on the same features as the tree models; "
                   "needs TensorFlow.")
    params = (*_common_params(units=64, layers=2, layers_high=6, dropout=0.1, batch_size=512, learning_rate=1e-3,
                                batch_help="Training rows per gradient step."), SEED)

    def _fit(self, df: pd.DataFrame) -> None:
        keras = self._start()
        self.builder_ = FeatureBuilder(self.features, self.freq_).fit(df)
        X, target, usable = training_table(self.builder_, df)
        y = target.to_numpy(dtype="float64")
        self.columns_ = list(X.columns)
        is_valid = time_ordered_split(df, self.validation_share)
        train_rows = np.flatnonzero(usable & ~is_valid)
        self.validation_from_ = df.loc[is_valid].groupby(UID, sort=True)[DS].min()
        self.scaler_ = Standardizer.fit(X.iloc[train_rows], len(self.builder_.categories_))
        # Standardized target: the network's output layer then starts at the right scale.
        self.target_mean_ = float(y[train_rows].mean()) if len(train_rows) else 0.0
        target_std = float(y[train_rows].std()) if len(train_rows) > 1 else 1.0
        self.target_std_ = target_std if target_std > 1e-12 else 1.0
        inputs = self.scaler_.transform(X)
        target = ((y - self.target_mean_) / self.target_std_).astype("float32")

        def gather(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            return inputs[rows], target[rows]

        self._train(keras, self._network(keras, self.scaler_.width), (gather, train_rows),
                    (gather, np.flatnonzero(usable & is_valid)))
        self.tail_ = recent_tail(df, self.features, self.freq_)
        self.warnings_: list[str] = []

    def _network(self, keras, width: int):
        layers, reg = keras.layers, self._regularizer(keras)
        inputs = keras.Input(shape=(width,), name="features")
        x = inputs
        for _ in range(self.layers):
            x = layers.Dense(self.units, activation="relu", kernel_regularizer=reg)(x)
            if self.dropout:
                x = layers.Dropout(self.dropout)(x)
        return keras.Model(inputs, layers.Dense(1, kernel_regularizer=reg)(x), name="mlp")

    def predict_features(self, features: pd.DataFrame) -> np.ndarray:
        """Predictions on the transformed target scale for a feature frame, like the scikit-learn models'."""
        inputs = self.scaler_.transform(features[self.columns_])
        out = self.model_.predict_on_batch(inputs)  # no per-call set-up, unlike predict()
        return np.asarray(out, dtype="float64")[:, 0] * self.target_std_ + self.target_mean_


# -- sequence models ----------------------------------------------------------------------------


class SequenceModel(KerasTraining, Forecaster):
    """Base of networks that read ``window + 1`` consecutive periods and forecast the demand of each.

    The step of period t carries the per-series scaled log demand of t - 1
    and the standardized known-in-advance features of t: calendar, events,
    holidays, price, promotion, drivers, the series' level and its category
    (one-hot). The network's output at step t is the scaled log demand of t,
    seeing only steps up to t (the LSTM by construction, the Transformer
    through a causal mask). So the last step is "the last ``window`` periods
    of demand and features, plus the features of the target period", and
    training scores every step of a sequence at once (teacher forcing, as in
    DeepAR), which is many times cheaper than one window per target period.
    The lag and rolling settings of ``features`` do not apply.
    """

    #: Each training period is a target about this many times per epoch (sequences overlap, so an epoch
    #: draws ``coverage * periods / (window + 1)`` random sequences rather than one per period).
    coverage = 2

    def _fit(self, df: pd.DataFrame) -> None:
        keras = self._start()
        window = self.window_ = self.window or DEFAULT_WINDOW[freq_family(self.freq_)]
        # Only the known-in-advance groups are wanted; one lag keeps FeatureBuilder's demand part trivial.
        known = replace(self.features, lags=(1,), rolling_windows=(), ewm_alphas=(), diffs=())
        self.builder_ = FeatureBuilder(known, self.freq_).fit(df)
        X = self.builder_.transform(df).drop(columns="lag_1")
        y = self.builder_.target(df[Y]).to_numpy(dtype="float64")
        is_valid = time_ordered_split(df, self.validation_share)
        self.validation_from_ = df.loc[is_valid].groupby(UID, sort=True)[DS].min()

        # Per-series centre and scale of the log target, from the training part only.
        train_part = pd.DataFrame({UID: df[UID], "y": y})[~is_valid].groupby(UID, sort=True)["y"]
        self.center_ = train_part.mean().reindex(self.series_).fillna(0.0)
        self.scale_ = train_part.std(ddof=0).reindex(self.series_).fillna(1.0).clip(lower=MIN_SCALE)
        z = ((y - df[UID].map(self.center_).to_numpy()) / df[UID].map(self.scale_).to_numpy()).astype("float32")
        self.scaler_ = Standardizer.fit(X[~is_valid], len(self.builder_.categories_))
        known_values = self.scaler_.transform(X)

        # A sequence ends at a row with window + 1 rows of its own series before it (rows are sorted by
        # series and date), so every step, the first included, has the previous period's demand.
        steps = np.arange(-window, 1)
        # Validation scores one-step forecasts with (nearly) a full window, as in predict: the last
        # ``stride`` validation steps of sequences that end every ``stride`` rows back from each series' end.
        stride = max(1, (window + 1) // 4)
        tail_steps = (steps >= -stride + 1).astype("float32")

        def gather(ends: np.ndarray, validation: bool = False) -> tuple[np.ndarray, ...]:
            rows = ends[:, None] + steps
            x = np.concatenate([z[rows - 1][..., None], known_values[rows]], axis=2)
            if not validation:
                return x, z[rows][..., None]
            return x, z[rows][..., None], tail_steps * is_valid[rows]

        position = df.groupby(UID, sort=False).cumcount().to_numpy()
        from_end = df.groupby(UID, sort=False).cumcount(ascending=False).to_numpy()
        ends = position > window
        train_ends = np.flatnonzero(ends & ~is_valid)
        valid_ends = np.flatnonzero(ends & is_valid & (from_end % stride == 0))
        per_epoch = max(math.ceil(len(train_ends) * self.coverage / (window + 1)), 1)
        self._train(keras, self._network(keras, window + 1, 1 + known_values.shape[1]), (gather, train_ends),
                    (lambda e: gather(e, validation=True), valid_ends), per_epoch)
        # Enough past rows to rebuild the window's features (the usual price looks back PRICE_MEMORY periods).
        memory = window + 1 + PRICE_MEMORY[freq_family(self.freq_)] + 1
        self.recent_ = df.groupby(UID, sort=False).tail(memory).reset_index(drop=True)
        self.warnings_: list[str] = []

    def _predict(self, horizon, grid, future, levels):
        rows, notes = future_frame(self.recent_, grid, future)
        self.warnings_ = notes
        window = self.window_
        work = pd.concat([self.recent_, rows[self.recent_.columns]], ignore_index=True)
        work = work.sort_values([UID, DS], kind="stable").reset_index(drop=True)
        # Known features do not depend on demand, so they are built once for every step.
        known = self.scaler_.transform(self.builder_.transform(work))
        y = self.builder_.target(work[Y]).to_numpy(dtype="float64")
        z = (y - work[UID].map(self.center_).to_numpy()) / work[UID].map(self.scale_).to_numpy()

        # Per series: the last window + 1 training rows, then the horizon, as row numbers of ``work``.
        # A series shorter than that repeats its first row's features with its mean demand (z = 0).
        first = pd.Series(np.arange(len(work))).groupby(work[UID].to_numpy(), sort=False).min()
        first = first.reindex(self.series_).to_numpy()[:, None]
        n_past = self.recent_.groupby(UID, sort=False).size().reindex(self.series_).to_numpy()[:, None]
        steps = np.arange(-(window + 1), horizon)
        padded = steps < -n_past
        index = np.where(padded, first, first + n_past + steps)
        demand = np.where(padded, 0.0, z[index]).astype("float32")  # NaN in the horizon until forecast
        features = known[index]

        out = np.empty((len(self.series_), horizon))
        for h in range(horizon):
            x = np.concatenate([demand[:, h:h + window + 1, None], features[:, h + 1:h + window + 2]], axis=2)
            pred = np.asarray(self.model_.predict_on_batch(x), dtype="float64")[:, -1, 0]
            demand[:, window + 1 + h] = pred  # the forecast becomes the next step's past demand
            out[:, h] = pred
        log_values = out * self.scale_.to_numpy()[:, None] + self.center_.to_numpy()[:, None]
        values = np.clip(self.builder_.inverse(log_values), 0, None)
        forecast = pd.DataFrame({UID: np.repeat(self.series_, horizon), "_step": np.tile(np.arange(horizon), len(out)),
                                 self.name: values.ravel()})
        keyed = grid.assign(_step=grid.groupby(UID, sort=False).cumcount().to_numpy())
        return keyed.merge(forecast, on=[UID, "_step"], how="left").drop(columns="_step")

    def _network(self, keras, length: int, channels: int):
        """A Keras model from ``(batch, length, channels)`` to ``(batch, length, 1)``, causal in time."""
        raise NotImplementedError


@register
class LSTMModel(SequenceModel):
    """Stacked LSTM over the sequence; each step's hidden state predicts that step's period."""

    name = "lstm"
    label = "LSTM (global)"
    description = ("A recurrent network over all series that reads the recent weeks of demand with their "
                   "calendar, price and promotion; needs TensorFlow.")
    params = (*_common_params(units=32, layers=1, layers_high=4, dropout=0.1, **SEQUENCE_TRAINING), WINDOW, SEED)

    def _network(self, keras, length, channels):
        layers, reg = keras.layers, self._regularizer(keras)
        inputs = keras.Input(shape=(length, channels), name="sequence")
        x = inputs
        for _ in range(self.layers):
            x = layers.LSTM(self.units, return_sequences=True, kernel_regularizer=reg)(x)
            if self.dropout:
                x = layers.Dropout(self.dropout)(x)
        return keras.Model(inputs, layers.Dense(1, kernel_regularizer=reg)(x), name="lstm")


@register
class TransformerModel(SequenceModel):
    """A small Transformer encoder with a causal mask; each step's output predicts that step's period."""

    name = "transformer"
    label = "Transformer (global)"
    description = ("Self-attention over the recent periods of all series with their calendar, price and "
                   "promotion; needs TensorFlow.")
    params = (*_common_params(units=32, layers=1, layers_high=4, dropout=0.1, **SEQUENCE_TRAINING), WINDOW,
              Param("heads", "int", 2, 1, 16, help="Attention heads per block."), SEED)

    def _network(self, keras, length, channels):
        layers, reg = keras.layers, self._regularizer(keras)
        inputs = keras.Input(shape=(length, channels), name="sequence")
        x = layers.Dense(self.units, kernel_regularizer=reg)(inputs)
        x = x + _positional_encoding(length, self.units)  # attention alone ignores the order of steps
        for _ in range(self.layers):
            # No dropout inside attention: it forces Keras off its fused attention kernel (about 30% slower).
            attention = layers.MultiHeadAttention(num_heads=self.heads, key_dim=max(self.units // self.heads, 4),
                                                  kernel_regularizer=reg)(x, x, use_causal_mask=True)
            x = layers.LayerNormalization()(layers.Add()([x, layers.Dropout(self.dropout)(attention)]))
            feed = layers.Dense(2 * self.units, activation="relu", kernel_regularizer=reg)(x)
            feed = layers.Dense(self.units, kernel_regularizer=reg)(feed)
            x = layers.LayerNormalization()(layers.Add()([x, layers.Dropout(self.dropout)(feed)]))
        return keras.Model(inputs, layers.Dense(1, kernel_regularizer=reg)(x), name="transformer")


def _positional_encoding(length: int, width: int) -> np.ndarray:
    """The sine/cosine position code of "Attention is all you need", shape ``(length, width)``."""
    position = np.arange(length)[:, None]
    rate = 1.0 / 10000 ** (2 * (np.arange(width)[None, :] // 2) / width)
    angle = position * rate
    return np.where(np.arange(width) % 2 == 0, np.sin(angle), np.cos(angle)).astype("float32")
