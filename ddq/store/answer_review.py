"""Reviewing answers: change requests the respondent can act on, answers changed since, bulk acceptance, the queue.

A change request stays open on an answer until a reviewer accepts the answer. An answer the respondent changes
while a request is open is flagged (`needs_review`) so that the reviewer sees what moved; accepting clears it.
Operations flush, never commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from .models import Answer, Assessment, ReviewComment, User
from .operations import StoreError, add_review_comment

#: Review actions that settle a change request one way or the other.
_DECIDING = frozenset({"request_changes", "accept"})
#: Statuses in which a reviewer's decision on answers still applies.
REVIEWABLE = frozenset({"submitted"})


def open_request(answer: Answer) -> ReviewComment | None:
    """The reviewer's change request on `answer` that no acceptance has answered since, or None."""
    deciding = [comment for comment in answer.review_comments if comment.action in _DECIDING]
    if deciding and deciding[-1].action == "request_changes":
        return deciding[-1]
    return None


def open_requests(assessment: Assessment) -> list[tuple[Answer, ReviewComment]]:
    """Every answer with an open change request, with the request, in the order the requests were made."""
    rows = [(answer, open_request(answer)) for answer in assessment.answers]
    found = [(answer, request) for answer, request in rows if request is not None]
    return sorted(found, key=lambda row: row[1].id)


def note_revision(answer: Answer, version_before: int) -> bool:
    """Flag `answer` for the reviewer when it changed (its version moved) while a change request is open."""
    if answer.version != version_before and open_request(answer) is not None and not answer.needs_review:
        answer.needs_review = True
        return True
    return False


def untouched(assessment: Assessment) -> list[Answer]:
    """Answers given that no reviewer has commented on, accepted or questioned yet."""
    return [
        answer
        for answer in assessment.answers
        if not answer.review_comments and (answer.value is not None or answer.not_applicable)
    ]


def accept_all(session: Session, answers: Iterable[Answer], reviewer: User) -> int:
    """Accept each answer (clearing its flag); returns how many were accepted."""
    answers = list(answers)
    if any(answer.assessment.status not in REVIEWABLE for answer in answers):
        raise StoreError("answers are accepted only while the assessment waits for review")
    for answer in answers:
        add_review_comment(session, answer, reviewer, "accept", "")
    return len(answers)


@dataclass(frozen=True)
class Waiting:
    """One submitted assessment in the reviewers' queue."""

    assessment: Assessment
    #: Answers the respondent changed since a change request (flagged for the reviewer).
    changed: int
    #: Answers no reviewer has looked at yet.
    untouched: int
    #: Whether the reviewer asking sent the request.
    mine: bool


def review_queue(session: Session, reviewer: User) -> list[Waiting]:
    """Submitted assessments waiting for a reviewer: the reviewer's own requests first, then the oldest first."""
    assessments = session.scalars(
        sa.select(Assessment)
        .where(Assessment.status.in_(REVIEWABLE), Assessment.direction == "partner_self")
        .options(
            selectinload(Assessment.answers).selectinload(Answer.review_comments),
            selectinload(Assessment.subject),
        )
        .order_by(Assessment.submitted_at, Assessment.id)
    ).all()
    rows = [
        Waiting(
            assessment,
            sum(answer.needs_review for answer in assessment.answers),
            len(untouched(assessment)),
            assessment.created_by_id == reviewer.id,
        )
        for assessment in assessments
    ]
    return sorted(rows, key=lambda row: not row.mine)
