"""`ddq tick`: all the work that is due now, safe to run any number of times (cron, or the worker's schedule).

- a reminder 7, 3 and 1 days before an open request's due date, and a notice once it is overdue, to each of the
  partner's respondents in their own language;
- a notice for every evidence document that expires within 30 days;
- the next joint review of every running partnership scheduled (yearly by default), and a "joint review due" notice
  to both sides two weeks before it is due;
- once a day, each digest: the messages held for a person who chose a daily digest, in one message;
- then the outbox is delivered (messages that waited for a mail server included).

Each message has a dedupe key naming what it is about (request, due date, stage, person), so a second run the
same day, or a run on another worker at the same moment, writes nothing new.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from . import notices
from .core.schedule import EXPIRY_NOTICE_DAYS, reminder_stage
from .extensions import db
from .mail import Delivery, deliver_outbox, queue, send_digests
from .store import operations as ops
from .store import reviews
from .store.models import Answer, Assessment, EvidenceFile, Organisation, User

#: Requests still waiting for the partner's answers.
OPEN = ("sent", "in_progress", "changes_requested")
#: Both sides hear of a joint review this many days before it is due.
REVIEW_NOTICE_DAYS = 14


@dataclass
class TickResult:
    reminders: int = 0
    overdue: int = 0
    expiring: int = 0
    reviews_scheduled: int = 0
    reviews_due: int = 0
    digests: int = 0
    delivery: Delivery = field(default_factory=Delivery)

    def describe(self) -> str:
        d = self.delivery
        return (
            f"{self.reminders} reminders, {self.overdue} overdue notices, {self.expiring} expiring documents queued; "
            f"{self.reviews_scheduled} joint reviews scheduled, {self.reviews_due} review-due notices, "
            f"{self.digests} digests queued; "
            f"{d.sent} sent, {d.logged} written to the log (no SMTP server), {d.failed} to retry"
        )


def tick(today: dt.date | None = None, *, deliver: bool = True) -> TickResult:
    """Queue every message due `today` (commits), then deliver the outbox."""
    today = today or dt.date.today()
    base = current_app.config["DDQ_BASE_URL"].rstrip("/")
    result = TickResult()
    with current_app.test_request_context("/", base_url=base):  # links built with url_for point to DDQ_BASE_URL
        _reminders(today, result)
        _expiring_documents(today, result)
        _joint_reviews(today, result)
        result.digests = send_digests(today)  # last, so that it holds everything written above
    db.session.commit()
    if deliver:
        result.delivery = deliver_outbox()
    return result


def tick_job() -> dict[str, int]:
    """The tick as a background job (the worker's schedule)."""
    result = tick()
    current_app.logger.info("tick: %s", result.describe())
    return {
        "reminders": result.reminders,
        "overdue": result.overdue,
        "expiring": result.expiring,
        "reviews_due": result.reviews_due,
        "digests": result.digests,
    }


def _respondents(organisation_id: int) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.organisation_id == organisation_id, User.role == "partner_respondent", User.active)
            .order_by(User.id)
        )
    )


def _reminders(today: dt.date, result: TickResult) -> None:
    due = db.session.scalars(
        sa.select(Assessment)
        .join(Organisation, Assessment.respondent_id == Organisation.id)
        .where(
            Assessment.status.in_(OPEN),
            Assessment.due_on.is_not(None),
            Assessment.due_on <= today + dt.timedelta(days=7),
            Organisation.kind == "partner",
        )
        .order_by(Assessment.id)
    ).all()
    for assessment in due:
        stage = reminder_stage(assessment.due_on, today)
        if stage is None:
            continue
        questionnaire = ops.questionnaire_of(assessment.questionnaire_version)
        days = (assessment.due_on - today).days
        kind = "overdue" if stage == "overdue" else "reminder"
        link = url_for("respond.assessment", assessment_id=assessment.id, _external=True)
        for person in _respondents(assessment.respondent_id):
            language = person.language or assessment.language
            title = questionnaire.title.get(language)
            written = queue(
                dedupe_key=f"{kind}:{assessment.id}:{assessment.due_on.isoformat()}:{stage}:{person.id}",
                recipient=person.email,
                kind=kind,
                language=language,
                template=kind,
                subject=lambda kind=kind, title=title, days=days: _subject(kind, title, days),
                person=person,
                assessment=assessment,
                title=title,
                days=days,
                link=link,
            )
            if written and kind == "overdue":
                result.overdue += 1
            elif written:
                result.reminders += 1


def _subject(kind: str, title: str, days: int) -> str:
    if kind == "overdue":
        return _("Overdue: %(title)s", title=title)
    if days == 0:
        return _("Due today: %(title)s", title=title)
    return _("Reminder: %(title)s is due in %(days)d days", title=title, days=days)


def _expiring_documents(today: dt.date, result: TickResult) -> None:
    """One notice per document (a copy carried over to a later cycle is the same document) and person."""
    documents = db.session.scalars(
        sa.select(EvidenceFile)
        .where(
            EvidenceFile.expires_on.is_not(None),
            EvidenceFile.expires_on >= today,
            EvidenceFile.expires_on <= today + dt.timedelta(days=EXPIRY_NOTICE_DAYS),
        )
        .options(selectinload(EvidenceFile.answer).selectinload(Answer.assessment))
        .order_by(EvidenceFile.id)
    ).all()
    for document in documents:
        assessment = document.answer.assessment
        link = url_for("respond.assessment", assessment_id=assessment.id, _external=True)
        for person in _respondents(document.organisation_id):
            language = person.language or assessment.language
            key = f"document:{document.organisation_id}:{document.sha256[:24]}:{document.expires_on}:{person.id}"
            written = queue(
                dedupe_key=key,
                recipient=person.email,
                kind="document_expiring",
                language=language,
                template="document_expiring",
                subject=lambda name=document.original_name: _("A document expires soon: %(name)s", name=name),
                person=person,
                document=document,
                question_id=document.answer.question_id,
                days=(document.expires_on - today).days,
                link=link,
            )
            result.expiring += int(written)


def _joint_reviews(today: dt.date, result: TickResult) -> None:
    """Schedule each running partnership's next review; tell both sides of those due within two weeks."""
    result.reviews_scheduled = reviews.schedule_reviews(db.session, today)
    for review in reviews.due_reviews(db.session, today + dt.timedelta(days=REVIEW_NOTICE_DAYS)):
        result.reviews_due += notices.review_due(review)
