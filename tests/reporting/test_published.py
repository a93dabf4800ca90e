"""Published means frozen; reports compare like with like and say so truthfully; standings follow methodology §2."""

import datetime as dt
import io
import re
import shutil

import pytest
import sqlalchemy as sa
import yaml
from babel.dates import format_date
from pypdf import PdfReader

from ddq import create_app
from ddq.core.facts import fingerprint, report_from_data, report_to_data
from ddq.extensions import db
from ddq.library import current_library
from ddq.reporting.context import capacity_report_context, reciprocal_report_context
from ddq.reporting.render import load_template, render_html
from ddq.store import publishing, report_facts, staff_facts
from ddq.store.models import Answer, Assessment, EvidenceFile, Organisation, PublishedReport, User
from tests.conftest import QUESTIONNAIRES, web_config
from tests.web.conftest import PEOPLE, Browser


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def site(demo_database, tmp_path):
    """The demo on a copy of the database and of the definitions; `site.restart()` reads both afresh."""

    class Site:
        def __init__(self):
            self.database = tmp_path / "published.sqlite3"
            self.definitions = tmp_path / "questionnaires"
            shutil.copy(demo_database, self.database)
            shutil.copytree(QUESTIONNAIRES, self.definitions)
            self.restart()

        def restart(self):
            self.app = create_app(web_config(self.database, tmp_path, DDQ_QUESTIONNAIRES=str(self.definitions)))

        def browser(self, who):
            browser = Browser(self.app)
            assert browser.login(PEOPLE.get(who, who)).status_code == 302
            return browser

        def assessment_id(self, partner):
            with self.app.app_context():
                return db.session.scalar(
                    sa.select(Assessment.id)
                    .join(Organisation, Assessment.subject_id == Organisation.id)
                    .where(Assessment.direction == "partner_self", Organisation.name.like(partner + "%"))
                    .order_by(Assessment.id)
                    .limit(1)
                )

    yield Site()


def publish(browser, assessment_id):
    response = browser.post(
        f"/staff/assessments/{assessment_id}/action-plan",
        data={
            "priority": ["high"],
            "action": ["Write down how decisions are taken"],
            "support": ["Two coaching calls"],
            "due_on": ["2027-03-31"],
            "domain": ["governance"],
            "question_id": [""],
            "publish": "1",
        },
    )
    assert response.status_code == 302


def downloads(browser, assessment_id, query=""):
    capacity = browser.get(f"/a/{assessment_id}/report.html{query}")
    reciprocal = browser.get(f"/a/{assessment_id}/reciprocal.html{query}")
    pdf = browser.get(f"/a/{assessment_id}/report.pdf{query}")
    assert capacity.status_code == reciprocal.status_code == pdf.status_code == 200
    return capacity.get_data(as_text=True), reciprocal.get_data(as_text=True), pdf_text(pdf.data)


def live_context(app, assessment_id):
    with app.app_context():
        facts = report_facts.reciprocal_facts(db.session, db.session.get(Assessment, assessment_id))
        return capacity_report_context(facts.capacity, current_library(), "en")


