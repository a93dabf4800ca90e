"""The database: organisations, people, partnerships, questionnaire snapshots, assessments and answers.

Rules that must always hold are database constraints, so that no code path can break them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.vocabulary import DIRECTIONS, PARTNERSHIP_TYPES, USER_ROLES
from ..core.workflow import STATUSES
from ..extensions import db
from . import revisions

#: JSON columns store Python None as SQL NULL, so that "no value" can be queried with IS NULL.
JSONType = sa.JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Organisation(db.Model):
    """The institute (kind 'host', exactly one) or a partner."""

    __tablename__ = "organisations"
    __table_args__ = (
        sa.CheckConstraint(_one_of("kind", ("host", "partner")), name="kind"),
        sa.CheckConstraint("staff_size IS NULL OR staff_size >= 0", name="staff_size"),
        sa.CheckConstraint("founded_year IS NULL OR founded_year BETWEEN 1000 AND 3000", name="founded_year"),
        sa.Index(
            "uq_organisations_one_host",
            "kind",
            unique=True,
            sqlite_where=sa.text("kind = 'host'"),
            postgresql_where=sa.text("kind = 'host'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The organisation's usual name, unique in ddq.
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    #: 'host' for the institute itself, 'partner' for everyone else.
    kind: Mapped[str] = mapped_column(sa.String(10), default="partner")
    #: ISO 3166 country code of the main office.
    country: Mapped[str | None] = mapped_column(sa.String(2))
    #: Staff, counted as people (part-time included); small organisations get a lighter tier.
    staff_size: Mapped[int | None]
    #: Year founded; young organisations get a lighter tier.
    founded_year: Mapped[int | None]
    #: Languages the organisation works in, preferred first (codes such as 'fr').
    languages: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    partnerships: Mapped[list[Partnership]] = relationship(back_populates="partner")
    users: Mapped[list[User]] = relationship(back_populates="organisation")

    @property
    def is_host(self) -> bool:
        return self.kind == "host"


class User(db.Model):
    """A person who signs in: institute staff or someone at a partner."""

    __tablename__ = "users"
    __table_args__ = (sa.CheckConstraint(_one_of("role", USER_ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lower-cased e-mail address, used to sign in.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: One of admin, staff, partner_respondent, partner_viewer.
    role: Mapped[str] = mapped_column(sa.String(20))
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    #: A password hash; None until the person sets a password (partners enter by invitation).
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    #: Preferred interface language.
    language: Mapped[str] = mapped_column(sa.String(5), default="en")
    active: Mapped[bool] = mapped_column(default=True)
    #: Raised to end every signed-in browser of this person (sign-out, password change): the cookie carries it.
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="users")

    # What Flask-Login asks of a user object.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        """What the sign-in cookie stores: the id and the session version, so that raising the version ends it."""
        return f"{self.id}:{self.session_version or 0}"

    def end_sessions(self) -> None:
        """End every signed-in browser of this person; the one to keep, if any, signs in again afterwards."""
        self.session_version = (self.session_version or 0) + 1


class Partnership(db.Model):
    """A relationship between the institute and one partner, with what it involves."""

    __tablename__ = "partnerships"
    __table_args__ = (
        sa.CheckConstraint(_one_of("type", PARTNERSHIP_TYPES), name="type"),
        sa.CheckConstraint("amount_transferred IS NULL OR amount_transferred >= 0", name="amount"),
        sa.CheckConstraint("review_cycle_months > 0", name="review_cycle"),
        sa.CheckConstraint("ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    #: project, thematic, capacity_development, institutional or funding.
    type: Mapped[str] = mapped_column(sa.String(30))
    #: The partner's roles: research, communication, policy_influence.
    roles: Mapped[list[str]] = mapped_column(JSONType, default=list)
    #: Due-diligence tier (an id from tiers.yaml), with the reason when staff chose it over the suggestion.
    tier: Mapped[str | None] = mapped_column(sa.String(30))
    tier_reason: Mapped[str | None] = mapped_column(sa.Text)
    #: The funder behind the partnership, if any (its template may be mandated).
    funder: Mapped[str | None] = mapped_column(sa.String(200))
    #: Money the institute transfers to the partner over the partnership.
    amount_transferred: Mapped[Decimal | None] = mapped_column(sa.Numeric(14, 2))
    currency: Mapped[str | None] = mapped_column(sa.String(3))
    #: How often the due diligence is reviewed.
    review_cycle_months: Mapped[int] = mapped_column(default=24)
    starts_on: Mapped[dt.date | None]
    ends_on: Mapped[dt.date | None]
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    partner: Mapped[Organisation] = relationship(back_populates="partnerships")
    assessments: Mapped[list[Assessment]] = relationship(back_populates="partnership")


class QuestionnaireVersion(db.Model):
    """An immutable snapshot of a questionnaire as it was given; answers always refer to one."""

    __tablename__ = "questionnaire_versions"
    __table_args__ = (sa.CheckConstraint(_one_of("direction", DIRECTIONS), name="direction"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The questionnaire's id in its definition, e.g. 'partner-capacity'.
    key: Mapped[str] = mapped_column(sa.String(100), index=True)
    version: Mapped[str] = mapped_column(sa.String(50))
    direction: Mapped[str] = mapped_column(sa.String(30))
    #: The whole definition in the file format, question bank items written out.
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType)
    #: sha256 of the canonical JSON of `definition`.
    sha256: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class Assessment(db.Model):
    """One questionnaire put to one respondent organisation about one subject organisation."""

    __tablename__ = "assessments"
    __table_args__ = (
        sa.CheckConstraint(_one_of("direction", DIRECTIONS), name="direction"),
        sa.CheckConstraint(_one_of("status", STATUSES), name="status"),
        sa.CheckConstraint("direction = 'host_disclosure' OR partnership_id IS NOT NULL", name="partnership"),
        sa.CheckConstraint("direction = 'partner_rates_host' OR subject_id = respondent_id", name="self_report"),
        sa.CheckConstraint("direction != 'partner_rates_host' OR subject_id != respondent_id", name="rates_other"),
        sa.CheckConstraint("burden_rating IS NULL OR burden_rating BETWEEN 1 AND 7", name="burden_rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_version_id: Mapped[int] = mapped_column(sa.ForeignKey("questionnaire_versions.id"), index=True)
    #: partner_self, host_disclosure or partner_rates_host.
    direction: Mapped[str] = mapped_column(sa.String(30))
    #: The partnership the request belongs to; None for the institute's own disclosure.
    partnership_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partnerships.id"), index=True)
    #: The organisation whose capacity or practice is described.
    subject_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    #: The organisation that answers.
    respondent_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20), default="draft")
    #: The tier the questions were chosen for (partner_self).
    tier: Mapped[str | None] = mapped_column(sa.String(30))
    #: Written reason for sending a request over its tier's budget, shown to the partner.
    budget_justification: Mapped[str | None] = mapped_column(sa.Text)
    language: Mapped[str] = mapped_column(sa.String(5), default="en")
    due_on: Mapped[dt.date | None]
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    submitted_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    accepted_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: When staff published the report (with its action plan) to the respondent.
    report_published_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: The respondent's own rating of the burden at submission: 1 (not at all proportionate) to 7 (entirely).
    burden_rating: Mapped[int | None]
    #: The respondent's comment on the process, and the institute's answer ("you said, we did"), published back.
    burden_comment: Mapped[str | None] = mapped_column(sa.Text)
    burden_response: Mapped[str | None] = mapped_column(sa.Text)
    burden_response_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))

    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    partnership: Mapped[Partnership | None] = relationship(back_populates="assessments")
    subject: Mapped[Organisation] = relationship(foreign_keys=[subject_id])
    respondent: Mapped[Organisation] = relationship(foreign_keys=[respondent_id])
    answers: Mapped[list[Answer]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="Answer.id"
    )
    action_items: Mapped[list[ActionItem]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan", order_by="ActionItem.position"
    )


class AssessmentRevision(db.Model):
    """How many times something scoring reads of an assessment has changed: raised by the database's triggers
    (ddq.store.revisions), never written by the application; no row is revision 0."""

    __tablename__ = "assessment_revisions"

    assessment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    revision: Mapped[int]


class Answer(db.Model):
    """The answer to one question of one assessment, with its evidence level and history."""

    __tablename__ = "answers"
    __table_args__ = (
        sa.UniqueConstraint("assessment_id", "question_id"),
        sa.CheckConstraint("evidence_level BETWEEN 0 AND 3", name="evidence_level"),
        sa.CheckConstraint("active_seconds >= 0", name="active_seconds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    #: The question's id in the assessment's questionnaire version.
    question_id: Mapped[str] = mapped_column(sa.String(100))
    #: The bank item the question asks, so the answer can be carried over.
    bank_id: Mapped[str | None] = mapped_column(sa.String(100), index=True)
    #: The valid answer in its canonical form (see ddq.core.questions); None when unanswered.
    value: Mapped[Any | None] = mapped_column(JSONType)
    #: What the respondent typed when it was not yet valid, kept so that nothing typed is lost.
    draft: Mapped[Any | None] = mapped_column(JSONType)
    not_applicable: Mapped[bool] = mapped_column(default=False)
    na_reason: Mapped[str | None] = mapped_column(sa.Text)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    #: Evidence level 0-3 (E0 self-declared, E1 document, E2 checked, E3 independent).
    evidence_level: Mapped[int] = mapped_column(default=0)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    answered_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: Seconds of active work on the question (not time with the page open).
    active_seconds: Mapped[int] = mapped_column(default=0)
    #: The earlier answer this one was carried over from.
    reused_from_id: Mapped[int | None] = mapped_column(sa.ForeignKey("answers.id"))
    #: When the respondent confirmed a carried-over answer is still true.
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: Raised by every save that changes the answer; a form sends back the version it showed (see save_draft_answer).
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Set when the value changed after evidence was recorded (ddq.core.evidence); cleared when staff review it.
    needs_review: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    assessment: Mapped[Assessment] = relationship(back_populates="answers")
    reused_from: Mapped[Answer | None] = relationship(remote_side=[id])
    evidence_files: Mapped[list[EvidenceFile]] = relationship(back_populates="answer")
    review_comments: Mapped[list[ReviewComment]] = relationship(back_populates="answer", order_by="ReviewComment.id")


class AnswerRating(db.Model):
    """One person's latest rating of a scored item: the answer stays the organisation's one answer, and this keeps
    what each colleague stored, so that the spread of their ratings can be shown (ddq.core.consensus)."""

    __tablename__ = "answer_ratings"
    __table_args__ = (sa.UniqueConstraint("answer_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(sa.ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: The valid value the person stored, in its canonical form (see ddq.core.questions).
    value: Mapped[Any] = mapped_column(JSONType)
    rated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship()


class EvidenceFile(db.Model):
    """An uploaded document, stored outside the web root under a generated name."""

    __tablename__ = "evidence_files"
    __table_args__ = (
        sa.CheckConstraint("size_bytes >= 0", name="size"),
        sa.CheckConstraint("expires_on IS NULL OR effective_on IS NULL OR expires_on >= effective_on", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"), index=True)
    answer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("answers.id", ondelete="SET NULL"), index=True)
    #: The file name as uploaded, sanitised, for display only.
    original_name: Mapped[str] = mapped_column(sa.String(255))
    #: The generated name on disk.
    stored_name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size_bytes: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    #: The period the document is valid for, so it can be reused until it expires.
    effective_on: Mapped[dt.date | None]
    expires_on: Mapped[dt.date | None]

    answer: Mapped[Answer | None] = relationship(back_populates="evidence_files")


class ReviewComment(db.Model):
    """A reviewer's note on an answer: a comment, a request for changes, or acceptance."""

    __tablename__ = "review_comments"
    __table_args__ = (sa.CheckConstraint(_one_of("action", ("comment", "request_changes", "accept")), name="action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(sa.ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(sa.String(20), default="comment")
    body: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    answer: Mapped[Answer] = relationship(back_populates="review_comments")


class AuditEvent(db.Model):
    """Who did what to which record, and when."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, index=True)
    #: The person who acted; None for the system (demo data, imports run from the command line).
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: A dotted verb such as 'assessment.status'.
    action: Mapped[str] = mapped_column(sa.String(100))
    object_type: Mapped[str] = mapped_column(sa.String(50))
    object_id: Mapped[int | None]
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)


class Invitation(db.Model):
    """A personal, expiring, single-use link that lets one respondent in without a password."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    assessment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("assessments.id", ondelete="CASCADE"))
    #: A random value carried in the signed token; replacing it revokes the link.
    nonce: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True))
    #: When the link was opened (or ended by a new password); a used link does not open again.
    used_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship()


