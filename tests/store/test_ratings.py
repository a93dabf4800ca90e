"""Each person's rating is kept beside the organisation's one answer, in the same save (SQLite and PostgreSQL)."""

import pytest
import sqlalchemy as sa

from ddq.core.questions import UNKNOWN
from ddq.extensions import db
from ddq.library import current_library
from ddq.store import answering
from ddq.store import operations as ops
from ddq.store.models import Answer, AnswerRating
from ddq.store.ratings import ratings_of


@pytest.fixture
def request_of_two(backend_app):
    """A partner's self-assessment, answered by two colleagues."""
    partner = ops.create_organisation(db.session, "Partner")
    ana = ops.create_user(db.session, "ana@partner.example.org", "Ana", "partner_respondent", partner)
    ben = ops.create_user(db.session, "ben@partner.example.org", "Ben", "partner_respondent", partner)
    partnership = ops.create_partnership(db.session, partner, "Study", "project", tier="standard")
    assessment = ops.create_assessment(
        db.session,
        current_library().questionnaire("partner-capacity"),
        subject=partner,
        respondent=partner,
        partnership=partnership,
    )
    ops.change_status(db.session, assessment, "sent")
    db.session.commit()
    return assessment, ana, ben


def question(assessment, question_id):
    return ops.questionnaire_of(assessment.questionnaire_version).question(question_id)


def ratings(assessment):
    """(question, person's name, value) for every rating of the assessment."""
    found = ratings_of(db.session, [assessment.id]).get(assessment.id, ())
    return sorted((rating.question_id, rating.rater, rating.value) for rating in found)


def draft(assessment, question_id, raw, actor, **options):
    asked = question(assessment, question_id)
    problem = answering.save_draft_answer(db.session, assessment, asked, raw, actor=actor, **options)
    db.session.commit()
    return problem


def test_each_persons_latest_rating_is_kept_and_the_answer_stays_one(request_of_two):
    assessment, ana, ben = request_of_two
    draft(assessment, "governing_body", "2", ana)
    draft(assessment, "governing_body", "4", ben)
    assert ratings(assessment) == [("governing_body", "Ana", 2), ("governing_body", "Ben", 4)]
    answer = db.session.scalar(sa.select(Answer).where(Answer.question_id == "governing_body"))
    assert (answer.value, answer.answered_by_id) == (4, ben.id)  # the organisation's one answer: the last save
    draft(assessment, "governing_body", "3", ana)  # Ana changes her mind: her latest rating replaces her first
    assert ratings(assessment) == [("governing_body", "Ana", 3), ("governing_body", "Ben", 4)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AnswerRating)) == 2


def test_save_answer_records_the_rating_in_the_same_operation(request_of_two):
    assessment, ana, ben = request_of_two
    ops.save_answer(db.session, assessment, "accounting_system", "1", actor=ana)
    ops.save_answer(db.session, assessment, "accounting_system", 3, actor=ben)
    db.session.rollback()  # nothing committed: the ratings go with the answers
    assert ratings(assessment) == []
    ops.save_answer(db.session, assessment, "accounting_system", "1", actor=ana)
    ops.save_answer(db.session, assessment, "accounting_system", 3, actor=ben)
    db.session.commit()
    assert ratings(assessment) == [("accounting_system", "Ana", 1), ("accounting_system", "Ben", 3)]


def test_unscored_items_gates_drafts_and_saves_without_a_person_record_nothing(request_of_two):
    assessment, ana, _ = request_of_two
    draft(assessment, "registration_number", "RN-1", ana)  # text: no score
    draft(assessment, "legal_registration", "yes", ana)  # a gate: reported apart, never on the item scale
    assert draft(assessment, "governing_body", "7", ana) is not None  # not a level: kept as a draft
    ops.save_answer(db.session, assessment, "conflict_of_interest", 2)  # no person
    db.session.commit()
    assert ratings(assessment) == []


def test_na_not_yet_known_or_clearing_withdraws_only_that_persons_rating(request_of_two):
    assessment, ana, ben = request_of_two
    draft(assessment, "cash_handling", "2", ana)
    draft(assessment, "cash_handling", "4", ben)
    draft(assessment, "cash_handling", "", ben, not_applicable=True, na_reason="No cash")
    assert ratings(assessment) == [("cash_handling", "Ana", 2)]
    draft(assessment, "governing_body", "1", ana)
    draft(assessment, "governing_body", "3", ben)
    draft(assessment, "governing_body", UNKNOWN, ana)
    draft(assessment, "budget_monitoring", "2", ben)
    draft(assessment, "budget_monitoring", "", ben)
    assert ratings(assessment) == [("cash_handling", "Ana", 2), ("governing_body", "Ben", 3)]


def test_a_save_that_changes_nothing_is_not_a_rating(request_of_two):
    """A section saved again posts every answer on it: a colleague's answers left as shown are not theirs."""
    assessment, ana, ben = request_of_two
    draft(assessment, "governing_body", "2", ana)
    draft(assessment, "governing_body", "2", ben)
    assert ratings(assessment) == [("governing_body", "Ana", 2)]


def test_a_refused_stale_save_records_no_rating(request_of_two):
    assessment, ana, ben = request_of_two
    draft(assessment, "governing_body", "2", ana)
    shown = db.session.scalar(sa.select(Answer.version).where(Answer.question_id == "governing_body"))
    draft(assessment, "governing_body", "3", ana)
    with pytest.raises(answering.StaleAnswer):
        draft(assessment, "governing_body", "1", ben, base_version=shown)
    db.session.rollback()
    assert ratings(assessment) == [("governing_body", "Ana", 3)]
