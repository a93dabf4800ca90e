"""Questionnaire definitions: read, check and turn into frozen dataclasses.

A library is a folder: `domains.yaml`, `tiers.yaml`, a question bank under `bank/` and one file per
questionnaire. Every problem found is reported with its file, line and question id, all at once.
The format is documented in docs/definitions.md.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .conditions import Condition, ConditionError, parse
from .questions import SCORE_MAX, SCORE_MIN, TYPES, YesNo
from .vocabulary import DEFAULT_LANGUAGE, DIRECTIONS, EVIDENCE_LEVELS, LANGUAGES, PARTNER_ROLES, PARTNERSHIP_TYPES
from .yamlfile import LinedDict, YamlError, load_yaml

# --- problems -------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a definition file."""

    file: str
    line: int
    message: str
    question: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: [{self.question}] {self.message}" if self.question else f"{where}: {self.message}"


class DefinitionError(ValueError):
    """Definitions that cannot be used; `problems` lists every one found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class _Problems:
    """Collects problems for one file."""

    def __init__(self, file: str, sink: list[Problem]):
        self.file = file
        self.sink = sink

    def add(self, line: int, message: str, question: str | None = None) -> None:
        self.sink.append(Problem(self.file, line, message, question))


# --- the dataclasses ------------------------------------------------------------------------------


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
    allow_na: bool = False
    show_if: Condition | None = None
    applies_to: Applicability = Applicability()
    #: Burden override in minutes; None takes the type's default.
    minutes: float | None = None
    #: The supporting document requested with the answer, if any.
    evidence: Text | None = None
    #: The question bank item this question asks, so one fact is asked once.
    bank: str | None = None
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


# --- reading a library ----------------------------------------------------------------------------

LIBRARY_FILES = ("domains.yaml", "tiers.yaml", "profiles.yaml")
BANK_FOLDER = "bank"


def load_library(root: str | Path, extra_files: Iterable[str | Path] = ()) -> Library:
    """Read and check a definitions folder (and any extra questionnaire files); raise DefinitionError."""
    library, problems = check_library(root, extra_files)
    if problems:
        raise DefinitionError(problems)
    return library


def check_library(root: str | Path, extra_files: Iterable[str | Path] = ()) -> tuple[Library, list[Problem]]:
    """Read a definitions folder and return what could be built together with every problem found."""
    root = Path(root)
    problems: list[Problem] = []
    domains = _read_domains(root / "domains.yaml", problems)
    tiers = _read_tiers(root / "tiers.yaml", problems)
    context = _Context(domains=domains, tiers=tiers, bank={})
    for path in sorted((root / BANK_FOLDER).glob("*.yaml")):
        _read_bank(path, context, problems)
    files = [path for path in sorted(root.glob("*.yaml")) if path.name not in LIBRARY_FILES]
    for extra in extra_files:
        extra = Path(extra)
        if extra.resolve() not in {path.resolve() for path in files}:
            files.append(extra)
    questionnaires: dict[str, Questionnaire] = {}
    for path in files:
        raw = _read_file(path, problems)
        if raw is None:
            continue
        questionnaire = build_questionnaire(raw, _Problems(_display(path), problems), context)
        if questionnaire is None:
            continue
        if questionnaire.id in questionnaires:
            _Problems(_display(path), problems).add(
                raw.line,
                f"questionnaire id {questionnaire.id!r} is already used by {questionnaires[questionnaire.id].source}",
            )
            continue
        questionnaires[questionnaire.id] = questionnaire
    _check_mirrors(questionnaires, problems)
    profiles = _read_profiles(root / "profiles.yaml", context, problems) if (root / "profiles.yaml").exists() else ()
    library = Library(domains=domains, tiers=tiers, bank=context.bank, questionnaires=questionnaires, profiles=profiles)
    return library, sorted(set(problems))


def questionnaire_from_data(data: Mapping[str, Any]) -> Questionnaire:
    """Rebuild a questionnaire from its snapshot (see `questionnaire_to_data`); raise DefinitionError."""
    problems: list[Problem] = []
    questionnaire = build_questionnaire(_as_lined(data), _Problems("snapshot", problems), _Context())
    if problems or questionnaire is None:
        raise DefinitionError(problems)
    return questionnaire


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _read_file(path: Path, problems: list[Problem]) -> LinedDict | None:
    sink = _Problems(_display(path), problems)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        sink.add(0, "file not found")
        return None
    except (OSError, UnicodeDecodeError) as error:
        sink.add(0, f"cannot read the file: {error}")
        return None
    try:
        raw = load_yaml(text)
    except YamlError as error:
        sink.add(error.line, str(error))
        return None
    if not isinstance(raw, LinedDict):
        sink.add(1, "the file must hold a mapping (key: value lines) at the top")
        return None
    return raw


def _as_lined(value: Any) -> Any:
    if isinstance(value, Mapping):
        lined = LinedDict({key: _as_lined(item) for key, item in value.items()})
        lined.key_lines, lined.duplicate_keys = {}, []
        return lined
    if isinstance(value, list):
        return [_as_lined(item) for item in value]
    return value


@dataclass
class _Context:
    """What a questionnaire is checked against; empty when rebuilding a snapshot."""

    domains: Mapping[str, Domain] | None = None
    tiers: Mapping[str, Tier] | None = None
    bank: dict[str, Question] | None = None


# --- small readers --------------------------------------------------------------------------------


def _keys(raw: LinedDict, allowed: Iterable[str], sink: _Problems, what: str, question: str | None = None) -> None:
    allowed = set(allowed)
    for key, line in raw.duplicate_keys if hasattr(raw, "duplicate_keys") else ():
        sink.add(line, f"{key!r} is given twice in this {what}", question)
    for key in raw:
        if key not in allowed:
            sink.add(
                raw.line_of(key), f"unknown key {key!r} in {what} (allowed: {', '.join(sorted(allowed))})", question
            )


def _text(raw: LinedDict, key: str, sink: _Problems, question: str | None = None, required: bool = True) -> Text | None:
    value = raw.get(key)
    line = raw.line_of(key)
    if value is None:
        if required:
            sink.add(raw.line, f"{key!r} is missing", question)
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        value = {DEFAULT_LANGUAGE: str(value)}
    if not isinstance(value, Mapping):
        sink.add(line, f"{key!r} must be text, or a mapping of language codes to text", question)
        return None
    translations: dict[str, str] = {}
    for language, translation in value.items():
        if language not in LANGUAGES:
            sink.add(line, f"{key!r} has unknown language {language!r} (use {', '.join(LANGUAGES)})", question)
        elif not isinstance(translation, str) or not translation.strip():
            sink.add(line, f"{key!r} in {language!r} must be non-empty text", question)
        else:
            translations[language] = translation.strip()
    if DEFAULT_LANGUAGE not in translations:
        sink.add(line, f"{key!r} has no English text (the 'en' key is required)", question)
        return None
    return Text.of(**translations)


def _identifier(value: Any) -> bool:
    return isinstance(value, str) and value.replace("_", "a").replace("-", "a").isalnum() and value[:1].isalpha()


def _question_id(value: Any) -> bool:
    return isinstance(value, str) and value.replace("_", "a").isalnum() and value[:1].isalpha() and value.isascii()


def _boolean(raw: LinedDict, key: str, sink: _Problems, question: str | None, default: bool = False) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        sink.add(raw.line_of(key), f"{key!r} must be true or false", question)
        return default
    return value


def _number(raw: LinedDict, key: str, sink: _Problems, question: str | None, positive: bool = True) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (positive and value <= 0):
        sink.add(raw.line_of(key), f"{key!r} must be a {'positive ' if positive else ''}number", question)
        return None
    return value


def _string_list(
    raw: LinedDict, key: str, sink: _Problems, allowed: Iterable[str] | None, question: str | None
) -> tuple[str, ...]:
    value = raw.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        sink.add(raw.line_of(key), f"{key!r} must be a list of names", question)
        return ()
    if allowed is not None:
        allowed = list(allowed)
        for item in value:
            if item not in allowed:
                sink.add(
                    raw.line_of(key), f"{key!r} has unknown value {item!r} (allowed: {', '.join(allowed)})", question
                )
    return tuple(value)


def _mapping(raw: Any, sink: _Problems, line: int, what: str, question: str | None = None) -> LinedDict | None:
    if not isinstance(raw, LinedDict):
        sink.add(line, f"{what} must be a mapping (key: value lines)", question)
        return None
    return raw


def _entries(raw: LinedDict, key: str, sink: _Problems, question: str | None = None) -> list[LinedDict]:
    value = raw.get(key)
    if not isinstance(value, list) or not value:
        sink.add(raw.line_of(key), f"{key!r} must be a non-empty list", question)
        return []
    entries = []
    for item in value:
        mapping = _mapping(item, sink, raw.line_of(key), f"each entry of {key!r}", question)
        if mapping is not None:
            entries.append(mapping)
    return entries


# --- domains, tiers, bank -------------------------------------------------------------------------


def _read_domains(path: Path, problems: list[Problem]) -> dict[str, Domain]:
    raw = _read_file(path, problems)
    sink = _Problems(_display(path), problems)
    domains: dict[str, Domain] = {}
    if raw is None:
        return domains
    _keys(raw, {"domains"}, sink, "file")
    for number, entry in enumerate(_entries(raw, "domains", sink), start=1):
        _keys(entry, {"id", "title", "description", "role", "keywords"}, sink, "domain")
        domain_id = entry.get("id")
        if not _question_id(domain_id):
            sink.add(entry.line, "each domain needs an 'id' of letters, digits and underscores")
            continue
        if domain_id in domains:
            sink.add(entry.line, f"domain {domain_id!r} is defined twice")
        role = entry.get("role")
        if role is not None and role not in PARTNER_ROLES:
            sink.add(entry.line_of("role"), f"unknown partner role {role!r} (allowed: {', '.join(PARTNER_ROLES)})")
        title = _text(entry, "title", sink, domain_id)
        description = _text(entry, "description", sink, domain_id)
        keywords = tuple(word.lower() for word in _string_list(entry, "keywords", sink, None, domain_id))
        if title and description:
            domains[domain_id] = Domain(domain_id, number, title, description, role, keywords)
    return domains


def _read_tiers(path: Path, problems: list[Problem]) -> dict[str, Tier]:
    raw = _read_file(path, problems)
    sink = _Problems(_display(path), problems)
    tiers: dict[str, Tier] = {}
    if raw is None:
        return tiers
    _keys(raw, {"tiers"}, sink, "file")
    for entry in _entries(raw, "tiers", sink):
        _keys(entry, {"id", "title", "when", "max_items", "max_minutes", "max_documents", "evidence"}, sink, "tier")
        tier_id = entry.get("id")
        if not _question_id(tier_id):
            sink.add(entry.line, "each tier needs an 'id'")
            continue
        title, when = _text(entry, "title", sink, tier_id), _text(entry, "when", sink, tier_id)
        limits = [_number(entry, key, sink, tier_id) for key in ("max_items", "max_minutes", "max_documents")]
        evidence = entry.get("evidence", "E0")
        if evidence not in EVIDENCE_LEVELS:
            sink.add(entry.line_of("evidence"), f"'evidence' must be one of {', '.join(EVIDENCE_LEVELS)}", tier_id)
        if any(limit is None for limit in limits):
            sink.add(entry.line, "max_items, max_minutes and max_documents are all required", tier_id)
        elif title and when:
            items, minutes, documents = limits
            tiers[tier_id] = Tier(tier_id, title, when, int(items), float(minutes), int(documents), evidence)
    return tiers


def _read_profiles(path: Path, context: _Context, problems: list[Problem]) -> tuple[Profile, ...]:
    raw = _read_file(path, problems)
    if raw is None:
        return ()
    sink = _Problems(_display(path), problems)
    _keys(raw, {"profiles"}, sink, "file")
    profiles = []
    for entry in _entries(raw, "profiles", sink):
        _keys(entry, {"id", "title", "applies_to", "weights"}, sink, "profile")
        profile_id = entry.get("id")
        title = _text(entry, "title", sink, profile_id)
        weights = _mapping(entry.get("weights"), sink, entry.line_of("weights"), "'weights'", profile_id)
        if not _question_id(profile_id) or title is None or weights is None:
            sink.add(entry.line, "each profile needs an 'id', a 'title' and 'weights'", profile_id)
            continue
        for domain, weight in weights.items():
            if context.domains is not None and domain not in context.domains:
                sink.add(weights.line_of(domain), f"unknown domain {domain!r}", profile_id)
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight <= 0:
                sink.add(weights.line_of(domain), f"the weight of {domain!r} must be a positive number", profile_id)
        valid = tuple(
            (domain, float(weight))
            for domain, weight in weights.items()
            if isinstance(weight, (int, float)) and not isinstance(weight, bool) and weight > 0
        )
        profiles.append(Profile(profile_id, title, _applicability(entry, sink, context, profile_id), valid))
    return tuple(profiles)


def _read_bank(path: Path, context: _Context, problems: list[Problem]) -> None:
    raw = _read_file(path, problems)
    if raw is None:
        return
    sink = _Problems(_display(path), problems)
    _keys(raw, {"items"}, sink, "bank file")
    assert context.bank is not None
    for entry in _entries(raw, "items", sink):
        question = _build_question(entry, sink, context, base=None, in_bank=True)
        if question is None:
            continue
        if question.id in context.bank:
            sink.add(entry.line, "bank id is defined twice (bank ids are unique across the bank)", question.id)
            continue
        context.bank[question.id] = dataclasses.replace(question, bank=question.id)


# --- questions ------------------------------------------------------------------------------------

#: Keys that describe what is asked; a questionnaire that `use`s a bank item cannot change them.
CONTENT_KEYS = frozenset(
    {
        "type",
        "text",
        "help",
        "domain",
        "choices",
        "anchors",
        "scores",
        "minimum",
        "maximum",
        "evidence",
        "validity_months",
    }
)
#: Keys that say how a questionnaire asks it.
USAGE_KEYS = frozenset(
    {
        "id",
        "use",
        "required",
        "weight",
        "key",
        "gate",
        "allow_na",
        "show_if",
        "applies_to",
        "minutes",
        "mirror",
        "mandated_by",
        "same_as",
        "metadata",
    }
)


def _build_question(
    raw: LinedDict, sink: _Problems, context: _Context, base: Question | None, in_bank: bool = False
) -> Question | None:
    question_id = raw.get("id", base.id if base else None)
    label = question_id if isinstance(question_id, str) else None
    allowed = CONTENT_KEYS | {"id", "minutes"} if in_bank else CONTENT_KEYS | USAGE_KEYS
    _keys(raw, allowed, sink, "bank item" if in_bank else "question", label)
    if not _question_id(question_id):
        sink.add(
            raw.line, "each question needs an 'id' of letters, digits and underscores (or 'use' a bank item)", label
        )
        return None
    if base is not None and context.bank is not None:
        for key in sorted(CONTENT_KEYS & raw.keys()):
            sink.add(raw.line_of(key), f"{key!r} belongs to bank item {base.bank!r} and cannot be changed here", label)
        content = dataclasses.replace(base, id=question_id, line=raw.line)
    else:
        content = _question_content(raw, sink, context, question_id)
        if content is None:
            return None
    return _question_usage(raw, sink, context, content)


def _question_content(raw: LinedDict, sink: _Problems, context: _Context, question_id: str) -> Question | None:
    kind = raw.get("type")
    if kind not in TYPES:
        sink.add(raw.line_of("type"), f"unknown question type {kind!r} (allowed: {', '.join(TYPES)})", question_id)
        return None
    text = _text(raw, "text", sink, question_id)
    help_text = _text(raw, "help", sink, question_id, required=False)
    evidence = _text(raw, "evidence", sink, question_id, required=False)
    domain = raw.get("domain")
    if domain is not None and context.domains is not None and domain not in context.domains:
        known = ", ".join(context.domains)
        sink.add(raw.line_of("domain"), f"unknown domain {domain!r} (known: {known})", question_id)
    choices = _choices(raw, kind, sink, question_id)
    if choices is None or text is None:
        return None
    validity = raw.get("validity_months")
    if validity is not None and (isinstance(validity, bool) or not isinstance(validity, int) or validity <= 0):
        sink.add(raw.line_of("validity_months"), "'validity_months' must be a whole number of months", question_id)
        validity = None
    minimum = _number(raw, "minimum", sink, question_id, positive=False)
    maximum = _number(raw, "maximum", sink, question_id, positive=False)
    if kind == "rating" and (minimum is None or maximum is None):
        sink.add(raw.line, "a rating question needs 'minimum' and 'maximum' (its scale, e.g. 1 and 7)", question_id)
    if minimum is not None and maximum is not None and minimum > maximum:
        sink.add(raw.line_of("maximum"), "'maximum' is below 'minimum'", question_id)
    return Question(
        id=question_id,
        type=kind,
        text=text,
        help=help_text,
        domain=domain,
        choices=choices,
        evidence=evidence,
        validity_months=validity,
        minimum=minimum,
        maximum=maximum,
        line=raw.line,
    )


def _choices(raw: LinedDict, kind: str, sink: _Problems, question_id: str) -> tuple[Choice, ...] | None:
    """Read choices, anchors or yes/no scores as the type needs; None when they are unusable."""
    if not TYPES[kind].has_choices:
        for key in ("choices", "anchors", "scores"):
            if key in raw:
                sink.add(raw.line_of(key), f"a {kind} question takes no {key!r}", question_id)
        return ()
    if kind == "maturity":
        anchors = raw.get("anchors")
        if not isinstance(anchors, list) or len(anchors) != SCORE_MAX:
            sink.add(
                raw.line_of("anchors"),
                "a maturity question needs 'anchors': four texts, for levels 1 to 4",
                question_id,
            )
            return None
        texts = [_text(_single(anchor, raw.line_of("anchors")), "anchor", sink, question_id) for anchor in anchors]
        if any(text is None for text in texts):
            return None
        return tuple(Choice(str(level), text, float(level)) for level, text in enumerate(texts, start=1))  # type: ignore[arg-type]
    if kind == "yes_no":
        scores = raw.get("scores", {})
        if not isinstance(scores, Mapping) or not set(scores) <= set(YesNo.values):
            sink.add(
                raw.line_of("scores"), "'scores' of a yes_no question maps 'yes' and/or 'no' to a score", question_id
            )
            return None
        return tuple(
            Choice(
                value,
                YES_NO_LABELS[value],
                _score(scores, value, raw.line_of("scores"), sink, question_id),
                value == "yes",
            )
            for value in YesNo.values
        )
    entries = _entries(raw, "choices", sink, question_id)
    choices: list[Choice] = []
    for entry in entries:
        _keys(entry, {"value", "label", "score", "pass"}, sink, "choice", question_id)
        value = entry.get("value")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, (str, int)) or isinstance(value, bool) or str(value).strip() == "":
            sink.add(entry.line, "each choice needs a 'value'", question_id)
            continue
        value = str(value)
        if any(choice.value == value for choice in choices):
            sink.add(entry.line, f"choice value {value!r} is used twice", question_id)
            continue
        label = _text(entry, "label", sink, question_id)
        passes = _boolean(entry, "pass", sink, question_id)
        if label is not None:
            choices.append(
                Choice(value, label, _score(entry, "score", entry.line_of("score"), sink, question_id), passes)
            )
    return tuple(choices) if choices else None


def _single(value: Any, line: int) -> LinedDict:
    """Wrap one value so the text reader can report it at `line`."""
    wrapped = LinedDict(anchor=value)
    wrapped.line, wrapped.key_lines = line, {"anchor": line}
    return wrapped


def _score(raw: Mapping[str, Any], key: str, line: int, sink: _Problems, question_id: str) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not SCORE_MIN <= value <= SCORE_MAX:
        sink.add(
            line, f"choice score {value!r} is out of range (scores run from {SCORE_MIN} to {SCORE_MAX})", question_id
        )
        return None
    return float(value)


def _question_usage(raw: LinedDict, sink: _Problems, context: _Context, content: Question) -> Question:
    question_id = content.id
    key = _boolean(raw, "key", sink, question_id)
    weight = _number(raw, "weight", sink, question_id)
    gate = _boolean(raw, "gate", sink, question_id)
    if gate and not content.pass_values:
        sink.add(
            raw.line_of("gate"),
            "a gate must be a yes_no question, or have choices marked 'pass: true'",
            question_id,
        )
    show_if = None
    if "show_if" in raw:
        try:
            show_if = parse(raw["show_if"])
        except ConditionError as error:
            sink.add(raw.line_of("show_if"), f"show_if does not parse: {error}", question_id)
    mirror = raw.get("mirror")
    if mirror is not None and not _question_id(mirror):
        sink.add(raw.line_of("mirror"), "'mirror' must be the id of a question", question_id)
        mirror = None
    mandated_by = raw.get("mandated_by")
    if mandated_by is not None and not isinstance(mandated_by, str):
        sink.add(raw.line_of("mandated_by"), "'mandated_by' must be the funder's name", question_id)
        mandated_by = None
    bank = content.bank
    if "same_as" in raw:
        bank = _same_as(raw, sink, context, content)
    return dataclasses.replace(
        content,
        required=_boolean(raw, "required", sink, question_id),
        key=key,
        weight=float(weight) if weight is not None else (2.0 if key else 1.0),
        gate=gate,
        allow_na=_boolean(raw, "allow_na", sink, question_id),
        show_if=show_if,
        applies_to=_applicability(raw, sink, context, question_id),
        minutes=_number(raw, "minutes", sink, question_id) if "minutes" in raw else content.minutes,
        mirror=mirror,
        mandated_by=mandated_by,
        bank=bank,
        metadata=_metadata(raw, sink, question_id) if "metadata" in raw else content.metadata,
        line=raw.line,
    )


def _same_as(raw: LinedDict, sink: _Problems, context: _Context, content: Question) -> str | None:
    """`same_as: <bank id>`: the question keeps its own wording but asks the bank item's fact, so answers carry over."""
    bank_id = raw["same_as"]
    if context.bank is None:  # a snapshot
        return bank_id if isinstance(bank_id, str) else None
    item = context.bank.get(bank_id) if isinstance(bank_id, str) else None
    if item is None:
        sink.add(raw.line_of("same_as"), f"no bank item {bank_id!r} in the question bank", content.id)
        return None
    if item.type != content.type:
        sink.add(
            raw.line_of("same_as"),
            f"same_as {bank_id!r} is a {item.type} question, this one is a {content.type}:"
            " answers could not carry over",
            content.id,
        )
        return None
    return bank_id