def test_a_published_report_survives_profiles_the_clock_answers_and_the_disclosure(site, monkeypatch):
    assessment_id = site.assessment_id("Alianza")
    with site.app.app_context():  # young enough today to be "early", no longer in six years
        assessment = db.session.get(Assessment, assessment_id)
        assessment.subject.founded_year = dt.date.today().year - 2
        db.session.commit()
    partner_user = "respondent3@partner3.example.org"
    publish(site.browser("staff"), assessment_id)
    partner = site.browser(partner_user)
    before = downloads(partner, assessment_id)
    live_before = live_context(site.app, assessment_id)
    assert live_before["early_stage"]

    # 1. the profiles: people weighs 4 in capacity development partnerships
    profiles_file = site.definitions / "profiles.yaml"
    profiles = yaml.safe_load(profiles_file.read_text(encoding="utf-8"))
    for profile in profiles["profiles"]:
        if profile["id"] == "capacity_development":
            profile["weights"]["people"] = 4
    profiles_file.write_text(yaml.safe_dump(profiles), encoding="utf-8")
    # 2. the domains: governance renamed in every language, and the order reversed
    domains_file = site.definitions / "domains.yaml"
    domains = yaml.safe_load(domains_file.read_text(encoding="utf-8"))
    for domain in domains["domains"]:
        if domain["id"] == "governance":
            domain["title"] = {language: f"Renamed {language}" for language in domain["title"]}
    domains["domains"].reverse()
    domains_file.write_text(yaml.safe_dump(domains, allow_unicode=True), encoding="utf-8")
    site.restart()
    # 3. the clock: six years on
    later = dt.date.today() + dt.timedelta(days=6 * 366)
    monkeypatch.setattr(report_facts, "today", lambda: later)
    with site.app.app_context():
        # 4. the partner's answers: a maturity answer from 1 to 4 or the other way
        answers = db.session.scalars(sa.select(Answer).where(Answer.assessment_id == assessment_id)).all()
        answer = next(a for a in answers if a.question_id == "governing_body")
        answer.value = 1 if answer.value != 1 else 4
        # 5. the disclosure: an answer withdrawn and a document taken away
        disclosure = db.session.scalar(sa.select(Assessment).where(Assessment.direction == "host_disclosure"))
        host_answer = next(a for a in disclosure.answers if a.question_id == "governing_body")
        host_answer.value = None
        documents = sa.select(EvidenceFile).join(Answer).where(Answer.assessment_id == disclosure.id)
        for evidence in db.session.scalars(documents):
            db.session.delete(evidence)
        db.session.commit()

    live_after = live_context(site.app, assessment_id)
    # every change shows in the figures as they are now ...
    assert not live_after["early_stage"]
    assert live_after["overall"] != live_before["overall"]
    assert [d["weight"] for d in live_after["domains"]] != [d["weight"] for d in live_before["domains"]]
    assert live_after["parity"] < live_before["parity"] == 1.0
    titles = [row["title"] for row in live_after["domains"]]
    assert "Renamed en" in titles and titles != [row["title"] for row in live_before["domains"]]
    # ... and none in the published report
    after = downloads(site.browser(partner_user), assessment_id)
    assert after[0] == before[0]
    assert after[1] == before[1]
    assert after[2] == before[2]
    with site.app.app_context():
        row = db.session.scalar(sa.select(PublishedReport).where(PublishedReport.assessment_id == assessment_id))
        # the partner reads Spanish: the report is in its language, dates as Spanish writes them
        published_on = format_date(row.published_at.date(), "medium", locale="es")
        footer = f"Publicado el {published_on}, versión 1, huella {row.fingerprint[:12]}"
    assert footer in after[2].replace("\n", " ") and footer in after[0]
    # staff can still see the figures as they are now
    draft = site.browser("staff").get(f"/a/{assessment_id}/report.html?draft=1").get_data(as_text=True)
    assert "Not published" in draft and draft != after[0]


def test_republishing_makes_version_2_and_keeps_version_1(site):
    assessment_id = site.assessment_id("Université")
    staff = site.browser("staff")
    publish(staff, assessment_id)
    first = downloads(staff, assessment_id)
    with site.app.app_context():
        answer = db.session.scalar(
            sa.select(Answer).where(Answer.assessment_id == assessment_id, Answer.question_id == "governing_body")
        )
        answer.value = 1 if answer.value != 1 else 4
        db.session.commit()
    publish(staff, assessment_id)
    latest = downloads(staff, assessment_id)
    assert latest != first
    assert downloads(staff, assessment_id, "?version=1") == first
    assert downloads(staff, assessment_id, "?version=2") == latest
    for missing in ("?version=3", "?version=0", "?version=x", "?version=-1"):
        assert staff.get(f"/a/{assessment_id}/report.html{missing}").status_code == 404
    with site.app.app_context():
        rows = db.session.scalars(
            sa.select(PublishedReport).where(PublishedReport.assessment_id == assessment_id).order_by("version")
        ).all()
        assert [row.version for row in rows] == [1, 2]
        assert rows[0].fingerprint != rows[1].fingerprint
        for row in rows:
            assert row.fingerprint == fingerprint(row.snapshot)
            assert row.kind == "reciprocal"
        assert rows[0].snapshot["assessment"]["questionnaire"] == db.session.get(
            Assessment, assessment_id
        ).questionnaire_version.sha256
    assert "version 1, fingerprint" in first[0] and "version 2, fingerprint" in latest[0]


