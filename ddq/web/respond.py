"""The answering side: a partner's home, assessments section by section, drafts, evidence, submission.

The institute's own disclosure is answered through the same pages by staff.
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.datastructures import FileStorage

from .. import notices
from ..core.definitions import Questionnaire
from ..extensions import db
from ..library import current_library
from ..store import answering
from ..store import operations as ops
from ..store.answer_review import open_requests
from ..store.documents import remove_evidence_file
from ..store.models import (
    Answer,
    Assessment,
    EvidenceFile,
    QuestionnaireVersion,
    ReviewComment,
    SectionAssignment,
    User,
)
from ..store.passport import carried_from, filled_from_record
from ..store.queries import (
    answers_by_question,
    estimate_for,
    given_values,
    is_answered,
    progress,
    published_disclosure,
    scope_of,
    visible_questions,
)
from ..store.report_facts import carried_summary
from . import access
from .guards import form_id
from .i18n import display_language
from .question_html import question_blocks
from .questionform import make_section_form, posted_answer
from .unit_of_work import after_commit
from .uploads import UploadError, accepted_files, store_upload, upload_path
from .widgets import widget_of

bp = Blueprint("respond", __name__)
bp.add_app_template_global(widget_of, "widget_of")
bp.add_app_template_global(carried_from, "carried_from")
bp.add_app_template_global(accepted_files, "accepted_files")
bp.add_app_template_global(filled_from_record, "filled_from_record")


@bp.app_template_global()
def profile_fact_name(fact: str) -> str:
    """A fact of the organisation's record (`derive_from: {profile: <fact>}`) as the partner's record names it."""
    names = {
        "name": _("Organisation name"),
        "country": _("Country"),
        "founded_year": _("Year founded"),
        "staff_size": _("Number of staff (people, part-time included)"),
    }
    return names.get(fact, fact)


def _questionnaire(assessment: Assessment) -> Questionnaire:
    return ops.questionnaire_of(assessment.questionnaire_version)


#: What a save reads of its assessment. The stored definition is not read: a version is immutable, and
#: `questionnaire_of` keeps it rebuilt by its sha256 (the definition is read once, on a version's first use).
_SAVE_READS = (
    joinedload(Assessment.questionnaire_version).defer(QuestionnaireVersion.definition),
    joinedload(Assessment.partnership),
    selectinload(Assessment.answers),
)
#: What an autosave reads of its assessment: not its answers (the save reads those it posts, in one statement).
_AUTOSAVE_READS = _SAVE_READS[:2]


def _answer_details(
    assessment: Assessment, question_ids: set[str]
) -> tuple[dict[str, list[EvidenceFile]], dict[str, list[ReviewComment]]]:
    """The files and the review comments of the assessment's answers to `question_ids`, by question id (one
    statement each), with the answers they were carried over from set on them (a statement when any is).

    Plain selects: the ORM's nested eager loads of the same rows cost three times as much."""
    answers = {answer.id: answer for answer in assessment.answers if answer.question_id in question_ids}
    files: dict[str, list[EvidenceFile]] = {}
    reviews: dict[str, list[ReviewComment]] = {}
    if answers:
        for file in db.session.scalars(
            sa.select(EvidenceFile).where(EvidenceFile.answer_id.in_(answers)).order_by(EvidenceFile.id)
        ):
            files.setdefault(answers[file.answer_id].question_id, []).append(file)
        for comment in db.session.scalars(
            sa.select(ReviewComment).where(ReviewComment.answer_id.in_(answers)).order_by(ReviewComment.id)
        ):
            reviews.setdefault(answers[comment.answer_id].question_id, []).append(comment)
    carried = [answer for answer in answers.values() if answer.reused_from_id]
    if carried:
        sources = db.session.scalars(
            sa.select(Answer)
            .where(Answer.id.in_({answer.reused_from_id for answer in carried}))
            .options(joinedload(Answer.assessment))
        )
        by_id = {source.id: source for source in sources}
        for answer in carried:
            set_committed_value(answer, "reused_from", by_id.get(answer.reused_from_id))
    return files, reviews


def _section_assessment(assessment_id: int, reads: tuple = _SAVE_READS) -> Assessment:
    """The assessment of a section page with what it reads, in a fixed number of statements; access is checked as
    `access.assessment_for` checks it."""
    kept = db.session.get(Assessment, assessment_id, options=reads)  # the session holds it weakly
    assessment = access.assessment_for(assessment_id)
    del kept
    return assessment