def _metadata(raw: LinedDict, sink: _Problems, question_id: str) -> tuple[tuple[str, str], ...]:
    value = raw.get("metadata")
    if not isinstance(value, Mapping):
        sink.add(raw.line_of("metadata"), "'metadata' must be a mapping of names to text", question_id)
        return ()
    return tuple((str(key), str(item)) for key, item in value.items())


def _applicability(raw: LinedDict, sink: _Problems, context: _Context, question_id: str | None) -> Applicability:
    if "applies_to" not in raw:
        return Applicability()
    entry = _mapping(raw["applies_to"], sink, raw.line_of("applies_to"), "'applies_to'", question_id)
    if entry is None:
        return Applicability()
    _keys(entry, {"tiers", "partnership_types", "partner_roles"}, sink, "applies_to", question_id)
    tiers = list(context.tiers) if context.tiers is not None else None
    return Applicability(
        tiers=_string_list(entry, "tiers", sink, tiers, question_id),
        partnership_types=_string_list(entry, "partnership_types", sink, PARTNERSHIP_TYPES, question_id),
        partner_roles=_string_list(entry, "partner_roles", sink, PARTNER_ROLES, question_id),
    )


# --- questionnaires -------------------------------------------------------------------------------

QUESTIONNAIRE_KEYS = frozenset(
    {
        "id",
        "version",
        "direction",
        "title",
        "purpose",
        "visible_to",
        "counterpart",
        "mirrors_domains",
        "mandated_by",
        "anonymous",
        "sections",
        "provenance",
    }
)


