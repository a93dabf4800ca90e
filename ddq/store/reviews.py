"""Periodic joint partnership reviews: the schedule, both sides' answers, and the decision with its reasons.

Each partnership has at most one open review. Its due date follows the partnership's health cadence (yearly by
default, as the methodology says); deciding it records the decision — continue, adjust the terms, scale back or
end — with reasons both sides see, applies the terms agreed (tier, months between re-assessments) and schedules
the next review. Operations flush, never commit.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..extensions import db
from .models import JSONType, Partnership, User, utcnow
from .operations import StoreError, log

#: The questionnaire both sides answer.
HEALTH_QUESTIONNAIRE = "partnership-health"
#: Partnership health is reviewed yearly unless the partnership says otherwise (methodology).
HEALTH_CYCLE_MONTHS = 12
DECISIONS = ("continue", "adjust_terms", "scale_back", "end")
SIDES = ("partner", "institute")
#: Longest reasons and terms kept.
MAX_TEXT = 4000


class PartnershipReview(db.Model):
    """One joint review of a partnership: open until staff record the decision agreed with the partner."""

    __tablename__ = "partnership_reviews"
    __table_args__ = (
        sa.CheckConstraint("cycle_months BETWEEN 1 AND 60", name="cycle_months"),
        sa.CheckConstraint(
            "decision IS NULL OR decision IN ('continue', 'adjust_terms', 'scale_back', 'end')", name="decision"
        ),
        sa.CheckConstraint("decision IS NULL OR (reasons IS NOT NULL AND decided_at IS NOT NULL)", name="reasons"),
        sa.CheckConstraint("agreed_cycle_months IS NULL OR agreed_cycle_months BETWEEN 1 AND 60", name="agreed"),
        sa.Index(
            "uq_partnership_reviews_one_open",
            "partnership_id",
            unique=True,
            sqlite_where=sa.text("decision IS NULL"),
            postgresql_where=sa.text("decision IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(sa.ForeignKey("partnerships.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[dt.date]
    #: Months from this review's decision to the next review.
    cycle_months: Mapped[int] = mapped_column(default=HEALTH_CYCLE_MONTHS)
    #: continue, adjust_terms, scale_back or end; None while the review is open.
    decision: Mapped[str | None] = mapped_column(sa.String(20))
    #: Why, in words both sides read.
    reasons: Mapped[str | None] = mapped_column(sa.Text)
    decided_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime(timezone=True))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: The terms agreed for the next cycle (capacity over time): tier, months between re-assessments, and the rest.
    agreed_tier: Mapped[str | None] = mapped_column(sa.String(30))
    agreed_cycle_months: Mapped[int | None]
    agreed_terms: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    partnership: Mapped[Partnership] = relationship()
    answers: Mapped[list[ReviewAnswer]] = relationship(
        back_populates="review", cascade="all, delete-orphan", order_by="ReviewAnswer.id"
    )

    @property
    def is_open(self) -> bool:
        return self.decision is None


class ReviewAnswer(db.Model):
    """One side's answer to one question of a review's health questionnaire."""

    __tablename__ = "review_answers"
    __table_args__ = (
        sa.UniqueConstraint("review_id", "side", "question_id"),
        sa.CheckConstraint("side IN ('partner', 'institute')", name="side"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(sa.ForeignKey("partnership_reviews.id", ondelete="CASCADE"), index=True)
    #: partner or institute.
    side: Mapped[str] = mapped_column(sa.String(10))
    question_id: Mapped[str] = mapped_column(sa.String(100))
    #: The answer in its canonical form (see ddq.core.questions).
    value: Mapped[Any | None] = mapped_column(JSONType)
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    answered_at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    review: Mapped[PartnershipReview] = relationship(back_populates="answers")


class ReviewError(StoreError):
    """A review cannot take this input; the message names the field."""


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it has fewer days)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def open_review(session: Session, partnership_id: int) -> PartnershipReview | None:
    return session.scalar(
        sa.select(PartnershipReview).where(
            PartnershipReview.partnership_id == partnership_id, PartnershipReview.decision.is_(None)
        )
    )


def reviews_of(session: Session, partnership_id: int) -> list[PartnershipReview]:
    """Every review of a partnership, the latest first."""
    return list(
        session.scalars(
            sa.select(PartnershipReview)
            .where(PartnershipReview.partnership_id == partnership_id)
            .order_by(PartnershipReview.id.desc())
        )
    )


def latest_agreement(session: Session, partnership_id: int) -> PartnershipReview | None:
    """The latest decided review that recorded terms agreed for the next cycle."""
    return session.scalar(
        sa.select(PartnershipReview)
        .where(
            PartnershipReview.partnership_id == partnership_id,
            PartnershipReview.decision.is_not(None),
            sa.or_(
                PartnershipReview.agreed_tier.is_not(None),
                PartnershipReview.agreed_cycle_months.is_not(None),
                PartnershipReview.agreed_terms.is_not(None),
            ),
        )
        .order_by(PartnershipReview.decided_at.desc(), PartnershipReview.id.desc())
        .limit(1)
    )


def start_review(
    session: Session,
    partnership: Partnership,
    due_on: dt.date,
    actor: User | None = None,
    cycle_months: int | None = None,
) -> PartnershipReview:
    """The partnership's open review, created due on `due_on` when there is none."""
    review = open_review(session, partnership.id)
    if review is not None:
        return review
    review = PartnershipReview(
        partnership_id=partnership.id, due_on=due_on, cycle_months=cycle_months or HEALTH_CYCLE_MONTHS
    )
    session.add(review)
    session.flush()
    log(session, "review.open", review, actor, due_on=due_on.isoformat())
    return review


