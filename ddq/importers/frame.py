"""An imported template, placed in the institute's frame: domains suggested, questions matched to the bank,
every item marked as mandated by the funder, provenance recorded, checked like any definition, then written."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..core.burden import estimate
from ..core.definitions import Library, Scope, check_library
from ..core.paths import UnsafeName, file_in, id_problem
from ..core.yamlfile import collection_paused
from .intake import ImportLimits, TemplateError, TemplateFile, TemplateProblem, open_template
from .matching import BankIndex
from .spreadsheet import normalise


@dataclass
class ImportResult:
    definition: dict[str, Any]
    warnings: list[str]
    questions: int
    matched: dict[str, str]  # imported question id -> bank id (its answer carries over, derived ones too)
    domains: dict[str, str | None]  # question id -> suggested domain
    new_minutes_standard: float = 0.0
    #: Imported question id -> the rule proposed for staff to confirm: {bank, map}, for a bank item of another type,
    #: or {profile}, for a fact of the organisation's own record.
    derived: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Imported question id -> the fact of the organisation's record that answers it (name, country, founded_year…).
    profile: dict[str, str] = field(default_factory=dict)


def is_xlsform(template: TemplateFile, sheets: Mapping[str, Any]) -> bool:
    """An XLSForm has a 'survey' sheet whose header names type, name and label columns."""
    if template.kind == "csv":
        head = template.data[:2000].decode("utf-8-sig", "replace").lower()
        return bool(re.search(r"(^|,)\s*type\s*,", head)) and "name" in head and "label" in head
    survey = next((frame for name, frame in sheets.items() if normalise(name) == "survey"), None)
    if survey is None or survey.empty:
        return False
    header = {normalise(cell) for cell in survey.iloc[0].tolist() if isinstance(cell, str)}
    return "type" in header and "name" in header


def domain_keywords(library: Library) -> dict[str, tuple[str, ...]]:
    """Each domain's keywords, normalised once (padded with spaces to match whole words)."""
    return {domain.id: tuple(f" {normalise(word)} " for word in domain.keywords) for domain in library.domains.values()}


def suggest_domain(text: str, keywords: Mapping[str, tuple[str, ...]]) -> str | None:
    """The domain whose keywords the text mentions most."""
    words = " " + normalise(text) + " "
    best, hits = None, 0
    for domain_id, domain_words in keywords.items():
        count = sum(1 for keyword in domain_words if keyword in words)
        if count > hits:
            best, hits = domain_id, count
    return best


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", normalise(text)).strip("-")[:60] or "imported"


def import_template(
    name: str,
    data: bytes,
    library_root: Path,
    library: Library,
    *,
    funder: str | None = None,
    questionnaire_id: str | None = None,
    mapping: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
    limits: ImportLimits | None = None,
) -> ImportResult:
    """Read, convert and check a template; raise TemplateError. Nothing is written here.

    The file is measured against `limits` before any reader runs, and read in a child process under them."""
    template = open_template(name, data, limits=limits)
    chosen_id = questionnaire_id or (mapping or {}).get("id")
    questionnaire_id = chosen_id or slug(template.name.rsplit(".", 1)[0])
    _check_id(questionnaire_id, template.name)
    from .formats import convert

    definition, warnings, _format = convert(template, mapping)
    own = definition.pop("ddq", None)
    if own is not None:  # one of ddq's own exports: it comes back as itself, not framed as a funder's template
        return _import_own(template, definition, own, warnings, library_root, library, chosen_id, now)
    funder = funder or (mapping or {}).get("funder") or "the funder"
    domain_overrides = {normalise(key): value for key, value in ((mapping or {}).get("domains", {}) or {}).items()}
    matched: dict[str, str] = {}
    domains: dict[str, str | None] = {}
    keywords = domain_keywords(library)
    bank = BankIndex(library)
    derived: dict[str, dict[str, Any]] = {}
    profile: dict[str, str] = {}
    for section in definition["sections"]:
        section_title = section["title"]["en"]
        section_domain = domain_overrides.get(normalise(section_title)) or suggest_domain(section_title, keywords)
        for question in section["questions"]:
            domain = (
                domain_overrides.get(normalise(question["id"]))
                or question.get("domain")
                or section_domain
                or suggest_domain(question["text"]["en"], keywords)
            )
            if domain:
                question["domain"] = domain
            domains[question["id"]] = domain
            proposal = bank.propose(question, section_title)
            if proposal is not None:
                question.update(proposal.to_data())
                if proposal.profile is not None:
                    profile[question["id"]] = proposal.profile
                else:
                    matched[question["id"]] = str(proposal.bank)
                if "derive_from" in question:
                    derived[question["id"]] = question["derive_from"]
            question["mandated_by"] = funder
    stamp = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()
    definition = {
        "id": questionnaire_id,
        "version": "1",
        "direction": "partner_self",
        "title": definition["title"],
        "purpose": {
            "en": (f"{definition['description']['en']}\n\n" if definition.get("description") else "")
            + f"Due diligence required by {funder}. The institute cannot change these questions, but "
            "answers you already gave are carried over where the questions ask the same thing."
        },
        "visible_to": {"en": f"Your organisation, the institute's partnerships team, and {funder}."},
        "mandated_by": funder,
        "provenance": {"funder": funder, "source": template.name, "sha256": template.sha256, "imported_at": stamp},
        "sections": definition["sections"],
    }
    _validate(definition, library_root, template.name)
    questionnaire = _checked(definition, library_root)
    new = [q for q in questionnaire.questions if q.id not in matched and q.id not in profile]
    new_minutes = estimate(_only(questionnaire, {q.id for q in new}), Scope(tier="standard")).minutes_high
    count = len(questionnaire.questions)
    return ImportResult(definition, warnings, count, matched, domains, new_minutes, derived, profile)


