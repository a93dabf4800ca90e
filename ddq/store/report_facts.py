"""Read what reports are made of: the store's answers as plain facts (no ORM object leaves here).

The web pages and the command line call these, then hand the facts to `ddq.reporting`, which never reads the store.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from ..core.burden import estimate
from ..core.facts import (
    ActionItemFacts,
    AnswerView,
    AssessmentFacts,
    CapacityFacts,
    FeedbackAnswer,
    FeedbackFacts,
    PortfolioFacts,
    ReciprocalFacts,
    ReportFacts,
)
from ..core.ledger import RequestFacts
from ..core.scoring import Stage
from .models import Answer, Assessment, EvidenceFile, SectionTime
from .operations import host_organisation, questionnaire_of
from .passport import repeat_asks
from .queries import published_disclosure, scope_of, scoring_inputs

#: Feedback counts once its partner has sent it.
SUBMITTED = ("submitted", "accepted")


def today() -> dt.date:
    """The date reports are made on: the stage's year and the report's date come from here."""
    return dt.date.today()


def host_name(session: Session) -> str:
    host = host_organisation(session)
    return host.name if host else "the institute"


def assessment_facts(
    session: Session, assessment: Assessment, *, host: str | None = None, seconds: int | None = None
) -> AssessmentFacts:
    """One assessment as plain facts: its questionnaire, scope, stage, answers and who it is about."""
    subject = assessment.subject
    partnership = assessment.partnership if assessment.direction == "partner_self" else None
    if seconds is None:
        seconds = session.scalar(
            sa.select(sa.func.sum(SectionTime.active_seconds)).where(SectionTime.assessment_id == assessment.id)
        )
    made_on = today()
    files: dict[int, list[str]] = {}
    for answer_id, name in session.execute(
        sa.select(EvidenceFile.answer_id, EvidenceFile.original_name)
        .join(Answer, EvidenceFile.answer_id == Answer.id)
        .where(Answer.assessment_id == assessment.id)
        .order_by(EvidenceFile.id)
    ):
        files.setdefault(answer_id, []).append(name)
    return AssessmentFacts(
        id=assessment.id,
        direction=assessment.direction,
        questionnaire=questionnaire_of(assessment.questionnaire_version),
        questionnaire_key=assessment.questionnaire_version.sha256,
        scope=scope_of(assessment),
        stage=Stage(subject.staff_size, subject.founded_year, made_on.year),
        answers=scoring_inputs(assessment),
        views={
            answer.question_id: AnswerView(
                value=answer.value,
                not_applicable=answer.not_applicable,
                na_reason=answer.na_reason,
                comment=answer.comment,
                evidence_level=answer.evidence_level,
                files=tuple(files.get(answer.id, ())),
            )
            for answer in assessment.answers
        },
        facts=ReportFacts(
            organisation=subject.name,
            country=subject.country,
            staff_size=subject.staff_size,
            founded_year=subject.founded_year,
            partnership=partnership.title if partnership else None,
            partnership_type=partnership.type if partnership else None,
            roles=tuple(partnership.roles) if partnership else (),
            tier=assessment.tier,
            status=assessment.status,
            generated_on=made_on.isoformat(),
            host=host if host is not None else host_name(session),
        ),
        partnered=partnership is not None,
        action_items=tuple(
            ActionItemFacts(item.domain, item.question_id, item.priority, item.action, item.support, item.due_on)
            for item in assessment.action_items
        ),
        active_seconds=int(seconds or 0),
    )


def disclosure_facts(session: Session) -> AssessmentFacts | None:
    """The institute's latest published disclosure, which every partner may read."""
    disclosure = published_disclosure()
    return assessment_facts(session, disclosure) if disclosure is not None else None


def capacity_facts(session: Session, assessment: Assessment) -> CapacityFacts:
    """A capacity report's facts; a partner's self-assessment comes with the institute's disclosure."""
    disclosure = disclosure_facts(session) if assessment.direction == "partner_self" else None
    return CapacityFacts(assessment_facts(session, assessment), disclosure)


