"""Colleagues: a partner's respondents invite the people who answer with them, and staff add people too.

An invitation creates the person (a respondent who answers, or a viewer who only reads) and sends a personal,
single-use link through the outbox; the link opens the organisation's open request, where sections are assigned.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length

from .. import mail
from ..core.workflow import EDITABLE
from ..extensions import db
from ..store import operations as ops
from ..store.models import Assessment, Organisation, User
from . import access
from .auth import invitation_url
from .i18n import display_language

bp = Blueprint("colleagues", __name__)

#: The roles a colleague may be given, with what each may do.
ROLES = ("partner_respondent", "partner_viewer")


class ColleagueForm(FlaskForm):
    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)])
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice("partner_respondent", _l("Answers questions")),
            SelectChoice("partner_viewer", _l("Reads only")),
        ],
    )


def role_label(role: str) -> str:
    """A person's role in plain words."""
    return {
        "partner_respondent": _("Answers questions"),
        "partner_viewer": _("Reads only"),
        "admin": _("Administrator"),
        "staff": _("Institute staff"),
    }.get(role, role)


def answered_by(assessment: Assessment) -> dict[str, list[str]]:
    """Who answered each question, by question id (names, for the respondent's overview)."""
    people = {
        user.id: user.name
        for user in db.session.scalars(sa.select(User).where(User.organisation_id == assessment.respondent_id))
    }
    return {
        answer.question_id: people[answer.answered_by_id]
        for answer in assessment.answers
        if answer.answered_by_id in people
    }


def names_in(section, who: dict[str, str]) -> list[str]:
    """The people who answered questions of `section`, each once, in question order."""
    return list(dict.fromkeys(who[question.id] for question in section.questions if question.id in who))


bp.add_app_template_global(answered_by, "answered_by")
bp.add_app_template_global(names_in, "names_in")


def _open_request(organisation: Organisation) -> Assessment | None:
    return db.session.scalar(
        sa.select(Assessment)
        .where(Assessment.respondent_id == organisation.id, Assessment.status.in_(EDITABLE))
        .order_by(Assessment.direction != "partner_self", Assessment.created_at.desc(), Assessment.id.desc())
        .limit(1)
    )


def invite(organisation: Organisation, form: ColleagueForm) -> User | None:
    """Create the colleague and queue their invitation; None (with the reason on the form) when refused."""
    try:
        person = ops.create_user(
            db.session,
            form.email.data,
            form.name.data.strip(),
            form.role.data,
            organisation,
            language=display_language(),
        )
    except ops.StoreError as error:
        form.email.errors.append(str(error))
        return None
    days = current_app.config["DDQ_INVITATION_DAYS"]
    assessment = _open_request(organisation)
    invitation = ops.create_invitation(db.session, person, assessment, days=days, actor=current_user)
    link = invitation_url(invitation)
    mail.queue(
        dedupe_key=f"colleague:{invitation.id}:{invitation.nonce[:12]}",
        recipient=person.email,
        kind="invitation",
        language=person.language,
        template="colleague",
        subject=lambda: _("%(name)s invites you to answer with %(organisation)s", name=current_user.name,
                          organisation=organisation.name),
        person=person,
        inviter=current_user,
        organisation=organisation,
        assessment=assessment,
        days=days,
        link=link,
    )
    ops.log(db.session, "user.invite", person, current_user, organisation=organisation.id, role=person.role)
    if not current_app.config.get("DDQ_SMTP_HOST"):
        flash(
            _("No mail server is set up: send this link to %(name)s (%(email)s) yourself: %(link)s",
              name=person.name, email=person.email, link=link),
            "link",
        )
    return person


def _people(organisation: Organisation) -> list[User]:
    return db.session.scalars(
        sa.select(User).where(User.organisation_id == organisation.id).order_by(User.active.desc(), User.name)
    ).all()


def _page(organisation: Organisation, form: ColleagueForm, may_invite: bool, back: str):
    return render_template(
        "respond/colleagues.html",
        organisation=organisation,
        people=_people(organisation),
        form=form,
        may_invite=may_invite,
        role_label=role_label,
        back=back,
    )


@bp.route("/colleagues", methods=["GET", "POST"])
@access.partner_required
def team():
    """The partner's people; respondents invite colleagues here."""
    organisation = current_user.organisation
    may_invite = current_user.role == "partner_respondent"
    form = ColleagueForm()
    if form.is_submitted():
        if not may_invite:
            abort(403)
        if form.validate() and invite(organisation, form) is not None:
            flash(_("Invitation sent to %(name)s.", name=form.name.data.strip()), "success")
            return redirect(url_for("colleagues.team"))
    return _page(organisation, form, may_invite, url_for("respond.home"))


@bp.route("/staff/partners/<id:partner_id>/people", methods=["GET", "POST"])
@access.staff_required
def staff_people(partner_id: int):
    """Staff add people to a partner organisation."""
    organisation = access.organisation_for(partner_id)
    if organisation.is_host:
        abort(404)
    form = ColleagueForm()
    if form.validate_on_submit() and invite(organisation, form) is not None:
        flash(_("Invitation sent to %(name)s.", name=form.name.data.strip()), "success")
        return redirect(url_for("colleagues.staff_people", partner_id=organisation.id))
    return _page(organisation, form, True, url_for("staff.partner", partner_id=organisation.id))
