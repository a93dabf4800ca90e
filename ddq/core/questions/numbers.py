"""Types answered with a number: plain numbers, money, percentages, ratings on a scale."""

from __future__ import annotations

import random
from typing import Any

from .base import (
    AnswerError,
    QuestionType,
    parse_number,
)


class Number(QuestionType):
    name = "number"
    default_minutes = 1.5
    takes_bounds = True
    compares_as_number = True
    xlsform_type = "decimal"
    xlsform_names = ("decimal", "integer")
    synonyms = (
        "number",
        "numeric",
        "integer",
        "decimal",
        "count",
        "nombre",
        "numero",
        "entier",
        "número",
        "numérico",
        "entero",
        "cantidad",
        "inteiro",
        "quantidade",
    )
    hint = "a number"

    def read(self, value: Any, question: Any = None) -> float | int:
        number = parse_number(value)
        result = int(number) if number == number.to_integral_value() else float(number)
        minimum = getattr(question, "minimum", None)
        maximum = getattr(question, "maximum", None)
        if minimum is not None and result < minimum:
            raise AnswerError(f"enter {minimum:g} or more")
        if maximum is not None and result > maximum:
            raise AnswerError(f"enter {maximum:g} or less")
        return result

    def score(self, question: Any, value: Any) -> float | None:
        return None

    def figure(self, question: Any, value: Any) -> float | None:
        return None

    def sample(self, question: Any, level: float, rng: random.Random) -> Any:
        return rng.randint(0, 30)


class Money(Number):
    name = "money"
    default_minutes = 3.0
    xlsform_names = ()
    synonyms = (
        "currency",
        "amount",
        "money",
        "montant",
        "monto",
        "valor",
        "usd",
        "eur",
        "gbp",
        "moneda",
        "importe",
        "moeda",
        "montante",
        "quantia",
        "valor monetário",
    )
    hint = "an amount"

    def read(self, value: Any, question: Any = None) -> float | int:
        number = super().read(value, question)
        if number < 0:
            raise AnswerError("enter an amount of zero or more")
        return number

    def sample(self, question: Any, level: float, rng: random.Random) -> Any:
        return rng.randint(50, 5_000) * 1_000


class Percent(Number):
    name = "percent"
    default_minutes = 1.5
    xlsform_names = ()
    synonyms = ("percentage", "percent", "%", "pourcentage", "porcentaje", "porcentagem", "por ciento", "percentual")
    hint = "0 to 100"

    def read(self, value: Any, question: Any = None) -> float | int:
        number = super().read(str(value).strip().rstrip("%"), question)
        if not 0 <= number <= 100:
            raise AnswerError("enter a percentage from 0 to 100")
        return number

    def sample(self, question: Any, level: float, rng: random.Random) -> Any:
        return rng.randint(5, 60)


class Rating(Number):
    """A whole number on a scale the question sets with `minimum` and `maximum` (e.g. 1-7, 0-10)."""

    name = "rating"
    default_minutes = 0.25
    needs_scale = True
    xlsform_type = "integer"
    xlsform_names = ("range",)
    synonyms = ()

    def read(self, value: Any, question: Any = None) -> int:
        number = super().read(value, question)
        if not isinstance(number, int):
            raise AnswerError("choose a whole number on the scale")
        return number

    def figure(self, question: Any, value: Any) -> float | None:
        return float(value)

    def scale(self, question: Any) -> tuple[float, float]:
        return float(question.minimum), float(question.maximum)

    def answer_hint(self, question: Any, language: str) -> str:
        return f"{question.minimum:g} to {question.maximum:g}"

    def sample(self, question: Any, level: float, rng: random.Random) -> Any:
        low, high = int(question.minimum or 0), int(question.maximum or 10)
        return min(high, max(low, round(low + (high - low) * (level - 1) / 3 + rng.uniform(-1, 1))))
