"""Pages. For now the overview of partners and assessments."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, render_template
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..store.models import Answer, Assessment, Organisation
from ..store.operations import questionnaire_of

bp = Blueprint("main", __name__)


@bp.get("/")
def index() -> str:
    """List partners, their partnerships and every assessment with its progress."""
    partners = db.session.scalars(
        sa.select(Organisation)
        .where(Organisation.kind == "partner")
        .options(selectinload(Organisation.partnerships))
        .order_by(Organisation.name)
    ).all()
    assessments = db.session.scalars(
        sa.select(Assessment)
        .options(
            selectinload(Assessment.questionnaire_version),
            selectinload(Assessment.subject),
            selectinload(Assessment.respondent),
            selectinload(Assessment.partnership),
        )
        .order_by(Assessment.id)
    ).all()
    answered = dict(
        db.session.execute(
            sa.select(Answer.assessment_id, sa.func.count())
            .where(sa.or_(Answer.value.is_not(None), Answer.not_applicable))
            .group_by(Answer.assessment_id)
        ).all()
    )
    rows = [
        {
            "assessment": assessment,
            "questionnaire": questionnaire_of(assessment.questionnaire_version),
            "answered": answered.get(assessment.id, 0),
        }
        for assessment in assessments
    ]
    return render_template("index.html", partners=partners, rows=rows)


@bp.get("/healthz")
def health() -> dict[str, str]:
    """Say whether the app and its database answer."""
    db.session.execute(sa.select(sa.literal(1)))
    return {"status": "ok"}
