"""The language people see: the one they chose, else their account's, else their browser's; English fallback."""

from __future__ import annotations

from flask import Blueprint, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..core.vocabulary import DEFAULT_LANGUAGE, LANGUAGES

bp = Blueprint("i18n", __name__)

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español", "pt": "Português"}

STATUS_LABELS = {
    "draft": _l("draft"),
    "sent": _l("sent"),
    "in_progress": _l("in progress"),
    "submitted": _l("submitted"),
    "changes_requested": _l("changes requested"),
    "accepted": _l("accepted"),
}


def status_label(status: str) -> str:
    """The status of an assessment in the reader's language."""
    return str(STATUS_LABELS.get(status, status.replace("_", " ")))


def display_language() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


@bp.post("/language")
def choose_language():
    language = request.form.get("lang", "")
    if language in LANGUAGES:
        session["lang"] = language
    target = request.form.get("next", "")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("main.index")
    return redirect(target)