def _check_id(questionnaire_id: Any, name: str) -> None:
    problem = id_problem(questionnaire_id)  # checked before the id becomes part of any path
    if problem:
        raise TemplateError([TemplateProblem(name, f"{problem} (choose another id: --id)")])


#: What a questionnaire that `use`s a bank item takes from it, and may not say itself.
_CONTENT = frozenset(
    {"type", "text", "help", "domain", "choices", "anchors", "scores", "minimum", "maximum", "evidence"}
    | {"validity_months"}
)


def _import_own(
    template: TemplateFile,
    definition: dict[str, Any],
    own: dict[str, Any],
    warnings: list[str],
    library_root: Path,
    library: Library,
    chosen_id: str | None,
    now: dt.datetime | None,
) -> ImportResult:
    """A questionnaire exported by ddq (and perhaps edited) comes back as itself: its ids, domains, bank links and
    every field its `ddq_*` columns carry, matched to nothing anew. The workbook it came from is recorded in its
    provenance (source, sha256, imported_at); provenance it already had is kept, the first import's facts under
    `first_source`, `first_sha256` and `first_imported_at`."""
    questionnaire_id = chosen_id or own.pop("id", None) or slug(template.name.rsplit(".", 1)[0])
    own.pop("id", None)
    _check_id(questionnaire_id, template.name)
    stamp = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0).isoformat()
    provenance = dict(own.pop("provenance", {}))
    for key, value in (("source", template.name), ("sha256", template.sha256), ("imported_at", stamp)):
        if key in provenance:
            provenance.setdefault(f"first_{key}", provenance[key])
        provenance[key] = value
    definition = {
        "id": questionnaire_id,
        "version": own.pop("version", "1"),
        "direction": own.pop("direction"),
        "title": own.pop("title", definition["title"]),
        **own,
        "provenance": provenance,
        "sections": definition["sections"],
    }
    for section in definition["sections"]:
        for question in section["questions"]:
            item = library.bank.get(question.get("same_as", ""))
            if item is not None and item.type != question["type"]:
                warnings.append(
                    f"{question['id']}: bank item {item.id!r} is a {item.type} question, this one is a "
                    f"{question['type']}: no longer linked to it"
                )
                del question["same_as"]
            elif "same_as" in question and item is None:
                warnings.append(f"{question['id']}: no bank item {question['same_as']!r}: no longer linked to it")
                del question["same_as"]
    _validate(definition, library_root, template.name)
    questionnaire = _checked(definition, library_root)
    # a question that asks its bank item as the bank words it `use`s the item; one reworded keeps `same_as`
    for section in definition["sections"]:
        section["questions"] = [
            _use(question) if "same_as" in question and _same_content(questionnaire.question(question["id"]), library)
            else question
            for question in section["questions"]
        ]
    questionnaire = _checked(definition, library_root)
    matched = {q.id: (q.derive_from.bank if q.derive_from else q.bank) for q in questionnaire.questions}
    matched = {key: value for key, value in matched.items() if value}
    profile = {q.id: q.derive_from.profile for q in questionnaire.questions if q.derive_from and q.derive_from.profile}
    new = {q.id for q in questionnaire.questions if q.id not in matched and q.id not in profile}
    return ImportResult(
        definition,
        warnings,
        len(questionnaire.questions),
        matched,
        {question.id: question.domain for question in questionnaire.questions},
        estimate(_only(questionnaire, new), Scope(tier="standard")).minutes_high,
        {q.id: q.derive_from.to_data() for q in questionnaire.questions if q.derive_from is not None},
        profile,
    )


