"""Reading and checking a definitions folder: domains, tiers, profiles, the bank and every questionnaire.

A library is a folder: `domains.yaml`, `tiers.yaml`, `profiles.yaml`, a question bank under `bank/` and one file
per questionnaire. Every problem found is reported with its file, line and question id, all at once.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..questions import TYPES
from ..vocabulary import DIRECTIONS, EVIDENCE_LEVELS, PARTNER_ROLES
from ..yamlfile import LinedDict
from .fields import (
    Context,
    DefinitionError,
    Problem,
    ProblemSink,
    as_lined,
    check_keys,
    display_path,
    is_identifier,
    is_question_id,
    read_boolean,
    read_entries,
    read_file,
    read_mapping,
    read_names,
    read_number,
    read_text,
)
from .model import Domain, Library, Profile, Question, Questionnaire, Section, Tier
from .question_reader import build_question, read_applicability

# --- reading a library ----------------------------------------------------------------------------

LIBRARY_FILES = ("domains.yaml", "tiers.yaml", "profiles.yaml")
BANK_FOLDER = "bank"


def load_library(root: str | Path, extra_files: Iterable[str | Path] = ()) -> Library:
    """Read and check a definitions folder (and any extra questionnaire files); raise DefinitionError."""
    library, problems = check_library(root, extra_files)
    if problems:
        raise DefinitionError(problems)
    return library


def check_library(
    root: str | Path,
    extra_files: Iterable[str | Path] = (),
    warnings: list[Problem] | None = None,
    *,
    texts: Mapping[str | Path, str] | None = None,
) -> tuple[Library, list[Problem]]:
    """Read a definitions folder and return what could be built together with every problem found.

    Warnings (a text missing one of the languages) do not stop the library being used; they are appended to
    `warnings` when a list is given. `texts` holds files as they are about to be written: each path (one of the
    folder's files or of `extra_files`) is read as if it held that text.

    The folder's own files are read whole each time, but what is built from them is kept by their content: a folder
    whose files, texts and working folder are the same as at a previous call is not parsed and checked again.
    """
    root = Path(root)
    given = {Path(path).resolve(): text for path, text in (texts or {}).items()}
    base = _read_root(root, given)
    problems, found = list(base.problems), list(base.warnings)
    context = Context(domains=base.domains, tiers=base.tiers, bank=base.bank)
    questionnaires = dict(base.questionnaires)
    seen = set(base.files)
    for extra in map(Path, extra_files):
        if extra.resolve() not in seen:
            seen.add(extra.resolve())
            _add_questionnaire(extra, given.get(extra.resolve()), context, questionnaires, problems, found)
    _check_mirrors(questionnaires, problems)
    library = Library(
        domains=dict(base.domains),
        tiers=dict(base.tiers),
        bank=dict(base.bank),
        questionnaires=questionnaires,
        profiles=base.profiles,
    )
    if warnings is not None:
        warnings.extend(sorted(set(found)))
    return library, sorted(set(problems))


@dataclasses.dataclass(frozen=True)
class _Root:
    """What a definitions folder's own files build, before questionnaires given beside them and the mirror check."""

    domains: Mapping[str, Domain]
    tiers: Mapping[str, Tier]
    bank: dict[str, Question]
    questionnaires: Mapping[str, Questionnaire]
    profiles: tuple[Profile, ...]
    files: frozenset[Path]  # the questionnaire files, resolved
    problems: tuple[Problem, ...]
    warnings: tuple[Problem, ...]


#: Folders read before, by the working folder (problems name files relative to it), each file's resolved path and
#: the sha256 of its text. Only folders whose every file could be read are kept; the oldest entry goes first.
_ROOTS: dict[tuple, _Root] = {}
_ROOTS_KEPT = 4


def forget_read_folders() -> None:
    """Read every folder afresh next time (the benchmark times a first reading this way)."""
    _ROOTS.clear()


def _read_root(root: Path, given: Mapping[Path, str]) -> _Root:
    files = [path for path in sorted(root.glob("*.yaml")) if path.name not in LIBRARY_FILES]
    bank_files = sorted((root / BANK_FOLDER).glob("*.yaml"))
    profiles = root / "profiles.yaml"
    paths = [root / "domains.yaml", root / "tiers.yaml", *bank_files, *files]
    if profiles.exists() or profiles.resolve() in given:
        paths.append(profiles)
    content: dict[Path, str | None] = {}
    for path in paths:
        resolved = path.resolve()
        try:
            content[path] = given[resolved] if resolved in given else path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            content[path] = None  # read again below, which reports why it cannot be
    key = None
    if all(text is not None for text in content.values()):
        key = (
            str(Path.cwd()),
            tuple((str(path.resolve()), hashlib.sha256(text.encode()).hexdigest()) for path, text in content.items()),
        )
        if key in _ROOTS:
            return _ROOTS[key]
    found: list[Problem] = []
    problems: list[Problem] = []
    domains = _read_domains(root / "domains.yaml", problems, found, content[root / "domains.yaml"])
    tiers = _read_tiers(root / "tiers.yaml", problems, found, content[root / "tiers.yaml"])
    context = Context(domains=domains, tiers=tiers, bank={})
    for path in bank_files:
        _read_bank(path, context, problems, found, content[path])
    questionnaires: dict[str, Questionnaire] = {}
    for path in files:
        _add_questionnaire(path, content[path], context, questionnaires, problems, found)
    read_profiles = (
        _read_profiles(profiles, context, problems, found, content[profiles]) if profiles in content else ()
    )
    assert context.bank is not None
    built = _Root(
        domains,
        tiers,
        context.bank,
        questionnaires,
        read_profiles,
        frozenset(path.resolve() for path in files),
        tuple(problems),
        tuple(found),
    )
    if key is not None:
        while len(_ROOTS) >= _ROOTS_KEPT:
            _ROOTS.pop(next(iter(_ROOTS)), None)
        _ROOTS[key] = built
    return built


def _add_questionnaire(
    path: Path,
    text: str | None,
    context: Context,
    questionnaires: dict[str, Questionnaire],
    problems: list[Problem],
    found: list[Problem],
) -> None:
    raw = read_file(path, problems, text)
    if raw is None:
        return
    questionnaire = build_questionnaire(raw, ProblemSink(display_path(path), problems, found), context)
    if questionnaire is None:
        return
    if questionnaire.id in questionnaires:
        ProblemSink(display_path(path), problems).add(
            raw.line,
            f"questionnaire id {questionnaire.id!r} is already used by {questionnaires[questionnaire.id].source}",
        )
        return
    questionnaires[questionnaire.id] = questionnaire


def questionnaire_from_data(data: Mapping[str, Any]) -> Questionnaire:
    """Rebuild a questionnaire from its snapshot (see `questionnaire_to_data`); raise DefinitionError."""
    problems: list[Problem] = []
    questionnaire = build_questionnaire(as_lined(data), ProblemSink("snapshot", problems), Context())
    if problems or questionnaire is None:
        raise DefinitionError(problems)
    return questionnaire



# --- domains, tiers, bank -------------------------------------------------------------------------


def _read_domains(
    path: Path, problems: list[Problem], warnings: list[Problem], text: str | None = None
) -> dict[str, Domain]:
    raw = read_file(path, problems, text)
    sink = ProblemSink(display_path(path), problems, warnings)
    domains: dict[str, Domain] = {}
    if raw is None:
        return domains
    check_keys(raw, {"domains"}, sink, "file")
    for number, entry in enumerate(read_entries(raw, "domains", sink), start=1):
        check_keys(entry, {"id", "title", "description", "role", "keywords"}, sink, "domain")
        domain_id = entry.get("id")
        if not is_question_id(domain_id):
            sink.add(entry.line, "each domain needs an 'id' of letters, digits and underscores")
            continue
        if domain_id in domains:
            sink.add(entry.line, f"domain {domain_id!r} is defined twice")
        role = entry.get("role")
        if role is not None and role not in PARTNER_ROLES:
            sink.add(entry.line_of("role"), f"unknown partner role {role!r} (allowed: {', '.join(PARTNER_ROLES)})")
        title = read_text(entry, "title", sink, domain_id)
        description = read_text(entry, "description", sink, domain_id)
        keywords = tuple(word.lower() for word in read_names(entry, "keywords", sink, None, domain_id))
        if title and description:
            domains[domain_id] = Domain(domain_id, number, title, description, role, keywords)
    return domains


def _read_tiers(
    path: Path, problems: list[Problem], warnings: list[Problem], text: str | None = None
) -> dict[str, Tier]:
    raw = read_file(path, problems, text)
    sink = ProblemSink(display_path(path), problems, warnings)
    tiers: dict[str, Tier] = {}
    if raw is None:
        return tiers
    check_keys(raw, {"tiers"}, sink, "file")
    for entry in read_entries(raw, "tiers", sink):
        allowed = {"id", "title", "when", "max_items", "max_minutes", "max_documents", "evidence"}
        check_keys(entry, allowed, sink, "tier")
        tier_id = entry.get("id")
        if not is_question_id(tier_id):
            sink.add(entry.line, "each tier needs an 'id'")
            continue
        title, when = read_text(entry, "title", sink, tier_id), read_text(entry, "when", sink, tier_id)
        limits = [read_number(entry, key, sink, tier_id) for key in ("max_items", "max_minutes", "max_documents")]
        evidence = entry.get("evidence", "E0")
        if evidence not in EVIDENCE_LEVELS:
            sink.add(entry.line_of("evidence"), f"'evidence' must be one of {', '.join(EVIDENCE_LEVELS)}", tier_id)
        if any(limit is None for limit in limits):
            sink.add(entry.line, "max_items, max_minutes and max_documents are all required", tier_id)
        elif title and when:
            items, minutes, documents = limits
            tiers[tier_id] = Tier(tier_id, title, when, int(items), float(minutes), int(documents), evidence)
    return tiers


def _read_profiles(
    path: Path, context: Context, problems: list[Problem], warnings: list[Problem], text: str | None = None
) -> tuple[Profile, ...]:
    raw = read_file(path, problems, text)
    if raw is None:
        return ()
    sink = ProblemSink(display_path(path), problems, warnings)
    check_keys(raw, {"profiles"}, sink, "file")
    profiles = []
    for entry in read_entries(raw, "profiles", sink):
        check_keys(entry, {"id", "title", "applies_to", "weights"}, sink, "profile")
        profile_id = entry.get("id")
        title = read_text(entry, "title", sink, profile_id)
        weights = read_mapping(entry.get("weights"), sink, entry.line_of("weights"), "'weights'", profile_id)
        if not is_question_id(profile_id) or title is None or weights is None:
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
        profiles.append(Profile(profile_id, title, read_applicability(entry, sink, context, profile_id), valid))
    return tuple(profiles)


def _read_bank(
    path: Path, context: Context, problems: list[Problem], warnings: list[Problem], text: str | None = None
) -> None:
    raw = read_file(path, problems, text)
    if raw is None:
        return
    sink = ProblemSink(display_path(path), problems, warnings)
    check_keys(raw, {"items"}, sink, "bank file")
    assert context.bank is not None
    for entry in read_entries(raw, "items", sink):
        question = build_question(entry, sink, context, base=None, in_bank=True)
        if question is None:
            continue
        if question.id in context.bank:
            sink.add(entry.line, "bank id is defined twice (bank ids are unique across the bank)", question.id)
            continue
        context.bank[question.id] = dataclasses.replace(question, bank=question.id)



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


def build_questionnaire(raw: LinedDict, sink: ProblemSink, context: Context) -> Questionnaire | None:
    """Build one questionnaire from its parsed file, adding every problem to `sink`."""
    check_keys(raw, QUESTIONNAIRE_KEYS, sink, "questionnaire")
    questionnaire_id = raw.get("id")
    if not is_identifier(questionnaire_id):
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
    title, purpose = read_text(raw, "title", sink), read_text(raw, "purpose", sink)
    visible_to = read_text(raw, "visible_to", sink)
    mandated_by = raw.get("mandated_by")
    if mandated_by is not None and not isinstance(mandated_by, str):
        sink.add(raw.line_of("mandated_by"), "'mandated_by' must be the funder's name")
        mandated_by = None
    counterpart = raw.get("counterpart")
    mirrors_domains = read_names(raw, "mirrors_domains", sink, context.domains, None)
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
        anonymous=read_boolean(raw, "anonymous", sink, None),
        provenance=_provenance(raw, sink),
        source=sink.file,
    )


