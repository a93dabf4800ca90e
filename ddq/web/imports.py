"""Spreadsheets on the web: staff import funder templates (upload, preview, confirm); partners take an
assessment offline as a spreadsheet and bring it back as a draft (preview, confirm)."""

from __future__ import annotations

import json
import re
import secrets
from pathlib import Path

import sqlalchemy as sa
import yaml
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.burden import estimate
from ..core.definitions import Scope
from ..extensions import db
from ..importers.frame import import_template, keep_derivations
from ..importers.intake import TemplateError, TemplateProblem, limits_from, open_template
from ..importers.offline import OfflineChange, read_offline, write_offline
from ..library import current_library, save_import
from ..store import answering
from ..store import operations as ops
from ..store.models import Partnership
from ..store.queries import answers_by_question, scope_of
from . import access
from .i18n import display_language

bp = Blueprint("imports", __name__)

#: A pending import's name: the 32 hex digits that `upload` makes, nothing a path could be built from.
_TOKEN = re.compile(r"[0-9a-f]{32}")


def _pending_folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _run_import(data: bytes, name: str, form) -> object:
    mapping = yaml.safe_load(form.get("mapping") or "") if form.get("mapping") else None
    if mapping is not None and not isinstance(mapping, dict):
        raise TemplateError([])
    library = current_library()
    result = import_template(
        name,
        data,
        Path(current_app.config["DDQ_QUESTIONNAIRES"]),
        library,
        funder=form.get("funder") or None,
        questionnaire_id=form.get("questionnaire_id") or None,
        mapping=mapping,
        limits=limits_from(current_app.config),
    )
    if result.definition["id"] in library.questionnaires:  # imported earlier, or shipped
        problem = f"a questionnaire {result.definition['id']!r} already exists: choose another id"
        raise TemplateError([TemplateProblem(name, problem)])
    return result


@bp.route("/staff/imports", methods=["GET", "POST"])
@access.staff_required
def upload():
    """Upload a funder template and see what ddq makes of it; nothing is written until confirmed."""
    if request.method == "GET":
        return render_template("staff/import.html", result=None, problems=[])
    upload = request.files.get("template")
    if upload is None or not upload.filename:
        return render_template("staff/import.html", result=None, problems=[_("Choose a file to import.")]), 400
    data = upload.read()
    try:
        result = _run_import(data, upload.filename, request.form)
    except (TemplateError, yaml.YAMLError) as error:
        problems = (
            [str(p) for p in error.problems]
            if isinstance(error, TemplateError) and error.problems
            else [_("The mapping is not valid YAML: %(error)s", error=str(error)[:300])]
        )
        return render_template("staff/import.html", result=None, problems=problems), 400
    token = secrets.token_hex(16)
    (_pending_folder() / token).write_bytes(data)
    (_pending_folder() / f"{token}.json").write_text(
        json.dumps(
            {
                "name": upload.filename,
                "funder": request.form.get("funder", ""),
                "questionnaire_id": request.form.get("questionnaire_id", ""),
                "mapping": request.form.get("mapping", ""),
            }
        ),
        encoding="utf-8",
    )
    return render_template("staff/import.html", result=result, problems=[], token=token)


@bp.post("/staff/imports/<token>/confirm")
@access.staff_required
def confirm(token: str):
    if not _TOKEN.fullmatch(token) or not (_pending_folder() / token).is_file():
        abort(404)
    data = (_pending_folder() / token).read_bytes()
    form = json.loads((_pending_folder() / f"{token}.json").read_text(encoding="utf-8"))
    try:
        result = _run_import(data, form["name"], form)
        keep_derivations(result, set(request.form.getlist("derive")))  # the answer rules staff confirmed
        path = save_import(result)  # into the imported folder (DDQ_IMPORTED), never the source tree; usable at once
    except TemplateError as error:
        return render_template("staff/import.html", result=None, problems=[str(p) for p in error.problems]), 400
    (_pending_folder() / token).unlink(missing_ok=True)
    (_pending_folder() / f"{token}.json").unlink(missing_ok=True)
    ops.log(db.session, "template.import", current_user, current_user, file=form["name"], definition=path.name)
    flash(_("Imported as %(title)s.", title=result.definition["title"]["en"]), "success")
    return redirect(url_for("imports.send", questionnaire_id=result.definition["id"]))


