"""Burden on the web: carried-over answers to confirm, the rating at submission, the loop closed."""

import sqlalchemy as sa

from ddq.store.models import Answer, Assessment, Organisation

FUNDER = "respondent4@partner4.example.org"


def second_cycle(data):
    with data() as session:
        funder = session.scalar(sa.select(Organisation).where(Organisation.name == "Fundação Horizonte"))
        return session.scalars(
            sa.select(Assessment.id)
            .where(Assessment.subject_id == funder.id, Assessment.direction == "partner_self")
            .order_by(Assessment.id)
        ).all()[-1]


def test_carried_over_answers_are_shown_and_confirmed(browser, data):
    assessment_id = second_cycle(data)
    partner = browser(FUNDER)
    partner.post("/language", data={"lang": "en"})
    home = partner.get("/my").get_data(as_text=True)
    assert "answers carried over from your" in home
    page = partner.get(f"/a/{assessment_id}/s/governance").get_data(as_text=True)
    assert "Carried over from your assessment of" in page and 'name="confirm_governing_body"' in page
    partner.post(
        f"/a/{assessment_id}/s/governance",
        data={"present": ["governing_body"], "q_governing_body": "4", "confirm_governing_body": "y"},
    )
    with data() as session:
        answer = session.scalar(
            sa.select(Answer).where(Answer.assessment_id == assessment_id, Answer.question_id == "governing_body")
        )
        assert answer.confirmed_at is not None and answer.reused_from_id is not None


def test_rating_at_submission_and_the_institutes_response(browser, ids, data):
    partner, staff = browser("partner_a"), browser("staff")
    for section, values in {
        "governance": {"q_legal_registration": "yes", "q_org_legal_form": "community", "q_sanctions_screening": "yes"},
        "safeguarding": {"q_safeguarding_policy": "yes"},
        "people": {"q_staff_count": "6"},
    }.items():
        partner.post(f"/a/{ids['a_self']}/s/{section}", data=values)
    partner.post(
        f"/a/{ids['a_self']}/submit",
        data={"burden_rating": "3", "burden_comment": "The finance questions took us two days."},
    )
    with data() as session:
        assessment = session.get(Assessment, ids["a_self"])
        assert (assessment.status, assessment.burden_rating) == ("submitted", 3)
    ledger = staff.get(f"/staff/burden/{ids['a_org']}").get_data(as_text=True)
    assert "The finance questions took us two days." in ledger
    assert "What the institute disclosed in return" in ledger and "Parity" in ledger
    staff.post(
        f"/staff/assessments/{ids['a_self']}/burden-response",
        data={"response": "Light-tier partners now skip the finance manual question."},
    )
    page = partner.get(f"/a/{ids['a_self']}").get_data(as_text=True)
    assert "You said, we did" in page and "skip the finance manual question" in page


def test_burden_overview_and_csv(browser):
    staff = browser("staff")
    page = staff.get("/staff/burden").get_data(as_text=True)
    assert "Fundação Horizonte" in page and "Repeat asks" in page
    csv = staff.get("/staff/burden.csv").get_data(as_text=True)
    assert "partner,requests" in csv.splitlines()[0]
