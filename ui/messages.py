"""Library messages in the app's words: the command line's flags become the Data page's field names.

The library says how to fix a problem once, for both audiences, by naming the
command-line flag (``choose the target column (--target)``). On a page a user
looks for the field instead, so the flag is swapped for its label.
"""

from __future__ import annotations

import re

FLAG_LABELS = {
    "--date-format": "“Date format”",
    "--date": "“Date”",
    "--target": "“Quantity to forecast”",
    "--id": "“Series id columns”",
    "--price": "“Price”",
    "--revenue": "“Sales value”",
    "--promo none": "“Promotion” set to (none)",
    "--promo": "“Promotion”",
    "--category": "“Category”",
    "--stock": "“Stock on hand”",
    "--shape order_lines": "“Table shape” set to order lines",
    "--shape": "“Table shape”",
    "--freq W or M": "“Frequency” set to weekly or monthly",
    "--freq M": "“Frequency” set to monthly",
    "--freq W": "“Frequency” set to weekly",
    "--freq": "“Frequency”",
    "--max-mb": "the upload limit",
    "--folds": "“Backtest windows” on the Train page",
    "--horizon": "“Horizon” on the Train page",
}
# Longest first, so "--freq W or M" wins over "--freq" and "--date-format" over "--date".
_PATTERN = re.compile("|".join(re.escape(flag) + r"(?![\w-])" for flag in sorted(FLAG_LABELS, key=len, reverse=True)))


def for_app(message: str) -> str:
    """``message`` with command-line flags replaced by the names of the fields that do the same."""
    return _PATTERN.sub(lambda match: FLAG_LABELS[match.group(0)], str(message))
