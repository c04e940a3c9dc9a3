"""What the target measures: a quantity (units) or a sales value (money), and how to label it.

Walmart's ``Weekly_Sales`` is dollars; labelled "units" it read as
"6,737,218,987 units", and Inventory ordered dollars. The target's name decides
when it says so (``quantity``, ``units`` / ``revenue``, ``amount``, ``value``);
an ambiguous name such as ``sales`` is decided by the values: amounts with cents
are money, whole numbers are units. The user can always override it (the Data
page, ``--measure``) and set a currency symbol (``--currency``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import ConfigError
from .mapping import normalise

MeasureKind = Literal["units", "money"]
MEASURE_KINDS: tuple[str, ...] = ("units", "money")

UNIT_WORDS = ("qty", "quantity", "units", "unit", "pieces", "pcs", "volume", "count", "demand", "items", "boxes",
              "cases", "orders", "sold")
MONEY_WORDS = ("revenue", "amount", "value", "turnover", "gmv", "dollars", "usd", "eur", "gbp", "money", "income")
CENTS_SHARE = 0.5  # an ambiguous target with cents in at least this share of its non-zero values is money


@dataclass(frozen=True)
class Measure:
    """The target's kind and, for money, the currency symbol shown before amounts (may be empty)."""

    kind: MeasureKind = "units"
    currency: str = ""

    def __post_init__(self) -> None:
        if self.kind not in MEASURE_KINDS:
            raise ConfigError(f"measure must be units or money, got {self.kind!r}", fix="choose units or money ({measure})")
        if len(self.currency) > 5 or any(c in self.currency for c in "<>[]()*_`\\"):
            raise ConfigError(f"currency symbol {self.currency!r} is not allowed",
                              fix="use a short symbol such as $ or EUR ({currency})")

    @property
    def is_money(self) -> bool:
        return self.kind == "money"

    @property
    def label(self) -> str:
        """The axis and column label: ``units``, ``sales ($)`` or ``sales value``."""
        if not self.is_money:
            return "units"
        return f"sales ({self.currency})" if self.currency else "sales value"

    def figure(self, value: float) -> str:
        """The number as a headline shows it under a label that names the measure: ``1,234`` or ``$1,234``."""
        return f"{self.currency}{value:,.0f}" if self.is_money else f"{value:,.0f}"

    def amount(self, value: float) -> str:
        """``1,234 units``, ``$1,234`` or ``1,234 in sales``."""
        if not self.is_money:
            return f"{value:,.0f} units"
        return self.figure(value) if self.currency else f"{value:,.0f} in sales"


def detect_measure(values: pd.Series, column: str | None) -> MeasureKind:
    """``units`` or ``money`` for a target column from its name, else from its values."""
    name = normalise(column or "")
    if any(word in name for word in MONEY_WORDS):
        return "money"
    if any(word in name for word in UNIT_WORDS):
        return "units"
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64")
    numbers = numbers[np.isfinite(numbers) & (numbers != 0)]
    if not len(numbers):
        return "units"
    cents = np.abs(numbers - np.round(numbers)) > 1e-9
    return "money" if cents.mean() >= CENTS_SHARE else "units"
