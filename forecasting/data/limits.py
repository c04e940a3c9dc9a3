"""Caps on what one upload may make the server hold, checked before the work that would exceed them.

A small file can expand a long way: a 2 KB workbook can declare a cell at
XFD1048576, a 250 KB Parquet file can hold 20 million rows, a zip part can
inflate a hundredfold. :class:`ReadLimits` names each cap with a default
that fits one machine; the command line raises them with flags (``--max-rows``
...), and every refusal says which cap was hit and how to raise it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from ..errors import ConfigError, DataReadError

DEFAULT_MAX_MB = 500


@dataclass(frozen=True)
class ReadLimits:
    """The largest input one read may produce.

    Parameters
    ----------
    max_mb
        File size in MB, refused before it is parsed.
    max_rows
        Data rows of the table.
    max_columns
        Columns of the table (a wide table has one per series).
    max_series
        Distinct series (id combinations) after mapping.
    max_cells
        Rows x columns of the table as read, text cells included.
    max_unpacked_mb
        Excel and Parquet: size of the data once uncompressed, from the file's own directory or metadata.
    max_ratio
        Excel: how many times larger than its compressed size one part of the workbook may be.
    """

    max_mb: float = DEFAULT_MAX_MB
    max_rows: int = 10_000_000
    max_columns: int = 20_000
    max_series: int = 200_000
    max_cells: int = 100_000_000
    max_unpacked_mb: float = 2_000
    max_ratio: float = 200

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
                raise ConfigError(f"the limit {item.name} must be a positive number, got {value!r}",
                                  fix=f"give a number above 0 ({{{item.name}}})" if item.name in FLAGGED else "")

    def refuse(self, what: str, value: int | float, limit: str, unit: str = "") -> DataReadError:
        """The error for ``what`` (e.g. "data.xlsx has 2,000,000 rows") above the cap ``limit``."""
        cap = getattr(self, limit)
        shown = f"{int(cap):,}" if float(cap).is_integer() else f"{cap:,g}"
        # Above the caps a bigger machine, or several, is the way on: the Dask route of the command line.
        route = " and run it on Dask workers ({workers})" if limit in ("max_rows", "max_series", "max_cells") else ""
        return DataReadError(f"{what}, above the limit of {shown}{unit} {_NOUNS[limit]}",
                             fix=f"filter or aggregate the file, or raise the limit ({{{limit}}}){route}"
                             if limit in FLAGGED else "filter or aggregate the file, or export it again")

    def check(self, what: str, value: int | float, limit: str, unit: str = "") -> None:
        """Raise :meth:`refuse` when ``value`` is above the cap ``limit``."""
        if value > getattr(self, limit):
            raise self.refuse(what, value, limit, unit)


#: Limits the command line sets with a flag (named in fixes; see forecasting.errors.CLI_FLAGS).
FLAGGED = ("max_mb", "max_rows", "max_columns", "max_series", "max_cells")
_NOUNS = {"max_mb": "for the file size", "max_rows": "rows", "max_columns": "columns", "max_series": "series",
          "max_cells": "cells", "max_unpacked_mb": "once uncompressed", "max_ratio": "times its compressed size"}
