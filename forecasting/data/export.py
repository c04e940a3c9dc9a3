"""Forecast downloads: the table people open in Excel, with their own id columns back."""

from __future__ import annotations

import io

import pandas as pd

from ..schema import ColumnMapping
from .convert import ID_SEPARATOR


def with_id_columns(table: pd.DataFrame, mapping: ColumnMapping) -> pd.DataFrame:
    """Add the original id columns (split back out of ``unique_id``) so a download joins to the user's systems."""
    ids = list(mapping.ids)
    if not ids or ids == ["unique_id"]:
        return table
    if len(ids) == 1:  # the id is the whole unique_id, even when it contains the separator
        return table if ids[0] in table.columns else table.assign(**{ids[0]: table["unique_id"]})
    parts = table["unique_id"].str.split(ID_SEPARATOR, n=len(ids) - 1, expand=True, regex=False)
    return table.assign(**{column: parts[i] for i, column in enumerate(ids) if column not in table.columns})


def plan_for_upload(plan: pd.DataFrame, mapping: ColumnMapping) -> pd.DataFrame:
    """A future plan under the sales file's own column names, the shape ``--future`` and the plan upload read.

    A price derived from a sales value (no price column) keeps the name ``price``, which the reader accepts.
    """
    names = {"ds": mapping.date, "price": mapping.price or "price", "promo": mapping.promo or "promo"}
    table = with_id_columns(plan, mapping).rename(columns={k: v for k, v in names.items() if v})
    if list(mapping.ids) and list(mapping.ids) != ["unique_id"]:
        table = table.drop(columns="unique_id")
    ids = [c for c in mapping.ids if c in table.columns]
    return table[ids + [c for c in table.columns if c not in ids]]


def excel_bytes(sheets: dict[str, pd.DataFrame]) -> bytes:
    """An .xlsx workbook with one sheet per table (names cut to Excel's 31 characters), dates as dates."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, table in sheets.items():
            table.to_excel(writer, sheet_name=name[:31], index=False)
    return buffer.getvalue()