def schedule_reviews(session: Session, today: dt.date) -> int:
    """Give every running partnership without an open review its next one; return how many were created.

    The next review is due a cycle after the last decision, or a cycle after the partnership started. A
    partnership ended (by its dates, or by a review's decision to end it) gets none.
    """
    has_open = sa.select(PartnershipReview.partnership_id).where(PartnershipReview.decision.is_(None))
    ended = sa.select(PartnershipReview.partnership_id).where(PartnershipReview.decision == "end")
    partnerships = session.scalars(
        sa.select(Partnership)
        .where(
            Partnership.id.not_in(has_open),
            Partnership.id.not_in(ended),
            sa.or_(Partnership.ends_on.is_(None), Partnership.ends_on >= today),
        )
        .order_by(Partnership.id)
    ).all()
    if not partnerships:
        return 0
    last: dict[int, PartnershipReview] = {}
    for review in session.scalars(
        sa.select(PartnershipReview)
        .where(PartnershipReview.partnership_id.in_([p.id for p in partnerships]))
        .order_by(PartnershipReview.decided_at)
    ):
        last[review.partnership_id] = review
    for partnership in partnerships:
        previous = last.get(partnership.id)
        if previous is not None and previous.decided_at is not None:
            due_on = add_months(previous.decided_at.date(), previous.cycle_months)
            cycle = previous.cycle_months
        else:
            due_on = add_months(partnership.starts_on or partnership.created_at.date(), HEALTH_CYCLE_MONTHS)
            cycle = HEALTH_CYCLE_MONTHS
        session.add(PartnershipReview(partnership_id=partnership.id, due_on=due_on, cycle_months=cycle))
    session.flush()
    return len(partnerships)


def due_reviews(session: Session, until: dt.date) -> list[PartnershipReview]:
    """Open reviews due on or before `until`, with their partnerships."""
    return list(
        session.scalars(
            sa.select(PartnershipReview)
            .where(PartnershipReview.decision.is_(None), PartnershipReview.due_on <= until)
            .order_by(PartnershipReview.id)
        )
    )


def answers_by_side(review: PartnershipReview) -> dict[str, dict[str, Any]]:
    sides: dict[str, dict[str, Any]] = {side: {} for side in SIDES}
    for answer in review.answers:
        sides[answer.side][answer.question_id] = answer.value
    return sides


def save_side(
    session: Session, review: PartnershipReview, side: str, values: dict[str, Any], actor: User
) -> None:
    """Write one side's answers (checked against the questionnaire before), replacing that side's earlier ones."""
    if side not in SIDES:
        raise ReviewError(f"side: {side!r} is neither partner nor institute")
    if not review.is_open:
        raise ReviewError("This review is decided: its answers can no longer change.")
    existing = {answer.question_id: answer for answer in review.answers if answer.side == side}
    now = utcnow()
    for question_id, value in values.items():
        answer = existing.get(question_id)
        if answer is None:
            review.answers.append(
                ReviewAnswer(side=side, question_id=question_id, value=value, answered_by_id=actor.id, answered_at=now)
            )
        else:
            answer.value, answer.answered_by_id, answer.answered_at = value, actor.id, now
    session.flush()
    log(session, "review.answers", review, actor, side=side, questions=sorted(values))


def decide(
    session: Session,
    review: PartnershipReview,
    decision: str,
    reasons: str,
    actor: User,
    *,
    agreed_tier: str | None = None,
    agreed_cycle_months: int | None = None,
    agreed_terms: str | None = None,
    tiers: tuple[str, ...] = (),
) -> PartnershipReview | None:
    """Record the decision and the terms agreed, apply them to the partnership, and schedule the next review.

    Returns the next review (None when the partnership ends). Every input is checked before anything changes.
    """
    reasons = (reasons or "").strip()
    agreed_terms = (agreed_terms or "").strip() or None
    if not review.is_open:
        raise ReviewError("This review is decided already.")
    if decision not in DECISIONS:
        raise ReviewError(f"decision: choose one of {', '.join(DECISIONS)}")
    if not reasons:
        raise ReviewError("reasons: write why; both sides read them.")
    if len(reasons) > MAX_TEXT or (agreed_terms and len(agreed_terms) > MAX_TEXT):
        raise ReviewError(f"reasons and terms: {MAX_TEXT} characters at most each")
    if agreed_tier is not None and agreed_tier not in tiers:
        raise ReviewError(f"tier: {agreed_tier!r} is not a tier (known: {', '.join(tiers)})")
    if agreed_cycle_months is not None and not 1 <= agreed_cycle_months <= 60:
        raise ReviewError("months between re-assessments: between 1 and 60")
    partnership = review.partnership
    review.decision = decision
    review.reasons = reasons
    review.decided_at = utcnow()
    review.decided_by_id = actor.id
    review.agreed_tier = agreed_tier
    review.agreed_cycle_months = agreed_cycle_months
    review.agreed_terms = agreed_terms
    if agreed_tier is not None and agreed_tier != partnership.tier:
        partnership.tier_reason = f"Agreed in the joint review of {review.decided_at.date().isoformat()}"
        partnership.tier = agreed_tier
    if agreed_cycle_months is not None:
        partnership.review_cycle_months = agreed_cycle_months
    session.flush()
    log(
        session,
        "review.decision",
        review,
        actor,
        decision=decision,
        tier=agreed_tier,
        cycle_months=agreed_cycle_months,
    )
    if decision == "end":
        return None
    return start_review(
        session, partnership, add_months(review.decided_at.date(), review.cycle_months), actor, review.cycle_months
    )