@bp.get("/my")
@access.partner_required
def home():
    """What is asked of the partner, why, who sees it, how long it takes, and what the institute disclosed."""
    assessments = db.session.scalars(
        sa.select(Assessment)
        .where(Assessment.respondent_id == current_user.organisation_id)
        .order_by(Assessment.created_at.desc())
    ).all()
    rows = []
    for assessment in assessments:
        questionnaire = _questionnaire(assessment)
        rows.append(
            {
                "assessment": assessment,
                "questionnaire": questionnaire,
                "estimate": estimate_for(assessment, questionnaire),
                "carried": carried_summary(assessment),
                "progress": progress(assessment, questionnaire),
            }
        )
    disclosure = published_disclosure()
    return render_template(
        "respond/home.html", rows=rows, disclosure=disclosure, disclosure_summary=_disclosure_summary(disclosure)
    )


def _disclosure_summary(disclosure: Assessment | None) -> list[dict]:
    if disclosure is None:
        return []
    questionnaire = _questionnaire(disclosure)
    answered = {
        answer.question_id for answer in disclosure.answers if answer.value is not None or answer.not_applicable
    }
    library = current_library()
    summary = []
    for domain in library.domains.values():
        questions = [question for question in questionnaire.questions if question.domain == domain.id]
        if questions:
            summary.append(
                {
                    "domain": domain,
                    "questions": len(questions),
                    "answered": sum(question.id in answered for question in questions),
                }
            )
    return summary


@bp.get("/institute")
@login_required
def institute():
    """The institute's published disclosure, answer by answer."""
    disclosure = published_disclosure()
    if disclosure is None:
        return render_template("respond/institute.html", disclosure=None)
    return redirect(url_for("respond.assessment", assessment_id=disclosure.id))


@bp.get("/a/<id:assessment_id>")
@login_required
def assessment(assessment_id: int):
    assessment = access.assessment_for(assessment_id)
    questionnaire = _questionnaire(assessment)
    colleagues = db.session.scalars(
        sa.select(User).where(User.organisation_id == assessment.respondent_id, User.active).order_by(User.name)
    ).all()
    assignments = {
        row.section_id: row.user
        for row in db.session.scalars(
            sa.select(SectionAssignment).where(SectionAssignment.assessment_id == assessment.id)
        )
    }
    requested = open_requests(assessment) if assessment.status in {"changes_requested", "in_progress"} else []
    sections = {question.id: section.id for section in questionnaire.sections for question in section.questions}
    return render_template(
        "respond/assessment.html",
        assessment=assessment,
        questionnaire=questionnaire,
        estimate=estimate_for(assessment, questionnaire),
        carried=carried_summary(assessment),
        progress=progress(assessment, questionnaire),
        can_answer=access.can_answer(current_user, assessment),
        colleagues=colleagues,
        assignments=assignments,
        requested=requested,
        section_of=sections,
    )


