"""What a load balancer and an operator need: liveness and readiness endpoints, and one JSON log line per request
carrying a request id (taken from the proxy's X-Request-Id when it sends a sane one, else made here)."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any

import redis
import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, g, jsonify, request

from ..extensions import db, limiter

bp = Blueprint("health", __name__)

#: One line of JSON per request, on its own logger so that it can be routed apart from the application's messages.
access_log = logging.getLogger("ddq.access")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """The process answers: nothing else is checked, so a slow database never gets a healthy node restarted."""
    return jsonify(status="ok")


@bp.get("/readyz")
@limiter.exempt
def readyz():
    """Ready for traffic: the database answers (and Redis, when jobs and rate limits use it)."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except sa.exc.SQLAlchemyError as error:
        db.session.rollback()
        checks["database"] = f"unreachable: {type(error).__name__}"
    redis_url = current_app.config.get("DDQ_REDIS_URL")
    if redis_url:
        try:
            redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1).ping()
            checks["redis"] = "ok"
        except (redis.RedisError, OSError) as error:
            checks["redis"] = f"unreachable: {type(error).__name__}"
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ready" if ready else "not ready", checks=checks), 200 if ready else 503


def _start() -> None:
    given = request.headers.get("X-Request-Id", "")
    g.request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
    g.request_started = time.perf_counter()


def _finish(response: Any) -> Any:
    request_id = g.get("request_id")
    if request_id is None:
        return response
    response.headers["X-Request-Id"] = request_id
    if request.path.startswith("/static/"):
        return response
    from flask_login import current_user

    record = {
        "request_id": request_id,
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "ms": round((time.perf_counter() - g.request_started) * 1000, 1),
        "user": current_user.get_id() if current_user and current_user.is_authenticated else None,
    }
    access_log.info(json.dumps(record, separators=(",", ":")))
    return response


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.before_request_funcs.setdefault(None, []).insert(0, _start)  # first, so every later step has the id
    app.after_request(_finish)
    if not access_log.handlers and not app.testing:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        access_log.addHandler(handler)
        access_log.setLevel(logging.INFO)
        access_log.propagate = False
