"""Checks that the long table can be forecast; each failure names the column, rows or ids."""

from __future__ import annotations

import pandas as pd

from ..errors import DataValidationError
from ..schema import DS, UID, Y
from .issues import Issue, examples

MIN_PERIODS = 3


def validate(frame: pd.DataFrame, target: str) -> list[Issue]:
    """Raise :class:`DataValidationError` when the table is unusable; return warnings otherwise.

    Parameters
    ----------
    frame
        The long contract table.
    target
        The user's name of the target column, for messages.
    """
    if frame.empty:
        raise DataValidationError("no data rows are left after mapping; check the date and target columns")
    y = frame[Y]
    if y.notna().sum() == 0:
        raise DataValidationError(
            f"target column {target!r} is empty in every row",
            fix="choose the column with the sales quantities ({target})",
            column=target,
        )
    periods = frame[DS].nunique()
    if periods < MIN_PERIODS:
        raise DataValidationError(
            f"the data covers only {periods} period(s); at least {MIN_PERIODS} are needed, and a year or more "
            "gives seasonal forecasts",
            fix="upload a longer history or choose a finer frequency ({freq})",
            column=target,
        )
    if y.nunique(dropna=True) == 1:
        raise DataValidationError(
            f"every value of target column {target!r} is {y.dropna().iloc[0]:g}; a forecast needs history that "
            "varies",
            fix="check that this is the sales column ({target})",
            column=target,
        )
    lengths = frame.groupby(UID, observed=True)[DS].nunique()
    short = lengths[lengths < MIN_PERIODS]
    if short.empty:
        return []
    return [
        Issue(
            "short_series",
            f"{len(short)} series have fewer than {MIN_PERIODS} periods ({examples(short.index.tolist())}); they "
            "can only get naive forecasts.",
            len(short),
        )
    ]
