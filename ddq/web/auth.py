"""Signing in: staff with a password, partners through a personal invitation link, then a password if they like.

Sessions end when they should. The sign-in cookie carries the person's session version (`User.get_id`), and
signing out or changing the password raises it, which ends every browser of that person, including a cookie
copied before. An invitation link opens once, only for its invitee, and the session it opened ends when the link
is replaced. Someone already signed in who opens another person's link is asked before being switched.

Opening a link (GET or HEAD) changes nothing: it shows whom the link is for and what it opens, with a Continue
button; only that button's POST, with its CSRF token, uses the link. Mail systems that fetch every link of a
message before the person reads it (link scanners) therefore no longer use it up.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash
from wtforms import EmailField, PasswordField
from wtforms.validators import EqualTo, InputRequired, Length

from .. import jobs, notices
from ..config import cookie_policy
from ..core.vocabulary import DEFAULT_LANGUAGE, LANGUAGES
from ..extensions import db, limiter, login_manager
from ..store import operations as ops
from ..store.models import Assessment, Invitation, User, utcnow
from .i18n import display_language

bp = Blueprint("auth", __name__)

#: A hash to compare against when the e-mail is unknown, so that timing does not reveal who has an account.
_DUMMY_HASH = generate_password_hash("not a password")
#: The key, in the signed session cookie, of the invitation a session was opened with.
_OPENED_BY = "ddq_opened_by"
#: How long a password-reset link works.
RESET_LINK_HOURS = 2


@bp.record_once
def _secure_cookies(state: BlueprintSetupState) -> None:
    """Cookies are Secure whenever the links ddq sends point to https, whatever else the settings say."""
    config = state.app.config
    if config["DDQ_BASE_URL"].strip().lower().startswith("https://"):
        config.update(cookie_policy(config["DDQ_BASE_URL"]))


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[Length(max=200)])
    password = PasswordField(_l("New password"), validators=[InputRequired(), Length(min=12, max=200)])
    confirm = PasswordField(_l("Repeat the password"), validators=[InputRequired(), EqualTo("password")])


class ResetForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[InputRequired(), Length(max=254)])


class ConfirmForm(FlaskForm):
    """Nothing but the CSRF token: a button that must come from ddq's own page."""


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The signed-in person, if the cookie's session version is still theirs and its link was not replaced."""
    number, _sep, version = user_id.partition(":")
    if not (number.isdigit() and version.isdigit() and len(number) < 12 and len(version) < 12):
        return None  # also cookies from before session versions: they sign in again
    user = db.session.get(User, int(number))
    if user is None or not user.active or user.session_version != int(version):
        return None
    opened_by = session.get(_OPENED_BY)
    if opened_by is not None and not _link_still_stands(user, opened_by):
        return None
    return user


def _link_still_stands(user: User, opened_by: object) -> bool:
    if not (isinstance(opened_by, list) and len(opened_by) == 2 and isinstance(opened_by[0], int)):
        return False
    invitation = db.session.get(Invitation, opened_by[0]) if 0 < opened_by[0] < 2**31 else None
    return invitation is not None and invitation.user_id == user.id and _fingerprint(invitation) == opened_by[1]


def _fingerprint(invitation: Invitation) -> str:
    """Names one link without putting its secret in the cookie (ids can come back after a deletion on SQLite)."""
    return hashlib.sha256(invitation.nonce.encode()).hexdigest()[:32]


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="ddq-invitation")


def invitation_token(invitation: Invitation, *, reset: bool = False) -> str:
    """The signed token of an invitation link; a reset link leads to the password page."""
    data: dict[str, object] = {"id": invitation.id, "nonce": invitation.nonce}
    if reset:
        data["reset"] = 1
    return _serializer().dumps(data)


def invitation_url(invitation: Invitation, *, reset: bool = False) -> str:
    base = current_app.config["DDQ_BASE_URL"].rstrip("/")
    return base + url_for("auth.invitation", token=invitation_token(invitation, reset=reset))


