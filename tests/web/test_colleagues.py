"""Colleagues: a partner's respondent invites people, staff add people, and everyone sees who answered what."""

import re

import sqlalchemy as sa

from ddq.store.models import Invitation, User
from ddq.store.outbox import OutboxMessage
from tests.web.conftest import Browser

NEW = {"name": "Wanjiru Kamau", "email": "Wanjiru@Partner1.example.org", "role": "partner_respondent"}


def _user(data, email):
    with data() as session:
        user = session.scalar(sa.select(User).where(User.email == email))
        return None if user is None else (user.name, user.role, user.organisation_id)


def _mail_to(data, email):
    with data() as session:
        return [m.text_body for m in session.scalars(sa.select(OutboxMessage).where(OutboxMessage.recipient == email))]


def test_a_respondent_invites_a_colleague_whose_link_works_once(browser, ids, data, web_app):
    partner = browser("partner_a")
    response = partner.post("/colleagues", data=NEW)
    assert response.status_code == 302
    assert _user(data, "wanjiru@partner1.example.org") == ("Wanjiru Kamau", "partner_respondent", ids["a_org"])
    (body,) = _mail_to(data, "wanjiru@partner1.example.org")
    assert "Wanjiru Kamau" in body
    link = re.search(r"https?://[^/\s]+(/invite/\S+)", body).group(1)
    colleague = Browser(web_app)
    landing = colleague.open_link(link)
    assert landing.status_code == 302 and landing.headers["Location"].endswith(f"/a/{ids['a_self']}")
    assert "Wanjiru Kamau" in partner.get("/colleagues").get_data(as_text=True)
    again = Browser(web_app).get(link)  # single use
    assert again.status_code != 302 or "/a/" not in again.headers.get("Location", "")
    with data() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Invitation).where(Invitation.used_at.is_not(None)))


def test_a_refused_invitation_says_why_and_changes_nothing(browser, ids, data):
    partner = browser("partner_a")
    with data() as session:
        people = session.scalar(sa.select(sa.func.count()).select_from(User))
    taken = partner.post("/colleagues", data={**NEW, "email": "colleague1@partner1.example.org"})
    assert taken.status_code == 200 and "is already registered" in taken.get_data(as_text=True)
    bad = partner.post("/colleagues", data={**NEW, "email": "not an address"})
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.get_data(as_text=True)
    nameless = partner.post("/colleagues", data={**NEW, "name": ""})
    assert nameless.status_code == 200
    role = partner.post("/colleagues", data={**NEW, "role": "admin"})
    assert role.status_code == 200
    with data() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(User)) == people
    assert _mail_to(data, "wanjiru@partner1.example.org") == []


def test_a_viewer_sees_colleagues_but_cannot_invite(browser, data):
    viewer = browser("viewer1@partner1.example.org")
    page = viewer.get("/colleagues").get_data(as_text=True)
    assert "Respondent" in page or "respondent1@partner1.example.org" in page
    assert "Send the invitation" not in page
    assert viewer.post("/colleagues", data=NEW).status_code == 403
    assert _user(data, "wanjiru@partner1.example.org") is None


def test_staff_add_people_to_a_partner_but_not_to_the_institute(browser, ids, data):
    staff = browser("staff")
    assert f"/staff/partners/{ids['a_org']}/people" in staff.get(f"/staff/partners/{ids['a_org']}").get_data(
        as_text=True
    )
    response = staff.post(f"/staff/partners/{ids['a_org']}/people", data={**NEW, "role": "partner_viewer"})
    assert response.status_code == 302
    assert _user(data, "wanjiru@partner1.example.org") == ("Wanjiru Kamau", "partner_viewer", ids["a_org"])
    assert len(_mail_to(data, "wanjiru@partner1.example.org")) == 1
    with data() as session:
        host = session.scalar(sa.select(User.organisation_id).where(User.role == "staff"))
    assert staff.get(f"/staff/partners/{host}/people").status_code == 404


def test_the_overview_says_who_answered_each_section(browser, ids, data):
    colleague = browser("colleague1@partner1.example.org")
    assert colleague.post(f"/a/{ids['a_self']}/s/people", data={"q_key_roles": "3"}).status_code == 302
    with data() as session:
        name = session.scalar(sa.select(User.name).where(User.email == "colleague1@partner1.example.org"))
    page = browser("partner_a").get(f"/a/{ids['a_self']}").get_data(as_text=True)
    row = re.search(r'/s/people">.*?</tr>', page, re.S).group(0)
    answered_by = re.findall(r"<td>([^<]*)</td>", row)
    assert any(name in cell for cell in answered_by), row
