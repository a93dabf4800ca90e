"""A ddq questionnaire as an XLSForm that KoboToolbox and ODK accept, and that ddq imports back unchanged.

Beside the standard columns, `ddq_*` columns carry everything XLSForm has no place for (other tools ignore them):

- survey rows of questions: `ddq_type` (ddq's own question type, so that maturity ratings, money and the like come
  back), `ddq_domain`, `ddq_bank` (the bank item asked, `use` or `same_as`), `ddq_key`, `ddq_gate`,
  `ddq_gate_rule`, `ddq_weight` (when not the default), `ddq_allow_na`, `ddq_allow_unknown`,
  `ddq_why_na::<language>`, `ddq_why_unknown::<language>`, `ddq_evidence::<language>`, `ddq_show_if` (the
  condition in ddq's own words; `relevant` says it in XLSForm's), `ddq_tiers`, `ddq_partnership_types`,
  `ddq_partner_roles` (names separated by spaces), `ddq_minutes`, `ddq_validity_months`, `ddq_mirror`,
  `ddq_mandated_by`, `ddq_derive_from` and `ddq_derive_map` (JSON) for an answer from a bank item of another type,
  `ddq_derive_profile` for one from the organisation's record (name, country, founded_year, staff_size),
  `ddq_metadata` (JSON); minimum and maximum are XLSForm's own `constraint`;
- `begin_group` rows (sections): `ddq_purpose::<language>` and the three applicability columns;
- the choices sheet: `ddq_pass` ("yes" for a choice that passes a gate) and `ddq_next_step_<language code>` (the
  step the action plan suggests to whoever gives that answer; pyxform takes no `::<language>` in a choice's own
  columns);
- the settings sheet: `ddq_title::<language>`, `ddq_direction`, `ddq_purpose::<language>`,
  `ddq_visible_to::<language>`, `ddq_counterpart`, `ddq_mirrors_domains`, `ddq_mandated_by`, `ddq_anonymous`,
  `ddq_provenance` (JSON).

ddq.importers.ddq_columns reads them back.
"""

from __future__ import annotations

import io
import json
from typing import Any

from ..core.cells import append_row
from ..core.conditions import Condition
from ..core.definitions import UNKNOWN_LABEL, Applicability, Question, Questionnaire, Text
from ..core.questions import CHOICES, UNKNOWN, YES_NO_SCORES, type_of
from ..core.vocabulary import LANGUAGES

LANGUAGE_LABELS = {"en": "English (en)", "fr": "French (fr)", "es": "Spanish (es)", "pt": "Portuguese (pt)"}
#: How a yes/no flag is written in a `ddq_*` column.
YES = "yes"


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


def number_text(value: float) -> str:
    """A number as an XLSForm expression writes it, exactly: 1000000 not 1e+06, 2.5, -0.125."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _texts(prefix: str, text: Text | None, languages: list[str]) -> dict[str, str]:
    if text is None:
        return {}
    return {
        f"{prefix}::{LANGUAGE_LABELS[language]}": text.get(language) for language in languages if text.has(language)
    }


def _step(text: Text | None, languages: list[str]) -> dict[str, str]:
    """A choice's next step, one column per language: `ddq_next_step_en`, `ddq_next_step_fr` …"""
    if text is None:
        return {}
    return {f"ddq_next_step_{language}": text.get(language) for language in languages if text.has(language)}


def _applicability(applies_to: Applicability) -> dict[str, str]:
    return {f"ddq_{name}": " ".join(values) for name, values in applies_to.to_data().items()}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


def _choice_list(question: Question) -> str:
    """Unscored yes/no questions share one list; every other question has a list of its own."""
    plain = type_of(question).choices_from == YES_NO_SCORES and not question.scored and not question.allow_unknown
    return "yes_no" if plain else f"list_{question.id}"


def questionnaire_languages(questionnaire: Questionnaire) -> list[str]:
    """Every language any text of the questionnaire is written in, English first."""
    texts: list[Text | None] = [questionnaire.title, questionnaire.purpose, questionnaire.visible_to]
    for section in questionnaire.sections:
        texts += [section.title, section.purpose]
    for question in questionnaire.questions:
        texts += [question.text, question.help, question.evidence, question.why_na, question.why_unknown]
        texts += [text for choice in question.choices for text in (choice.label, getattr(choice, "next_step", None))]
    found = {language for text in texts if text is not None for language in text.languages}
    return [language for language in LANGUAGES if language in found or language == "en"]


