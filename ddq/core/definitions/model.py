"""The definitions as frozen dataclasses: texts, domains, tiers, questions, sections, questionnaires, a library."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from ..conditions import Condition
from ..questions import TYPES, UNKNOWN_LABELS
from ..vocabulary import DEFAULT_LANGUAGE, LANGUAGES


@dataclass(frozen=True)
class Text:
    """A text in several languages; English is always there."""

    translations: tuple[tuple[str, str], ...]

    def get(self, language: str = DEFAULT_LANGUAGE) -> str:
        values = dict(self.translations)
        return values.get(language) or values[DEFAULT_LANGUAGE]

    def has(self, language: str) -> bool:
        return language in dict(self.translations)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(language for language, _ in self.translations)

    def to_data(self) -> dict[str, str]:
        return dict(self.translations)

    def __str__(self) -> str:
        return self.get()

    @classmethod
    def of(cls, **translations: str) -> Text:
        return cls(tuple(sorted(translations.items(), key=_language_order)))


def _language_order(item: tuple[str, str]) -> int:
    return LANGUAGES.index(item[0]) if item[0] in LANGUAGES else len(LANGUAGES)


YES_NO_LABELS = {
    "yes": Text.of(en="Yes", fr="Oui", es="Sí", pt="Sim"),
    "no": Text.of(en="No", fr="Non", es="No", pt="Não"),
}
#: "Not yet known", as a text (e.g. for the choice lists of an XLSForm export).
UNKNOWN_LABEL = Text.of(**UNKNOWN_LABELS)


@dataclass(frozen=True)
class Domain:
    id: str
    number: int
    title: Text
    description: Text
    #: The partner role that switches the domain on, or None for every partner.
    role: str | None = None
    #: Words that place an imported question in this domain (any language).
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tier:
    id: str
    title: Text
    when: Text
    max_items: int
    max_minutes: float
    max_documents: int
    evidence: str


@dataclass(frozen=True)
class Scope:
    """What a request is for; None means not known yet, which restricts nothing."""

    tier: str | None = None
    partnership_type: str | None = None
    partner_roles: frozenset[str] | None = None


@dataclass(frozen=True)
class Applicability:
    """Which requests a question or section belongs to; an empty tuple restricts nothing."""

    tiers: tuple[str, ...] = ()
    partnership_types: tuple[str, ...] = ()
    partner_roles: tuple[str, ...] = ()

    def matches(self, scope: Scope) -> bool:
        if self.tiers and scope.tier is not None and scope.tier not in self.tiers:
            return False
        if (
            self.partnership_types
            and scope.partnership_type is not None
            and scope.partnership_type not in self.partnership_types
        ):
            return False
        if self.partner_roles and scope.partner_roles is not None:
            return bool(set(self.partner_roles) & set(scope.partner_roles))
        return True

    def to_data(self) -> dict[str, list[str]]:
        return {name: list(values) for name, values in dataclasses.asdict(self).items() if values}


@dataclass(frozen=True)
class Choice:
    value: str
    label: Text
    #: Score on the 1-4 item scale; None for a choice that carries no score (e.g. "not yet known").
    score: float | None = None
    #: For gate questions: whether this choice passes the gate.
    passes: bool = False
    #: The step the action plan suggests to someone who gave this answer (choices read from `choices`).
    next_step: Text | None = None


#: Facts of the organisation's own record a question may be answered from (`derive_from: {profile: <fact>}`), with
#: the answer types each can fill: its usual name, its country (ISO 3166 code; a text answer gets the country's name),
#: the year it was founded and its staff (people, part-time included).
PROFILE_FACTS: dict[str, frozenset[str]] = {
    "name": frozenset({"short_text", "long_text"}),
    "country": frozenset({"short_text", "long_text"}),
    "founded_year": frozenset({"number", "short_text"}),
    "staff_size": frozenset({"number", "short_text"}),
}


@dataclass(frozen=True)
class Derivation:
    """How the answer to a bank item of another type (`bank`), or a fact of the organisation's own record
    (`profile`), answers a question (`derive_from`), for the respondent to confirm: e.g. a maturity of 3 or 4
    answers a funder's yes/no question "yes"; the year founded answers "Year founded"."""

    bank: str | None = None
    #: The bank item's answer value -> this question's value; a value missing here answers nothing. Empty for a
    #: text question, which takes the label of the bank answer.
    map: tuple[tuple[str, str], ...] = ()
    #: The fact of the organisation's record (one of PROFILE_FACTS) that answers the question, instead of `bank`.
    profile: str | None = None

    def value_for(self, source: Question, value: object, language: str = DEFAULT_LANGUAGE) -> str | None:
        """This question's answer from the bank item's answer `value` (`source` is the bank item), or None."""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            return None
        if self.map:
            return dict(self.map).get(str(value))
        choice = source.choice(str(value))
        return choice.label.get(language) if choice is not None else None

    def value_from_profile(
        self, facts: Mapping[str, object], question_type: str, language: str = DEFAULT_LANGUAGE
    ) -> object | None:
        """This question's answer from the organisation's record (`facts`: name, country, founded_year,
        staff_size), or None when the record does not hold the fact."""
        value = facts.get(self.profile or "")
        if value is None or value == "" or isinstance(value, bool):
            return None
        if self.profile == "country" and isinstance(value, str):
            from babel import Locale, UnknownLocaleError

            with contextlib.suppress(ValueError, UnknownLocaleError):
                value = Locale.parse(language).territories.get(value.upper(), value)
        if question_type == "number":
            return value if isinstance(value, int) else None
        return str(value)

    def to_data(self) -> dict[str, object]:
        if self.profile is not None:
            return {"profile": self.profile}
        data: dict[str, object] = {"bank": self.bank}
        if self.map:
            data["map"] = dict(self.map)
        return data


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    text: Text
    help: Text | None = None
    domain: str | None = None
    choices: tuple[Choice, ...] = ()
    required: bool = False
    weight: float = 1.0
    key: bool = False
    gate: bool = False
    #: For a gate on a multiple choice: "any" or "all" of its passing choices (see MultiChoice.gate_passes).
    gate_rule: str | None = None
    allow_na: bool = False
    #: Whether "not yet known" may be answered (types with `can_be_unknown`); it lowers confidence, not the score.
    allow_unknown: bool = False
    #: Why N/A is, or is not, offered (a scored bank item must say).
    why_na: Text | None = None
    #: Why "not yet known" is, or is not, offered (a scored bank item must say).
    why_unknown: Text | None = None
    show_if: Condition | None = None
    applies_to: Applicability = Applicability()
    #: Burden override in minutes; None takes the type's default.
    minutes: float | None = None
    #: The supporting document requested with the answer, if any.
    evidence: Text | None = None
    #: The question bank item this question asks, so one fact is asked once.
    bank: str | None = None
    #: A bank item of another type whose answer, through a declared rule, proposes this question's answer.
    derive_from: Derivation | None = None
    #: How long an answer stays valid for reuse, in months (bank items).
    validity_months: int | None = None
    #: The id of the counterpart question in the other direction.
    mirror: str | None = None
    mandated_by: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    #: Extra facts kept from an imported template (custom columns, conditions ddq cannot run), as text.
    metadata: tuple[tuple[str, str], ...] = ()
    line: int = field(default=0, compare=False)

    @property
    def scored(self) -> bool:
        return any(choice.score is not None for choice in self.choices)

    @property
    def is_document(self) -> bool:
        """Whether the answer is the document itself (an upload question)."""
        return TYPES[self.type].is_document

    @property
    def asks_document(self) -> bool:
        return TYPES[self.type].is_document or self.evidence is not None

    @property
    def pass_values(self) -> frozenset[str]:
        return frozenset(choice.value for choice in self.choices if choice.passes)

    def choice(self, value: str) -> Choice | None:
        return next((choice for choice in self.choices if choice.value == value), None)