def test_frozen_facts_read_back_exactly(demo_app):
    library = current_library()
    for assessment in db.session.scalars(sa.select(Assessment).where(Assessment.direction == "partner_self")):
        report = publishing.current_facts(db.session, assessment)
        report = report.__class__(
            publishing.with_profile(report.assessment, library), report.disclosure, report.feedback
        )
        data = report_to_data(report)
        back = report_from_data(data, lambda key: publishing.questionnaire_by_hash(db.session, key))
        assert report_to_data(back) == data
        assert back.assessment.profile == library.domain_weights(
            assessment.partnership.type, assessment.partnership.roles
        )
        template = load_template("reciprocal")
        assert render_html(template, reciprocal_report_context(back, library, "en")) == render_html(
            template, reciprocal_report_context(report, library, "en")
        )


def test_published_reports_refuse_bad_rows(demo_app):
    assessment = db.session.scalars(sa.select(Assessment)).first()
    good = {"assessment_id": assessment.id, "kind": "capacity", "fingerprint": "a" * 64, "snapshot": {}}
    for bad in ({"version": 0}, {"version": 1, "kind": "other"}, {"version": 1, "fingerprint": "abc"}):
        db.session.add(PublishedReport(**{**good, **bad}))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()
    db.session.add(PublishedReport(**good, version=1))
    db.session.flush()
    db.session.add(PublishedReport(**good, version=1))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_only_staff_publish(demo_app):
    assessment = db.session.scalars(sa.select(Assessment).where(Assessment.direction == "partner_self")).first()
    partner_user = db.session.scalar(sa.select(User).where(User.organisation_id == assessment.subject_id))
    with pytest.raises(ValueError, match="only institute staff"):
        publishing.publish(db.session, assessment, partner_user, current_library())
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PublishedReport)) == 0


# --- like with like, and every sentence true of its numbers -----------------------------------------


def _section(html: str, heading: str) -> str:
    """The HTML from an h2 to the next h2."""
    start = html.index(f"<h2>{heading}</h2>")
    end = html.find("<h2>", start + 4)
    return html[start : end if end != -1 else None]


def _cells(row: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]


def test_the_reciprocal_report_scores_both_sides_on_the_same_questions(demo_app):
    """Mathare's governance was shown at 1.67 beside the institute's whole disclosure (3.43, more questions)."""
    library = current_library()
    mathare = db.session.scalar(
        sa.select(Assessment).join(Organisation, Assessment.subject_id == Organisation.id).where(
            Organisation.name == "Mathare Youth Voices", Assessment.direction == "partner_self"
        )
    )
    context = reciprocal_report_context(report_facts.reciprocal_facts(db.session, mathare), library, "en")
    html = render_html(load_template("reciprocal"), context, "en")
    table = _section(html, "Scores on the same questions")
    assert "on the same questions" in html
    rows = {cells[0]: cells for cells in map(_cells, re.findall(r"<tr>.*?</tr>", table.split("<tbody>")[1], re.S))}
    for row in context["reciprocity"]:
        cells = rows[row["title"]]
        number = lambda value: "—" if value is None else f"{value:.2f}"  # noqa: E731
        assert cells[1:] == [str(row["compared"]), number(row["partner_score"]), number(row["host_score"]),
                             number(row["host_full_score"])]
    governance = next(row for row in context["reciprocity"] if row["id"] == "governance")
    assert round(governance["partner_score"], 2) == 1.67 and round(governance["host_score"], 2) == 3.33
    assert round(governance["host_full_score"], 2) == 3.43  # shown apart, labelled as the whole disclosure
    # the parity sentence adds up
    totals = context["parity_totals"]
    assert totals["asked"] == sum(r["asked"] + r["asked_documents"] for r in context["reciprocity"])
    assert f"In all, {totals['disclosed']} of {totals['asked']} questions and documents" in html


