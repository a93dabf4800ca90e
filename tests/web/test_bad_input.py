"""Each kind of bad input gets a 4xx and a message naming what is wrong and where, and changes nothing."""

from __future__ import annotations

import json
import time

import pytest
import sqlalchemy as sa

from ddq.extensions import db
from ddq.store.models import Answer, Assessment, SectionAssignment
from tests.web.test_hostile_requests import pg_web_app  # noqa: F401 - the demo on PostgreSQL

#: The largest value of a PostgreSQL `integer`, the type of every id column.
MAX_ID = 2**31 - 1


def _answer(data, assessment_id: int, question_id: str):
    with data() as session:
        answer = session.scalar(
            sa.select(Answer).where(Answer.assessment_id == assessment_id, Answer.question_id == question_id)
        )
        return None if answer is None else (answer.value, answer.draft, answer.comment)


def _text(response) -> str:
    return response.get_data(as_text=True)


# --- ids in URLs -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [str(2**31), str(2**63), str(2**64), "9" * 30, "9" * 5000, "0", "00"])
def test_ids_outside_the_database_range_are_not_found(browser, value):
    staff = browser("staff")
    for url in (f"/a/{value}", f"/staff/assessments/{value}", f"/evidence/{value}", f"/staff/partners/{value}"):
        assert staff.get(url).status_code == 404, url


@pytest.mark.parametrize("digits", ["٣", "²", "１", "१", "3\u0663"])
def test_ids_in_other_scripts_are_not_found(browser, ids, digits):
    """Werkzeug's int converter reads '٣' as 3: the page of assessment 3 opened under another address."""
    staff = browser("staff")
    assert staff.get(f"/a/{digits}").status_code == 404
    assert staff.get(f"/staff/partners/{digits}").status_code == 404


def test_every_id_in_the_url_map_uses_the_id_converter(web_app):
    for rule in web_app.url_map.iter_rules():
        assert "<int" not in rule.rule, f"{rule.rule}: write ids as <id:name>, which keeps them in the database's range"


def test_the_largest_id_is_still_looked_up(browser):
    assert browser("staff").get(f"/a/{MAX_ID}").status_code == 404
    assert browser("staff").get(f"/a/{MAX_ID + 1}").status_code == 404


# --- ids in forms ----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["²", "٣", "9" * 30, str(2**63), "-1", " 1"])
def test_odd_digits_in_a_form_id_are_refused(browser, ids, data, value):
    partner = browser("partner_a")
    response = partner.post(f"/a/{ids['a_self']}/assign", data={"section_id": "governance", "user_id": value})
    assert response.status_code == 400
    with data() as session:
        assert session.scalars(sa.select(SectionAssignment)).all() == []


@pytest.mark.parametrize("rating", ["²", "٣", "9" * 5000])
def test_odd_digits_in_the_burden_rating_do_not_break_submission(browser, ids, rating):
    response = browser("partner_a").post(f"/a/{ids['a_self']}/submit", data={"burden_rating": rating})
    assert response.status_code < 500


@pytest.mark.parametrize("version", ["²", "٣", "9" * 5000, "-1"])
def test_odd_digits_in_a_report_version_are_not_found(browser, ids, version):
    staff = browser("staff")
    for kind in ("report", "reciprocal"):
        assert staff.get(f"/a/{ids['b_self']}/{kind}.html?version={version}").status_code in (403, 404)


# --- control characters ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["a\x00b", "\x00", "bell\x07", "esc\x1b[31m", "\x7f", "\x85"])
def test_control_characters_in_a_form_are_refused_with_the_field_named(browser, ids, data, text):
    partner = browser("partner_a")
    before = _answer(data, ids["a_self"], "governing_body")
    response = partner.post(
        f"/a/{ids['a_self']}/s/governance", data={"q_governing_body": "4", "comment_governing_body": text}
    )
    assert response.status_code == 400
    page = _text(response)
    assert "comment_governing_body" in page and "control character" in page
    assert _answer(data, ids["a_self"], "governing_body") == before  # nothing saved, not even the valid answer


