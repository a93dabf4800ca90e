"""Published means frozen: publishing stores a report's complete inputs, and downloads render from them.

A publication is a new row of `published_reports`: the report's facts (answers, questionnaire versions by
their sha256, the profile weights, the institute's disclosure, partners' feedback, the date used for the
stage, the facts shown, each person's ratings where several people answered, the previous cycle's scorecard
inputs and the terms agreed since, for capacity over time) as canonical data, with the sha256 of that data.
Republishing adds the next version and keeps every earlier one; nothing here ever changes or deletes a row.
"""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..core.definitions import Library, Questionnaire
from ..core.facts import (
    AssessmentFacts,
    FeedbackFacts,
    Publication,
    ReciprocalFacts,
    fingerprint,
    report_from_data,
    report_to_data,
)
from . import operations as ops
from .models import Assessment, PublishedReport, QuestionnaireVersion, User
from .report_facts import assessment_facts, cycle_facts, disclosure_facts, feedback_facts


def publish(session: Session, assessment: Assessment, actor: User, library: Library) -> PublishedReport:
    """Publish the assessment's report to the organisation assessed: freeze its facts as the next version."""
    ops.publish_report(session, assessment, actor)  # checks the actor, stamps the assessment, writes the log
    report = current_facts(session, assessment)
    cycle = report.cycle
    report = dataclasses.replace(
        report,
        assessment=with_profile(report.assessment, library),
        disclosure=with_profile(report.disclosure, library) if report.disclosure is not None else None,
        cycle=dataclasses.replace(cycle, previous=with_profile(cycle.previous, library)) if cycle else None,
        domains=tuple(library.domains.values()),
    )
    data = report_to_data(report)
    latest = session.scalar(
        sa.select(sa.func.max(PublishedReport.version)).where(PublishedReport.assessment_id == assessment.id)
    )
    row = PublishedReport(
        assessment_id=assessment.id,
        version=(latest or 0) + 1,
        kind="reciprocal" if assessment.direction == "partner_self" else "capacity",
        published_at=assessment.report_published_at,
        published_by_id=actor.id,
        fingerprint=fingerprint(data),
        snapshot=data,
    )
    session.add(row)
    session.flush()
    ops.log(session, "report.freeze", assessment, actor, version=row.version, fingerprint=row.fingerprint)
    return row


def current_facts(session: Session, assessment: Assessment) -> ReciprocalFacts:
    """The report's facts as they are now (the disclosure, feedback and previous cycle only for a partner's
    self-assessment)."""
    partner = assessment.direction == "partner_self"
    return ReciprocalFacts(
        assessment_facts(session, assessment),
        disclosure_facts(session) if partner else None,
        feedback_facts(session) if partner else FeedbackFacts(questionnaire=None, respondents=0),
        cycle=cycle_facts(session, assessment),
    )


def with_profile(facts: AssessmentFacts, library: Library) -> AssessmentFacts:
    """The facts with the domain weights the library gives them today, written in so that they stay."""
    if facts.profile is not None or not facts.partnered:
        return facts
    profile = library.domain_weights(facts.facts.partnership_type, facts.facts.roles)
    return dataclasses.replace(facts, profile=profile)


def publications(session: Session, assessment: Assessment) -> list[PublishedReport]:
    """Every published version of the assessment's report, first to last."""
    return list(
        session.scalars(
            sa.select(PublishedReport)
            .where(PublishedReport.assessment_id == assessment.id)
            .order_by(PublishedReport.version)
        )
    )


def published_facts(session: Session, assessment: Assessment, version: int | None = None) -> ReciprocalFacts | None:
    """A published version's frozen facts (the latest when `version` is None); None if there is no such version."""
    query = sa.select(PublishedReport).where(PublishedReport.assessment_id == assessment.id)
    if version is None:
        query = query.order_by(PublishedReport.version.desc()).limit(1)
    else:
        query = query.where(PublishedReport.version == version)
    row = session.scalar(query)
    if row is None:
        return None
    report = report_from_data(row.snapshot, lambda key: questionnaire_by_hash(session, key))
    return dataclasses.replace(
        report, publication=Publication(row.version, row.published_at.date().isoformat(), row.fingerprint)
    )


def questionnaire_by_hash(session: Session, sha256: str) -> Questionnaire:
    version = session.scalar(sa.select(QuestionnaireVersion).where(QuestionnaireVersion.sha256 == sha256))
    if version is None:
        raise LookupError(f"no stored questionnaire version with sha256 {sha256}")
    return ops.questionnaire_of(version)
