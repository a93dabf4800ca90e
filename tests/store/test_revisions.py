"""An assessment's revision moves with every change scoring reads, whoever makes it, and with nothing else.

On SQLite made by `create_all`, SQLite made by the migrations and PostgreSQL made by the migrations: the triggers
must exist in each (a migration that rebuilds `answers` on SQLite would drop them, and this fails at head)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from ddq import create_app
from ddq.extensions import db
from ddq.library import current_library
from ddq.store import operations as ops
from ddq.store import revisions
from ddq.store.models import Answer, Assessment, AssessmentRevision, EvidenceFile
from tests.conftest import _config, reset_postgres


def _database(kind: str, request, tmp_path):
    if kind.startswith("postgresql"):
        url = sa.make_url(request.getfixturevalue("postgres_url"))
        url = url.set(database=f"{url.database}_migrations").render_as_string(hide_password=False)
        reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path / 'revisions.sqlite3'}"
    app = create_app(_config(url, tmp_path))
    with app.app_context():
        if kind.endswith("create_all"):
            db.create_all()
        else:
            upgrade()
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(params=["sqlite, create_all", "sqlite, migrations", "postgresql, migrations"])
def database(request, tmp_path):
    yield from _database(request.param, request, tmp_path)


@pytest.fixture
def postgres_database(request, tmp_path):
    """Only PostgreSQL: SQLite takes one writer at a time, so it has no lock order to get wrong."""
    yield from _database("postgresql, migrations", request, tmp_path)


def _new_assessment() -> int:
    partner = ops.create_organisation(db.session, "Partner")
    partnership = ops.create_partnership(db.session, partner, "Study", "project", tier="standard")
    made = ops.create_assessment(
        db.session,
        current_library().questionnaire("partner-capacity"),
        subject=partner,
        respondent=partner,
        partnership=partnership,
    )
    db.session.commit()
    return made.id


@pytest.fixture
def assessment(database):
    return _new_assessment()


def revision(assessment_id: int) -> int:
    db.session.commit()
    found = db.session.scalar(
        sa.select(AssessmentRevision.revision).where(AssessmentRevision.assessment_id == assessment_id)
    )
    return found or 0


def change(statement) -> None:
    db.session.execute(statement)
    db.session.commit()


def test_every_change_scoring_reads_raises_the_revision_and_nothing_else_does(assessment):
    start = revision(assessment)
    answer = Answer(assessment_id=assessment, question_id="q1", value="yes")
    db.session.add(answer)
    assert revision(assessment) == start + 1, "a new answer"
    answer_id = answer.id
    changed = sa.update(Answer).where(Answer.id == answer_id)
    expected = start + 1
    for values in ({"value": "no"}, {"not_applicable": True}, {"evidence_level": 2}):
        change(changed.values(**values))
        expected += 1
        assert revision(assessment) == expected, f"an answer's {next(iter(values))}"
    for values in ({"comment": "a note"}, {"draft": "typing"}, {"active_seconds": 30}, {"na_reason": "n/a"}):
        change(changed.values(**values))
        assert revision(assessment) == expected, f"an answer's {next(iter(values))} is not scored"

    document = EvidenceFile(
        organisation_id=db.session.get(Assessment, assessment).subject_id,
        answer_id=answer_id,
        original_name="policy.pdf",
        stored_name="stored-policy",
        content_type="application/pdf",
        size_bytes=10,
        sha256="0" * 64,
    )
    db.session.add(document)
    expected += 1
    assert revision(assessment) == expected, "a new document"
    change(sa.update(EvidenceFile).where(EvidenceFile.id == document.id).values(expires_on=dt.date(2030, 1, 1)))
    expected += 1
    assert revision(assessment) == expected, "a document's expiry"
    change(sa.update(EvidenceFile).where(EvidenceFile.id == document.id).values(original_name="renamed.pdf"))
    assert revision(assessment) == expected, "a document's name is not scored"
    change(sa.delete(EvidenceFile).where(EvidenceFile.id == document.id))
    expected += 1
    assert revision(assessment) == expected, "a removed document"
    change(sa.delete(Answer).where(Answer.id == answer_id))
    expected += 1
    assert revision(assessment) == expected, "a removed answer"


def test_an_answer_moved_to_another_assessment_raises_both(assessment):
    other = Assessment(
        **{
            column: getattr(db.session.get(Assessment, assessment), column)
            for column in ("questionnaire_version_id", "direction", "partnership_id", "subject_id", "respondent_id")
        }
    )
    db.session.add(other)
    answer = Answer(assessment_id=assessment, question_id="q1", value="yes")
    db.session.add(answer)
    before = revision(assessment), revision(other.id)
    change(sa.update(Answer).where(Answer.id == answer.id).values(assessment_id=other.id))
    assert (revision(assessment), revision(other.id)) == (before[0] + 1, before[1] + 1)


def test_the_triggers_can_be_removed_and_installed_again(assessment):
    with db.engine.begin() as connection:
        revisions.remove(connection)
    start = revision(assessment)
    db.session.add(Answer(assessment_id=assessment, question_id="q2", value="yes"))
    assert revision(assessment) == start, "without the triggers nothing raises it: the test above can fail"
    with db.engine.begin() as connection:
        revisions.install(connection)
        revisions.install(connection)  # twice: replaced, not doubled
    db.session.add(Answer(assessment_id=assessment, question_id="q3", value="yes"))
    assert revision(assessment) == start + 1


@pytest.fixture
def two_answers(postgres_database):
    assessment = _new_assessment()
    first = Answer(assessment_id=assessment, question_id="q1", value="a")
    second = Answer(assessment_id=assessment, question_id="q2", value="b")
    db.session.add_all([first, second])
    db.session.commit()
    return assessment, first.id, second.id


def _in_thread(work):
    """Run `work` in a thread; return a function that waits for it and re-raises what it raised."""
    import threading

    outcome = {}

    def run():
        try:
            work()
        except Exception as error:  # carried to the test thread
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()

    def wait():
        thread.join(20)
        assert not thread.is_alive(), "still blocked"
        if "error" in outcome:
            raise outcome["error"]

    return wait


def _connection():
    connection = db.engine.connect()
    connection.exec_driver_sql("SET lock_timeout = '10s'")
    connection.commit()
    return connection


def _set(connection, answer_id: int, value: str) -> None:
    connection.execute(sa.update(Answer).where(Answer.id == answer_id).values(value=value))


def test_two_colleagues_saving_the_same_answers_in_turn_do_not_deadlock(two_answers):
    """A writes answer 1, B writes answer 2, then A writes answer 2 (waiting for B): with the revision raised at
    once, B would wait for A's revision lock while A waits for B's answer, and PostgreSQL would abort one."""
    assessment, first, second = two_answers
    before = revision(assessment)
    ana, ben = _connection(), _connection()
    try:
        ana_work, ben_work = ana.begin(), ben.begin()
        _set(ana, first, "ana 1")
        _set(ben, second, "ben 2")
        waited = _in_thread(lambda: _set(ana, second, "ana 2"))  # blocks on Ben's answer
        ben_work.commit()
        waited()
        ana_work.commit()
    finally:
        ana.close()
        ben.close()
    assert revision(assessment) == before + 3


def test_a_save_beside_a_submission_does_not_deadlock(two_answers):
    """The submission updates the assessment's row, then an answer a save holds: the save's commit must not need
    the assessment's row."""
    assessment, first, _ = two_answers
    before = revision(assessment)
    saving, submitting = _connection(), _connection()
    try:
        save, submit = saving.begin(), submitting.begin()
        submitting.execute(sa.update(Assessment).where(Assessment.id == assessment).values(status="submitted"))
        _set(saving, first, "saved")
        waited = _in_thread(lambda: _set(submitting, first, "at submission"))  # blocks on the save's answer
        save.commit()
        waited()
        submit.commit()
    finally:
        saving.close()
        submitting.close()
    assert revision(assessment) == before + 2
