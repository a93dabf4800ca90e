"""The one table from question type to widget: the form field that reads it and the template macro that shows it.

Each macro lives in `templates/respond/_widgets.html`. A new question type needs one entry here (a test checks that
every type in ddq.core.questions.TYPES has one, and that every macro exists).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from wtforms import Field, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from ..core.definitions import Question


def _choices(question: Question) -> list[SelectChoice]:
    return [SelectChoice(choice.value, choice.value) for choice in question.choices]


def _radio(question: Question) -> Field:
    return RadioField(choices=_choices(question), validate_choice=False)


def _scale(question: Question) -> Field:
    """A rating: one radio button per point of the question's scale (read as a number by the rating type)."""
    return RadioField(choices=[], validate_choice=False)


def _checkboxes(question: Question) -> Field:
    return SelectMultipleField(choices=_choices(question), validate_choice=False)


def _text(question: Question) -> Field:
    return StringField()


def _textarea(question: Question) -> Field:
    return TextAreaField()


def _no_field(question: Question) -> None:
    """Documents are answered by their upload field alone."""
    return None


@dataclass(frozen=True)
class Widget:
    #: Builds the form field for a question (None: the question has no answer field of its own).
    field: Callable[[Question], Field | None]
    #: The macro in templates/respond/_widgets.html that renders it.
    macro: str


WIDGETS: dict[str, Widget] = {
    "yes_no": Widget(_radio, "radios"),
    "single_choice": Widget(_radio, "radios"),
    "multi_choice": Widget(_checkboxes, "checkboxes"),
    "maturity": Widget(_radio, "levels"),
    "number": Widget(_text, "number"),
    "money": Widget(_text, "number"),
    "percent": Widget(_text, "number"),
    "rating": Widget(_scale, "scale"),
    "date": Widget(_text, "date"),
    "short_text": Widget(_text, "text"),
    "long_text": Widget(_textarea, "textarea"),
    "email": Widget(_text, "email"),
    "document": Widget(_no_field, "document"),
}


def widget_of(question: Question) -> Widget:
    return WIDGETS[question.type]