@bp.route("/a/<id:assessment_id>/s/<section_id>", methods=["GET", "POST"])
@login_required
def section(assessment_id: int, section_id: str):
    assessment = _section_assessment(assessment_id, _SAVE_READS)
    questionnaire = _questionnaire(assessment)
    current = next((s for s in questionnaire.sections if s.id == section_id), None)
    scope = scope_of(assessment)
    if current is None or not current.applies_to.matches(scope):
        abort(404)
    applicable = [question for question in current.questions if question.applies_to.matches(scope)]
    editable = access.can_answer(current_user, assessment)
    problems: dict[str, str] = {}
    conflicts: dict[str, tuple] = {}
    if request.method == "POST":
        if not editable:
            abort(403)
        # the form is only bound to read a post; pages are rendered by the project's own macros (faster)
        problems, conflicts = _save_section(assessment, current.id, applicable, make_section_form(applicable)())
        if conflicts:
            flash(
                _(
                    "Saved, except %(n)d answers that someone else changed while you were editing: "
                    "for each, keep yours or take theirs, then save again.",
                    n=len(conflicts),
                ),
                "warning",
            )
        elif problems:
            flash(_("Saved. Some answers need another look: they are kept as you typed them."), "warning")
        else:
            flash(_("Saved."), "success")
            if request.form.get("next_section"):
                following = _next_section(assessment, questionnaire, current.id)
                if following:
                    return redirect(url_for("respond.section", assessment_id=assessment.id, section_id=following))
                return redirect(url_for("respond.assessment", assessment_id=assessment.id))
        if not problems and not conflicts:
            return redirect(url_for("respond.section", assessment_id=assessment.id, section_id=current.id))
    answers = answers_by_question(assessment)
    versions = {q.id: answers[q.id].version if q.id in answers else 0 for q in applicable}
    unanswered = answering.content_fingerprint(answering.answer_content(None))
    bases = {
        q.id: answering.content_fingerprint(answering.answer_content(answers[q.id])) if q.id in answers else unanswered
        for q in applicable
    }
    theirs = {question_id: _theirs(answers[question_id]) for question_id in conflicts}
    answers.update({question_id: _Mine(answers[question_id], mine) for question_id, mine in conflicts.items()})
    values = given_values(answers)
    shown = {question.id for question in visible_questions(current, questionnaire, scope, values)}
    on_page = {question.id for question in applicable}
    files, reviews = _answer_details(assessment, on_page)
    for question_id, answer in answers.items():
        if answer.draft is not None and question_id in on_page and question_id not in problems:
            problems[question_id] = _("This answer was saved as a draft: please check it.")
    problems = {question_id: problem for question_id, problem in problems.items() if question_id in on_page}
    lang = display_language()
    # the form's questions, their static HTML kept per version and language (read-only pages show answers only)
    blocks = (
        question_blocks(
            assessment.questionnaire_version.sha256,
            applicable,
            answers=answers,
            problems=problems,
            files=files,
            reviews=reviews,
            shown=shown,
            versions=versions,
            bases=bases,
            conflicts=theirs,
            lang=lang,
        )
        if editable
        else ""
    )
    rows = progress(assessment, questionnaire)
    return render_template(
        "respond/section.html",
        assessment=assessment,
        questionnaire=questionnaire,
        section=current,
        questions=applicable,
        shown=shown,
        answers=answers,
        files=files,
        problems=problems,
        own_problems=[question for question in applicable if question.id in problems and question.id in shown],
        editable=editable,
        blocks=blocks,
        known_values=json.dumps({key: value for key, value in values.items() if value is not None}),
        next_section=_following(rows, current.id),
        where=_where(rows, current.id),
        lang=lang,
    )


@bp.post("/a/<id:assessment_id>/s/<section_id>/autosave")
@login_required
def autosave(assessment_id: int, section_id: str):
    """The section form saved in the background while the person types: the same draft rules as "Save draft".

    Answers someone else changed since the page was shown are not overwritten: they come back in `conflicts`, and
    saving the page then shows both answers to choose from. Files are sent only with the page's own save.
    """
    assessment = _section_assessment(assessment_id, _AUTOSAVE_READS)
    questionnaire = _questionnaire(assessment)
    current = next((s for s in questionnaire.sections if s.id == section_id), None)
    scope = scope_of(assessment)
    if current is None or not current.applies_to.matches(scope):
        abort(404)
    if not access.can_answer(current_user, assessment):
        return jsonify(error=_("These answers cannot be changed at the moment.")), 403
    present = set(request.form.getlist("present"))
    posted = [
        question for question in current.questions if question.id in present and question.applies_to.matches(scope)
    ]
    # a form of the posted questions only; the request's CSRF token is checked for every POST (CSRFProtect)
    form = make_section_form(posted)(meta={"csrf": False})
    result = _save_posted(assessment, current.id, posted, form)
    answers, conflicts = result.answers, result.conflicts
    saved = [question.id for question in posted if question.id not in conflicts]
    return jsonify(
        saved=True,
        versions={qid: answers[qid].version for qid in saved if qid in answers},
        bases={qid: answering.content_fingerprint(answering.answer_content(answers.get(qid))) for qid in saved},
        problems=result.problems,
        conflicts=[
            {
                "question": qid,
                "text": questionnaire.question(qid).text.get(display_language()),
                "by": _theirs(answers[qid])["by"],
            }
            for qid in conflicts
        ],
    )


def section_state(row: dict) -> str:
    """A section's state for the menu: done, check (drafts to fix), started or empty."""
    if row["drafts"]:
        return "check"
    if row["answered"] >= row["total"]:
        return "done"
    return "started" if row["answered"] else "empty"