def test_tabs_and_line_breaks_are_ordinary_text(browser, ids, data):
    partner = browser("partner_a")
    response = partner.post(
        f"/a/{ids['a_self']}/s/governance", data={"q_governing_body": "4", "comment_governing_body": "a\tb\r\nc"}
    )
    assert response.status_code == 302
    assert _answer(data, ids["a_self"], "governing_body")[2] == "a\tb\r\nc"


def test_control_characters_in_the_address_are_refused(browser, ids):
    partner = browser("partner_a")
    response = partner.get(f"/a/{ids['a_self']}?incomplete=%00")
    assert response.status_code == 400 and "address parameter “incomplete”" in _text(response)
    assert partner.get("/login?next=/%00evil").status_code == 400
    assert partner.get(f"/a/{ids['a_self']}/s/gov%00ernance").status_code == 400


@pytest.mark.parametrize("text", ["x\x00y", "\ud800"])
def test_control_characters_in_json_are_refused(browser, ids, text):
    partner = browser("partner_a")
    body = json.dumps({"answers": [{"comment": text}]})
    response = partner.client.post(
        f"/a/{ids['a_self']}/s/governance", data=body, content_type="application/json",
        headers={"X-CSRFToken": partner.token},
    )  # fmt: skip
    assert response.status_code == 400 and "$.answers[0]" in _text(response)


def test_deeply_nested_json_is_refused_not_a_crash(browser, ids):
    partner = browser("partner_a")
    body = "[" * 100_000 + "]" * 100_000
    response = partner.client.post(
        f"/a/{ids['a_self']}/s/governance", data=body, content_type="application/json",
        headers={"X-CSRFToken": partner.token},
    )  # fmt: skip
    assert response.status_code == 400


