"""The shipped questionnaires meet what the methodology asks of them."""

import pytest

from ddq.core.burden import estimate
from ddq.core.definitions import Scope
from ddq.core.vocabulary import PARTNER_ROLES

SINGLE_ROLES = [frozenset({role}) for role in PARTNER_ROLES]


@pytest.fixture(scope="module")
def capacity(shipped_library):
    return shipped_library.questionnaire("partner-capacity")


def test_eleven_domains_in_order(shipped_library):
    assert [domain.id for domain in shipped_library.domains.values()] == [
        "governance",
        "financial_management",
        "financial_stability",
        "procurement_downstream",
        "safeguarding",
        "people",
        "research_ethics_data",
        "communication",
        "policy_influence",
        "delivery_mel",
        "risk_information_security",
    ]
    roles = {domain.id: domain.role for domain in shipped_library.domains.values() if domain.role}
    assert roles == {
        "research_ethics_data": "research",
        "communication": "communication",
        "policy_influence": "policy_influence",
    }


def test_partner_capacity_covers_every_domain_with_at_least_80_questions(shipped_library, capacity):
    assert len(capacity.questions) >= 80
    assert {question.domain for question in capacity.questions} == set(shipped_library.domains)
    assert any(question.key for question in capacity.questions)
    gates = [question for question in capacity.questions if question.gate]
    assert {gate.id for gate in gates} >= {"legal_registration", "sanctions_screening", "safeguarding_policy"}


def test_maturity_anchors_are_written_out(capacity):
    maturity = [question for question in capacity.questions if question.type == "maturity"]
    assert len(maturity) >= 50
    for question in maturity:
        anchors = [choice.label.get() for choice in question.choices]
        assert len(set(anchors)) == 4 and all(len(anchor) > 2 for anchor in anchors), question.id


def test_role_sections_switch_on_by_role(capacity):
    for role, section in [
        ("research", "research_ethics_data"),
        ("communication", "communication"),
        ("policy_influence", "policy_influence"),
    ]:
        with_role = {s.id for s, _ in capacity.applicable(Scope(tier="enhanced", partner_roles=frozenset({role})))}
        without = {s.id for s, _ in capacity.applicable(Scope(tier="enhanced", partner_roles=frozenset()))}
        assert section in with_role and section not in without


@pytest.mark.parametrize("roles", SINGLE_ROLES, ids=sorted(PARTNER_ROLES))
def test_light_tier_is_about_25_items_within_45_minutes(shipped_library, capacity, roles):
    burden = estimate(capacity, Scope(tier="light", partner_roles=roles))
    tier = shipped_library.tiers["light"]
    assert 20 <= burden.items <= tier.max_items
    assert burden.minutes_high <= tier.max_minutes
    assert burden.documents <= tier.max_documents


@pytest.mark.parametrize("roles", SINGLE_ROLES, ids=sorted(PARTNER_ROLES))
def test_standard_tier_is_about_60_items_within_3_hours(shipped_library, capacity, roles):
    burden = estimate(capacity, Scope(tier="standard", partner_roles=roles))
    tier = shipped_library.tiers["standard"]
    assert 50 <= burden.items <= tier.max_items
    assert burden.minutes_high <= tier.max_minutes
    assert burden.documents <= tier.max_documents


def test_enhanced_tier_asks_everything(capacity):
    every_role = frozenset(PARTNER_ROLES)
    assert estimate(capacity, Scope(tier="enhanced", partner_roles=every_role)).items == len(capacity.questions)


def test_tiers_nest(capacity):
    def asked(tier):
        return {q.id for _, q in capacity.applicable(Scope(tier=tier, partner_roles=frozenset(PARTNER_ROLES)))}

    assert asked("light") < asked("standard") < asked("enhanced")


def test_light_tier_is_complete_in_french(capacity):
    light = [q for _, q in capacity.applicable(Scope(tier="light", partner_roles=frozenset(PARTNER_ROLES)))]
    for question in light:
        assert question.text.has("fr"), question.id
        assert all(choice.label.has("fr") for choice in question.choices), question.id
        assert question.help is None or question.help.has("fr"), question.id
        assert question.evidence is None or question.evidence.has("fr"), question.id
    sections = {s.id for s, _ in capacity.applicable(Scope(tier="light", partner_roles=frozenset(PARTNER_ROLES)))}
    for section in capacity.sections:
        if section.id in sections:
            assert section.title.has("fr") and section.purpose.has("fr"), section.id
    for text in (capacity.title, capacity.purpose, capacity.visible_to):
        assert text.has("fr")


