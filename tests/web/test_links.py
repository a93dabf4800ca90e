"""Sign-in links survive mail systems that open every link first; the reset page does not tell who has an account.

Mail scanners (Safe Links and the like) fetch each link of a message before the person reads it: a GET or HEAD of
a link shows a page and changes nothing, and only the page's Continue button (a POST with its CSRF token) uses it.
"""

import re

import flask
import sqlalchemy as sa
from markupsafe import escape

from ddq import jobs
from ddq.extensions import db
from ddq.store import operations as ops
from ddq.store.models import Assessment, Invitation, User
from ddq.store.outbox import OutboxMessage
from tests.web.conftest import PEOPLE, Browser
from tests.web.test_outbox import redis_url  # noqa: F401 - the tests' Redis
from tests.web.test_sessions import make_link, signed_in


def _used_at(data, invitation_id: int):
    with data() as session:
        return session.get(Invitation, invitation_id).used_at


def _continue_form(page: str, button: str) -> tuple[str, str]:
    """The opening tag and the content of the form whose button says `button`."""
    for tag, content in re.findall(r"(<form\b[^>]*>)(.*?)</form>", page, re.S):
        if f">{button}</button>" in content:
            return tag, content
    raise AssertionError(f"no form with a {button!r} button")


def test_opening_a_link_any_number_of_times_uses_nothing_until_continue(web_app, data, ids):
    """Before, the first GET (a mail scanner's) signed in and used the link: the person found it used."""
    link, invitation_id = make_link(web_app, data, assessment_id=ids["a_self"])
    scanner = Browser(web_app)
    for _ in range(3):
        assert scanner.get(link).status_code == 200
        assert scanner.client.head(link).status_code == 200
        assert Browser(web_app).get(link).status_code == 200
    assert not signed_in(scanner)
    assert _used_at(data, invitation_id) is None
    person = Browser(web_app)
    landing = person.open_link(link)
    assert landing.status_code == 302 and landing.headers["Location"] == f"/a/{ids['a_self']}"
    assert signed_in(person) and _used_at(data, invitation_id) is not None
    assert scanner.get(link).status_code == 410 and not signed_in(scanner)  # used now, by the person


def test_the_page_says_for_whom_and_what_in_their_language_and_posts_back_with_a_csrf_token(web_app, data, ids):
    link, _ = make_link(web_app, data, who="partner_b", assessment_id=ids["b_self"])
    with data() as session:
        invitee = session.scalar(sa.select(User).where(User.email == PEOPLE["partner_b"]))
        name, organisation, language = invitee.name, invitee.organisation.name, invitee.language
        assessment = session.get(Assessment, ids["b_self"])
        title = ops.questionnaire_of(assessment.questionnaire_version).title.get("fr")
    assert language == "fr"
    response = Browser(web_app).get(link, headers={"Accept-Language": "en"})  # the invitee's language wins
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert '<html lang="fr">' in page and "Votre lien personnel" in page
    assert str(escape(name)) in page and str(escape(organisation)) in page and str(escape(title)) in page
    tag, content = _continue_form(page, "Poursuivre")
    assert 'method="post"' in tag and "action=" not in tag  # posts to the link's own address
    assert re.search(r'<input[^>]*name="csrf_token"[^>]*value="[^"]+"', content)


