"""Error pages: a clear message, never a traceback."""

from __future__ import annotations

from flask import Flask, current_app, render_template
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

from ..extensions import db

#: What a person reads after a failure on the server: the request was rolled back, so nothing it sent was kept.
NOT_SAVED = (
    "Something went wrong on our side, and what you sent with this page was not saved. "
    "Go back, check your answers and try again; if it happens again, tell the institute."
)

#: What a person reads when a request is over the size limits (413); nothing of it was kept.
TOO_LARGE = (
    "What you sent is larger than ddq accepts: at most {upload} MB in all, {form} MB of text in one field "
    "and {fields} fields in one form. Nothing was saved."
)


def register(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    message = "This form has expired or did not come from ddq. Go back, reload the page and try again."
    return render_template("error.html", code=400, title="Form not accepted", message=message), 400


def _http_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    if code >= 500:
        return _server_error(code)
    message = error.description
    if code == 413 and message == RequestEntityTooLarge.description:  # werkzeug's words say neither what nor how much
        message = TOO_LARGE.format(
            upload=current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024),
            form=current_app.config["MAX_FORM_MEMORY_SIZE"] // (1024 * 1024),
            fields=current_app.config["MAX_FORM_PARTS"],
        )
    return render_template("error.html", code=code, title=error.name, message=message), code


def _unexpected_error(error: Exception) -> tuple[str, int]:
    current_app.logger.exception("unexpected error")
    return _server_error()


def _server_error(code: int = 500) -> tuple[str, int]:
    db.session.rollback()
    return render_template("error.html", code=code, title=InternalServerError().name, message=NOT_SAVED), code