def test_every_questionnaire_says_why_and_who_sees_the_answers(shipped_library):
    for questionnaire in shipped_library.questionnaires.values():
        assert len(questionnaire.purpose.get()) > 40 and len(questionnaire.visible_to.get()) > 20
    for section in shipped_library.questionnaire("partner-capacity").sections:
        assert section.purpose is not None, section.id


def test_host_disclosure_mirrors_every_domain_question_by_question(shipped_library, capacity):
    disclosure = shipped_library.questionnaire("host-disclosure")
    assert set(disclosure.mirrors_domains) == set(shipped_library.domains)  # at least domains 1-7
    mirrored = {question.mirror for question in disclosure.questions}
    assert {question.id for question in capacity.questions} <= mirrored
    for question in disclosure.questions:
        if question.mirror:
            counterpart = capacity.question(question.mirror)
            assert (question.key, question.gate, question.show_if) == (
                counterpart.key,
                counterpart.gate,
                counterpart.show_if,
            ), question.id
    # the institute discloses beyond what it asks: payment terms, overheads, complaints
    assert {"payment_terms", "overhead_policy", "complaints_route"} <= {q.id for q in disclosure.questions}


def test_partner_feedback_follows_the_methodology(shipped_library):
    feedback = shipped_library.questionnaire("partner-feedback")
    assert feedback.direction == "partner_rates_host" and feedback.anonymous
    proportionate = feedback.question("due_diligence_proportionate")
    recommend = feedback.question("recommend")
    assert (proportionate.type, proportionate.minimum, proportionate.maximum) == ("rating", 1, 7)
    assert (recommend.type, recommend.minimum, recommend.maximum) == ("rating", 0, 10)
    ids = {question.id for question in feedback.questions}
    assert {
        "funds_on_time",
        "understands_context",
        "authorship_ip_fair",
        "budget_overhead_fair",
        "knows_how_to_raise_concern",
        "trusts_concern_handling",
    } <= ids


def test_bank_items_carry_a_validity(shipped_library):
    assert all(item.validity_months for item in shipped_library.bank.values())


def _texts(library):
    """Every text a partner or staff member reads, with where it is: (place, Text)."""
    for domain in library.domains.values():
        yield f"domain {domain.id} title", domain.title
        yield f"domain {domain.id} description", domain.description
    for tier in library.tiers.values():
        yield f"tier {tier.id} title", tier.title
        yield f"tier {tier.id} when", tier.when
    for profile in library.profiles:
        yield f"profile {profile.id} title", profile.title
    questions = [("bank", item) for item in library.bank.values()]
    for questionnaire in library.questionnaires.values():
        for name in ("title", "purpose", "visible_to"):
            yield f"{questionnaire.id} {name}", getattr(questionnaire, name)
        for section in questionnaire.sections:
            yield f"{questionnaire.id} section {section.id} title", section.title
            if section.purpose is not None:
                yield f"{questionnaire.id} section {section.id} purpose", section.purpose
            questions += [(questionnaire.id, question) for question in section.questions]
    for where, question in questions:
        yield f"{where} {question.id} text", question.text
        for name in ("help", "evidence"):
            if getattr(question, name) is not None:
                yield f"{where} {question.id} {name}", getattr(question, name)
        for choice in question.choices:
            yield f"{where} {question.id} choice {choice.value}", choice.label


def test_every_shipped_text_is_in_french_spanish_and_portuguese(shipped_library):
    missing = [
        f"{place}: {language}"
        for place, text in _texts(shipped_library)
        for language in ("fr", "es", "pt")
        if not text.has(language)
    ]
    assert missing == []


def test_no_shipped_sentence_is_left_in_english(shipped_library):
    """A text of several words that reads the same as the English was copied, not translated."""
    copied = [
        f"{place}: {language}"
        for place, text in _texts(shipped_library)
        for language in ("fr", "es", "pt")
        if len(text.get().split()) >= 4 and text.get(language) == text.get()
    ]
    assert copied == []
