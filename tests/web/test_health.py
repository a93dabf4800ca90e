"""Liveness, readiness and request ids, as a load balancer and an operator see them."""

from __future__ import annotations

import json
import logging

from ddq import create_app
from tests.conftest import web_config


def test_health_and_readiness_need_no_sign_in(web_app):
    client = web_app.test_client()
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {"status": "ready", "checks": {"database": "ok"}}


def test_not_ready_names_what_is_missing(tmp_path):
    app = create_app(
        web_config(tmp_path / "unused.sqlite3", tmp_path, SQLALCHEMY_DATABASE_URI="postgresql+psycopg://ddq:x@127.0.0.1:1/none")
    )
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["database"].startswith("unreachable: ")
    assert "Traceback" not in ready.get_data(as_text=True)


def test_every_response_carries_a_request_id_and_one_json_log_line(web_app, caplog):
    client = web_app.test_client()
    with caplog.at_level(logging.INFO, logger="ddq.access"):
        given = client.get("/healthz", headers={"X-Request-Id": "proxy-id-12345"})
        made = client.get("/login", headers={"X-Request-Id": "bad id\u00e9"})
    assert given.headers["X-Request-Id"] == "proxy-id-12345"
    assert len(made.headers["X-Request-Id"]) == 32 and made.headers["X-Request-Id"] != "bad id"
    lines = [json.loads(record.getMessage()) for record in caplog.records if record.name == "ddq.access"]
    assert [(line["path"], line["status"], line["request_id"]) for line in lines] == [
        ("/healthz", 200, "proxy-id-12345"),
        ("/login", 200, made.headers["X-Request-Id"]),
    ]
