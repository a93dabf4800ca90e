"""The answer passport and the burden ledger, on the demo data."""

import datetime as dt

import pytest
import sqlalchemy as sa

from ddq.core.burden import CONFIRM_MINUTES, estimate
from ddq.core.ledger import RequestFacts, ledger
from ddq.demo import load_demo
from ddq.extensions import db
from ddq.library import current_library
from ddq.store import operations as ops
from ddq.store.models import Answer, Assessment, Organisation
from ddq.store.passport import prefill, repeat_asks
from ddq.store.queries import carried_ids, scope_of


@pytest.fixture
def demo(app):
    load_demo(db.session)
    db.session.commit()
    return app


def funder():
    return db.session.scalar(sa.select(Organisation).where(Organisation.name == "Fundação Horizonte"))


def cycles():
    return db.session.scalars(
        sa.select(Assessment)
        .where(Assessment.subject_id == funder().id, Assessment.direction == "partner_self")
        .order_by(Assessment.id)
    ).all()


def test_second_cycle_prefills_and_at_least_halves_the_estimate(demo):
    first, second = cycles()
    questionnaire = ops.questionnaire_of(second.questionnaire_version)
    carried = carried_ids(second)
    assert len(carried) >= 0.8 * len([a for a in first.answers if a.value is not None])
    fresh = estimate(questionnaire, scope_of(second))
    with_passport = estimate(questionnaire, scope_of(second), carried)
    assert with_passport.minutes_high <= fresh.minutes_high / 2
    assert with_passport.carried_items == len(carried)
    source = next(a for a in second.answers if a.question_id == "governing_body")
    assert source.reused_from.assessment_id == first.id and source.confirmed_at is None
    assert source.value == source.reused_from.value


def test_carried_answers_only_cost_a_confirmation_by_hand(shipped_library):
    from ddq.core.definitions import Scope

    questionnaire = shipped_library.questionnaire("partner-capacity")
    scope = Scope(tier="light", partner_roles=frozenset())
    full = estimate(questionnaire, scope)
    carried = {"governing_body", "legal_registration"}  # 1 min, and 0.25 + 3 for the certificate
    lighter = estimate(questionnaire, scope, carried)
    assert lighter.minutes_high == pytest.approx(full.minutes_high - 1 - 3.25 + 2 * CONFIRM_MINUTES)
    assert lighter.documents == full.documents - 1 and lighter.items == full.items


def test_expired_answers_are_not_carried_over(demo):
    for cycle in cycles():
        for answer in cycle.answers:
            answer.answered_at = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    db.session.flush()
    third = ops.create_assessment(
        db.session,
        current_library().questionnaire("partner-capacity"),
        subject=funder(),
        respondent=funder(),
        partnership=funder().partnerships[0],
    )
    carried = prefill(db.session, third)
    assert carried == 0  # every answer is older than its validity (12 to 36 months)


def test_a_fact_asked_again_inside_its_validity_is_a_repeat_ask(demo):
    third = ops.create_assessment(
        db.session,
        current_library().questionnaire("partner-capacity"),
        subject=funder(),
        respondent=funder(),
        partnership=funder().partnerships[0],
    )
    ops.change_status(db.session, third, "sent")
    ops.save_answer(db.session, third, "governing_body", 3)  # asked afresh, not pre-filled
    ops.save_answer(db.session, third, "staff_count", 31)
    assert repeat_asks(db.session, third) == 2
    assert repeat_asks(db.session, cycles()[1]) == 0  # the pre-filled cycle asked nothing twice


def test_a_repeat_ask_stays_one_when_a_later_request_is_answered(demo):
    """What counts is the valid answer the partner had given when the request was made: a later request's answers,
    given afterwards, do not hide it (the burden ledger counts the same)."""
    from ddq.store.ledger_facts import repeat_asks_of

    def request():
        made = ops.create_assessment(
            db.session,
            current_library().questionnaire("partner-capacity"),
            subject=funder(),
            respondent=funder(),
            partnership=funder().partnerships[0],
        )
        ops.change_status(db.session, made, "sent")
        return made

    third = request()
    ops.save_answer(db.session, third, "governing_body", 3)  # asked afresh, not pre-filled
    ops.save_answer(db.session, third, "staff_count", 31)
    fourth = request()
    ops.save_answer(db.session, fourth, "governing_body", 2)  # answered after the third request was made
    db.session.commit()
    assert repeat_asks(db.session, third) == 2
    assert repeat_asks_of(db.session, [third.id])[third.id] == 2


