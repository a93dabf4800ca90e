"""The Flask application factory."""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event

from .config import from_environment
from .extensions import babel, csrf, db, limiter, login_manager, migrate

MIGRATIONS = Path(__file__).parent / "store" / "migrations"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the ddq application; `config` overrides the environment (tests pass theirs here)."""
    app = Flask(__name__, instance_relative_config=True, template_folder="web/templates", static_folder="web/static")
    app.config.from_mapping(from_environment(app.instance_path))
    if config:
        app.config.update(config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.logger.getEffectiveLevel() > logging.INFO:
        app.logger.setLevel(logging.INFO)  # messages written to the log (no mail server set) must show

    db.init_app(app)
    migrate.init_app(app, db, directory=str(MIGRATIONS))
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    limiter.init_app(app)
    with app.app_context():
        event.listen(db.engine, "connect", _enforce_sqlite_foreign_keys)

    from .store import models, outbox  # noqa: F401 - registers the tables with the metadata
    from .store import reviews as _reviews  # noqa: F401
    from .web import guards

    guards.register(app)  # before the blueprints: their routes use its `id` converter
    from .web import auth, burden, errors, i18n, imports, reports, respond, reviews, staff, unit_of_work, views

    babel.init_app(app, locale_selector=i18n.display_language)
    blueprints = (views.bp, auth.bp, i18n.bp, respond.bp, staff.bp, reports.bp, imports.bp, burden.bp)
    from .web import colleagues, review_desk

    for blueprint in (*blueprints, reviews.bp, reviews.messages_bp, review_desk.bp, colleagues.bp):
        app.register_blueprint(blueprint)
    errors.register(app)
    unit_of_work.register(app)
    app.after_request(_security_headers)
    app.context_processor(_template_globals)
    from .web import look

    look.register(app)
    from .web import health

    health.register(app)
    return app


def _security_headers(response: Any) -> Any:
    """No third-party content, no framing, no sniffing: ddq serves everything itself."""
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; "
        "form-action 'self'; base-uri 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def _template_globals() -> dict[str, Any]:
    from .web.i18n import LANGUAGE_NAMES, display_language, status_label

    return {"lang": display_language(), "language_names": LANGUAGE_NAMES, "status_label": status_label}


def _enforce_sqlite_foreign_keys(connection: Any, _record: Any) -> None:
    if isinstance(connection, sqlite3.Connection):
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()
