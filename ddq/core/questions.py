"""Question types: one class each, holding everything a type means.

A type says how an answer is normalised and validated, how it scores and whether it passes a gate, how many
minutes it takes, how it is written to and read from XLSForm and ordinary spreadsheets, how it reads in a report,
and what a plausible demo answer looks like. Nothing else in ddq branches on a type's name: code asks the type.
The web layer keeps one table from type name to widget (`ddq/web/widgets.py`); the core imports no form library.

Adding a type: one class here (registered in TYPES), one widget entry, and its tests.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import statistics
from collections.abc import Sequence
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

_SAMPLE_TEXTS = (
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
        choices = [question.choice(str(item)) for item in _as_list(value)]
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
        for item in _as_list(value):
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
            return _nearest(question, level).value if question.scored else rng.choice(question.choices).value
        return _SAMPLE_TEXTS[rng.randrange(len(_SAMPLE_TEXTS))]


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
        return _nearest(question, level).value if question.scored else rng.choice(self.values)


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
        text = _choice_text(value)
        if text not in _choice_values(question):
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
        allowed = _choice_values(question)
        picked = {_choice_text(item) for item in items if str(item).strip()}
        if UNKNOWN in picked and UNKNOWN not in allowed and self.allows_unknown(question):
            raise AnswerError(f"choose {unknown_label('en')!r} on its own, or choices only")
        unknown = sorted(picked - set(allowed))
        if unknown:
            raise AnswerError(f"not among the choices: {', '.join(unknown)}")
        return [choice for choice in allowed if choice in picked]

    def gate_passes(self, question: Any, value: Any) -> bool:
        """`any`: at least one passing choice is selected; `all`: every passing choice is selected."""
        selected = {str(item) for item in _as_list(value)}
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
        return f"{value}. {choice.label.get(language)}" if choice else str(value)

    def sample(self, question: Any, level: float, rng: random.Random) -> Any:
        return round(level)


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


class Date(QuestionType):
    name = "date"
    default_minutes = 1.5
    xlsform_type = "date"
    xlsform_names = ("date",)
    synonyms = ("date", "fecha", "data", "fecha (dd/mm/aaaa)", "data (dd/mm/aaaa)")
    hint = "YYYY-MM-DD"

    def read(self, value: Any, question: Any = None) -> str:
        if isinstance(value, dt.date):
            return value.isoformat()
        text = str(value).strip()
        try:
            if len(text) > 10:
                raise ValueError
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            raise AnswerError("enter a date as YYYY-MM-DD") from None

    def sample(self, question: Any, level: float, rng: random.Random) -> Any:
        return dt.date(2026, rng.randint(1, 10), rng.randint(1, 28)).isoformat()


class ShortText(QuestionType):
    name = "short_text"
    default_minutes = 5.0
    xlsform_names = ("text",)
    synonyms = (
        "text",
        "short text",
        "texte",
        "texto",
        "string",
        "name",
        "texto corto",
        "texto breve",
        "respuesta corta",
        "texto curto",
        "resposta curta",
    )
    max_length = 500

    def read(self, value: Any, question: Any = None) -> str:
        text = str(value).strip()
        if len(text) > self.max_length:
            raise AnswerError(f"keep it under {self.max_length} characters")
        return text


class LongText(ShortText):
    name = "long_text"
    default_minutes = 15.0
    xlsform_appearance = "multiline"
    xlsform_names = ()
    synonyms = (
        "free text",
        "long text",
        "narrative",
        "texte libre",
        "texto libre",
        "texto livre",
        "paragraph",
        "essay",
        "texto largo",
        "párrafo",
        "respuesta abierta",
        "texto longo",
        "parágrafo",
        "resposta aberta",
    )
    max_length = 20_000


class Email(ShortText):
    """An e-mail address (a contact for the partnership, the safeguarding focal point)."""

    name = "email"
    default_minutes = 0.5
    synonyms = (
        "email",
        "e-mail",
        "email address",
        "courriel",
        "correo electronico",
        "correo",
        "e-mail address",
        "correo electrónico",
        "correio eletrónico",
        "correio eletrônico",
        "endereço de e-mail",
    )
    hint = "name@example.org"
    xlsform_names = ()
    max_length = 254
    _shape = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")

    def read(self, value: Any, question: Any = None) -> str:
        text = super().read(value, question)
        if not self._shape.match(text):
            raise AnswerError("enter an e-mail address such as name@example.org")
        local, _, domain = text.rpartition("@")
        return f"{local}@{domain.lower()}"

    def sample(self, question: Any, level: float, rng: random.Random) -> Any:
        return f"contact{rng.randint(1, 99)}@example.org"


class Document(QuestionType):
    """An evidence upload; the stored value is the name of the evidence file."""

    name = "document"
    default_minutes = 3.0
    is_document = True
    xlsform_type = "file"
    xlsform_names = ("file", "image")
    synonyms = (
        "document",
        "upload",
        "file",
        "attachment",
        "fichier",
        "archivo",
        "arquivo",
        "documento",
        "adjunto",
        "archivo adjunto",
        "subir archivo",
        "anexo",
        "carregar arquivo",
    )
    hint = "upload documents on the website"

    def sample(self, question: Any, level: float, rng: random.Random) -> Any:
        return None  # the demo ships no files


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
            for item in _as_list(value):
                counts[str(item)] = counts.get(str(item), 0) + 1
        return ", ".join(
            f"{_choice_label(question, key, language)}: {n}"
            for key, n in counts.items()
            if n
        )
    return f"{len(values)} written answers"


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


def _choice_label(question: Any, value: str, language: str) -> str:
    choice = question.choice(value)
    if choice is not None:
        return choice.label.get(language)
    return unknown_label(language) if type_of(question).is_unknown_answer(question, value) else value


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _choice_values(question: Any) -> list[str]:
    return [choice.value for choice in getattr(question, "choices", ())]


def _choice_text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _nearest(question: Any, level: float) -> Any:
    scored = [choice for choice in question.choices if choice.score is not None]
    if not scored:
        return question.choices[0]
    return min(scored, key=lambda choice: abs(choice.score - level))
