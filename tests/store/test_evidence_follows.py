"""Evidence follows the answer it backs, in the store: a changed value loses its check, expired documents
lower carried-over levels, and the level read for scoring is the level that stands today."""

import datetime as dt

import pytest
import sqlalchemy as sa

from ddq.demo import load_demo
from ddq.extensions import db
from ddq.library import current_library
from ddq.store import answering
from ddq.store import operations as ops
from ddq.store.models import Assessment, Organisation, User
from ddq.store.passport import prefill
from ddq.store.queries import scoring_inputs

TODAY = dt.date.today()


@pytest.fixture
def demo(app):
    load_demo(db.session)
    db.session.commit()
    return app


def staff():
    return db.session.scalar(sa.select(User).where(User.role == "admin"))


def funder():
    return db.session.scalar(sa.select(Organisation).where(Organisation.name == "Fundação Horizonte"))


def fresh_request():
    assessment = ops.create_assessment(
        db.session,
        current_library().questionnaire("partner-capacity"),
        subject=funder(),
        respondent=funder(),
        partnership=funder().partnerships[0],
    )
    ops.change_status(db.session, assessment, "sent", staff())
    return assessment


def question(assessment, question_id):
    return ops.questionnaire_of(assessment.questionnaire_version).question(question_id)


def attach(answer, expires_on):
    return ops.add_evidence_file(
        db.session,
        answer,
        original_name="policy.pdf",
        stored_name=f"stored-{answer.id}-{expires_on}",
        content_type="application/pdf",
        size_bytes=10,
        sha256="0" * 64,
        actor=staff(),
        expires_on=expires_on,
    )


def test_changing_a_checked_answer_resets_its_level_and_asks_for_review(demo):
    assessment = fresh_request()
    governing = question(assessment, "governing_body")
    answering.save_draft_answer(db.session, assessment, governing, "4")
    answer = next(a for a in assessment.answers if a.question_id == "governing_body")
    ops.set_evidence_level(db.session, answer, 2, staff())
    assert (answer.evidence_level, answer.needs_review) == (2, False)
    answering.save_draft_answer(db.session, assessment, governing, "1")
    db.session.refresh(answer)
    assert (answer.value, answer.evidence_level, answer.needs_review) == (1, 0, True)
    ops.set_evidence_level(db.session, answer, 2, staff())
    assert answer.needs_review is False


def test_a_document_keeps_e1_when_the_value_changes(demo):
    assessment = fresh_request()
    policy = question(assessment, "safeguarding_policy")
    answering.save_draft_answer(db.session, assessment, policy, "yes")
    answer = next(a for a in assessment.answers if a.question_id == "safeguarding_policy")
    attach(answer, None)
    ops.set_evidence_level(db.session, answer, 3, staff())
    answering.save_draft_answer(db.session, assessment, policy, "no")
    db.session.refresh(answer)
    assert (answer.evidence_level, answer.needs_review) == (1, True)


def test_saving_the_same_value_again_keeps_the_check(demo):
    assessment = fresh_request()
    governing = question(assessment, "governing_body")
    answering.save_draft_answer(db.session, assessment, governing, "4")
    answer = next(a for a in assessment.answers if a.question_id == "governing_body")
    ops.set_evidence_level(db.session, answer, 2, staff())
    answering.save_draft_answer(db.session, assessment, governing, "4", comment="still true")
    db.session.refresh(answer)
    assert (answer.evidence_level, answer.needs_review) == (2, False)


def test_an_expired_document_lowers_a_carried_over_level(demo):
    first = fresh_request()
    policy = question(first, "safeguarding_policy")
    answering.save_draft_answer(db.session, first, policy, "yes")
    source = next(a for a in first.answers if a.question_id == "safeguarding_policy")
    attach(source, TODAY - dt.timedelta(days=1))
    ops.set_evidence_level(db.session, source, 2, staff())
    assert scoring_inputs(first)["safeguarding_policy"].evidence_level == 0  # read today: nothing backs E2
    second = fresh_request()
    prefill(db.session, second)
    carried = next(a for a in second.answers if a.question_id == "safeguarding_policy")
    assert carried.reused_from_id == source.id and carried.evidence_level == 0


def test_a_valid_document_keeps_a_carried_over_level(demo):
    first = fresh_request()
    policy = question(first, "safeguarding_policy")
    answering.save_draft_answer(db.session, first, policy, "yes")
    source = next(a for a in first.answers if a.question_id == "safeguarding_policy")
    attach(source, TODAY + dt.timedelta(days=200))
    ops.set_evidence_level(db.session, source, 2, staff())
    second = fresh_request()
    prefill(db.session, second)
    carried = next(a for a in second.answers if a.question_id == "safeguarding_policy")
    assert carried.evidence_level == 2
    assert scoring_inputs(second)["safeguarding_policy"].evidence_level == 2
    assert scoring_inputs(second, today=TODAY + dt.timedelta(days=201))["safeguarding_policy"].evidence_level == 0


def test_statuses_are_unchanged_for_other_assessments(demo):
    """The rule reads and writes one answer: nothing else in the demo moves."""
    before = {
        (a.id, a.question_id): a.evidence_level
        for assessment in db.session.scalars(sa.select(Assessment)).all()
        for a in assessment.answers
    }
    fresh_request()
    after = {
        (a.id, a.question_id): a.evidence_level
        for assessment in db.session.scalars(sa.select(Assessment)).all()
        for a in assessment.answers
    }
    assert before.items() <= after.items()


def test_reports_show_the_level_that_stands_today(demo):
    from ddq.store.report_facts import assessment_facts

    first = fresh_request()
    policy = question(first, "safeguarding_policy")
    answering.save_draft_answer(db.session, first, policy, "yes")
    source = next(a for a in first.answers if a.question_id == "safeguarding_policy")
    attach(source, TODAY - dt.timedelta(days=1))
    ops.set_evidence_level(db.session, source, 2, staff())
    facts = assessment_facts(db.session, first)
    assert facts.answers["safeguarding_policy"].evidence_level == 0
    assert facts.views["safeguarding_policy"].evidence_level == 0  # what the report prints agrees with the score
