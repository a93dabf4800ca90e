"""Error pages: a clear message, never a traceback."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from ..extensions import db


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    message = "This form has expired or did not come from ddq. Go back, reload the page and try again."
    return render_template("error.html", code=400, title="Form not accepted", message=message), 400


def _http_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    return render_template("error.html", code=code, title=error.name, message=error.description), code


def _unexpected_error(error: Exception) -> tuple[str, int]:
    db.session.rollback()
    from flask import current_app

    current_app.logger.exception("unexpected error")
    fallback = InternalServerError()
    return render_template(
        "error.html",
        code=500,
        title=fallback.name,
        message="Something went wrong on our side. Nothing you sent was lost; please try again.",
    ), 500
