"""One partner's burden page reads its requests in a fixed number of statements, however many requests the partner
has had, and the ledger's CSV likewise however many partners there are."""

from __future__ import annotations

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from bench.institute import generate
from ddq import create_app
from ddq.extensions import db
from ddq.library import current_library
from ddq.store import operations as ops
from ddq.store.models import Assessment, Organisation, Partnership
from tests.conftest import PASSWORD, web_config

_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def _statements(client, url: str) -> tuple[int, bytes]:
    with client.application.app_context():
        engine = db.engine
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    client.get(url).get_data()  # warm: immutable questionnaires are rebuilt once per process
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
        body = response.get_data()
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, (url, response.status_code)
    return len(statements), body


def _more_requests(partner_id: int, number: int) -> None:
    """`number` more self-assessments for the partner, each with a comment on the process."""
    partner = db.session.get(Organisation, partner_id)
    partnership = db.session.scalar(sa.select(Partnership).where(Partnership.partner_id == partner_id))
    capacity = current_library().questionnaire("partner-capacity")
    for index in range(number):
        request = ops.create_assessment(
            db.session, capacity, subject=partner, respondent=partner, partnership=partnership
        )
        request.burden_comment = f"Comment {index}: the form was long."
    db.session.commit()


def test_a_partners_page_takes_the_same_statements_with_more_requests(tmp_path):
    app = create_app(web_config(tmp_path / "ledger.sqlite3", tmp_path, WTF_CSRF_ENABLED=False))
    with app.app_context():
        db.create_all()
        made = generate(db.session, current_library(), 6, password_hash=_HASH)
        db.session.commit()
    client = app.test_client()
    assert client.post("/login", data={"email": made["staff_email"], "password": PASSWORD}).status_code == 302
    url = f"/staff/burden/{made['first_partner']}"
    before, _ = _statements(client, url)
    csv_before, _ = _statements(client, "/staff/burden.csv")
    with app.app_context():
        _more_requests(made["first_partner"], 5)
        requests = db.session.scalar(
            sa.select(sa.func.count()).where(
                Assessment.subject_id == made["first_partner"], Assessment.direction == "partner_self"
            )
        )
    after, page = _statements(client, url)
    csv_after, _ = _statements(client, "/staff/burden.csv")
    assert requests >= 6
    assert page.count(b"the form was long.") == 5, "the comments are on the page"
    assert after <= before, f"{before} statements with one or two requests, {after} with {requests}"
    assert csv_after <= csv_before
