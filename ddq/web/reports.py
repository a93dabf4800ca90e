"""Reports on the web: downloads for staff and for the organisation concerned, and the action plan staff edit."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import notices
from ..core.scoring import BANDS
from ..core.vocabulary import LANGUAGES
from ..extensions import db
from ..library import current_library
from ..reporting.context import capacity_report_context, reciprocal_report_context
from ..reporting.export import csv_rows, xlsx_rows
from ..reporting.overview import (
    PortfolioScores,
    portfolio_columns,
    portfolio_context,
    portfolio_figures,
    portfolio_records,
)
from ..reporting.render import bundled_font, for_browser, load_template, render_html, render_pdf
from ..store import operations as ops
from ..store import publishing, report_facts, staff_facts
from ..store.models import Assessment, User
from . import access
from .i18n import display_language
from .listing import PORTFOLIO_SORTS, Pages, beyond_last_page, portfolio_query, read_listing

bp = Blueprint("reports", __name__)


def can_read_report(user: User, assessment: Assessment) -> bool:
    """Staff always (except anonymous ratings); the organisation concerned once staff have published it;
    everyone signed in for the institute's own published disclosure."""
    if assessment.direction == "partner_rates_host":
        return False
    if assessment.direction == "host_disclosure":
        return access.is_staff(user) or assessment.status == "accepted"
    if access.is_staff(user):
        return True
    return user.organisation_id == assessment.subject_id and assessment.report_published_at is not None


def report_language() -> str:
    """The language a report is written in: the reader's own (a partner's is the one they read ddq in), or the
    one asked for with `?lang=` (staff sending a partner its report in the partner's language)."""
    asked = request.args.get("lang", "")
    return asked if asked in LANGUAGES else display_language()


def _deliver(template: str, context: dict, kind: str, name: str) -> Response:
    language = report_language()
    with force_locale(language):
        html = render_html(load_template(template, current_reports()), context, language)
    if kind == "html":
        return Response(
            for_browser(html, url_for("reports.font", name="DejaVuSans.ttf").rsplit("/", 1)[0] + "/"),
            mimetype="text/html",
            headers={
                "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                "font-src 'self'"
            },
        )
    return Response(
        render_pdf(html),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'},
    )


@bp.get("/reports/fonts/<name>")
def font(name: str):
    """The fonts HTML reports are set in (free fonts, the same for everyone: no sign-in needed)."""
    path = bundled_font(name)
    if path is None:
        abort(404)
    return send_file(path, mimetype="font/ttf", max_age=86400)


@bp.get("/a/<id:assessment_id>/report.<any(html, pdf):kind>")
@login_required
def download(assessment_id: int, kind: str):
    assessment = access.assessment_for(assessment_id, can_read_report)
    published = _published(assessment)
    facts = published.capacity if published is not None else report_facts.capacity_facts(db.session, assessment)
    with force_locale(report_language()):
        context = capacity_report_context(facts, current_library(), report_language())
    return _deliver("capacity", context, kind, f"ddq-report-{assessment.id}")


def _published(assessment: Assessment):
    """The frozen facts a download renders: the latest published version, or `?version=N`; staff may ask for
    `?draft=1`, the figures as they are now (None). A version that does not exist is a 404."""
    asked = request.args.get("version", "")
    if request.args.get("draft") and access.is_staff(current_user):
        return None
    if asked:
        if not (asked.isascii() and asked.isdigit()) or len(asked) > 6:
            abort(404)
        found = publishing.published_facts(db.session, assessment, int(asked))
        if found is None:
            abort(404)
        return found
    return publishing.published_facts(db.session, assessment)


@bp.get("/a/<id:assessment_id>/reciprocal.<any(html, pdf):kind>")
@login_required
def reciprocal(assessment_id: int, kind: str):
    """Both sides side by side, for the partner concerned and for staff."""
    assessment = access.assessment_for(assessment_id, can_read_report)
    if assessment.direction != "partner_self":
        abort(404)
    published = _published(assessment)
    facts = published if published is not None else report_facts.reciprocal_facts(db.session, assessment)
    with force_locale(report_language()):
        context = reciprocal_report_context(facts, current_library(), report_language())
    return _deliver("reciprocal", context, kind, f"ddq-reciprocal-{assessment.id}")


def portfolio_scores() -> PortfolioScores:
    """The portfolio figures this process keeps for the running library (after an import, a new library starts
    afresh)."""
    library = current_library()
    kept = current_app.extensions.get("ddq.portfolio_scores")
    if kept is None or kept.library is not library:
        kept = current_app.extensions["ddq.portfolio_scores"] = PortfolioScores(library)
    return kept


