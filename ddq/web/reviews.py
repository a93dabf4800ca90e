"""The partnership cycle on the web: joint reviews, capacity over time, and each person's message preferences."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..core.health import side_by_side
from ..core.trend import trend
from ..extensions import db
from ..library import current_library
from ..reporting.charts import profile_chart
from ..reporting.context import scorecard_of
from ..store import outbox
from ..store import reviews as store
from ..store.models import Answer, Assessment, Partnership
from ..store.report_facts import assessment_facts
from . import access
from .i18n import display_language

bp = Blueprint("reviews", __name__)
messages_bp = Blueprint("messages", __name__)

#: The longest free-text answer in a review.
MAX_COMMENT = 4000


def _health():
    return current_library().questionnaire(store.HEALTH_QUESTIONNAIRE)


def _side(user) -> str:
    return "institute" if access.is_staff(user) else "partner"


@bp.app_template_global()
def decision_label(decision: str) -> str:
    return {
        "continue": _("Continue"),
        "adjust_terms": _("Adjust the terms"),
        "scale_back": _("Scale back"),
        "end": _("End the partnership"),
    }.get(decision, decision)


@bp.app_template_global()
def trend_label(direction: str) -> str:
    return {
        "up": _("rose"),
        "down": _("fell"),
        "steady": _("steady"),
        "new": _("assessed for the first time"),
        "not_assessed": _("not assessed this cycle"),
    }.get(direction, direction)


# --- capacity over time -------------------------------------------------------------------------------------


def _cycles(organisation_id: int) -> list[Assessment]:
    """The partner's self-assessments that have answers, oldest first."""
    answered = sa.select(Answer.assessment_id).where(Answer.value.is_not(None))
    return list(
        db.session.scalars(
            sa.select(Assessment)
            .where(
                Assessment.subject_id == organisation_id,
                Assessment.direction == "partner_self",
                Assessment.id.in_(answered),
            )
            .order_by(Assessment.id)
        )
    )


@bp.app_template_global()
def capacity_trend(organisation_id: int) -> dict[str, Any] | None:
    """Each domain's change since the previous cycle, the lighter terms it supports, and the terms agreed.

    None when the organisation has fewer than two answered cycles.
    """
    cycles = _cycles(organisation_id)
    if len(cycles) < 2:
        return None
    library = current_library()
    language = display_language()
    previous, current = cycles[-2], cycles[-1]
    partnership = current.partnership
    result = trend(
        scorecard_of(assessment_facts(db.session, previous), library),
        scorecard_of(assessment_facts(db.session, current), library),
        tier=current.tier or (partnership.tier if partnership else None),
        tiers=tuple(library.tiers),
        cycle_months=partnership.review_cycle_months if partnership else 24,
    )

    def title(domain_id: str) -> str:
        domain = library.domains.get(domain_id)
        return domain.title.get(language) if domain else domain_id

    before_label = previous.created_at.date().isoformat()
    after_label = current.created_at.date().isoformat()
    chart = profile_chart(
        [(title(c.domain), c.before, c.after) for c in result.changes if c.before is not None or c.after is not None],
        (before_label, after_label),
    )
    agreed = store.latest_agreement(db.session, partnership.id) if partnership else None
    return {
        "previous": previous,
        "current": current,
        "before_label": before_label,
        "after_label": after_label,
        "changes": [{"change": c, "title": title(c.domain)} for c in result.changes],
        "overall": (result.overall_before, result.overall_after),
        "suggestions": [_suggestion_text(s, library, title) for s in result.suggestions],
        "suggested": {s.kind: s.value for s in result.suggestions},
        "chart": chart,
        "agreed": agreed,
        "partnership": partnership,
    }


def _suggestion_text(suggestion, library, title) -> str:
    language = display_language()
    if suggestion.kind == "lower_tier":
        tier = library.tiers[suggestion.value].title.get(language)
        return _("A lighter tier next time: %(tier)s.", tier=tier)
    if suggestion.kind == "longer_validity":
        return _("A longer validity: re-assess after %(months)d months.", months=suggestion.value)
    return _("Fewer evidence checks in: %(domains)s.", domains=", ".join(title(d) for d in suggestion.value))


