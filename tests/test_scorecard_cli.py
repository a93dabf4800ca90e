"""`ddq scorecard ID --json`: what a report shows, from the same code, printed the same way every time."""

import json

import sqlalchemy as sa

from ddq.cli import main
from ddq.extensions import db
from ddq.library import current_library
from ddq.reporting.context import capacity_report_context
from ddq.store import publishing, report_facts
from ddq.store.models import Answer, Assessment, Organisation, User


def _funder(app):
    return db.session.scalar(
        sa.select(Assessment)
        .join(Organisation, Assessment.subject_id == Organisation.id)
        .where(Organisation.name == "Fundação Horizonte", Assessment.direction == "partner_self")
        .order_by(Assessment.id)
        .limit(1)
    )


def run(app, *args):
    result = app.test_cli_runner().invoke(main, ["scorecard", *map(str, args)])
    return result


def test_scorecard_json_is_what_the_report_shows_and_prints_the_same_twice(demo_app):
    assessment = _funder(demo_app)
    first, second = run(demo_app, assessment.id, "--json"), run(demo_app, assessment.id, "--json")
    assert first.exit_code == 0, first.output
    assert first.output == second.output
    summary = json.loads(first.output)
    assert first.output == json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert summary["published"] is None and set(summary["sides"]) == {"partner", "institute"}

    context = capacity_report_context(report_facts.capacity_facts(db.session, assessment), current_library(), "en")
    partner = summary["sides"]["partner"]
    assert partner["overall"] == context["overall"] and partner["overall_band"] == context["overall_band"]
    assert partner["confidence"] == context["confidence"]
    for row in context["domains"]:
        domain = partner["domains"][row["id"]]
        assert (domain["score"], domain["band"], domain["standing"], domain["confidence"]) == (
            row["score"],
            row["band"],
            row["standing"],
            row["confidence"],
        )
        assert len(domain["counted"]) == row["scored_items"]
    assert len(partner["gates"]) == len(context["gates"])
    for row in context["reciprocity"]:
        parity = summary["parity"]["domains"][row["id"]]
        assert (parity["compared_items"], parity["partner_score"], parity["host_score"], parity["parity"]) == (
            row["compared"],
            row["partner_score"],
            row["host_score"],
            row["parity"],
        )
        assert parity["parity"] == 1.0  # the demo's disclosure answers everything it is shown


def test_scorecard_counts_the_questions_scored(demo_app):
    assessment = _funder(demo_app)
    summary = json.loads(run(demo_app, assessment.id, "--json").output)
    counted = summary["sides"]["partner"]["domains"]["governance"]["counted"]
    answered = {a.question_id for a in assessment.answers if a.value is not None and not a.not_applicable}
    assert counted and set(counted) <= answered
    answer = next(a for a in assessment.answers if a.question_id == counted[0])
    answer.value, answer.not_applicable = None, True
    db.session.commit()
    again = json.loads(run(demo_app, assessment.id, "--json").output)
    assert again["sides"]["partner"]["domains"]["governance"]["counted"] == counted[1:]


def test_scorecard_shows_the_published_version_and_fingerprint_and_stays_frozen(demo_app):
    assessment = _funder(demo_app)
    staff = db.session.scalar(sa.select(User).where(User.email == "reviewer@bil.example.org"))
    row = publishing.publish(db.session, assessment, staff, current_library())
    db.session.commit()
    published = run(demo_app, assessment.id, "--json").output
    summary = json.loads(published)
    assert summary["published"] == {
        "version": 1,
        "published_on": row.published_at.date().isoformat(),
        "fingerprint": row.fingerprint,
    }
    answer = db.session.scalar(
        sa.select(Answer).where(Answer.assessment_id == assessment.id, Answer.question_id == "governing_body")
    )
    answer.value = 1 if answer.value != 1 else 4
    db.session.commit()
    assert run(demo_app, assessment.id, "--json").output == published
    draft = json.loads(run(demo_app, assessment.id, "--json", "--draft").output)
    assert draft["published"] is None and draft["sides"]["partner"] != summary["sides"]["partner"]
    text = run(demo_app, assessment.id)
    assert text.exit_code == 0 and f"version 1, fingerprint {row.fingerprint[:12]}" in text.output


def test_scorecard_refuses_what_has_none(demo_app):
    missing = run(demo_app, 999999, "--json")
    assert missing.exit_code == 1 and "no assessment 999999" in missing.output
    rating = db.session.scalar(sa.select(Assessment.id).where(Assessment.direction == "partner_rates_host"))
    refused = run(demo_app, rating, "--json")
    assert refused.exit_code == 1 and "anonymous" in refused.output and "Traceback" not in refused.output
    disclosure = db.session.scalar(sa.select(Assessment.id).where(Assessment.direction == "host_disclosure"))
    own = json.loads(run(demo_app, disclosure, "--json").output)
    assert set(own["sides"]) == {"institute"} and own["parity"] is None