def export_xlsform(questionnaire: Questionnaire) -> bytes:
    """The questionnaire as an .xlsx XLSForm (survey, choices, settings)."""
    from openpyxl import Workbook

    languages = questionnaire_languages(questionnaire)
    survey: list[dict[str, Any]] = []
    choices: list[dict[str, Any]] = []
    lists_written: set[str] = set()
    for section in questionnaire.sections:
        survey.append(
            {
                "type": "begin_group",
                "name": section.id,
                **_texts("label", section.title, languages),
                **_texts("ddq_purpose", section.purpose, languages),
                **_applicability(section.applies_to),
            }
        )
        for question in section.questions:
            survey.append(_survey_row(question, languages))
            if question.choices:
                list_name = _choice_list(question)
                if list_name in lists_written:
                    continue
                lists_written.add(list_name)
                gate_choices = type_of(question).choices_from == CHOICES
                for choice in question.choices:
                    choices.append(
                        {
                            "list_name": list_name,
                            "name": choice.value,
                            **_texts("label", choice.label, languages),
                            **({"score": choice.score} if choice.score is not None else {}),
                            **({"ddq_pass": YES} if choice.passes and gate_choices else {}),
                            **_step(getattr(choice, "next_step", None), languages),
                        }
                    )
                if question.allow_unknown:  # an unscored choice named "unknown": imported back as allow_unknown
                    unknown = {"list_name": list_name, "name": UNKNOWN, **_texts("label", UNKNOWN_LABEL, languages)}
                    choices.append(unknown)
        survey.append({"type": "end_group"})
    workbook = Workbook()
    _sheet(workbook.active, "survey", survey)
    _sheet(workbook.create_sheet(), "choices", choices)
    _sheet(workbook.create_sheet(), "settings", [_settings(questionnaire, languages)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _settings(questionnaire: Questionnaire, languages: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "form_title": questionnaire.title.get("en"),
        "form_id": questionnaire.id,
        "version": questionnaire.version,
        "default_language": LANGUAGE_LABELS["en"],
        "ddq_direction": questionnaire.direction,
        **_texts("ddq_title", questionnaire.title, languages),
        **_texts("ddq_purpose", questionnaire.purpose, languages),
        **_texts("ddq_visible_to", questionnaire.visible_to, languages),
    }
    if questionnaire.counterpart:
        row["ddq_counterpart"] = questionnaire.counterpart
    if questionnaire.mirrors_domains:
        row["ddq_mirrors_domains"] = " ".join(questionnaire.mirrors_domains)
    if questionnaire.mandated_by:
        row["ddq_mandated_by"] = questionnaire.mandated_by
    if questionnaire.anonymous:
        row["ddq_anonymous"] = YES
    if questionnaire.provenance:
        row["ddq_provenance"] = _json(dict(questionnaire.provenance))
    return row


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
        row["required"] = YES
    if question.show_if is not None:
        row["relevant"] = xlsform_relevant(question.show_if)
        row["ddq_show_if"] = question.show_if.source
    bounds = [f". >= {number_text(question.minimum)}"] if question.minimum is not None else []
    bounds += [f". <= {number_text(question.maximum)}"] if question.maximum is not None else []
    if bounds:
        row["constraint"] = " and ".join(bounds)
    if kind.xlsform_appearance:
        row["appearance"] = kind.xlsform_appearance
    row.update(_ddq_columns(question, languages))
    return row


def _ddq_columns(question: Question, languages: list[str]) -> dict[str, Any]:
    """What a question is to ddq beyond what XLSForm says (see the module's docstring)."""
    row: dict[str, Any] = {}
    plain: dict[str, Any] = {
        "ddq_domain": question.domain,
        "ddq_bank": question.bank,
        "ddq_key": YES if question.key else None,
        "ddq_gate": YES if question.gate else None,
        "ddq_gate_rule": question.gate_rule,
        "ddq_weight": question.weight if question.weight != (2.0 if question.key else 1.0) else None,
        "ddq_allow_na": YES if question.allow_na else None,
        "ddq_allow_unknown": YES if question.allow_unknown else None,
        "ddq_minutes": question.minutes,
        "ddq_validity_months": question.validity_months,
        "ddq_mirror": question.mirror,
        "ddq_mandated_by": question.mandated_by,
    }
    row.update({name: value for name, value in plain.items() if value is not None})
    row.update(_texts("ddq_evidence", question.evidence, languages))
    row.update(_texts("ddq_why_na", question.why_na, languages))
    row.update(_texts("ddq_why_unknown", question.why_unknown, languages))
    row.update(_applicability(question.applies_to))
    if question.derive_from is not None and question.derive_from.profile is not None:
        row["ddq_derive_profile"] = question.derive_from.profile
    elif question.derive_from is not None:
        row["ddq_derive_from"] = question.derive_from.bank
        if question.derive_from.map:
            row["ddq_derive_map"] = _json(dict(question.derive_from.map))
    if question.metadata:
        row["ddq_metadata"] = _json(dict(question.metadata))
    return row


def _sheet(sheet, title: str, rows: list[dict[str, Any]]) -> None:
    sheet.title = title
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    append_row(sheet, columns)
    for row in rows:
        append_row(sheet, [row.get(column) for column in columns])  # text stays text, expressions too
