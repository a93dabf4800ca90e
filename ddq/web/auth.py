"""Signing in: staff with a password, partners through a personal invitation link, then a password if they like."""

from __future__ import annotations

from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import EmailField, PasswordField
from wtforms.validators import EqualTo, InputRequired, Length

from ..extensions import db, limiter, login_manager
from ..store.models import Invitation, User, utcnow

bp = Blueprint("auth", __name__)

#: A hash to compare against when the e-mail is unknown, so that timing does not reveal who has an account.
_DUMMY_HASH = generate_password_hash("not a password")


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])


class PasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[InputRequired(), Length(min=12, max=200)])
    confirm = PasswordField(_l("Repeat the password"), validators=[InputRequired(), EqualTo("password")])


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="ddq-invitation")


def invitation_token(invitation: Invitation) -> str:
    """The signed token of an invitation link."""
    return _serializer().dumps({"id": invitation.id, "nonce": invitation.nonce})


def invitation_url(invitation: Invitation) -> str:
    base = current_app.config["DDQ_BASE_URL"].rstrip("/")
    return base + url_for("auth.invitation", token=invitation_token(invitation))


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: an open redirect would hand sign-ins to phishing pages."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.scalar(sa.select(User).where(User.email == email))
        password_hash = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
        valid = check_password_hash(password_hash, form.password.data)
        if user is not None and user.active and user.password_hash and valid:
            login_user(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("main.index"))
        flash(_("That e-mail and password do not match an account."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    logout_user()
    return redirect(url_for("auth.login"))


@bp.get("/invite/<token>")
@limiter.limit("30 per minute")
def invitation(token: str):
    max_age = current_app.config["DDQ_INVITATION_DAYS"] * 86400
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        return _invitation_refused(_("This invitation has expired. Ask the institute for a new link.")), 410
    except BadSignature:
        return _invitation_refused(_("This invitation link is not valid. Check that it was copied whole.")), 404
    invitation = db.session.get(Invitation, data.get("id")) if isinstance(data, dict) else None
    if invitation is None or invitation.nonce != data.get("nonce") or not invitation.user.active:
        return _invitation_refused(_("This invitation link has been replaced or withdrawn.")), 404
    if _aware(invitation.expires_at) < utcnow():
        return _invitation_refused(_("This invitation has expired. Ask the institute for a new link.")), 410
    if invitation.used_at is None:
        invitation.used_at = utcnow()
    login_user(invitation.user)
    if invitation.assessment_id:
        return redirect(url_for("respond.assessment", assessment_id=invitation.assessment_id))
    return redirect(url_for("main.index"))


def _aware(moment):
    import datetime as dt

    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _invitation_refused(message: str) -> str:
    return render_template("error.html", title=_("Invitation not accepted"), message=message)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def set_password():
    form = PasswordForm()
    if form.validate_on_submit():
        current_user.password_hash = generate_password_hash(form.password.data)
        flash(_("Your password is set. Next time, sign in with your e-mail and this password."), "success")
        return redirect(url_for("main.index"))
    return render_template("auth/password.html", form=form)
