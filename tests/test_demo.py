"""The demo data shows what ddq is for: partners that differ, and assessments in every direction and state."""

import pytest
import sqlalchemy as sa

from ddq.demo import load_demo
from ddq.extensions import db
from ddq.store.models import Assessment, Organisation
from ddq.store.operations import questionnaire_of


@pytest.fixture
def demo(backend_app):
    assert load_demo(db.session) is True
    db.session.commit()
    return backend_app


def test_partners_differ_in_size_age_roles_and_partnership(demo):
    partners = db.session.scalars(sa.select(Organisation).where(Organisation.kind == "partner")).all()
    assert len(partners) == 4
    assert len({p.partnerships[0].type for p in partners}) == 4
    assert len({p.partnerships[0].tier for p in partners}) == 3
    smallest = min(partners, key=lambda p: p.staff_size)
    assert smallest.staff_size <= 10 and smallest.partnerships[0].tier == "light"
    assert {role for p in partners for role in p.partnerships[0].roles} == {
        "research",
        "communication",
        "policy_influence",
    }


def test_assessments_in_every_direction_and_several_states(demo):
    assessments = db.session.scalars(sa.select(Assessment)).all()
    assert {a.direction for a in assessments} == {"partner_self", "host_disclosure", "partner_rates_host"}
    assert {a.status for a in assessments} >= {"sent", "in_progress", "submitted", "changes_requested", "accepted"}
    answered = [a for a in assessments if any(answer.value is not None for answer in a.answers)]
    assert 0 < len(answered) < len(assessments)


def test_demo_answers_respect_applicability_and_skip_logic(demo):
    for assessment in db.session.scalars(sa.select(Assessment).where(Assessment.direction == "partner_self")):
        questionnaire = questionnaire_of(assessment.questionnaire_version)
        partnership = assessment.partnership
        from ddq.core.definitions import Scope

        scope = Scope(
            tier=partnership.tier, partnership_type=partnership.type, partner_roles=frozenset(partnership.roles)
        )
        allowed = {question.id for _, question in questionnaire.applicable(scope)}
        values = {answer.question_id: answer.value for answer in assessment.answers}
        assert set(values) <= allowed
        for question_id in values:
            condition = questionnaire.question(question_id).show_if
            assert condition is None or condition.evaluate(values)


def test_demo_is_idempotent(demo):
    assert load_demo(db.session) is False
