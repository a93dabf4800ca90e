"""Settings, read from the environment (DDQ_*); SQLite in the instance folder by default."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL") or os.environ.get("DDQ_DATABASE_URL")
    if url:
        # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants a driver name.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url
    return f"sqlite:///{Path(instance_path) / 'ddq.sqlite3'}"


def from_environment(instance_path: str) -> dict[str, object]:
    """Build the Flask configuration from DDQ_* variables."""
    secret = os.environ.get("DDQ_SECRET_KEY")
    return {
        # Without DDQ_SECRET_KEY a random key is made per process: fine for development, and sessions
        # simply end on restart. Production sets the variable.
        "SECRET_KEY": secret or secrets.token_hex(32),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "DDQ_QUESTIONNAIRES": os.environ.get("DDQ_QUESTIONNAIRES", str(PROJECT_ROOT / "questionnaires")),
        "DDQ_UPLOADS": os.environ.get("DDQ_UPLOADS", str(Path(instance_path) / "uploads")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("DDQ_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": os.environ.get("DDQ_SECURE_COOKIES", "0") == "1",
    }