def _where(rows: list[dict], section_id: str) -> dict:
    """Where the person is (`rows` of `progress`): the section's position, every section with its state, answers
    given overall."""
    ids = [row["section"].id for row in rows]
    return {
        "position": ids.index(section_id) + 1 if section_id in ids else None,
        "count": len(rows),
        "sections": [{**row, "state": section_state(row)} for row in rows],
        "answered": sum(row["answered"] for row in rows),
        "total": sum(row["total"] for row in rows),
    }


def _next_section(assessment: Assessment, questionnaire: Questionnaire, section_id: str) -> str | None:
    return _following(progress(assessment, questionnaire), section_id)


def _following(rows: list[dict], section_id: str) -> str | None:
    """The section after this one among `rows` of `progress`."""
    ids = [row["section"].id for row in rows]
    return ids[ids.index(section_id) + 1] if section_id in ids and ids.index(section_id) + 1 < len(ids) else None


class _Mine:
    """An answer as this person wrote it, shown in the form beside the newer answer someone else saved."""

    def __init__(self, answer, content: tuple) -> None:
        self._answer = answer
        self.value, self.draft, self.not_applicable, self.na_reason, self.comment = content

    def __getattr__(self, name: str):
        return getattr(self._answer, name)


def _theirs(answer) -> dict:
    """The newer answer someone else saved, and who saved it."""
    author = db.session.get(User, answer.answered_by_id) if answer.answered_by_id else None
    return {"answer": answer, "by": author.name if author else None}


def _base_version(question_id: str) -> int | None:
    """The version of the answer the page showed; None from a page that does not say."""
    posted = request.form.get(f"version_{question_id}", "")
    return int(posted) if posted.isdigit() and len(posted) < 10 else None


def _save_section(
    assessment: Assessment, section_id: str, questions: list, form, *, with_files: bool = True
) -> tuple[dict[str, str], dict[str, tuple]]:
    """Save every answer on the page, valid or not, and the files.

    Returns the problems by question id, and the answers someone else changed since the page was shown (what
    this person wrote, by question id): those are not saved, and the page shows both for the person to choose.
    """
    result = _save_posted(assessment, section_id, questions, form)
    problems, conflicts = result.problems, result.conflicts
    on_page = set(request.form.getlist("present"))
    for question in questions:
        if not with_files or question.id not in on_page or request.form.get(f"resolve_{question.id}") == "theirs":
            continue
        _remove_files(assessment, question.id)
        upload = form[f"file_{question.id}"].data if f"file_{question.id}" in form else None
        if isinstance(upload, FileStorage) and upload.filename:
            try:
                stored = store_upload(upload)
            except UploadError as error:
                problems[question.id] = str(error)
            else:
                answer = result.answers.get(question.id) or answering.answer_row(db.session, assessment, question)
                ops.add_evidence_file(db.session, answer, actor=current_user, **stored.__dict__)
                if question.is_document and answer.value is None:
                    answer.value = stored.original_name
    return problems, conflicts


def _save_posted(assessment: Assessment, section_id: str, questions: list, form) -> answering.Saved:
    """Save the answers the page posted (those it lists in `present`: a partial post clears nothing), with the
    carried-over answers it confirms, and add the active time it reports; in a few statements (`save_answers`)."""
    on_page = set(request.form.getlist("present"))
    posts = []
    for question in questions:
        posted = posted_answer(form, question) if question.id in on_page else None
        if posted is None or request.form.get(f"resolve_{question.id}") == "theirs":
            continue
        posts.append(
            answering.Posted(
                question,
                None if question.is_document else posted["raw"],
                not_applicable=posted["not_applicable"],
                na_reason=posted["na_reason"],
                comment=posted["comment"],
                base_version=_base_version(question.id),
                base=request.form.get(f"base_{question.id}"),
                confirm=bool(request.form.get(f"confirm_{question.id}")),
            )
        )
    result = answering.save_answers(db.session, assessment, posts, current_user)
    try:
        seconds = int(form.active_seconds.data or 0)
    except ValueError:
        seconds = 0
    ops.record_section_time(db.session, assessment, section_id, current_user, seconds)
    ops.start_answering(db.session, assessment, current_user)
    return result


