"""What every question type shares: the item scale, "not yet known", the base class and small helpers."""

from __future__ import annotations

import random
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

#: The item scale of the methodology: anchored maturity from 1 to 4.
SCORE_MIN, SCORE_MAX = 1, 4

#: Limits on typed numbers, checked before any arithmetic: a 10-character exponent must not tie up a worker.
MAX_NUMBER_CHARACTERS = 40
MAX_NUMBER_EXPONENT = 15

#: How a definition gives a type's choices: a list of choices, four maturity anchors, or yes/no scores.
CHOICES, ANCHORS, YES_NO_SCORES = "choices", "anchors", "scores"

#: The stored value of a "not yet known" answer (methodology §2: it lowers confidence, never the score). A type
#: accepts it only on a question with `allow_unknown: true`; it has no score and never passes or fails a gate.
UNKNOWN = "unknown"
#: How "not yet known" reads, by language.
UNKNOWN_LABELS = {"en": "Not yet known", "fr": "Pas encore connu", "es": "Aún no se sabe", "pt": "Ainda não se sabe"}

SAMPLE_TEXTS = (
    "Set out in our annual report; we are happy to talk it through.",
    "We agree this with each partner at the start and review it every year.",
    "Handled by our director with the board's finance committee.",
    "Described in the policy shared last year; an update is under way.",
)


class AnswerError(ValueError):
    """A value that does not fit its question."""


class QuestionType:
    """Base of all types; subclasses set the class attributes and override what differs."""

    name: ClassVar[str]
    #: Minutes a respondent needs for one item of this type (methodology, burden model).
    default_minutes: ClassVar[float]
    #: How a definition gives the choices (CHOICES, ANCHORS, YES_NO_SCORES), or None for a type without choices.
    choices_from: ClassVar[str | None] = None
    #: Whether answering it means supplying a document.
    is_document: ClassVar[bool] = False
    #: Whether several choices may be selected (the stored value is then a list).
    is_multiple: ClassVar[bool] = False
    #: Whether a definition must give `minimum` and `maximum` (the scale of the answer).
    needs_scale: ClassVar[bool] = False
    #: Whether `minimum` and `maximum` may bound the answer.
    takes_bounds: ClassVar[bool] = False
    #: Whether conditions compare the answer as a number, so its choice values are not checked as words.
    compares_as_number: ClassVar[bool] = False
    #: The XLSForm type written for it on export (choice types write select_one / select_multiple).
    xlsform_type: ClassVar[str] = "text"
    #: An XLSForm `appearance` written with it on export.
    xlsform_appearance: ClassVar[str | None] = None
    #: XLSForm types that import as this type (the first type listing a name wins).
    xlsform_names: ClassVar[tuple[str, ...]] = ()
    #: Words in the "type" column of an ordinary spreadsheet that mean this type (any language, lower case).
    synonyms: ClassVar[tuple[str, ...]] = ()
    #: How to answer it in an offline spreadsheet, for types without choices.
    hint: ClassVar[str] = "text"
    #: Whether a question of this type may offer "not yet known" (`allow_unknown`): the types that can be scored.
    can_be_unknown: ClassVar[bool] = False

    @property
    def has_choices(self) -> bool:
        return self.choices_from is not None

    def normalise(self, value: Any, question: Any = None) -> Any:
        """Return the canonical stored form of `value` for `question`, or raise AnswerError.

        "Not yet known" (UNKNOWN) is accepted here, once for every type, where the question allows it.
        """
        if means_unknown(value) and self.allows_unknown(question):
            return UNKNOWN
        return self.read(value, question)

    def read(self, value: Any, question: Any = None) -> Any:
        """The canonical stored form of an answer of this type; subclasses check and convert."""
        return value

    def allows_unknown(self, question: Any) -> bool:
        """Whether `question` offers "not yet known"."""
        return self.can_be_unknown and bool(getattr(question, "allow_unknown", False))

    def is_unknown_answer(self, question: Any, value: Any) -> bool:
        """Whether a stored answer to `question` is "not yet known" (no score; a gate neither passes nor flags)."""
        return is_unknown(value) and self.allows_unknown(question)

    def score(self, question: Any, value: Any) -> float | None:
        """The 1-4 score of an answer: its choice's score (the highest selected), or None."""
        if self.is_unknown_answer(question, value):
            return None
        choices = [question.choice(str(item)) for item in as_list(value)]
        scores = [choice.score for choice in choices if choice is not None and choice.score is not None]
        return max(scores) if scores else None

    def gate_passes(self, question: Any, value: Any) -> bool:
        """Whether an answer passes the question's gate."""
        return str(value) in question.pass_values

    def figure(self, question: Any, value: Any) -> float | None:
        """The number an answer adds to an average of several answers (a feedback figure), or None."""
        return self.score(question, value)

    def scale(self, question: Any) -> tuple[float, float]:
        """The scale on which `figure` is read."""
        return float(SCORE_MIN), float(SCORE_MAX)

    def display(self, question: Any, value: Any, language: str) -> str:
        """An answer in words, as a report shows it."""
        if self.is_unknown_answer(question, value):
            return unknown_label(language)
        labels = []
        for item in as_list(value):
            choice = question.choice(str(item)) if question.choices else None
            labels.append(choice.label.get(language) if choice else str(item))
        return "; ".join(labels)

    def answer_hint(self, question: Any, language: str) -> str:
        """How to answer it in an offline spreadsheet."""
        if question.choices:
            options = [f"{choice.value} = {choice.label.get(language)}" for choice in question.choices]
            if self.allows_unknown(question):
                options.append(f"{UNKNOWN} = {unknown_label(language)}")
            return "; ".join(options)
        return self.hint

    def xlsform(self, question: Any, list_name: str) -> str:
        """The XLSForm `type` cell for a question of this type."""
        return f"select_one {list_name}" if question.choices else self.xlsform_type

    def sample(self, question: Any, level: float, rng: random.Random) -> Any:
        """A plausible answer for an organisation whose capacity is around `level` (1-4), for the demo."""
        if question.choices:
            return nearest_choice(question, level).value if question.scored else rng.choice(question.choices).value
        return SAMPLE_TEXTS[rng.randrange(len(SAMPLE_TEXTS))]


