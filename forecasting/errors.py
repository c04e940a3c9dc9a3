"""Typed errors whose message is one line a user can act on.

Every message says what is wrong, shows the offending value, column, rows or
ids, and says how to fix it. The app shows it with ``st.error``; the command
line prints it as ``error: ...`` and exits with code 2.
"""

from __future__ import annotations


class ForecastingError(Exception):
    """Base class of every error the library raises on purpose."""


class DataReadError(ForecastingError, ValueError):
    """The file cannot be read as a table (empty, binary, too large, unknown type)."""


class MappingError(ForecastingError, ValueError):
    """A column named in the mapping is missing, or a needed field cannot be found."""

    def __init__(self, message: str, *, column: str | None = None) -> None:
        super().__init__(message)
        self.column = column


class DataValidationError(ForecastingError, ValueError):
    """The mapped data breaks the data contract.

    Parameters
    ----------
    message
        One line: what is wrong, examples, and how to fix it.
    column
        The column at fault, when there is one.
    rows
        Row numbers as the user sees them in the file (header is row 1).
    ids
        Series ids at fault.
    """

    def __init__(
        self,
        message: str,
        *,
        column: str | None = None,
        rows: list[int] | None = None,
        ids: list[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.column = column
        self.rows = rows or []
        self.ids = ids or []


class ConfigError(ForecastingError, ValueError):
    """A setting (frequency, cleaning option, limit) has an invalid value."""