def build_questionnaire(raw: LinedDict, sink: _Problems, context: _Context) -> Questionnaire | None:
    """Build one questionnaire from its parsed file, adding every problem to `sink`."""
    _keys(raw, QUESTIONNAIRE_KEYS, sink, "questionnaire")
    questionnaire_id = raw.get("id")
    if not _identifier(questionnaire_id):
        sink.add(raw.line, "the questionnaire needs an 'id' of letters, digits, '-' and '_'")
        return None
    version = raw.get("version")
    if isinstance(version, int) and not isinstance(version, bool):
        version = str(version)
    if not isinstance(version, str) or not version.strip():
        sink.add(raw.line_of("version"), "'version' must be given as quoted text, e.g. version: '2026.1'")
    direction = raw.get("direction")
    if direction not in DIRECTIONS:
        sink.add(raw.line_of("direction"), f"'direction' must be one of {', '.join(DIRECTIONS)}")
    title, purpose = _text(raw, "title", sink), _text(raw, "purpose", sink)
    visible_to = _text(raw, "visible_to", sink)
    mandated_by = raw.get("mandated_by")
    if mandated_by is not None and not isinstance(mandated_by, str):
        sink.add(raw.line_of("mandated_by"), "'mandated_by' must be the funder's name")
        mandated_by = None
    counterpart = raw.get("counterpart")
    mirrors_domains = _string_list(raw, "mirrors_domains", sink, context.domains, None)
    if mirrors_domains and not counterpart:
        sink.add(raw.line_of("mirrors_domains"), "'mirrors_domains' needs a 'counterpart' questionnaire")
    sections = _sections(raw, sink, context, mandated_by)
    _check_conditions(sections, sink)
    if not (isinstance(version, str) and direction in DIRECTIONS and title and purpose and visible_to and sections):
        return None
    return Questionnaire(
        id=questionnaire_id,
        version=version,
        direction=direction,
        title=title,
        purpose=purpose,
        visible_to=visible_to,
        sections=sections,
        counterpart=counterpart,
        mirrors_domains=mirrors_domains,
        mandated_by=mandated_by,
        anonymous=_boolean(raw, "anonymous", sink, None),
        provenance=_provenance(raw, sink),
        source=sink.file,
    )


