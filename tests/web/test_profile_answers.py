"""Answers filled from the organisation's record (`derive_from: {profile: <fact>}`): staff see the fact in the import
preview; the partner sees each as filled from the record, to confirm like any carried-over answer, and the burden
estimate counts them as carried over."""

import io
import re

import pytest
import sqlalchemy as sa

from ddq.core.burden import estimate
from ddq.store.models import Answer, Assessment, Organisation
from ddq.store.operations import questionnaire_of
from ddq.store.passport import filled_from_record, from_profile
from ddq.store.queries import carried_ids, scope_of
from tests.conftest import SHARED

CONSORTIUM = SHARED / "samples" / "funder" / "consortium_bilingual_template.xlsx"
#: The consortium template's questions the organisation's record answers, and the fact each reads.
FROM_RECORD = {"a1": "name", "a2": "founded_year", "a3": "country"}

pytestmark = pytest.mark.skipif(not CONSORTIUM.is_file(), reason="the shared funder samples are not here")


def _import(staff, keep: list[str] | None = None) -> str:
    """Preview the consortium template, then import it keeping the rules `keep` (every proposed rule by default);
    the preview page's text."""
    preview = staff.post(
        "/staff/imports",
        data={"template": (io.BytesIO(CONSORTIUM.read_bytes()), "consortium.xlsx"), "funder": "Consortium Fund"},
        content_type="multipart/form-data",
    )
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200, page
    token = re.search(r"/staff/imports/([0-9a-f]{32})/confirm", page).group(1)
    proposed = re.findall(r'name="derive" value="([^"]+)"', page)
    confirmed = staff.post(f"/staff/imports/{token}/confirm", data={"derive": proposed if keep is None else keep})
    assert confirmed.status_code == 302, confirmed.get_data(as_text=True)
    return page


def _send(staff, data, ids) -> int:
    """Send the imported template to partner A; the new request's id."""
    url = f"/staff/partnerships/{ids['a_partnership']}/request"
    page = staff.get(f"{url}?questionnaire=consortium").get_data(as_text=True)
    suggested = re.search(r"Suggested tier: (\w+)", page).group(1)
    sent = staff.post(url, data={"questionnaire": "consortium", "tier": suggested, "budget_justification": "Needed."})
    assert sent.status_code == 302, sent.get_data(as_text=True)
    with data() as session:
        return session.scalar(sa.select(Assessment.id).order_by(Assessment.id.desc()))


def _state(data, assessment_id: int) -> tuple[dict[str, Answer], set[str], dict[str, bool]]:
    """The request's answers by question, its carried-over question ids, and which answers are filled from the
    record (confirmed or not)."""
    with data() as session:
        assessment = session.get(Assessment, assessment_id)
        questionnaire = questionnaire_of(assessment.questionnaire_version)
        answers = {answer.question_id: answer for answer in assessment.answers}
        filled = {q: filled_from_record(answers[q], questionnaire.question(q)) for q in FROM_RECORD if q in answers}
        for answer in answers.values():
            session.expunge(answer)
        return answers, carried_ids(assessment), filled


def test_the_import_preview_names_the_fact_of_the_record(browser):
    page = _import(browser("staff"))
    assert "Answer from :" not in page  # a rule reading the record names no bank item
    for fact in ("Organisation name", "Year founded", "Country"):
        assert f"Answer from the organisation's record: {fact}" in page
    assert "Answer from bank_reconciliation:" in page  # a rule reading a bank item still says which


def test_the_partner_confirms_answers_filled_from_the_record_like_carried_answers(browser, data, ids):
    staff = browser("staff")
    _import(staff)
    assessment_id = _send(staff, data, ids)
    answers, carried, filled = _state(data, assessment_id)
    with data() as session:
        partner = session.get(Organisation, ids["a_org"])
        record = {"a1": partner.name, "a2": partner.founded_year, "a3": "Kenya"}
    assert {q: answers[q].value for q in FROM_RECORD} == record
    assert filled == dict.fromkeys(FROM_RECORD, True)
    assert set(FROM_RECORD) <= carried  # the burden estimate counts them as only to confirm

    with data() as session:
        assessment = session.get(Assessment, assessment_id)
        questionnaire = questionnaire_of(assessment.questionnaire_version)
        scope = scope_of(assessment)
        without = estimate(questionnaire, scope, carried - set(FROM_RECORD))
        assert estimate(questionnaire, scope, carried).carried_items == without.carried_items + len(FROM_RECORD)
        assert estimate(questionnaire, scope, carried).minutes_high < without.minutes_high
        section = next(s.id for s in questionnaire.sections if any(q.id == "a1" for q in s.questions))

    partner = browser("partner_a")
    url = f"/a/{assessment_id}/s/{section}"
    page = partner.get(url).get_data(as_text=True)
    for q, fact in (("a1", "Organisation name"), ("a2", "Year founded"), ("a3", "Country")):
        assert f"Filled from your organisation's record ({fact}), please confirm." in page
        assert f'name="confirm_{q}"' in page

    # the page saved as shown confirms nothing; "Still true" confirms that one; a changed answer is the partner's
    posted = {"q_a1": record["a1"], "q_a2": str(record["a2"]), "q_a3": "Tanzania", "confirm_a2": "y"}
    for question_id, answer in answers.items():
        if f"q_{question_id}" not in posted and answer.value is not None and f'name="q_{question_id}"' in page:
            posted[f"q_{question_id}"] = str(answer.value)
    saved = partner.post(url, data=posted)
    assert saved.status_code in (200, 302), saved.get_data(as_text=True)
    after, carried_after, filled_after = _state(data, assessment_id)
    assert after["a2"].confirmed_at is not None and after["a2"].answered_at is None
    assert after["a1"].confirmed_at is None and after["a1"].value == record["a1"]
    assert after["a3"].value == "Tanzania" and after["a3"].answered_by_id == ids["a_user"]
    assert filled_after == {"a1": True, "a2": True, "a3": False}
    assert {"a1", "a2"} <= carried_after and "a3" not in carried_after

    page = partner.get(url).get_data(as_text=True)
    assert "Filled from your organisation's record (Year founded) — confirmed" in page
    assert 'name="confirm_a2"' not in page and 'name="confirm_a3"' not in page
    assert "Filled from your organisation's record (Organisation name), please confirm." in page
    with data() as session:
        questionnaire = questionnaire_of(session.get(Assessment, assessment_id).questionnaire_version)
        assert not from_profile(after["a2"], questionnaire.question("a2"))
        assert from_profile(after["a1"], questionnaire.question("a1"))


def test_a_rule_staff_left_unticked_fills_nothing(browser, data, ids):
    staff = browser("staff")
    _import(staff, keep=[])
    answers, carried, _filled = _state(data, _send(staff, data, ids))
    # the request still went out, asking those questions afresh
    assert not set(FROM_RECORD) & set(answers) and not set(FROM_RECORD) & carried
