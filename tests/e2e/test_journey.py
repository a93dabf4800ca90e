"""The whole loop in a real browser: invitation, sections with skip logic, save and resume, upload, submit,
a change requested and made, acceptance; the institute's disclosure filled by staff and read by the partner.
Every form page visited is checked with axe-core."""

from __future__ import annotations

import re

import sqlalchemy as sa

from ddq.extensions import db
from ddq.store import operations as ops
from ddq.store.models import Answer, Assessment, Organisation, User
from tests.e2e.conftest import axe_violations
from tests.web.conftest import PASSWORD

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class Visit:
    """A person's browser tab, which checks each page it lands on for accessibility."""

    def __init__(self, chromium, base_url):
        self.context = chromium.new_context(bypass_csp=True, base_url=base_url)
        self.context.set_default_timeout(10_000)
        self.page = self.context.new_page()
        self.checked: dict[str, list] = {}

    def open(self, path: str):
        self.page.goto(path)
        self.audit()

    def audit(self):
        path = re.sub(r"\d+", "N", self.page.url.split("//", 1)[1].split("/", 1)[1])
        if path not in self.checked:
            self.checked[path] = axe_violations(self.page)

    def click(self, selector: str):
        with self.page.expect_navigation():
            self.page.click(selector)
        self.audit()

    def sign_in(self, email: str):
        self.open("/login")
        self.page.fill("#email", email)
        self.page.fill("#password", PASSWORD)
        self.click("form.narrow button[type=submit]")

    def close(self):
        self.context.close()


def _invitation_link(app) -> tuple[str, int]:
    from ddq.web.auth import invitation_token

    with app.app_context(), app.test_request_context():
        partner = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Mathare Youth Voices"))
        assessment = db.session.scalar(
            sa.select(Assessment).where(Assessment.respondent_id == partner.id, Assessment.direction == "partner_self")
        )
        user = db.session.scalar(sa.select(User).where(User.email == "respondent1@partner1.example.org"))
        invitation = ops.create_invitation(db.session, user, assessment)
        db.session.commit()
        return "/invite/" + invitation_token(invitation), assessment.id


def _answer(app, assessment_id, question_id):
    with app.app_context():
        answer = db.session.scalar(
            sa.select(Answer).where(Answer.assessment_id == assessment_id, Answer.question_id == question_id)
        )
        return None if answer is None else (answer.value, answer.evidence_level)


def _status(app, assessment_id):
    with app.app_context():
        return db.session.get(Assessment, assessment_id).status


