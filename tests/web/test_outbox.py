"""The outbox: messages written with their event, delivered after the commit; a stopped mail server loses nothing.

A real aiosmtpd server (stopped, then started), and a real Redis with an RQ worker for background delivery.
"""

import datetime as dt
import logging
import os
import socket

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from ddq import jobs
from ddq.config import from_environment
from ddq.mail import deliver_outbox
from ddq.store.models import utcnow
from ddq.store.outbox import OutboxMessage, backoff
from tests.web.test_people import Inbox


class Server:
    """An SMTP server on a port of its own, which a test can stop and start."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.inbox = Inbox()
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def mail_server(web_app):
    server = Server()
    web_app.config.update(DDQ_SMTP_HOST="127.0.0.1", DDQ_SMTP_PORT=server.port, DDQ_BASE_URL="http://ddq.test")
    yield server
    server.stop()


@pytest.fixture
def redis_url():
    """The Redis that `make test` starts; a run without it fails loudly instead of skipping."""
    url = os.environ.get("DDQ_TEST_REDIS_URL")
    if not url:
        pytest.fail("DDQ_TEST_REDIS_URL is not set: run the tests with `make test`, which starts Redis")
    connection = jobs.connection(url)
    connection.flushdb()
    yield url
    connection.flushdb()


def _send_request(browser, ids):
    staff = browser("staff")
    response = staff.post(f"/staff/partnerships/{ids['a_partnership']}/request", data={"tier": "light"})
    assert response.status_code == 302
    return staff, response


def _outbox(data):
    with data() as session:
        return [
            (m.recipient, m.kind, m.status, m.attempts)
            for m in session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id))
        ]


def test_a_stopped_mail_server_loses_nothing_and_nothing_is_sent_twice(browser, ids, data, web_app, mail_server):
    _send_request(browser, ids)  # the server is down
    waiting = _outbox(data)
    assert [(kind, status, attempts) for _to, kind, status, attempts in waiting] == [
        ("invitation", "queued", 1),
        ("invitation", "queued", 1),
    ]
    with data() as session:
        assert all(m.last_error for m in session.scalars(sa.select(OutboxMessage)))
    mail_server.start()
    with web_app.app_context():
        assert deliver_outbox().sent == 0  # not before the backoff
        later = utcnow() + backoff(1) + dt.timedelta(seconds=1)
        assert deliver_outbox(now=later).sent == 2
        assert deliver_outbox(now=later + dt.timedelta(days=1)).sent == 0
    assert [status for _to, _kind, status, _n in _outbox(data)] == ["sent", "sent"]
    assert sorted(m["To"] for m in mail_server.inbox.messages) == [
        "colleague1@partner1.example.org",
        "respondent1@partner1.example.org",
    ]
    message = mail_server.inbox.messages[0]
    assert message.is_multipart()
    parts = {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }
    assert "/invite/" in parts["text/plain"] and '<a href="http://ddq.test/invite/' in parts["text/html"]


def test_messages_are_delivered_right_after_the_request_commits(browser, ids, data, mail_server):
    mail_server.start()
    _send_request(browser, ids)
    assert len(mail_server.inbox.messages) == 2
    assert [status for _to, _kind, status, _n in _outbox(data)] == ["sent", "sent"]


def test_a_request_rolled_back_leaves_no_message(web_app, data, ids):
    from ddq import mail

    with web_app.test_request_context("/"), data() as session:
        mail.queue(
            dedupe_key="test:1", recipient="a@example.org", kind="test", language="en", template="reset",
            person={"name": "A"}, link="http://ddq.test/x", hours=2,
        )
        session.rollback()
    assert _outbox(data) == []


def test_without_a_mail_server_staff_see_the_link_and_the_log_has_every_message(browser, ids, data, caplog):
    staff, response = _send_request(browser, ids)
    page = staff.get(response.headers["Location"]).get_data(as_text=True)
    assert "No mail server is set up: send this link to" in page and "/invite/" in page
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    logged = [text for text in logged if "no SMTP server" in text]
    assert len(logged) == 2 and all("/invite/" in text for text in logged)
    assert [status for _to, _kind, status, _n in _outbox(data)] == ["logged", "logged"]


def test_with_redis_delivery_is_a_job_that_a_worker_runs(browser, ids, data, web_app, mail_server, redis_url):
    from rq import Worker

    mail_server.start()
    web_app.config["DDQ_REDIS_URL"] = redis_url
    _send_request(browser, ids)
    assert mail_server.inbox.messages == []  # written and enqueued, not sent by the web request
    assert [status for _to, _kind, status, _n in _outbox(data)] == ["queued", "queued"]
    with web_app.app_context():
        assert jobs.queue(redis_url).count == 1
    jobs.bind(web_app)
    Worker([jobs.queue(redis_url)], connection=jobs.connection(redis_url)).work(burst=True)
    assert len(mail_server.inbox.messages) == 2
    assert [status for _to, _kind, status, _n in _outbox(data)] == ["sent", "sent"]


def test_without_redis_a_job_runs_at_once(web_app):
    with web_app.app_context():
        assert jobs.enqueue(sorted, [3, 1, 2]) == [1, 2, 3]


def test_the_rate_limiter_uses_the_same_redis(monkeypatch, tmp_path):
    monkeypatch.delenv("DDQ_RATELIMIT_STORAGE", raising=False)
    monkeypatch.setenv("DDQ_REDIS_URL", "redis://127.0.0.1:6390/0")
    assert from_environment(str(tmp_path))["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6390/0"
    monkeypatch.delenv("DDQ_REDIS_URL")
    assert from_environment(str(tmp_path))["RATELIMIT_STORAGE_URI"] == "memory://"


def test_every_message_says_its_language_on_the_whole_and_on_each_part(browser, data, web_app, mail_server):
    """Content-Language was on the text part only: the multipart message as a whole said no language."""
    from ddq import mail
    from ddq.store.models import Assessment, Organisation

    mail_server.start()
    with data() as session:
        funder = session.scalar(
            sa.select(Assessment.id)
            .join(Organisation, Assessment.subject_id == Organisation.id)
            .where(Organisation.name == "Fundação Horizonte", Assessment.direction == "partner_self")
            .order_by(Assessment.id)
            .limit(1)
        )
    published = browser("staff").post(  # the funder reads ddq in Portuguese: "your report is published"
        f"/staff/assessments/{funder}/action-plan",
        data={"priority": ["high"], "action": ["Write down how decisions are taken"], "support": [""],
              "due_on": [""], "domain": ["governance"], "question_id": [""], "publish": "1"},
    )
    assert published.status_code == 302
    with web_app.test_request_context("/"), data() as session:  # a message with a text part only
        mail.queue(
            dedupe_key="test:fr", recipient="lecteur@example.org", kind="test", language="fr", template="reset",
            person={"name": "A"}, link="http://ddq.test/x", hours=2,
        )
        session.commit()
    with web_app.app_context():
        deliver_outbox()
    received = {message["To"]: message for message in mail_server.inbox.messages}
    portuguese = received["respondent4@partner4.example.org"]
    assert portuguese.is_multipart() and portuguese["Content-Language"] == "pt"
    parts = [part for part in portuguese.walk() if not part.is_multipart()]
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    assert [part["Content-Language"] for part in parts] == ["pt", "pt"]
    assert "publicou o relatório" in parts[0].get_payload(decode=True).decode()
    french = received["lecteur@example.org"]
    assert not french.is_multipart() and french.get_all("Content-Language") == ["fr"]
