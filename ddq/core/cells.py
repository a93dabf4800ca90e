"""Cells that ddq writes into spreadsheets and CSV files: text stays text, and never runs as a formula.

A spreadsheet program reads a cell starting with `=`, `+`, `-`, `@`, a tab, a carriage return or a NUL as a
formula (OWASP "CSV injection"; Dynamic Data Exchange payloads such as `=cmd|' /C calc'!A0` are the worst case).
Fullwidth signs count too: some programs fold them into their ASCII forms.

- In CSV, every place where a program might start a field is checked: the start of the text, and the character
  after each `,` `;` tab `|` or line break, because the program opening the file may split on a separator other
  than the one the file was written with (`X;=1+1` written with commas is two cells where `;` separates fields).
  A field that would start with a formula sign gets a single quote in front, as OWASP recommends.
- In XLSX, a text cell is written as text (openpyxl otherwise turns any string starting with `=` into a formula,
  and `#N/A` into an error), and one that starts with a formula sign carries the cell's "quote prefix", the
  workbook's own form of the leading single quote: the value is kept exactly, and a program that edits the cell
  keeps it text. Characters a workbook cannot hold (control characters) are replaced by U+FFFD, and line ends
  are written as line feeds.

Numbers, dates and booleans are written as they are. Every writer of spreadsheets and CSV goes through here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

#: A field starting with one of these is read as a formula (or DDE) by spreadsheet programs.
FORMULA_SIGNS = frozenset("=+-@\t\r\x00") | frozenset("\uff1d\uff0b\uff0d\uff20")  # and fullwidth = + - @

#: Characters after which a spreadsheet program may start a new field when it opens a CSV file.
SEPARATORS = frozenset(",;\t|\r\n")

#: Control characters that an XLSX cell cannot hold (the XML 1.0 rule, as openpyxl enforces it).
_NOT_IN_WORKBOOKS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _starts_formula(text: str, start: int = 0) -> bool:
    """Whether a field beginning at `start` would be read as a formula (leading spaces may be trimmed)."""
    index = start
    while index < len(text) and text[index] == " ":
        index += 1
    return index < len(text) and text[index] in FORMULA_SIGNS


def formula_like(value: Any) -> bool:
    """Text that a spreadsheet program would read as a formula if it were a cell of its own."""
    return isinstance(value, str) and _starts_formula(value)


#: Where a field could start a formula: at the start or after a separator, past any spaces (a quick test first).
_MAY_START_FORMULA = re.compile(
    "(?:^|[" + re.escape("".join(sorted(SEPARATORS))) + "]) *[" + re.escape("".join(sorted(FORMULA_SIGNS))) + "]"
)


def csv_text(value: Any) -> Any:
    """A CSV field that no spreadsheet program runs, whatever separator it splits on; non-text unchanged."""
    if not isinstance(value, str) or not value or not _MAY_START_FORMULA.search(value):
        return value
    starts = [0] + [index + 1 for index, char in enumerate(value) if char in SEPARATORS]
    risky = [start for start in starts if _starts_formula(value, start)]
    if not risky:
        return value
    pieces, previous = [], 0
    for start in risky:
        pieces.append(value[previous:start])
        pieces.append("'")
        previous = start
    pieces.append(value[previous:])
    return "".join(pieces)


def workbook_text(value: str) -> str:
    """Text as an XLSX cell holds it: line ends as line feeds (XML reads a bare CR as one anyway), and control
    characters other than tab and line feed replaced."""
    return _NOT_IN_WORKBOOKS.sub("\ufffd", value.replace("\r\n", "\n").replace("\r", "\n"))


def put(cell: Any, value: Any) -> Any:
    """Write a value into an openpyxl cell: text as text (quote-prefixed when formula-like), the rest as is."""
    if isinstance(value, str):
        cell.value = workbook_text(value)
        cell.data_type = "s"  # after the value: openpyxl makes any text starting with "=" a formula
        if formula_like(value):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def append_row(sheet: Any, values: Iterable[Any], font: Any = None) -> None:
    """`sheet.append(values)` with every value written by `put`, in a normal sheet or in a write-only one (a
    workbook made with `write_only=True`, whose rows go to disk as they come and cannot be styled afterwards:
    `font`, when given, is set on each cell before it is appended)."""
    from openpyxl.cell import WriteOnlyCell

    cells = [put(WriteOnlyCell(sheet), value) for value in values]
    if font is not None:
        for cell in cells:
            cell.font = font
    sheet.append(cells)
