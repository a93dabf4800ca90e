"""Formulas in imported workbooks: never evaluated; the value the spreadsheet program saved with each is read.

The measurements (measure.py) note every formula; these rules say which are refused and how the rest are reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Formulas that reach outside the workbook: DDE commands (`cmd|...`), links to other files (`[1]Sheet!A1`), and
#: functions that open links, fetch from the web or call code.
_OUTSIDE = re.compile(
    r"\||\[\s*\d+\s*\]|\b(HYPERLINK|WEBSERVICE|FILTERXML|IMPORTDATA|IMPORTXML|IMPORTHTML|IMPORTRANGE|IMPORTFEED|"
    r"CALL|REGISTER(\.ID)?|EXEC|RTD|DDE|INFO|CELL)\s*\(",
    re.IGNORECASE,
)
_QUOTED = re.compile(r'"(?:[^"]|"")*"')
#: Sheets whose formulas may have no saved value (an XLSForm's version is often `=NOW()`-style): warned about.
LENIENT_SHEETS = {"settings"}


@dataclass(frozen=True)
class Formula:
    """A formula cell met while measuring: where it is, and whether the file saved its value."""

    sheet: str
    row: int
    column: str
    cached: bool

    @property
    def cell(self) -> str:
        return f"{self.column}{self.row}"


def reaches_outside(formula: str) -> bool:
    """Whether a formula's text calls out of the workbook (string literals apart)."""
    return _OUTSIDE.search(_QUOTED.sub('""', formula)) is not None


def lenient_sheet(sheet: str) -> bool:
    return re.sub(r"[^a-z]", "", sheet.lower()) in LENIENT_SHEETS


def formula_notes(formulas: list[Formula]) -> list[str]:
    """The warnings a workbook's accepted formulas deserve, one per sheet."""
    notes = []
    by_sheet: dict[str, list[Formula]] = {}
    for formula in formulas:
        by_sheet.setdefault(formula.sheet, []).append(formula)
    for sheet, found in by_sheet.items():
        cells = ", ".join(formula.cell for formula in found[:10]) + (" …" if len(found) > 10 else "")
        empty = [formula.cell for formula in found if not formula.cached]
        note = (
            f"sheet {sheet!r}: {len(found)} formula{'s' if len(found) > 1 else ''} ({cells}): the values saved "
            "with the file are read; nothing is recalculated"
        )
        if empty:
            verb = "are" if len(empty) > 1 else "is"
            note += f"; {', '.join(empty[:10])} had no saved value and {verb} read as empty"
        notes.append(note)
    return notes


#: In an .xls formula's tokens: a call (ptgFuncVar, any class) of function 359, HYPERLINK.
HYPERLINK_CALL = re.compile(rb"[\x22\x42\x62][\x00-\xff]\x67\x01")
