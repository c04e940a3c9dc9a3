"""Forecasting models behind one protocol (see ``base.py``) and one registry (``registry.py``)."""

from .base import Forecaster, NotFittedError, Param
from .registry import available, get_model, register

__all__ = ["Forecaster", "NotFittedError", "Param", "available", "get_model", "register"]