def _safe_next(target: str | None) -> str | None:
    """Only same-site paths: an open redirect would hand sign-ins to phishing pages."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _sign_in(user: User, invitation: Invitation | None = None) -> None:
    """Sign `user` in on this browser; a session opened by a link remembers which, so that replacing it ends it."""
    session.pop(_OPENED_BY, None)
    login_user(user)
    if invitation is not None:
        session[_OPENED_BY] = [invitation.id, _fingerprint(invitation)]


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
            _sign_in(user)
            return redirect(_safe_next(request.args.get("next")) or url_for("main.index"))
        flash(_("That e-mail and password do not match an account."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
def logout():
    """Sign out everywhere: every browser of this person, and any copy of the cookie, stops working."""
    if current_user.is_authenticated:
        current_user.end_sessions()
        db.session.flush()
    logout_user()
    session.pop(_OPENED_BY, None)
    return redirect(url_for("auth.login"))


@bp.route("/invite/<token>", methods=["GET", "POST"])
@limiter.limit("30 per minute")
def invitation(token: str):
    """Open a link: a GET only shows what it opens; the POST from that page uses it, once, for its invitee."""
    found = _invitation_of(token)
    if isinstance(found, Response):
        return found
    invitation, reset = found
    invitee = invitation.user
    if current_user.is_authenticated and current_user.id == invitee.id:
        # Already in as the invitee: nothing to open; the link counts as used all the same.
        _mark_used(invitation)
        return redirect(_destination(invitation, reset))
    if invitation.used_at is not None:
        return _link_used()
    if request.method != "POST":
        return _confirmation_page(invitation, reset)
    if not ConfirmForm().validate_on_submit():
        return _invitation_refused(_("The confirmation could not be checked. Open the link again."), 400)
    if not _mark_used(invitation):
        return _link_used()  # another browser opened it a moment ago
    logout_user()
    _sign_in(invitee, invitation)
    if reset:
        flash(_("Choose a new password; it ends every other session of yours."), "info")
    return redirect(_destination(invitation, reset))


def _confirmation_page(invitation: Invitation, reset: bool) -> Response:
    """The page a link shows before it is used: whom it is for and what it opens, and a button that uses it.

    Someone else signed in here is asked whether to switch; anyone else reads the page in the invitee's language
    (or the one they chose on the page). Nothing is written, and the page is not kept by any cache.
    """
    invitee = invitation.user
    assessment = db.session.get(Assessment, invitation.assessment_id) if invitation.assessment_id else None
    if current_user.is_authenticated:
        language = display_language()
        template = "auth/switch.html"
    else:
        chosen = session.get("lang")
        language = chosen if chosen in LANGUAGES else invitee.language
        language = language if language in LANGUAGES else DEFAULT_LANGUAGE
        template = "auth/continue.html"
    with force_locale(language):
        title = ops.questionnaire_of(assessment.questionnaire_version).title.get(language) if assessment else None
        page = render_template(
            template,
            form=ConfirmForm(),
            current=current_user,
            invitee=invitee,
            organisation=invitee.organisation.name,
            assessment=assessment,
            title=title,
            reset=reset,
            lang=language,
        )
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"
    return response


def _invitation_of(token: str) -> tuple[Invitation, bool] | Response:
    """The invitation a token names, with whether it is a reset link; or the page that refuses it."""
    max_age = current_app.config["DDQ_INVITATION_DAYS"] * 86400
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        return _invitation_refused(_("This invitation has expired. Ask the institute for a new link."), 410)
    except BadSignature:
        return _invitation_refused(_("This invitation link is not valid. Check that it was copied whole."), 404)
    valid_id = isinstance(data, dict) and isinstance(data.get("id"), int) and 0 < data["id"] < 2**31
    invitation = db.session.get(Invitation, data["id"]) if valid_id else None
    if invitation is None or invitation.nonce != data.get("nonce") or not invitation.user.active:
        return _invitation_refused(_("This invitation link has been replaced or withdrawn."), 404)
    if _aware(invitation.expires_at) < utcnow():
        return _invitation_refused(_("This invitation has expired. Ask the institute for a new link."), 410)
    return invitation, bool(data.get("reset"))


def _mark_used(invitation: Invitation) -> bool:
    """Record the first use; False when the link was used already (one statement, so two browsers cannot both)."""
    result = db.session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.flush()
    return result.rowcount == 1


def _destination(invitation: Invitation, reset: bool) -> str:
    if reset:
        return url_for("auth.set_password")
    if invitation.assessment_id:
        return url_for("respond.assessment", assessment_id=invitation.assessment_id)
    return url_for("main.index")


def _link_used() -> Response:
    page = render_template(
        "auth/link_used.html",
        title=_("This link was already used"),
        message=_("This link was already used: sign in, or ask for a new link."),
    )
    return make_response(page, 410)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _invitation_refused(message: str, status: int) -> Response:
    return make_response(render_template("error.html", title=_("Invitation not accepted"), message=message), status)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def set_password():
    """Set or change the password. It ends every other session of this person and every link still unused.

    Changing a password asks for the current one, except in a session opened by a link: the link proved the
    e-mail address, which is how a forgotten password is replaced.
    """
    user = current_user._get_current_object()
    ask_current = bool(user.password_hash) and session.get(_OPENED_BY) is None
    form = PasswordForm()
    if not ask_current:
        del form.current
    if form.validate_on_submit():
        if ask_current and not check_password_hash(user.password_hash, form.current.data or ""):
            form.current.errors = [_("This is not your current password.")]
        else:
            user.password_hash = generate_password_hash(form.password.data)
            user.end_sessions()
            db.session.execute(
                sa.update(Invitation)
                .where(Invitation.user_id == user.id, Invitation.used_at.is_(None))
                .values(used_at=utcnow())
                .execution_options(synchronize_session=False)
            )
            ops.log(db.session, "user.password", user, user)
            db.session.flush()
            _sign_in(user)  # this browser stays signed in, with the new session version
            flash(_("Your password is set. Next time, sign in with your e-mail and this password."), "success")
            return redirect(url_for("main.index"))
    return render_template("auth/password.html", form=form)


@bp.route("/account/reset", methods=["GET", "POST"])
@limiter.limit("5 per minute; 20 per hour", methods=["POST"])
def reset_password():
    """A forgotten password: a fresh single-use link by e-mail, which leads to the password page.

    The request itself does the same work whatever the address: it neither looks the address up nor writes
    anything. Once the response has left, `notices.send_password_reset` does that as a job (on Redis, or in this
    process), so neither the page nor the time it takes tells whether the address has an account.
    """
    form = ResetForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        # The same answer whether or not the address has an account.
        flash(
            _("If %(email)s has an account, a link to choose a new password is on its way.", email=email),
            "success",
        )
        response = redirect(url_for("auth.login"))
        response.call_on_close(_after_response(notices.send_password_reset, email))
        return response
    return render_template("auth/reset.html", form=form)


def _after_response(function: Callable[..., object], *args: object) -> Callable[[], None]:
    """`function(*args)` handed to the job queue once the response has been sent, in an application context of
    its own (the request's is gone by then). A failure is logged: the person has their answer already."""
    app = current_app._get_current_object()

    def run() -> None:
        with app.app_context():
            try:
                jobs.enqueue(function, *args)
            except Exception:
                app.logger.exception("%s failed after the response", function.__qualname__)
                db.session.rollback()
            finally:
                db.session.remove()

    return run