def _provenance(raw: LinedDict, sink: _Problems) -> tuple[tuple[str, str], ...]:
    value = raw.get("provenance")
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        sink.add(raw.line_of("provenance"), "'provenance' must be a mapping (funder, source, sha256, imported_at)")
        return ()
    return tuple((str(key), str(item)) for key, item in value.items())


def _sections(raw: LinedDict, sink: _Problems, context: _Context, mandated_by: str | None) -> tuple[Section, ...]:
    sections: list[Section] = []
    section_ids: set[str] = set()
    question_ids: set[str] = set()
    for entry in _entries(raw, "sections", sink):
        _keys(entry, {"id", "title", "purpose", "applies_to", "questions"}, sink, "section")
        section_id = entry.get("id")
        if not _question_id(section_id):
            sink.add(entry.line, "each section needs an 'id' of letters, digits and underscores")
            continue
        if section_id in section_ids:
            sink.add(entry.line, f"section id {section_id!r} is used twice")
        section_ids.add(section_id)
        questions: list[Question] = []
        for item in _entries(entry, "questions", sink):
            question = _questionnaire_question(item, sink, context)
            if question is None:
                continue
            if question.id in question_ids:
                sink.add(item.line, "duplicate question id", question.id)
                continue
            question_ids.add(question.id)
            if mandated_by and not question.mandated_by:
                question = dataclasses.replace(question, mandated_by=mandated_by)
            questions.append(question)
        title = _text(entry, "title", sink)
        if title is not None:
            sections.append(
                Section(
                    id=section_id,
                    title=title,
                    questions=tuple(questions),
                    purpose=_text(entry, "purpose", sink, required=False),
                    applies_to=_applicability(entry, sink, context, None),
                    line=entry.line,
                )
            )
    return tuple(sections)


