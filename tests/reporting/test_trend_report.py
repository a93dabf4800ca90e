"""Capacity over time in the partner's report: each domain's change since the previous cycle in the reader's
language, the lighter terms a rise supports and the terms agreed; a published report keeps the figures it was
published with."""

import shutil

import pytest
import sqlalchemy as sa

from ddq import create_app
from ddq.core.facts import fingerprint, report_from_data, report_to_data
from ddq.extensions import db
from ddq.library import current_library
from ddq.reporting.context import capacity_report_context
from ddq.reporting.render import load_template, render_html
from ddq.store import publishing, report_facts
from ddq.store import reviews as store_reviews
from ddq.store.models import Answer, Assessment, Organisation, PublishedReport, User
from tests.conftest import web_config
from tests.reporting.test_published import pdf_text, publish
from tests.web.conftest import PEOPLE, Browser

FUNDER = "Fundação Horizonte"
#: The funder's respondent reads ddq in Portuguese.
FUNDER_USER = "respondent4@partner4.example.org"


def cycles(name: str = FUNDER) -> list[Assessment]:
    """The organisation's self-assessments, first to last (the demo gives the funder two cycles)."""
    return list(
        db.session.scalars(
            sa.select(Assessment)
            .join(Organisation, Assessment.subject_id == Organisation.id)
            .where(Organisation.name == name, Assessment.direction == "partner_self")
            .order_by(Assessment.id)
        )
    )


def report_html(assessment: Assessment, language: str = "en") -> tuple[dict, str]:
    context = capacity_report_context(report_facts.capacity_facts(db.session, assessment), current_library(), language)
    return context, render_html(load_template("capacity"), context, language)


def section(html: str) -> str:
    """The capacity-over-time section: from its heading to the next h2."""
    start = html.index('<h2 id="cycle">')
    return html[start : html.index("<h2>", start + 4)]


def agree(assessment: Assessment, **terms) -> None:
    """Staff decide the partnership's open joint review with the terms given."""
    staff = db.session.scalar(sa.select(User).where(User.email == PEOPLE["staff"]))
    partnership = assessment.partnership
    review = store_reviews.open_review(db.session, partnership.id) or store_reviews.start_review(
        db.session, partnership, partnership.created_at.date(), staff
    )
    store_reviews.decide(
        db.session, review, "adjust_terms", "Capacity grew in two domains.", staff,
        tiers=tuple(current_library().tiers), **terms,
    )
    db.session.flush()


def test_the_second_cycles_report_shows_each_domains_change_and_the_lighter_terms(demo_app):
    first, second = cycles()
    assert report_facts.capacity_facts(db.session, first).cycle is None  # a first cycle has nothing to compare
    assert 'id="cycle"' not in report_html(first)[1]
    context, html = report_html(second)
    changes = {row["id"]: row for row in context["cycle"]["changes"]}
    assert changes["people"]["direction"] == changes["delivery_mel"]["direction"] == "up"  # the demo's rise
    assert changes["governance"]["direction"] == "steady"
    shown = section(html)
    assert "Capacity since the previous cycle" in shown
    people = next(row for row in context["domains"] if row["id"] == "people")
    assert f"+{changes['people']['change']:.2f} rose" in shown and "0.00 steady" in shown
    assert f"{people['title']}</td><td class=\"num\">{changes['people']['before']:.2f}</td>" in shown
    assert "<svg" in shown and "Previous cycle, " in shown and "This cycle, " in shown  # the chart and its legend
    assert "Capacity rose: lighter terms to discuss in the joint review" in shown
    assert "Fewer evidence checks in: People and organisation, Delivery, monitoring, evaluation and learning." in shown
    assert "Terms agreed" not in shown  # none agreed yet

    agree(second, agreed_tier="standard", agreed_cycle_months=36, agreed_terms="One call a year instead of two.")
    shown = section(report_html(second)[1])
    assert "Terms agreed in the joint review of" in shown
    assert "tier Standard. re-assessment every 36 months. One call a year instead of two." in " ".join(shown.split())


