"""The outbox: every message ddq sends is a row here, written in the same transaction as the event that causes it.

A sender (ddq.mail) delivers the rows later, after the commit, so a message exists exactly when its event does.
Each message has a dedupe key, unique per logical message ("invitation:12", "reminder:40:2027-01-31:3:7"): writing
the same message again does nothing, which makes `ddq tick` safe to run any number of times.

A message is `queued` until a sender claims it (`sending`, for a lease of a few minutes), then `sent`, or `logged`
when no mail server is configured (its text is written to the log instead). A delivery that fails goes back to
`queued` with its next attempt further away each time (exponential backoff); after MAX_ATTEMPTS it is `failed`,
still listed and sent again by `retry`. A sender that dies while holding a claim loses nothing: the lease runs
out and the message is claimed again.

A person who chose a daily digest gets their messages `held` instead: `ddq tick` gathers them once a day into one
digest message and marks them `digested`. A person may also mute reminders: those are then not written at all.
Invitations and password links are never held nor muted.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import db
from .models import utcnow

STATUSES = ("queued", "sending", "sent", "logged", "failed", "held", "digested")
#: Messages a person may mute (reminders of every kind); and those that always leave at once, digest or not.
MUTABLE_KINDS = frozenset({"reminder", "overdue", "document_expiring", "review_due"})
IMMEDIATE_KINDS = frozenset({"invitation", "password_reset", "digest"})
#: Attempts before a message is marked failed (about a day and a half of retries with the backoff below).
MAX_ATTEMPTS = 10
#: The first retry waits this long; each further one twice as long as the one before, up to BACKOFF_CAP.
BACKOFF_FIRST = dt.timedelta(minutes=1)
BACKOFF_CAP = dt.timedelta(hours=6)
#: How long a sender holds a claimed message before another may take it.
CLAIM_LEASE = dt.timedelta(minutes=10)


class OutboxMessage(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (
        sa.UniqueConstraint("dedupe_key"),
        sa.CheckConstraint(f"status IN {STATUSES}", name="status"),
        sa.Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One logical message: writing a second message with the same key does nothing.
    dedupe_key: Mapped[str] = mapped_column(sa.String(200))
    recipient: Mapped[str] = mapped_column(sa.String(254))
    #: invitation, password_reset, reminder, overdue, document_expiring, digest …
    kind: Mapped[str] = mapped_column(sa.String(40))
    language: Mapped[str] = mapped_column(sa.String(5))
    subject: Mapped[str] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(10), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))


class MailPreference(db.Model):
    """How one person wants their messages: at once or in a daily digest, and with or without reminders."""

    __tablename__ = "mail_preferences"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    #: True: every message but invitations and password links waits for one digest a day.
    digest: Mapped[bool] = mapped_column(default=False)
    #: True: no reminders, overdue notices, expiring-document or review-due notices.
    mute_reminders: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow)


def preference_for(session: Session, recipient: str) -> MailPreference | None:
    """The preferences of the person with this address, if they set any."""
    from .models import User

    return session.scalar(
        sa.select(MailPreference).join(User, User.id == MailPreference.user_id).where(User.email == recipient.lower())
    )


def set_preference(session: Session, user_id: int, *, digest: bool, mute_reminders: bool) -> MailPreference:
    preference = session.get(MailPreference, user_id)
    if preference is None:
        preference = MailPreference(user_id=user_id)
        session.add(preference)
    preference.digest, preference.mute_reminders = digest, mute_reminders
    session.flush()
    return preference


def held_by_recipient(session: Session) -> dict[str, list[OutboxMessage]]:
    """Messages waiting for their recipient's digest, oldest first, by recipient."""
    held: dict[str, list[OutboxMessage]] = {}
    for message in session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.status == "held").order_by(OutboxMessage.id)
    ):
        held.setdefault(message.recipient, []).append(message)
    return held


