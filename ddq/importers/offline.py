"""An assessment as a spreadsheet to fill offline, and the way back: every change shown before it is saved."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from ..core.cells import append_row
from ..core.definitions import Question, Questionnaire, Scope
from ..core.questions import type_of
from .intake import TemplateError, TemplateFile, TemplateProblem
from .spreadsheet import normalise, read_sheets

SHEET = "Answers"
HEADERS = ("id", "section", "question", "how to answer", "answer", "comment")


@dataclass(frozen=True)
class OfflineChange:
    question_id: str
    question: str
    old: str
    new: Any
    comment: str | None = None


def _how(question: Question, language: str) -> str:
    return type_of(question).answer_hint(question, language)


def _shown(value: Any) -> str:
    if value is None:
        return ""
    return "; ".join(str(item) for item in value) if isinstance(value, list) else str(value)


def write_offline(questionnaire: Questionnaire, scope: Scope, answers: dict[str, Any], language: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    append_row(sheet, HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for section, question in questionnaire.applicable(scope):
        answer = answers.get(question.id)
        current = (
            (answer.draft if answer is not None and answer.draft is not None else answer.value) if answer else None
        )
        append_row(
            sheet,
            [
                question.id,
                section.title.get(language),
                question.text.get(language),
                _how(question, language),
                _shown(current),
                answer.comment if answer is not None and answer.comment else None,
            ],
        )
    for column, width in zip("ABCDEF", (22, 24, 70, 50, 30, 40), strict=True):
        sheet.column_dimensions[column].width = width
    notes = workbook.create_sheet("Read me")
    append_row(notes, [questionnaire.title.get(language)])
    append_row(
        notes,
        [
            "Fill the 'answer' column (and 'comment' if you like), then upload this file on the assessment's "
            "page. Do not change the 'id' column. You will see every change before it is saved."
        ],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _value(question: Question, cell: str) -> Any:
    """What the respondent wrote, as the stored value where it can be recognised (a label -> its choice value)."""
    if not question.choices:
        return cell
    by_label = {
        normalise(choice.label.get(language)): choice.value
        for choice in question.choices
        for language in choice.label.languages
    }
    by_value = {normalise(choice.value): choice.value for choice in question.choices}

    def one(text: str) -> str:
        key = normalise(text)
        return by_value.get(key) or by_label.get(key) or text.strip()

    if type_of(question).is_multiple:
        return [one(part) for part in cell.split(";") if part.strip()]
    return one(cell)


def read_offline(
    template: TemplateFile, questionnaire: Questionnaire, scope: Scope, answers: dict[str, Any]
) -> tuple[list[OfflineChange], list[str]]:
    sheets = read_sheets(template)
    frame = next((sheet for name, sheet in sheets.items() if normalise(name) == normalise(SHEET)), None)
    if frame is None or frame.empty:
        raise TemplateError(
            [
                TemplateProblem(
                    template.name,
                    f"there is no sheet {SHEET!r}: upload the spreadsheet downloaded from this assessment",
                )
            ]
        )
    header = [normalise(cell) for cell in frame.iloc[0].tolist()]
    if "id" not in header or "answer" not in header:
        raise TemplateError(
            [
                TemplateProblem(
                    template.name, "the first row must keep its 'id' and 'answer' headers", sheet=SHEET, row=1
                )
            ]
        )
    column = {name: header.index(name) for name in ("id", "answer", "comment") if name in header}
    applicable = {question.id: question for _, question in questionnaire.applicable(scope)}
    changes, problems = [], []
    for index in range(1, len(frame)):
        row = frame.iloc[index]

        def cell(name: str, row: Any = row) -> str:
            value = row.iloc[column[name]] if name in column else None
            if value is None or (isinstance(value, float) and value != value):
                return ""
            if isinstance(value, float) and value.is_integer():
                return str(int(value))
            return str(value).strip()

        question_id = cell("id")
        if not question_id:
            continue
        question = applicable.get(question_id)
        if question is None:
            problems.append(
                f"{SHEET}, row {index + 1}: {question_id!r} is not a question of this assessment; the row is ignored"
            )
            continue
        written, comment = cell("answer"), cell("comment") or None
        answer = answers.get(question_id)
        current = (
            (answer.draft if answer is not None and answer.draft is not None else answer.value) if answer else None
        )
        old_comment = answer.comment if answer is not None else None
        if not written:
            if current not in (None, "", []):
                problems.append(f"{SHEET}, row {index + 1}: the answer cell is empty; the saved answer is kept")
            continue
        value = _value(question, written)
        if _shown(value) != _shown(current) or (comment and comment != old_comment):
            changes.append(
                OfflineChange(question_id, question.text.get(), _shown(current), value, comment or old_comment)
            )
    return changes, problems
