"""Read the burden ledger's facts: every partner request as the ledger counts it (estimate, time spent, what was
carried over, documents, repeat asks, decision time, funding), in a fixed number of set-based queries.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from ..core.burden import estimate
from ..core.ledger import RequestFacts
from .models import Answer, Assessment, EvidenceFile, QuestionnaireVersion
from .operations import questionnaire_of
from .passport import DEFAULT_VALIDITY_MONTHS, _aware
from .queries import scope_of
from .staff_facts import _among, active_seconds


def ledger_requests(
    session: Session, *, partner_id: int | None = None, partner_ids: list[int] | None = None
) -> list[RequestFacts]:
    """Every partner request (or one partner's, or those of `partner_ids`) as the burden ledger counts it, in a
    fixed number of queries."""
    query = (
        sa.select(Assessment)
        .where(Assessment.direction == "partner_self")
        .order_by(Assessment.id)
        .options(
            joinedload(Assessment.subject),
            joinedload(Assessment.partnership),
            selectinload(Assessment.questionnaire_version),
        )
    )
    if partner_id is not None:
        query = query.where(Assessment.subject_id == partner_id)
    if partner_ids is not None:
        query = query.where(Assessment.subject_id.in_(partner_ids))
    assessments = session.scalars(query).all()
    everyone = partner_id is None and partner_ids is None
    chosen = None if everyone else [assessment.id for assessment in assessments]
    seconds = active_seconds(session, chosen)
    carried: dict[int, set[str]] = {}
    confirmed: Counter[int] = Counter()
    answers = sa.select(Answer.assessment_id, Answer.question_id, Answer.confirmed_at.is_not(None)).where(
        Answer.reused_from_id.is_not(None)
    )
    for assessment_id, question_id, is_confirmed in session.execute(_among(answers, Answer.assessment_id, chosen)):
        carried.setdefault(assessment_id, set()).add(question_id)
        confirmed[assessment_id] += bool(is_confirmed)
    documents: Counter[tuple[int, bool]] = Counter()
    counted = (
        sa.select(Answer.assessment_id, Answer.reused_from_id.is_not(None), sa.func.count(EvidenceFile.id))
        .join(EvidenceFile, EvidenceFile.answer_id == Answer.id)
        .group_by(Answer.assessment_id, Answer.reused_from_id.is_not(None))
    )
    for assessment_id, is_reused, number in session.execute(_among(counted, Answer.assessment_id, chosen)):
        documents[assessment_id, bool(is_reused)] += number
    repeats = repeat_asks_of(session, chosen)
    per_partnership = Counter(
        dict(
            session.execute(
                sa.select(Assessment.partnership_id, sa.func.count())
                .where(Assessment.direction == "partner_self")
                .group_by(Assessment.partnership_id)
            ).all()
        )
    )
    estimates: dict[tuple, object] = {}
    facts = []
    for assessment in assessments:
        questionnaire = questionnaire_of(assessment.questionnaire_version)
        scope = scope_of(assessment)
        kept = frozenset(carried.get(assessment.id, ()))
        key = (assessment.questionnaire_version.sha256, scope, kept)
        burden = estimates.get(key)
        if burden is None:
            burden = estimates[key] = estimate(questionnaire, scope, set(kept))
        decided = None
        if assessment.accepted_at and assessment.sent_at:
            decided = (assessment.accepted_at - assessment.sent_at).days
        amount = float(assessment.partnership.amount_transferred or 0) / per_partnership[assessment.partnership_id]
        facts.append(
            RequestFacts(
                partner=assessment.subject.name,
                assessment_id=assessment.id,
                questionnaire=questionnaire.id,
                created_on=assessment.created_at.date(),
                estimated_minutes=burden.minutes_high,
                actual_seconds=int(seconds.get(assessment.id, 0)),
                items_asked=burden.items,
                prefilled=len(kept),
                reused=confirmed[assessment.id],
                documents_new=documents[assessment.id, False],
                documents_reused=documents[assessment.id, True],
                repeat_asks=repeats[assessment.id],
                burden_rating=assessment.burden_rating,
                days_to_decision=decided,
                funding=amount,
                mandated_by=questionnaire.mandated_by,
            )
        )
    return facts


def repeat_asks_of(session: Session, assessment_ids: list[int] | None = None) -> Counter[int]:
    """`passport.repeat_asks` for every partner self-assessment (or those given) in one query: bank questions
    asked afresh although the partner had given a valid answer before the request was made."""
    asked, asking = sa.orm.aliased(Answer), sa.orm.aliased(Assessment)
    earlier, earlier_assessment = sa.orm.aliased(Answer), sa.orm.aliased(Assessment)
    query = (
        sa.select(
            asking.id,
            asking.created_at,
            asked.bank_id,
            earlier.question_id,
            earlier_assessment.questionnaire_version_id,
            earlier.answered_at,
            earlier.confirmed_at,
        )
        .select_from(asked)
        .join(asking, asked.assessment_id == asking.id)
        .join(
            earlier_assessment,
            sa.and_(earlier_assessment.respondent_id == asking.respondent_id, earlier_assessment.id != asking.id),
        )
        .join(earlier, sa.and_(earlier.assessment_id == earlier_assessment.id, earlier.bank_id == asked.bank_id))
        .where(
            asking.direction == "partner_self",
            asked.bank_id.is_not(None),
            asked.reused_from_id.is_(None),
            earlier.value.is_not(None),
            earlier.draft.is_(None),
            earlier.answered_at < asking.created_at,
        )
    )
    rows = session.execute(_among(query, asking.id, assessment_ids)).all()
    versions = {
        version.id: {question.id: question for question in questionnaire_of(version).questions}
        for version in session.scalars(
            sa.select(QuestionnaireVersion).where(QuestionnaireVersion.id.in_({row[4] for row in rows}))
        )
    }
    found: set[tuple[int, str]] = set()
    for assessment_id, created, bank_id, question_id, version_id, answered_at, confirmed_at in rows:
        question = versions[version_id].get(question_id) if version_id in versions else None
        if question is None or (assessment_id, bank_id) in found:
            continue
        since = max(_aware(moment) for moment in (answered_at, confirmed_at) if moment is not None)
        if since + dt.timedelta(days=30.44 * (question.validity_months or DEFAULT_VALIDITY_MONTHS)) >= _aware(created):
            found.add((assessment_id, bank_id))
    return Counter(assessment_id for assessment_id, _ in found)