@dataclass(frozen=True)
class Section:
    id: str
    title: Text
    questions: tuple[Question, ...]
    purpose: Text | None = None
    applies_to: Applicability = Applicability()
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Questionnaire:
    id: str
    version: str
    direction: str
    title: Text
    #: Why the questionnaire is asked.
    purpose: Text
    #: Who will see the answers.
    visible_to: Text
    sections: tuple[Section, ...]
    #: The questionnaire that runs the other way, whose questions `mirror` names.
    counterpart: str | None = None
    #: Domains in which every counterpart question must have a mirror here.
    mirrors_domains: tuple[str, ...] = ()
    mandated_by: str | None = None
    #: Whether answers are shown only in aggregate.
    anonymous: bool = False
    #: Where an imported questionnaire came from: funder, source file, its sha256, when it was imported.
    provenance: tuple[tuple[str, str], ...] = ()
    source: str = field(default="", compare=False)

    @property
    def questions(self) -> tuple[Question, ...]:
        return tuple(question for section in self.sections for question in section.questions)

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    def applicable(self, scope: Scope) -> Iterator[tuple[Section, Question]]:
        """Yield the questions that belong to a request with this scope, in order."""
        for section in self.sections:
            if section.applies_to.matches(scope):
                for question in section.questions:
                    if question.applies_to.matches(scope):
                        yield section, question


@dataclass(frozen=True)
class Profile:
    """Domain weights for the overall figure of partnerships it applies to."""

    id: str
    title: Text
    applies_to: Applicability
    weights: tuple[tuple[str, float], ...]

    def matches(self, partnership_type: str | None, partner_roles: Iterable[str]) -> bool:
        """Whether the profile applies; unlike question applicability, unknown facts match nothing."""
        rules = self.applies_to
        if rules.partnership_types and partnership_type not in rules.partnership_types:
            return False
        return not rules.partner_roles or bool(set(rules.partner_roles) & set(partner_roles))


@dataclass(frozen=True)
class Library:
    """Everything read from a definitions folder."""

    domains: Mapping[str, Domain]
    tiers: Mapping[str, Tier]
    bank: Mapping[str, Question]
    questionnaires: Mapping[str, Questionnaire]
    profiles: tuple[Profile, ...] = ()

    def questionnaire(self, questionnaire_id: str) -> Questionnaire:
        return self.questionnaires[questionnaire_id]

    def domain_weights(self, partnership_type: str | None, partner_roles: Iterable[str] = ()) -> dict[str, float]:
        """The weight of each domain in the overall figure for such a partnership (matching profiles multiply)."""
        roles = tuple(partner_roles)
        weights = dict.fromkeys(self.domains, 1.0)
        for profile in self.profiles:
            if profile.matches(partnership_type, roles):
                for domain, weight in profile.weights:
                    weights[domain] *= weight
        return weights

