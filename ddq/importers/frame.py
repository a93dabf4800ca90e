"""An imported template, placed in the institute's frame: domains suggested, questions matched to the bank,
every item marked as mandated by the funder, provenance recorded, checked like any definition, then written."""

from __future__ import annotations

import datetime as dt
import re
import tempfile
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..core.burden import estimate
from ..core.definitions import Library, Scope, check_library
from ..core.paths import UnsafeName, file_in, id_problem
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
    #: Imported question id -> the rule proposed for staff to confirm: {bank, map}, for a bank item of another type.
    derived: dict[str, dict[str, Any]] = field(default_factory=dict)


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
    questionnaire_id = questionnaire_id or (mapping or {}).get("id") or slug(template.name.rsplit(".", 1)[0])
    problem = id_problem(questionnaire_id)  # checked before the id becomes part of any path
    if problem:
        raise TemplateError([TemplateProblem(template.name, f"{problem} (choose another id: --id)")])
    from .formats import convert

    definition, warnings, _format = convert(template, mapping)
    funder = funder or (mapping or {}).get("funder") or "the funder"
    domain_overrides = {normalise(key): value for key, value in ((mapping or {}).get("domains", {}) or {}).items()}
    matched: dict[str, str] = {}
    domains: dict[str, str | None] = {}
    keywords = domain_keywords(library)
    bank = BankIndex(library)
    derived: dict[str, dict[str, Any]] = {}
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
                matched[question["id"]] = proposal.bank
                if proposal.derive is not None:
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
    new = [q for q in questionnaire.questions if q.id not in matched]
    new_minutes = estimate(_only(questionnaire, {q.id for q in new}), Scope(tier="standard")).minutes_high
    count = len(questionnaire.questions)
    return ImportResult(definition, warnings, count, matched, domains, new_minutes, derived)


def keep_derivations(result: ImportResult, confirmed: set[str]) -> None:
    """Keep the proposed `derive_from` rules staff confirmed (by question id); the others are dropped, and those
    questions are asked afresh."""
    for section in result.definition["sections"]:
        for question in section["questions"]:
            if "derive_from" in question and question["id"] not in confirmed:
                del question["derive_from"]
                result.matched.pop(question["id"], None)
                result.derived.pop(question["id"], None)


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
    """Check the new definition exactly as `ddq check` would, beside the library it will join."""
    with tempfile.TemporaryDirectory() as folder:
        path = definition_file(Path(folder), definition["id"], definition["provenance"]["source"])
        path.write_text(_yaml(definition), encoding="utf-8")
        library, problems = check_library(library_root, [path])
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


def write_definition(result: ImportResult, out: Path) -> Path:
    """Write the checked definition into `out` (and nowhere else); TemplateError when its id cannot be a file name."""
    path = definition_file(out, result.definition["id"], result.definition["provenance"]["source"])
    out.mkdir(parents=True, exist_ok=True)
    header = (
        f"# Imported from {_comment(result.definition['provenance']['source'])} "
        f"(sha256 {result.definition['provenance']['sha256'][:12]}…) "
        f"for {_comment(result.definition['mandated_by'])}.\n"
        "# Check the suggested domains and matches before use; edit the file, not the funder's spreadsheet.\n"
    )
    path.write_text(header + _yaml(result.definition), encoding="utf-8")
    return out / path.name
