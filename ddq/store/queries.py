"""Reads that several parts of ddq share: answers as the core wants them, progress, visibility."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import object_session

from ..core.burden import Estimate, asked, estimate
from ..core.definitions import Question, Questionnaire, Scope, Section
from ..core.evidence import effective_level
from ..core.scoring import AnswerInput
from ..extensions import db
from .models import Answer, Assessment, EvidenceFile
from .operations import questionnaire_of


def scope_of(assessment: Assessment) -> Scope:
    """What the questions were chosen for: the partnership's tier, type and roles (everything for the rest)."""
    partnership = assessment.partnership
    if assessment.direction != "partner_self" or partnership is None:
        return Scope()
    return Scope(
        tier=assessment.tier or partnership.tier,
        partnership_type=partnership.type,
        partner_roles=frozenset(partnership.roles),
    )


def carried_ids(assessment: Assessment) -> set[str]:
    """Questions whose answers were carried over from an earlier assessment, or filled from the organisation's
    record: they only need confirming."""
    from .passport import filled_from_record  # the passport reads this module

    carried = {answer.question_id for answer in assessment.answers if answer.reused_from_id}
    from_record = {
        question.id: question
        for question in questionnaire_of(assessment.questionnaire_version).questions
        if question.derive_from is not None and question.derive_from.profile is not None
    }
    carried.update(
        answer.question_id
        for answer in assessment.answers
        if answer.question_id in from_record and filled_from_record(answer, from_record[answer.question_id])
    )
    return carried


def answers_by_question(assessment: Assessment) -> dict[str, Answer]:
    return {answer.question_id: answer for answer in assessment.answers}


def document_expiries(assessment: Assessment) -> dict[int, list[dt.date | None]]:
    """The expiry date of every document of an assessment, by answer id (one query)."""
    found: dict[int, list[dt.date | None]] = {}
    rows = object_session(assessment).execute(
        sa.select(EvidenceFile.answer_id, EvidenceFile.expires_on)
        .join(Answer, EvidenceFile.answer_id == Answer.id)
        .where(Answer.assessment_id == assessment.id)
    )
    for answer_id, expires_on in rows:
        found.setdefault(answer_id, []).append(expires_on)
    return found


def evidence_levels(
    assessment: Assessment, today: dt.date | None = None, expiries: dict[int, list[dt.date | None]] | None = None
) -> dict[str, int]:
    """Each answer's evidence level as it stands today: expired documents back nothing (ddq.core.evidence).

    `expiries` (by answer id, read for many assessments at once) saves the query per assessment."""
    today = today or dt.date.today()
    if expiries is None:
        expiries = document_expiries(assessment)
    return {
        answer.question_id: effective_level(answer.evidence_level, expiries.get(answer.id, ()), today)
        for answer in assessment.answers
    }


def scoring_inputs(
    assessment: Assessment, today: dt.date | None = None, expiries: dict[int, list[dt.date | None]] | None = None
) -> dict[str, AnswerInput]:
    levels = evidence_levels(assessment, today, expiries)
    return {
        answer.question_id: AnswerInput(answer.value, answer.not_applicable, levels[answer.question_id])
        for answer in assessment.answers
    }


def given_values(answers: dict[str, Answer]) -> dict[str, Any]:
    """Values that skip logic reads (N/A and drafts count as unanswered)."""
    return {question_id: answer.value for question_id, answer in answers.items() if not answer.not_applicable}


def is_answered(answer: Answer | None) -> bool:
    return answer is not None and (answer.not_applicable or answer.value not in (None, "", []))


def visible_questions(
    section: Section, questionnaire: Questionnaire, scope: Scope, values: dict[str, Any]
) -> list[Question]:
    """The section's questions that apply to the request and that skip logic shows (ddq.core.burden.asked)."""
    return [question for shown, question in asked(questionnaire, scope, values) if shown.id == section.id]


def estimate_for(assessment: Assessment, questionnaire: Questionnaire) -> Estimate:
    """The burden of a request as it stands: the questions asked given its answers so far (the same count as its
    progress), carried-over answers only to confirm."""
    values = given_values(answers_by_question(assessment))
    return estimate(questionnaire, scope_of(assessment), carried_ids(assessment), values)


def progress(assessment: Assessment, questionnaire: Questionnaire) -> list[dict[str, Any]]:
    """Per applicable section: questions shown, answered, required still missing, drafts to fix."""
    answers = answers_by_question(assessment)
    by_section: dict[str, list[Question]] = {}
    for section, question in asked(questionnaire, scope_of(assessment), given_values(answers)):
        by_section.setdefault(section.id, []).append(question)
    rows = []
    for section in questionnaire.sections:
        questions = by_section.get(section.id)
        if not questions:
            continue
        answered = [q for q in questions if is_answered(answers.get(q.id))]
        rows.append(
            {
                "section": section,
                "total": len(questions),
                "answered": len(answered),
                "missing_required": [q for q in questions if q.required and not is_answered(answers.get(q.id))],
                "drafts": [q for q in questions if answers.get(q.id) is not None and answers[q.id].draft is not None],
            }
        )
    return rows


def published_disclosure() -> Assessment | None:
    """The institute's latest accepted disclosure, which every partner may read."""
    return db.session.scalar(
        sa.select(Assessment)
        .where(Assessment.direction == "host_disclosure", Assessment.status == "accepted")
        .order_by(Assessment.accepted_at.desc(), Assessment.id.desc())
        .limit(1)
    )