def _same_content(question: Any, library: Library) -> bool:
    """Whether a question asks its bank item exactly as the bank words it."""
    item = library.bank.get(question.bank or "")
    if item is None:
        return False

    def content(of: Any) -> tuple:
        texts = tuple(getattr(of, name) and getattr(of, name).to_data() for name in ("text", "help", "evidence"))
        choices = tuple((c.value, c.label, c.score, c.passes, getattr(c, "next_step", None)) for c in of.choices)
        return (of.type, of.domain, of.minimum, of.maximum, of.validity_months, texts, choices)

    return content(question) == content(item)


def _use(question: dict[str, Any]) -> dict[str, Any]:
    """The question with `use: <bank id>` in place of `same_as` and of what the bank item says; N/A and "not yet
    known" said outright, so that the bank item's own choice does not stand in for them."""
    rest = {key: value for key, value in question.items() if key not in {"id", "same_as", *_CONTENT}}
    rest.setdefault("allow_na", False)
    rest.setdefault("allow_unknown", False)
    return {"id": question["id"], "use": question["same_as"], **rest}


def keep_derivations(result: ImportResult, confirmed: set[str]) -> None:
    """Keep the proposed `derive_from` rules staff confirmed (by question id); the others are dropped, and those
    questions are asked afresh."""
    for section in result.definition["sections"]:
        for question in section["questions"]:
            if "derive_from" in question and question["id"] not in confirmed:
                del question["derive_from"]
                result.matched.pop(question["id"], None)
                result.derived.pop(question["id"], None)
                result.profile.pop(question["id"], None)


def _only(questionnaire, keep: set[str]):
    import dataclasses

    sections = tuple(
        dataclasses.replace(section, questions=tuple(q for q in section.questions if q.id in keep))
        for section in questionnaire.sections
    )
    return dataclasses.replace(questionnaire, sections=sections)


def _yaml(definition: dict[str, Any]) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(definition, Dumper=dumper, allow_unicode=True, sort_keys=False, width=110)


def _checked(definition: dict[str, Any], library_root: Path):
    """Check the new definition exactly as `ddq check` would, beside the library it will join: the text
    `write_definition` writes is read as the file it will be (nothing is written here), its problems named by the
    lines they will have; the library's own files are built again only when their content changed."""
    path = definition_file(library_root, definition["id"], definition["provenance"]["source"])
    with collection_paused():
        library, problems = check_library(library_root, [path], texts={path: _text(definition)})
    if problems:
        raise TemplateError(
            [TemplateProblem(definition["id"], f"the converted definition is not valid: {p}") for p in problems]
        )
    return library.questionnaire(definition["id"])


def _validate(definition: dict[str, Any], library_root: Path, name: str) -> None:
    if definition_file(library_root, definition["id"], name).exists():
        raise TemplateError(
            [TemplateProblem(name, f"a questionnaire {definition['id']!r} already exists: choose another id (--id)")]
        )


def definition_file(folder: Path, questionnaire_id: Any, name: str) -> Path:
    """Where a definition with this id is written in `folder`; TemplateError when the id cannot be a file name."""
    try:
        return file_in(folder, questionnaire_id, ".yaml")
    except UnsafeName as error:
        raise TemplateError([TemplateProblem(name, str(error))]) from None


def _comment(text: Any) -> str:
    """Text for a one-line YAML comment: every line break (YAML counts \\x85, \\u2028 and \\u2029 too) and
    control character becomes a space, so that nothing a funder or a file name says can leave the comment."""
    return " ".join("".join(" " if unicodedata.category(c)[0] in "CZ" else c for c in str(text)).split())


def _text(definition: dict[str, Any]) -> str:
    """The file of a definition: a header saying where it came from, then its YAML."""
    funder = definition.get("mandated_by")
    header = (
        f"# Imported from {_comment(definition['provenance']['source'])} "
        f"(sha256 {definition['provenance']['sha256'][:12]}…)"
        + (f" for {_comment(funder)}.\n" if funder else ".\n")
        + "# Check the suggested domains and matches before use; edit the file, not the funder's spreadsheet.\n"
    )
    with collection_paused():
        return header + _yaml(definition)


def write_definition(result: ImportResult, out: Path) -> Path:
    """Write the checked definition into `out` (and nowhere else); TemplateError when its id cannot be a file name."""
    path = definition_file(out, result.definition["id"], result.definition["provenance"]["source"])
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(_text(result.definition), encoding="utf-8")
    return out / path.name