def test_a_domain_that_fell_says_so_and_no_lighter_terms_are_suggested(demo_app):
    second = cycles()[-1]
    questionnaire = report_facts.assessment_facts(db.session, second).questionnaire
    for answer in second.answers:
        question = questionnaire.question(answer.question_id)
        if question.domain == "governance" and question.type == "maturity" and answer.value is not None:
            answer.value, answer.not_applicable = 1, False
    db.session.flush()
    context, html = report_html(second, "fr")
    governance = next(row for row in context["cycle"]["changes"] if row["id"] == "governance")
    assert governance["direction"] == "down" and governance["change"] < 0
    shown = section(html)
    assert "en baisse" in shown and "en hausse" in shown  # the words in the reader's language
    assert context["cycle"]["suggestions"] == []
    assert "<ul class=\"suggestions\">" not in shown


def test_the_partner_reads_the_change_in_the_pdf_in_portuguese(demo_database, tmp_path):
    database = tmp_path / "trend.sqlite3"
    shutil.copy(demo_database, database)
    app = create_app(web_config(database, tmp_path))
    with app.app_context():
        second = cycles()[-1].id
    staff, partner = Browser(app), Browser(app)
    assert staff.login(PEOPLE["staff"]).status_code == 302
    publish(staff, second)  # a partner reads its report once published
    assert partner.login(FUNDER_USER).status_code == 302
    response = partner.get(f"/a/{second}/report.pdf")
    assert response.status_code == 200
    text = " ".join(pdf_text(response.data).split())
    assert "A capacidade desde o ciclo anterior" in text
    assert "+0,67 subiu" in text and "0,00 estável" in text
    assert "Ciclo anterior" in text and "Este ciclo" in text  # the chart's legend and the table's columns
    assert "A capacidade aumentou: termos mais leves para discutir na revisão conjunta" in text
    assert "Menos verificações de documentos comprovativos em: Pessoas e organização" in text


@pytest.fixture
def site(demo_database, tmp_path):
    database = tmp_path / "published.sqlite3"
    shutil.copy(demo_database, database)
    return create_app(web_config(database, tmp_path))


def test_a_published_report_keeps_the_previous_cycle_it_was_published_with(site):
    with site.app_context():
        first, second = (assessment.id for assessment in cycles())
    staff = Browser(site)
    assert staff.login(PEOPLE["staff"]).status_code == 302
    publish(staff, second)

    def downloads():
        pages = [staff.get(f"/a/{second}/report.{kind}") for kind in ("html", "pdf")]
        assert all(page.status_code == 200 for page in pages)
        return pages[0].get_data(as_text=True), pdf_text(pages[1].data)

    before = downloads()
    assert "+0.67 rose" in section(before[0]) and "Capacity since the previous cycle" in before[1]
    with site.app_context():
        row = db.session.scalar(sa.select(PublishedReport).where(PublishedReport.assessment_id == second))
        assert row.snapshot["cycle"]["previous"]["id"] == first
        assert row.fingerprint == fingerprint(row.snapshot)
        frozen = report_from_data(row.snapshot, lambda key: publishing.questionnaire_by_hash(db.session, key))
        assert report_to_data(frozen) == row.snapshot
        # the previous cycle changes (its people answers at the top level too), and terms are agreed since
        previous = db.session.get(Assessment, first)
        questionnaire = report_facts.assessment_facts(db.session, previous).questionnaire
        for answer in db.session.scalars(sa.select(Answer).where(Answer.assessment_id == first)):
            if questionnaire.question(answer.question_id).domain == "people" and isinstance(answer.value, int):
                answer.value = 4
        agree(db.session.get(Assessment, second), agreed_cycle_months=36)
        db.session.commit()
        live, _ = report_html(db.session.get(Assessment, second))
        assert next(r for r in live["cycle"]["changes"] if r["id"] == "people")["direction"] != "up"
        assert live["cycle"]["agreed"] is not None
    # ... and the published report shows none of it
    assert downloads() == before
    draft = staff.get(f"/a/{second}/report.html?draft=1").get_data(as_text=True)
    assert "Terms agreed in the joint review of" in draft and draft != before[0]
