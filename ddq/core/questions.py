"""Question types: one class each, holding what the type means for answers, scores and burden.

The web layer builds a form field per type from these; the core never imports a form library.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

#: The item scale of the methodology: anchored maturity from 1 to 4.
SCORE_MIN, SCORE_MAX = 1, 4


class AnswerError(ValueError):
    """A value that does not fit its question."""


class QuestionType:
    """Base of all types; subclasses set the class attributes and override `normalise`."""

    name: ClassVar[str]
    #: Minutes a respondent needs for one item of this type (methodology, burden model).
    default_minutes: ClassVar[float]
    #: Whether the type carries choices (and so may carry a score per choice).
    has_choices: ClassVar[bool] = False
    #: Whether answering it means supplying a document.
    is_document: ClassVar[bool] = False

    def normalise(self, value: Any, question: Any = None) -> Any:
        """Return the canonical stored form of `value` for `question`, or raise AnswerError."""
        return value


class YesNo(QuestionType):
    name = "yes_no"
    default_minutes = 0.25
    has_choices = True
    values = ("yes", "no")

    def normalise(self, value: Any, question: Any = None) -> str:
        text = str(value).strip().lower()
        if text in {"yes", "true", "1", "oui", "sí", "si", "sim"}:
            return "yes"
        if text in {"no", "false", "0", "non", "não", "nao"}:
            return "no"
        raise AnswerError("answer yes or no")


class SingleChoice(QuestionType):
    name = "single_choice"
    default_minutes = 0.25
    has_choices = True

    def normalise(self, value: Any, question: Any = None) -> str:
        text = _choice_text(value)
        if text not in _choice_values(question):
            raise AnswerError(f"{text!r} is not one of the choices")
        return text


class MultiChoice(QuestionType):
    name = "multi_choice"
    default_minutes = 0.5
    has_choices = True

    def normalise(self, value: Any, question: Any = None) -> list[str]:
        items = value if isinstance(value, (list, tuple, set)) else [value]
        allowed = _choice_values(question)
        picked = {_choice_text(item) for item in items if str(item).strip()}
        unknown = sorted(picked - set(allowed))
        if unknown:
            raise AnswerError(f"not among the choices: {', '.join(unknown)}")
        return [choice for choice in allowed if choice in picked]


class Maturity(QuestionType):
    """A 1-4 rating against four written anchors; the level is the score."""

    name = "maturity"
    default_minutes = 1.0
    has_choices = True

    def normalise(self, value: Any, question: Any = None) -> int:
        try:
            level = int(str(value).strip())
        except ValueError:
            raise AnswerError("choose a level from 1 to 4") from None
        if not SCORE_MIN <= level <= SCORE_MAX:
            raise AnswerError("choose a level from 1 to 4")
        return level


class Number(QuestionType):
    name = "number"
    default_minutes = 1.5

    def normalise(self, value: Any, question: Any = None) -> float | int:
        number = _decimal(value)
        result = int(number) if number == number.to_integral_value() else float(number)
        minimum = getattr(question, "minimum", None)
        maximum = getattr(question, "maximum", None)
        if minimum is not None and result < minimum:
            raise AnswerError(f"enter {minimum:g} or more")
        if maximum is not None and result > maximum:
            raise AnswerError(f"enter {maximum:g} or less")
        return result


class Money(Number):
    name = "money"
    default_minutes = 3.0

    def normalise(self, value: Any, question: Any = None) -> float | int:
        number = super().normalise(value, question)
        if number < 0:
            raise AnswerError("enter an amount of zero or more")
        return number


class Percent(Number):
    name = "percent"
    default_minutes = 1.5

    def normalise(self, value: Any, question: Any = None) -> float | int:
        number = super().normalise(str(value).strip().rstrip("%"), question)
        if not 0 <= number <= 100:
            raise AnswerError("enter a percentage from 0 to 100")
        return number


class Rating(Number):
    """A whole number on a scale the question sets with `minimum` and `maximum` (e.g. 1-7, 0-10)."""

    name = "rating"
    default_minutes = 0.25

    def normalise(self, value: Any, question: Any = None) -> int:
        number = super().normalise(value, question)
        if not isinstance(number, int):
            raise AnswerError("choose a whole number on the scale")
        return number


class Date(QuestionType):
    name = "date"
    default_minutes = 1.5

    def normalise(self, value: Any, question: Any = None) -> str:
        if isinstance(value, dt.date):
            return value.isoformat()
        try:
            return dt.date.fromisoformat(str(value).strip()).isoformat()
        except ValueError:
            raise AnswerError("enter a date as YYYY-MM-DD") from None


class ShortText(QuestionType):
    name = "short_text"
    default_minutes = 5.0
    max_length = 500

    def normalise(self, value: Any, question: Any = None) -> str:
        text = str(value).strip()
        if len(text) > self.max_length:
            raise AnswerError(f"keep it under {self.max_length} characters")
        return text


class LongText(ShortText):
    name = "long_text"
    default_minutes = 15.0
    max_length = 20_000


class Document(QuestionType):
    """An evidence upload; the stored value is the id of the evidence file."""

    name = "document"
    default_minutes = 3.0
    is_document = True


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
        Document,
    )
}


def _choice_values(question: Any) -> list[str]:
    return [choice.value for choice in getattr(question, "choices", ())]


def _choice_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _decimal(value: Any) -> Decimal:
    text = str(value).strip().replace(",", "").replace(" ", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise AnswerError("enter a number") from None
    if not number.is_finite():
        raise AnswerError("enter a number")
    return number
