"""The institute's look: its name, logo and accent colour (settings DDQ_INSTITUTE_NAME, DDQ_LOGO, DDQ_ACCENT).

The colour reaches the pages as a small stylesheet, since the content security policy allows no inline styles.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, send_file, url_for

bp = Blueprint("look", __name__)

LOGO_TYPES = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_global(look, "look")


def look() -> dict[str, str | None]:
    """What the page header shows: the institute's name and the address of its logo, if one is set."""
    logo = current_app.config.get("DDQ_LOGO") or ""
    return {
        "name": current_app.config.get("DDQ_INSTITUTE_NAME") or "ddq",
        "logo": url_for("look.logo") if logo else None,
    }


@bp.get("/look.css")
def stylesheet() -> Response:
    accent = current_app.config.get("DDQ_ACCENT") or "#0b5cad"
    response = Response(f":root {{ --accent: {accent}; }}\n", mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 3600
    return response


@bp.get("/logo")
def logo():
    path = Path(current_app.config.get("DDQ_LOGO") or "")
    if not str(path) or path.suffix.lower() not in LOGO_TYPES or not path.is_file():
        abort(404)
    return send_file(path, mimetype=LOGO_TYPES[path.suffix.lower()], max_age=3600)
