"""Exports for spreadsheets: CSV and XLSX whose cells never run as formulas (see ddq.core.cells)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pandas as pd

from ..core.cells import append_row, csv_text

#: Kept for callers of the older name: a CSV field that no spreadsheet program runs.
safe_cell = csv_text


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell, and every column name, safe to write as CSV."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(csv_text)
    safe.columns = [csv_text(str(column)) for column in safe.columns]
    return safe


def to_csv(frame: pd.DataFrame) -> bytes:
    """RFC 4180 CSV (CRLF line ends, so a field holding a line break is quoted), with a BOM for spreadsheets."""
    return safe_frame(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")


def _plain(value: Any) -> Any:
    """A frame's value as openpyxl writes it: missing -> empty, numpy scalars -> Python numbers."""
    if value is None or (not isinstance(value, str | list | tuple | dict) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str | dt.date):
        return value.item()
    if isinstance(value, str | int | float | dt.date | dt.time | dt.timedelta):
        return value
    return str(value)


def to_xlsx(frame: pd.DataFrame, sheet: str = "portfolio") -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet[:31]
    append_row(worksheet, [str(column) for column in frame.columns])
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False, name=None):
        append_row(worksheet, [_plain(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