class SectionAssignment(db.Model):
    """A section of an assessment handed to one colleague of the responding organisation."""

    __tablename__ = "section_assignments"
    __table_args__ = (sa.UniqueConstraint("assessment_id", "section_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[str] = mapped_column(sa.String(100))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))

    user: Mapped[User] = relationship()


class SectionTime(db.Model):
    """Active seconds one person spent on one section (input and focus, not time with the page open)."""

    __tablename__ = "section_times"
    __table_args__ = (
        sa.UniqueConstraint("assessment_id", "section_id", "user_id"),
        sa.CheckConstraint("active_seconds >= 0", name="active_seconds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[str] = mapped_column(sa.String(100))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    active_seconds: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class ActionItem(db.Model):
    """One line of an assessment's action plan, suggested by ddq and edited by staff before publishing."""

    __tablename__ = "action_items"
    __table_args__ = (sa.CheckConstraint("priority IN ('high', 'medium', 'low')", name="priority"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    domain: Mapped[str | None] = mapped_column(sa.String(100))
    #: The question the action answers, if any.
    question_id: Mapped[str | None] = mapped_column(sa.String(100))
    priority: Mapped[str] = mapped_column(sa.String(10), default="medium")
    #: What will be done, in words the partner recognises.
    action: Mapped[str] = mapped_column(sa.Text)
    #: Support the institute offers for it.
    support: Mapped[str | None] = mapped_column(sa.Text)
    due_on: Mapped[dt.date | None]

    assessment: Mapped[Assessment] = relationship(back_populates="action_items")


class PublishedReport(db.Model):
    """One published version of an assessment's report: its complete inputs, frozen, with their sha256.

    Rows are only ever added: republishing makes the next version and keeps every earlier one.
    """

    __tablename__ = "published_reports"
    __table_args__ = (
        sa.UniqueConstraint("assessment_id", "version"),
        sa.CheckConstraint("version >= 1", name="version"),
        sa.CheckConstraint("kind IN ('capacity', 'reciprocal')", name="kind"),
        sa.CheckConstraint("length(fingerprint) = 64", name="fingerprint"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(sa.ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    #: 1 for the first publication, then one more each time the report is published again.
    version: Mapped[int]
    #: 'reciprocal' when the snapshot also holds the institute's disclosure and partners' feedback.
    kind: Mapped[str] = mapped_column(sa.String(20))
    published_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: sha256 of the canonical JSON of `snapshot`.
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    #: The report's facts as `ddq.core.facts.report_to_data` writes them.
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONType)


# Databases made with create_all get the revision triggers that migration 0012 creates.
sa.event.listen(db.Model.metadata, "after_create", revisions.install_after_create)