@bp.get("/staff/imports/send/<questionnaire_id>")
@access.staff_required
def send(questionnaire_id: str):
    """Send a questionnaire (an imported template just confirmed) to a partner: its burden, then the partnership;
    the request page that follows sets the tier and due date and shows each tier's burden before sending."""
    from .staff import requestable_questionnaires

    questionnaire = requestable_questionnaires(current_library()).get(questionnaire_id)
    if questionnaire is None:
        abort(404)
    partnerships = db.session.scalars(sa.select(Partnership).order_by(Partnership.title, Partnership.id)).all()
    problems = []
    chosen = request.args.get("partnership", "")
    if chosen:
        partnership = db.session.get(Partnership, int(chosen)) if chosen.isdigit() and len(chosen) < 10 else None
        if partnership is not None:
            return redirect(url_for("staff.new_request", partnership_id=partnership.id, questionnaire=questionnaire.id))
        problems.append(_("Choose one of the partnerships listed."))
    burden = estimate(questionnaire, Scope(tier="standard"))
    page = render_template(
        "staff/import_send.html",
        questionnaire=questionnaire,
        partnerships=partnerships,
        burden=burden,
        problems=problems,
    )
    return page, (400 if problems else 200)


# --- partners offline -----------------------------------------------------------------------------


@bp.get("/a/<id:assessment_id>/spreadsheet.xlsx")
@login_required
def download(assessment_id: int):
    """The assessment as a spreadsheet to fill offline."""
    assessment = access.assessment_for(assessment_id)
    questionnaire = ops.questionnaire_of(assessment.questionnaire_version)
    body = write_offline(questionnaire, scope_of(assessment), answers_by_question(assessment), display_language())
    return Response(
        body,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="ddq-assessment-{assessment.id}.xlsx"'},
    )


@bp.post("/a/<id:assessment_id>/spreadsheet")
@login_required
def upload_offline(assessment_id: int):
    """Bring a filled spreadsheet back: first a preview of every change, applied only once confirmed."""
    assessment = access.assessment_for(assessment_id, access.can_answer)
    questionnaire = ops.questionnaire_of(assessment.questionnaire_version)
    if request.form.get("confirm"):
        return _confirm_offline(assessment, questionnaire)
    upload = request.files.get("spreadsheet")
    if upload is None or not upload.filename:
        flash(_("Choose the spreadsheet to upload."), "error")
        return redirect(url_for("respond.assessment", assessment_id=assessment.id))
    try:
        template = open_template(upload.filename, upload.read(), limits=limits_from(current_app.config))
        changes, problems = read_offline(template, questionnaire, scope_of(assessment), answers_by_question(assessment))
    except TemplateError as error:
        return render_template(
            "respond/offline.html",
            assessment=assessment,
            questionnaire=questionnaire,
            changes=[],
            problems=[str(p) for p in error.problems],
            payload="[]",
        ), 400
    asked = _asked(assessment, questionnaire)
    for change in [change for change in changes if asked[change.question_id].is_document]:
        changes.remove(change)
        problems.append(
            _(
                "%(question)s: documents are uploaded on the website, not named in a spreadsheet.",
                question=change.question,
            )
        )
    answers = answers_by_question(assessment)
    payload = json.dumps([change.__dict__ for change in changes], ensure_ascii=False)
    versions = {
        change.question_id: answers[change.question_id].version if change.question_id in answers else 0
        for change in changes
    }
    return render_template(
        "respond/offline.html",
        assessment=assessment,
        questionnaire=questionnaire,
        changes=changes,
        problems=problems,
        payload=payload,
        versions=json.dumps(versions),
        lang=display_language(),
    )


#: The largest confirmation a browser may send back, and the longest answer or comment in it.
MAX_OFFLINE_BYTES = 1_000_000
MAX_OFFLINE_TEXT = 20_000


