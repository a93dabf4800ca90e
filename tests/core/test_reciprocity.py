import pytest

from ddq.core.definitions import Scope
from ddq.core.reciprocity import reciprocity
from ddq.core.scoring import AnswerInput, score_assessment

LIGHT_RESEARCH = Scope(tier="light", partner_roles=frozenset({"research"}))


def fill_as_the_form_shows(questionnaire, choose):
    """Answer every question the form shows, in order, as a respondent would (hidden ones stay blank)."""
    from ddq.core.scoring import given_values, is_shown

    answers = {}
    for question in questionnaire.questions:
        if is_shown(question, given_values(answers)):
            answers[question.id] = AnswerInput(choose(question))
    return answers


def last_choice(question):
    return question.choices[-1].value if question.choices else "text"


def first_choice(question):
    return question.choices[0].value if question.choices else "text"


@pytest.fixture
def parts(shipped_library):
    """The institute answers what its own form shows (its skip logic hides follow-ups to a "no")."""
    capacity = shipped_library.questionnaire("partner-capacity")
    disclosure = shipped_library.questionnaire("host-disclosure")
    return shipped_library, capacity, disclosure, fill_as_the_form_shows(disclosure, last_choice)


def documents_for(questionnaire, answers=None):
    """A document for every question that asks one (and was answered, when answers are given)."""
    return {
        question.id: ("document.pdf",)
        for question in questionnaire.questions
        if question.asks_document and (answers is None or question.id in answers)
    }


def test_full_disclosure_is_at_parity_in_every_domain(parts):
    library, capacity, disclosure, host_answers = parts
    result = reciprocity(
        capacity,
        LIGHT_RESEARCH,
        disclosure,
        host_answers,
        domains=library.domains,
        host_documents=documents_for(disclosure),
    )
    asked = {row.domain: row.asked_items for row in result.domains}
    # light tier, research role: governance asks 5, financial management 4, safeguarding 5, research 2 …
    assert asked["governance"] == 5 and asked["financial_management"] == 4 and asked["research_ethics_data"] == 2
    assert result.parity == 1.0
    assert all(row.at_parity for row in result.domains)
    # the institute discloses beyond what it asks: governance has 11 capacity questions plus the complaints route
    governance = next(row for row in result.domains if row.domain == "governance")
    # … less the two it hid from itself by answering "no" (registration_number, integrity_investigations_detail)
    assert governance.extra_disclosures == 11 + 1 - 5 - 2
    # the institute's "no" to sub-partners hid subpartner_count from itself: without the partner's answers it
    # counts as asked and leaves the count on the institute's side; a partner that also said "no" never saw it
    procurement = next(row for row in result.domains if row.domain == "procurement_downstream")
    assert (procurement.asked_items, procurement.hidden_on_host_side) == (1, 1)
    partner = fill_as_the_form_shows(capacity, last_choice)
    assert "subpartner_count" not in partner
    both_sides = reciprocity(
        capacity,
        LIGHT_RESEARCH,
        disclosure,
        host_answers,
        domains=["procurement_downstream"],
        partner_answers=partner,
        host_documents=documents_for(disclosure, host_answers),
    )
    assert (both_sides.domains[0].asked_items, both_sides.domains[0].hidden_on_host_side) == (1, 0)
    assert both_sides.parity == 1.0


def test_missing_disclosures_break_parity_domain_by_domain(parts):
    library, capacity, disclosure, host_answers = parts
    for question_id in ("governing_body", "conflict_of_interest"):
        del host_answers[question_id]
    result = reciprocity(
        capacity,
        LIGHT_RESEARCH,
        disclosure,
        host_answers,
        domains=library.domains,
        host_documents=documents_for(disclosure),
    )
    governance = next(row for row in result.domains if row.domain == "governance")
    assert (governance.disclosed_items, governance.asked_items) == (3, 5)
    # 3 of 5 questions and 0 of the 1 document asked (the counterpart of a withheld answer brings no document)
    assert governance.parity == pytest.approx((3 + governance.disclosed_documents) / (5 + governance.asked_documents))
    assert not governance.at_parity
    asked_domains = [row for row in result.domains if row.asked_items]
    at_parity = [row.domain for row in asked_domains if row.at_parity]
    assert "governance" not in at_parity and len(at_parity) == len(asked_domains) - 1
    assert result.parity == pytest.approx((len(asked_domains) - 1) / len(asked_domains))


def test_not_applicable_counts_as_disclosed(parts):
    _library, capacity, disclosure, host_answers = parts
    host_answers["governing_body"] = AnswerInput(None, not_applicable=True)
    result = reciprocity(
        capacity,
        LIGHT_RESEARCH,
        disclosure,
        host_answers,
        domains=["governance"],
        host_documents=documents_for(disclosure),
    )
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


STANDARD = Scope(tier="standard", partnership_type="project", partner_roles=frozenset())