@bp.app_template_global()
def partnership_reviews(organisation_id: int) -> list[dict[str, Any]]:
    """Each partnership of an organisation with its open review (if any) and its latest decision."""
    rows = []
    for partnership in db.session.scalars(
        sa.select(Partnership).where(Partnership.partner_id == organisation_id).order_by(Partnership.id)
    ):
        history = store.reviews_of(db.session, partnership.id)
        rows.append(
            {
                "partnership": partnership,
                "open": next((r for r in history if r.is_open), None),
                "decided": next((r for r in history if not r.is_open), None),
            }
        )
    return rows


# --- the joint review -----------------------------------------------------------------------------------------


def _scores(questionnaire, values: dict[str, Any]) -> dict[str, float | None]:
    scores: dict[str, float | None] = {}
    for question in questionnaire.questions:
        choice = question.choice(values[question.id]) if question.choices and question.id in values else None
        scores[question.id] = float(choice.score) if choice is not None and choice.score is not None else None
    return scores


@bp.get("/partnerships/<id:partnership_id>/review")
@login_required
def review(partnership_id: int):
    """The partnership's open review (or the latest decided), both sides item by item, and the decision."""
    partnership = access.partnership_for(partnership_id)
    questionnaire = _health()
    history = store.reviews_of(db.session, partnership.id)
    current = next((r for r in history if r.is_open), history[0] if history else None)
    side = _side(current_user)
    sides = store.answers_by_side(current) if current is not None else {"partner": {}, "institute": {}}
    mine = sides[side]
    # each side sees the other's answers once it has given its own (no anchoring), and everyone once decided
    both_shown = current is not None and (not current.is_open or bool(mine)) and all(sides.values())
    scored = [q for q in questionnaire.questions if q.choices]
    rows = []
    if both_shown:
        partner_scores, institute_scores = _scores(questionnaire, sides["partner"]), _scores(
            questionnaire, sides["institute"]
        )
        for item in side_by_side([q.id for q in scored], partner_scores, institute_scores):
            question = questionnaire.question(item.question_id)
            rows.append({"question": question, "item": item, "values": {s: sides[s].get(question.id) for s in sides}})
    library = current_library()
    return render_template(
        "reviews/review.html",
        partnership=partnership,
        questionnaire=questionnaire,
        review=current,
        history=[r for r in history if not r.is_open],
        side=side,
        mine=mine,
        other_answered=bool(sides["institute" if side == "partner" else "partner"]),
        rows=rows,
        comments={s: sides[s].get("comment") for s in sides} if both_shown else {},
        can_answer=current is not None and current.is_open and access.can_answer_review(current_user, partnership),
        can_decide=access.is_staff(current_user) and current is not None and current.is_open,
        is_staff=access.is_staff(current_user),
        tiers=[(tier.id, tier.title.get(display_language())) for tier in library.tiers.values()],
        decisions=store.DECISIONS,
        cycle=capacity_trend(partnership.partner_id),
        reassess_on=_reassessment_due(partnership),
        today=dt.date.today(),
    )


def _reassessment_due(partnership: Partnership) -> dt.date | None:
    """When the partner's due diligence is next due: its latest request plus the partnership's review cycle."""
    latest = db.session.scalar(
        sa.select(sa.func.max(Assessment.created_at)).where(
            Assessment.partnership_id == partnership.id, Assessment.direction == "partner_self"
        )
    )
    return store.add_months(latest.date(), partnership.review_cycle_months) if latest else None


