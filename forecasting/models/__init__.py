"""Features and every forecasting model behind one protocol (``base``) and one registry (``registry``).

``base`` defines :class:`Forecaster` (keyword-only hyperparameters declared
as ``Param``, ``fit`` / ``predict``, capabilities read by the app such as
``uses_exog``, ``uses_features`` and ``combines``); ``registry`` fills a dict
by decorator and loads the model modules on first use; ``features`` builds
lags, rolling and calendar features and the recursive forecast; ``baselines``,
``statistical`` (statsmodels), ``ml`` (scikit-learn), ``neural`` (Keras,
imported only inside fit) and ``auto`` hold the models. This floor may import
``data``, ``schema`` and ``errors``; the one exception is ``auto``, which
selects among models by cross-validating them and so uses
``evaluation.crossval`` and ``evaluation.metrics``, as scikit-learn's
``GridSearchCV`` sits above the estimators it selects.
"""

from .base import Forecaster, NotFittedError, Param
from .registry import available, get_model

__all__ = ["Forecaster", "NotFittedError", "Param", "available", "get_model"]