def test_a_nul_in_an_uploaded_file_name_is_refused(browser, ids, data):
    import io

    partner = browser("partner_a")
    before = _answer(data, ids["a_self"], "legal_registration")
    response = partner.post(
        f"/a/{ids['a_self']}/s/governance",
        data={"q_legal_registration": "yes", "file_legal_registration": (io.BytesIO(b"%PDF-1.4"), "a\x00.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert _answer(data, ids["a_self"], "legal_registration") == before


def test_nul_bytes_on_postgresql_are_refused_before_the_database(pg_web_app):  # noqa: F811
    """PostgreSQL refuses NUL in text: the save failed with a 500 before."""
    from tests.web.conftest import Browser

    partner = Browser(pg_web_app)
    assert partner.login("respondent1@partner1.example.org").status_code == 302
    with pg_web_app.app_context():
        assessment_id = db.session.scalar(
            sa.select(Assessment.id).where(
                Assessment.respondent_id == partner_organisation(), Assessment.direction == "partner_self"
            )
        )
        db.session.remove()
    response = partner.post(f"/a/{assessment_id}/s/governance", data={"comment_governing_body": "a\x00b"})
    assert response.status_code == 400
    assert partner.get(f"/a/{2**31}").status_code == 404  # PostgreSQL `integer`: out of range was a 500


def partner_organisation() -> int:
    from ddq.store.models import User

    return db.session.scalar(sa.select(User.organisation_id).where(User.email == "respondent1@partner1.example.org"))


# --- oversize text ---------------------------------------------------------------------------------


def test_an_oversize_comment_is_refused_with_the_limit(browser, ids, data, web_app):
    limit = web_app.config["DDQ_MAX_COMMENT_CHARS"]
    partner = browser("partner_a")
    before = _answer(data, ids["a_self"], "governing_body")
    response = partner.post(
        f"/a/{ids['a_self']}/s/governance", data={"q_governing_body": "4", "comment_governing_body": "x" * (limit + 1)}
    )
    assert response.status_code == 400
    page = _text(response)
    assert f"{limit:,}" in page and "comment_governing_body" in page
    assert _answer(data, ids["a_self"], "governing_body") == before
    assert (
        partner.post(
            f"/a/{ids['a_self']}/s/governance", data={"q_governing_body": "4", "comment_governing_body": "x" * limit}
        ).status_code
        == 302
    )


def test_an_oversize_answer_is_refused_with_the_limit(browser, ids, data, web_app):
    """A 15 MB draft was stored and shown again before."""
    limit = web_app.config["DDQ_MAX_ANSWER_CHARS"]
    partner = browser("partner_a")
    before = _answer(data, ids["a_self"], "staff_count")
    response = partner.post(f"/a/{ids['a_self']}/s/people", data={"q_staff_count": "1" * (limit + 1)})
    assert response.status_code == 400
    assert f"{limit:,}" in _text(response) and "q_staff_count" in _text(response)
    assert _answer(data, ids["a_self"], "staff_count") == before


def test_an_oversize_review_comment_is_refused_with_the_limit(browser, ids, web_app):
    limit = web_app.config["DDQ_MAX_COMMENT_CHARS"]
    response = browser("staff").post(
        f"/staff/assessments/{ids['b_self']}/answers/governing_body",
        data={"action": "comment", "body": "x" * (limit + 1), "evidence_level": "1"},
    )
    assert response.status_code == 400 and f"{limit:,}" in _text(response)


def test_the_limits_are_stated_next_to_the_fields(browser, ids, web_app):
    page = _text(browser("partner_a").get(f"/a/{ids['a_self']}/s/governance"))
    assert f'maxlength="{web_app.config["DDQ_MAX_COMMENT_CHARS"]}"' in page
    assert f"{web_app.config['DDQ_MAX_COMMENT_CHARS']:,} characters" in page
    review = _text(browser("staff").get(f"/staff/assessments/{ids['b_self']}"))
    assert f'maxlength="{web_app.config["DDQ_MAX_COMMENT_CHARS"]}"' in review


def test_a_request_over_the_size_limit_gets_a_clear_413(browser, ids, web_app):
    web_app.config["MAX_CONTENT_LENGTH"] = 100_000
    partner = browser("partner_a")
    response = partner.post(f"/a/{ids['a_self']}/s/governance", data={"comment_governing_body": "x" * 200_000})
    assert response.status_code == 413 and "Nothing was saved" in _text(response)


def test_too_many_fields_are_refused(browser, ids, web_app):
    partner = browser("partner_a")
    fields = {f"unknown_{n}": "x" for n in range(web_app.config["MAX_FORM_PARTS"] + 1)}
    response = partner.post(f"/a/{ids['a_self']}/s/governance", data=fields)
    assert response.status_code == 413 and "fields" in _text(response)


# --- unknown and duplicated fields -----------------------------------------------------------------


def test_unknown_and_duplicated_fields_change_nothing_else(browser, ids, data):
    partner = browser("partner_a")
    response = partner.client.post(
        f"/a/{ids['a_self']}/s/governance",
        data={
            "csrf_token": partner.token,
            "present": ["governing_body", "governing_body", "not_a_question"],
            "q_governing_body": ["4", "2"],
            "q_not_a_question": "1",
            "__proto__": "x",
            "assessment_id": str(ids["b_self"]),
        },
    )
    assert response.status_code in (200, 302)
    assert _answer(data, ids["b_self"], "not_a_question") is None


# --- numbers (parsed in ddq.core.questions) --------------------------------------------------------


@pytest.mark.parametrize(
    "number", ["1e999999999", "1e1000000", "-1e999999999", "9" * 4301, "1e5000", "NaN", "Infinity", "-Infinity", "sNaN"]
)
def test_hostile_numbers_are_kept_as_a_draft_with_a_message_quickly(browser, ids, data, number):
    partner = browser("partner_a")
    started = time.monotonic()
    response = partner.post(f"/a/{ids['a_self']}/s/people", data={"q_staff_count": number})
    assert time.monotonic() - started < 5
    assert response.status_code == 200  # the page again, with the answer as typed and a message
    value, draft, _comment = _answer(data, ids["a_self"], "staff_count")
    assert value is None and draft is not None
