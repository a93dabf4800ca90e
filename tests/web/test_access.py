"""Who may reach what: every route of the app × every kind of person, generated from the URL map."""

import pytest

from ddq.store import answering
from ddq.store import operations as ops
from ddq.store.models import Assessment

ROLES = ("anonymous", "partner_a", "partner_b", "staff", "admin")
OK, LOGIN, FORBIDDEN, NOT_FOUND = "ok", "login", 403, 404
EVERYONE_OK = dict.fromkeys(ROLES, OK)
STAFF_ONLY = {"anonymous": LOGIN, "partner_a": FORBIDDEN, "partner_b": FORBIDDEN, "staff": OK, "admin": OK}
SIGNED_IN = {"anonymous": LOGIN, "partner_a": OK, "partner_b": OK, "staff": OK, "admin": OK}
PARTNER_A_ONLY = {"anonymous": LOGIN, "partner_a": OK, "partner_b": FORBIDDEN, "staff": FORBIDDEN, "admin": FORBIDDEN}
PARTNER_A_AND_STAFF = {"anonymous": LOGIN, "partner_a": OK, "partner_b": FORBIDDEN, "staff": OK, "admin": OK}
PARTNERS_ONLY = {"anonymous": LOGIN, "partner_a": OK, "partner_b": OK, "staff": FORBIDDEN, "admin": FORBIDDEN}

#: endpoint -> (method, url template, form data, expected outcome per role). Every route needs a rule.
RULES = {
    "static": ("GET", "/static/ddq.css", {}, EVERYONE_OK),
    "main.index": ("GET", "/", {}, {**SIGNED_IN}),
    "health.healthz": ("GET", "/healthz", {}, EVERYONE_OK),
    "health.readyz": ("GET", "/readyz", {}, EVERYONE_OK),
    "i18n.choose_language": ("POST", "/language", {"lang": "fr"}, EVERYONE_OK),
    "auth.login": ("GET", "/login", {}, EVERYONE_OK),
    "auth.logout": ("POST", "/logout", {}, dict.fromkeys(ROLES, LOGIN)),
    "auth.invitation": ("GET", "/invite/not-a-token", {}, dict.fromkeys(ROLES, NOT_FOUND)),
    "auth.set_password": ("GET", "/account/password", {}, SIGNED_IN),
    "auth.reset_password": ("GET", "/account/reset", {}, EVERYONE_OK),
    "respond.home": ("GET", "/my", {}, PARTNERS_ONLY),
    "respond.institute": ("GET", "/institute", {}, SIGNED_IN),
    "respond.assessment": ("GET", "/a/{a_self}", {}, PARTNER_A_AND_STAFF),
    "respond.section": ("GET", "/a/{a_self}/s/governance", {}, PARTNER_A_AND_STAFF),
    "respond.submit": ("POST", "/a/{a_self}/submit", {}, PARTNER_A_ONLY),
    "respond.review": ("GET", "/a/{a_self}/review", {}, PARTNER_A_AND_STAFF),
    "respond.autosave": ("POST", "/a/{a_self}/s/governance/autosave", {}, PARTNER_A_ONLY),
    "look.stylesheet": ("GET", "/look.css", {}, EVERYONE_OK),
    "look.logo": ("GET", "/logo", {}, dict.fromkeys(ROLES, NOT_FOUND)),
    "respond.assign": ("POST", "/a/{a_self}/assign", {"section_id": "governance", "user_id": ""}, PARTNER_A_ONLY),
    "respond.evidence": ("GET", "/evidence/{a_file}", {}, PARTNER_A_AND_STAFF),
    "staff.dashboard": ("GET", "/staff", {}, STAFF_ONLY),
    "staff.new_partner": ("GET", "/staff/partners/new", {}, STAFF_ONLY),
    "staff.partner": ("GET", "/staff/partners/{a_org}", {}, STAFF_ONLY),
    "staff.new_partnership": ("GET", "/staff/partners/{a_org}/partnerships/new", {}, STAFF_ONLY),
    "staff.new_request": ("GET", "/staff/partnerships/{a_partnership}/request", {}, STAFF_ONLY),
    "staff.review": ("GET", "/staff/assessments/{b_self}", {}, STAFF_ONLY),
    "staff.review_answer": (
        "POST",
        "/staff/assessments/{b_self}/answers/governing_body",
        {"action": "comment", "body": "Thanks", "evidence_level": "1"},
        STAFF_ONLY,
    ),
    "staff.decide": ("POST", "/staff/assessments/{b_self}/decision", {"decision": "changes_requested"}, STAFF_ONLY),
    "staff.invite": ("POST", "/staff/assessments/{a_self}/invite", {}, STAFF_ONLY),
    "staff.start_disclosure": ("POST", "/staff/disclosure", {}, STAFF_ONLY),
    "staff.feedback": ("GET", "/staff/feedback", {}, STAFF_ONLY),
    "reports.download": ("GET", "/a/{b_self}/report.html", {}, STAFF_ONLY),  # not published yet: staff only
    "reports.action_plan": ("GET", "/staff/assessments/{b_self}/action-plan", {}, STAFF_ONLY),
    "reports.reciprocal": ("GET", "/a/{b_self}/reciprocal.html", {}, STAFF_ONLY),  # not published yet
    "reports.portfolio": ("GET", "/staff/portfolio", {}, STAFF_ONLY),
    "reports.portfolio_download": ("GET", "/staff/portfolio.csv", {}, STAFF_ONLY),
    "reports.font": ("GET", "/reports/fonts/DejaVuSans.ttf", {}, EVERYONE_OK),
    "imports.upload": ("GET", "/staff/imports", {}, STAFF_ONLY),
    "imports.confirm": ("POST", "/staff/imports/0123abcd/confirm", {}, {**STAFF_ONLY, "staff": 404, "admin": 404}),
    "imports.send": ("GET", "/staff/imports/send/partner-capacity", {}, STAFF_ONLY),
    "imports.download": ("GET", "/a/{a_self}/spreadsheet.xlsx", {}, PARTNER_A_AND_STAFF),
    "imports.upload_offline": ("POST", "/a/{a_self}/spreadsheet", {}, PARTNER_A_ONLY),
    "burden.overview": ("GET", "/staff/burden", {}, STAFF_ONLY),
    "burden.overview_csv": ("GET", "/staff/burden.csv", {}, STAFF_ONLY),
    "burden.partner": ("GET", "/staff/burden/{a_org}", {}, STAFF_ONLY),
    "burden.respond_to_comment": (
        "POST",
        "/staff/assessments/{b_self}/burden-response",
        {"response": "Done"},
        STAFF_ONLY,
    ),
    "reviews.review": ("GET", "/partnerships/{a_partnership}/review", {}, PARTNER_A_AND_STAFF),
    "reviews.start": ("POST", "/partnerships/{a_partnership}/review/start", {}, STAFF_ONLY),
    "reviews.answer": ("POST", "/partnerships/{a_partnership}/review/answers", {}, PARTNER_A_AND_STAFF),
    "reviews.decide": ("POST", "/partnerships/{a_partnership}/review/decision", {}, STAFF_ONLY),
    "messages.preferences": ("GET", "/account/messages", {}, SIGNED_IN),
    "review_desk.queue": ("GET", "/staff/queue", {}, STAFF_ONLY),
    "review_desk.accept": ("POST", "/staff/assessments/{b_self}/accept", {"scope": "untouched"}, STAFF_ONLY),
    "colleagues.team": ("GET", "/colleagues", {}, PARTNERS_ONLY),
    "colleagues.staff_people": ("GET", "/staff/partners/{a_org}/people", {}, STAFF_ONLY),
}


