"""The institute's side: partners, partnerships, requests with their burden shown first, and review."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from babel.numbers import get_currency_name, list_currencies
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import selectinload
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, NumberRange, Optional

from .. import mail, notices
from ..core.anonymity import MIN_RESPONDENTS
from ..core.burden import estimate, suggest_tier
from ..core.definitions import Scope
from ..core.schedule import propose_due_on
from ..core.vocabulary import EVIDENCE_LEVELS, LANGUAGES, PARTNER_ROLES, PARTNERSHIP_TYPES
from ..extensions import db
from ..library import current_library
from ..reporting.feedback import feedback_table
from ..store import operations as ops
from ..store.models import Assessment, Organisation, Partnership, User
from ..store.passport import prefill
from ..store.queries import answers_by_question, estimate_for, scope_of
from ..store.ratings import consensus_of
from ..store.report_facts import feedback_tally
from . import access
from .auth import invitation_url
from .i18n import LANGUAGE_NAMES
from .listing import PARTNER_SORTS, Pages, beyond_last_page, partner_query, read_listing

bp = Blueprint("staff", __name__, url_prefix="/staff")


def _labels(values: tuple[str, ...]) -> list[SelectChoice]:
    return [SelectChoice(value, value.replace("_", " ").capitalize()) for value in values]


class PartnerForm(FlaskForm):
    name = StringField(_l("Organisation name"), validators=[InputRequired(), Length(max=200)])
    country = StringField(_l("Country (two-letter code)"), validators=[Optional(), Length(min=2, max=2)])
    staff_size = IntegerField(
        _l("Number of staff (people, part-time included)"), validators=[Optional(), NumberRange(min=0)]
    )
    founded_year = IntegerField(_l("Year founded"), validators=[Optional(), NumberRange(min=1000, max=3000)])
    languages = SelectMultipleField(
        _l("Languages"), choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES], default=["en"]
    )
    contact_name = StringField(_l("Contact person"), validators=[InputRequired(), Length(max=200)])
    contact_email = EmailField(_l("Contact e-mail"), validators=[InputRequired(), Email(check_deliverability=False)])


def _currency_choices() -> list[tuple[str, str]]:
    """Every ISO 4217 currency Babel knows, named in the reader's language, after a blank for "none recorded"."""
    locale = get_locale()
    named = ((code, f"{code} — {get_currency_name(code, locale=locale)}") for code in sorted(list_currencies()))
    return [("", "—"), *named]


