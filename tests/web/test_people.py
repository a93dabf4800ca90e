"""People: invitations by e-mail (through a real SMTP server), sign-in limits, languages, requests, disclosure."""

import datetime as dt
import email
import re
import socket

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from ddq.store import answering
from ddq.store import operations as ops
from ddq.store.models import Assessment, Invitation, Organisation, User
from tests.web.conftest import PASSWORD, Browser


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(web_app):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    web_app.config.update(DDQ_SMTP_HOST="127.0.0.1", DDQ_SMTP_PORT=port, DDQ_BASE_URL="http://ddq.test")
    yield inbox
    controller.stop()


def test_staff_create_a_partner_and_send_a_request_by_email(browser, smtp, data, web_app):
    staff = browser("staff")
    response = staff.post(
        "/staff/partners/new",
        data={
            "name": "Cooperativa Vozes do Sertão",
            "country": "BR",
            "staff_size": "4",
            "founded_year": "2024",
            "languages": ["pt", "en"],
            "contact_name": "Ana Souza",
            "contact_email": "Ana@Vozes.example.org",
        },
    )
    assert response.status_code == 302
    response = staff.post(
        response.headers["Location"],
        data={
            "title": "Community monitoring of drought",
            "type": "project",
            "roles": ["research"],
            "amount": "20000",
            "currency": "brl",
            "review_cycle_months": "24",
        },
    )
    request_page = staff.get(response.headers["Location"]).get_data(as_text=True)
    # the suggestion and the burden of every tier are shown before anything is sent
    assert "Suggested tier: light" in request_page and "a small or young organisation" in request_page
    assert "Estimated minutes" in request_page and "within budget" in request_page
    response = staff.post(response.headers["Location"], data={"tier": "light", "due_on": "2027-03-31"})
    assert response.status_code == 302
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == "ana@vozes.example.org"
    text = next(part for part in message.walk() if part.get_content_type() == "text/plain")  # beside an HTML part
    body = text.get_payload(decode=True).decode()
    link = re.search(r"http://ddq\.test(/invite/\S+)", body).group(1)
    assert re.search(r"Tempo estimado: cerca de \d+ minutos", body)  # the estimate, in the partner's language
    # the partner follows the link, lands on the request, and sees why it is asked
    partner = Browser(web_app)
    landing = partner.open_link(link)
    assert landing.status_code == 302 and "/a/" in landing.headers["Location"]
    page = partner.get(landing.headers["Location"]).get_data(as_text=True)
    assert "Porque se pergunta" in page  # the purpose, in the partner's language (Portuguese)
    with data() as session:
        assert session.scalar(sa.select(Invitation.used_at)) is not None


def test_a_partnership_currency_is_an_iso_code_from_a_list_named_in_the_readers_language(browser, ids, data):
    """Money is only ever added up within one currency: a currency that is not one (or a typo) would be a currency
    of its own. The form offers ISO 4217 codes with their names; anything else is refused and nothing saved."""
    from ddq.store.models import Partnership

    staff = browser("staff")
    url = f"/staff/partners/{ids['a_org']}/partnerships/new"
    page = staff.get(url).get_data(as_text=True)
    assert '<option value="KES">KES — Kenyan Shilling</option>' in page
    with data() as session:
        before = session.scalar(sa.select(sa.func.count()).select_from(Partnership))
    fields = {"title": "Typo", "type": "project", "amount": "100", "review_cycle_months": "24"}
    refused = staff.post(url, data={**fields, "currency": "XYZ"})
    assert refused.status_code == 200 and "Not a valid choice" in refused.get_data(as_text=True)
    with data() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Partnership)) == before
    assert staff.post(url, data={**fields, "title": "Shillings", "currency": " kes "}).status_code == 302
    with data() as session:
        assert session.scalar(sa.select(Partnership.currency).where(Partnership.title == "Shillings")) == "KES"


