"""`ddq tick` over 1,000 partnerships: reminders, joint reviews scheduled and announced, digests."""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path


def bench_tick(count: int = 1000) -> None:
    from ddq import create_app
    from ddq.extensions import db
    from ddq.library import current_library
    from ddq.store import operations as ops
    from ddq.store import outbox
    from ddq.tick import tick

    from .run import report

    folder = Path(tempfile.mkdtemp(prefix="ddq-bench-tick-"))
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "SECRET_KEY": "bench",
            "DDQ_SMTP_HOST": "",
            "DDQ_UPLOADS": str(folder / "uploads"),
        }
    )
    app.logger.setLevel("WARNING")
    today = dt.date.today()
    with app.app_context():
        db.create_all()
        questionnaire = current_library().questionnaire("partner-capacity")
        host = ops.create_organisation(db.session, "Institute", kind="host")
        ops.create_user(db.session, "staff@example.org", "Staff", "staff", host)
        for n in range(count):
            partner = ops.create_organisation(db.session, f"Partner {n}", languages=["fr" if n % 2 else "en"])
            person = ops.create_user(
                db.session, f"p{n}@example.org", f"Person {n}", "partner_respondent", partner,
                language="fr" if n % 2 else "en",
            )
            if n % 4 == 0:
                outbox.set_preference(db.session, person.id, digest=True, mute_reminders=False)
            partnership = ops.create_partnership(
                db.session, partner, f"Partnership {n}", "project", tier="standard",
                starts_on=today - dt.timedelta(days=365 - n % 20),  # yearly reviews due within the next weeks
            )
            assessment = ops.create_assessment(
                db.session, questionnaire, subject=partner, respondent=partner, partnership=partnership,
                due_on=today + dt.timedelta(days=n % 10 - 2),
            )
            ops.change_status(db.session, assessment, "sent")
        db.session.commit()
        start = time.perf_counter()
        first = tick(today, deliver=False)
        first_seconds = time.perf_counter() - start
        start = time.perf_counter()
        second = tick(today, deliver=False)
        second_seconds = time.perf_counter() - start
        queued = db.session.query(outbox.OutboxMessage).count()
        db.session.remove()
        db.engine.dispose()
    written = first.reminders + first.overdue + first.reviews_due + first.digests
    assert second.reminders == second.overdue == second.reviews_due == second.digests == 0, second.describe()
    report(
        f"tick_{count}_partnerships_first_run",
        first_seconds,
        "s",
        target=f"<= 60 s ({written} messages, {first.reviews_scheduled} reviews scheduled, {queued} in the outbox)",
    )
    report(f"tick_{count}_partnerships_again_nothing_new", second_seconds, "s", target="<= 30 s")