def test_partner_and_staff_complete_the_loop(live_server, chromium):
    app = live_server
    link, assessment_id = _invitation_link(app)
    base = app.config["DDQ_BASE_URL"]
    partner = Visit(chromium, base)

    # the partner opens its invitation: a page says whose link it is and what it opens, and changes nothing (mail
    # scanners open links too); Continue uses the link and lands on the request: purpose, audience, estimate
    partner.open(link)
    assert "/invite/" in partner.page.url and partner.page.is_visible("text=The link works once")
    partner.click("form.narrow button[type=submit]")
    assert f"/a/{assessment_id}" in partner.page.url
    assert partner.page.is_visible("text=Why it is asked")
    partner.open("/my")
    assert partner.page.is_visible("text=What the institute has disclosed about itself in return")

    # governance: answers, an upload, and a draft saved with a value still wrong
    partner.open(f"/a/{assessment_id}/s/governance")
    partner.page.check("input[name=q_legal_registration][value=yes]")
    partner.page.check("input[name=q_org_legal_form][value=community]")
    partner.page.check("input[name=q_governing_body][value='2']")
    partner.page.check("input[name=q_sanctions_screening][value=yes]")
    partner.page.set_input_files(
        "#file_legal_registration", files=[{"name": "registration.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    partner.click("button[name=next_section]")
    assert "/s/financial_management" in partner.page.url

    # procurement: skip logic in the browser (the count appears only once sub-partners are declared)
    partner.open(f"/a/{assessment_id}/s/procurement_downstream")
    assert partner.page.is_hidden("#wrap-subpartner_count")
    partner.page.check("input[name=q_uses_subpartners][value=yes]")
    assert partner.page.is_visible("#wrap-subpartner_count")
    partner.page.check("input[name=q_uses_subpartners][value=no]")
    assert partner.page.is_hidden("#wrap-subpartner_count")
    partner.page.check("input[name=q_uses_subpartners][value=yes]")
    partner.page.fill("#q_subpartner_count", "three or four")
    partner.click("button[name=save]")
    assert partner.page.is_visible("#error-summary")
    assert partner.page.input_value("#q_subpartner_count") == "three or four"  # kept as typed

    # resume in a fresh browser (another device): the draft is there; fix it
    partner.close()
    partner = Visit(chromium, base)
    partner.sign_in("respondent1@partner1.example.org")
    partner.open(f"/a/{assessment_id}/s/procurement_downstream")
    assert partner.page.input_value("#q_subpartner_count") == "three or four"
    assert partner.page.is_visible("#wrap-subpartner_count")
    partner.page.fill("#q_subpartner_count", "3")
    partner.click("button[name=save]")
    assert _answer(app, assessment_id, "subpartner_count") == (3, 0)

    # the remaining required answers, then submit
    partner.open(f"/a/{assessment_id}/s/safeguarding")
    partner.page.check("input[name=q_safeguarding_policy][value=no]")
    partner.click("button[name=save]")
    partner.open(f"/a/{assessment_id}/s/people")
    partner.page.fill("#q_staff_count", "6")
    partner.click("button[name=save]")
    partner.open(f"/a/{assessment_id}/review")
    partner.click("form[action$='/submit'] button")
    assert _status(app, assessment_id) == "submitted"
    assert _answer(app, assessment_id, "legal_registration") == ("yes", 1)  # document supplied: E1

    # staff ask for a change on one answer and send the assessment back
    staff = Visit(chromium, base)
    staff.sign_in("reviewer@bil.example.org")
    staff.open(f"/staff/assessments/{assessment_id}")
    staff.page.select_option("#action-governing_body", "request_changes")
    staff.page.fill("#body-governing_body", "Has the board met this year?")
    staff.click("#q-governing_body form button")
    staff.click("button[value=changes_requested]")
    assert _status(app, assessment_id) == "changes_requested"

    # the partner sees the request, revises and submits again; staff accept
    partner.open(f"/a/{assessment_id}")
    assert partner.page.is_visible("text=Has the board met this year?")
    partner.open(f"/a/{assessment_id}/s/governance")
    partner.page.check("input[name=q_governing_body][value='3']")
    partner.page.click("#wrap-governing_body summary")  # comments fold away until wanted
    partner.page.fill("#comment_governing_body", "It met twice in 2026.")
    partner.click("button[name=save]")
    partner.open(f"/a/{assessment_id}/review")
    partner.click("form[action$='/submit'] button")
    staff.open(f"/staff/assessments/{assessment_id}")
    staff.click("button[value=accepted]")
    assert _status(app, assessment_id) == "accepted"
    assert _answer(app, assessment_id, "governing_body") == (3, 0)

    # staff fill the institute's disclosure and publish it; the partner reads it
    staff.open("/staff")
    staff.click("form[action$='/staff/disclosure'] button")
    disclosure_id = int(staff.page.url.rstrip("/").rsplit("/", 1)[1])
    staff.open(f"/a/{disclosure_id}/s/governance")
    staff.page.fill("#q_complaints_route", "Write to the complaints officer; we answer within 10 days.")
    staff.click("button[name=save]")
    staff.open(f"/a/{disclosure_id}/s/financial_management")
    staff.page.fill("#q_payment_terms", "14")
    staff.click("button[name=save]")
    staff.open(f"/a/{disclosure_id}/s/financial_stability")
    staff.page.fill("#q_overhead_policy", "Partners keep 15% overheads on their share of every budget.")
    staff.click("button[name=save]")
    staff.open(f"/a/{disclosure_id}/review")
    staff.click("form[action$='/submit'] button")
    staff.click("button[value=accepted]")
    assert _status(app, disclosure_id) == "accepted"
    partner.open("/my")
    partner.click("text=the institute's disclosure")
    partner.open(f"/a/{disclosure_id}/s/governance")
    assert partner.page.is_visible("text=we answer within 10 days")

    # every page visited passed axe-core without serious or critical violations
    pages = {**partner.checked, **staff.checked}
    assert len(pages) >= 10
    assert {path: found for path, found in pages.items() if found} == {}
    partner.close()
    staff.close()


def test_french_partner_sees_french_in_the_browser(live_server, chromium):
    visit = Visit(chromium, live_server.config["DDQ_BASE_URL"])
    visit.sign_in("respondent1@partner1.example.org")
    visit.page.select_option("#lang-select", "fr")
    visit.click(".language button")
    visit.open("/my")
    assert visit.page.is_visible("text=Ce que l'institut demande à Mathare Youth Voices")
    assert visit.page.get_attribute("html", "lang") == "fr"
    assert {path: found for path, found in visit.checked.items() if found} == {}
    visit.close()