def test_choosing_another_tier_needs_a_reason_and_over_budget_needs_a_justification(browser, ids, data, web_app):
    import dataclasses

    with web_app.app_context():
        from ddq.library import current_library

        library = current_library()
        tiers = dict(library.tiers)
        tiers["enhanced"] = dataclasses.replace(tiers["enhanced"], max_items=30)  # a tight budget for the test
        web_app.extensions["ddq.library"] = dataclasses.replace(library, tiers=tiers)
    staff = browser("staff")
    url = f"/staff/partnerships/{ids['a_partnership']}/request"
    page = staff.post(url, data={"tier": "enhanced"}).get_data(as_text=True)
    assert "Say why you chose another tier" in page
    page = staff.post(url, data={"tier": "enhanced", "tier_reason": "The funder asked for it"}).get_data(as_text=True)
    assert "over its tier&#39;s budget" in page or "over its tier's budget" in page
    response = staff.post(
        url,
        data={
            "tier": "enhanced",
            "tier_reason": "The funder asked for it",
            "budget_justification": "The funder requires its full template this year.",
        },
    )
    assert response.status_code == 302
    with data() as session:
        newest = session.scalar(sa.select(Assessment).order_by(Assessment.id.desc()))
        assert (newest.tier, newest.status) == ("enhanced", "sent")
        assert newest.partnership.tier_reason == "The funder asked for it"
    home = browser("partner_a").get("/my").get_data(as_text=True)
    assert "The funder requires its full template this year." in home


def test_invitation_links_that_are_tampered_expired_or_replaced(browser, web_app, data):
    from ddq.web.auth import invitation_token

    with data() as session, web_app.test_request_context():
        user = session.scalar(sa.select(User).where(User.email == "respondent1@partner1.example.org"))
        first = ops.create_invitation(session, user, None)
        session.commit()
        old_token = invitation_token(first)
        second = ops.create_invitation(session, user, None)
        session.commit()
        token = invitation_token(second)
    anonymous = Browser(web_app)
    assert anonymous.get("/invite/" + token[:-3] + "abc").status_code == 404
    assert anonymous.get("/invite/" + old_token).status_code == 404  # replaced by the newer link
    with data() as session:
        session.get(Invitation, second.id).expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        session.commit()
    assert anonymous.get("/invite/" + token).status_code == 410


def test_sign_in_and_invitations_are_rate_limited(demo_database, tmp_path):
    from ddq import create_app
    from ddq.extensions import limiter
    from tests.web.conftest import web_config

    app = create_app(web_config(demo_database, tmp_path, RATELIMIT_ENABLED=True))
    client = Browser(app)
    client.refresh_token()
    try:
        codes = [
            client.post("/login", data={"email": "x@example.org", "password": "wrong"}).status_code for _ in range(12)
        ]
        assert codes[:10] == [200] * 10 and codes[-1] == 429
        assert "Too Many Requests" in client.post("/login", data={}).get_data(as_text=True)
        tries = [client.get("/invite/guess-" + str(n)).status_code for n in range(32)]
        assert tries[0] == 404 and tries[-1] == 429
    finally:
        with app.app_context():
            limiter.reset()


def test_wrong_password_says_so_without_telling_which_part(browser, web_app):
    client = Browser(web_app)
    client.refresh_token()
    page = client.post("/login", data={"email": "admin@bil.example.org", "password": "nope"}).get_data(as_text=True)
    assert "do not match an account" in page
    unknown = client.post("/login", data={"email": "nobody@x.org", "password": "nope"}).get_data(as_text=True)
    assert "do not match an account" in unknown


