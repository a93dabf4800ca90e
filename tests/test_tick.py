"""`ddq tick`: reminders before the due date and when overdue, expiring documents; twice sends nothing twice."""

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from babel.dates import format_date

from ddq.cli import main
from ddq.core.schedule import propose_due_on, reminder_stage
from ddq.demo import load_demo
from ddq.extensions import db
from ddq.store.models import Assessment, EvidenceFile, Organisation, User
from ddq.store.outbox import OutboxMessage

TODAY = dt.date.today()


@pytest.mark.parametrize(
    ("days", "stage"),
    [(30, None), (8, None), (7, "7"), (5, "7"), (4, "7"), (3, "3"), (2, "3"), (1, "1"), (0, "1"), (-1, "overdue")],
)
def test_the_latest_reminder_stage_reached_is_the_one_due(days, stage):
    assert reminder_stage(TODAY + dt.timedelta(days=days), TODAY) == stage


def test_due_dates_are_proposed_from_the_tiers_time_budget(shipped_library):
    weeks = {
        tier.id: (propose_due_on(TODAY, tier.max_minutes) - TODAY).days / 7 for tier in shipped_library.tiers.values()
    }
    assert weeks == {"light": 3, "standard": 4, "enhanced": 8}


@pytest.fixture
def demo(backend_app):
    assert load_demo(db.session) is True
    db.session.commit()
    return backend_app


def _tick(app, *args):
    result = app.test_cli_runner().invoke(main, ["tick", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _messages():
    db.session.expire_all()
    return db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def _respondents(assessment):
    return db.session.scalars(
        sa.select(User).where(User.organisation_id == assessment.respondent_id, User.role == "partner_respondent")
    ).all()


def test_tick_twice_after_the_demo_leaves_one_reminder_per_due_request_in_its_recipients_language(demo):
    first = _tick(demo)
    assert "1 reminders, 1 overdue notices, 1 expiring documents queued" in first
    second = _tick(demo)
    assert "0 reminders, 0 overdue notices, 0 expiring documents queued" in second

    messages = _messages()
    assert len({m.dedupe_key for m in messages}) == len(messages)
    due = db.session.scalars(
        sa.select(Assessment)
        .join(Organisation, Assessment.respondent_id == Organisation.id)
        .where(
            Organisation.kind == "partner",
            Assessment.status.in_(["sent", "in_progress", "changes_requested"]),
            Assessment.due_on <= TODAY + dt.timedelta(days=7),
        )
    ).all()
    assert {(a.due_on - TODAY).days for a in due} == {3, -4}  # the demo: due in three days, and overdue
    for assessment in due:
        kind = "overdue" if assessment.due_on < TODAY else "reminder"
        for person in _respondents(assessment):
            mine = [m for m in messages if m.recipient == person.email and m.kind == kind]
            assert len(mine) == 1, f"{person.email}: {len(mine)} {kind} messages"
            assert mine[0].language == person.language
            assert f"/a/{assessment.id}" in mine[0].text_body and f"/a/{assessment.id}" in mine[0].html_body
            assert mine[0].status == "logged"  # no mail server in the tests: written to the log
    languages = {m.language for m in messages if m.kind in {"reminder", "overdue"}}
    assert languages == {"en", "es"}
    reminder = next(m for m in messages if m.kind == "reminder")
    due = format_date(TODAY + dt.timedelta(days=3), "medium", locale=reminder.language)  # as its reader writes dates
    assert "due in 3 days" in reminder.subject and due in reminder.text_body


def test_an_expiring_document_is_announced_once_though_it_travelled_to_the_next_cycle(demo):
    copies = db.session.scalars(sa.select(EvidenceFile).where(EvidenceFile.expires_on.is_not(None))).all()
    assert len(copies) == 2 and len({c.sha256 for c in copies}) == 1  # carried over to the second cycle
    _tick(demo)
    _tick(demo)
    notices = [m for m in _messages() if m.kind == "document_expiring"]
    assert len(notices) == 1
    # the funder's respondent reads Portuguese
    assert "Audited accounts 2025.pdf" in notices[0].subject and "dentro de 20 dias" in notices[0].text_body


def test_each_later_stage_is_sent_once_and_a_new_due_date_starts_again(demo):
    _tick(demo)
    later = (TODAY + dt.timedelta(days=1)).isoformat()  # two days left: still the three-day stage
    assert "0 reminders" in _tick(demo, "--today", later)
    closer = (TODAY + dt.timedelta(days=2)).isoformat()  # one day left: the one-day reminder
    assert "1 reminders" in _tick(demo, "--today", closer)
    assert "0 reminders" in _tick(demo, "--today", closer)
    overdue = db.session.scalar(sa.select(Assessment).where(Assessment.due_on < TODAY))
    overdue.due_on = TODAY + dt.timedelta(days=6)  # staff give more time: reminders start again for the new date
    db.session.commit()
    output = _tick(demo)
    assert "1 reminders, 0 overdue notices" in output
    kinds = [(m.kind, m.recipient) for m in _messages()]
    assert len(kinds) == len(set(kinds)) + 1  # the only repeat: Mathare's three-day and one-day reminders


def test_the_outbox_command_lists_recipient_kind_language_status_and_attempts(demo):
    _tick(demo)
    result = demo.test_cli_runner().invoke(main, ["outbox", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len(rows) == 6  # and the joint review due in the demo, to the funder's respondent and two staff
    assert {"recipient", "kind", "language", "status", "attempts"} <= rows[0].keys()
    assert {(r["kind"], r["language"], r["status"], r["attempts"]) for r in rows} == {
        ("reminder", "en", "logged", 1),
        ("overdue", "es", "logged", 1),
        ("document_expiring", "pt", "logged", 1),
        ("review_due", "pt", "logged", 1),
        ("review_due", "en", "logged", 1),
    }
    table = demo.test_cli_runner().invoke(main, ["outbox"]).output
    assert "respondent1@partner1.example.org" in table and "reminder" in table
