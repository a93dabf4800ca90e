"""Autosave in a real browser: typing is saved a moment later with a visible time; someone else's newer answer is
never overwritten and the person is told; offline, the page says so and saves once the connection returns."""

from __future__ import annotations

import sqlalchemy as sa

from ddq.extensions import db
from ddq.store import answering
from ddq.store import operations as ops
from ddq.store.models import Answer, Assessment, Organisation
from tests.e2e.test_journey import Visit


def _ids(app) -> int:
    with app.app_context():
        partner = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Mathare Youth Voices"))
        mine = (Assessment.respondent_id == partner.id, Assessment.direction == "partner_self")
        return db.session.scalar(sa.select(Assessment.id).where(*mine))


def _answer(app, assessment_id, question_id):
    with app.app_context():
        answer = db.session.scalar(
            sa.select(Answer).where(Answer.assessment_id == assessment_id, Answer.question_id == question_id)
        )
        return None if answer is None else (answer.value, answer.draft)


def test_typing_is_saved_in_the_background_and_a_newer_answer_is_never_overwritten(live_server, chromium):
    app = live_server
    assessment_id = _ids(app)
    partner = Visit(chromium, app.config["DDQ_BASE_URL"])
    partner.sign_in("respondent1@partner1.example.org")
    partner.open(f"/a/{assessment_id}/s/people")
    status = partner.page.locator(".autosave-status")

    # typed, saved a moment later without pressing a button; invalid input is kept as typed
    partner.page.fill("#q_staff_count", "six")
    partner.page.wait_for_selector(".autosave-saved")
    assert "Saved at" in status.inner_text()
    assert _answer(app, assessment_id, "staff_count") == (None, "six")
    partner.page.fill("#q_staff_count", "6")
    partner.page.wait_for_function("() => document.querySelector('.autosave-status').textContent.includes('Saved')")
    partner.page.wait_for_timeout(2500)
    assert _answer(app, assessment_id, "staff_count") == (6, None)

    # a colleague saves another answer; this page's next autosave must not overwrite it, and says so
    with app.app_context():
        assessment = db.session.get(Assessment, assessment_id)
        question = ops.questionnaire_of(assessment.questionnaire_version).question("staff_count")
        answering.save_draft_answer(db.session, assessment, question, "12")
        db.session.commit()
    partner.page.fill("#q_staff_count", "7")
    partner.page.wait_for_selector(".autosave-conflict")
    assert "while you were editing" in status.inner_text()
    assert _answer(app, assessment_id, "staff_count") == (12, None)
    # the page's own save then shows both answers to choose from
    partner.click("button[name=save]")
    assert partner.page.is_visible("#conflict-staff_count")

    # offline: the page says so, and saves once the connection returns
    partner.open(f"/a/{assessment_id}/s/safeguarding")
    partner.context.set_offline(True)
    partner.page.check("input[name=q_safeguarding_policy][value=no]")
    partner.page.wait_for_selector(".autosave-offline")
    assert "offline" in partner.page.locator(".autosave-status").inner_text()
    assert _answer(app, assessment_id, "safeguarding_policy") in (None, (None, None))
    partner.context.set_offline(False)
    partner.page.wait_for_selector(".autosave-saved")
    assert _answer(app, assessment_id, "safeguarding_policy") == ("no", None)
    assert {path: found for path, found in partner.checked.items() if found} == {}
    partner.close()
