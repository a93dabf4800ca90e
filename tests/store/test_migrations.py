"""The migrations build exactly the schema the models describe, and no step down or up loses a row.

Both on SQLite (a file database, as deployed by default) and on PostgreSQL. The revisions are read from the
script directory, so every migration added later is walked too.
"""

import datetime as dt
import hashlib
import json

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from ddq import create_app
from ddq.app import MIGRATIONS
from ddq.cli import main
from ddq.extensions import db
from ddq.store.models import (
    ActionItem,
    Answer,
    AnswerRating,
    Assessment,
    EvidenceFile,
    Invitation,
    PublishedReport,
    ReviewComment,
    SectionAssignment,
    SectionTime,
    User,
)
from ddq.store.outbox import MailPreference, OutboxMessage
from ddq.store.reviews import PartnershipReview, ReviewAnswer
from tests.conftest import _config, reset_postgres


def schema_differences(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def revisions_from_head():
    """Every revision, head first; the history must stay one line."""
    script = ScriptDirectory(str(MIGRATIONS))
    assert len(script.get_heads()) == 1, f"the migrations have several heads: {script.get_heads()}"
    return list(script.walk_revisions())


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
    # a database of its own, so that running the migrations down cannot disturb other tests
    url = sa.make_url(request.getfixturevalue("postgres_url"))
    url = url.set(database=f"{url.database}_migrations").render_as_string(hide_password=False)
    reset_postgres(url)
    return url


@pytest.fixture
def migrations_app(empty_database, tmp_path):
    app = create_app(_config(empty_database, tmp_path))
    with app.app_context():
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


def test_upgrade_matches_the_models_and_downgrade_undoes_it(migrations_app):
    upgrade()
    assert schema_differences(db.engine) == []
    downgrade(revision="base")
    tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()


# --- every row survives every step ----------------------------------------------------------------------------


def fill_every_table():
    """The demo data, plus rows for the tables the demo leaves empty."""
    from ddq.demo import load_demo

    load_demo(db.session)
    db.session.flush()
    assessment = db.session.scalars(sa.select(Assessment).where(Assessment.direction == "partner_self")).first()
    answer = db.session.scalars(sa.select(Answer).where(Answer.assessment_id == assessment.id)).first()
    user = db.session.scalars(sa.select(User).where(User.organisation_id == assessment.respondent_id)).first()
    now = dt.datetime(2026, 11, 29, 10, 0, tzinfo=dt.UTC)
    rated = sa.select(AnswerRating.answer_id).where(AnswerRating.user_id == user.id)
    unrated = db.session.scalars(
        sa.select(Answer).where(Answer.assessment_id == assessment.id, Answer.id.not_in(rated)).order_by(Answer.id)
    ).first()
    db.session.add_all(
        [
            ActionItem(assessment_id=assessment.id, position=1, domain="finance", priority="high", action="Audit"),
            Invitation(user_id=user.id, assessment_id=assessment.id, nonce="n" * 32, expires_at=now),
            SectionAssignment(assessment_id=assessment.id, section_id="governance", user_id=user.id),
            SectionTime(assessment_id=assessment.id, section_id="governance", user_id=user.id, active_seconds=75),
            EvidenceFile(
                organisation_id=assessment.respondent_id,
                answer_id=answer.id,
                original_name="audit 2025.pdf",
                stored_name="0" * 32 + ".pdf",
                content_type="application/pdf",
                size_bytes=1234,
                sha256="a" * 64,
                uploaded_by_id=user.id,
            ),
            PublishedReport(
                assessment_id=assessment.id,
                version=1,
                kind="reciprocal",
                published_at=now,
                published_by_id=user.id,
                fingerprint="f" * 64,
                snapshot={"assessment": {"id": assessment.id, "answers": {"q": [3, False, 1]}}, "disclosure": None},
            ),
            OutboxMessage(
                dedupe_key=f"invitation:1:{'n' * 12}",
                recipient=user.email,
                kind="invitation",
                language="fr",
                subject="Évaluation des capacités",
                text_body="Bonjour,\n…",
                html_body="<p>Bonjour,</p>",
                status="sent",
                attempts=2,
                next_attempt_at=now,
                last_error=None,
                created_at=now,
                sent_at=now,
            ),
            MailPreference(user_id=user.id, digest=True, mute_reminders=True, updated_at=now),
            AnswerRating(answer_id=unrated.id, user_id=user.id, value=3, rated_at=now),
        ]
    )
    review = PartnershipReview(
        partnership_id=assessment.partnership_id,
        due_on=now.date(),
        cycle_months=12,
        decision="adjust_terms",
        reasons="Capacity rose in finance",
        decided_at=now,
        decided_by_id=user.id,
        agreed_tier="light",
        agreed_cycle_months=36,
        agreed_terms="Fewer checks in finance",
        answers=[ReviewAnswer(side="partner", question_id="fairness", value="agree", answered_by_id=user.id)],
    )
    db.session.add(review)
    db.session.commit()


def snapshot():
    """Each table's columns (name -> type) and rows (primary key -> {column: value}), as the database holds them."""
    inspector = sa.inspect(db.engine)
    tables = {}
    with db.engine.connect() as connection:
        for name in inspector.get_table_names():
            if name == "alembic_version":
                continue
            columns = {column["name"]: str(column["type"]) for column in inspector.get_columns(name)}
            key = inspector.get_pk_constraint(name)["constrained_columns"]
            assert key, f"table {name} has no primary key"
            rows = {}
            for row in connection.execute(sa.text(f'SELECT * FROM "{name}"')).mappings():
                rows[tuple(row[column] for column in key)] = dict(row)
            tables[name] = {"columns": columns, "rows": rows}
    return tables


def _column_digest(rows, column) -> str:
    """A checksum of one column's values, in primary key order."""
    values = [rows[key][column] for key in sorted(rows)]
    return hashlib.sha256(json.dumps(values, default=str, sort_keys=True).encode()).hexdigest()


def lost_rows(before, after):
    """What `after` lost of `before`, for every table at both, over the columns of the same type at both."""
    problems = []
    for name in sorted(before.keys() & after.keys()):
        old, new = before[name], after[name]
        shared = sorted(c for c in old["columns"] if new["columns"].get(c) == old["columns"][c])
        if len(old["rows"]) != len(new["rows"]):
            problems.append(f"{name}: {len(old['rows'])} rows -> {len(new['rows'])}")
        elif old["rows"].keys() != new["rows"].keys():
            problems.append(f"{name}: primary keys changed")
        else:
            changed = [c for c in shared if _column_digest(old["rows"], c) != _column_digest(new["rows"], c)]
            if changed:
                problems.append(f"{name}: values changed in {changed}")
    return problems


def test_every_row_survives_each_step_down_and_back_up(migrations_app):
    steps = revisions_from_head()
    upgrade()
    fill_every_table()
    state = snapshot()
    assert state.keys() == {table.name for table in db.metadata.sorted_tables}
    empty = sorted(name for name, table in state.items() if not table["rows"])
    assert empty == [], f"fill_every_table leaves tables empty: {empty}"

    for script in steps:
        below = script.down_revision or "base"
        downgrade(revision=below)
        down = snapshot()
        lost = lost_rows(state, down)
        assert not lost, f"downgrade {script.revision} -> {below} lost: {lost}"
        upgrade(revision=script.revision)
        up = snapshot()
        lost = lost_rows(down, up)
        assert not lost, f"upgrade {below} -> {script.revision} lost: {lost}"
        downgrade(revision=below)  # the next step starts from here
        state = snapshot()
    assert state == {}


def test_a_migration_that_leaves_dangling_references_changes_nothing(tmp_path, caplog):
    """On SQLite the migrations run with foreign keys off; they must not end with a reference pointing nowhere."""
    app = create_app(_config(f"sqlite:///{tmp_path / 'dangling.sqlite3'}", tmp_path))
    runner = app.test_cli_runner()
    with app.app_context():
        try:
            first = revisions_from_head()[-1].revision
            upgrade()
            fill_every_table()
            downgrade(revision=first)  # so that the upgrade below runs every migration
            with db.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
                connection.exec_driver_sql("UPDATE answers SET assessment_id = 999999 WHERE id = 1")
                connection.commit()
                connection.exec_driver_sql("PRAGMA foreign_keys = ON")
            before = snapshot()
            assert runner.invoke(main, ["db", "current"]).exit_code == 0  # only a migration that runs is refused
            result = runner.invoke(main, ["db", "upgrade"])
            assert result.exit_code == 1
            # Flask-Migrate logs the refusal as one line "Error: …", which the command prints without a traceback
            assert "Error: The migration was refused, nothing was changed" in caplog.text
            assert "answers row 1 refers to a missing row of assessments" in caplog.text
            assert snapshot() == before
            with db.engine.connect() as connection:
                assert connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == first
        finally:
            db.session.remove()
            db.engine.dispose()


def test_ddq_db_downgrade_and_upgrade_keep_every_answer_on_sqlite(tmp_path):
    app = create_app(_config(f"sqlite:///{tmp_path / 'ddq.sqlite3'}", tmp_path))
    runner = app.test_cli_runner()

    def count(model):
        with db.engine.connect() as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(model.__table__)).scalar()

    with app.app_context():
        try:
            assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
            assert runner.invoke(main, ["demo"]).exit_code == 0
            answers, comments = count(Answer), count(ReviewComment)
            assert answers > 300 and comments > 0
            for _ in revisions_from_head()[:-1]:  # down to the first revision, which creates the answers
                result = runner.invoke(main, ["db", "downgrade", "--", "-1"])
                assert result.exit_code == 0, result.output
                assert (count(Answer), count(ReviewComment)) == (answers, comments)
            result = runner.invoke(main, ["db", "upgrade"])
            assert result.exit_code == 0, result.output
            assert (count(Answer), count(ReviewComment)) == (answers, comments)
            with db.engine.connect() as connection:  # the app's connections enforce foreign keys again
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        finally:
            db.session.remove()
            db.engine.dispose()
