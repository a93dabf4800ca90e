"""The offline spreadsheet's confirmation: the web form's own save, the assessment's own questions, with limits."""

import json
import re
import time

import sqlalchemy as sa

from ddq.store.models import Answer, Assessment


def _confirm(partner, ids, changes, versions=None):
    data = {"confirm": "1", "changes": json.dumps(changes)}
    if versions is not None:
        data["versions"] = json.dumps(versions)
    return partner.post(f"/a/{ids['a_self']}/spreadsheet", data=data)


def _change(question_id, new, comment=None):
    return {"question_id": question_id, "question": question_id, "old": "", "new": new, "comment": comment}


def _answers(data, assessment_id):
    with data() as session:
        return dict(
            session.execute(
                sa.select(Answer.question_id, Answer.value).where(Answer.assessment_id == assessment_id)
            ).all()
        )


def test_a_question_the_assessment_does_not_ask_is_refused_and_nothing_is_saved(browser, ids, data):
    before = _answers(data, ids["a_self"])
    # anti_bribery is in the questionnaire, but only for the standard and enhanced tiers: this request is light
    response = _confirm(browser("partner_a"), ids, [_change("staff_count", "9"), _change("anti_bribery", "yes")])
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Change 2: &#39;anti_bribery&#39; is not a question of this assessment" in page
    assert "Nothing was saved" in page
    assert _answers(data, ids["a_self"]) == before


def test_a_file_name_without_an_upload_is_refused(browser, ids, data):
    with data() as session:
        assessment = session.get(Assessment, ids["a_self"])
        assessment.tier = assessment.partnership.tier = "standard"  # a tier that asks for a recent report
        session.commit()
    before = _answers(data, ids["a_self"])
    response = _confirm(browser("partner_a"), ids, [_change("recent_report", "annual-report-2025.pdf")])
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "documents are uploaded on the website" in page
    assert _answers(data, ids["a_self"]) == before


def test_ten_thousand_changes_are_refused_at_once_with_a_clear_message(browser, ids, data):
    before = _answers(data, ids["a_self"])
    changes = [_change("staff_count", str(number)) for number in range(10_000)]
    started = time.perf_counter()
    response = _confirm(browser("partner_a"), ids, changes)
    elapsed = time.perf_counter() - started
    assert response.status_code == 400 and "larger than 1 MB" in response.get_data(as_text=True)
    assert elapsed < 2, elapsed
    fewer = _confirm(browser("partner_a"), ids, changes[:1000]).get_data(as_text=True)
    assert re.search(r"1000 changes, more than the \d+ questions this assessment asks", fewer)
    assert _answers(data, ids["a_self"]) == before


def test_an_oversized_confirmation_and_a_damaged_one_are_refused(browser, ids):
    partner = browser("partner_a")
    huge = _confirm(partner, ids, [_change("staff_count", "9" * 1_100_000)])
    assert huge.status_code == 400 and "larger than 1 MB" in huge.get_data(as_text=True)
    long = _confirm(partner, ids, [_change("key_roles", "x" * 30_000)])
    assert long.status_code == 400 and "longer than 20000 characters" in long.get_data(as_text=True)
    twice = _confirm(partner, ids, [_change("staff_count", "9"), _change("staff_count", "10")])
    assert twice.status_code == 400 and "changed twice" in twice.get_data(as_text=True)
    damaged = partner.post(f"/a/{ids['a_self']}/spreadsheet", data={"confirm": "1", "changes": '[{"evil": 1}]'})
    assert damaged.status_code == 400 and "damaged" in damaged.get_data(as_text=True)


def test_the_confirmation_saves_like_the_web_form(browser, ids, data):
    response = _confirm(browser("partner_a"), ids, [_change("staff_count", "about six"), _change("key_roles", "3")])
    assert response.status_code == 302
    with data() as session:
        staff = session.scalar(
            sa.select(Answer).where(Answer.assessment_id == ids["a_self"], Answer.question_id == "staff_count")
        )
        assert (staff.value, staff.draft) == (None, "about six")  # kept as typed, as a draft, like the form does
    assert _answers(data, ids["a_self"])["key_roles"] == 3


def test_an_answer_changed_on_the_website_since_the_preview_is_not_overwritten(browser, ids, data):
    partner, colleague = browser("partner_a"), browser("colleague1@partner1.example.org")
    with data() as session:
        row = session.scalar(
            sa.select(Answer).where(Answer.assessment_id == ids["a_self"], Answer.question_id == "staff_count")
        )
        shown = 0 if row is None else row.version
    colleague.post(f"/a/{ids['a_self']}/s/people", data={"q_staff_count": "14"})  # after the preview
    response = _confirm(partner, ids, [_change("staff_count", "9")], versions={"staff_count": shown})
    assert response.status_code == 302
    page = partner.get(response.headers["Location"]).get_data(as_text=True)
    assert "Changed on the website since your preview" in page
    assert _answers(data, ids["a_self"])["staff_count"] == 14
