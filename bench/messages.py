"""Messages queued to the outbox and delivered to a local SMTP server (aiosmtpd), per second."""

from __future__ import annotations

import smtplib
import socket
import tempfile
import time
from pathlib import Path


def bench_messages(count: int = 500) -> None:
    from aiosmtpd.controller import Controller

    from ddq import create_app
    from ddq.extensions import db
    from ddq.mail import deliver_outbox, queue

    from .run import report

    class Sink:
        received = 0

        async def handle_DATA(self, server, session, envelope):
            Sink.received += 1
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    folder = Path(tempfile.mkdtemp(prefix="ddq-bench-mail-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "SECRET_KEY": "bench",
            "DDQ_SMTP_HOST": "127.0.0.1",
            "DDQ_SMTP_PORT": port,
            "DDQ_UPLOADS": str(folder / "uploads"),
        }
    )
    app.logger.setLevel("WARNING")
    try:
        with app.app_context(), app.test_request_context("/"):
            db.create_all()
            start = time.perf_counter()
            for n in range(count):
                queue(
                    dedupe_key=f"bench:{n}",
                    recipient=f"person{n}@example.org",
                    kind="password_reset",
                    language="fr" if n % 2 else "en",
                    template="reset",
                    subject=f"Message {n}",
                    person={"name": f"Person {n}"},
                    link=f"https://ddq.example.org/invite/{n:032d}",
                    hours=2,
                )
            db.session.commit()
            queued = count / (time.perf_counter() - start)
            start = time.perf_counter()
            delivery = deliver_outbox(limit=count)
            delivered = delivery.sent / (time.perf_counter() - start)
            assert delivery.sent == count == Sink.received, (delivery, Sink.received)
            # baseline: the same number of plain messages through smtplib on one connection, no database at all
            start = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", port) as smtp:
                for n in range(count):
                    smtp.sendmail("a@example.org", [f"person{n}@example.org"], f"Subject: {n}\r\n\r\nbody {n}")
            raw = count / (time.perf_counter() - start)
            db.session.remove()
            db.engine.dispose()
    finally:
        controller.stop()
    report(f"outbox_queued_{count}_messages", queued, "messages/s", target=">= 200 messages/s")
    report(
        f"outbox_delivered_{count}_messages_smtp",
        delivered,
        "messages/s",
        ("smtplib alone, one connection", raw),
        ">= 10 messages/s (each message is claimed and committed before it leaves)",
    )