def parse_number(value: Any) -> Decimal:
    """A typed number as a Decimal, refusing what is too long, too large, too small or not finite."""
    text = str(value).strip().replace(",", "").replace(" ", "")
    if len(text) > MAX_NUMBER_CHARACTERS:
        raise AnswerError(f"enter a number of at most {MAX_NUMBER_CHARACTERS} characters")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise AnswerError("enter a number") from None
    if not number.is_finite():
        raise AnswerError("enter a number")
    if number and not -MAX_NUMBER_EXPONENT <= number.adjusted() <= MAX_NUMBER_EXPONENT:
        raise AnswerError(f"enter a number between -10^{MAX_NUMBER_EXPONENT} and 10^{MAX_NUMBER_EXPONENT}")
    return number


def is_unknown(value: Any) -> bool:
    """Whether a stored answer is "not yet known"."""
    return value == UNKNOWN


def means_unknown(value: Any) -> bool:
    """Whether an answer as given (typed, posted, or ["unknown"] from a multiple choice) says "not yet known"."""
    if isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    return isinstance(value, str) and value.strip().lower() == UNKNOWN


def unknown_label(language: str) -> str:
    """ "Not yet known" in `language` (English where there is no translation)."""
    return UNKNOWN_LABELS.get(language, UNKNOWN_LABELS["en"])



def as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def choice_values(question: Any) -> list[str]:
    return [choice.value for choice in getattr(question, "choices", ())]


def choice_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def nearest_choice(question: Any, level: float) -> Any:
    scored = [choice for choice in question.choices if choice.score is not None]
    if not scored:
        return question.choices[0]
    return min(scored, key=lambda choice: abs(choice.score - level))
