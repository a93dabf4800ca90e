"""Every message of the cycle through a real SMTP server, the joint review on the web, and message preferences."""

import re

import pytest
import sqlalchemy as sa

from ddq.store import reviews as store
from ddq.store.models import Assessment, Organisation, Partnership, ReviewComment, User
from ddq.store.outbox import MailPreference, OutboxMessage
from tests.web.test_outbox import Server

FUNDER = "respondent4@partner4.example.org"


@pytest.fixture
def mail_server(web_app):
    server = Server()
    web_app.config.update(DDQ_SMTP_HOST="127.0.0.1", DDQ_SMTP_PORT=server.port, DDQ_BASE_URL="http://ddq.test")
    server.start()
    yield server
    server.stop()


def _parts(message):
    return {
        part.get_content_type(): part.get_payload(decode=True).decode()
        for part in message.walk()
        if not part.is_multipart()
    }


def _received(server, kind_subject):
    return [m for m in server.inbox.messages if kind_subject in m["Subject"]]


def _kinds(data):
    with data() as session:
        return [(m.recipient, m.kind, m.language) for m in session.scalars(sa.select(OutboxMessage))]


def test_section_assigned_reaches_the_colleague_with_a_link_to_the_section(browser, ids, mail_server):
    partner = browser("partner_a")
    response = partner.post(
        f"/a/{ids['a_self']}/assign", data={"section_id": "governance", "user_id": str(ids["a_colleague"])}
    )
    assert response.status_code == 302
    [message] = mail_server.inbox.messages
    assert message["To"] == "colleague1@partner1.example.org"
    parts = _parts(message)
    link = f"http://ddq.test/a/{ids['a_self']}/s/governance"
    assert link in parts["text/plain"] and f'href="{link}"' in parts["text/html"]


def test_submitted_tells_staff_and_changes_requested_lists_exactly_the_answers_to_revisit(
    browser, ids, data, mail_server
):
    staff = browser("staff")
    with data() as session:
        assessment = session.get(Assessment, ids["b_self"])
        answers = {a.question_id: a for a in assessment.answers if a.value is not None}
        revisit, accepted_later, other = sorted(answers)[:3]
        author = session.scalar(sa.select(User).where(User.email == "reviewer@bil.example.org"))
        session.add_all(
            [
                ReviewComment(answer_id=answers[revisit].id, author_id=author.id, action="request_changes",
                              body="Which year & which auditor?"),
                ReviewComment(answer_id=answers[accepted_later].id, author_id=author.id, action="request_changes",
                              body="Old note"),
                ReviewComment(answer_id=answers[accepted_later].id, author_id=author.id, action="accept", body=""),
                ReviewComment(answer_id=answers[other].id, author_id=author.id, action="comment", body="Thanks"),
            ]
        )
        session.commit()
        partner_email = assessment.respondent.users[0].email
        language = assessment.respondent.users[0].language
    staff.post(f"/staff/assessments/{ids['b_self']}/decision", data={"decision": "changes_requested"})
    [message] = [m for m in mail_server.inbox.messages if m["To"] == partner_email]
    assert language == "fr" and ("changes_requested", "fr") in [(k, lang) for _to, k, lang in _kinds(data)]
    parts = _parts(message)
    assert "Which year & which auditor?" in parts["text/plain"]
    assert "Which year &amp; which auditor?" in parts["text/html"]
    assert "Old note" not in parts["text/plain"] and "Thanks" not in parts["text/plain"]
    assert parts["text/plain"].count(f"/a/{ids['b_self']}/s/") == 1 and f"#wrap-{revisit}" in parts["text/plain"]

    # the partner submits again: staff hear of it, with a link to the review page
    partner = browser(partner_email)
    with data() as session:
        session.get(Assessment, ids["b_self"]).status = "changes_requested"
        session.commit()
    partner.post(f"/a/{ids['b_self']}/submit", data={})
    to_staff = [m for m in mail_server.inbox.messages if m["To"].endswith("@bil.example.org")]
    assert to_staff, _kinds(data)
    assert f"http://ddq.test/staff/assessments/{ids['b_self']}" in _parts(to_staff[-1])["text/plain"]


