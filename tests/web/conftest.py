"""Web fixtures: a demo database built once and copied per test, and signed-in clients."""

from __future__ import annotations

import re
import shutil
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from ddq import create_app
from ddq.extensions import db
from ddq.store.models import Assessment, Organisation, User
from tests.conftest import PASSWORD, web_config

PEOPLE = {
    "admin": "admin@bil.example.org",
    "staff": "reviewer@bil.example.org",
    "partner_a": "respondent1@partner1.example.org",
    "partner_b": "respondent2@partner2.example.org",
}


@pytest.fixture
def web_app(demo_database, tmp_path):
    """The demo app. No app context stays pushed: each request gets its own `g`, as in production."""
    database = tmp_path / "web.sqlite3"
    shutil.copy(demo_database, database)
    app = create_app(web_config(database, tmp_path))
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def data(web_app):
    """`with data() as session:` — a database session outside any request, closed before the next request."""

    @contextmanager
    def session():
        with web_app.app_context():
            yield db.session
            db.session.remove()

    return session


class Browser:
    """A test client that signs in and sends the CSRF token like a real browser does."""

    def __init__(self, app):
        self.client = app.test_client()
        self.token = None

    def login(self, email: str, password: str = PASSWORD):
        self.refresh_token("/login")
        response = self.client.post("/login", data={"email": email, "password": password, "csrf_token": self.token})
        self.refresh_token("/account/password" if response.status_code == 302 else "/login")
        return response

    def refresh_token(self, url: str = "/login") -> None:
        page = self.client.get(url).get_data(as_text=True)
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page
        )
        self.token = found.group(1) if found else self.token

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def open_link(self, link: str):
        """Follow a sign-in link as a person does: its page changes nothing, its Continue button uses the link.

        A link that is refused, or that leads straight on (already signed in as its invitee), answers the GET."""
        page = self.client.get(link)
        if page.status_code != 200:
            return page
        self.refresh_token(link)
        return self.post(link)

    def post(self, url, data=None, csrf=True, **kwargs):
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.token)
        # like a browser, say which questions were on the page: those named in the data
        present = {key.split("_", 1)[1] for key in data if key.split("_", 1)[0] in {"q", "na", "file", "comment"}}
        if present and "present" not in data:
            data["present"] = sorted(present)
        return self.client.post(url, data=data, **kwargs)


@pytest.fixture
def browser(web_app):
    def make(who: str | None = None) -> Browser:
        browser = Browser(web_app)
        if who:
            response = browser.login(PEOPLE.get(who, who))
            assert response.status_code == 302, f"{who} could not sign in"
        return browser

    return make


@pytest.fixture
def ids(web_app) -> dict[str, int]:
    with web_app.app_context():
        return _ids()


def _ids() -> dict[str, int]:
    """Ids of the demo records the tests talk about."""

    def assessment(direction: str, partner: str) -> int:
        return db.session.scalar(
            sa.select(Assessment.id)
            .join(Organisation, Assessment.respondent_id == Organisation.id)
            .where(Assessment.direction == direction, Organisation.name == partner)
        )

    partner_a = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Mathare Youth Voices"))
    partner_b = db.session.scalar(sa.select(Organisation).where(Organisation.name.like("Université%")))
    return {
        "a_self": assessment("partner_self", partner_a.name),
        "a_rating": assessment("partner_rates_host", partner_a.name),
        "b_self": assessment("partner_self", partner_b.name),
        "b_rating": assessment("partner_rates_host", partner_b.name),
        "disclosure": db.session.scalar(sa.select(Assessment.id).where(Assessment.direction == "host_disclosure")),
        "a_org": partner_a.id,
        "b_org": partner_b.id,
        "a_partnership": partner_a.partnerships[0].id,
        "a_user": db.session.scalar(sa.select(User.id).where(User.email == PEOPLE["partner_a"])),
        "a_colleague": db.session.scalar(sa.select(User.id).where(User.email == "colleague1@partner1.example.org")),
    }
