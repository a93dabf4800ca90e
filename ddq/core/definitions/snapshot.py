"""A questionnaire's snapshot: its canonical data form (the file format, bank items written out) and sha256."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ..questions import ANCHORS, TYPES, YES_NO_SCORES
from .model import Choice, Question, Questionnaire, Section

# --- snapshots ------------------------------------------------------------------------------------


def questionnaire_to_data(questionnaire: Questionnaire) -> dict[str, Any]:
    """Write a questionnaire out in full in the file format, bank items included: its immutable snapshot."""
    data: dict[str, Any] = {
        "id": questionnaire.id,
        "version": questionnaire.version,
        "direction": questionnaire.direction,
        "title": questionnaire.title.to_data(),
        "purpose": questionnaire.purpose.to_data(),
        "visible_to": questionnaire.visible_to.to_data(),
        "sections": [_section_to_data(section) for section in questionnaire.sections],
    }
    optional = {
        "counterpart": questionnaire.counterpart,
        "mirrors_domains": list(questionnaire.mirrors_domains),
        "mandated_by": questionnaire.mandated_by,
        "anonymous": questionnaire.anonymous,
        "provenance": dict(questionnaire.provenance),
    }
    data.update({key: value for key, value in optional.items() if value})
    return data


def _section_to_data(section: Section) -> dict[str, Any]:
    data: dict[str, Any] = {"id": section.id, "title": section.title.to_data()}
    if section.purpose:
        data["purpose"] = section.purpose.to_data()
    if section.applies_to.to_data():
        data["applies_to"] = section.applies_to.to_data()
    data["questions"] = [_question_to_data(question) for question in section.questions]
    return data


def _question_to_data(question: Question) -> dict[str, Any]:
    data: dict[str, Any] = {"id": question.id, "type": question.type, "text": question.text.to_data()}
    if question.bank:
        data["use"] = question.bank
    if question.metadata:
        data["metadata"] = dict(question.metadata)
    source = TYPES[question.type].choices_from
    if source == ANCHORS:
        data["anchors"] = [choice.label.to_data() for choice in question.choices]
    elif source == YES_NO_SCORES:
        scores = {choice.value: choice.score for choice in question.choices if choice.score is not None}
        if scores:
            data["scores"] = scores
    elif question.choices:
        data["choices"] = [_choice_to_data(choice) for choice in question.choices]
    for name in ("help", "evidence", "why_na", "why_unknown"):
        if getattr(question, name) is not None:
            data[name] = getattr(question, name).to_data()
    plain = {
        "domain": question.domain,
        "required": question.required,
        "key": question.key,
        "gate": question.gate,
        "gate_rule": question.gate_rule,
        "allow_na": question.allow_na,
        "allow_unknown": question.allow_unknown,
        "minutes": question.minutes,
        "validity_months": question.validity_months,
        "mirror": question.mirror,
        "mandated_by": question.mandated_by,
        "minimum": question.minimum,
        "maximum": question.maximum,
    }
    data.update({key: value for key, value in plain.items() if value is not None and value is not False})
    if question.weight != (2.0 if question.key else 1.0):
        data["weight"] = question.weight
    if question.show_if is not None:
        data["show_if"] = question.show_if.source
    if question.applies_to.to_data():
        data["applies_to"] = question.applies_to.to_data()
    if question.derive_from is not None:
        data["derive_from"] = question.derive_from.to_data()
    return data


def _choice_to_data(choice: Choice) -> dict[str, Any]:
    data: dict[str, Any] = {"value": choice.value, "label": choice.label.to_data()}
    if choice.score is not None:
        data["score"] = choice.score
    if choice.passes:
        data["pass"] = True
    if choice.next_step is not None:
        data["next_step"] = choice.next_step.to_data()
    return data


def canonical_json(data: Any) -> str:
    """The one JSON spelling of some data, so that equal definitions hash alike."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def definition_hash(questionnaire: Questionnaire) -> str:
    """The sha256 of a questionnaire's snapshot."""
    return hashlib.sha256(canonical_json(questionnaire_to_data(questionnaire)).encode("utf-8")).hexdigest()
