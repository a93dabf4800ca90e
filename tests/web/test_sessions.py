"""Invitation links open once and only for their invitee; sessions end on sign-out, password change and replacement."""

import re
import shutil

import sqlalchemy as sa

from ddq import create_app
from ddq.extensions import db
from ddq.store import operations as ops
from ddq.store.models import Assessment, Invitation, User
from tests.conftest import PASSWORD, web_config
from tests.web.conftest import PEOPLE, Browser
from tests.web.test_people import smtp  # noqa: F401 - a real SMTP server for the reset e-mail

NEW_PASSWORD = "a brand new long password"


def make_link(web_app, data, who: str = "partner_a", assessment_id: int | None = None) -> tuple[str, int]:
    """A fresh invitation link for one of the demo people, as staff would send it; its path and invitation id."""
    from ddq.web.auth import invitation_token

    with data() as session, web_app.test_request_context():
        user = session.scalar(sa.select(User).where(User.email == PEOPLE[who]))
        assessment = session.get(Assessment, assessment_id) if assessment_id else None
        invitation = ops.create_invitation(session, user, assessment)
        session.commit()
        return "/invite/" + invitation_token(invitation), invitation.id


def signed_in(browser: Browser) -> bool:
    return browser.get("/account/password").status_code == 200


def test_a_link_opens_once(web_app, data, ids):
    link, invitation_id = make_link(web_app, data, assessment_id=ids["a_self"])
    first = Browser(web_app)
    landing = first.open_link(link)
    assert landing.status_code == 302 and landing.headers["Location"] == f"/a/{ids['a_self']}"
    assert signed_in(first)
    again = Browser(web_app)
    refused = again.get(link)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 410 and "This link was already used: sign in, or ask for a new link." in page
    assert not signed_in(again)
    # the invitee, still signed in, may follow it again to find the request: nothing new is opened
    assert first.get(link).status_code == 302 and signed_in(first)
    with data() as session:
        assert session.get(Invitation, invitation_id).used_at is not None


def test_setting_a_password_ends_the_links_not_yet_used(web_app, data, ids):
    opened, _ = make_link(web_app, data, assessment_id=ids["a_self"])
    unused, _ = make_link(web_app, data, assessment_id=ids["a_rating"])
    partner = Browser(web_app)
    partner.open_link(opened)
    partner.refresh_token("/account/password")
    # a session opened by a link sets the password without the old one: the link proved the e-mail address
    response = partner.post("/account/password", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and signed_in(partner)
    assert Browser(web_app).get(unused).status_code == 410
    assert Browser(web_app).login(PEOPLE["partner_a"], NEW_PASSWORD).status_code == 302


def test_replacing_a_link_ends_the_session_it_opened(web_app, data, ids, browser):
    link, _ = make_link(web_app, data, assessment_id=ids["a_self"])
    by_link = Browser(web_app)
    by_link.open_link(link)
    by_password = browser("partner_a")
    assert signed_in(by_link) and signed_in(by_password)
    make_link(web_app, data, assessment_id=ids["a_self"])  # staff send the request again
    response = by_link.get("/my")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert signed_in(by_password)  # a session opened with the password did not come from that link


def test_opening_someone_elses_link_asks_before_switching(web_app, data, ids, browser):
    link, invitation_id = make_link(web_app, data, assessment_id=ids["a_self"])
    other = browser("partner_b")
    other.post("/language", data={"lang": "en"})  # partner B reads French by default
    page = other.get(link)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "This link is for someone else" in text
    assert PEOPLE["partner_b"] in text
    assert f"/a/{ids['b_self']}" in other.get("/my").get_data(as_text=True)  # still partner B
    with data() as session:
        assert session.get(Invitation, invitation_id).used_at is None  # asking did not use the link
    assert other.post(link, csrf=False).status_code == 400  # a cross-site post cannot switch anyone
    assert f"/a/{ids['b_self']}" in other.get("/my").get_data(as_text=True)
    other.refresh_token(link)
    switched = other.post(link)
    assert switched.status_code == 302 and switched.headers["Location"] == f"/a/{ids['a_self']}"
    home = other.get("/my").get_data(as_text=True)
    assert f"/a/{ids['a_self']}" in home and f"/a/{ids['b_self']}" not in home
    with data() as session:
        assert session.get(Invitation, invitation_id).used_at is not None


def test_a_cookie_copied_before_sign_out_is_refused_after(web_app, browser):
    partner = browser("partner_a")
    elsewhere = browser("partner_a")
    copied = partner.client.get_cookie("session").value
    assert partner.post("/logout").status_code == 302
    thief = Browser(web_app)
    thief.client.set_cookie("session", copied)
    response = thief.get("/my")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert not signed_in(elsewhere)  # signing out ends every session of that person
    assert signed_in(browser("partner_a"))  # and signing in again works


def test_changing_the_password_ends_the_other_sessions(web_app, browser, data):
    changer = browser("partner_a")
    other = browser("partner_a")
    colleague = browser("staff")
    changer.refresh_token("/account/password")
    wrong = changer.post(
        "/account/password", data={"current": "not my password", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert wrong.status_code == 200 and "This is not your current password." in wrong.get_data(as_text=True)
    assert signed_in(other)  # nothing changed
    response = changer.post(
        "/account/password", data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    assert signed_in(changer) and not signed_in(other) and signed_in(colleague)
    assert Browser(web_app).login(PEOPLE["partner_a"], PASSWORD).status_code == 200  # the old one is refused
    assert Browser(web_app).login(PEOPLE["partner_a"], NEW_PASSWORD).status_code == 302


def test_a_forgotten_password_is_replaced_through_a_single_use_link(web_app, smtp):  # noqa: F811
    anonymous = Browser(web_app)
    anonymous.refresh_token("/account/reset")
    unknown = anonymous.post("/account/reset", data={"email": "nobody@example.org"}, follow_redirects=True)
    assert "If nobody@example.org has an account" in unknown.get_data(as_text=True) and smtp.messages == []
    anonymous.post("/account/reset", data={"email": PEOPLE["partner_a"].upper()}).close()  # sent once it has left
    assert len(smtp.messages) == 1 and smtp.messages[0]["To"] == PEOPLE["partner_a"]
    body = smtp.messages[0].get_payload(decode=True).decode()
    link = re.search(r"http://ddq\.test(/invite/\S+)", body).group(1)
    landing = anonymous.open_link(link)
    assert landing.status_code == 302 and landing.headers["Location"] == "/account/password"
    anonymous.refresh_token("/account/password")
    response = anonymous.post("/account/password", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert Browser(web_app).get(link).status_code == 410
    assert Browser(web_app).login(PEOPLE["partner_a"], NEW_PASSWORD).status_code == 302


def _cookie_header(app) -> str:
    """The cookies a sign-in over https sets."""
    client = app.test_client()
    https = {"base_url": "https://ddq.example.org", "headers": {"Referer": "https://ddq.example.org/login"}}
    page = client.get("/login", **https).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(
        "/login", data={"email": PEOPLE["partner_a"], "password": PASSWORD, "csrf_token": token}, **https
    )
    assert response.status_code == 302
    return "; ".join(response.headers.getlist("Set-Cookie"))


def test_cookies_are_secure_when_the_base_url_is_https(demo_database, tmp_path, monkeypatch):
    database = tmp_path / "cookies.sqlite3"
    shutil.copy(demo_database, database)
    served = create_app(web_config(database, tmp_path, DDQ_BASE_URL="https://ddq.example.org"))
    header = _cookie_header(served)
    assert "session=" in header and "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    monkeypatch.setenv("DDQ_BASE_URL", "https://ddq.example.org")
    from_environment = create_app(web_config(database, tmp_path))
    assert "Secure" in _cookie_header(from_environment)
    monkeypatch.setenv("DDQ_BASE_URL", "http://127.0.0.1:5000")
    plain = create_app(web_config(database, tmp_path))
    assert "Secure" not in _cookie_header(plain)
    for app in (served, from_environment, plain):
        with app.app_context():
            db.engine.dispose()
