"""One finding of the data-quality report."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..errors import SettingNamer, flag_name, with_fix

Severity = Literal["info", "warning", "error"]


@dataclass(frozen=True)
class Issue:
    """A finding about the data, for the report, the app and ``inspect --json``.

    Parameters
    ----------
    kind
        Stable machine-readable key, e.g. ``"duplicates"`` or ``"gaps"``.
    message
        One sentence for people: what was found and where.
    count
        How many rows, periods or series it concerns.
    severity
        ``info`` (a fact, such as a byte-order mark), ``warning`` (cleaning
        or the user should act) or ``error`` (the data cannot be used as is).
    fix
        What to do, as a template naming settings (see :mod:`forecasting.errors`).
    """

    kind: str
    message: str
    count: int = 0
    severity: Severity = "warning"
    fix: str = ""

    def text(self, namer: SettingNamer = flag_name) -> str:
        """The finding and what to do, with settings named by ``namer`` (command-line flags by default)."""
        return with_fix(self.message, self.fix, namer)

    def as_dict(self) -> dict:
        """``kind, message, count, severity`` for JSON, the message saying what to do with command-line flags."""
        return {"kind": self.kind, "message": self.text(), "count": self.count, "severity": self.severity}


def examples(values, limit: int = 3, *, quote: bool = True) -> str:
    """The first few values for a message: ``'a', 'b', 'c' and 4 more``.

    ``quote=False`` for pieces already formatted, such as ``"'x' (row 7)"``.
    """
    values = list(values)
    shown = ", ".join(repr(v) if quote and isinstance(v, str) else str(v) for v in values[:limit])
    rest = len(values) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown
