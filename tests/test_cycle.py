"""The partnership cycle in `ddq tick`: joint reviews scheduled and announced, daily digests, muted reminders."""

import datetime as dt

import pytest
import sqlalchemy as sa

from ddq.cli import main
from ddq.demo import load_demo
from ddq.extensions import db
from ddq.store import outbox
from ddq.store import reviews as store
from ddq.store.models import Organisation, Partnership, User
from ddq.store.outbox import OutboxMessage

TODAY = dt.date.today()


@pytest.fixture
def demo(backend_app):
    assert load_demo(db.session) is True
    db.session.commit()
    return backend_app


def _tick(app, *args):
    result = app.test_cli_runner().invoke(main, ["tick", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _messages(kind=None):
    db.session.expire_all()
    query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return db.session.scalars(query).all()


def _user(email):
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_tick_after_the_demo_announces_the_review_due_to_both_sides_once(demo):
    first = _tick(demo)
    assert "review-due notices" in first
    due = _messages("review_due")
    funder = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Fundação Horizonte"))
    staff = db.session.scalars(sa.select(User.email).where(User.role.in_(("admin", "staff")))).all()
    assert sorted(m.recipient for m in due) == sorted([u.email for u in funder.users] + list(staff))
    partner_message = next(m for m in due if m.recipient == funder.users[0].email)
    assert partner_message.language == "pt"
    link = f"/partnerships/{funder.partnerships[0].id}/review"
    assert link in partner_message.text_body and f'href="http://127.0.0.1:5000{link}"' in partner_message.html_body
    _tick(demo)
    assert len(_messages("review_due")) == len(due)


def test_every_running_partnership_gets_its_next_review_a_year_after_it_started(demo):
    _tick(demo)
    partnerships = db.session.scalars(sa.select(Partnership)).all()
    open_reviews = {p.id: store.open_review(db.session, p.id) for p in partnerships}
    assert all(open_reviews.values())
    for partnership in partnerships:
        if partnership.partner.name != "Fundação Horizonte":
            assert open_reviews[partnership.id].due_on == store.add_months(partnership.starts_on, 12)
    assert "0 joint reviews scheduled" in _tick(demo)


def test_a_decision_schedules_the_next_review_and_ending_schedules_none(demo):
    admin = _user("admin@bil.example.org")
    partnership = db.session.scalars(sa.select(Partnership).order_by(Partnership.id)).first()
    review = store.start_review(db.session, partnership, TODAY, admin)
    following = store.decide(db.session, review, "continue", "Going well", admin)
    assert following.is_open and following.due_on == store.add_months(TODAY, 12)
    assert store.decide(db.session, following, "end", "Project finished", admin) is None
    db.session.commit()
    # four partnerships: this one ended, the funder's review is open already (the demo), two get their next one
    assert store.schedule_reviews(db.session, TODAY) == 2
    assert store.open_review(db.session, partnership.id) is None


def test_a_bad_decision_changes_nothing_and_names_the_field(demo):
    admin = _user("admin@bil.example.org")
    partnership = db.session.scalars(sa.select(Partnership).order_by(Partnership.id)).first()
    review = store.start_review(db.session, partnership, TODAY, admin)
    tier = partnership.tier
    for kwargs, field in [
        ({"decision": "pause", "reasons": "x"}, "decision"),
        ({"decision": "continue", "reasons": "  "}, "reasons"),
        ({"decision": "adjust_terms", "reasons": "x", "agreed_tier": "platinum"}, "tier"),
        ({"decision": "adjust_terms", "reasons": "x", "agreed_cycle_months": 0}, "months"),
    ]:
        with pytest.raises(store.ReviewError, match=field):
            store.decide(db.session, review, actor=admin, tiers=("light", "standard", "enhanced"), **kwargs)
    assert review.is_open and review.reasons is None and partnership.tier == tier


def test_adjusted_terms_apply_to_the_partnership(demo):
    admin = _user("admin@bil.example.org")
    partnership = db.session.scalars(sa.select(Partnership).where(Partnership.tier == "enhanced")).first()
    review = store.start_review(db.session, partnership, TODAY, admin)
    store.decide(
        db.session, review, "adjust_terms", "Capacity rose", admin, agreed_tier="standard", agreed_cycle_months=36,
        agreed_terms="Fewer checks in people", tiers=("light", "standard", "enhanced"),
    )
    assert (partnership.tier, partnership.review_cycle_months) == ("standard", 36)
    assert store.latest_agreement(db.session, partnership.id).agreed_terms == "Fewer checks in people"


def test_a_digest_gathers_the_days_messages_once_and_holds_later_ones_for_the_next_day(demo):
    person = _user("respondent1@partner1.example.org")
    outbox.set_preference(db.session, person.id, digest=True, mute_reminders=False)
    db.session.commit()
    output = _tick(demo)
    assert "1 reminders" in output and "1 digests queued" in output
    mine = [m for m in _messages() if m.recipient == person.email]
    assert sorted((m.kind, m.status) for m in mine) == [("digest", "logged"), ("reminder", "digested")]
    digest = next(m for m in mine if m.kind == "digest")
    reminder = next(m for m in mine if m.kind == "reminder")
    assert reminder.subject in digest.text_body and reminder.subject in digest.html_body
    assert "/a/" in digest.text_body and digest.language == person.language
    # a message held after today's digest waits for tomorrow's
    with demo.test_request_context("/"):
        from ddq.mail import queue

        queue(dedupe_key="later", recipient=person.email, kind="submitted", language="en", template="reset",
              person=person, link="http://x", hours=1)
    db.session.commit()
    assert "0 digests queued" in _tick(demo)
    assert "1 digests queued" in _tick(demo, "--today", (TODAY + dt.timedelta(days=1)).isoformat())
    assert [m.status for m in _messages() if m.dedupe_key == "later"] == ["digested"]


def test_muted_reminders_are_not_written_but_invitations_always_are(demo):
    person = _user("respondent1@partner1.example.org")
    outbox.set_preference(db.session, person.id, digest=True, mute_reminders=True)
    db.session.commit()
    assert "0 reminders" in _tick(demo)
    assert [m for m in _messages() if m.recipient == person.email] == []
    with demo.test_request_context("/"):
        from ddq.mail import queue

        assert queue(dedupe_key="invite", recipient=person.email, kind="invitation", language="en",
                     template="reset", person=person, link="http://x", hours=1)
    db.session.commit()
    assert [(m.kind, m.status) for m in _messages() if m.recipient == person.email] == [("invitation", "queued")]