def feedback_facts(session: Session) -> FeedbackFacts:
    """Every answer partners gave in the feedback they sent about the institute."""
    rated = session.scalars(
        sa.select(Assessment)
        .where(Assessment.direction == "partner_rates_host", Assessment.status.in_(SUBMITTED))
        .order_by(Assessment.created_at, Assessment.id)
        .options(selectinload(Assessment.answers))
    ).all()
    answers = tuple(
        FeedbackAnswer(assessment.respondent_id, answer.question_id, answer.value)
        for assessment in rated
        for answer in assessment.answers
        if answer.value is not None and not answer.not_applicable
    )
    return FeedbackFacts(
        questionnaire=questionnaire_of(rated[-1].questionnaire_version) if rated else None,
        respondents=len({assessment.respondent_id for assessment in rated}),
        answers=answers,
        questionnaire_key=rated[-1].questionnaire_version.sha256 if rated else None,
    )


def reciprocal_facts(session: Session, assessment: Assessment) -> ReciprocalFacts:
    return ReciprocalFacts(
        assessment_facts(session, assessment), disclosure_facts(session), feedback_facts(session)
    )


def latest_self_assessments(session: Session) -> list[Assessment]:
    """Each partner's latest self-assessment, by partner name."""
    latest: dict[int, Assessment] = {}
    for assessment in session.scalars(
        sa.select(Assessment).where(Assessment.direction == "partner_self").order_by(Assessment.created_at)
    ):
        latest[assessment.subject_id] = assessment
    return sorted(latest.values(), key=lambda a: a.subject.name)


def portfolio_facts(session: Session) -> PortfolioFacts:
    host = host_name(session)
    seconds = active_seconds(session)
    return PortfolioFacts(
        tuple(
            assessment_facts(session, a, host=host, seconds=seconds.get(a.id, 0))
            for a in latest_self_assessments(session)
        ),
        disclosure_facts(session),
        host,
    )


def latest_self_assessment_facts(session: Session, organisation_id: int) -> AssessmentFacts | None:
    """The latest request the institute made of one partner, as facts."""
    latest = session.scalar(
        sa.select(Assessment)
        .where(Assessment.subject_id == organisation_id, Assessment.direction == "partner_self")
        .order_by(Assessment.id.desc())
        .limit(1)
    )
    return assessment_facts(session, latest) if latest is not None else None


def active_seconds(session: Session) -> dict[int, int]:
    """Seconds spent answering, per assessment."""
    return dict(
        session.execute(
            sa.select(SectionTime.assessment_id, sa.func.sum(SectionTime.active_seconds)).group_by(
                SectionTime.assessment_id
            )
        ).all()
    )


def ledger_requests(session: Session) -> list[RequestFacts]:
    """Every partner request as the burden ledger counts it."""
    seconds = active_seconds(session)
    assessments = session.scalars(
        sa.select(Assessment).where(Assessment.direction == "partner_self").order_by(Assessment.id)
    ).all()
    per_partnership = Counter(assessment.partnership_id for assessment in assessments)
    facts = []
    for assessment in assessments:
        questionnaire = questionnaire_of(assessment.questionnaire_version)
        carried = {answer.question_id for answer in assessment.answers if answer.reused_from_id}
        burden = estimate(questionnaire, scope_of(assessment), carried)
        reused_answers = [answer for answer in assessment.answers if answer.reused_from_id]
        fresh_answers = [answer for answer in assessment.answers if not answer.reused_from_id]
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
                prefilled=len(reused_answers),
                reused=sum(1 for a in reused_answers if a.confirmed_at),
                documents_new=sum(len(a.evidence_files) for a in fresh_answers),
                documents_reused=sum(len(a.evidence_files) for a in reused_answers),
                repeat_asks=repeat_asks(session, assessment),
                burden_rating=assessment.burden_rating,
                days_to_decision=decided,
                funding=amount,
                mandated_by=questionnaire.mandated_by,
            )
        )
    return facts


def carried_summary(assessment: Assessment) -> tuple[int, dt.date | None]:
    """How many answers were carried over, and the date of the assessment most of them came from."""
    sources = Counter(
        answer.reused_from.assessment.created_at.date()
        for answer in assessment.answers
        if answer.reused_from_id
    )
    if not sources:
        return 0, None
    return sum(sources.values()), sources.most_common(1)[0][0]