def test_every_route_has_a_rule(web_app):
    endpoints = {rule.endpoint for rule in web_app.url_map.iter_rules()}
    assert endpoints - set(RULES) == set(), "a route without an access rule: add it to RULES"
    assert set(RULES) - endpoints == set(), "a rule for a route that no longer exists"


def _outcome(response):
    if response.status_code in (301, 302, 303) and "/login" in response.headers.get("Location", ""):
        return LOGIN
    if response.status_code < 400:
        return OK
    return response.status_code


@pytest.fixture
def evidence_of_a(data, ids, tmp_path):
    with data() as session:
        assessment = session.get(Assessment, ids["a_self"])
        question = ops.questionnaire_of(assessment.questionnaire_version).question("legal_registration")
        answering.save_draft_answer(session, assessment, question, "yes")
        answer = next(a for a in assessment.answers if a.question_id == "legal_registration")
        uploads = tmp_path / "uploads"
        uploads.mkdir(exist_ok=True)
        (uploads / "f").write_bytes(b"%PDF-1.4 test")
        evidence = ops.add_evidence_file(
            session,
            answer,
            original_name="registration.pdf",
            stored_name="f",
            content_type="application/pdf",
            size_bytes=13,
            sha256="0" * 64,
            actor=assessment.respondent.users[0],
        )
        session.commit()
        return evidence.id


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", sorted(RULES))
def test_access_matrix(browser, ids, evidence_of_a, endpoint, role):
    method, template, data, expected = RULES[endpoint]
    url = template.format(**ids, a_file=evidence_of_a)
    client = browser(None if role == "anonymous" else role)
    if role == "anonymous":
        client.refresh_token("/login")
    with client.get(url) if method == "GET" else client.post(url, data=data) as response:
        assert _outcome(response) == expected[role], f"{role} {method} {url}: {response.status_code}"


# --- boundaries the matrix does not show ------------------------------------------------------------


def test_partner_never_sees_another_partners_answers(browser, ids):
    b = browser("partner_b")
    for url in (f"/a/{ids['a_self']}", f"/a/{ids['a_self']}/s/governance", f"/a/{ids['a_rating']}"):
        assert b.get(url).status_code == 403
    page = b.get("/my").get_data(as_text=True)
    assert "Mathare" not in page


def test_anonymous_ratings_are_not_shown_one_by_one_even_to_staff(browser, ids):
    staff = browser("staff")
    assert staff.get(f"/a/{ids['b_rating']}").status_code == 403
    assert staff.get(f"/staff/assessments/{ids['b_rating']}").status_code == 403
    assert browser("partner_b").get(f"/a/{ids['b_rating']}").status_code == 200


def test_published_disclosure_is_open_to_partners_but_a_draft_is_not(browser, ids, data):
    partner = browser("partner_a")
    assert partner.get(f"/a/{ids['disclosure']}").status_code == 200
    with data() as session:
        session.get(Assessment, ids["disclosure"]).status = "submitted"
        session.commit()
    assert partner.get(f"/a/{ids['disclosure']}").status_code == 403


def test_viewer_reads_but_cannot_answer(browser, ids):
    viewer = browser("viewer1@partner1.example.org")
    assert viewer.get(f"/a/{ids['a_self']}/s/governance").status_code == 200
    assert "Save draft" not in viewer.get(f"/a/{ids['a_self']}/s/governance").get_data(as_text=True)
    assert viewer.post(f"/a/{ids['a_self']}/s/governance", data={"q_governing_body": "4"}).status_code == 403


def test_unknown_records_are_404_not_500(browser):
    staff = browser("staff")
    assert staff.get("/a/99999").status_code == 404
    assert staff.get("/staff/assessments/99999").status_code == 404
    assert staff.get("/evidence/99999").status_code == 404
    assert staff.get("/staff/partnerships/99999/request").status_code == 404
