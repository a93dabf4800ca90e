"""The burden ledger on the web, and closing the loop on partners' comments about the process."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import notices
from ..core.ledger import ledger
from ..extensions import db
from ..reporting.export import csv_rows
from ..reporting.overview import LEDGER_COLUMNS, ledger_records
from ..store import operations as ops
from ..store.ledger_facts import ledger_requests
from ..store.models import Assessment, Organisation, utcnow
from . import access
from .listing import PARTNER_SORTS, Pages, beyond_last_page, partner_query, read_listing

bp = Blueprint("burden", __name__, url_prefix="/staff")


@bp.get("/burden")
@access.staff_required
def overview():
    """Partners' burden over the last 12 months, across every request including funder templates: a page of
    partners (searched and ordered in the database), and only their requests read."""
    listing = read_listing(PARTNER_SORTS)
    where, order_by = partner_query(listing)
    where.append(sa.exists().where(Assessment.subject_id == Organisation.id, Assessment.direction == "partner_self"))
    total = db.session.scalar(sa.select(sa.func.count(Organisation.id)).where(*where))
    listing = beyond_last_page(listing, total)
    page = db.session.execute(
        sa.select(Organisation.id, Organisation.name)
        .where(*where)
        .order_by(*order_by)
        .limit(listing.size)
        .offset(listing.offset)
    ).all()
    partner_ids = {name: partner_id for partner_id, name in page}
    by_name = ledger(
        ledger_requests(db.session, partner_ids=list(partner_ids.values())), dt.date.today(), currency=_currency()
    )
    rows = [by_name[name] for _, name in page if name in by_name]
    pages = Pages(listing, total, "burden.overview", PARTNER_SORTS)
    return render_template(
        "staff/burden.html", rows=rows, partner_ids=partner_ids, pages=pages, currency=_currency()
    )


@bp.get("/burden.csv")
@access.staff_required
def overview_csv():
    """Every partner's row, written as it is sent."""
    rows = ledger(ledger_requests(db.session), dt.date.today(), currency=_currency()).values()
    return Response(
        csv_rows(LEDGER_COLUMNS, ledger_records(rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="ddq-burden.csv"'},
    )


@bp.get("/burden/<id:partner_id>")
@access.staff_required
def partner(partner_id: int):
    organisation = access.organisation_for(partner_id)
    requests = ledger_requests(db.session, partner_id=organisation.id)
    year = ledger(requests, dt.date.today(), currency=_currency()).get(organisation.name)
    assessments = {
        a.id: a for a in db.session.scalars(sa.select(Assessment).where(Assessment.respondent_id == organisation.id))
    }
    return render_template(
        "staff/burden_partner.html",
        partner=organisation,
        requests=requests,
        year=year,
        currency=_currency(),
        assessments=assessments,
        parity=_reciprocity_ledger(organisation),
    )


def _currency() -> str:
    """The institute's currency (setting DDQ_CURRENCY): funding per burden hour is given in it, and funding with
    no currency recorded counts as it."""
    return current_app.config.get("DDQ_CURRENCY") or "USD"


def _reciprocity_ledger(organisation) -> list[dict]:
    """Per domain: what the institute asked this partner (its latest request) and what it disclosed in return."""
    from ..library import current_library
    from ..reporting.context import parity_with, reciprocity_rows
    from ..store.report_facts import disclosure_facts
    from ..store.staff_facts import latest_self_assessment_facts

    latest = latest_self_assessment_facts(db.session, organisation.id)
    disclosure = disclosure_facts(db.session) if latest is not None else None
    if latest is None or disclosure is None:
        return []
    library = current_library()
    return reciprocity_rows(parity_with(latest, disclosure, library), library, "en")


@bp.post("/assessments/<id:assessment_id>/burden-response")
@access.staff_required
def respond_to_comment(assessment_id: int):
    """The institute's answer to a partner's comment on the process, published back to the partner."""
    assessment = access.assessment_for(assessment_id, access.can_review)
    text = (request.form.get("response") or "").strip()
    if not text:
        flash(_("Write the response first."), "error")
    else:
        assessment.burden_response = text[:4000]
        assessment.burden_response_at = utcnow()
        ops.log(db.session, "burden.response", assessment, current_user)
        notices.response_published(assessment)
        flash(_("Response published to the partner."), "success")
    return redirect(url_for("burden.partner", partner_id=assessment.respondent_id))
