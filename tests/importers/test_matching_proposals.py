"""Every proposal of bank matching, held to the proposals of the full comparison (each question against every bank
item) on a fixed set of questions: the labelled pairs asked as several answer types, the shared funder and XLSForm
samples, the bank's own texts in every language, and seeded questions made of the bank's words (misspelt, mixed with
common words, in languages the bank has and one it has not).

tests/importers/data/matching_proposals.txt holds the proposals of the full comparison, written before candidates
were cut: one line a question, `label|bank|score|rule|profile`. Should the bank, the domains' keywords, the labelled
pairs or the samples change, the questions' fingerprint says so; write the file again with
`python -m tests.importers.test_matching_proposals` (it compares every item in full)."""

from __future__ import annotations

import hashlib
import json
import math
import random
import sys
from pathlib import Path
from typing import Any

import yaml

from ddq.core.definitions import Library, load_library
from ddq.importers import matching
from ddq.importers.intake import TemplateError, open_template
from ddq.importers.matching import BankIndex, Proposal, normalise, similarity

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = Path(__file__).parent / "data" / "matching_proposals.txt"
PAIRS = Path(__file__).parent / "data" / "matching_pairs.yaml"
SAMPLES = ROOT.parent / "shared" / "samples"
YES_PARTLY_NO = [
    {"value": "yes", "label": {"en": "Yes"}},
    {"value": "partially", "label": {"en": "Partially"}},
    {"value": "no", "label": {"en": "No"}},
]
#: The answer types each labelled question is also asked as: rules differ by type, and so do the items compared.
AS_TYPES = ("yes_no", "single_choice", "maturity", "long_text", "short_text", "number")
COMMON = ["the", "of", "your", "organisation", "does", "have", "a", "any", "is", "there", "de", "la", "votre", "el"]
COMMON += ["su", "do", "seu", "please", "describe"]


def _question(kind: str, texts: dict[str, str], choices: list[str] | None = None) -> dict[str, Any]:
    question: dict[str, Any] = {"type": kind, "text": texts}
    if kind == "single_choice":
        question["choices"] = [{"value": v, "label": {"en": v}} for v in choices] if choices else YES_PARTLY_NO
    return question


