"""The language people see: the one they chose, else their account's, else their browser's; English fallback."""

from __future__ import annotations

from functools import lru_cache

from babel.numbers import NumberPattern, parse_pattern
from flask import Blueprint, current_app, redirect, request, session, url_for
from flask_babel import format_currency, format_date, format_percent, get_locale, gettext
from flask_login import current_user

from ..core.vocabulary import DEFAULT_LANGUAGE, LANGUAGES
from ..reporting import labels as _labels

bp = Blueprint("i18n", __name__)

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español", "pt": "Português"}


def status_label(status: str) -> str:
    """The status of an assessment in the reader's language."""
    return _labels.label("status", status, gettext)


@bp.app_template_global()
def label(kind: str, code: str | None) -> str:
    """A code (status, band, standing, direction, partnership_type, partner_role, user_role, priority, tier,
    answer_status) in the reader's language: `{{ label("band", d.band) }}`."""
    return _labels.label(kind, code, gettext)


@bp.app_template_global()
def labels(kind: str, codes) -> str:
    """Several codes of one kind, comma-separated, in the reader's language."""
    return _labels.labels(kind, codes, gettext)


@bp.app_template_global()
def tier_reason(reason: tuple[str, dict]) -> str:
    """One reason for a suggested tier (ddq.core.burden.suggest_tier) in the reader's language."""
    text, values = reason
    values = dict(values)
    if "type" in values:
        values["type"] = label("partnership_type", values["type"])
    for name in ("amount", "limit"):
        if name in values:
            values[name] = number(values[name], 0)
    return gettext(text, **values)


@bp.app_template_filter("number")
def number(value, digits: int = 2) -> str:
    """A number with the reader's decimal sign: `{{ score|number }}` (2.50, 2,50); none is a dash."""
    if value is None:
        return "—"
    return _pattern("#,##0." + "0" * digits if digits else "#,##0").apply(value, get_locale())


@lru_cache(maxsize=8)
def _pattern(format: str) -> NumberPattern:
    """A number format parsed once (Babel's `format_decimal` parses it on every call; a staff page has hundreds)."""
    return parse_pattern(format)


@bp.app_template_filter("score")
def score(value, digits: int = 2) -> str:
    """A score as a number, or "not assessed" in words where nothing could be scored: `{{ d.score|score }}`."""
    return gettext("not assessed") if value is None else number(value, digits)


@bp.app_template_filter("percent")
def percent(value) -> str:
    return "—" if value is None else format_percent(value)


@bp.app_template_filter("day")
def day(value) -> str:
    """A date as the reader's language writes it (29 nov. 2026, 29 nov 2026 …); none is a dash."""
    return "—" if value is None else format_date(value, "medium")


@bp.app_template_filter("month")
def month(value) -> str:
    """A month and year as the reader's language writes it (March 2026, mars 2026, marzo de 2026 …)."""
    return "—" if value is None else format_date(value, "LLLL yyyy")


@bp.app_template_filter("money")
def money(value, currency: str | None = None) -> str:
    """An amount with its currency as the reader's language writes it ($1,250.00, 1 250,00 $US …); without a
    currency of its own, the institute's (setting DDQ_CURRENCY); none is a dash."""
    if value is None:
        return "—"
    return format_currency(value, currency or current_app.config.get("DDQ_CURRENCY") or "USD")


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
