"""Read what reports are made of: the store's answers as plain facts (no ORM object leaves here).

The web pages and the command line call these, then hand the facts to `ddq.reporting`, which never reads the store.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..core.consensus import Rating
from ..core.facts import (
    ActionItemFacts,
    AgreedTerms,
    AnswerView,
    AssessmentFacts,
    CapacityFacts,
    CycleFacts,
    FeedbackAnswer,
    FeedbackFacts,
    FeedbackTally,
    ReciprocalFacts,
    ReportFacts,
)
from ..core.scoring import Stage
from .models import Answer, Assessment, EvidenceFile, QuestionnaireVersion, SectionTime
from .operations import host_organisation, questionnaire_of
from .queries import published_disclosure, scope_of, scoring_inputs
from .ratings import ratings_of
from .reviews import latest_agreement

#: Feedback counts once its partner has sent it.
SUBMITTED = ("submitted", "accepted")


def today() -> dt.date:
    """The date reports are made on: the stage's year and the report's date come from here."""
    return dt.date.today()


def host_name(session: Session) -> str:
    host = host_organisation(session)
    return host.name if host else "the institute"


def assessment_facts(
    session: Session,
    assessment: Assessment,
    *,
    host: str | None = None,
    seconds: int | None = None,
    documents: Documents | None = None,
    ratings: Mapping[int, tuple[Rating, ...]] | None = None,
) -> AssessmentFacts:
    """One assessment as plain facts: its questionnaire, scope, stage, answers and who it is about.

    `documents` (from `documents_of`) and `ratings` (from `ratings_of`), read for many assessments at once, save
    reading them per assessment."""
    subject = assessment.subject
    partnership = assessment.partnership if assessment.direction == "partner_self" else None
    if seconds is None:
        seconds = session.scalar(
            sa.select(sa.func.sum(SectionTime.active_seconds)).where(SectionTime.assessment_id == assessment.id)
        )
    made_on = today()
    files, expiries = documents if documents is not None else documents_of(session, [assessment.id])
    if ratings is None:
        ratings = ratings_of(session, [assessment.id])
    answers = scoring_inputs(assessment, expiries=expiries)
    return AssessmentFacts(
        id=assessment.id,
        direction=assessment.direction,
        questionnaire=questionnaire_of(assessment.questionnaire_version),
        questionnaire_key=assessment.questionnaire_version.sha256,
        scope=scope_of(assessment),
        stage=Stage(subject.staff_size, subject.founded_year, made_on.year),
        answers=answers,
        views={
            answer.question_id: AnswerView(
                value=answer.value,
                not_applicable=answer.not_applicable,
                na_reason=answer.na_reason,
                comment=answer.comment,
                evidence_level=answers[answer.question_id].evidence_level,  # as it stands today (expiry)
                files=tuple(files.get(answer.id, ())),
            )
            for answer in assessment.answers
        },
        facts=report_facts_of(
            subject, partnership, assessment, made_on, host if host is not None else host_name(session)
        ),
        partnered=partnership is not None,
        action_items=tuple(
            ActionItemFacts(item.domain, item.question_id, item.priority, item.action, item.support, item.due_on)
            for item in assessment.action_items
        ),
        active_seconds=int(seconds or 0),
        ratings=ratings.get(assessment.id, ()),
    )


def report_facts_of(organisation, partnership, request, made_on: dt.date, host: str) -> ReportFacts:
    """Who a report is about: `organisation` has the name, country, staff size and founding year, `partnership`
    (or None) the title, type and roles, `request` the tier and status (ORM rows or plain rows alike)."""
    return ReportFacts(
        organisation=organisation.name,
        country=organisation.country,
        staff_size=organisation.staff_size,
        founded_year=organisation.founded_year,
        partnership=partnership.title if partnership else None,
        partnership_type=partnership.type if partnership else None,
        roles=tuple(partnership.roles) if partnership else (),
        tier=request.tier,
        status=request.status,
        generated_on=made_on.isoformat(),
        host=host,
    )


#: Documents of answers by answer id: their file names, and their expiry dates.
Documents = tuple[dict[int, list[str]], dict[int, list[dt.date | None]]]


def documents_of(session: Session, assessment_ids: list[int] | None) -> Documents:
    """Every document of some assessments (None: of every assessment), by answer id, in one query."""
    files: dict[int, list[str]] = {}
    expiries: dict[int, list[dt.date | None]] = {}
    query = sa.select(EvidenceFile.answer_id, EvidenceFile.original_name, EvidenceFile.expires_on)
    if assessment_ids is not None:
        query = query.join(Answer, EvidenceFile.answer_id == Answer.id).where(Answer.assessment_id.in_(assessment_ids))
    for answer_id, name, expires_on in session.execute(query.order_by(EvidenceFile.id)):
        files.setdefault(answer_id, []).append(name)
        expiries.setdefault(answer_id, []).append(expires_on)
    return files, expiries


def disclosure_facts(session: Session) -> AssessmentFacts | None:
    """The institute's latest published disclosure, which every partner may read."""
    disclosure = published_disclosure()
    return assessment_facts(session, disclosure) if disclosure is not None else None