def mark_digested(session: Session, messages: list[OutboxMessage]) -> None:
    """The messages left inside a digest: delivered with it."""
    now = utcnow()
    for message in messages:
        message.status = "digested"
        message.sent_at = now
    session.flush()


def queue_message(
    session: Session,
    *,
    dedupe_key: str,
    recipient: str,
    kind: str,
    language: str,
    subject: str,
    text: str,
    html: str | None = None,
    held: bool = False,
) -> bool:
    """Write a message to the outbox (flush only); False when a message with this key exists already.

    One INSERT … ON CONFLICT DO NOTHING, so that two runs at the same moment cannot both write it. A `held` message
    waits for its recipient's daily digest.
    """
    values = {
        "dedupe_key": dedupe_key[:200],
        "recipient": recipient,
        "kind": kind,
        "language": language,
        "subject": subject[:300],
        "text_body": text,
        "html_body": html,
        "status": "held" if held else "queued",
        "attempts": 0,
        "next_attempt_at": utcnow(),
        "created_at": utcnow(),
    }
    dialect = session.get_bind().dialect.name
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[dialect]
    statement = (
        insert(OutboxMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.id)
    )
    written = session.execute(statement).scalar_one_or_none()
    session.flush()
    return written is not None


def exists(session: Session, dedupe_key: str) -> bool:
    """Whether the message with this key was written already."""
    found = session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key[:200]))
    return found is not None


def backoff(attempts: int) -> dt.timedelta:
    """The wait before the next attempt, after `attempts` failed ones: 1, 2, 4 … minutes, at most BACKOFF_CAP."""
    return min(BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)


def due_ids(
    session: Session, now: dt.datetime | None = None, limit: int = 500, keys: list[str] | None = None
) -> list[int]:
    """Messages waiting to be sent now (queued, or claimed by a sender whose lease ran out), oldest first.

    With `keys`, only those messages (by dedupe key).
    """
    now = now or utcnow()
    query = sa.select(OutboxMessage.id).where(
        OutboxMessage.status.in_(("queued", "sending")), OutboxMessage.next_attempt_at <= now
    )
    if keys is not None:
        query = query.where(OutboxMessage.dedupe_key.in_([key[:200] for key in keys]))
    return list(session.scalars(query.order_by(OutboxMessage.id).limit(limit)))


def claim(session: Session, message_id: int, now: dt.datetime | None = None) -> OutboxMessage | None:
    """Take one due message for sending; None when another sender took it first (one conditional UPDATE)."""
    now = now or utcnow()
    result = session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status.in_(("queued", "sending")),
            OutboxMessage.next_attempt_at <= now,
        )
        .values(status="sending", next_attempt_at=now + CLAIM_LEASE)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    message = session.get(OutboxMessage, message_id)
    session.refresh(message)
    return message


def mark_delivered(message: OutboxMessage, *, logged: bool = False) -> None:
    message.status = "logged" if logged else "sent"
    message.attempts += 1
    message.sent_at = utcnow()
    message.last_error = None


def mark_failed(message: OutboxMessage, error: str, now: dt.datetime | None = None) -> None:
    """A failed attempt: try again after the backoff, or give up after MAX_ATTEMPTS (still listed, retried by hand)."""
    message.attempts += 1
    message.last_error = error[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        message.status = "failed"
    else:
        message.status = "queued"
        message.next_attempt_at = (now or utcnow()) + backoff(message.attempts)


def retry(session: Session, failed_only: bool = True) -> int:
    """Queue failed messages (or every undelivered one) to be sent at once; return how many."""
    statuses = ("failed",) if failed_only else ("failed", "queued", "sending")
    result = session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.status.in_(statuses))
        .values(status="queued", attempts=0, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return result.rowcount


def listing(session: Session, status: str | None = None, limit: int | None = None) -> list[OutboxMessage]:
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status:
        query = query.where(OutboxMessage.status == status)
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))
