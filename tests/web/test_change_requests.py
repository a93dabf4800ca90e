"""Change requests the partner can act on, and answers changed since a request flagged for the reviewer."""

import sqlalchemy as sa

from ddq.store.models import Answer

REQUEST = {"action": "request_changes", "body": "How often did the board meet in 2026?", "evidence_level": "0"}


def _flag(data, assessment_id, question_id):
    with data() as session:
        return session.scalar(
            sa.select(Answer.needs_review).where(
                Answer.assessment_id == assessment_id, Answer.question_id == question_id
            )
        )


def _send_back(browser, ids):
    staff, partner = browser("staff"), browser("partner_b")
    assert staff.post(f"/staff/assessments/{ids['b_self']}/answers/governing_body", data=REQUEST).status_code == 302
    staff.post(f"/staff/assessments/{ids['b_self']}/decision", data={"decision": "changes_requested"})
    return staff, partner


def test_the_partner_sees_each_answer_to_revisit_with_the_note_and_a_link(browser, ids):
    _staff, partner = _send_back(browser, ids)
    page = partner.get(f"/a/{ids['b_self']}").get_data(as_text=True)
    assert 'id="changes-requested"' in page
    assert "How often did the board meet in 2026?" in page  # partner B reads French: the note as written
    link = f'href="/a/{ids["b_self"]}/s/governance#wrap-governing_body"'
    assert link in page
    section = partner.get(f"/a/{ids['b_self']}/s/governance").get_data(as_text=True)
    assert 'id="wrap-governing_body"' in section  # the link lands on the question


def test_an_answer_changed_after_the_request_is_flagged_for_the_reviewer(browser, ids, data):
    staff, partner = _send_back(browser, ids)
    assert not _flag(data, ids["b_self"], "governing_body")
    partner.post(f"/a/{ids['b_self']}/s/governance", data={"q_governing_body": "1", "comment_governing_body": "Once."})
    assert _flag(data, ids["b_self"], "governing_body")
    assert 'class="tag"' in partner.get(f"/a/{ids['b_self']}").get_data(as_text=True).split('id="changes-requested"')[1]
    partner.post(f"/a/{ids['b_self']}/submit")
    review = staff.get(f"/staff/assessments/{ids['b_self']}").get_data(as_text=True)
    assert "1 answer changed since your change request" in review
    assert review.count("changed since the request") == 1
    queue = staff.get("/staff/queue").get_data(as_text=True)
    assert "Changed since a change request" in queue and "1 answer</td>" in queue


def test_an_answer_saved_unchanged_or_without_a_request_is_not_flagged(browser, ids, data):
    _staff, partner = _send_back(browser, ids)
    with data() as session:
        answer = session.scalar(
            sa.select(Answer).where(Answer.assessment_id == ids["b_self"], Answer.question_id == "governing_body")
        )
        same = answer.value
    partner.post(f"/a/{ids['b_self']}/s/governance", data={"q_governing_body": str(same)})
    assert not _flag(data, ids["b_self"], "governing_body")  # nothing changed
    partner.post(f"/a/{ids['b_self']}/s/governance", data={"q_legal_registration": "no"})
    assert not _flag(data, ids["b_self"], "legal_registration")  # no request on it


def test_accepting_closes_the_request_and_clears_the_flag(browser, ids, data):
    staff, partner = _send_back(browser, ids)
    partner.post(f"/a/{ids['b_self']}/s/governance", data={"q_governing_body": "1"})
    partner.post(f"/a/{ids['b_self']}/submit")
    staff.post(
        f"/staff/assessments/{ids['b_self']}/answers/governing_body",
        data={"action": "accept", "body": "", "evidence_level": "0"},
    )
    assert not _flag(data, ids["b_self"], "governing_body")
    assert "changed since your change request" not in staff.get(f"/staff/assessments/{ids['b_self']}").get_data(
        as_text=True
    )