@bp.post("/partnerships/<id:partnership_id>/review/start")
@access.staff_required
def start(partnership_id: int):
    """Open a review now (the schedule opens one anyway, due a cycle after the last)."""
    partnership = access.partnership_for(partnership_id)
    review = store.open_review(db.session, partnership.id)
    if review is None:
        store.start_review(db.session, partnership, dt.date.today(), current_user)
        flash(_("Review opened: both sides can answer now."), "success")
    elif review.due_on > dt.date.today():
        review.due_on = dt.date.today()
        flash(_("Review brought forward to today."), "success")
    return redirect(url_for("reviews.review", partnership_id=partnership.id))


@bp.post("/partnerships/<id:partnership_id>/review/answers")
@login_required
def answer(partnership_id: int):
    """One side's answers: every required question answered with one of its choices, or nothing is saved."""
    partnership = access.partnership_for(partnership_id, access.can_answer_review)
    review = store.open_review(db.session, partnership.id)
    back = redirect(url_for("reviews.review", partnership_id=partnership.id))
    if review is None:
        flash(_("There is no open review of this partnership."), "error")
        return back
    questionnaire = _health()
    language = display_language()
    values: dict[str, Any] = {}
    problems = []
    for question in questionnaire.questions:
        given = (request.form.get(f"q_{question.id}") or "").strip()
        if question.choices:
            if not given:
                if question.required:
                    problems.append(_("“%(question)s”: choose an answer.", question=question.text.get(language)))
                continue
            if question.choice(given) is None:
                problems.append(_("“%(question)s”: not one of the choices.", question=question.text.get(language)))
                continue
        elif len(given) > MAX_COMMENT:
            problems.append(
                _("“%(question)s”: %(max)d characters at most.", question=question.text.get(language), max=MAX_COMMENT)
            )
            continue
        if given:
            values[question.id] = given
    if problems:
        for problem in problems:
            flash(problem, "error")
        flash(_("Nothing was saved."), "error")
        return back
    store.save_side(db.session, review, _side(current_user), values, current_user)
    flash(_("Your answers are saved."), "success")
    return back


@bp.post("/partnerships/<id:partnership_id>/review/decision")
@access.staff_required
def decide(partnership_id: int):
    """The decision agreed with the partner, with reasons, and the terms for the next cycle."""
    partnership = access.partnership_for(partnership_id)
    review = store.open_review(db.session, partnership.id)
    back = redirect(url_for("reviews.review", partnership_id=partnership.id))
    if review is None:
        flash(_("There is no open review of this partnership."), "error")
        return back
    months_text = (request.form.get("agreed_cycle_months") or "").strip()
    if months_text and not (months_text.isascii() and months_text.isdigit() and len(months_text) <= 3):
        flash(_("Months between re-assessments: a whole number from 1 to 60."), "error")
        return back
    try:
        store.decide(
            db.session,
            review,
            request.form.get("decision", ""),
            request.form.get("reasons", ""),
            current_user,
            agreed_tier=request.form.get("agreed_tier") or None,
            agreed_cycle_months=int(months_text) if months_text else None,
            agreed_terms=request.form.get("agreed_terms"),
            tiers=tuple(current_library().tiers),
        )
    except store.ReviewError as error:
        db.session.rollback()
        flash(str(error), "error")
        return back
    flash(_("Decision recorded: both sides can read it."), "success")
    return back


# --- message preferences --------------------------------------------------------------------------------------


@messages_bp.route("/account/messages", methods=["GET", "POST"])
@login_required
def preferences():
    """Immediate messages or a daily digest; reminders on or muted (invitations always arrive)."""
    preference = db.session.get(outbox.MailPreference, current_user.id)
    if request.method == "POST":
        mode = request.form.get("mode", "")
        if mode not in {"immediate", "digest"}:
            flash(_("Choose immediate messages or a daily digest."), "error")
        else:
            outbox.set_preference(
                db.session,
                current_user.id,
                digest=mode == "digest",
                mute_reminders=request.form.get("mute_reminders") == "y",
            )
            flash(_("Your message preferences are saved."), "success")
            return redirect(url_for("messages.preferences"))
    return render_template(
        "reviews/preferences.html",
        digest=bool(preference and preference.digest),
        mute_reminders=bool(preference and preference.mute_reminders),
    )