def _provenance(raw: LinedDict, sink: ProblemSink) -> tuple[tuple[str, str], ...]:
    value = raw.get("provenance")
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        sink.add(raw.line_of("provenance"), "'provenance' must be a mapping (funder, source, sha256, imported_at)")
        return ()
    return tuple((str(key), str(item)) for key, item in value.items())


def _sections(raw: LinedDict, sink: ProblemSink, context: Context, mandated_by: str | None) -> tuple[Section, ...]:
    sections: list[Section] = []
    section_ids: set[str] = set()
    question_ids: set[str] = set()
    for entry in read_entries(raw, "sections", sink):
        check_keys(entry, {"id", "title", "purpose", "applies_to", "questions"}, sink, "section")
        section_id = entry.get("id")
        if not is_question_id(section_id):
            sink.add(entry.line, "each section needs an 'id' of letters, digits and underscores")
            continue
        if section_id in section_ids:
            sink.add(entry.line, f"section id {section_id!r} is used twice")
        section_ids.add(section_id)
        questions: list[Question] = []
        for item in read_entries(entry, "questions", sink):
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
        title = read_text(entry, "title", sink)
        if title is not None:
            sections.append(
                Section(
                    id=section_id,
                    title=title,
                    questions=tuple(questions),
                    purpose=read_text(entry, "purpose", sink, required=False),
                    applies_to=read_applicability(entry, sink, context, None),
                    line=entry.line,
                )
            )
    return tuple(sections)