def _remove_files(assessment: Assessment, question_id: str) -> None:
    """Remove the files ticked "Remove" under a question (their ids in `remove_<question>`); a file is replaced by
    ticking it and choosing a new one. Ids of other answers' files are ignored; the files go once committed."""
    ticked = set(request.form.getlist(f"remove_{question_id}"))
    answer = answers_by_question(assessment).get(question_id)
    if not ticked or answer is None:
        return
    for evidence in [file for file in answer.evidence_files if str(file.id) in ticked]:
        stored_name = remove_evidence_file(db.session, evidence, current_user)
        after_commit(lambda name=stored_name: upload_path(name).unlink(missing_ok=True))


@bp.get("/a/<id:assessment_id>/review")
@login_required
def review(assessment_id: int):
    """Before submitting: every question still empty or to check, section by section, and what submitting means."""
    assessment = access.assessment_for(assessment_id)
    questionnaire = _questionnaire(assessment)
    answers = answers_by_question(assessment)
    scope = scope_of(assessment)
    values = given_values(answers)
    sections = []
    for row in progress(assessment, questionnaire):
        shown = visible_questions(row["section"], questionnaire, scope, values)
        empty = [question for question in shown if not is_answered(answers.get(question.id))]
        if empty or row["drafts"]:
            sections.append({**row, "empty": empty})
    total = sum(row["total"] for row in progress(assessment, questionnaire))
    return render_template(
        "respond/review.html",
        assessment=assessment,
        questionnaire=questionnaire,
        sections=sections,
        total=total,
        empty=sum(len(row["empty"]) for row in sections),
        missing=sum(len(row["missing_required"]) for row in sections),
        drafts=sum(len(row["drafts"]) for row in sections),
        can_answer=access.can_answer(current_user, assessment),
        ask_burden=asks_burden(assessment),
        lang=display_language(),
    )


def asks_burden(assessment: Assessment) -> bool:
    """Whether submitting asks how proportionate the request was: a partner's own assessment only (the feedback
    questionnaire asks it among its questions, and the institute's disclosure is its own)."""
    return assessment.direction == "partner_self"


@bp.post("/a/<id:assessment_id>/submit")
@login_required
def submit(assessment_id: int):
    assessment = access.assessment_for(assessment_id, access.can_answer)
    rows = progress(assessment, _questionnaire(assessment))
    missing = [(row["section"], q) for row in rows for q in row["missing_required"]]
    drafts = [(row["section"], q) for row in rows for q in row["drafts"]]
    if missing or drafts:
        flash(
            _("Not submitted yet:")
            + " "
            + ngettext("%(num)d required answer is missing", "%(num)d required answers are missing", len(missing))
            + ", "
            + ngettext("%(num)d answer needs checking.", "%(num)d answers need checking.", len(drafts)),
            "error",
        )
        return redirect(url_for("respond.review", assessment_id=assessment.id))
    rating = request.form.get("burden_rating", "") if asks_burden(assessment) else ""
    if rating in {"1", "2", "3", "4", "5", "6", "7"}:
        assessment.burden_rating = int(rating)
    comment = (request.form.get("burden_comment") or "").strip()
    if comment:
        assessment.burden_comment = comment[:4000]
    ops.change_status(db.session, assessment, "submitted", current_user)
    notices.submitted(assessment)
    flash(_("Submitted. Thank you: the institute will review your answers and send you the results."), "success")
    return redirect(url_for("respond.assessment", assessment_id=assessment.id))


@bp.post("/a/<id:assessment_id>/assign")
@login_required
def assign(assessment_id: int):
    assessment = access.assessment_for(assessment_id, access.can_answer)
    section_id = request.form.get("section_id", "")
    if section_id not in {section.id for section in _questionnaire(assessment).sections}:
        abort(400)
    user_id = request.form.get("user_id", "")
    colleague = db.session.get(User, form_id(user_id)) if form_id(user_id) else None
    if user_id and (colleague is None or colleague.organisation_id != assessment.respondent_id):
        abort(400)
    ops.assign_section(db.session, assessment, section_id, colleague, current_user)
    if colleague is not None and colleague.id != current_user.id:
        notices.section_assigned(assessment, section_id, colleague, current_user)
    flash(_("Section assignment saved."), "success")
    return redirect(url_for("respond.assessment", assessment_id=assessment.id))


@bp.get("/evidence/<id:file_id>")
@login_required
def evidence(file_id: int):
    evidence = access.evidence_for(file_id)
    path = upload_path(evidence.stored_name)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=evidence.content_type, as_attachment=True, download_name=evidence.original_name)
