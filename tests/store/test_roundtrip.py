"""The store on SQLite and on PostgreSQL: what is written comes back, and the database keeps its rules."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from ddq.core.definitions import Text, definition_hash
from ddq.extensions import db
from ddq.library import current_library
from ddq.store import operations as ops
from ddq.store.models import Answer, Assessment, AuditEvent, Organisation, Partnership, QuestionnaireVersion


@pytest.fixture
def world(backend_app):
    """The institute, one partner, a partnership and a sent self-assessment."""
    session = db.session
    library = current_library()
    host = ops.create_organisation(session, "The Institute", kind="host", country="gb", staff_size=200)
    staff = ops.create_user(session, "Staff@Institute.example.org", "Sam Staff", "staff", host)
    partner = ops.create_organisation(
        session, "Réseau Sahel Données", country="ML", staff_size=8, founded_year=2021, languages=["fr", "en"]
    )
    partnership = ops.create_partnership(
        session,
        partner,
        "Data for flood planning",
        "project",
        roles=["research"],
        tier="standard",
        amount_transferred=Decimal("42000.50"),
        currency="XOF",
        starts_on=dt.date(2026, 2, 1),
        actor=staff,
    )
    assessment = ops.create_assessment(
        session,
        library.questionnaire("partner-capacity"),
        subject=partner,
        respondent=partner,
        partnership=partnership,
        language="fr",
        actor=staff,
    )
    ops.change_status(session, assessment, "sent", staff)
    session.commit()
    return {"host": host, "staff": staff, "partner": partner, "partnership": partnership, "assessment": assessment}


def fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def test_organisation_and_partnership_round_trip(world):
    partner = fresh(Organisation, world["partner"].id)
    assert (partner.name, partner.country, partner.staff_size, partner.founded_year, partner.languages) == (
        "Réseau Sahel Données",
        "ML",
        8,
        2021,
        ["fr", "en"],
    )
    partnership = partner.partnerships[0]
    assert (partnership.type, partnership.roles, partnership.tier) == ("project", ["research"], "standard")
    assert partnership.amount_transferred == Decimal("42000.50") and partnership.starts_on == dt.date(2026, 2, 1)
    assert world["staff"].email == "staff@institute.example.org"


def test_answers_of_every_kind_round_trip(world):
    assessment = world["assessment"]
    given = {
        "legal_registration": "yes",
        "org_legal_form": "network",
        "governing_body": 3,
        "staff_count": 8,
        "annual_income": 125000.5,
        "reserves_months": "1_3",
        "registration_number": "RC/2021/118 — Bamako",
        "ethics_review": 2,
    }
    for question_id, value in given.items():
        ops.save_answer(
            db.session, assessment, question_id, value, comment="ok", active_seconds=30, actor=world["staff"]
        )
    ops.save_answer(db.session, assessment, "safeguarding_cases", not_applicable=True, na_reason="No field work yet")
    db.session.commit()
    answers = {answer.question_id: answer for answer in fresh(Assessment, assessment.id).answers}
    assert {key: answers[key].value for key in given} == given
    assert answers["legal_registration"].bank_id == "legal_registration"
    assert answers["legal_registration"].active_seconds == 30 and answers["legal_registration"].comment == "ok"
    na = answers["safeguarding_cases"]
    assert na.not_applicable and na.value is None and na.na_reason == "No field work yet"


def test_saving_again_updates_and_adds_active_time(world):
    assessment = world["assessment"]
    ops.save_answer(db.session, assessment, "governing_body", 2, active_seconds=20)
    ops.save_answer(db.session, assessment, "governing_body", "4", active_seconds=15)
    db.session.commit()
    answers = fresh(Assessment, assessment.id).answers
    assert len(answers) == 1 and answers[0].value == 4 and answers[0].active_seconds == 35


@pytest.mark.parametrize(
    ("question_id", "value", "kwargs", "message"),
    [
        ("governing_body", 7, {}, "from 1 to 4"),
        ("no_such_question", "yes", {}, "has no question 'no_such_question'"),
        ("governing_body", None, {"not_applicable": True}, "N/A is not allowed"),
    ],
)
def test_a_wrong_answer_is_refused_and_nothing_is_written(world, question_id, value, kwargs, message):
    with pytest.raises(ops.StoreError, match=message):
        ops.save_answer(db.session, world["assessment"], question_id, value, **kwargs)
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 0


def test_workflow_and_audit_log(world):
    assessment, staff = world["assessment"], world["staff"]
    ops.change_status(db.session, assessment, "submitted", staff)
    with pytest.raises(ops.StoreError, match="answers cannot change while the assessment is submitted"):
        ops.save_answer(db.session, assessment, "governing_body", 3)
    with pytest.raises(ops.StoreError, match="cannot go from 'submitted' to 'sent'"):
        ops.change_status(db.session, assessment, "sent", staff)
    ops.change_status(db.session, assessment, "changes_requested", staff)
    ops.save_answer(db.session, assessment, "governing_body", 3)
    ops.change_status(db.session, assessment, "submitted", staff)
    ops.change_status(db.session, assessment, "accepted", staff)
    db.session.commit()
    stored = fresh(Assessment, assessment.id)
    assert stored.status == "accepted" and stored.accepted_at is not None and stored.sent_at is not None
    moves = db.session.scalars(
        sa.select(AuditEvent.details).where(AuditEvent.action == "assessment.status").order_by(AuditEvent.id)
    ).all()
    assert [move["status"] for move in moves] == ["sent", "submitted", "changes_requested", "submitted", "accepted"]


def test_answers_keep_the_version_they_were_given_for(world):
    library = current_library()
    original = library.questionnaire("partner-capacity")
    ops.save_answer(db.session, world["assessment"], "governing_body", 3)
    # the definition changes: a question is reworded and one is dropped
    changed_sections = list(original.sections)
    governance = changed_sections[0]
    reworded = dataclasses.replace(governance.questions[2], text=Text.of(en="Who oversees the organisation?"))
    changed_sections[0] = dataclasses.replace(governance, questions=(governance.questions[0], reworded))
    changed = dataclasses.replace(original, version="2026.2", sections=tuple(changed_sections))
    later = ops.create_assessment(
        db.session, changed, subject=world["partner"], respondent=world["partner"], partnership=world["partnership"]
    )
    db.session.commit()
    versions = db.session.scalars(sa.select(QuestionnaireVersion).order_by(QuestionnaireVersion.id)).all()
    assert [version.version for version in versions] == ["2026.1", "2026.2"]
    assert versions[0].sha256 == definition_hash(original) != versions[1].sha256
    old = ops.questionnaire_of(fresh(Assessment, world["assessment"].id).questionnaire_version)
    assert old.question("governing_body").text == original.question("governing_body").text
    assert len(old.questions) == len(original.questions)
    new = ops.questionnaire_of(fresh(Assessment, later.id).questionnaire_version)
    assert len(new.questions) == len(original.questions) - len(governance.questions) + 2
    assert new.question("governing_body").text.get() == "Who oversees the organisation?"


def test_same_definition_is_stored_once(world):
    library = current_library()
    again = ops.create_assessment(
        db.session,
        library.questionnaire("partner-capacity"),
        subject=world["partner"],
        respondent=world["partner"],
        partnership=world["partnership"],
    )
    assert again.questionnaire_version_id == world["assessment"].questionnaire_version_id


def test_directions_must_match_who_answers(world):
    library = current_library()
    with pytest.raises(ops.StoreError, match="disclosure is about and by the institute"):
        ops.create_assessment(
            db.session, library.questionnaire("host-disclosure"), subject=world["partner"], respondent=world["partner"]
        )
    with pytest.raises(ops.StoreError, match="partners rate the institute"):
        ops.create_assessment(
            db.session,
            library.questionnaire("partner-feedback"),
            subject=world["partner"],
            respondent=world["host"],
            partnership=world["partnership"],
        )


def test_there_is_only_one_institute(world):
    with pytest.raises(ops.StoreError, match="only one host"):
        ops.create_organisation(db.session, "A second institute", kind="host")
    db.session.rollback()
    db.session.add(Organisation(name="Sneaked in", kind="host", languages=[]))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(
    ("model", "column", "value"),
    [
        (Assessment, "status", "archived"),
        (Assessment, "direction", "sideways"),
        (Partnership, "type", "friendship"),
        (Partnership, "review_cycle_months", 0),
        (Organisation, "staff_size", -3),
    ],
)
def test_database_constraints_refuse_bad_values(world, model, column, value):
    key = {Assessment: "assessment", Partnership: "partnership", Organisation: "partner"}[model]
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(model).where(model.id == world[key].id).values({column: value}))
    db.session.rollback()


def test_one_answer_per_question(world):
    db.session.add(Answer(assessment_id=world["assessment"].id, question_id="governing_body", value=2))
    db.session.add(Answer(assessment_id=world["assessment"].id, question_id="governing_body", value=3))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_foreign_keys_are_enforced(world):
    db.session.add(Answer(assessment_id=999_999, question_id="governing_body", value=2))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_partner_self_assessment_needs_a_partnership_in_the_database(world):
    version_id = world["assessment"].questionnaire_version_id
    db.session.add(
        Assessment(
            questionnaire_version_id=version_id,
            direction="partner_self",
            subject_id=world["partner"].id,
            respondent_id=world["partner"].id,
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()
