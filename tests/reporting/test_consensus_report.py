"""Where several colleagues answered, the capacity report, the staff review page and `ddq scorecard --json` show
how far apart their ratings are (methodology §2); where one person answered, nothing is shown."""

import dataclasses
import json
import re

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from ddq.cli import main
from ddq.core.consensus import Rating
from ddq.extensions import db
from ddq.library import current_library
from ddq.reporting.context import capacity_report_context, scorecard_of
from ddq.reporting.render import load_template, render_html
from ddq.store import operations as ops
from ddq.store import publishing
from ddq.store.models import Answer, AnswerRating, Assessment, Organisation, User
from ddq.store.report_facts import capacity_facts, disclosure_facts
from tests.conftest import PASSWORD
from tests.web.conftest import Browser

UNIVERSITY = "Université de Ouagadougou – Laboratoire d'études urbaines"
HEADING = "Where colleagues' ratings differ"


def self_assessment(name):
    return db.session.scalar(
        sa.select(Assessment)
        .join(Organisation, Assessment.subject_id == Organisation.id)
        .where(Organisation.name == name, Assessment.direction == "partner_self")
        .order_by(Assessment.id)
        .limit(1)
    )


def context_of(assessment, published=None):
    facts = published.capacity if published is not None else capacity_facts(db.session, assessment)
    return capacity_report_context(facts, current_library(), "en")


def html_of(context):
    return render_html(load_template("capacity"), context, "en")


def section(html):
    start = html.index(f'<h2 id="consensus">{HEADING}</h2>')
    return html[start : html.index("<h2>", start + 4)]


def stored_spread(assessment):
    """Each item's scores straight from the table, by question: what the report must agree with."""
    scores = {}
    for question_id, value in db.session.execute(
        sa.select(Answer.question_id, AnswerRating.value)
        .join(Answer, AnswerRating.answer_id == Answer.id)
        .where(Answer.assessment_id == assessment.id)
    ):
        scores.setdefault(question_id, []).append(value)  # the demo's rated items are maturity levels 1-4
    return {question_id: max(values) - min(values) for question_id, values in scores.items() if len(values) > 1}


@pytest.fixture
def university(demo_app):
    return self_assessment(UNIVERSITY)


def test_the_report_lists_the_areas_of_least_consensus_with_names(university):
    spread = stored_spread(university)
    assert len(spread) == 6  # the demo's colleague rated six items again
    context = context_of(university)
    shown = {item["id"]: item["range"] for item in context["consensus"]["items"]}
    assert shown == spread
    least = [item["id"] for item in context["consensus"]["least"]]
    assert sorted(least) == sorted(q for q, apart in spread.items() if apart >= 2) and len(least) == 4
    html = section(html_of(context))
    assert "Areas of least consensus" in html and "Awa Sawadogo" in html and f"Respondent at {UNIVERSITY}" not in html
    rows = re.findall(r"<tr><td>(.*?)</td>", html.split('class="least-consensus"')[1])
    questionnaire = ops.questionnaire_of(university.questionnaire_version)
    assert rows == [questionnaire.question(q).text.get("en") for q in least]
    # the domain table: governance holds the four, financial management the two one level apart
    domains = {
        d["id"]: (d["items"], d["raters"], d["largest_range"], d["least_consensus"])
        for d in context["consensus"]["domains"]
    }
    assert domains == {"governance": (4, 2, 2.0, 4), "financial_management": (2, 2, 1.0, 0)}


def test_no_section_where_one_person_answered(demo_app):
    funder = self_assessment("Fundação Horizonte")
    assert stored_spread(funder) == {}
    context = context_of(funder)
    assert context["consensus"] is None
    assert "ratings differ" not in html_of(context) and "least consensus" not in html_of(context)


def test_the_section_goes_when_the_colleagues_agree_again(university):
    respondent = db.session.scalar(sa.select(User).where(User.email == "respondent2@partner2.example.org"))
    university.status = "in_progress"  # back to the partner, who agrees with the colleague's answers
    for answer in list(university.answers):
        if answer.question_id in stored_spread(university):
            ops.save_answer(db.session, university, answer.question_id, answer.value, actor=respondent)
    db.session.commit()
    context = context_of(university)
    assert {item["range"] for item in context["consensus"]["items"]} == {0.0}
    assert context["consensus"]["least"] == []
    assert "No item's ratings are 2 or more levels apart." in section(html_of(context))


def test_a_published_report_keeps_the_ratings_it_was_published_with(university):
    staff = db.session.scalar(sa.select(User).where(User.email == "reviewer@bil.example.org"))
    publishing.publish(db.session, university, staff, current_library())
    db.session.commit()
    before = html_of(context_of(university, publishing.published_facts(db.session, university)))
    db.session.execute(sa.delete(AnswerRating))
    db.session.commit()
    assert context_of(university)["consensus"] is None  # today's figures: nobody's rating left
    after = html_of(context_of(university, publishing.published_facts(db.session, university)))
    assert after == before and "Awa Sawadogo" in after


def test_the_institutes_disclosure_shows_the_spread_without_names(demo_app):
    """Every partner reads the institute's disclosure: its people's names stay out of it."""
    facts = disclosure_facts(db.session)
    card = scorecard_of(facts, current_library())
    question_id = next(item.question_id for item in card.items if item.status == "scored")
    ratings = (Rating(question_id, 1, "Ada Admin", 1), Rating(question_id, 2, "Rui Reviewer", 4))
    report = dataclasses.replace(
        capacity_facts(db.session, self_assessment(UNIVERSITY)),
        assessment=dataclasses.replace(facts, ratings=ratings),
        disclosure=None,
    )
    context = capacity_report_context(report, current_library(), "en")
    assert [item["id"] for item in context["consensus"]["least"]] == [question_id]
    html = section(html_of(context))
    assert "Ada Admin" not in html and "Rui Reviewer" not in html and "<td>1; 4</td>" in html


def test_the_staff_review_page_shows_each_persons_rating(university, demo_app):
    staff = db.session.scalar(sa.select(User).where(User.email == "reviewer@bil.example.org"))
    staff.password_hash = generate_password_hash(PASSWORD)
    db.session.commit()
    browser = Browser(demo_app)
    assert browser.login(staff.email, PASSWORD).status_code == 302
    page = browser.get(f"/staff/assessments/{university.id}").get_data(as_text=True)
    spread = re.findall(r'<p class="spread( flag)?">(.*?)</p>', page)
    assert len(spread) == 6 and sum(bool(flag) for flag, _ in spread) == 4
    assert all("Awa Sawadogo" in text and "Rated by 2 people" in text for _, text in spread)
    assert "least consensus" in spread[0][1] or "least consensus" in spread[-1][1]


def test_scorecard_json_prints_the_spread(university, demo_app):
    summary = json.loads(demo_app.test_cli_runner().invoke(main, ["scorecard", str(university.id), "--json"]).output)
    spread = summary["consensus"]
    assert {q: item["range"] for q, item in spread["items"].items()} == stored_spread(university)
    apart = stored_spread(university)
    assert sorted(spread["least_consensus"]) == sorted(q for q in apart if apart[q] >= 2)
    assert all(len(item["scores"]) == 2 for item in spread["items"].values())
    funder = self_assessment("Fundação Horizonte")
    other = json.loads(demo_app.test_cli_runner().invoke(main, ["scorecard", str(funder.id), "--json"]).output)
    assert other["consensus"] is None
    text = demo_app.test_cli_runner().invoke(main, ["scorecard", str(university.id)]).output
    assert "rated by several people: 6 items; least consensus: " in text
