"""The overview page and the error pages."""

import pytest
from flask import Blueprint

from ddq.demo import PARTNERS


def test_overview_lists_partners_and_assessments(demo_app):
    page = demo_app.test_client().get("/").get_data(as_text=True)
    for partner in PARTNERS:
        assert partner.name.replace("'", "&#39;") in page
    assert "partner self" in page and "host disclosure" in page and "partner rates host" in page
    assert "changes requested" in page


def test_overview_escapes_what_people_typed(app):
    from ddq.extensions import db
    from ddq.store.operations import create_organisation

    create_organisation(db.session, "<script>alert(1)</script> Collective")
    db.session.commit()
    page = app.test_client().get("/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; Collective" in page


def test_empty_overview_explains_how_to_load_the_demo(client):
    assert "ddq demo" in client.get("/").get_data(as_text=True)


def test_not_found_is_a_page_not_a_traceback(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404 and "Not Found" in response.get_data(as_text=True)


def test_unexpected_error_shows_a_calm_page_without_traceback(app, caplog):
    broken = Blueprint("broken", __name__)

    @broken.get("/broken")
    def explode():
        raise RuntimeError("secret internals")

    app.register_blueprint(broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/broken")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in body and "Traceback" not in body and "Nothing you sent was lost" in body


def test_health(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/static/ddq.css"])
def test_page_needs_nothing_from_outside(client, path):
    with client.get(path) as response:
        assert response.status_code == 200
    page = client.get("/").get_data(as_text=True)
    assert "http://" not in page and "https://" not in page