def capacity_facts(session: Session, assessment: Assessment) -> CapacityFacts:
    """A capacity report's facts; a partner's self-assessment comes with the institute's disclosure and its
    previous cycle."""
    disclosure = disclosure_facts(session) if assessment.direction == "partner_self" else None
    return CapacityFacts(assessment_facts(session, assessment), disclosure, cycle=cycle_facts(session, assessment))


def cycle_facts(session: Session, assessment: Assessment) -> CycleFacts | None:
    """A partner's previous cycle: its latest self-assessment with answers made before this one, read as scorecard
    inputs (no answer views, action items nor ratings), with the terms agreed in the partnership's latest joint
    review. None for the institute's disclosure and for a partner's first cycle."""
    if assessment.direction != "partner_self":
        return None
    answered = sa.select(Answer.assessment_id).where(Answer.value.is_not(None))
    previous = session.scalar(
        sa.select(Assessment)
        .where(
            Assessment.subject_id == assessment.subject_id,
            Assessment.direction == "partner_self",
            Assessment.id < assessment.id,
            Assessment.id.in_(answered),
        )
        .order_by(Assessment.id.desc())
        .limit(1)
    )
    if previous is None:
        return None
    facts = assessment_facts(session, previous, ratings={})
    partnership = assessment.partnership
    agreed = latest_agreement(session, partnership.id) if partnership is not None else None
    return CycleFacts(
        previous=dataclasses.replace(facts, views={}, action_items=()),
        previous_on=previous.created_at.date().isoformat(),
        current_on=assessment.created_at.date().isoformat(),
        tier=assessment.tier or (partnership.tier if partnership is not None else None),
        cycle_months=partnership.review_cycle_months if partnership is not None else 24,
        agreed=AgreedTerms(
            decided_on=agreed.decided_at.date().isoformat(),
            tier=agreed.agreed_tier,
            cycle_months=agreed.agreed_cycle_months,
            terms=agreed.agreed_terms,
        )
        if agreed is not None
        else None,
    )


def _feedback_rated() -> sa.Select:
    return sa.select(Assessment.id).where(
        Assessment.direction == "partner_rates_host", Assessment.status.in_(SUBMITTED)
    )


def _feedback_given() -> sa.Select:
    """The values partners gave in the feedback they sent (not N/A, not empty), joined with their assessment."""
    return (
        sa.select()
        .select_from(Answer)
        .join(Assessment, Answer.assessment_id == Assessment.id)
        .where(
            Assessment.direction == "partner_rates_host",
            Assessment.status.in_(SUBMITTED),
            Answer.value.is_not(None),
            Answer.not_applicable.is_(False),
        )
    )


def _feedback_version(session: Session) -> QuestionnaireVersion | None:
    """The questionnaire version of the latest feedback sent."""
    return session.scalar(
        sa.select(QuestionnaireVersion)
        .join(Assessment, Assessment.questionnaire_version_id == QuestionnaireVersion.id)
        .where(Assessment.id.in_(_feedback_rated()))
        .order_by(Assessment.created_at.desc(), Assessment.id.desc())
        .limit(1)
    )


def _feedback_respondents(session: Session) -> int:
    return session.scalar(
        sa.select(sa.func.count(sa.distinct(Assessment.respondent_id))).where(Assessment.id.in_(_feedback_rated()))
    )


def feedback_facts(session: Session) -> FeedbackFacts:
    """Every answer partners gave in the feedback they sent about the institute, as plain rows (in the order the
    feedback was sent, then of the answers)."""
    version = _feedback_version(session)
    rows = session.execute(
        _feedback_given()
        .add_columns(Assessment.respondent_id, Answer.question_id, Answer.value)
        .order_by(Assessment.created_at, Assessment.id, Answer.id)
    )
    return FeedbackFacts(
        questionnaire=questionnaire_of(version) if version is not None else None,
        respondents=_feedback_respondents(session),
        answers=tuple(FeedbackAnswer(partner, question_id, value) for partner, question_id, value in rows),
        questionnaire_key=version.sha256 if version is not None else None,
    )


def feedback_tally(session: Session) -> FeedbackTally:
    """Partners' feedback as the database counts it, whatever the number of partners: how many partners sent
    feedback, each question's values with how many times each was given, and how many distinct partners gave the
    question a value (what `ddq.core.anonymity.may_show` decides on)."""
    values: dict[str, list[tuple[object, int]]] = {}
    given = _feedback_given()
    counted = (
        given.add_columns(Answer.question_id, Answer.value, sa.func.count())
        .group_by(Answer.question_id, Answer.value)
        .order_by(Answer.question_id, sa.func.min(Answer.id))  # each value where it was first given
    )
    for question_id, value, number in session.execute(counted):
        values.setdefault(question_id, []).append((value, number))
    partners = given.add_columns(Answer.question_id, sa.func.count(sa.distinct(Assessment.respondent_id))).group_by(
        Answer.question_id
    )
    return FeedbackTally(
        respondents=_feedback_respondents(session),
        values={question_id: tuple(found) for question_id, found in values.items()},
        partners=dict(session.execute(partners).all()),
    )


def reciprocal_facts(session: Session, assessment: Assessment) -> ReciprocalFacts:
    return ReciprocalFacts(
        assessment_facts(session, assessment),
        disclosure_facts(session),
        feedback_facts(session),
        cycle=cycle_facts(session, assessment),
    )


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
