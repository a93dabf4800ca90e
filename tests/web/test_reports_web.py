"""Reports on the web: who may download them, and the action plan staff edit before publishing."""

import io

from pypdf import PdfReader

from ddq.store.models import ActionItem, Assessment


def test_partner_gets_its_report_only_once_published(browser, ids, data):
    partner, other, staff = browser("partner_b"), browser("partner_a"), browser("staff")
    assert partner.get(f"/a/{ids['b_self']}/report.html").status_code == 403
    page = staff.get(f"/staff/assessments/{ids['b_self']}/action-plan").get_data(as_text=True)
    assert 'name="action"' in page
    response = staff.post(
        f"/staff/assessments/{ids['b_self']}/action-plan",
        data={
            "priority": ["high", "medium"],
            "action": ["Write a safeguarding policy with our template", ""],
            "support": ["Two coaching calls in January", ""],
            "due_on": ["2027-02-28", ""],
            "domain": ["safeguarding", ""],
            "question_id": ["safeguarding_policy", ""],
            "publish": "1",
        },
    )
    assert response.status_code == 302
    with data() as session:
        assert session.get(Assessment, ids["b_self"]).report_published_at is not None
        items = session.query(ActionItem).filter_by(assessment_id=ids["b_self"]).all()
        assert [(item.priority, item.action) for item in items] == [
            ("high", "Write a safeguarding policy with our template")
        ]
    html = partner.get(f"/a/{ids['b_self']}/report.html")
    assert html.status_code == 200
    text = html.get_data(as_text=True)
    assert "Write a safeguarding policy with our template" in text and "Two coaching calls in January" in text
    assert other.get(f"/a/{ids['b_self']}/report.html").status_code == 403
    with partner.get(f"/a/{ids['b_self']}/report.pdf") as pdf:
        assert pdf.headers["Content-Type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(pdf.data))
        content = "\n".join(page.extract_text() for page in reader.pages)
    assert "Université de Ouagadougou" in content and "Gouvernance" in content  # the reader's language
    request_page = partner.get(f"/a/{ids['b_self']}").get_data(as_text=True)
    for link in ("report.html", "report.pdf", "reciprocal.html", "reciprocal.pdf"):  # both sides, as PDF too
        assert f"/a/{ids['b_self']}/{link}" in request_page
    assert partner.get(f"/a/{ids['b_self']}/reciprocal.pdf").headers["Content-Type"] == "application/pdf"


def test_action_plan_refuses_a_bad_date_and_saves_nothing(browser, ids, data):
    staff = browser("staff")
    response = staff.post(
        f"/staff/assessments/{ids['b_self']}/action-plan",
        data={
            "priority": ["high"],
            "action": ["Something"],
            "support": [""],
            "due_on": ["next spring"],
            "domain": [""],
            "question_id": [""],
        },
    )
    assert response.status_code == 200 and "YYYY-MM-DD" in response.get_data(as_text=True)
    with data() as session:
        assert session.query(ActionItem).count() == 0


def test_institute_disclosure_report_is_open_to_every_partner(browser, ids):
    assert browser("partner_a").get(f"/a/{ids['disclosure']}/report.html").status_code == 200


def test_anonymous_ratings_have_no_individual_report(browser, ids):
    assert browser("staff").get(f"/a/{ids['b_rating']}/report.html").status_code == 403


def test_portfolio_lists_every_partner_with_profile_burden_and_parity(browser):
    page = browser("staff").get("/staff/portfolio").get_data(as_text=True)
    for name in ("Mathare Youth Voices", "Alianza Comunitaria por el Agua", "Fundação Horizonte"):
        assert name in page
    assert "Parity" in page and "Estimated minutes" in page and "Governance" in page


def test_portfolio_exports_are_safe_to_open_in_a_spreadsheet(browser, data):
    import openpyxl
    import sqlalchemy as sa

    from ddq.store.models import Organisation

    with data() as session:
        session.scalar(
            sa.select(Organisation).where(Organisation.name == "Mathare Youth Voices")
        ).name = '=HYPERLINK("http://evil.example","click")'
        session.commit()
    staff = browser("staff")
    csv = staff.get("/staff/portfolio.csv").get_data(as_text=True)
    assert "'=HYPERLINK(" in csv and "\n=HYPERLINK" not in csv and ",=HYPERLINK" not in csv
    with staff.get("/staff/portfolio.xlsx") as response:
        workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    cells = [cell for row in workbook.active.iter_rows() for cell in row]
    hostile = [cell for cell in cells if cell.value == '=HYPERLINK("http://evil.example","click")']
    assert hostile and all(cell.data_type == "s" and cell.quotePrefix for cell in hostile)  # kept exactly, as text
    assert not any(cell.data_type == "f" for cell in cells)


def test_portfolio_pdf(browser):
    with browser("staff").get("/staff/portfolio.pdf") as response:
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "Portfolio summary" in text and "Fundação Horizonte" in text.replace("\n", " ")


def test_reciprocal_report_shows_both_sides(browser, ids):
    staff = browser("staff")
    page = staff.get(f"/a/{ids['b_self']}/reciprocal.html").get_data(as_text=True)
    assert "Université de Ouagadougou" in page and "BIL (the institute)" in page
    assert "Parity" in page and "results appear once at least 3 partners have answered" in page
