"""The front door: send each person to their own start page."""

from __future__ import annotations

from flask import Blueprint, redirect, url_for
from flask_login import current_user

from .access import is_staff

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for("staff.dashboard" if is_staff(current_user) else "respond.home"))