def test_the_demo_disclosure_is_at_parity_everywhere_and_parity_drops_when_something_is_withheld(demo_app):
    library = current_library()
    partners = db.session.scalars(sa.select(Assessment).where(Assessment.direction == "partner_self")).all()

    def parity_rows(assessment):
        facts = report_facts.reciprocal_facts(db.session, assessment)
        return {row["id"]: row for row in reciprocal_report_context(facts, library, "en")["reciprocity"]}

    for assessment in partners:
        rows = parity_rows(assessment)
        assert rows and all(row["parity"] == 1.0 and row["at_parity"] for row in rows.values()), assessment.id
        assert sum(row["asked_documents"] for row in rows.values()) > 0
    funder = next(a for a in partners if a.subject.name == "Fundação Horizonte")
    disclosure = db.session.scalar(sa.select(Assessment).where(Assessment.direction == "host_disclosure"))
    # one document withheld
    evidence = db.session.scalar(
        sa.select(EvidenceFile).join(Answer).where(
            Answer.assessment_id == disclosure.id, Answer.question_id == "safeguarding_policy"
        )
    )
    db.session.delete(evidence)
    db.session.flush()
    db.session.expire_all()
    rows = parity_rows(funder)
    assert rows["safeguarding"]["disclosed_documents"] == rows["safeguarding"]["asked_documents"] - 1
    assert rows["safeguarding"]["parity"] < 1.0 and not rows["safeguarding"]["at_parity"]
    assert all(row["parity"] == 1.0 for domain, row in rows.items() if domain != "safeguarding")
    # one answer withheld
    answer = next(a for a in disclosure.answers if a.question_id == "governing_body")
    answer.value = None
    db.session.flush()
    rows = parity_rows(funder)
    assert rows["governance"]["disclosed"] == rows["governance"]["asked"] - 1 and rows["governance"]["parity"] < 1.0


# --- standings: methodology §2 ------------------------------------------------------------------------


def test_a_domain_sufficient_at_this_stage_is_never_listed_as_a_capacity_priority(demo_app):
    library = current_library()
    mathare = db.session.scalar(
        sa.select(Assessment).join(Organisation, Assessment.subject_id == Organisation.id).where(
            Organisation.name == "Mathare Youth Voices", Assessment.direction == "partner_self"
        )
    )
    # answer every maturity item of governance at 2: the domain is 2.0, no key item at 1
    questionnaire = publishing.current_facts(db.session, mathare).assessment.questionnaire
    for answer in mathare.answers:
        question = questionnaire.question(answer.question_id)
        if question.domain == "governance" and question.type == "maturity":
            answer.value, answer.not_applicable = 2, False
    db.session.flush()
    context = capacity_report_context(report_facts.capacity_facts(db.session, mathare), library, "en")
    governance = next(row for row in context["domains"] if row["id"] == "governance")
    assert context["early_stage"] and governance["standing"] == "sufficient_for_stage"
    html = render_html(load_template("capacity"), context, "en")
    priorities = _section(html, "Capacity priorities")
    assert governance["title"] not in priorities
    assert governance["title"] in _section(html, "Sufficient at this stage")
    lists = ("strengths", "priorities", "developing", "sufficient", "adequate")
    for listed in lists:
        for row in context[listed]:
            assert sum(row in context[other] for other in lists) == 1


def test_the_portfolio_shows_flagged_gates_per_partner(demo_app):
    from ddq.reporting.overview import portfolio_context, portfolio_frame

    library = current_library()
    funder = db.session.scalar(
        sa.select(Assessment).join(Organisation, Assessment.subject_id == Organisation.id).where(
            Organisation.name == "Université de Ouagadougou – Laboratoire d'études urbaines",
            Assessment.direction == "partner_self",
        )
    )
    questionnaire = publishing.current_facts(db.session, funder).assessment.questionnaire
    gate = next(
        question
        for _, question in questionnaire.applicable(report_facts.scope_of(funder))
        if question.gate and question.type == "yes_no" and question.show_if is None
    )
    answer = next(a for a in funder.answers if a.question_id == gate.id)
    answer.value, answer.not_applicable = "no", False
    db.session.flush()
    context = portfolio_context(staff_facts.portfolio_facts(db.session), library, "en")
    row = next(r for r in context["rows"] if r["assessment_id"] == funder.id)
    assert gate.text.get("en") in row["flagged_gates"]
    frame = portfolio_frame(context)
    assert gate.text.get("en") in frame.loc[frame["partner"] == row["partner"], "flagged_gates"].iloc[0]
    assert gate.text.get("en") in render_html(load_template("portfolio"), context, "en")
