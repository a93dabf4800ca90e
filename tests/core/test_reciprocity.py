import pytest

from ddq.core.definitions import Scope
from ddq.core.reciprocity import reciprocity
from ddq.core.scoring import AnswerInput, score_assessment

LIGHT_RESEARCH = Scope(tier="light", partner_roles=frozenset({"research"}))


@pytest.fixture
def parts(shipped_library):
    capacity = shipped_library.questionnaire("partner-capacity")
    disclosure = shipped_library.questionnaire("host-disclosure")
    everything = {
        question.id: AnswerInput(question.choices[-1].value if question.choices else "text")
        for question in disclosure.questions
    }
    return shipped_library, capacity, disclosure, everything


def test_full_disclosure_is_at_parity_in_every_domain(parts):
    library, capacity, disclosure, host_answers = parts
    result = reciprocity(capacity, LIGHT_RESEARCH, disclosure, host_answers, domains=library.domains)
    asked = {row.domain: row.asked_items for row in result.domains}
    # light tier, research role: governance asks 5, financial management 4, safeguarding 5, research 2 …
    assert asked["governance"] == 5 and asked["financial_management"] == 4 and asked["research_ethics_data"] == 2
    assert result.parity == 1.0
    assert all(row.at_parity for row in result.domains)
    # the institute discloses beyond what it asks: governance has 11 capacity questions plus the complaints route
    governance = next(row for row in result.domains if row.domain == "governance")
    assert governance.extra_disclosures == 11 + 1 - 5


def test_missing_disclosures_break_parity_domain_by_domain(parts):
    library, capacity, disclosure, host_answers = parts
    for question_id in ("governing_body", "conflict_of_interest"):
        del host_answers[question_id]
    result = reciprocity(capacity, LIGHT_RESEARCH, disclosure, host_answers, domains=library.domains)
    governance = next(row for row in result.domains if row.domain == "governance")
    assert (governance.disclosed_items, governance.asked_items) == (3, 5)
    assert governance.parity == pytest.approx(0.6) and not governance.at_parity
    asked_domains = [row for row in result.domains if row.asked_items]
    at_parity = [row.domain for row in asked_domains if row.at_parity]
    assert "governance" not in at_parity and len(at_parity) == len(asked_domains) - 1
    assert result.parity == pytest.approx((len(asked_domains) - 1) / len(asked_domains))


def test_not_applicable_counts_as_disclosed(parts):
    _library, capacity, disclosure, host_answers = parts
    host_answers["governing_body"] = AnswerInput(None, not_applicable=True)
    result = reciprocity(capacity, LIGHT_RESEARCH, disclosure, host_answers, domains=["governance"])
    assert result.domains[0].at_parity


def test_scores_of_both_sides_sit_side_by_side(parts):
    _library, capacity, disclosure, host_answers = parts
    partner_answers = {"governing_body": AnswerInput(2), "conflict_of_interest": AnswerInput(2)}
    partner_card = score_assessment(capacity, partner_answers, scope=LIGHT_RESEARCH)
    host_card = score_assessment(disclosure, host_answers)
    result = reciprocity(
        capacity,
        LIGHT_RESEARCH,
        disclosure,
        host_answers,
        domains=["governance"],
        partner_scorecard=partner_card,
        host_scorecard=host_card,
    )
    assert result.domains[0].partner_score == 2.0  # (2x2 + 2) / 3 — governing_body is a key item
    assert result.domains[0].host_score == host_card.domain("governance").score
