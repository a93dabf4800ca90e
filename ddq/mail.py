"""Sending e-mail through the SMTP server in the settings; without one, messages are written to the log."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app


def send_mail(to: str, subject: str, body: str) -> None:
    """Send a plain-text message; raise OSError (or smtplib.SMTPException) when the server refuses it."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["DDQ_MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    host = config.get("DDQ_SMTP_HOST")
    if not host:
        current_app.logger.info("e-mail (no SMTP server set, not sent) to %s: %s\n%s", to, subject, body)
        return
    with smtplib.SMTP(host, int(config.get("DDQ_SMTP_PORT", 25)), timeout=20) as smtp:
        if config.get("DDQ_SMTP_STARTTLS"):
            smtp.starttls()
        if config.get("DDQ_SMTP_USER"):
            smtp.login(config["DDQ_SMTP_USER"], config.get("DDQ_SMTP_PASSWORD", ""))
        smtp.send_message(message)
