"""Typed errors whose message is one line a user can act on.

Every message says what is wrong, shows the offending value, column, rows or
ids, and says how to fix it. The command line prints it as ``error: ...`` and
exits with code 2; the app shows it in one red box.

The way to fix a problem often names a setting, which the command line calls
a flag (``--target``) and the app calls a field ("Quantity to forecast"). So
the fix is kept apart from the problem as a template that names settings in
braces, ``"choose the target column ({target})"``, with an optional value
after a colon, ``"({freq:W or M})"``. ``str(error)`` renders it with the flags;
the app renders the same template with its field labels
(:meth:`ForecastingError.render`). Templates are written by the library, never
built from user data, so a column called ``{x}`` cannot break them.
"""

from __future__ import annotations

import string
from collections.abc import Callable

#: Each setting a fix can name, and its command-line flag.
CLI_FLAGS = {
    "date": "--date",
    "date_format": "--date-format",
    "target": "--target",
    "ids": "--id",
    "price": "--price",
    "revenue": "--revenue",
    "promo": "--promo",
    "category": "--category",
    "stock": "--stock",
    "shape": "--shape",
    "freq": "--freq",
    "max_mb": "--max-mb",
    "folds": "--folds",
    "horizon": "--horizon",
    "workers": "--workers",
    "scheduler": "--scheduler",
    "measure": "--measure",
    "currency": "--currency",
    "store": "--store",
}

#: ``(setting, value) -> words`` for a setting named in a fix template.
SettingNamer = Callable[[str, str], str]


def flag_name(setting: str, value: str = "") -> str:
    """The command line's words for a setting: ``--freq`` or ``--freq W or M``."""
    flag = CLI_FLAGS[setting]
    return f"{flag} {value}" if value else flag


def fix_settings(fix: str) -> tuple[str, ...]:
    """The settings a fix template names, in order."""
    return tuple(field for _, field, _, _ in string.Formatter().parse(fix) if field)


def render_fix(fix: str, namer: SettingNamer = flag_name) -> str:
    """A fix template with each ``{setting:value}`` replaced by ``namer(setting, value)``."""
    return "".join(text + (namer(field, spec) if field else "") for text, field, spec, _ in string.Formatter().parse(fix))


def with_fix(problem: str, fix: str, namer: SettingNamer = flag_name) -> str:
    """``problem; fix`` as one line (just the problem when there is no fix)."""
    return f"{problem}; {render_fix(fix, namer)}" if fix else problem


class ForecastingError(Exception):
    """Base class of every error the library raises on purpose.

    Parameters
    ----------
    problem
        What is wrong, with the offending values.
    fix
        How to fix it: a template that names settings in braces (see the module docstring).
    """

    def __init__(self, problem: str, *, fix: str = "") -> None:
        super().__init__(with_fix(problem, fix))
        self.problem = problem
        self.fix = fix

    @property
    def settings(self) -> tuple[str, ...]:
        """The settings the fix names (``("date", "date_format")``): where a UI should point the user."""
        return fix_settings(self.fix)

    def render(self, namer: SettingNamer = flag_name) -> str:
        """The message with its settings named by ``namer`` (the app's field labels, say)."""
        return with_fix(self.problem, self.fix, namer)


class DataReadError(ForecastingError, ValueError):
    """The file cannot be read as a table (empty, binary, too large, unknown type)."""


class MappingError(ForecastingError, ValueError):
    """A column named in the mapping is missing, or a needed field cannot be found."""

    def __init__(self, problem: str, *, fix: str = "", column: str | None = None) -> None:
        super().__init__(problem, fix=fix)
        self.column = column


class DataValidationError(ForecastingError, ValueError):
    """The mapped data breaks the data contract.

    Parameters
    ----------
    problem, fix
        As for :class:`ForecastingError`.
    column
        The column at fault, when there is one.
    rows
        Row numbers as the user sees them in the file (header is row 1).
    ids
        Series ids at fault.
    """

    def __init__(
        self,
        problem: str,
        *,
        fix: str = "",
        column: str | None = None,
        rows: list[int] | None = None,
        ids: list[str] | None = None,
    ) -> None:
        super().__init__(problem, fix=fix)
        self.column = column
        self.rows = rows or []
        self.ids = ids or []


class ConfigError(ForecastingError, ValueError):
    """A setting (frequency, cleaning option, limit) has an invalid value."""
