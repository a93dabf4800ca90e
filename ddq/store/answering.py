"""Answering through the forms: drafts kept as typed, first saves that never race, and stale saves refused.

A save is applied only over the version of the answer the page showed (`save_draft_answer`); a changed value
keeps only the evidence its documents support (`evidence_follows_change`). Operations flush; the request commits.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..core.definitions import Question
from ..core.evidence import level_after_change
from ..core.questions import TYPES
from ..core.workflow import EDITABLE
from .errors import StoreError
from .models import Answer, Assessment, User, utcnow
from .ratings import record_rating


def evidence_follows_change(answer: Answer) -> None:
    """A changed value keeps only the evidence its documents support, and waits for review (ddq.core.evidence)."""
    if answer.evidence_level or answer.evidence_files:
        answer.evidence_level = level_after_change(answer.evidence_level, bool(answer.evidence_files))
        answer.needs_review = True


#: What an answer says, in the order `answer_content` returns it.
EMPTY_CONTENT: tuple = (None, None, False, None, None)


class StaleAnswer(StoreError):
    """Someone else changed the answer since the page was shown, and the page would change it differently."""

    def __init__(self, answer: Answer, content: tuple) -> None:
        super().__init__(f"{answer.question_id}: changed by someone else since the page was shown; nothing was saved")
        self.answer = answer
        #: What the refused save would have stored, as `answer_content` orders it.
        self.content = content


def answer_content(answer: Answer | None) -> tuple:
    """The part of an answer a person writes: value, draft, N/A, N/A reason and comment."""
    if answer is None:
        return EMPTY_CONTENT
    return (answer.value, answer.draft, answer.not_applicable, answer.na_reason, answer.comment)


def content_fingerprint(content: tuple) -> str:
    """A short digest of an answer's content, which a form sends back to say what it showed."""
    return hashlib.sha256(json.dumps(list(content), sort_keys=True, default=str).encode()).hexdigest()[:16]


def insert_if_missing(session: Session, values: dict[str, Any], conflict: list[str], model: Any) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: a row that someone creates at the same moment is left to them."""
    dialect = session.get_bind().dialect.name
    if dialect in {"postgresql", "sqlite"}:
        from sqlalchemy.dialects import postgresql, sqlite

        insert = (postgresql if dialect == "postgresql" else sqlite).insert(model)
        session.execute(insert.values(**values).on_conflict_do_nothing(index_elements=conflict))
        return
    try:  # other databases: a savepoint, and the unique constraint says who was first
        with session.begin_nested():
            session.execute(sa.insert(model).values(**values))
    except sa.exc.IntegrityError:
        pass


def _answer_row(session: Session, assessment: Assessment, question: Question) -> Answer:
    """The question's answer row, created when missing, read afresh and locked until the request commits."""
    query = (
        sa.select(Answer)
        .where(Answer.assessment_id == assessment.id, Answer.question_id == question.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    answer = session.scalar(query)
    if answer is None:
        insert_if_missing(
            session,
            {"assessment_id": assessment.id, "question_id": question.id, "bank_id": question.bank},
            ["assessment_id", "question_id"],
            Answer,
        )
        session.expire(assessment, ["answers"])
        answer = session.scalar(query)
    return answer


def save_draft_answer(
    session: Session,
    assessment: Assessment,
    question: Question,
    raw: Any,
    *,
    not_applicable: bool = False,
    na_reason: str | None = None,
    comment: str | None = None,
    actor: User | None = None,
    base_version: int | None = None,
    base: str | None = None,
) -> str | None:
    """Keep whatever was typed: a valid value is stored normalised, anything else as a draft.

    Returns the problem with the value (to show beside the field), or None. Nothing typed is lost.

    `base_version` is the answer's version the page showed, and `base` the `content_fingerprint` of what it showed.
    When the answer has changed since, the save is applied only if it changes nothing (or the page left the answer
    as it showed it, in which case the newer answer is kept); otherwise StaleAnswer is raised and nothing changes,
    so that the person sees the other answer and chooses. Without `base_version` the save is applied as it is.
    """
    if assessment.status not in EDITABLE:
        raise StoreError(f"answers cannot change while the assessment is {assessment.status}")
    empty = raw is None or raw == "" or raw == []
    problem = None
    na = bool(not_applicable and question.allow_na)
    reason = (na_reason or "").strip() or None if na else None
    note = (comment or "").strip() or None
    if na or empty:
        value, draft = None, None
    else:
        try:
            value, draft = TYPES[question.type].normalise(raw, question), None
        except ValueError as error:
            value, draft, problem = None, raw, str(error)
    if not_applicable and not question.allow_na:
        problem = "N/A is not possible for this question"
    content = (value, draft, na, reason, note)
    for _attempt in range(3):
        answer = _answer_row(session, assessment, question)
        seen = answer.version
        if content == answer_content(answer):
            return problem
        if base_version is not None and base_version != seen:
            if base is not None and base == content_fingerprint(content):
                return problem  # this page left the answer as it showed it: the newer answer stays
            raise StaleAnswer(answer, content)
        if answer.value is not None and value != answer.value:
            evidence_follows_change(answer)
        changes = {
            "evidence_level": answer.evidence_level,
            "needs_review": answer.needs_review,
            "value": value,
            "draft": draft,
            "not_applicable": na,
            "na_reason": reason,
            "comment": note,
            "answered_by_id": actor.id if actor else None,
            "answered_at": utcnow(),
        }
        # conditional on the version read: where the read could not lock the row, a save in between is caught here
        written = session.execute(
            sa.update(Answer)
            .where(Answer.id == answer.id, Answer.version == seen)
            .values(version=seen + 1, **changes)
            .execution_options(synchronize_session=False)
        ).rowcount
        if written == 1:
            for key, changed in {**changes, "version": seen + 1}.items():
                set_committed_value(answer, key, changed)
            record_rating(session, answer, question, value, actor)
            return problem
    raise StaleAnswer(answer, content)
