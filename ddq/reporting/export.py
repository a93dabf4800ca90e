"""Exports for spreadsheets: CSV and XLSX whose cells never run as formulas (see ddq.core.cells).

`csv_rows` and `xlsx_rows` write rows as they come (a web response sends each CSV line as it is made; an XLSX
workbook is written in openpyxl's write-only mode, so memory does not grow with rows); `to_csv` and `to_xlsx`
write a whole pandas frame the same way.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
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
    kind = type(value)
    if kind is str or kind is int or kind is bool:  # the common cells first, without pandas
        return value
    if kind is float:
        return None if value != value else value  # NaN is the one float unequal to itself
    if value is None or (not isinstance(value, str | list | tuple | dict) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item") and not isinstance(value, str | dt.date):
        return value.item()
    if isinstance(value, str | int | float | dt.date | dt.time | dt.timedelta):
        return value
    return str(value)


def csv_rows(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """RFC 4180 CSV, one chunk per line as the rows come: a BOM and the header first, then each row; every text
    field made safe by `csv_text`; None written as an empty field. The bytes equal `to_csv` of the same table."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values: Iterable[Any]) -> bytes:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([csv_text(value) for value in values])
        return buffer.getvalue().encode("utf-8")

    yield "\ufeff".encode() + line(str(column) for column in columns)
    for row in rows:
        yield line(_plain(value) for value in row)


#: Bytes of a finished workbook sent at a time.
CHUNK = 64 * 1024


def xlsx_rows(columns: Sequence[str], rows: Iterable[Sequence[Any]], sheet: str = "portfolio") -> Iterator[bytes]:
    """An XLSX workbook of one sheet (bold header), written in write-only mode to a temporary file as the rows
    come, then sent in chunks: memory stays flat however many rows there are."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    append_row(worksheet, [str(column) for column in columns], font=Font(bold=True))
    for row in rows:
        append_row(worksheet, [_plain(value) for value in row])
    with tempfile.TemporaryFile() as file:
        workbook.save(file)
        file.seek(0)
        while chunk := file.read(CHUNK):
            yield chunk


def to_xlsx(frame: pd.DataFrame, sheet: str = "portfolio") -> bytes:
    return b"".join(xlsx_rows([str(column) for column in frame.columns], frame.itertuples(index=False), sheet))
