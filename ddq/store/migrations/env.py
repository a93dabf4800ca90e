"""Alembic environment: migrations run against the app's own engine and metadata."""

import logging

from alembic import context
from flask import current_app

logger = logging.getLogger("alembic.env")
config = context.config


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
        context.configure(
            connection=connection,
            target_metadata=_database().metadata,
            process_revision_directives=skip_empty_revisions,
            render_as_batch=True,  # SQLite alters tables by copying them
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