def _questionnaire_question(raw: LinedDict, sink: _Problems, context: _Context) -> Question | None:
    bank_id = raw.get("use")
    if bank_id is None:
        return _build_question(raw, sink, context, base=None)
    if context.bank is None:  # a snapshot: the bank item is already written out in full
        question = _build_question(raw, sink, context, base=None)
        return dataclasses.replace(question, bank=bank_id) if question else None
    base = context.bank.get(bank_id)
    if base is None:
        sink.add(raw.line_of("use"), f"no bank item {bank_id!r} in the question bank", raw.get("id", bank_id))
        return None
    return _build_question(raw, sink, context, base=base)


def _check_conditions(sections: tuple[Section, ...], sink: _Problems) -> None:
    """Every show_if names earlier questions only, and compares choice questions with their own choices."""
    questions = [question for section in sections for question in section.questions]
    positions = {question.id: index for index, question in enumerate(questions)}
    for index, question in enumerate(questions):
        if question.show_if is None:
            continue
        for name in sorted(question.show_if.names()):
            if name not in positions:
                sink.add(question.line, f"show_if names unknown question {name!r}", question.id)
            elif positions[name] >= index:
                sink.add(question.line, f"show_if names {name!r}, which is not asked before this question", question.id)
        for name, value in question.show_if.selections():
            target = questions[positions[name]] if name in positions else None
            if target is None or not target.choices or target.type == "maturity":
                continue
            if target.choice(str(value)) is None:
                values = ", ".join(choice.value for choice in target.choices)
                sink.add(
                    question.line,
                    f"show_if compares {name!r} with {value!r}, which is not one of its choices ({values})",
                    question.id,
                )