def test_confirming_a_carried_answer_is_recorded(demo):
    from ddq.store.passport import confirm

    _, second = cycles()
    answer = db.session.scalar(
        sa.select(Answer).where(Answer.assessment_id == second.id, Answer.question_id == "governing_body")
    )
    confirm(db.session, answer)
    assert answer.confirmed_at is not None


def test_ledger_adds_up_by_hand():
    today = dt.date(2026, 11, 28)
    requests = [
        RequestFacts(
            "A",
            1,
            "q",
            dt.date(2026, 3, 1),
            60,
            actual_seconds=1800,
            items_asked=25,
            prefilled=0,
            documents_new=2,
            burden_rating=5,
            days_to_decision=20,
            funding=30_000,
        ),
        RequestFacts(
            "A",
            2,
            "funder",
            dt.date(2026, 9, 1),
            40,
            actual_seconds=1200,
            items_asked=30,
            prefilled=20,
            reused=18,
            documents_reused=2,
            repeat_asks=1,
            burden_rating=3,
            funding=0,
            mandated_by="Fund X",
        ),
        RequestFacts("A", 3, "q", dt.date(2025, 6, 1), 100),  # older than 12 months: left out
        RequestFacts("B", 4, "q", dt.date(2026, 10, 1), 20),
    ]
    rows = ledger(requests, today)
    a = rows["A"]
    assert (a.requests, a.estimated_minutes, a.actual_minutes) == (2, 100, 50)
    assert (a.items_asked, a.prefilled, a.reused, a.documents_new, a.documents_reused, a.repeat_asks) == (
        55,
        20,
        18,
        2,
        2,
        1,
    )
    assert a.mean_rating == 4 and a.mean_days_to_decision == 20 and a.funders == {"Fund X"}
    assert a.funding_per_burden_hour == pytest.approx(30_000 / (50 / 60))
    assert rows["B"].funding_per_burden_hour is None


def test_ddq_burden_for_one_partner(demo):
    from ddq.cli import main

    result = demo.test_cli_runner().invoke(main, ["burden", "--partner", "Fundação"])
    assert result.exit_code == 0, result.output
    assert "Fundação Horizonte: 2 requests" in result.output and "carried over" in result.output
    csv = demo.test_cli_runner().invoke(main, ["burden", "--csv"])
    assert csv.output.startswith("partner,requests,estimated_minutes") and "Mathare Youth Voices" in csv.output
    missing = demo.test_cli_runner().invoke(main, ["burden", "--partner", "Nobody"])
    assert missing.exit_code == 1 and "no requests" in missing.output


SAMPLES = __import__("pathlib").Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "funder"


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="the shared funder samples are not here")
@pytest.mark.parametrize(
    ("sample", "share"),
    # the consortium template's name, year founded and country of registration come from the organisation's record
    # (3 of 8 from the bank alone)
    [("donor_flat_due_diligence.xlsx", 0.5), ("consortium_bilingual_template.xlsx", 0.5)],
)
def test_a_funder_template_is_filled_from_the_passport_with_derived_answers_to_confirm(demo, sample, share):
    from pathlib import Path

    from ddq.importers.frame import _checked, import_template
    from ddq.store.passport import carried_value, from_profile, profile_facts

    root = Path(__file__).resolve().parents[2] / "questionnaires"
    result = import_template(sample, (SAMPLES / sample).read_bytes(), root, current_library(), funder="Fund X")
    questionnaire = _checked(result.definition, root)
    request = ops.create_assessment(
        db.session, questionnaire, subject=funder(), respondent=funder(), partnership=funder().partnerships[0]
    )
    carried = prefill(db.session, request)
    filled = {answer.question_id: answer for answer in request.answers if answer.value is not None}
    assert carried == len(filled) >= share * len(questionnaire.questions)
    derived = [questionnaire.question(q) for q in filled if questionnaire.question(q).derive_from]
    assert any(question.derive_from.bank for question in derived), "a yes/no question is answered from a maturity"
    for question in (question for question in derived if question.derive_from.profile):
        answer = filled[question.id]
        assert from_profile(answer, question) and answer.reused_from is None and answer.confirmed_at is None
        assert answer.value == question.derive_from.value_from_profile(profile_facts(funder()), question.type, "pt")
    for question in (question for question in derived if question.derive_from.bank):
        answer = filled[question.id]
        source = answer.reused_from
        assert answer.confirmed_at is None and answer.bank_id is None and source.bank_id == question.derive_from.bank
        assert answer.value == dict(question.derive_from.map).get(str(source.value), answer.value)
        assert carried_value(answer, question) == answer.value  # not taken for a fresh answer until changed
