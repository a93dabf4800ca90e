"""The Flask application factory."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event

from .config import from_environment
from .extensions import csrf, db, migrate

MIGRATIONS = Path(__file__).parent / "store" / "migrations"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the ddq application; `config` overrides the environment (tests pass theirs here)."""
    app = Flask(__name__, instance_relative_config=True, template_folder="web/templates", static_folder="web/static")
    app.config.from_mapping(from_environment(app.instance_path))
    if config:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    csrf.init_app(app)
    with app.app_context():
        event.listen(db.engine, "connect", _enforce_sqlite_foreign_keys)

    from .store import models  # noqa: F401 - registers the tables with the metadata
    from .web import errors, views

    app.register_blueprint(views.bp)
    errors.register(app)
    return app


def _enforce_sqlite_foreign_keys(connection: Any, _record: Any) -> None:
    if isinstance(connection, sqlite3.Connection):
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()
