"""A ddq questionnaire as an XLSForm that KoboToolbox and ODK accept, and that ddq imports back unchanged.

A custom `ddq_type` column records ddq's own question type, so that a round trip keeps maturity ratings,
money and the like (other tools ignore the column).
"""

from __future__ import annotations

import io
from typing import Any

from ..core.cells import append_row
from ..core.conditions import Condition
from ..core.definitions import UNKNOWN_LABEL, Question, Questionnaire, Text
from ..core.questions import UNKNOWN, YES_NO_SCORES, type_of
from ..core.vocabulary import LANGUAGES

LANGUAGE_LABELS = {"en": "English (en)", "fr": "French (fr)", "es": "Spanish (es)", "pt": "Portuguese (pt)"}
def _expression(node: Any) -> str:
    """ddq's condition tree as an XLSForm expression."""
    kind = node[0]
    if kind == "lit":
        value = node[1]
        if isinstance(value, bool):
            return "true()" if value else "false()"
        return f"'{value}'" if isinstance(value, str) else str(value)
    if kind == "name":
        return "${" + node[1] + "}"
    if kind == "answered":
        return "${" + node[1] + "} != ''"
    if kind == "selected":
        return "selected(${" + node[1] + "}, '" + node[2] + "')"
    if kind == "count":
        return "count-selected(${" + node[1] + "})"
    if kind == "cmp":
        op = "=" if node[1] == "==" else node[1]
        return f"{_expression(node[2])} {op} {_expression(node[3])}"
    if kind == "in":
        operand = _expression(node[1])
        alternatives = " or ".join(f"{operand} = {_expression(['lit', option])}" for option in node[2])
        return f"not({alternatives})" if node[3] else f"({alternatives})"
    if kind == "not":
        return f"not({_expression(node[1])})"
    return "(" + f" {kind} ".join(_expression(part) for part in node[1:]) + ")"


def xlsform_relevant(condition: Condition) -> str:
    return _expression(condition.as_data())


def _texts(prefix: str, text: Text | None, languages: list[str]) -> dict[str, str]:
    if text is None:
        return {}
    return {
        f"{prefix}::{LANGUAGE_LABELS[language]}": text.get(language) for language in languages if text.has(language)
    }


def _choice_list(question: Question) -> str:
    """Unscored yes/no questions share one list; every other question has a list of its own."""
    plain = type_of(question).choices_from == YES_NO_SCORES and not question.scored and not question.allow_unknown
    return "yes_no" if plain else f"list_{question.id}"


def export_xlsform(questionnaire: Questionnaire) -> bytes:
    """The questionnaire as an .xlsx XLSForm (survey, choices, settings)."""
    from openpyxl import Workbook

    languages = [language for language in LANGUAGES if any(q.text.has(language) for q in questionnaire.questions)] or [
        "en"
    ]
    survey: list[dict[str, Any]] = []
    choices: list[dict[str, Any]] = []
    lists_written: set[str] = set()
    for section in questionnaire.sections:
        survey.append({"type": "begin_group", "name": section.id, **_texts("label", section.title, languages)})
        for question in section.questions:
            survey.append(_survey_row(question, languages))
            if question.choices:
                list_name = _choice_list(question)
                if list_name in lists_written:
                    continue
                lists_written.add(list_name)
                for choice in question.choices:
                    choices.append(
                        {
                            "list_name": list_name,
                            "name": choice.value,
                            **_texts("label", choice.label, languages),
                            **({"score": choice.score} if choice.score is not None else {}),
                        }
                    )
                if question.allow_unknown:  # an unscored choice named "unknown": imported back as allow_unknown
                    unknown = {"list_name": list_name, "name": UNKNOWN, **_texts("label", UNKNOWN_LABEL, languages)}
                    choices.append(unknown)
        survey.append({"type": "end_group"})
    workbook = Workbook()
    _sheet(workbook.active, "survey", survey)
    _sheet(workbook.create_sheet(), "choices", choices)
    _sheet(
        workbook.create_sheet(),
        "settings",
        [
            {
                "form_title": questionnaire.title.get("en"),
                "form_id": questionnaire.id,
                "version": questionnaire.version,
                "default_language": LANGUAGE_LABELS["en"],
            }
        ],
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _survey_row(question: Question, languages: list[str]) -> dict[str, Any]:
    kind = type_of(question)
    row: dict[str, Any] = {
        "type": kind.xlsform(question, _choice_list(question)),
        "name": question.id,
        "ddq_type": question.type,
        **_texts("label", question.text, languages),
        **_texts("hint", question.help, languages),
    }
    if question.required:
        row["required"] = "yes"
    if question.show_if is not None:
        row["relevant"] = xlsform_relevant(question.show_if)
    bounds = [f". >= {question.minimum:g}"] if question.minimum is not None else []
    bounds += [f". <= {question.maximum:g}"] if question.maximum is not None else []
    if bounds:
        row["constraint"] = " and ".join(bounds)
    if kind.xlsform_appearance:
        row["appearance"] = kind.xlsform_appearance
    if question.domain:
        row["ddq_domain"] = question.domain
    return row


def _sheet(sheet, title: str, rows: list[dict[str, Any]]) -> None:
    sheet.title = title
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    append_row(sheet, columns)
    for row in rows:
        append_row(sheet, [row.get(column) for column in columns])  # text stays text, expressions too
