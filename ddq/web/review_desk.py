"""Reviewing at speed: the queue of assessments waiting for a reviewer, and accepting answers in bulk."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from ..extensions import db
from ..store import operations as ops
from ..store.answer_review import REVIEWABLE, accept_all, open_request, review_queue, untouched
from . import access

bp = Blueprint("review_desk", __name__, url_prefix="/staff")


def review_action_label(action: str) -> str:
    """A reviewer's action on an answer, in plain words."""
    return {
        "comment": _("Comment"),
        "request_changes": _("Change requested"),
        "accept": _("Accepted"),
    }.get(action, action)


bp.add_app_template_global(open_request, "open_request")
bp.add_app_template_global(untouched, "untouched_answers")
bp.add_app_template_global(review_action_label, "review_action_label")
bp.add_app_template_test(lambda answer: open_request(answer) is not None, "open_request")


@bp.get("/queue")
@access.staff_required
def queue():
    """Submitted assessments waiting for review: those the reviewer sent first, then the longest waiting."""
    return render_template("staff/queue.html", rows=review_queue(db.session, current_user))


@bp.post("/assessments/<id:assessment_id>/accept")
@access.staff_required
def accept(assessment_id: int):
    """Accept every answer of one section (`section`), or every answer no reviewer has looked at (`untouched`)."""
    assessment = access.assessment_for(assessment_id, access.can_review)
    if assessment.status not in REVIEWABLE:
        flash(_("Answers are accepted only while the assessment waits for review."), "error")
        return redirect(url_for("staff.review", assessment_id=assessment.id))
    scope = request.form.get("scope", "")
    if scope == "untouched":
        chosen = untouched(assessment)
        anchor = None
    elif scope.startswith("section:"):
        questionnaire = ops.questionnaire_of(assessment.questionnaire_version)
        section = next((s for s in questionnaire.sections if s.id == scope.removeprefix("section:")), None)
        if section is None:
            abort(400)
        ids = {question.id for question in section.questions}
        chosen = [
            answer
            for answer in assessment.answers
            if answer.question_id in ids and (answer.value is not None or answer.not_applicable)
        ]
        anchor = f"s-{section.id}"
    else:
        abort(400)
    count = accept_all(db.session, chosen, current_user)
    flash(ngettext("%(num)d answer accepted.", "%(num)d answers accepted.", count), "success")
    return redirect(url_for("staff.review", assessment_id=assessment.id, _anchor=anchor))
