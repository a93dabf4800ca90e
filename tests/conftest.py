"""Shared fixtures: apps on SQLite and on the PostgreSQL server that `make test` starts."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from ddq import create_app
from ddq.extensions import db

ROOT = Path(__file__).resolve().parent.parent
QUESTIONNAIRES = ROOT / "questionnaires"
SHARED = ROOT.parent / "shared"


def _config(database_url: str, tmp_path: Path) -> dict[str, object]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "DDQ_QUESTIONNAIRES": str(QUESTIONNAIRES),
        "DDQ_IMPORTED": str(tmp_path / "imported"),
        "DDQ_UPLOADS": str(tmp_path / "uploads"),
    }


@pytest.fixture(scope="session")
def shipped_library():
    """The questionnaires the project ships, read once."""
    from ddq.core.definitions import load_library

    return load_library(QUESTIONNAIRES)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test database URL; a run without PostgreSQL fails loudly instead of skipping."""
    url = os.environ.get("DDQ_TEST_POSTGRES_URL")
    if not url:
        pytest.fail("DDQ_TEST_POSTGRES_URL is not set: run the tests with `make test`, which starts PostgreSQL")
    reset_postgres(url)
    return url


def reset_postgres(url: str) -> None:
    """Empty a PostgreSQL database completely."""
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
    except sa.exc.OperationalError as error:
        pytest.fail(f"PostgreSQL at {url} is not reachable: {error}")
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def migrated_postgres(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """PostgreSQL with the schema built by the migrations, once per test run."""
    from flask_migrate import upgrade

    app = create_app(_config(postgres_url, tmp_path_factory.mktemp("pg")))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return postgres_url


def _empty_postgres() -> None:
    tables = ", ".join(table.name for table in db.metadata.sorted_tables)
    db.session.remove()
    with db.engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    """An app with an empty schema, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        app = create_app(_config(f"sqlite:///{tmp_path / 'test.sqlite3'}", tmp_path))
        with app.app_context():
            db.create_all()
            yield app
            db.session.remove()
            db.engine.dispose()
    else:
        url = request.getfixturevalue("migrated_postgres")
        app = create_app(_config(url, tmp_path))
        with app.app_context():
            try:
                yield app
            finally:
                _empty_postgres()
                db.engine.dispose()


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    """An app on a fresh SQLite database, for tests that are not about the database."""
    app = create_app(_config(f"sqlite:///{tmp_path / 'test.sqlite3'}", tmp_path))
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def demo_app(app: Flask) -> Flask:
    from ddq.demo import load_demo

    load_demo(db.session)
    db.session.commit()
    return app


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def library_copy(tmp_path: Path) -> Path:
    """A writable copy of the questionnaires folder, for tests that break a file on purpose."""
    target = tmp_path / "questionnaires"
    shutil.copytree(QUESTIONNAIRES, target)
    return target


# --- the demo, for the web and browser tests ---------------------------------------------------

PASSWORD = "correct horse battery staple"


def web_config(database: Path, tmp_path: Path, **extra) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "web-test-secret",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
        "DDQ_UPLOADS": str(tmp_path / "uploads"),
        "DDQ_IMPORTED": str(tmp_path / "imported"),
        "RATELIMIT_ENABLED": False,
        "DDQ_SMTP_HOST": "",
    }
    config.update(extra)
    return config


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory) -> Path:
    """The demo data in an SQLite file, made once per test run."""
    from ddq.demo import load_demo
    from ddq.store.models import Organisation

    folder = tmp_path_factory.mktemp("demo")
    path = folder / "demo.sqlite3"
    app = create_app(web_config(path, folder))
    with app.app_context():
        db.create_all()
        load_demo(db.session, password=PASSWORD)
        viewer_org = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Mathare Youth Voices"))
        from werkzeug.security import generate_password_hash

        from ddq.store.operations import create_user

        viewer = create_user(db.session, "viewer1@partner1.example.org", "Vera Viewer", "partner_viewer", viewer_org)
        colleague = create_user(
            db.session, "colleague1@partner1.example.org", "Cole League", "partner_respondent", viewer_org
        )
        viewer.password_hash = colleague.password_hash = generate_password_hash(PASSWORD)
        db.session.commit()
        db.engine.dispose()
    return path