def _questionnaire_question(raw: LinedDict, sink: ProblemSink, context: Context) -> Question | None:
    bank_id = raw.get("use")
    if bank_id is None:
        return build_question(raw, sink, context, base=None)
    if context.bank is None:  # a snapshot: the bank item is already written out in full
        question = build_question(raw, sink, context, base=None)
        return dataclasses.replace(question, bank=bank_id) if question else None
    base = context.bank.get(bank_id)
    if base is None:
        sink.add(raw.line_of("use"), f"no bank item {bank_id!r} in the question bank", raw.get("id", bank_id))
        return None
    return build_question(raw, sink, context, base=base)


def _check_conditions(sections: tuple[Section, ...], sink: ProblemSink) -> None:
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
            if target is None or not target.choices or TYPES[target.type].compares_as_number:
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
        sink = ProblemSink(questionnaire.source, problems)
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
            else:
                for difference in _mirror_differences(question, counterpart.question(question.mirror)):
                    sink.add(question.line, f"mirror {question.mirror!r} {difference}", question.id)
        if counterpart is not None and questionnaire.mirrors_domains:
            mirrored = {question.mirror for question in questionnaire.questions}
            for question in counterpart.questions:
                if question.domain in questionnaire.mirrors_domains and question.id not in mirrored:
                    sink.add(
                        1,
                        f"{counterpart.id!r} asks {question.id!r} ({question.domain}) but nothing here mirrors it",
                    )


def _mirror_differences(question: Question, counterpart: Question) -> list[str]:
    """What keeps two mirrored questions from being scored the same way on both sides."""
    differences = []
    if question.type != counterpart.type:
        differences.append(f"is a {counterpart.type} question, this one is a {question.type}")
    for rule in ("key", "gate", "gate_rule", "domain", "minimum", "maximum", "allow_na", "allow_unknown"):
        if getattr(question, rule) != getattr(counterpart, rule):
            mine, theirs = getattr(question, rule), getattr(counterpart, rule)
            differences.append(f"has {rule} {theirs!r} where this one has {mine!r}: both sides must match")
    if [(c.value, c.score, c.passes) for c in question.choices] != [
        (c.value, c.score, c.passes) for c in counterpart.choices
    ]:
        differences.append("has other choices or scores: both sides must be scored alike")
    return differences
