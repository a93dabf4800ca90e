"""Writes to the database. Each operation adds and flushes; the caller (a request, a command) commits once."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..core.definitions import Questionnaire, definition_hash, questionnaire_from_data, questionnaire_to_data
from ..core.questions import TYPES
from ..core.vocabulary import DIRECTIONS, PARTNER_ROLES, PARTNERSHIP_TYPES, USER_ROLES
from ..core.workflow import EDITABLE, check_transition
from .answering import evidence_follows_change, insert_if_missing
from .errors import StoreError
from .models import (
    ActionItem,
    Answer,
    Assessment,
    AuditEvent,
    EvidenceFile,
    Invitation,
    Organisation,
    Partnership,
    QuestionnaireVersion,
    ReviewComment,
    SectionAssignment,
    SectionTime,
    User,
    utcnow,
)
from .ratings import record_rating


def log(session: Session, action: str, obj: Any, actor: User | None = None, **details: Any) -> AuditEvent:
    """Record who did what to which record."""
    event = AuditEvent(
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        actor_id=actor.id if actor else None,
        details=details,
    )
    session.add(event)
    session.flush()
    return event


# --- organisations and people ---------------------------------------------------------------------


def create_organisation(
    session: Session,
    name: str,
    *,
    kind: str = "partner",
    country: str | None = None,
    staff_size: int | None = None,
    founded_year: int | None = None,
    languages: list[str] | None = None,
    actor: User | None = None,
) -> Organisation:
    name = name.strip()
    if not name:
        raise StoreError("an organisation needs a name")
    if session.scalar(sa.select(Organisation.id).where(Organisation.name == name)) is not None:
        raise StoreError(f"an organisation called {name!r} already exists")
    if kind == "host" and host_organisation(session) is not None:
        raise StoreError("the institute is already registered; there is only one host organisation")
    organisation = Organisation(
        name=name,
        kind=kind,
        country=country.upper() if country else None,
        staff_size=staff_size,
        founded_year=founded_year,
        languages=languages or ["en"],
    )
    session.add(organisation)
    session.flush()
    log(session, "organisation.create", organisation, actor, name=name, kind=kind)
    return organisation


def host_organisation(session: Session) -> Organisation | None:
    return session.scalar(sa.select(Organisation).where(Organisation.kind == "host"))


def create_user(
    session: Session, email: str, name: str, role: str, organisation: Organisation, *, language: str = "en"
) -> User:
    if role not in USER_ROLES:
        raise StoreError(f"unknown role {role!r}")
    if role in {"admin", "staff"} and not organisation.is_host:
        raise StoreError("admins and staff belong to the institute")
    if role.startswith("partner_") and organisation.is_host:
        raise StoreError("partner roles belong to partner organisations")
    email = email.strip().lower()
    if session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise StoreError(f"{email} is already registered")
    user = User(email=email, name=name, role=role, organisation=organisation, language=language)
    session.add(user)
    session.flush()
    return user


def create_partnership(
    session: Session,
    partner: Organisation,
    title: str,
    type: str,
    *,
    roles: list[str] | None = None,
    tier: str | None = None,
    funder: str | None = None,
    amount_transferred: Decimal | int | None = None,
    currency: str | None = None,
    review_cycle_months: int = 24,
    starts_on: dt.date | None = None,
    actor: User | None = None,
) -> Partnership:
    if partner.is_host:
        raise StoreError("a partnership is with a partner, not with the institute itself")
    if type not in PARTNERSHIP_TYPES:
        raise StoreError(f"unknown partnership type {type!r}")
    unknown = sorted(set(roles or []) - set(PARTNER_ROLES))
    if unknown:
        raise StoreError(f"unknown partner roles: {', '.join(unknown)}")
    partnership = Partnership(
        partner=partner,
        title=title,
        type=type,
        roles=list(roles or []),
        tier=tier,
        funder=funder,
        amount_transferred=Decimal(amount_transferred) if amount_transferred is not None else None,
        currency=currency,
        review_cycle_months=review_cycle_months,
        starts_on=starts_on,
    )
    session.add(partnership)
    session.flush()
    log(session, "partnership.create", partnership, actor, partner=partner.name, type=type)
    return partnership


# --- questionnaires and assessments ---------------------------------------------------------------


def record_questionnaire_version(session: Session, questionnaire: Questionnaire) -> QuestionnaireVersion:
    """Return the stored snapshot of this exact definition, storing it the first time."""
    digest = definition_hash(questionnaire)
    version = session.scalar(sa.select(QuestionnaireVersion).where(QuestionnaireVersion.sha256 == digest))
    if version is None:
        version = QuestionnaireVersion(
            key=questionnaire.id,
            version=questionnaire.version,
            direction=questionnaire.direction,
            definition=questionnaire_to_data(questionnaire),
            sha256=digest,
        )
        session.add(version)
        session.flush()
    return version


#: Snapshots are immutable, so a rebuilt questionnaire is kept by its hash.
_rebuilt: dict[str, Questionnaire] = {}


def questionnaire_of(version: QuestionnaireVersion) -> Questionnaire:
    """The questionnaire an assessment was given with, rebuilt from its snapshot."""
    questionnaire = _rebuilt.get(version.sha256)
    if questionnaire is None:
        questionnaire = _rebuilt[version.sha256] = questionnaire_from_data(version.definition)
    return questionnaire


def create_assessment(
    session: Session,
    questionnaire: Questionnaire,
    *,
    subject: Organisation,
    respondent: Organisation,
    partnership: Partnership | None = None,
    tier: str | None = None,
    language: str = "en",
    due_on: dt.date | None = None,
    actor: User | None = None,
) -> Assessment:
    if questionnaire.direction not in DIRECTIONS:
        raise StoreError(f"unknown direction {questionnaire.direction!r}")
    if questionnaire.direction == "partner_self" and (partnership is None or subject is not respondent):
        raise StoreError("a partner self-assessment belongs to a partnership and is answered by the partner itself")
    if questionnaire.direction == "host_disclosure" and not (subject.is_host and respondent.is_host):
        raise StoreError("the institute's disclosure is about and by the institute")
    if questionnaire.direction == "partner_rates_host" and not (subject.is_host and not respondent.is_host):
        raise StoreError("partners rate the institute")
    version = record_questionnaire_version(session, questionnaire)
    assessment = Assessment(
        questionnaire_version=version,
        direction=questionnaire.direction,
        partnership=partnership,
        subject=subject,
        respondent=respondent,
        tier=tier if tier is not None or questionnaire.direction != "partner_self" else partnership.tier,
        language=language,
        due_on=due_on,
        created_by_id=actor.id if actor else None,
    )
    session.add(assessment)
    session.flush()
    log(session, "assessment.create", assessment, actor, questionnaire=questionnaire.id, version=version.version)
    return assessment


_TIMESTAMPS = {"sent": "sent_at", "submitted": "submitted_at", "accepted": "accepted_at"}


def change_status(session: Session, assessment: Assessment, target: str, actor: User | None = None) -> None:
    """Move an assessment along its workflow; raise StoreError for a move the workflow forbids."""
    try:
        check_transition(assessment.status, target)
    except ValueError as error:
        raise StoreError(str(error)) from None
    previous, assessment.status = assessment.status, target
    if target in _TIMESTAMPS:
        setattr(assessment, _TIMESTAMPS[target], utcnow())
    session.flush()
    log(session, "assessment.status", assessment, actor, previous=previous, status=target)


def save_answer(
    session: Session,
    assessment: Assessment,
    question_id: str,
    value: Any = None,
    *,
    not_applicable: bool = False,
    na_reason: str | None = None,
    comment: str | None = None,
    active_seconds: int = 0,
    actor: User | None = None,
) -> Answer:
    """Store a valid answer (normalised by its question type); raise StoreError for a wrong one."""
    if assessment.status not in EDITABLE:
        raise StoreError(f"answers cannot change while the assessment is {assessment.status}")
    questionnaire = questionnaire_of(assessment.questionnaire_version)
    try:
        question = questionnaire.question(question_id)
    except KeyError:
        raise StoreError(f"{questionnaire.id} has no question {question_id!r}") from None
    if not_applicable and not question.allow_na:
        raise StoreError(f"{question_id}: N/A is not allowed for this question")
    normalised = None
    if value is not None and not not_applicable:
        try:
            normalised = TYPES[question.type].normalise(value, question)
        except ValueError as error:
            raise StoreError(f"{question_id}: {error}") from None
    answer = session.scalar(
        sa.select(Answer).where(Answer.assessment_id == assessment.id, Answer.question_id == question_id)
    )
    if answer is None:
        answer = Answer(assessment=assessment, question_id=question_id, bank_id=question.bank, active_seconds=0)
        session.add(answer)
    if answer.value is not None and normalised != answer.value:
        evidence_follows_change(answer)
    answer.value = normalised
    answer.draft = None
    answer.not_applicable = not_applicable
    answer.na_reason = na_reason if not_applicable else None
    answer.comment = comment
    answer.answered_by_id = actor.id if actor else None
    answer.answered_at = utcnow()
    answer.active_seconds += max(0, int(active_seconds))
    answer.version = (answer.version or 0) + 1
    record_rating(session, answer, question, normalised, actor)  # flushes
    return answer




def add_review_comment(session: Session, answer: Answer, author: User, action: str, body: str) -> ReviewComment:
    """Record a reviewer's comment, change request or acceptance on one answer."""
    if author.role not in {"admin", "staff"}:
        raise StoreError("only institute staff review answers")
    if action == "accept":
        answer.needs_review = False
    comment = ReviewComment(answer=answer, author_id=author.id, action=action, body=body.strip())
    session.add(comment)
    session.flush()
    log(session, f"answer.{action}", answer, author, question=answer.question_id)
    return comment