def test_login_never_redirects_off_site(web_app):
    client = Browser(web_app)
    client.refresh_token()
    response = client.post(
        "/login?next=https://evil.example/phish", data={"email": "admin@bil.example.org", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_password_can_be_set_after_an_invitation(browser, web_app):
    partner = browser("partner_a")
    response = partner.post(
        "/account/password",
        data={"current": PASSWORD, "password": "a new long password", "confirm": "a new long password"},
    )
    assert response.status_code == 302
    again = Browser(web_app)
    assert again.login("respondent1@partner1.example.org", "a new long password").status_code == 302


def test_interface_and_questions_in_french(browser, ids):
    partner = browser("partner_a")
    partner.post("/language", data={"lang": "fr", "next": f"/a/{ids['a_self']}/s/governance"})
    page = partner.get(f"/a/{ids['a_self']}/s/governance").get_data(as_text=True)
    assert 'lang="fr"' in page
    assert "Votre organisation est-elle légalement enregistrée" in page  # the questionnaire's French
    assert "Enregistrer le brouillon" in page  # the interface's French
    assert "Pourquoi nous demandons" in page


def test_missing_translation_falls_back_to_english(shipped_library):
    """Every shipped text has all four languages (tests/core/test_content.py); an imported template may not."""
    from ddq.core.definitions import Text

    english, french = "How are conflicts of interest managed?", "Comment les conflits sont-ils gérés ?"
    imported = Text.of(en=english, fr=french)
    assert imported.get("es") == english and imported.get("fr") == french


def test_a_partner_reads_the_questions_in_their_language(browser, ids):
    partner = browser("partner_b")
    partner.post("/language", data={"lang": "es"})
    page = partner.get(f"/a/{ids['b_self']}/s/governance").get_data(as_text=True)
    assert "How are conflicts of interest declared and managed?" not in page
    assert "¿" in page  # the Spanish questions of the definition


def test_institute_disclosure_is_filled_by_staff_and_seen_by_partners(browser, data):
    staff = browser("staff")
    response = staff.post("/staff/disclosure")
    disclosure_url = response.headers["Location"]
    disclosure_id = int(disclosure_url.rsplit("/", 1)[1])
    staff.post(
        f"{disclosure_url}/s/governance",
        data={
            "q_legal_registration": "yes",
            "q_governing_body": "4",
            "q_complaints_route": "Write to complaints@institute.",
        },
    )
    with data() as session:
        assessment = session.get(Assessment, disclosure_id)
        questionnaire = ops.questionnaire_of(assessment.questionnaire_version)
        for question in questionnaire.questions:  # fill the rest directly, as a long form would
            if question.required and question.id not in {a.question_id for a in assessment.answers}:
                answering.save_draft_answer(session, assessment, question, "30" if question.type == "number" else "Yes")
        session.commit()
    staff.post(f"{disclosure_url}/submit")
    staff.post(f"/staff/assessments/{disclosure_id}/decision", data={"decision": "accepted"})
    home = browser("partner_a").get("/my").get_data(as_text=True)
    assert f"/a/{disclosure_id}" in home
    page = browser("partner_a").get(f"/a/{disclosure_id}/s/governance").get_data(as_text=True)
    assert "Write to complaints@institute." in page


def test_anonymous_feedback_appears_only_in_aggregate_from_three_partners(browser, data):
    staff = browser("staff")
    page = staff.get("/staff/feedback").get_data(as_text=True)
    with data() as session:
        answered = session.scalar(
            sa.select(sa.func.count(sa.distinct(Assessment.respondent_id))).where(
                Assessment.direction == "partner_rates_host", Assessment.status.in_(["submitted", "accepted"])
            )
        )
    assert answered == 2 and "results appear once at least 3 partners have answered" in page
    with data() as session:
        third = session.scalar(sa.select(Organisation).where(Organisation.name == "Alianza Comunitaria por el Agua"))
        library_q = session.scalar(sa.select(Assessment).where(Assessment.direction == "partner_rates_host"))
        questionnaire = ops.questionnaire_of(library_q.questionnaire_version)
        rating = ops.create_assessment(
            session,
            questionnaire,
            subject=ops.host_organisation(session),
            respondent=third,
            partnership=third.partnerships[0],
        )
        ops.change_status(session, rating, "sent")
        ops.save_answer(session, rating, "recommend", 9)
        ops.save_answer(session, rating, "due_diligence_proportionate", 6)
        ops.save_answer(session, rating, "knows_how_to_raise_concern", "yes")
        ops.change_status(session, rating, "submitted")
        session.commit()
    page = staff.get("/staff/feedback").get_data(as_text=True)
    assert "3 partners have answered" in page and "mean" in page
