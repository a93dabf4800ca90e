"""Alembic environment: migrations run against the app's own engine and metadata.

On SQLite, Alembic's batch mode alters a table by copying it, dropping the original and renaming the copy. With
foreign keys enforced, dropping the original would cascade to every row that refers to it (answers, comments, …),
so the migrations run with foreign keys off, as Alembic's batch documentation requires, all in one transaction.
Before that transaction commits, SQLite checks every reference; if any points nowhere, the whole run is rolled back.
"""

import logging
from contextlib import contextmanager

from alembic import context
from alembic.util import CommandError
from flask import current_app

logger = logging.getLogger("alembic.env")
config = context.config

#: How many dangling references the refusal names; the rest are counted.
SHOWN_VIOLATIONS = 10


def _database():
    return current_app.extensions["migrate"].db


def run_migrations_offline() -> None:
    """Write the SQL of the migrations instead of running them."""
    url = _database().engine.url.render_as_string(hide_password=False)
    context.configure(url=url, target_metadata=_database().metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the app's database."""

    def skip_empty_revisions(migration_context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    with _database().engine.connect() as connection:
        options = dict(
            connection=connection,
            target_metadata=_database().metadata,
            process_revision_directives=skip_empty_revisions,
            render_as_batch=True,  # SQLite alters tables by copying them
            compare_type=True,
        )
        if connection.dialect.name != "sqlite":
            context.configure(**options)
            with context.begin_transaction():
                context.run_migrations()
            return
        applied = []  # the migrations run (not `current`, not a stamp), so that only those are checked
        options["on_version_apply"] = lambda step, **_: applied.extend([] if step.is_stamp else [step])
        with _sqlite_foreign_keys_off(connection), connection.begin():
            connection.exec_driver_sql("BEGIN")
            context.configure(**options)  # inside our transaction, so Alembic adds none of its own
            with context.begin_transaction():
                context.run_migrations()
            if applied:
                _refuse_dangling_references(connection)


@contextmanager
def _sqlite_foreign_keys_off(connection):
    """Foreign keys off on this connection, which leaves BEGIN and COMMIT to us; both as before afterwards.

    `PRAGMA foreign_keys` is ignored inside a transaction, so it is set before the transaction begins. The driver
    is told not to begin transactions itself: it would begin one only before data changes and let each schema
    change commit on its own, whereas SQLite can roll back both.
    """
    driver = connection.connection.driver_connection
    isolation_level = driver.isolation_level
    driver.isolation_level = None
    enforced = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
    try:
        connection.exec_driver_sql("PRAGMA foreign_keys = OFF")
        connection.commit()
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        connection.exec_driver_sql(f"PRAGMA foreign_keys = {'ON' if enforced else 'OFF'}")
        connection.commit()
        driver.isolation_level = isolation_level


def _refuse_dangling_references(connection) -> None:
    """Raise (so the transaction rolls back) if, after the migrations, any row refers to a row that does not exist."""
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if not violations:
        return
    shown = "; ".join(
        f"{table} row {rowid} refers to a missing row of {parent}"
        for table, rowid, parent, _ in violations[:SHOWN_VIOLATIONS]
    )
    more = f" and {len(violations) - SHOWN_VIOLATIONS} more" if len(violations) > SHOWN_VIOLATIONS else ""
    raise CommandError(
        f"The migration was refused, nothing was changed: after it, {len(violations)} reference(s) would point "
        f"nowhere ({shown}{more}). Correct or remove those rows, then run the migration again."
    )


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
