"""One finding of the data-quality report."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["info", "warning", "error"]


@dataclass(frozen=True)
class Issue:
    """A finding about the data, for the report, the app and ``inspect --json``.

    Parameters
    ----------
    kind
        Stable machine-readable key, e.g. ``"duplicates"`` or ``"gaps"``.
    message
        One sentence for people: what was found, where, and what to do.
    count
        How many rows, periods or series it concerns.
    severity
        ``info`` (a fact, such as a byte-order mark), ``warning`` (cleaning
        or the user should act) or ``error`` (the data cannot be used as is).
    """

    kind: str
    message: str
    count: int = 0
    severity: Severity = "warning"

    def as_dict(self) -> dict:
        return asdict(self)


def examples(values, limit: int = 3, *, quote: bool = True) -> str:
    """The first few values for a message: ``'a', 'b', 'c' and 4 more``.

    ``quote=False`` for pieces already formatted, such as ``"'x' (row 7)"``.
    """
    values = list(values)
    shown = ", ".join(repr(v) if quote and isinstance(v, str) else str(v) for v in values[:limit])
    rest = len(values) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown
