"""Writing messages to the outbox, and delivering the outbox through the SMTP server in the settings.

Code that causes a message calls `queue` inside its own transaction (it only flushes); the message leaves once
that transaction is committed and `deliver_outbox` runs: right after the request in the web application (as a
background job when DDQ_REDIS_URL is set, see ddq.jobs), and on every `ddq tick`. Without an SMTP server the
message is written to the log at INFO and marked `logged`.

Each person's preferences apply here: reminders they muted are not written, and a person who chose a daily digest
has every message but invitations and password links held for `send_digests` (run by `ddq tick`).
"""

from __future__ import annotations

import datetime as dt
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app, g, has_request_context, render_template
from flask_babel import force_locale
from jinja2 import TemplateNotFound

from .extensions import db
from .store import outbox


@dataclass(frozen=True)
class Delivery:
    sent: int = 0
    logged: int = 0
    failed: int = 0


def queue(
    *,
    dedupe_key: str,
    recipient: str,
    kind: str,
    language: str,
    template: str,
    subject: str | None = None,
    **context: object,
) -> bool:
    """Render `mail/<template>.txt` (and `.html` when there is one) in `language` and write it to the outbox.

    The subject is rendered in the same language when it is a callable taking no argument (e.g. a lambda calling
    gettext). Returns False when the message exists already (same dedupe key). Inside a request, the message is
    delivered once the request has committed. False too when the recipient muted this kind of message.
    """
    if outbox.exists(db.session, dedupe_key):
        return False  # written before (a second tick): nothing to render
    preference = None if kind in outbox.IMMEDIATE_KINDS else outbox.preference_for(db.session, recipient)
    if preference is not None and preference.mute_reminders and kind in outbox.MUTABLE_KINDS:
        return False
    held = preference is not None and preference.digest
    with force_locale(language):
        text = render_template(f"mail/{template}.txt", lang=language, **context)
        try:
            html = render_template(f"mail/{template}.html", lang=language, **context)
        except TemplateNotFound:
            html = None
        title = subject() if callable(subject) else subject
    written = outbox.queue_message(
        db.session,
        dedupe_key=dedupe_key,
        recipient=recipient,
        kind=kind,
        language=language,
        subject=str(title or ""),
        text=text,
        html=html,
        held=held,
    )
    if written and not held and has_request_context():
        g.setdefault("ddq_outbox_written", []).append(dedupe_key)
    return written


def send_digests(today: dt.date) -> int:
    """Gather each person's held messages into one digest for `today` (flush only); return how many were written.

    The digest's key names the person and the day, so a second run the same day writes nothing; messages held
    after that wait for the next day's digest.
    """
    from .store.models import User

    written = 0
    for recipient, messages in outbox.held_by_recipient(db.session).items():
        person = db.session.scalar(sa.select(User).where(User.email == recipient))
        count = len(messages)
        language = person.language if person is not None else messages[0].language
        if queue(
            dedupe_key=f"digest:{recipient}:{today.isoformat()}",
            recipient=recipient,
            kind="digest",
            language=language,
            template="digest",
            subject=lambda count=count: _digest_subject(count, today),
            name=person.name if person is not None else recipient,
            messages=messages,
            day=today,
        ):
            outbox.mark_digested(db.session, messages)
            written += 1
    return written


def _digest_subject(count: int, day: dt.date) -> str:
    from flask_babel import ngettext

    return ngettext("Your ddq digest of %(date)s: %(num)d message", "Your ddq digest of %(date)s: %(num)d messages",
                    count, date=day.isoformat())


def build(message: outbox.OutboxMessage) -> EmailMessage:
    """The message as sent: its language (RFC 3282 Content-Language) on the whole message and on each part, text
    and HTML, so that a mail client reads or speaks every part in the recipient's language."""
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["DDQ_MAIL_FROM"]
    email["To"] = message.recipient
    email["Subject"] = message.subject
    email.set_content(message.text_body, headers=[f"Content-Language: {message.language}"])
    if message.html_body:
        # making the message multipart moves its Content-* headers onto the text part: the whole message says
        # its language again below
        email.add_alternative(
            message.html_body, subtype="html", headers=[f"Content-Language: {message.language}"]
        )
        email["Content-Language"] = message.language
    return email


def _connect() -> smtplib.SMTP:
    config = current_app.config
    smtp = smtplib.SMTP(config["DDQ_SMTP_HOST"], int(config.get("DDQ_SMTP_PORT", 25)), timeout=20)
    try:
        if config.get("DDQ_SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("DDQ_SMTP_USER"):
            smtp.login(config["DDQ_SMTP_USER"], config.get("DDQ_SMTP_PASSWORD", ""))
    except BaseException:
        smtp.close()
        raise
    return smtp


def deliver_messages(keys: list[str]) -> Delivery:
    """Deliver the named messages now (those a request has just written), if they are still due."""
    return deliver_outbox(keys=keys)


def deliver_outbox(limit: int = 500, now: dt.datetime | None = None, keys: list[str] | None = None) -> Delivery:
    """Send every message that is due, each claimed first so that two senders never send the same one.

    Each claim is committed before the message leaves (with the previous message's result). A server that cannot
    be reached leaves every message queued for a later attempt (with backoff); nothing is lost. `now` is the moment to
    deliver at (tests pass a later one to reach a retry).
    """
    session = db.session
    session.commit()  # nothing of the caller's may be pending: each message below is committed on its own
    host = current_app.config.get("DDQ_SMTP_HOST")
    sent = logged = failed = 0
    smtp: smtplib.SMTP | None = None
    connect_error: str | None = None
    try:
        for message_id in outbox.due_ids(session, now, limit=limit, keys=keys):
            message = outbox.claim(session, message_id, now)
            session.commit()
            if message is None:
                continue  # another sender has it
            if not host:
                current_app.logger.info(
                    "e-mail (no SMTP server set, not sent) to %s [%s, %s]: %s\n%s",
                    message.recipient,
                    message.kind,
                    message.language,
                    message.subject,
                    message.text_body,
                )
                outbox.mark_delivered(message, logged=True)
                session.commit()
                logged += 1
                continue
            try:
                if connect_error is not None:
                    raise OSError(connect_error)
                if smtp is None:
                    smtp = _connect()
                smtp.send_message(build(message))
            except OSError as error:  # smtplib's errors are OSErrors too
                if smtp is None:
                    connect_error = connect_error or f"{type(error).__name__}: {error}"
                elif not isinstance(error, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused):
                    smtp.close()  # the connection broke: connect again for the next message
                    smtp = None
                outbox.mark_failed(message, f"{type(error).__name__}: {error}", now)
                session.commit()
                failed += 1
                current_app.logger.warning(
                    "e-mail to %s not sent (attempt %d): %s", message.recipient, message.attempts, error
                )
                continue
            outbox.mark_delivered(message)
            session.flush()  # committed with the next claim, or below: one commit per message
            sent += 1
    finally:
        session.commit()
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()
    return Delivery(sent, logged, failed)