def _asked(assessment, questionnaire) -> dict:
    """The questions this assessment asks (its tier, partnership type and roles), in order."""
    return {question.id: question for _, question in questionnaire.applicable(scope_of(assessment))}


def _offline_changes(posted: str, versions: str, asked: dict) -> tuple[list[tuple], list[str]]:
    """Check a confirmation whole before anything is saved: (question, change, base version) rows, or problems."""
    if len(posted) + len(versions) > MAX_OFFLINE_BYTES:
        return [], [
            _(
                "The confirmation is larger than %(n)d MB: upload the spreadsheet again.",
                n=MAX_OFFLINE_BYTES // 1_000_000,
            )
        ]
    try:
        items, bases = json.loads(posted or "[]"), json.loads(versions or "{}")
        if not isinstance(items, list) or not isinstance(bases, dict):
            raise ValueError
        changes = [OfflineChange(**item) for item in items]
    except (TypeError, ValueError, RecursionError):
        return [], [_("The confirmation was damaged on the way: upload the spreadsheet again.")]
    if len(changes) > len(asked):
        return [], [
            _(
                "The confirmation has %(n)d changes, more than the %(m)d questions this assessment asks.",
                n=len(changes),
                m=len(asked),
            )
        ]
    rows, problems, seen = [], [], set()
    for number, change in enumerate(changes, 1):
        question = asked.get(change.question_id) if isinstance(change.question_id, str) else None
        texts = change.new if isinstance(change.new, list) else [change.new]
        if question is None:
            problems.append(
                _(
                    "Change %(n)d: %(id)s is not a question of this assessment.",
                    n=number,
                    id=repr(change.question_id)[:100],
                )
            )
        elif change.question_id in seen:
            problems.append(_("Change %(n)d: %(id)s is changed twice.", n=number, id=change.question_id))
        elif question.is_document:
            problems.append(
                _("Change %(n)d: documents are uploaded on the website, not named in a spreadsheet.", n=number)
            )
        elif not all(isinstance(text, str) for text in texts) or not isinstance(change.comment, str | None):
            problems.append(_("Change %(n)d: the answer is not text.", n=number))
        elif sum(len(text) for text in texts) > MAX_OFFLINE_TEXT or len(change.comment or "") > MAX_OFFLINE_TEXT:
            problems.append(
                _(
                    "Change %(n)d: the answer or comment is longer than %(max)d characters.",
                    n=number,
                    max=MAX_OFFLINE_TEXT,
                )
            )
        else:
            seen.add(change.question_id)
            base = bases.get(change.question_id)
            rows.append((question, change, base if isinstance(base, int) and not isinstance(base, bool) else None))
    order = list(asked)
    rows.sort(key=lambda row: order.index(row[0].id))  # the web form's order: rows are locked in one order
    return rows, problems


def _confirm_offline(assessment, questionnaire):
    """Save a confirmed preview through the web form's own save: every change checked first, or none saved."""
    rows, problems = _offline_changes(
        request.form.get("changes", ""), request.form.get("versions", ""), _asked(assessment, questionnaire)
    )
    if problems:
        return render_template(
            "respond/offline.html",
            assessment=assessment,
            questionnaire=questionnaire,
            changes=[],
            problems=[*problems, _("Nothing was saved.")],
            payload="[]",
            versions="{}",
            lang=display_language(),
        ), 400
    applied, stale = 0, []
    for question, change, base_version in rows:
        try:
            answering.save_draft_answer(
                db.session,
                assessment,
                question,
                change.new,
                comment=change.comment,
                actor=current_user,
                base_version=base_version,
            )
        except answering.StaleAnswer:
            stale.append(question.text.get(display_language()))
        else:
            applied += 1
    ops.start_answering(db.session, assessment, current_user)
    flash(_("%(n)d answers saved from the spreadsheet.", n=applied), "success")
    if stale:
        flash(
            _(
                "Changed on the website since your preview, so kept as they are there: %(questions)s.",
                questions="; ".join(stale),
            ),
            "warning",
        )
    return redirect(url_for("respond.assessment", assessment_id=assessment.id))
