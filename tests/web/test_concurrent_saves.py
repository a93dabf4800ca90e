"""Many people saving the same section at the same moment, on PostgreSQL: every save succeeds or is shown back.

Each person runs in a thread of their own with their own test client, so each request has its own application
context, database session and connection, as with several workers.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from ddq import create_app
from ddq.extensions import db
from ddq.library import current_library
from ddq.store import operations as ops
from ddq.store.models import Answer, Assessment, AuditEvent
from ddq.store.queries import scope_of
from tests.conftest import PASSWORD, _empty_postgres, web_config
from tests.web.conftest import Browser

PEOPLE = 30
SECTION = "governance"


@pytest.fixture
def pg_web(migrated_postgres: str, tmp_path: Path):
    """A partner with 30 respondents and a light request just sent, on PostgreSQL."""
    app = create_app(
        web_config(
            tmp_path / "unused.sqlite3",
            tmp_path,
            SQLALCHEMY_DATABASE_URI=migrated_postgres,
            SQLALCHEMY_ENGINE_OPTIONS={"pool_size": PEOPLE + 2, "max_overflow": 4},
        )
    )
    with app.app_context():
        session = db.session
        host = ops.create_organisation(session, "The Institute", kind="host")
        partner = ops.create_organisation(session, "Many Hands Collective", staff_size=40, founded_year=2001)
        password_hash = generate_password_hash(PASSWORD)
        emails = []
        for number in range(PEOPLE):
            person = ops.create_user(
                session, f"person{number}@hands.example.org", f"Person {number}", "partner_respondent", partner
            )
            person.password_hash = password_hash
            emails.append(person.email)
        partnership = ops.create_partnership(session, partner, "Shared work", "thematic", tier="light")
        assessment = ops.create_assessment(
            session,
            current_library().questionnaire("partner-capacity"),
            subject=partner,
            respondent=partner,
            partnership=partnership,
        )
        ops.change_status(session, assessment, "sent")
        section = next(s for s in ops.questionnaire_of(assessment.questionnaire_version).sections if s.id == SECTION)
        questions = [q.id for q in section.questions if q.applies_to.matches(scope_of(assessment))]
        assert host.is_host and len(questions) >= 2
        session.commit()
        ids = {"assessment": assessment.id, "questions": questions, "emails": emails}
        db.session.remove()
    try:
        yield app, ids
    finally:
        with app.app_context():
            _empty_postgres()
            db.engine.dispose()


def _form_of(page: str, questions: list[str]) -> dict:
    """What a browser posts for a page it shows unchanged: every question present, with its version and base."""
    data: dict = {"present": questions, "active_seconds": "5"}
    for question_id in questions:
        for field in ("version", "base"):
            shown = re.search(rf'name="{field}_{question_id}" value="(\w+)"', page)
            if shown:
                data[f"{field}_{question_id}"] = shown.group(1)
        data[f"comment_{question_id}"] = ""
    return data


def _run_together(app, ids, write) -> list[tuple[int, str, dict]]:
    """Sign everyone in and open the section, then let all of them save at the same moment."""
    url = f"/a/{ids['assessment']}/s/{SECTION}"
    browsers, forms = [], []
    for email in ids["emails"]:
        browser = Browser(app)
        assert browser.login(email).status_code == 302
        page = browser.get(url).get_data(as_text=True)
        browser.refresh_token(url)
        browsers.append(browser)
        forms.append(_form_of(page, ids["questions"]))
    start = threading.Barrier(len(browsers))
    results: list = [None] * len(browsers)

    def save(number: int) -> None:
        data = write(number, forms[number])
        start.wait()
        response = browsers[number].post(url, data=data)
        results[number] = (response.status_code, response.get_data(as_text=True), data)

    threads = [threading.Thread(target=save, args=(number,)) for number in range(len(browsers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def _stored(app, ids) -> dict[str, Answer]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Answer).where(Answer.assessment_id == ids["assessment"])).all()
        found = {row.question_id: (row.comment, row.version) for row in rows}
        db.session.remove()
    return found


def test_thirty_simultaneous_first_saves_all_succeed_and_nothing_is_lost(pg_web):
    app, ids = pg_web
    questions = ids["questions"]

    def write(number: int, data: dict) -> dict:
        data[f"comment_{questions[number % len(questions)]}"] = f"note from person {number}"
        return data

    results = _run_together(app, ids, write)
    codes = [code for code, _page, _data in results]
    assert codes.count(500) == 0 and set(codes) <= {200, 302}, codes
    stored = _stored(app, ids)
    assert sorted(stored) == sorted(questions)  # one row per question, however many people created it
    for number, (code, page, _data) in enumerate(results):
        question_id = questions[number % len(questions)]
        mine = f"note from person {number}"
        if stored[question_id][0] == mine:
            continue
        # not saved: then the page says so and gives the person's own text back, beside the one that was saved
        assert code == 200 and f'id="conflict-{question_id}"' in page, (number, code)
        assert mine in page and stored[question_id][0] in page
    with app.app_context():
        assessment = db.session.get(Assessment, ids["assessment"])
        moves = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "assessment.status", AuditEvent.object_id == assessment.id)
        )
        assert assessment.status == "in_progress" and moves == 2  # sent, then in progress once
        db.session.remove()


def test_thirty_simultaneous_identical_saves_are_all_saved(pg_web):
    app, ids = pg_web
    question_id = ids["questions"][0]

    def write(number: int, data: dict) -> dict:
        data[f"comment_{question_id}"] = "agreed at the team meeting"
        return data

    results = _run_together(app, ids, write)
    assert [code for code, _page, _data in results] == [302] * PEOPLE
    assert _stored(app, ids)[question_id] == ("agreed at the team meeting", 1)