class CurrencyField(SelectField):
    """A currency chosen from the ISO 4217 list; a code typed in any case (kes) is read as the code (KES)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata([value.strip().upper() for value in valuelist])


class PartnershipForm(FlaskForm):
    title = StringField(_l("Title"), validators=[InputRequired(), Length(max=200)])
    type = SelectField(_l("Type of partnership"), choices=_labels(PARTNERSHIP_TYPES))
    roles = SelectMultipleField(_l("Partner roles"), choices=_labels(PARTNER_ROLES))
    funder = StringField(_l("Funder"), validators=[Optional(), Length(max=200)])
    amount = DecimalField(_l("Money transferred to the partner"), validators=[Optional(), NumberRange(min=0)])
    currency = CurrencyField(_l("Currency"), choices=_currency_choices)
    review_cycle_months = IntegerField(_l("Review every (months)"), default=24, validators=[NumberRange(min=1, max=60)])


class RequestForm(FlaskForm):
    questionnaire = SelectField(_l("Questionnaire"))
    tier = SelectField(_l("Tier"))
    tier_reason = TextAreaField(_l("Why a different tier than suggested"), validators=[Optional(), Length(max=2000)])
    budget_justification = TextAreaField(
        _l("Why this request may exceed its tier's budget (shown to the partner)"),
        validators=[Optional(), Length(max=4000)],
    )
    due_on = DateField(
        _l("Due date"),
        validators=[Optional()],
        description=_l("Proposed from the suggested tier's time budget; change it as you agree with the partner."),
    )
    funder_mandate = BooleanField(_l("A funder mandates its own due diligence"))
    high_risk = BooleanField(_l("High-risk context"))


class ReviewForm(FlaskForm):
    action = SelectField(
        _l("Action"),
        choices=[
            SelectChoice("comment", _l("Comment")),
            SelectChoice("request_changes", _l("Request a change")),
            SelectChoice("accept", _l("Accept")),
        ],
    )
    body = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=4000)])
    evidence_level = SelectField(
        _l("Evidence level"), choices=[SelectChoice(str(i), level) for i, level in enumerate(EVIDENCE_LEVELS)]
    )


@bp.get("")
@access.staff_required
def dashboard():
    """Partners a page at a time, searched and ordered in the database (ddq/web/listing.py)."""
    listing = read_listing(PARTNER_SORTS)
    where, order_by = partner_query(listing)
    total = db.session.scalar(sa.select(sa.func.count(Organisation.id)).where(*where))
    listing = beyond_last_page(listing, total)
    partners = db.session.scalars(
        sa.select(Organisation)
        .where(*where)
        .options(selectinload(Organisation.partnerships).selectinload(Partnership.assessments))
        .order_by(*order_by)
        .limit(listing.size)
        .offset(listing.offset)
    ).all()
    disclosures = db.session.scalars(
        sa.select(Assessment).where(Assessment.direction == "host_disclosure").order_by(Assessment.id.desc())
    ).all()
    pages = Pages(listing, total, "staff.dashboard", PARTNER_SORTS)
    return render_template("staff/dashboard.html", partners=partners, disclosures=disclosures, pages=pages)


@bp.route("/partners/new", methods=["GET", "POST"])
@access.staff_required
def new_partner():
    form = PartnerForm()
    if form.validate_on_submit():
        try:
            partner = ops.create_organisation(
                db.session,
                form.name.data,
                country=form.country.data or None,
                staff_size=form.staff_size.data,
                founded_year=form.founded_year.data,
                languages=form.languages.data or ["en"],
                actor=current_user,
            )
            ops.create_user(
                db.session,
                form.contact_email.data,
                form.contact_name.data,
                "partner_respondent",
                partner,
                language=(form.languages.data or ["en"])[0],
            )
        except ops.StoreError as error:
            db.session.rollback()
            form.name.errors.append(str(error))
        else:
            flash(_("Partner added."), "success")
            return redirect(url_for("staff.new_partnership", partner_id=partner.id))
    return render_template("staff/form.html", form=form, title=_("New partner"))


@bp.get("/partners/<id:partner_id>")
@access.staff_required
def partner(partner_id: int):
    organisation = access.organisation_for(partner_id)
    if organisation.is_host:
        abort(404)
    return render_template("staff/partner.html", partner=organisation)


@bp.route("/partners/<id:partner_id>/partnerships/new", methods=["GET", "POST"])
@access.staff_required
def new_partnership(partner_id: int):
    partner = access.organisation_for(partner_id)
    if partner.is_host:
        abort(404)
    form = PartnershipForm()
    if form.validate_on_submit():
        partnership = ops.create_partnership(
            db.session,
            partner,
            form.title.data,
            form.type.data,
            roles=form.roles.data,
            funder=form.funder.data or None,
            amount_transferred=form.amount.data,
            currency=(form.currency.data or "").upper() or None,
            review_cycle_months=form.review_cycle_months.data,
            actor=current_user,
        )
        return redirect(url_for("staff.new_request", partnership_id=partnership.id))
    return render_template("staff/form.html", form=form, title=_("New partnership with %(name)s", name=partner.name))


@bp.route("/partnerships/<id:partnership_id>/request", methods=["GET", "POST"])
@access.staff_required
def new_request(partnership_id: int):
    """Choose the questionnaire (the capacity assessment or an imported funder template) and a tier with ddq's
    suggestion, and see the burden of each tier before anything is sent."""
    partnership = db.session.get(Partnership, partnership_id)
    if partnership is None:
        abort(404)
    library = current_library()
    requestable = requestable_questionnaires(library)
    wanted = request.form.get("questionnaire") or request.args.get("questionnaire") or "partner-capacity"
    if wanted not in requestable:
        abort(404)
    questionnaire = requestable[wanted]
    form = RequestForm()
    form.questionnaire.choices = [SelectChoice(q.id, q.title.get()) for q in requestable.values()]
    form.questionnaire.data = questionnaire.id
    form.tier.choices = [SelectChoice(tier.id, tier.title.get()) for tier in library.tiers.values()]
    partner = partnership.partner
    suggestion = suggest_tier(
        partnership.type,
        amount=float(partnership.amount_transferred or 0),
        staff_size=partner.staff_size,
        founded_year=partner.founded_year,
        year=dt.date.today().year,
        funder_mandate=bool(form.funder_mandate.data),
        high_risk=bool(form.high_risk.data),
    )
    if request.method == "GET":
        form.tier.data = suggestion.tier
        form.due_on.data = propose_due_on(dt.date.today(), library.tiers[suggestion.tier].max_minutes)
    roles = frozenset(partnership.roles)
    burdens = {
        tier.id: (tier, estimate(questionnaire, Scope(tier.id, partnership.type, roles)))
        for tier in library.tiers.values()
    }
    if form.validate_on_submit():
        tier, burden = burdens[form.tier.data]
        overs = burden.over_budget(tier)
        justification = (form.budget_justification.data or "").strip()
        reason = (form.tier_reason.data or "").strip()
        if form.due_on.data is not None and form.due_on.data < dt.date.today():
            form.due_on.errors.append(_("The due date %(date)s is in the past.", date=form.due_on.data.isoformat()))
        elif form.tier.data != suggestion.tier and not reason:
            form.tier_reason.errors.append(_("Say why you chose another tier than the one suggested."))
        elif overs and not justification:
            form.budget_justification.errors.append(
                _("This request is over its tier's budget (%(overs)s): write why.", overs="; ".join(overs))
            )
        else:
            return _send_request(partnership, questionnaire, form, reason, justification)
    return render_template(
        "staff/request.html",
        form=form,
        partnership=partnership,
        suggestion=suggestion,
        burdens=burdens,
        questionnaire=questionnaire,
        requestable=requestable,
    )


def requestable_questionnaires(library) -> dict:
    """What a request to a partner can be for: its self-assessments, the capacity assessment first, then imported
    funder templates. (Partners' ratings of the institute stay anonymous: they are not requested one by one.)"""
    found = [q for q in library.questionnaires.values() if q.direction == "partner_self"]
    found.sort(key=lambda q: (q.id != "partner-capacity", q.mandated_by is not None, q.title.get().lower()))
    return {q.id: q for q in found}


def _send_request(partnership: Partnership, questionnaire, form: RequestForm, reason: str, justification: str):
    partner = partnership.partner
    partnership.tier = form.tier.data
    partnership.tier_reason = reason or None
    assessment = ops.create_assessment(
        db.session,
        questionnaire,
        subject=partner,
        respondent=partner,
        partnership=partnership,
        tier=form.tier.data,
        language=(partner.languages or ["en"])[0],
        due_on=form.due_on.data,
        actor=current_user,
    )
    assessment.budget_justification = justification or None
    carried = prefill(db.session, assessment, Path(current_app.config["DDQ_UPLOADS"]))
    ops.change_status(db.session, assessment, "sent", current_user)
    if carried:
        flash(
            _("%(n)d answers carried over from earlier assessments: the partner only confirms them.", n=carried),
            "success",
        )
    sent = _invite_respondents(assessment)
    flash(_("Request sent to %(count)d people.", count=sent), "success")
    return redirect(url_for("staff.review", assessment_id=assessment.id))


def _invite_respondents(assessment: Assessment) -> int:
    people = db.session.scalars(
        sa.select(User).where(
            User.organisation_id == assessment.respondent_id, User.role == "partner_respondent", User.active
        )
    ).all()
    questionnaire = ops.questionnaire_of(assessment.questionnaire_version)
    minutes = round(estimate_for(assessment, questionnaire).minutes_high)
    days = current_app.config["DDQ_INVITATION_DAYS"]
    no_mail_server = not current_app.config.get("DDQ_SMTP_HOST")
    for person in people:
        invitation = ops.create_invitation(db.session, person, assessment, days=days, actor=current_user)
        link = invitation_url(invitation)
        # written to the outbox in this request's transaction; it leaves once the request has committed
        mail.queue(
            dedupe_key=f"invitation:{invitation.id}:{invitation.nonce[:12]}",
            recipient=person.email,
            kind="invitation",
            language=person.language,
            template="invitation",
            subject=lambda: questionnaire.title.get(person.language),  # noqa: B023 - called at once
            person=person,
            assessment=assessment,
            minutes=minutes,
            questionnaire=questionnaire,
            days=days,
            link=link,
        )
        if no_mail_server:
            flash(
                _("No mail server is set up: send this link to %(name)s (%(email)s) yourself: %(link)s",
                  name=person.name, email=person.email, link=link),
                "link",
            )
    return len(people)


@bp.post("/assessments/<id:assessment_id>/invite")
@access.staff_required
def invite(assessment_id: int):
    assessment = access.assessment_for(assessment_id, access.can_review)
    count = _invite_respondents(assessment)
    flash(_("Invitation sent again to %(count)d people.", count=count), "success")
    return redirect(url_for("staff.review", assessment_id=assessment.id))


@bp.get("/assessments/<id:assessment_id>")
@access.staff_required
def review(assessment_id: int):
    assessment = access.assessment_for(assessment_id)
    questionnaire = ops.questionnaire_of(assessment.questionnaire_version)
    scope = scope_of(assessment)
    sections = [
        (section, [q for q in section.questions if q.applies_to.matches(scope)])
        for section in questionnaire.sections
        if section.applies_to.matches(scope)
    ]
    return render_template(
        "staff/review.html",
        assessment=assessment,
        questionnaire=questionnaire,
        sections=sections,
        answers=answers_by_question(assessment),
        form=ReviewForm(),
        can_review=access.can_review(current_user, assessment),
        consensus=consensus_of(db.session, assessment.id, questionnaire),
    )


@bp.post("/assessments/<id:assessment_id>/answers/<question_id>")
@access.staff_required
def review_answer(assessment_id: int, question_id: str):
    assessment = access.assessment_for(assessment_id, access.can_review)
    answer = answers_by_question(assessment).get(question_id)
    if answer is None:
        abort(404)
    form = ReviewForm()
    if not form.validate_on_submit():
        abort(400)
    if assessment.status == "accepted":
        flash(_("This assessment is accepted: its answers are no longer reviewed."), "error")
        return redirect(url_for("staff.review", assessment_id=assessment.id))
    ops.set_evidence_level(db.session, answer, int(form.evidence_level.data), current_user)
    if form.body.data or form.action.data != "comment":
        ops.add_review_comment(db.session, answer, current_user, form.action.data, form.body.data or "")
    flash(_("Review saved."), "success")
    return redirect(url_for("staff.review", assessment_id=assessment.id, _anchor=f"q-{question_id}"))


@bp.post("/assessments/<id:assessment_id>/decision")
@access.staff_required
def decide(assessment_id: int):
    assessment = access.assessment_for(assessment_id)
    decision = request.form.get("decision")
    if decision not in {"changes_requested", "accepted"} or access.anonymous_answers(assessment):
        abort(400)
    try:
        ops.change_status(db.session, assessment, decision, current_user)
    except ops.StoreError as error:
        flash(str(error), "error")
        return redirect(url_for("staff.review", assessment_id=assessment.id))
    if decision == "changes_requested":
        notices.changes_requested(assessment)
    elif assessment.direction == "host_disclosure":
        notices.disclosure_updated(assessment)
    flash(
        _("Changes requested: the partner can edit again.") if decision == "changes_requested" else _("Accepted."),
        "success",
    )
    return redirect(url_for("staff.review", assessment_id=assessment.id))


@bp.post("/disclosure")
@access.staff_required
def start_disclosure():
    """Open the institute's disclosure for editing: the current draft, or a new one."""
    open_one = db.session.scalar(
        sa.select(Assessment).where(
            Assessment.direction == "host_disclosure",
            Assessment.status.in_(["draft", "sent", "in_progress", "changes_requested"]),
        )
    )
    if open_one is None:
        host = ops.host_organisation(db.session)
        if host is None:
            abort(409)
        open_one = ops.create_assessment(
            db.session,
            current_library().questionnaire("host-disclosure"),
            subject=host,
            respondent=host,
            actor=current_user,
        )
        carried = prefill(db.session, open_one, Path(current_app.config["DDQ_UPLOADS"]))
        ops.change_status(db.session, open_one, "sent", current_user)
        if carried:
            flash(
                ngettext(
                    "%(num)d answer carried over from the previous disclosure: confirm or update it.",
                    "%(num)d answers carried over from the previous disclosure: confirm or update them.",
                    carried,
                ),
                "success",
            )
    return redirect(url_for("respond.assessment", assessment_id=open_one.id))


@bp.get("/feedback")
@access.staff_required
def feedback():
    """Partners' ratings of the institute, in aggregate only: a question's figures only from enough partners, all
    counted in the database."""
    tally = feedback_tally(db.session)
    return render_template(
        "staff/feedback.html",
        rows=feedback_table(tally, current_library().questionnaire("partner-feedback")),
        respondents=tally.respondents,
        threshold=MIN_RESPONDENTS,
    )
