"""The golden cases of tests/core/golden: scorecards and reciprocity worked out by hand, every figure compared.

The expected figures are written by hand in the YAML files, each case with its arithmetic (`why`) and the
methodology rule it exercises (`rule`); a case that disagrees with the code is a finding, not a number to copy.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml

from ddq.core.definitions import Scope, load_library
from ddq.core.reciprocity import reciprocity
from ddq.core.scoring import AnswerInput, Stage, score_assessment

GOLDEN = Path(__file__).parent / "golden"
QUESTIONNAIRES = Path(__file__).resolve().parents[2] / "questionnaires"
STATUSES = {"scored", "gate", "not_scored", "hidden", "not_applicable", "unanswered", "unknown"}
DOMAIN_FIGURES = {"points", "weight", "score", "band", "capped", "confidence", "completeness", "standing"}
PARITY_FIGURES = {
    "asked_items",
    "asked_documents",
    "disclosed_items",
    "disclosed_documents",
    "extra_disclosures",
    "hidden_on_host_side",
    "parity",
    "at_parity",
    "compared_items",
    "partner_score",
    "host_score",
    "host_full_score",
}


def _cases(name: str) -> list[dict[str, Any]]:
    return yaml.safe_load((GOLDEN / name).read_text(encoding="utf-8"))["cases"]


SCORECARDS = _cases("scorecards.yaml")
RECIPROCITY = _cases("reciprocity.yaml")


@pytest.fixture(scope="module")
def golden_library():
    return load_library(QUESTIONNAIRES, extra_files=sorted(GOLDEN.glob("gold-*.yaml")))


def figure(value: Any) -> Any:
    """A number as written by hand: "35/13" is a fraction; True, False, None and words stay as they are."""
    if isinstance(value, str) and "/" in value:
        return float(Fraction(value.replace(" ", "")))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


def same(actual: Any, expected: Any) -> bool:
    expected = figure(expected)
    if isinstance(expected, float):
        return actual == pytest.approx(expected, rel=1e-12, abs=1e-12)
    return actual == expected


def answer(value: Any) -> AnswerInput:
    if isinstance(value, dict):
        if value.get("na"):
            return AnswerInput(None, not_applicable=True, evidence_level=value.get("evidence", 0))
        return AnswerInput(value.get("value"), evidence_level=value.get("evidence", 0))
    return AnswerInput(value)


def answers(raw: dict[str, Any] | None) -> dict[str, AnswerInput]:
    return {question_id: answer(value) for question_id, value in (raw or {}).items()}


def scope(raw: dict[str, Any] | None) -> Scope:
    raw = raw or {}
    roles = raw.get("partner_roles")
    return Scope(raw.get("tier"), raw.get("partnership_type"), frozenset(roles) if roles is not None else None)


def mismatches(where: str, actual: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    return [
        f"{where} {name}: expected {expected[name]!r}, got {actual[name]!r}"
        for name in expected
        if not same(actual[name], expected[name])
    ]


def test_there_are_enough_golden_cases_each_citing_its_rule():
    assert len(SCORECARDS) + len(RECIPROCITY) >= 30
    for case in SCORECARDS + RECIPROCITY:
        assert case["rule"].startswith(("§2", "§4")), case["id"]
        assert case["why"].strip(), case["id"]
    assert len({case["id"] for case in SCORECARDS + RECIPROCITY}) == len(SCORECARDS) + len(RECIPROCITY)


@pytest.mark.parametrize("case", SCORECARDS, ids=[case["id"] for case in SCORECARDS])
def test_golden_scorecard(golden_library, case):
    questionnaire = golden_library.questionnaire(case["questionnaire"])
    card = score_assessment(
        questionnaire,
        answers(case["answers"]),
        domains=golden_library.domains.values(),
        scope=scope(case.get("scope")),
        stage=Stage(**case.get("stage", {})),
        profile=case.get("profile"),
    )
    expect = case["expect"]
    problems: list[str] = []

    listed = [(status, question_id) for status, ids in expect["items"].items() for question_id in ids]
    assert {status for status, _ in listed} <= STATUSES
    assert len(listed) == len({question_id for _, question_id in listed}), "a question is listed twice"
    assert {question_id: status for status, question_id in listed} == {
        item.question_id: item.status for item in card.items
    }

    assert set(expect["domains"]) == {domain.domain for domain in card.domains}
    for domain_id, figures in expect["domains"].items():
        assert set(figures) == DOMAIN_FIGURES, f"{domain_id}: every figure must be given"
        domain = card.domain(domain_id)
        actual = {
            "points": domain.points,
            "weight": domain.weight_sum,
            "score": domain.score,
            "band": domain.band,
            "capped": domain.capped,
            "confidence": domain.confidence,
            "completeness": domain.completeness,
            "standing": domain.standing,
        }
        problems += mismatches(domain_id, actual, figures)

    assert {gate.question_id: gate.passed for gate in card.gates} == expect["gates"]
    assert [gate.question_id for gate in card.flagged_gates] == [
        question_id for question_id, passed in expect["gates"].items() if passed is False
    ]
    whole = {
        "overall": card.overall,
        "overall_band": card.overall_band,
        "confidence": card.confidence,
        "early_stage": card.early_stage,
    }
    assert set(expect) - {"items", "domains", "gates", "profile"} == set(whole), "every figure must be given"
    problems += mismatches("scorecard", whole, {name: expect[name] for name in whole})
    if "profile" in expect:
        problems += mismatches("profile", dict(card.profile), expect["profile"])
    # the standings the report lists follow from the domains
    assert [d.domain for d in card.strengths] == [d.domain for d in card.domains if d.standing == "strength"]
    assert [d.domain for d in card.priorities] == [d.domain for d in card.domains if d.standing == "priority"]
    assert problems == []


@pytest.mark.parametrize("case", RECIPROCITY, ids=[case["id"] for case in RECIPROCITY])
def test_golden_reciprocity(golden_library, case):
    asked = golden_library.questionnaire("gold-partner")
    disclosure = golden_library.questionnaire("gold-host")
    request = scope(case.get("scope"))
    host = answers(case["host_answers"])
    partner = answers(case["partner_answers"]) if "partner_answers" in case else None
    result = reciprocity(
        asked,
        request,
        disclosure,
        host,
        domains=case["domains"],
        partner_answers=partner,
        partner_scorecard=score_assessment(asked, partner, scope=request) if partner is not None else None,
        host_scorecard=score_assessment(disclosure, host) if partner is not None else None,
        host_documents={question_id: ("document.pdf",) for question_id in case.get("host_documents", [])},
    )
    expect = case["expect"]
    assert [row.domain for row in result.domains] == list(expect["domains"])
    problems: list[str] = []
    for row in result.domains:
        figures = expect["domains"][row.domain]
        assert set(figures) == PARITY_FIGURES, f"{row.domain}: every figure must be given"
        problems += mismatches(row.domain, {name: getattr(row, name) for name in PARITY_FIGURES}, figures)
    problems += mismatches("reciprocity", {"parity": result.parity}, {"parity": expect["parity"]})
    assert problems == []
