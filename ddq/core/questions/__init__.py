"""Question types: one class each, holding everything a type means.

A type says how an answer is normalised and validated, how it scores and whether it passes a gate, how many
minutes it takes, how it is written to and read from XLSForm and ordinary spreadsheets, how it reads in a report,
and what a plausible demo answer looks like. Nothing else in ddq branches on a type's name: code asks the type.
The web layer keeps one table from type name to widget (`ddq/web/widgets.py`); the core imports no form library.

The package: `base` (the item scale, "not yet known", the base class, number parsing), `choices`, `numbers` and
`texts` (the types), and here the registry. Adding a type: one class (registered in TYPES below), one widget
entry, and its tests.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from typing import Any

from .base import (
    ANCHORS,
    CHOICES,
    MAX_NUMBER_CHARACTERS,
    MAX_NUMBER_EXPONENT,
    SCORE_MAX,
    SCORE_MIN,
    UNKNOWN,
    UNKNOWN_LABELS,
    YES_NO_SCORES,
    AnswerError,
    QuestionType,
    as_list,
    is_unknown,
    means_unknown,
    parse_number,
    unknown_label,
)
from .choices import Maturity, MultiChoice, SingleChoice, YesNo
from .numbers import Money, Number, Percent, Rating
from .texts import Date, Document, Email, LongText, ShortText

__all__ = [
    "ANCHORS",
    "CHOICES",
    "EVIDENCE_MINUTES",
    "MAX_NUMBER_CHARACTERS",
    "MAX_NUMBER_EXPONENT",
    "SCORE_MAX",
    "SCORE_MIN",
    "TYPES",
    "UNKNOWN",
    "UNKNOWN_LABELS",
    "YES_NO_SCORES",
    "AnswerError",
    "QuestionType",
    "YesNo",
    "is_unknown",
    "means_unknown",
    "parse_number",
    "summarise",
    "type_for_xlsform",
    "type_of",
    "type_with_appearance",
    "unknown_label",
]

#: Minutes added to a question that also asks for a supporting document.
EVIDENCE_MINUTES = Document.default_minutes

TYPES: dict[str, QuestionType] = {
    kind.name: kind()
    for kind in (
        YesNo,
        SingleChoice,
        MultiChoice,
        Maturity,
        Number,
        Money,
        Percent,
        Rating,
        Date,
        ShortText,
        LongText,
        Email,
        Document,
    )
}


def type_of(question: Any) -> QuestionType:
    """The type object of a question."""
    return TYPES[question.type]


def type_for_xlsform(xlsform_name: str) -> str | None:
    """The ddq type an XLSForm type imports as, or None when no type claims it."""
    return next((kind.name for kind in TYPES.values() if xlsform_name in kind.xlsform_names), None)


def type_with_appearance(type_name: str, appearance: str) -> str:
    """The type that an XLSForm `appearance` makes of `type_name` (text with "multiline" is long text)."""
    xlsform_type = TYPES[type_name].xlsform_type
    return next(
        (
            kind.name
            for kind in TYPES.values()
            if kind.xlsform_appearance == appearance and kind.xlsform_type == xlsform_type
        ),
        type_name,
    )


def summarise(question: Any, values: Sequence[Any], language: str = "en") -> str:
    """Several answers to one question in a line: a mean on the scale, counts per choice, or a count."""
    kind = type_of(question)
    figures = [figure for value in values if (figure := kind.figure(question, value)) is not None]
    if not values:
        return "—"
    if figures and not question.choices:
        low, high = kind.scale(question)
        return f"mean {statistics.mean(figures):.1f} (from {low:g} to {high:g})"
    if question.choices:
        counts = {choice.value: 0 for choice in question.choices}
        for value in values:
            for item in as_list(value):
                counts[str(item)] = counts.get(str(item), 0) + 1
        return ", ".join(
            f"{_choice_label(question, key, language)}: {n}"
            for key, n in counts.items()
            if n
        )
    return f"{len(values)} written answers"

def _choice_label(question: Any, value: str, language: str) -> str:
    choice = question.choice(value)
    if choice is not None:
        return choice.label.get(language)
    return unknown_label(language) if type_of(question).is_unknown_answer(question, value) else value

