"""Settings, read from the environment (DDQ_*); SQLite in the instance folder by default."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from babel.numbers import is_currency

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


def cookie_policy(base_url: str, *, force_secure: bool = False) -> dict[str, object]:
    """Cookie settings: never readable by scripts, not sent on cross-site posts, Secure when served over https."""
    secure = force_secure or base_url.strip().lower().startswith("https://")
    return {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure,
    }


def accent_colour(value: str) -> str:
    """A colour as #rgb or #rrggbb; anything else is refused, naming the setting."""
    text = value.strip()
    if not re.fullmatch(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})", text):
        raise ValueError(f"DDQ_ACCENT: {value!r} is not a colour written as #rrggbb or #rgb")
    return text


def currency_code(value: str) -> str:
    """A currency as its ISO 4217 code (USD, EUR, KES …); anything else is refused, naming the setting."""
    code = value.strip().upper()
    if not is_currency(code):
        raise ValueError(f"DDQ_CURRENCY: {value!r} is not a currency code such as USD, EUR or KES")
    return code


#: Limits on imported workbooks; unset ones keep the defaults of ddq.importers.intake.ImportLimits:
#: 20 MB, 200 MB unpacked, 50 sheets, 10,000 rows, 200 columns, 300,000 cells a workbook, groups 30 deep,
#: 8 seconds and 512 MB to read.
IMPORT_SETTINGS = (
    "DDQ_IMPORT_MAX_BYTES",
    "DDQ_IMPORT_MAX_UNPACKED_BYTES",
    "DDQ_IMPORT_MAX_SHEETS",
    "DDQ_IMPORT_MAX_ROWS",
    "DDQ_IMPORT_MAX_COLUMNS",
    "DDQ_IMPORT_MAX_CELLS",
    "DDQ_IMPORT_MAX_DEPTH",
    "DDQ_IMPORT_SECONDS",
    "DDQ_IMPORT_MEMORY_MB",
)


def from_environment(instance_path: str) -> dict[str, object]:
    """Build the Flask configuration from DDQ_* variables."""
    secret = os.environ.get("DDQ_SECRET_KEY")
    base_url = os.environ.get("DDQ_BASE_URL", "http://127.0.0.1:5000")
    return {
        # Without DDQ_SECRET_KEY a random key is made per process: fine for development, and sessions
        # simply end on restart. Production sets the variable.
        "SECRET_KEY": secret or secrets.token_hex(32),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance_path),
        "DDQ_QUESTIONNAIRES": os.environ.get("DDQ_QUESTIONNAIRES", str(PROJECT_ROOT / "questionnaires")),
        # Imported funder templates are written here (never into the source tree) and read beside DDQ_QUESTIONNAIRES.
        "DDQ_IMPORTED": os.environ.get("DDQ_IMPORTED", str(Path(instance_path) / "questionnaires")),
        "DDQ_REPORTS": os.environ.get("DDQ_REPORTS", str(PROJECT_ROOT / "reports")),
        "DDQ_UPLOADS": os.environ.get("DDQ_UPLOADS", str(Path(instance_path) / "uploads")),
        "MAX_CONTENT_LENGTH": int(os.environ.get("DDQ_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)),
        # A form's text fields together (files apart), and its number of fields.
        "MAX_FORM_MEMORY_SIZE": int(os.environ.get("DDQ_MAX_FORM_BYTES", 4 * 1024 * 1024)),
        "MAX_FORM_PARTS": int(os.environ.get("DDQ_MAX_FORM_FIELDS", 2000)),
        # Characters per answer and per comment; the pages state these limits next to the fields.
        "DDQ_MAX_ANSWER_CHARS": int(os.environ.get("DDQ_MAX_ANSWER_CHARS", 20_000)),
        "DDQ_MAX_COMMENT_CHARS": int(os.environ.get("DDQ_MAX_COMMENT_CHARS", 4_000)),
        **cookie_policy(base_url, force_secure=os.environ.get("DDQ_SECURE_COOKIES", "0") == "1"),
        # Forms stay valid for a working day: partners on slow connections must not lose a page to an expired token.
        "WTF_CSRF_TIME_LIMIT": 8 * 3600,
        "DDQ_SMTP_HOST": os.environ.get("DDQ_SMTP_HOST", ""),
        "DDQ_SMTP_PORT": int(os.environ.get("DDQ_SMTP_PORT", 25)),
        "DDQ_SMTP_USER": os.environ.get("DDQ_SMTP_USER", ""),
        "DDQ_SMTP_PASSWORD": os.environ.get("DDQ_SMTP_PASSWORD", ""),
        "DDQ_SMTP_STARTTLS": os.environ.get("DDQ_SMTP_STARTTLS", "0") == "1",
        "DDQ_MAIL_FROM": os.environ.get("DDQ_MAIL_FROM", "ddq <no-reply@localhost>"),
        #: The address partners' links point to; cookies are Secure when it is https.
        "DDQ_BASE_URL": base_url,
        "DDQ_INVITATION_DAYS": int(os.environ.get("DDQ_INVITATION_DAYS", 30)),
        "DDQ_MAX_EVIDENCE_BYTES": int(os.environ.get("DDQ_MAX_EVIDENCE_BYTES", 10 * 1024 * 1024)),
        # Imported and uploaded workbooks are measured against these before any reader runs (ddq.importers.intake),
        # then read in a child process with a hard time and memory limit.
        **{key: float(os.environ[key]) for key in IMPORT_SETTINGS if key in os.environ},
        "RATELIMIT_ENABLED": os.environ.get("DDQ_RATE_LIMITS", "1") == "1",
        # Background jobs (mail delivery, the scheduled tick) run on RQ with this Redis; without it, in-process.
        "DDQ_REDIS_URL": os.environ.get("DDQ_REDIS_URL", ""),
        "DDQ_TICK_MINUTES": float(os.environ.get("DDQ_TICK_MINUTES", 15)),
        # Rate-limit counters: DDQ_RATELIMIT_STORAGE, else the same Redis as the jobs, else this process's memory.
        "RATELIMIT_STORAGE_URI": os.environ.get("DDQ_RATELIMIT_STORAGE")
        or os.environ.get("DDQ_REDIS_URL")
        or "memory://",
        # The institute's look on every page: its name, a logo (png, svg or jpg file) and an accent colour.
        "DDQ_INSTITUTE_NAME": os.environ.get("DDQ_INSTITUTE_NAME", "ddq"),
        "DDQ_LOGO": os.environ.get("DDQ_LOGO", ""),
        "DDQ_ACCENT": accent_colour(os.environ.get("DDQ_ACCENT", "#0b5cad")),
        # The currency the institute counts in: money figures with no currency of their own (the burden ledger's).
        "DDQ_CURRENCY": currency_code(os.environ.get("DDQ_CURRENCY", "USD")),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).parent / "translations"),
    }
