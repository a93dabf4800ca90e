"""Read an assessment from the store into the plain data reports are made of (no ORM object leaves here)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from ..core.actions import suggest_actions
from ..core.definitions import Library
from ..core.reciprocity import reciprocity
from ..core.scoring import Scorecard, Stage, score_assessment
from ..extensions import db
from ..store.models import Assessment
from ..store.operations import host_organisation, questionnaire_of
from ..store.queries import scope_of, scoring_inputs
from .context import AnswerView, ReportFacts, actions_from_suggestions, capacity_context


def answer_views(assessment: Assessment) -> dict[str, AnswerView]:
    return {
        answer.question_id: AnswerView(
            value=answer.value,
            not_applicable=answer.not_applicable,
            na_reason=answer.na_reason,
            comment=answer.comment,
            evidence_level=answer.evidence_level,
            files=tuple(file.original_name for file in answer.evidence_files),
        )
        for answer in assessment.answers
    }


def scorecard_of(assessment: Assessment, library: Library) -> Scorecard:
    """The one scoring path, whatever the direction."""
    subject = assessment.subject
    partnership = assessment.partnership if assessment.direction == "partner_self" else None
    profile = library.domain_weights(partnership.type, partnership.roles) if partnership else None
    return score_assessment(
        questionnaire_of(assessment.questionnaire_version),
        scoring_inputs(assessment),
        domains=library.domains.values(),
        scope=scope_of(assessment),
        stage=Stage(subject.staff_size, subject.founded_year, dt.date.today().year),
        profile=profile,
    )


def published_disclosure() -> Assessment | None:
    return db.session.scalar(
        sa.select(Assessment)
        .where(Assessment.direction == "host_disclosure", Assessment.status == "accepted")
        .order_by(Assessment.accepted_at.desc(), Assessment.id.desc())
        .limit(1)
    )


def facts_of(assessment: Assessment) -> ReportFacts:
    subject = assessment.subject
    partnership = assessment.partnership if assessment.direction == "partner_self" else None
    host = host_organisation(db.session)
    return ReportFacts(
        organisation=subject.name,
        country=subject.country,
        staff_size=subject.staff_size,
        founded_year=subject.founded_year,
        partnership=partnership.title if partnership else None,
        partnership_type=partnership.type if partnership else None,
        roles=tuple(partnership.roles) if partnership else (),
        tier=assessment.tier,
        status=assessment.status,
        generated_on=dt.date.today().isoformat(),
        host=host.name if host else "the institute",
    )


def capacity_report_context(assessment: Assessment, library: Library, language: str) -> dict[str, Any]:
    """The capacity report of one assessment (a partner's, or the institute's own disclosure)."""
    questionnaire = questionnaire_of(assessment.questionnaire_version)
    card = scorecard_of(assessment, library)
    disclosure = published_disclosure() if assessment.direction == "partner_self" else None
    host_card = scorecard_of(disclosure, library) if disclosure is not None else None
    parity = None
    if disclosure is not None:
        parity = reciprocity(
            questionnaire,
            scope_of(assessment),
            questionnaire_of(disclosure.questionnaire_version),
            scoring_inputs(disclosure),
            domains=list(library.domains),
            partner_scorecard=card,
            host_scorecard=host_card,
        )
    if assessment.action_items:
        actions = [
            {
                "domain": library.domains[item.domain].title.get(language) if item.domain in library.domains else "",
                "domain_id": item.domain or "",
                "question_id": item.question_id,
                "question": "",
                "priority": item.priority,
                "action": item.action,
                "support": item.support or "",
                "due_on": item.due_on.isoformat() if item.due_on else "",
            }
            for item in assessment.action_items
        ]
    else:
        actions = actions_from_suggestions(suggest_actions(questionnaire, card), questionnaire, library, language)
    return capacity_context(
        questionnaire=questionnaire,
        scorecard=card,
        library=library,
        answers=answer_views(assessment),
        facts=facts_of(assessment),
        actions=actions,
        reciprocity=parity,
        host_scorecard=host_card,
        language=language,
    )
