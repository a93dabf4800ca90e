"""Reviewing at speed: the queue, bulk acceptance, forms labelled by their question, only actions that apply."""

import re

import sqlalchemy as sa

from ddq.store.models import Answer, Assessment, ReviewComment


def _accepted(data, assessment_id):
    with data() as session:
        return set(
            session.scalars(
                sa.select(Answer.question_id)
                .join(ReviewComment, ReviewComment.answer_id == Answer.id)
                .where(Answer.assessment_id == assessment_id, ReviewComment.action == "accept")
            )
        )


def _given(data, assessment_id):
    with data() as session:
        return {
            answer.question_id
            for answer in session.scalars(sa.select(Answer).where(Answer.assessment_id == assessment_id))
            if answer.value is not None or answer.not_applicable
        }


def test_the_queue_lists_what_waits_for_review(browser, ids):
    staff = browser("staff")
    page = staff.get("/staff/queue").get_data(as_text=True)
    assert f'href="/staff/assessments/{ids["b_self"]}"' in page  # submitted
    assert f'href="/staff/assessments/{ids["a_self"]}"' not in page  # still being answered
    assert 'href="/staff/queue"' in staff.get("/staff").get_data(as_text=True)  # in the menu


def test_accept_every_answer_of_one_section(browser, ids, data):
    staff = browser("staff")
    response = staff.post(f"/staff/assessments/{ids['b_self']}/accept", data={"scope": "section:governance"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#s-governance")
    accepted = _accepted(data, ids["b_self"])
    with data() as session:
        assessment = session.get(Assessment, ids["b_self"])
        from ddq.store.operations import questionnaire_of

        governance = {
            q.id for s in questionnaire_of(assessment.questionnaire_version).sections if s.id == "governance"
            for q in s.questions
        }
    assert accepted and accepted == governance & _given(data, ids["b_self"])


def test_accept_every_untouched_answer_leaves_reviewed_ones_alone(browser, ids, data):
    staff = browser("staff")
    staff.post(
        f"/staff/assessments/{ids['b_self']}/answers/governing_body",
        data={"action": "request_changes", "body": "Dates?", "evidence_level": "0"},
    )
    page = staff.get(f"/staff/assessments/{ids['b_self']}").get_data(as_text=True)
    assert re.search(r"Accept the \d+ answers not reviewed yet", page)
    staff.post(f"/staff/assessments/{ids['b_self']}/accept", data={"scope": "untouched"})
    accepted = _accepted(data, ids["b_self"])
    assert "governing_body" not in accepted  # its change request stands
    assert accepted == _given(data, ids["b_self"]) - {"governing_body"}
    assert "not reviewed yet" not in staff.get(f"/staff/assessments/{ids['b_self']}").get_data(as_text=True)


def test_bulk_accept_refuses_what_does_not_apply(browser, ids, data):
    staff = browser("staff")
    assert staff.post(f"/staff/assessments/{ids['b_self']}/accept", data={"scope": "everything"}).status_code == 400
    assert staff.post(f"/staff/assessments/{ids['b_self']}/accept", data={"scope": "section:nope"}).status_code == 400
    page = staff.post(
        f"/staff/assessments/{ids['a_self']}/accept", data={"scope": "untouched"}, follow_redirects=True
    ).get_data(as_text=True)
    assert "only while the assessment waits for review" in page
    assert _accepted(data, ids["a_self"]) == set()  # still being answered: nothing accepted
    assert browser("partner_b").post(
        f"/staff/assessments/{ids['b_self']}/accept", data={"scope": "untouched"}
    ).status_code == 403


def test_each_review_form_is_labelled_by_its_question(browser, ids):
    page = browser("staff").get(f"/staff/assessments/{ids['b_self']}").get_data(as_text=True)
    forms = re.findall(r'<form [^>]*class="review-form" aria-labelledby="qtext-([\w-]+)"', page)
    assert len(forms) > 10
    for question_id in forms:
        assert f'<p class="qtext" id="qtext-{question_id}">' in page
    assert page.count('class="review-form"') == len(forms)  # no form without its label


def test_an_accepted_assessment_offers_no_actions(browser, ids, data):
    staff = browser("staff")
    staff.post(f"/staff/assessments/{ids['b_self']}/decision", data={"decision": "accepted"})
    page = staff.get(f"/staff/assessments/{ids['b_self']}").get_data(as_text=True)
    for action in ("Save review", "Send back for changes", "Accept the assessment", "Accept every answer",
                   "Send the invitation again"):
        assert action not in page, action
    before = _accepted(data, ids["b_self"])
    staff.post(
        f"/staff/assessments/{ids['b_self']}/answers/governing_body",
        data={"action": "accept", "body": "late", "evidence_level": "3"},
    )
    assert _accepted(data, ids["b_self"]) == before
    with data() as session:
        level = session.scalar(
            sa.select(Answer.evidence_level).where(
                Answer.assessment_id == ids["b_self"], Answer.question_id == "governing_body"
            )
        )
    assert level != 3