def start_answering(session: Session, assessment: Assessment, actor: User | None = None) -> None:
    """Move a sent assessment to in progress, once, however many people save their first answers at once."""
    if assessment.status != "sent":
        return
    moved = session.execute(
        sa.update(Assessment)
        .where(Assessment.id == assessment.id, Assessment.status == "sent")
        .values(status="in_progress")
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved:
        set_committed_value(assessment, "status", "in_progress")
        log(session, "assessment.status", assessment, actor, previous="sent", status="in_progress")
    else:
        session.expire(assessment, ["status"])  # someone else moved it first


def record_section_time(session: Session, assessment: Assessment, section_id: str, user: User, seconds: int) -> None:
    """Add active seconds (bounded to an hour per save, to ignore a forgotten tab) to a person's section time."""
    seconds = max(0, min(int(seconds), 3600))
    if not seconds:
        return
    key = {"assessment_id": assessment.id, "section_id": section_id, "user_id": user.id}
    dialect = session.get_bind().dialect.name
    if dialect in {"postgresql", "sqlite"}:  # one upsert: the first save of a section adds its row
        from sqlalchemy.dialects import postgresql, sqlite

        insert = (postgresql if dialect == "postgresql" else sqlite).insert(SectionTime)
        insert = insert.values(**key, active_seconds=seconds, updated_at=utcnow())
        session.execute(
            insert.on_conflict_do_update(
                index_elements=list(key),
                set_={
                    "active_seconds": SectionTime.active_seconds + insert.excluded.active_seconds,
                    "updated_at": insert.excluded.updated_at,
                },
            )
        )
        return
    insert_if_missing(session, {**key, "active_seconds": 0}, list(key), SectionTime)
    session.execute(
        sa.update(SectionTime)
        .where(*(getattr(SectionTime, column) == value for column, value in key.items()))
        .values(active_seconds=SectionTime.active_seconds + seconds, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def assign_section(session: Session, assessment: Assessment, section_id: str, user: User | None, actor: User) -> None:
    """Hand a section to a colleague of the responding organisation, or take the assignment back (None)."""
    if user is not None and user.organisation_id != assessment.respondent_id:
        raise StoreError("sections are assigned to people of the responding organisation")
    row = session.scalar(
        sa.select(SectionAssignment).where(
            SectionAssignment.assessment_id == assessment.id, SectionAssignment.section_id == section_id
        )
    )
    if user is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(SectionAssignment(assessment_id=assessment.id, section_id=section_id, user_id=user.id))
    else:
        row.user_id = user.id
    session.flush()
    log(session, "section.assign", assessment, actor, section=section_id, to=user.email if user else None)


def create_invitation(
    session: Session, user: User, assessment: Assessment | None, *, days: int = 30, actor: User | None = None
) -> Invitation:
    """A new personal link for `user`; earlier links of the same user for the same assessment stop working."""
    for old in session.scalars(
        sa.select(Invitation).where(
            Invitation.user_id == user.id, Invitation.assessment_id == getattr(assessment, "id", None)
        )
    ):
        session.delete(old)
    invitation = Invitation(
        user=user,
        assessment_id=assessment.id if assessment else None,
        nonce=secrets.token_urlsafe(24),
        expires_at=utcnow() + dt.timedelta(days=days),
    )
    session.add(invitation)
    session.flush()
    log(session, "invitation.create", invitation, actor, user=user.email)
    return invitation


def add_evidence_file(
    session: Session,
    answer: Answer,
    *,
    original_name: str,
    stored_name: str,
    content_type: str,
    size_bytes: int,
    sha256: str,
    actor: User,
    expires_on: dt.date | None = None,
) -> EvidenceFile:
    evidence = EvidenceFile(
        organisation_id=answer.assessment.respondent_id,
        answer=answer,
        original_name=original_name,
        stored_name=stored_name,
        content_type=content_type,
        size_bytes=size_bytes,
        sha256=sha256,
        uploaded_by_id=actor.id,
        expires_on=expires_on,
    )
    session.add(evidence)
    if answer.evidence_level == 0:
        answer.evidence_level = 1  # a document supplied: E1
    session.flush()
    log(session, "evidence.upload", evidence, actor, question=answer.question_id, name=original_name)
    return evidence


def set_evidence_level(session: Session, answer: Answer, level: int, actor: User) -> None:
    if actor.role not in {"admin", "staff"}:
        raise StoreError("only institute staff record evidence levels")
    if level not in range(4):
        raise StoreError("evidence levels run from E0 to E3")
    answer.evidence_level = level
    answer.needs_review = False
    session.flush()
    log(session, "answer.evidence_level", answer, actor, question=answer.question_id, level=level)


def replace_action_plan(session: Session, assessment: Assessment, rows: list[dict[str, Any]], actor: User) -> None:
    """Replace the action plan with staff's edited rows (priority, action, support, due_on, domain, question_id)."""
    if actor.role not in {"admin", "staff"}:
        raise StoreError("only institute staff edit action plans")
    for item in list(assessment.action_items):
        session.delete(item)
    session.flush()
    for position, row in enumerate(rows):
        if row["priority"] not in {"high", "medium", "low"}:
            raise StoreError(f"row {position + 1}: priority must be high, medium or low")
        session.add(
            ActionItem(
                assessment=assessment,
                position=position,
                priority=row["priority"],
                action=row["action"],
                support=row.get("support") or None,
                due_on=row.get("due_on"),
                domain=row.get("domain") or None,
                question_id=row.get("question_id") or None,
            )
        )
    session.flush()
    log(session, "action_plan.save", assessment, actor, rows=len(rows))


def publish_report(session: Session, assessment: Assessment, actor: User) -> None:
    if actor.role not in {"admin", "staff"}:
        raise StoreError("only institute staff publish reports")
    assessment.report_published_at = utcnow()
    session.flush()
    log(session, "report.publish", assessment, actor)
