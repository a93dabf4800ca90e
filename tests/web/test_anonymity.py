"""Anonymous feedback: no figure drawn from fewer than three partners' answers to its question, on any surface."""

import io
import re

import openpyxl
import sqlalchemy as sa
from pypdf import PdfReader

from ddq.core.anonymity import MIN_RESPONDENTS
from ddq.library import current_library
from ddq.store import operations as ops
from ddq.store.models import Answer, Assessment, Organisation

#: Answered by every partner who sent feedback ("Agree": a mean of 3.0).
SHOWN = ("funds_on_time", "Funds from the institute arrive when agreed.")
#: Answered by two partners only ("Strongly disagree" and "Disagree": a mean of 1.5).
FEW = ("time_to_support", "The time from first discussion to support starting was reasonable.")
WITHHELD = f"fewer than {MIN_RESPONDENTS} answers — withheld to protect anonymity"


def _feedback_from(session, partners: int = 4) -> None:
    """Exactly `partners` partners have sent feedback: all answered SHOWN, two answered FEW."""
    host = session.scalar(sa.select(Organisation).where(Organisation.kind == "host"))
    questionnaire = current_library().questionnaire("partner-feedback")
    for rated in session.scalars(sa.select(Assessment).where(Assessment.direction == "partner_rates_host")):
        rated.status = "sent"
        for answer in list(rated.answers):
            session.delete(answer)
    session.flush()
    chosen = session.scalars(
        sa.select(Organisation).where(Organisation.kind == "partner").order_by(Organisation.id).limit(partners)
    ).all()
    assert len(chosen) == partners
    for index, partner in enumerate(chosen):
        rated = session.scalar(
            sa.select(Assessment).where(
                Assessment.direction == "partner_rates_host", Assessment.respondent_id == partner.id
            )
        ) or ops.create_assessment(
            session, questionnaire, subject=host, respondent=partner, partnership=partner.partnerships[0]
        )
        rated.status = "submitted"
        session.add(Answer(assessment=rated, question_id=SHOWN[0], value="agree"))
        if index < 2:
            session.add(Answer(assessment=rated, question_id=FEW[0], value=["strongly_disagree", "disagree"][index]))
    session.commit()


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _after(text: str, question: str, width: int = 160) -> list[str]:
    """What follows each mention of the question (by its first words, as wrapped table cells still show them)."""
    start = question[:24]
    return [text[match.end() : match.end() + width] for match in re.finditer(re.escape(start), text)]


def _pdf_text(data: bytes) -> str:
    return _flat("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages))


def _xlsx_text(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return " ".join(str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row)


def test_a_question_answered_by_two_partners_shows_no_figure_anywhere(browser, data, ids):
    with data() as session:
        _feedback_from(session)
    staff = browser("staff")

    page = _flat(staff.get("/staff/feedback").get_data(as_text=True))
    assert "Agree: 4" in page and SHOWN[1] in page
    assert "Strongly disagree" not in page and "Disagree: 1" not in page
    assert all(WITHHELD in following for following in _after(page, FEW[1])) and _after(page, FEW[1])

    reciprocal = {
        "reciprocal HTML": _flat(staff.get(f"/a/{ids['a_self']}/reciprocal.html").get_data(as_text=True)),
        "reciprocal PDF": _pdf_text(staff.get(f"/a/{ids['a_self']}/reciprocal.pdf").data),
    }
    for surface, text in reciprocal.items():
        shown, few = _after(text, SHOWN[1]), _after(text, FEW[1])
        assert shown and all("3.0" in following for following in shown), surface
        assert few, f"{surface}: the withheld question is not named"
        for following in few:
            assert WITHHELD in following and "1.5" not in following, surface

    portfolio = {
        "portfolio page": staff.get("/staff/portfolio").get_data(as_text=True),
        "portfolio HTML": staff.get("/staff/portfolio.html").get_data(as_text=True),
        "portfolio PDF": _pdf_text(staff.get("/staff/portfolio.pdf").data),
        "portfolio CSV": staff.get("/staff/portfolio.csv").data.decode("utf-8-sig"),
        "portfolio XLSX": _xlsx_text(staff.get("/staff/portfolio.xlsx").data),
    }
    for surface, text in portfolio.items():
        for following in _after(_flat(text), FEW[1]):
            assert WITHHELD in following, surface


def test_feedback_from_two_partners_shows_nothing(browser, data, ids):
    with data() as session:
        _feedback_from(session, partners=2)
    staff = browser("staff")
    page = _flat(staff.get("/staff/feedback").get_data(as_text=True))
    assert "Agree: 2" not in page and "results appear once at least 3 partners have answered" in page
    html = _flat(staff.get(f"/a/{ids['a_self']}/reciprocal.html").get_data(as_text=True))
    assert not _after(html, SHOWN[1]) and not _after(html, FEW[1])
