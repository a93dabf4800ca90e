"""An assessment's revision: a number the database raises whenever something scoring reads of it changes.

Scoring reads an assessment's answers (value, N/A, evidence level) and the expiry of their documents. Triggers on
`answers` and `evidence_files` raise the assessment's row in `assessment_revisions` in the same transaction as the
change, whatever code (or hand-written SQL) makes it, so that figures worked out for one revision can be kept until
it moves (`ddq.reporting.overview.PortfolioScores`). An assessment without a row is at revision 0.

The revisions live in a table of their own, raised at commit on PostgreSQL (deferred constraint triggers): a save
then takes no lock on the assessment's row, and the revision's lock comes after every other lock of the
transaction, so two colleagues saving the same section, or a save beside a submission, cannot deadlock over it.

The triggers are created by migration 0012 and, for databases made with `create_all`, by `install` below. On
SQLite a migration that rebuilds `answers` or `evidence_files` (Alembic's batch mode copies the table) drops their
triggers: such a migration must call `install` again; tests/store/test_revisions.py fails at head if it did not.
"""

from __future__ import annotations

import sqlalchemy as sa

#: The columns of an answer that scoring reads; an update of any other column leaves the revision alone.
ANSWER_COLUMNS = ("assessment_id", "value", "not_applicable", "evidence_level")
#: The columns of a document that scoring reads (through the answer's effective evidence level).
DOCUMENT_COLUMNS = ("answer_id", "expires_on")

#: Raise the revision of the assessments `{ids}` selects (a SELECT of assessment ids), when they still exist.
_RAISE = (
    "INSERT INTO assessment_revisions (assessment_id, revision) "
    "SELECT id, 1 FROM assessments WHERE id IN ({ids}) "
    "ON CONFLICT (assessment_id) DO UPDATE SET revision = assessment_revisions.revision + 1;"
)
_OF_ANSWERS = "SELECT assessment_id FROM answers WHERE id IN ({ids})"

_SQLITE = [
    ("ddq_answers_inserted", "AFTER INSERT ON answers", _RAISE.format(ids="NEW.assessment_id")),
    (
        "ddq_answers_updated",
        f"AFTER UPDATE OF {', '.join(ANSWER_COLUMNS)} ON answers",
        _RAISE.format(ids="OLD.assessment_id, NEW.assessment_id"),
    ),
    ("ddq_answers_deleted", "AFTER DELETE ON answers", _RAISE.format(ids="OLD.assessment_id")),
    (
        "ddq_documents_inserted",
        "AFTER INSERT ON evidence_files",
        _RAISE.format(ids=_OF_ANSWERS.format(ids="NEW.answer_id")),
    ),
    (
        "ddq_documents_updated",
        f"AFTER UPDATE OF {', '.join(DOCUMENT_COLUMNS)} ON evidence_files",
        _RAISE.format(ids=_OF_ANSWERS.format(ids="OLD.answer_id, NEW.answer_id")),
    ),
    (
        "ddq_documents_deleted",
        "AFTER DELETE ON evidence_files",
        _RAISE.format(ids=_OF_ANSWERS.format(ids="OLD.answer_id")),
    ),
]

_POSTGRESQL_FUNCTIONS = {
    "ddq_answers_changed": f"""
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') THEN
            {_RAISE.format(ids="OLD.assessment_id")}
          END IF;
          IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.assessment_id IS DISTINCT FROM OLD.assessment_id) THEN
            {_RAISE.format(ids="NEW.assessment_id")}
          END IF;
          RETURN NULL;
        END""",
    "ddq_documents_changed": f"""
        BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') THEN
            {_RAISE.format(ids=_OF_ANSWERS.format(ids="OLD.answer_id"))}
          END IF;
          IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.answer_id IS DISTINCT FROM OLD.answer_id) THEN
            {_RAISE.format(ids=_OF_ANSWERS.format(ids="NEW.answer_id"))}
          END IF;
          RETURN NULL;
        END""",
}
_POSTGRESQL_TRIGGERS = [
    ("ddq_answers_changed", "answers", ANSWER_COLUMNS),
    ("ddq_documents_changed", "evidence_files", DOCUMENT_COLUMNS),
]


def install_statements(dialect: str) -> list[str]:
    """The SQL that creates the triggers on `dialect` (sqlite or postgresql), replacing any of the same name."""
    if dialect == "sqlite":
        return [
            statement
            for name, when, action in _SQLITE
            for statement in (f"DROP TRIGGER IF EXISTS {name}", f"CREATE TRIGGER {name} {when} BEGIN {action} END")
        ]
    if dialect == "postgresql":
        functions = [
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $${body}\n$$"
            for name, body in _POSTGRESQL_FUNCTIONS.items()
        ]
        triggers = [
            statement
            for name, table, columns in _POSTGRESQL_TRIGGERS
            for statement in (
                f"DROP TRIGGER IF EXISTS {name} ON {table}",
                f"CREATE CONSTRAINT TRIGGER {name} AFTER INSERT OR DELETE OR UPDATE OF {', '.join(columns)} "
                f"ON {table} DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {name}()",
            )
        ]
        return functions + triggers
    raise ValueError(f"no revision triggers for the {dialect} database")


def remove_statements(dialect: str) -> list[str]:
    """The SQL that drops the triggers (and, on PostgreSQL, their functions)."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name, _, _ in _SQLITE]
    if dialect == "postgresql":
        return [
            *(f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table, _ in _POSTGRESQL_TRIGGERS),
            *(f"DROP FUNCTION IF EXISTS {name}()" for name in _POSTGRESQL_FUNCTIONS),
        ]
    raise ValueError(f"no revision triggers for the {dialect} database")


def install(connection: sa.Connection) -> None:
    """Create the triggers on the connection's database."""
    for statement in install_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


def remove(connection: sa.Connection) -> None:
    """Drop the triggers from the connection's database."""
    for statement in remove_statements(connection.dialect.name):
        connection.exec_driver_sql(statement)


def install_after_create(target: sa.MetaData, connection: sa.Connection, **_) -> None:
    """`create_all` makes the tables, then this makes their triggers (a listener on the metadata)."""
    install(connection)