def test_publishing_the_report_and_answering_a_comment_reach_the_partner(browser, ids, data, mail_server):
    staff = browser("staff")
    page = staff.get(f"/staff/assessments/{ids['b_self']}/action-plan").get_data(as_text=True)
    fields = dict(re.findall(r'name="(priority|action|support|due_on|domain|question_id)"[^>]*value="([^"]*)"', page))
    response = staff.post(
        f"/staff/assessments/{ids['b_self']}/action-plan",
        data={"publish": "1", "priority": "high", "action": "Audit", "support": "", "due_on": "",
              "domain": fields.get("domain", ""), "question_id": ""},
    )
    assert response.status_code == 302
    published = [m for m in mail_server.inbox.messages if "/report.html" in _parts(m)["text/plain"]]
    assert published and all(m["To"].endswith("partner2.example.org") for m in published)

    staff.post(f"/staff/assessments/{ids['b_self']}/burden-response", data={"response": "We cut 12 questions"})
    said = [m for m in mail_server.inbox.messages if "We cut 12 questions" in _parts(m)["text/plain"]]
    assert len(said) == 1 and f"http://ddq.test/a/{ids['b_self']}" in _parts(said[0])["text/html"]


def test_accepting_a_new_disclosure_tells_the_partners_whose_reports_show_it(browser, ids, data, mail_server):
    with data() as session:
        published = session.scalar(sa.select(Assessment).where(Assessment.id == ids["b_self"]))
        published.report_published_at = sa.func.now()
        session.commit()
    staff = browser("staff")
    staff.post("/staff/disclosure")
    with data() as session:
        disclosure = session.scalar(
            sa.select(Assessment).where(Assessment.direction == "host_disclosure").order_by(Assessment.id.desc())
        )
        disclosure.status = "submitted"
        session.commit()
        disclosure_id = disclosure.id
    staff.post(f"/staff/assessments/{disclosure_id}/decision", data={"decision": "accepted"})
    told = [m for m in mail_server.inbox.messages if "/institute" in _parts(m)["text/plain"]]
    assert [m["To"] for m in told] == ["respondent2@partner2.example.org"]


def _funder_partnership(data):
    with data() as session:
        funder = session.scalar(sa.select(Organisation).where(Organisation.name == "Fundação Horizonte"))
        return funder.partnerships[0].id


def _answers(value):
    return {f"q_{q}": value for q in ("shared_objectives", "fairness", "communication", "value_for_partner",
                                      "value_for_institute", "burden_proportionate")}


