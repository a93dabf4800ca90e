"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from ddq import create_app
from ddq.extensions import db
from tests.conftest import reset_postgres


def schema_differences(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
    # a database of its own, so that running the migrations down cannot disturb other tests
    url = sa.make_url(request.getfixturevalue("postgres_url"))
    url = url.set(database=f"{url.database}_migrations").render_as_string(hide_password=False)
    reset_postgres(url)
    return url


def test_upgrade_matches_the_models_and_downgrade_undoes_it(empty_database, tmp_path):
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "DDQ_UPLOADS": str(tmp_path)})
    with app.app_context():
        try:
            upgrade()
            assert schema_differences(db.engine) == []
            downgrade(revision="base")
            tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
            assert tables == set()
        finally:
            db.engine.dispose()
