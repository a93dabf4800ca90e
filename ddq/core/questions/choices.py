"""Types answered by choosing: yes/no, one choice, several choices, a maturity level."""

from __future__ import annotations

import random
import re
from typing import Any

from .base import (
    ANCHORS,
    CHOICES,
    SCORE_MAX,
    SCORE_MIN,
    UNKNOWN,
    YES_NO_SCORES,
    AnswerError,
    QuestionType,
    as_list,
    choice_text,
    choice_values,
    nearest_choice,
    unknown_label,
)


class YesNo(QuestionType):
    name = "yes_no"
    default_minutes = 0.25
    choices_from = YES_NO_SCORES
    can_be_unknown = True
    xlsform_names = ("acknowledge",)
    synonyms = (
        "yes/no",
        "y/n",
        "oui/non",
        "si/no",
        "sim/nao",
        "boolean",
        "sí/no",
        "sí o no",
        "booleano",
        "verdadero/falso",
        "sim/não",
        "sim ou não",
        "verdadeiro/falso",
    )
    values = ("yes", "no")

    def read(self, value: Any, question: Any = None) -> str:
        text = str(value).strip().lower()
        if text in {"yes", "true", "1", "oui", "sí", "si", "sim"}:
            return "yes"
        if text in {"no", "false", "0", "non", "não", "nao"}:
            return "no"
        raise AnswerError("answer yes or no")

    def sample(self, question: Any, level: float, rng: random.Random) -> Any:
        if question.gate:
            return "yes" if rng.random() < 0.95 else "no"
        return nearest_choice(question, level).value if question.scored else rng.choice(self.values)


class SingleChoice(QuestionType):
    name = "single_choice"
    default_minutes = 0.25
    choices_from = CHOICES
    can_be_unknown = True
    xlsform_names = ("select one",)
    synonyms = (
        "single choice",
        "select one",
        "dropdown",
        "drop down",
        "list",
        "choice",
        "choix unique",
        "seleccion unica",
        "escolha unica",
        "selección única",
        "opción única",
        "opción simple",
        "lista desplegable",
        "desplegable",
        "escolha única",
        "opção única",
        "seleção única",
        "lista suspensa",
    )

    def read(self, value: Any, question: Any = None) -> str:
        text = choice_text(value)
        if text not in choice_values(question):
            raise AnswerError(f"{text!r} is not one of the choices")
        return text


class MultiChoice(QuestionType):
    """Several choices; it scores as its best choice and passes a gate by its `gate_rule` (any or all)."""

    name = "multi_choice"
    default_minutes = 0.5
    choices_from = CHOICES
    is_multiple = True
    can_be_unknown = True
    xlsform_names = ("select all that apply", "select multiple", "rank")
    synonyms = (
        "multiple choice",
        "multi choice",
        "select multiple",
        "select all",
        "select all that apply",
        "checkboxes",
        "choix multiple",
        "seleccion multiple",
        "multipla escolha",
        "opción múltiple",
        "selección múltiple",
        "casillas de verificación",
        "múltipla escolha",
        "escolha múltipla",
        "seleção múltipla",
        "opções múltiplas",
        "caixas de seleção",
    )

    def read(self, value: Any, question: Any = None) -> list[str]:
        items = value if isinstance(value, (list, tuple, set)) else [value]
        allowed = choice_values(question)
        picked = {choice_text(item) for item in items if str(item).strip()}
        if UNKNOWN in picked and UNKNOWN not in allowed and self.allows_unknown(question):
            raise AnswerError(f"choose {unknown_label('en')!r} on its own, or choices only")
        unknown = sorted(picked - set(allowed))
        if unknown:
            raise AnswerError(f"not among the choices: {', '.join(unknown)}")
        return [choice for choice in allowed if choice in picked]

    def gate_passes(self, question: Any, value: Any) -> bool:
        """`any`: at least one passing choice is selected; `all`: every passing choice is selected."""
        selected = {str(item) for item in as_list(value)}
        passing = question.pass_values
        if question.gate_rule == "all":
            return passing <= selected
        return bool(passing & selected)

    def answer_hint(self, question: Any, language: str) -> str:
        return super().answer_hint(question, language) + " (several: a; b)"

    def xlsform(self, question: Any, list_name: str) -> str:
        return f"select_multiple {list_name}"

    def sample(self, question: Any, level: float, rng: random.Random) -> Any:
        return [
            choice.value for choice in rng.sample(question.choices, k=rng.randint(1, min(3, len(question.choices))))
        ]


#: An anchor that builds on a lower level ("As level 3, and …") in the languages of the bank: the level it names.
BUILDS_ON = re.compile(r"^\s*(?:as level|comme au niveau|como en el nivel|como no n[ií]vel)\s+(\d+)\b", re.IGNORECASE)
LEVEL_WORDS = {"en": "Level", "fr": "Niveau", "es": "Nivel", "pt": "Nível"}


class Maturity(QuestionType):
    """A 1-4 rating against four written anchors; the level is the score."""

    name = "maturity"
    default_minutes = 1.0
    choices_from = ANCHORS
    can_be_unknown = True
    compares_as_number = True

    def read(self, value: Any, question: Any = None) -> int:
        try:
            level = int(str(value).strip())
        except ValueError:
            raise AnswerError("choose a level from 1 to 4") from None
        if not SCORE_MIN <= level <= SCORE_MAX:
            raise AnswerError("choose a level from 1 to 4")
        return level

    def display(self, question: Any, value: Any, language: str) -> str:
        if self.is_unknown_answer(question, value):
            return unknown_label(language)
        choice = question.choice(str(value))
        return f"{value}. {self.anchor_text(question, value, language)}" if choice else str(value)

    def anchor_text(self, question: Any, level: Any, language: str) -> str:
        """A level's anchor in full: one that builds on a lower level ("As level 3, and …") is followed by what
        that level says, and so on down, so that the text stands alone."""
        text = question.choice(str(level)).label.get(language)
        named = BUILDS_ON.match(text)
        if named and int(named.group(1)) < int(level) and question.choice(named.group(1)):
            word = LEVEL_WORDS.get(language, LEVEL_WORDS["en"])
            return f"{text} ({word} {named.group(1)}: {self.anchor_text(question, named.group(1), language)})"
        return text

    def sample(self, question: Any, level: float, rng: random.Random) -> Any:
        return round(level)