def test_a_reset_link_says_it_opens_the_password_page(web_app, data):
    from ddq.web.auth import invitation_token

    with data() as session, web_app.test_request_context():
        user = session.scalar(sa.select(User).where(User.email == PEOPLE["partner_a"]))
        invitation = ops.create_invitation(session, user, None, days=1)
        session.commit()
        link = "/invite/" + invitation_token(invitation, reset=True)
    person = Browser(web_app)
    page = person.get(link, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "It opens the page where you choose a new password." in page
    landing = person.open_link(link)
    assert landing.status_code == 302 and landing.headers["Location"] == "/account/password"


def test_continue_without_its_csrf_token_is_refused_and_changes_nothing(web_app, data, ids):
    link, invitation_id = make_link(web_app, data, assessment_id=ids["a_self"])
    person = Browser(web_app)
    person.refresh_token(link)
    for refused in (person.post(link, csrf=False), person.post(link, data={"csrf_token": "forged"}, csrf=False)):
        assert refused.status_code == 400 and "did not come from ddq" in refused.get_data(as_text=True)
    assert not signed_in(person) and _used_at(data, invitation_id) is None
    other = Browser(web_app)  # a token of another browser's page does not do either
    other.refresh_token(link)
    assert person.post(link, data={"csrf_token": other.token}, csrf=False).status_code == 400
    assert _used_at(data, invitation_id) is None
    assert person.post(link).status_code == 302 and signed_in(person)


def test_two_browsers_continuing_the_same_link_one_wins(web_app, data, ids):
    link, invitation_id = make_link(web_app, data, assessment_id=ids["a_self"])
    first, second = Browser(web_app), Browser(web_app)
    first.refresh_token(link)
    second.refresh_token(link)  # both pages are open before either button is pressed
    assert first.post(link).status_code == 302
    late = second.post(link)
    assert late.status_code == 410 and "This link was already used" in late.get_data(as_text=True)
    assert signed_in(first) and not signed_in(second) and _used_at(data, invitation_id) is not None


def _reset(web_app, email: str):
    """A reset request for `email`, not yet closed (its job runs on close); and the SQL the request itself ran."""
    browser = Browser(web_app)
    browser.refresh_token("/account/reset")
    with web_app.app_context():
        engine = db.engine
    statements: list[str] = []
    inside: list[bool] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if inside:
            statements.append(statement)

    def started(sender, **extra):
        inside.append(True)

    def finished(sender, response, **extra):
        inside.clear()

    sa.event.listen(engine, "before_cursor_execute", record)
    flask.request_started.connect(started, web_app)
    flask.request_finished.connect(finished, web_app)
    try:
        response = browser.post("/account/reset", data={"email": email})
        response.get_data()
    finally:
        flask.request_finished.disconnect(finished, web_app)
        flask.request_started.disconnect(started, web_app)
        sa.event.remove(engine, "before_cursor_execute", record)
    return response, statements


def _resets(data) -> list[str]:
    with data() as session:
        return list(session.scalars(sa.select(OutboxMessage.recipient).where(OutboxMessage.kind == "password_reset")))


def _cookie_attributes(response) -> list[str]:
    return sorted(re.sub(r"^([^=]+)=[^;]*", r"\1", value) for value in response.headers.getlist("Set-Cookie"))


def test_the_reset_request_answers_and_works_the_same_for_a_known_and_an_unknown_address(web_app, data):
    """Before, a known address created a link and a message inside the request (more statements, more time)."""
    known, known_statements = _reset(web_app, PEOPLE["partner_a"])
    unknown, unknown_statements = _reset(web_app, "nobody@partner1.example.org")
    assert known_statements == unknown_statements  # the same work, statement for statement (none is a write)
    assert not any(s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for s in known_statements)
    assert (known.status_code, known.get_data()) == (unknown.status_code, unknown.get_data())
    ignored = {"Set-Cookie", "Date", "X-Request-Id"}  # the cookie below; the others differ for any two requests
    assert [h for h in known.headers if h[0] not in ignored] == [h for h in unknown.headers if h[0] not in ignored]
    assert _cookie_attributes(known) == _cookie_attributes(unknown)  # the values carry each address's own notice
    assert _resets(data) == []  # nothing is written before the response has left
    known.close()
    unknown.close()
    assert _resets(data) == [PEOPLE["partner_a"]]
    with data() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(User).where(User.email.like("nobody@%"))) == 0
    notices = []
    for email in (PEOPLE["partner_a"], "nobody@partner1.example.org"):
        browser = Browser(web_app)
        browser.refresh_token("/account/reset")
        page = browser.post(
            "/account/reset", data={"email": email}, follow_redirects=True, headers={"Accept-Language": "en"}
        ).get_data(as_text=True)
        notices.append(re.search(r'<p class="flash[^>]*>(.*?)</p>', page).group(1).replace(email, "ADDRESS"))
    assert notices[0] == notices[1] == "If ADDRESS has an account, a link to choose a new password is on its way."


def test_with_redis_each_reset_request_is_one_job_whatever_the_address(web_app, data, redis_url):  # noqa: F811
    from rq import Worker

    web_app.config["DDQ_REDIS_URL"] = redis_url
    for email in (PEOPLE["partner_a"], "nobody@partner1.example.org"):
        _reset(web_app, email)[0].close()
    with web_app.app_context():
        assert jobs.queue(redis_url).count == 2
    assert _resets(data) == []  # not written by the web process
    jobs.bind(web_app)
    Worker([jobs.queue(redis_url)], connection=jobs.connection(redis_url)).work(burst=True)
    assert _resets(data) == [PEOPLE["partner_a"]]
