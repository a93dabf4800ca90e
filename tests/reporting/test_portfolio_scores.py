"""Portfolio figures kept between requests (PortfolioScores) are always the figures worked out afresh.

A generated institute is changed in every way that moves a partner's figures, through the ORM, through plain SQL
and by the passing of time; after each change the kept figures must equal fresh ones, and the change must have
moved something (or the comparison could not fail). Without the database's revision triggers they go stale: that
is the control that shows the comparison catches a missed change."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from bench.institute import generate
from ddq import create_app
from ddq.extensions import db
from ddq.library import current_library, forget_library
from ddq.reporting.overview import PortfolioScores, portfolio_context
from ddq.store import report_facts, revisions
from ddq.store.models import Answer, Assessment, EvidenceFile, Partnership
from ddq.store.staff_facts import portfolio_facts
from tests.conftest import PASSWORD, web_config


@pytest.fixture
def institute(tmp_path):
    app = create_app(web_config(tmp_path / "institute.sqlite3", tmp_path, WTF_CSRF_ENABLED=False))
    with app.app_context():
        db.create_all()
        hashed = generate_password_hash(PASSWORD, "pbkdf2:sha256:1000")
        generate(db.session, current_library(), 12, password_hash=hashed)
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


def portfolio(scores: PortfolioScores | None = None):
    facts = portfolio_facts(db.session, scores=scores)
    return portfolio_context(facts, current_library(), "en", scores)["rows"], facts


def latest(position: int) -> int:
    """The id of the portfolio's `position`-th partner's latest self-assessment."""
    rows, _ = portfolio()
    return rows[position]["assessment_id"]


def run(statement) -> None:
    db.session.execute(statement)
    db.session.commit()


def _answers_of(assessment_id: int):
    return sa.update(Answer).where(Answer.assessment_id == assessment_id)


def _partnership_of(assessment_id: int):
    return sa.select(Assessment.partnership_id).where(Assessment.id == assessment_id).scalar_subquery()


def _subject_of(assessment_id: int):
    return sa.select(Assessment.subject_id).where(Assessment.id == assessment_id).scalar_subquery()


def _raise_levels(assessment_id: int) -> None:
    for answer in db.session.scalars(sa.select(Answer).where(Answer.assessment_id == assessment_id)):
        answer.evidence_level = 3  # through the ORM, as a staff review does
    db.session.commit()


def _disclosure_answers_dropped() -> None:
    disclosure = sa.select(Assessment.id).where(Assessment.direction == "host_disclosure")
    run(sa.delete(Answer).where(Answer.assessment_id.in_(disclosure), Answer.id % 2 == 0))


#: (what changes, how): each moves at least one partner's figures. (A partner's stage moves its domains' standings,
#: which the portfolio does not show.)
CHANGES = [
    ("answers marked N/A", lambda: run(_answers_of(latest(0)).values(not_applicable=True))),
    ("values emptied", lambda: run(_answers_of(latest(1)).values(value=None))),
    ("evidence levels raised", lambda: _raise_levels(latest(2))),
    ("answers removed", lambda: run(sa.delete(Answer).where(Answer.assessment_id == latest(3)))),
    (
        "partnership type (domain weights)",
        lambda: run(sa.update(Partnership).where(Partnership.id == _partnership_of(latest(4))).values(type="funding")),
    ),
    (
        "tier (questions asked)",
        lambda: run(sa.update(Assessment).where(Assessment.id == latest(5)).values(tier="light")),
    ),
    ("the institute's disclosure (parity)", _disclosure_answers_dropped),
]


def test_kept_figures_are_the_fresh_figures_after_every_change(institute):
    scores = PortfolioScores(current_library())
    first, _ = portfolio(scores)
    again, facts = portfolio(scores)
    assert again == first
    assert len(facts.known) == len(first) == 12, "nothing changed: every partner's figures are kept"
    assert all(not fact.answers for fact in facts.assessments), "kept figures: no answer is read"
    before = first
    for name, change in CHANGES:
        change()
        kept, _ = portfolio(scores)
        fresh, _ = portfolio()
        assert kept == fresh, name
        assert fresh != before, f"{name} moved nothing: the comparison above could not fail"
        before = fresh


def test_documents_expiring_with_time_move_the_figures(institute, monkeypatch):
    assessment_id = latest(0)
    answer_ids = db.session.scalars(sa.select(Answer.id).where(Answer.assessment_id == assessment_id)).all()
    run(sa.update(Answer).where(Answer.id.in_(answer_ids)).values(evidence_level=3))
    run(sa.delete(EvidenceFile).where(EvidenceFile.answer_id.in_(answer_ids)))
    subject = db.session.scalar(sa.select(Assessment.subject_id).where(Assessment.id == assessment_id))
    today = dt.date.today()
    db.session.add_all(
        EvidenceFile(
            organisation_id=subject,
            answer_id=answer_id,
            original_name="policy.pdf",
            stored_name=f"expiring-{answer_id}",
            content_type="application/pdf",
            size_bytes=1,
            sha256="0" * 64,
            expires_on=today + dt.timedelta(days=1),
        )
        for answer_id in answer_ids
    )
    db.session.commit()
    scores = PortfolioScores(current_library())
    now, _ = portfolio(scores)
    monkeypatch.setattr(report_facts, "today", lambda: today + dt.timedelta(days=3))
    later_kept, _ = portfolio(scores)
    later_fresh, _ = portfolio()
    assert later_kept == later_fresh
    assert later_fresh != now, "every document expired: the partner's confidence falls"


def test_without_the_triggers_kept_figures_go_stale(institute):
    """The control: the comparisons above fail when a change does not raise the revision."""
    scores = PortfolioScores(current_library())
    portfolio(scores)
    with db.engine.begin() as connection:
        revisions.remove(connection)
    run(_answers_of(latest(0)).values(not_applicable=True))
    kept, _ = portfolio(scores)
    fresh, _ = portfolio()
    assert kept != fresh


def test_each_process_keeps_figures_for_its_current_library(institute):
    from ddq.web.reports import portfolio_scores

    with institute.test_request_context():
        kept = portfolio_scores()
        assert portfolio_scores() is kept
        forget_library()  # as after an import: the library is read again, and so are the figures
        assert portfolio_scores() is not kept
        assert portfolio_scores().library is current_library()


def test_the_kept_figures_are_bounded(institute):
    scores = PortfolioScores(current_library(), size=5)
    portfolio(scores)
    assert len(scores) == 5
    _, facts = portfolio(scores)
    assert len(facts.known) <= 5