def test_an_institute_that_answers_all_its_form_shows_is_at_parity(shipped_library):
    capacity = shipped_library.questionnaire("partner-capacity")
    disclosure = shipped_library.questionnaire("host-disclosure")
    # the institute says "no" wherever it can: its own skip logic then hides the follow-up questions
    host = fill_as_the_form_shows(disclosure, lambda q: q.choices[-1].value if q.choices else "text")
    assert "registration_number" not in host and "subpartner_count" not in host
    partner = fill_as_the_form_shows(capacity, lambda q: q.choices[0].value if q.choices else "text")
    result = reciprocity(
        capacity,
        STANDARD,
        disclosure,
        host,
        domains=shipped_library.domains,
        partner_answers=partner,
        host_documents=documents_for(disclosure, host),
    )
    assert [row.domain for row in result.domains if not row.at_parity] == []
    assert result.parity == 1.0
    assert all(row.parity == 1.0 for row in result.domains)
    governance = next(row for row in result.domains if row.domain == "governance")
    assert governance.hidden_on_host_side == 1  # registration_number, which the partner saw and the institute did not
    # the institute works without sub-partners: its form hid both follow-ups the partner was asked
    procurement = next(row for row in result.domains if row.domain == "procurement_downstream")
    assert procurement.hidden_on_host_side == 2


def test_questions_the_partner_never_saw_are_not_counted_as_asked(shipped_library):
    capacity = shipped_library.questionnaire("partner-capacity")
    disclosure = shipped_library.questionnaire("host-disclosure")
    host = {q.id: AnswerInput(q.choices[0].value if q.choices else "text") for q in disclosure.questions}
    shown_all = reciprocity(capacity, STANDARD, disclosure, host, domains=["procurement_downstream"])
    partner = {"uses_subpartners": AnswerInput("no")}
    hidden = reciprocity(
        capacity, STANDARD, disclosure, host, domains=["procurement_downstream"], partner_answers=partner
    )
    # standard tier asks subpartner_count and subpartner_checks only when the partner uses sub-partners
    assert shown_all.domains[0].asked_items - hidden.domains[0].asked_items == 2


def test_withholding_one_document_breaks_parity(shipped_library):
    capacity = shipped_library.questionnaire("partner-capacity")
    disclosure = shipped_library.questionnaire("host-disclosure")
    host = fill_as_the_form_shows(disclosure, lambda q: q.choices[0].value if q.choices else "text")
    documents = documents_for(disclosure, host)
    asked_documents = [
        q for _, q in capacity.applicable(STANDARD) if q.asks_document and q.domain == "safeguarding"
    ]
    withheld = next(q.id for q in disclosure.questions if q.mirror == asked_documents[0].id)
    del documents[withheld]
    result = reciprocity(
        capacity, STANDARD, disclosure, host, domains=["safeguarding"], host_documents=documents
    )
    row = result.domains[0]
    assert (row.asked_documents, row.disclosed_documents) == (len(asked_documents), len(asked_documents) - 1)
    assert not row.at_parity
    assert row.parity == (row.asked_items + row.asked_documents - 1) / (row.asked_items + row.asked_documents)


def test_both_sides_are_scored_over_the_same_questions(shipped_library):
    capacity = shipped_library.questionnaire("partner-capacity")
    disclosure = shipped_library.questionnaire("host-disclosure")
    light = Scope(tier="light", partnership_type="project", partner_roles=frozenset())
    asked = [q for _, q in capacity.applicable(light) if q.domain == "governance" and q.scored and not q.gate]
    partner = {q.id: AnswerInput(q.choices[0].value) for q in asked}  # the lowest choice everywhere
    host = {q.id: AnswerInput(q.choices[-1].value if q.choices else "text") for q in disclosure.questions}
    host.update({q.id: AnswerInput(4) for q in disclosure.questions if q.type == "maturity"})
    result = reciprocity(
        capacity,
        light,
        disclosure,
        host,
        domains=["governance"],
        partner_answers=partner,
        partner_scorecard=score_assessment(capacity, partner, scope=light),
        host_scorecard=score_assessment(disclosure, host),
    )
    row = result.domains[0]
    mirrors = {q.mirror: q for q in disclosure.questions}
    pairs = [(q, mirrors[q.id]) for q in asked]
    # by hand: the weighted mean of the institute's scores on exactly the counterparts of the partner's questions
    host_points = sum(m.weight * max(c.score for c in m.choices if c.value == str(host[m.id].value)) for _, m in pairs)
    assert row.host_score == pytest.approx(host_points / sum(m.weight for _, m in pairs))
    assert row.partner_score == pytest.approx(
        sum(q.weight * q.choices[0].score for q in asked) / sum(q.weight for q in asked)
    )
    # compared: the pairs with a score on both sides (the gate and the unscored questions leave the comparison)
    assert row.compared_items == len(asked)
    assert row.host_full_score is not None


def test_no_host_figures_where_the_institute_has_no_scorecard_row(parts):
    from ddq.core.scoring import Scorecard

    _library, capacity, disclosure, host_answers = parts
    empty = Scorecard(questionnaire_id=disclosure.id, items=(), domains=(), gates=())
    result = reciprocity(
        capacity, LIGHT_RESEARCH, disclosure, host_answers, domains=["governance"], host_scorecard=empty
    )
    assert (result.domains[0].host_score, result.domains[0].host_full_score) == (None, None)