@bp.get("/staff/portfolio")
@access.staff_required
def portfolio():
    """A page of the portfolio: search and order by name, country, tier and status run in the database and only the
    page's partners are scored; ordering or searching by risk band scores every partner (vectorised) first."""
    listing = read_listing(PORTFOLIO_SORTS)
    band = listing.search.lower() if listing.search.lower() in BANDS else None
    where, order_by = portfolio_query(replace(listing, search="") if band else listing)
    library, language, scores = current_library(), display_language(), portfolio_scores()
    if band is None and listing.sort != "band":
        total = staff_facts.count_latest_self_assessments(db.session, where)
        listing = beyond_last_page(listing, total)
        facts = staff_facts.portfolio_facts(
            db.session, scores=scores, where=where, order_by=order_by, limit=listing.size, offset=listing.offset
        )
        context = portfolio_context(facts, library, language, scores)
    else:  # every partner's figures (kept ones are not worked out again), then only the page's rows
        facts = staff_facts.portfolio_facts(db.session, scores=scores, where=where)
        figures = portfolio_figures(facts, library, scores)
        chosen = [found for found in facts.assessments if band is None or figures[found.id].band == band]
        if listing.sort == "band":
            rank = {name: position for position, name in enumerate(BANDS)}
            chosen.sort(key=lambda found: rank.get(figures[found.id].band, len(BANDS)), reverse=listing.descending)
        total = len(chosen)
        listing = beyond_last_page(listing, total)
        page = tuple(chosen[listing.offset : listing.offset + listing.size])
        context = portfolio_context(replace(facts, assessments=page, known=figures), library, language)
    pages = Pages(listing, total, "reports.portfolio", PORTFOLIO_SORTS)
    return render_template("staff/portfolio.html", pages=pages, **context)


@bp.get("/staff/portfolio.<any(html, pdf, csv, xlsx):kind>")
@access.staff_required
def portfolio_download(kind: str):
    scores = portfolio_scores()
    with force_locale(report_language()):
        facts = staff_facts.portfolio_facts(db.session, scores=scores)
        context = portfolio_context(facts, current_library(), report_language(), scores)
    if kind in {"csv", "xlsx"}:
        columns, rows = portfolio_columns(context), portfolio_records(context)
        body, mimetype = (
            (csv_rows(columns, rows), "text/csv")
            if kind == "csv"
            else (xlsx_rows(columns, rows), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        )
        return Response(
            body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="ddq-portfolio.{kind}"'}
        )  # written as it is sent: the body is a generator
    return _deliver("portfolio", context, kind, "ddq-portfolio")


def current_reports():
    return current_app.config["DDQ_REPORTS"]


@bp.route("/staff/assessments/<id:assessment_id>/action-plan", methods=["GET", "POST"])
@access.staff_required
def action_plan(assessment_id: int):
    """Staff edit the suggested action plan, then publish the report to the organisation assessed."""
    assessment = access.assessment_for(assessment_id, access.can_review)
    library = current_library()
    if request.method == "POST":
        rows, problems = _rows_from_form()
        if problems:
            for problem in problems:
                flash(problem, "error")
        else:
            ops.replace_action_plan(db.session, assessment, rows, current_user)
            if request.form.get("publish"):
                published = publishing.publish(db.session, assessment, current_user, library)
                notices.report_published(assessment, published.version)
            flash(
                _("Report published to the partner.") if request.form.get("publish") else _("Action plan saved."),
                "success",
            )
            return redirect(url_for("reports.action_plan", assessment_id=assessment.id))
    context = capacity_report_context(report_facts.capacity_facts(db.session, assessment), library, display_language())
    domains = [(domain.id, domain.title.get(display_language())) for domain in library.domains.values()]
    return render_template(
        "staff/action_plan.html",
        assessment=assessment,
        actions=context["actions"],
        domains=domains,
        saved=bool(assessment.action_items),
    )


def _rows_from_form() -> tuple[list[dict], list[str]]:
    fields = ("priority", "action", "support", "due_on", "domain", "question_id")
    columns = {name: request.form.getlist(name) for name in fields}
    count = len(columns["action"])
    if any(len(values) != count for values in columns.values()):
        abort(400)
    rows, problems = [], []
    for index in range(count):
        row = {name: columns[name][index].strip() for name in fields}
        if not row["action"] or request.form.get(f"remove_{index}"):
            continue
        if row["due_on"]:
            try:
                row["due_on"] = dt.date.fromisoformat(row["due_on"])
            except ValueError:
                problems.append(_("Row %(n)d: the date must be written YYYY-MM-DD.", n=index + 1))
        else:
            row["due_on"] = None
        if row["priority"] not in {"high", "medium", "low"}:
            problems.append(_("Row %(n)d: choose a priority.", n=index + 1))
        rows.append(row)
    return rows, problems
