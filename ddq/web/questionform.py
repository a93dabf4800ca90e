"""Questionnaire sections as forms: a fresh WTForms class per request, one field per question (`q_<id>`).

Values are never validated by WTForms: a draft may hold anything the respondent typed. The core's question
types decide what is valid (ddq.core.questions), and invalid input is kept as typed and shown again.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, StringField, TextAreaField

from ..core.definitions import Question
from .widgets import widget_of


def field_name(question: Question) -> str:
    return f"q_{question.id}"


def make_section_form(questions: list[Question]) -> type[FlaskForm]:
    """Build the form class for these questions (a new class each call: fields never leak between requests)."""
    attributes: dict[str, Any] = {"active_seconds": HiddenField(default="0")}
    for question in questions:
        field = widget_of(question).field(question)
        if field is not None:
            attributes[field_name(question)] = field
        if question.allow_na:
            attributes[f"na_{question.id}"] = BooleanField()
            attributes[f"nareason_{question.id}"] = StringField()
        if question.asks_document:
            attributes[f"file_{question.id}"] = FileField()
        attributes[f"comment_{question.id}"] = TextAreaField()
    return type("SectionForm", (FlaskForm,), attributes)


def posted_answer(form: FlaskForm, question: Question) -> dict[str, Any] | None:
    """What the form says about one question, or None when the question was not on the page."""
    name = field_name(question)
    if name not in form and f"comment_{question.id}" not in form:
        return None
    raw = form[name].data if name in form else None
    if isinstance(raw, str):
        raw = raw.strip()
    not_applicable = bool(form[f"na_{question.id}"].data) if f"na_{question.id}" in form else False
    return {
        "raw": raw,
        "not_applicable": not_applicable,
        "na_reason": form[f"nareason_{question.id}"].data if not_applicable else None,
        "comment": form[f"comment_{question.id}"].data,
    }