def _check_mirrors(questionnaires: Mapping[str, Questionnaire], problems: list[Problem]) -> None:
    """A `mirror` names a question of the counterpart; mirrored domains are covered question by question."""
    for questionnaire in questionnaires.values():
        sink = _Problems(questionnaire.source, problems)
        counterpart = questionnaires.get(questionnaire.counterpart) if questionnaire.counterpart else None
        if questionnaire.counterpart and counterpart is None:
            sink.add(1, f"counterpart questionnaire {questionnaire.counterpart!r} does not exist")
        counterpart_ids = {question.id for question in counterpart.questions} if counterpart else set()
        for question in questionnaire.questions:
            if question.mirror is None:
                continue
            if counterpart is None:
                sink.add(
                    question.line,
                    f"mirror {question.mirror!r} has no counterpart questionnaire to point into",
                    question.id,
                )
            elif question.mirror not in counterpart_ids:
                sink.add(
                    question.line, f"mirror {question.mirror!r} is not a question of {counterpart.id!r}", question.id
                )
        if counterpart is not None and questionnaire.mirrors_domains:
            mirrored = {question.mirror for question in questionnaire.questions}
            for question in counterpart.questions:
                if question.domain in questionnaire.mirrors_domains and question.id not in mirrored:
                    sink.add(
                        1,
                        f"{counterpart.id!r} asks {question.id!r} ({question.domain}) but nothing here mirrors it",
                    )


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
    if question.type == "maturity":
        data["anchors"] = [choice.label.to_data() for choice in question.choices]
    elif question.type == "yes_no":
        scores = {choice.value: choice.score for choice in question.choices if choice.score is not None}
        if scores:
            data["scores"] = scores
    elif question.choices:
        data["choices"] = [_choice_to_data(choice) for choice in question.choices]
    for name in ("help", "evidence"):
        if getattr(question, name) is not None:
            data[name] = getattr(question, name).to_data()
    plain = {
        "domain": question.domain,
        "required": question.required,
        "key": question.key,
        "gate": question.gate,
        "allow_na": question.allow_na,
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
    return data


def _choice_to_data(choice: Choice) -> dict[str, Any]:
    data: dict[str, Any] = {"value": choice.value, "label": choice.label.to_data()}
    if choice.score is not None:
        data["score"] = choice.score
    if choice.passes:
        data["pass"] = True
    return data


def canonical_json(data: Any) -> str:
    """The one JSON spelling of some data, so that equal definitions hash alike."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def definition_hash(questionnaire: Questionnaire) -> str:
    """The sha256 of a questionnaire's snapshot."""
    return hashlib.sha256(canonical_json(questionnaire_to_data(questionnaire)).encode("utf-8")).hexdigest()