def test_both_sides_answer_see_each_other_item_by_item_and_the_decision(browser, data):
    partnership_id = _funder_partnership(data)
    partner, staff = browser(FUNDER), browser("staff")
    partner.post("/language", data={"lang": "en"})
    url = f"/partnerships/{partnership_id}/review"

    # an incomplete or invalid side saves nothing, and says which question
    response = partner.post(f"{url}/answers", data={"q_fairness": "maybe"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "not one of the choices" in page and "Nothing was saved" in page
    partner.post(f"{url}/answers", data={**_answers("agree"), "q_fairness": "strongly_disagree",
                                          "q_comment": "More say in the budget"})
    page = partner.get(url).get_data(as_text=True)
    assert "Waiting for the other side" in page and "The sides disagree" not in page
    staff.post(f"{url}/answers", data=_answers("agree"))
    page = partner.get(url).get_data(as_text=True)
    assert page.count("The sides disagree") == 1 and "More say in the budget" in page
    assert "Capacity since the previous cycle" in page and "<svg" in page

    staff.post(f"{url}/decision", data={"decision": "adjust_terms", "reasons": "Capacity rose; budget to revisit",
                                         "agreed_tier": "standard", "agreed_cycle_months": "36",
                                         "agreed_terms": "Fewer checks in people"})
    page = partner.get(url).get_data(as_text=True)
    assert "Capacity rose; budget to revisit" in page and "Fewer checks in people" in page
    with data() as session:
        partnership = session.get(Partnership, partnership_id)
        assert (partnership.tier, partnership.review_cycle_months) == ("standard", 36)
        assert store.open_review(session, partnership_id).due_on > store.reviews_of(session, partnership_id)[1].due_on
    home = partner.get("/my").get_data(as_text=True)
    assert "Terms agreed in the joint review" in home and "Fewer checks in people" in home


def test_a_decision_without_reasons_changes_nothing(browser, data):
    partnership_id = _funder_partnership(data)
    staff = browser("staff")
    response = staff.post(f"/partnerships/{partnership_id}/review/decision",
                          data={"decision": "end", "reasons": " ", "agreed_cycle_months": "x"}, follow_redirects=True)
    assert response.status_code == 200 and "whole number" in response.get_data(as_text=True)
    response = staff.post(f"/partnerships/{partnership_id}/review/decision", data={"decision": "end", "reasons": ""},
                          follow_redirects=True)
    assert "reasons" in response.get_data(as_text=True)
    with data() as session:
        assert store.open_review(session, partnership_id) is not None


def test_the_staff_partner_page_shows_the_change_since_the_previous_cycle(browser, data):
    with data() as session:
        funder = session.scalar(sa.select(Organisation).where(Organisation.name == "Fundação Horizonte"))
        funder_id = funder.id
    page = browser("staff").get(f"/staff/partners/{funder_id}").get_data(as_text=True)
    assert "Capacity since the previous cycle" in page and "<svg" in page
    assert "rose" in page and "A longer validity" in page


def test_a_partner_of_another_organisation_cannot_see_or_answer_the_review(browser, data):
    partnership_id = _funder_partnership(data)
    other = browser("partner_a")
    assert other.get(f"/partnerships/{partnership_id}/review").status_code == 403
    assert other.post(f"/partnerships/{partnership_id}/review/answers", data=_answers("agree")).status_code == 403
    with data() as session:
        assert session.scalars(sa.select(store.ReviewAnswer)).all() == []


def test_preferences_choose_a_digest_and_mute_reminders(browser, ids, data):
    partner = browser("partner_a")
    assert partner.post("/account/messages", data={"mode": "weekly"}).status_code == 200
    with data() as session:
        assert session.get(MailPreference, ids["a_user"]) is None
    partner.post("/account/messages", data={"mode": "digest", "mute_reminders": "y"})
    with data() as session:
        preference = session.get(MailPreference, ids["a_user"])
        assert preference.digest and preference.mute_reminders
    page = partner.get("/account/messages").get_data(as_text=True)
    assert 'value="digest" checked' in page and 'name="mute_reminders" value="y" checked' in page


def test_a_digest_person_gets_nothing_at_once_but_invitations_do_arrive(browser, ids, data, mail_server):
    partner = browser("partner_a")
    partner.post("/account/messages", data={"mode": "digest"})
    staff = browser("staff")
    staff.post(f"/staff/partnerships/{ids['a_partnership']}/request", data={"tier": "light"})
    assert "respondent1@partner1.example.org" in [m["To"] for m in mail_server.inbox.messages]  # the invitation
    before = len(mail_server.inbox.messages)
    with data() as session:
        colleague = session.get(User, ids["a_colleague"])
        colleague_email = colleague.email
    browser(colleague_email).post("/account/messages", data={"mode": "digest"})
    partner.post(f"/a/{ids['a_self']}/assign", data={"section_id": "governance", "user_id": str(ids["a_colleague"])})
    assert len(mail_server.inbox.messages) == before
    with data() as session:
        held = session.scalars(sa.select(OutboxMessage).where(OutboxMessage.status == "held")).all()
        assert [(m.recipient, m.kind) for m in held] == [(colleague_email, "section_assigned")]