def _misspelt(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    at = rng.randrange(1, len(word) - 1)
    return rng.choice([word[:at] + word[at + 1 :], word[:at] + word[at + 1] + word[at] + word[at + 2 :]])


def cases(library: Library) -> list[tuple[str, dict[str, Any], str]]:
    """(label, question, context) for every question compared, always in the same order."""
    found: list[tuple[str, dict[str, Any], str]] = []
    pairs = yaml.safe_load(PAIRS.read_text(encoding="utf-8"))["pairs"]
    domains = [domain.title.get("en") for domain in library.domains.values()]
    for number, pair in enumerate(pairs):
        texts = {pair.get("language", "en"): pair["text"]}
        found.append((f"pair {number}", _question(pair["type"], texts, pair.get("choices")), ""))
        found.append((f"pair {number} in {number % len(domains)}", _question(pair["type"], texts, pair.get("choices")),
                      domains[number % len(domains)]))  # fmt: skip
        for kind in AS_TYPES:
            if kind != pair["type"]:
                found.append((f"pair {number} as {kind}", _question(kind, texts), ""))
    for folder in ("funder", "xlsform"):
        for path in sorted((SAMPLES / folder).glob("*.xls*")):
            found.extend(_sample_cases(path))
    for item in library.bank.values():
        for language in item.text.languages:
            texts = {language: item.text.get(language)}
            for kind in dict.fromkeys((item.type, "yes_no", "long_text")):
                found.append((f"bank {item.id} {language} as {kind}", _question(kind, texts), ""))
            if item.help is not None and item.help.get(language):
                help_text = {language: item.help.get(language)}
                found.append((f"bank {item.id} help {language}", _question(item.type, help_text), ""))
    rng = random.Random(8)
    vocabulary = sorted(
        {
            word
            for item in library.bank.values()
            for language in item.text.languages
            for word in normalise(item.text.get(language)).split()
        }
    )
    bank = list(library.bank.values())
    kinds = ("yes_no", "maturity", "single_choice", "long_text", "short_text", "number", "date", "multi_choice")
    for number in range(1500):
        if number % 3:  # a bank text reworded: some words dropped, some replaced, near the thresholds
            item = rng.choice(bank)
            chosen = normalise(item.text.get(rng.choice(item.text.languages))).split()
            chosen = [rng.choice(vocabulary) if rng.random() < 0.25 else word for word in chosen if rng.random() > 0.3]
        else:
            chosen = [rng.choice(vocabulary) for _ in range(rng.randint(2, 12))]
        chosen = [_misspelt(rng, word) if rng.random() < 0.15 else word for word in chosen]
        chosen += rng.sample(COMMON, rng.randint(0, 3))
        rng.shuffle(chosen)
        text = " ".join(chosen) + rng.choice(["?", "", " (2024)?"])
        language = rng.choice(["en", "fr", "es", "pt", "de"])
        texts = {language: text}
        if rng.random() < 0.1:
            texts["en" if language != "en" else "fr"] = " ".join(rng.sample(vocabulary, 5))
        context = rng.choice(domains) if rng.random() < 0.3 else ""
        found.append((f"seeded {number}", _question(rng.choice(kinds), texts), context))
    return found


def _sample_cases(path: Path) -> list[tuple[str, dict[str, Any], str]]:
    from ddq.importers.formats import convert

    try:
        definition, _, _ = convert(open_template(path.name, path.read_bytes()))
    except TemplateError:
        return []
    return [
        (f"{path.name} {question['id']}", question, section["title"]["en"])
        for section in definition["sections"]
        for question in section["questions"]
    ]


def fingerprint(library: Library, found: list[tuple[str, dict[str, Any], str]]) -> str:
    """sha256 of what matching reads: the questions and their contexts, the bank's texts and the domains' keywords."""
    bank = [
        [
            item.id,
            item.type,
            item.domain,
            item.text.to_data(),
            item.help.to_data() if item.help else None,
            [[choice.value, choice.label.to_data()] for choice in item.choices],
        ]
        for item in library.bank.values()
    ]
    keywords = {domain.id: list(domain.keywords) for domain in library.domains.values()}
    data = json.dumps([found, bank, keywords], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def line(label: str, proposal: Proposal | None) -> str:
    if proposal is None:
        return f"{label}|"
    rule = "same" if proposal.derive is None else json.dumps([list(pair) for pair in proposal.derive])
    return f"{label}|{proposal.bank or ''}|{proposal.score!r}|{rule}|{proposal.profile or ''}"


def proposals(library: Library, found: list[tuple[str, dict[str, Any], str]]) -> list[str]:
    index = BankIndex(library)
    return [line(label, index.propose(json.loads(json.dumps(question)), context)) for label, question, context in found]


def write(library: Library) -> None:
    """Write the expected proposals from the full comparison: with no floor, every item is scored in full."""
    matching.FLOOR = -math.inf
    found = cases(library)
    lines = [f"fingerprint {fingerprint(library, found)}", *proposals(library, found)]
    EXPECTED.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_every_proposal_is_the_one_the_full_comparison_made(shipped_library):
    found = cases(shipped_library)
    assert len(found) > 3000
    if SAMPLES.is_dir():
        assert sum(1 for label, _, _ in found if label.startswith(("donor_flat", "consortium_bilingual"))) >= 20
    head, *expected = EXPECTED.read_text(encoding="utf-8").splitlines()
    assert head == f"fingerprint {fingerprint(shipped_library, found)}", (
        "the bank, its domains' keywords, the labelled pairs or the samples changed since the expected proposals "
        "were written: write them again (see this module's docstring)"
    )
    made = proposals(shipped_library, found)
    assert len(made) == len(expected)
    differ = [(old, new) for old, new in zip(expected, made, strict=True) if old != new]
    assert not differ, f"{len(differ)} proposals differ, e.g. {differ[:5]}"
    assert sum(1 for old in expected if old.count("|") > 1) > 1200  # a good share is matched to something


def test_the_floor_cannot_change_a_proposal():
    """A best score below CLEAR_AT (and MATCH_AT) proposes nothing; a runner-up below FLOOR trails a best of
    CLEAR_AT or more by more than CLEAR_LEAD and LEAD, as no runner-up does; no comparison scores above 100."""
    assert matching.CLEAR_AT <= matching.MATCH_AT and matching.LEAD <= matching.CLEAR_LEAD
    assert matching.FLOOR <= matching.CLEAR_AT - matching.CLEAR_LEAD
    assert similarity("bank reconcil monthly", "bank reconcil monthly") == 100.0


def test_ranking_above_the_floor_is_the_full_ranking_cut_at_the_floor(shipped_library):
    """Items left out by the bound are exactly those the full comparison scores below the floor, with the same
    scores for the others: the bank may change, this still holds."""
    index = BankIndex(shipped_library)
    found = cases(shipped_library)[::5]
    cut = 0
    for label, question, context in found:
        full = index.ranked(question, context)
        above = index.ranked(question, context, floor=matching.FLOOR)
        assert above == [(score, item) for score, item in full if score >= matching.FLOOR], label
        cut += len(full) - len(above)
    assert cut > 10 * len(found)  # most items are left out


if __name__ == "__main__":
    write(load_library(ROOT / "questionnaires"))
    sys.exit(0)
