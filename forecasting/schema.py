"""Column names of the data contract and the column mapping of an upload.

The contract is one long table: ``unique_id`` (str), ``ds`` (datetime64, no
time zone), ``y`` (float), plus optional ``price``, ``promo`` (0..1: a flag or
a discount depth), ``category``, ``stock`` and any known-in-advance drivers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, fields
from typing import Literal

from .errors import ConfigError

UID = "unique_id"
DS = "ds"
Y = "y"
PRICE = "price"
PROMO = "promo"
CATEGORY = "category"
STOCK = "stock"

#: Default coverage levels (in %) of the prediction intervals; every step takes the levels it is given.
LEVELS: tuple[int, ...] = (80, 95)

Shape = Literal["panel", "order_lines", "wide"]
SHAPES: tuple[str, ...] = ("panel", "order_lines", "wide")

FreqCode = Literal["D", "W", "M"]
FREQ_CODES: tuple[str, ...] = ("D", "W", "M")

#: pandas frequency strings we produce when resampling to a chosen frequency.
#: Weeks run Monday to Sunday and are labelled by their Monday; months by their
#: first day, which is what people read on a chart axis.
RESAMPLE_FREQ = {"D": "D", "W": "W-MON", "M": "MS"}

#: Default season length by frequency family, used by cleaning and metrics.
SEASON_LENGTH = {"D": 7, "W": 52, "M": 12}


def freq_family(freq: str) -> FreqCode:
    """Return ``"D"``, ``"W"`` or ``"M"`` for a pandas frequency string."""
    code = freq.upper()
    if code.startswith("W"):
        return "W"
    if code.startswith("M"):
        return "M"
    if code == "D":
        return "D"
    raise ConfigError(f"frequency {freq!r} is not supported; use D (daily), W (weekly) or M (monthly)")


@dataclass(frozen=True)
class ColumnMapping:
    """Which column of the upload plays which role.

    Parameters
    ----------
    date
        Column with the period or order date.
    target
        Column with the quantity to forecast; ``None`` for the wide shape.
    ids
        Columns whose combination identifies a series (empty: one series).
    price, promo, category, stock
        Optional driver columns.
    revenue
        Sales value per row; without a price column the price is derived as
        revenue / quantity (Superstore-style exports carry value, not price).
    drivers
        Other known-in-advance columns (holiday flags, markdown amounts ...).
    series
        Wide shape only: the columns that each hold one series.
    """

    date: str
    target: str | None = None
    ids: tuple[str, ...] = ()
    price: str | None = None
    revenue: str | None = None
    promo: str | None = None
    category: str | None = None
    stock: str | None = None
    drivers: tuple[str, ...] = ()
    series: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("ids", "drivers", "series"):  # a list given by a caller becomes the declared tuple
            if isinstance(getattr(self, name), list):
                object.__setattr__(self, name, tuple(getattr(self, name)))
        used = self.columns()
        repeated = sorted(c for c, n in Counter(used).items() if n > 1)  # Counter: linear in 10,000 series columns
        if repeated:
            raise ConfigError(
                f"column {repeated[0]!r} is mapped to more than one field; map each column to one field only"
            )

    def columns(self) -> list[str]:
        """All mapped column names, in field order."""
        out: list[str] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                out.extend(value)
            elif value is not None:
                out.append(value)
        return out

    def as_dict(self) -> dict[str, str | list[str] | None]:
        """JSON-friendly ``field -> column`` dict (tuples become lists)."""
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, data: dict) -> ColumnMapping:
        """Inverse of :meth:`as_dict`; unknown keys are an error."""
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(f"unknown mapping field {unknown[0]!r}; valid fields are {', '.join(sorted(names))}")
        values = {k: tuple(v) if isinstance(v, (list, tuple)) else v for k, v in data.items()}
        return cls(**values)

    def replace(self, **changes) -> ColumnMapping:
        """Copy with some fields changed (``None`` clears an optional field)."""
        values = asdict(self)
        for key, value in changes.items():
            values[key] = tuple(value) if isinstance(value, list) else value
        return ColumnMapping(**values)
