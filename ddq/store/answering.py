"""Answering through the forms: drafts kept as typed, first saves that never race, and stale saves refused.

A save is applied only over the version of the answer the page showed (`save_draft_answer`); a changed value
keeps only the evidence its documents support (`evidence_follows_change`). Operations flush; the request commits.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..core.definitions import Question
from ..core.evidence import level_after_change
from ..core.questions import TYPES
from ..core.workflow import EDITABLE
from .errors import StoreError
from .models import Answer, Assessment, EvidenceFile, ReviewComment, User, utcnow
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


def answer_row(session: Session, assessment: Assessment, question: Question) -> Answer:
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


def _content(
    question: Question, raw: Any, not_applicable: bool, na_reason: str | None, comment: str | None
) -> tuple[tuple, str | None]:
    """What a save would store (as `answer_content` orders it) and the problem with the value, or None."""
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
    return (value, draft, na, reason, note), problem


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
    content, problem = _content(question, raw, not_applicable, na_reason, comment)
    for _attempt in range(3):
        answer = answer_row(session, assessment, question)
        seen = answer.version
        if content == answer_content(answer):
            return problem
        if base_version is not None and base_version != seen:
            if base is not None and base == content_fingerprint(content):
                return problem  # this page left the answer as it showed it: the newer answer stays
            raise StaleAnswer(answer, content)
        if answer.value is not None and content[0] != answer.value:
            evidence_follows_change(answer)
        changes = _changes(answer, content, actor)
        if _write(session, answer, seen, changes):
            record_rating(session, answer, question, content[0], actor)
            return problem
    raise StaleAnswer(answer, content)


def _changes(answer: Answer, content: tuple, actor: User | None) -> dict[str, Any]:
    return {"evidence_level": answer.evidence_level, "needs_review": answer.needs_review, **_given(content, actor)}


def _given(content: tuple, actor: User | None) -> dict[str, Any]:
    """The columns an answer's content and its author set."""
    value, draft, na, reason, note = content
    return {
        "value": value,
        "draft": draft,
        "not_applicable": na,
        "na_reason": reason,
        "comment": note,
        "answered_by_id": actor.id if actor else None,
        "answered_at": utcnow(),
    }


def _write(session: Session, answer: Answer, seen: int, changes: dict[str, Any]) -> bool:
    """Write `changes` if the answer is still at version `seen` (a save in between is caught here), in one UPDATE."""
    written = session.execute(
        sa.update(Answer)
        .where(Answer.id == answer.id, Answer.version == seen)
        .values(version=seen + 1, **changes)
        .execution_options(synchronize_session=False)
    ).rowcount
    if written != 1:
        return False
    for key, changed in {**changes, "version": seen + 1}.items():
        set_committed_value(answer, key, changed)
    return True


@dataclass(frozen=True)
class Posted:
    """What a form says about one question: the answer typed, and what the page showed of it."""

    question: Question
    raw: Any
    not_applicable: bool = False
    na_reason: str | None = None
    comment: str | None = None
    #: The answer's version and `content_fingerprint` the page showed (None from a page that does not say).
    base_version: int | None = None
    base: str | None = None
    #: The person ticked that a carried-over answer, or one filled from the organisation's record, is still true.
    confirm: bool = False


@dataclass
class Saved:
    """What `save_answers` did: the posted questions' answer rows as stored, the problems to show beside the
    fields, and what the person wrote where someone else had changed the answer since the page was shown."""

    answers: dict[str, Answer] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)
    conflicts: dict[str, tuple] = field(default_factory=dict)


#: Whether an answer has documents; whether a change request is open on it (its latest deciding review comment
#: asks for changes, as `answer_review.open_request` reads it); the value of the answer it was carried over from.
_HAS_FILES = sa.exists().where(EvidenceFile.answer_id == Answer.id).correlate(Answer)
_OPEN_REQUEST = (
    sa.select(ReviewComment.action)
    .where(ReviewComment.answer_id == Answer.id, ReviewComment.action.in_(("request_changes", "accept")))
    .order_by(ReviewComment.id.desc())
    .limit(1)
    .correlate(Answer)
    .scalar_subquery()
)
_SOURCE = sa.orm.aliased(Answer)
_SOURCE_VALUE = sa.select(_SOURCE.value).where(_SOURCE.id == Answer.reused_from_id).correlate(Answer).scalar_subquery()


@dataclass
class _Row:
    answer: Answer
    has_files: bool
    open_request: bool
    source_value: Any


def _read_rows(session: Session, assessment: Assessment, question_ids: list[str], *, lock: bool) -> dict[str, _Row]:
    """The answers to some questions of an assessment, read afresh in one statement with what a save needs."""
    query = (
        sa.select(Answer, _HAS_FILES, _OPEN_REQUEST, _SOURCE_VALUE)
        .where(Answer.assessment_id == assessment.id, Answer.question_id.in_(question_ids))
        .execution_options(populate_existing=True)
    )
    if lock:
        query = query.with_for_update(of=Answer)
    return {
        answer.question_id: _Row(answer, bool(files), action == "request_changes", source)
        for answer, files, action, source in session.execute(query)
    }


def _insert_answer(session: Session, assessment: Assessment, question: Question, values: dict) -> Answer | None:
    """A new answer row with `values`, in one INSERT; None when someone created it at the same moment."""
    row = {"assessment_id": assessment.id, "question_id": question.id, "bank_id": question.bank, **values}
    dialect = session.get_bind().dialect.name
    if dialect not in {"postgresql", "sqlite"}:
        insert_if_missing(session, row, ["assessment_id", "question_id"], Answer)
        return None  # read back (locked) by the caller
    from sqlalchemy.dialects import postgresql, sqlite

    insert = (postgresql if dialect == "postgresql" else sqlite).insert(Answer).values(**row)
    insert = insert.on_conflict_do_nothing(index_elements=["assessment_id", "question_id"]).returning(Answer)
    return session.scalars(insert, execution_options={"populate_existing": True}).first()


def _confirms(row: _Row, question: Question, ticked: bool) -> bool:
    """Whether the answer as it now stands is confirmed by this save: a carried-over answer ticked as still true or
    answered anew (its value no longer the one it arrived with), or one filled from the record and ticked."""
    answer = row.answer
    if answer.confirmed_at is not None:
        return False
    if answer.reused_from_id:
        if question.derive_from is None:
            carried = row.source_value
        else:
            from .passport import carried_value

            carried = carried_value(answer, question)
        return ticked or answer.value != carried
    if ticked:
        from .passport import from_profile

        return from_profile(answer, question)
    return False


def save_answers(session: Session, assessment: Assessment, posts: list[Posted], actor: User | None) -> Saved:
    """Save a page's answers as `save_draft_answer` saves each, in a few statements whatever their number.

    The posted questions' answers are read in one statement; only those that change are written, each in one
    UPDATE conditional on the version read (which also flags it for the reviewer when a change request is open,
    keeps only the evidence its documents support, and confirms a carried-over answer), a first answer in one
    INSERT; a person's rating of a scored item in one upsert. A save that meets a newer answer is not applied: it
    comes back in `conflicts` (where the page left the answer as it showed it, the newer answer simply stays).
    """
    if assessment.status not in EDITABLE:
        raise StoreError(f"answers cannot change while the assessment is {assessment.status}")
    saved = Saved()
    if not posts:
        return saved
    rows = _read_rows(session, assessment, [post.question.id for post in posts], lock=False)
    inserted = False
    for post in posts:
        question = post.question
        content, problem = _content(question, post.raw, post.not_applicable, post.na_reason, post.comment)
        if problem:
            saved.problems[question.id] = problem
        row = rows.get(question.id)
        if row is None and content != EMPTY_CONTENT and post.base_version in (None, 0):
            answer = _insert_answer(session, assessment, question, {**_changes_new(content, actor), "version": 1})
            inserted = True
            if answer is not None:
                saved.answers[question.id] = answer
                record_rating(session, answer, question, content[0], actor)
                continue
        last = row
        for _attempt in range(3):
            if row is None:
                row = _locked_row(session, assessment, question, content)
                inserted = True
                if row is None:
                    break  # nothing to save, and no answer yet
            outcome = _save_row(session, row, post, content, actor)
            if outcome is not None:
                break
            last, row = row, None  # changed since it was read: read it again, locked
        else:
            row, outcome = last, "conflict"
        if row is None:
            continue
        saved.answers[question.id] = row.answer
        if outcome == "conflict":
            saved.conflicts[question.id] = content
            saved.problems.pop(question.id, None)
        if outcome != "written" and _confirms(row, question, post.confirm):
            row.answer.confirmed_at = utcnow()
        if outcome == "written":
            record_rating(session, row.answer, question, content[0], actor)
    if inserted:
        session.expire(assessment, ["answers"])
    session.flush()
    return saved


def _changes_new(content: tuple, actor: User | None) -> dict[str, Any]:
    return {**_given(content, actor), "active_seconds": 0}


def _locked_row(session: Session, assessment: Assessment, question: Question, content: tuple) -> _Row | None:
    """The question's row read afresh and locked, created (empty) first when missing and a save will be needed."""
    rows = _read_rows(session, assessment, [question.id], lock=True)
    if question.id not in rows and content != EMPTY_CONTENT:
        insert_if_missing(
            session,
            {"assessment_id": assessment.id, "question_id": question.id, "bank_id": question.bank},
            ["assessment_id", "question_id"],
            Answer,
        )
        rows = _read_rows(session, assessment, [question.id], lock=True)
    return rows.get(question.id)


def _save_row(session: Session, row: _Row, post: Posted, content: tuple, actor: User | None) -> str | None:
    """Apply one posted answer over its row: "same", "kept" (the newer answer stays), "conflict" or "written";
    None when the row changed since it was read."""
    answer, seen = row.answer, row.answer.version
    if content == answer_content(answer):
        return "same"
    if post.base_version is not None and post.base_version != seen:
        if post.base is not None and post.base == content_fingerprint(content):
            return "kept"  # this page left the answer as it showed it: the newer answer stays
        return "conflict"
    changes = _changes(answer, content, actor)
    if answer.value is not None and content[0] != answer.value and (answer.evidence_level or row.has_files):
        changes["evidence_level"] = level_after_change(answer.evidence_level, row.has_files)
        changes["needs_review"] = True
    if row.open_request:
        changes["needs_review"] = True  # changed after a change request: flagged (`answer_review.note_revision`)
    if answer.confirmed_at is None:
        after = _Row(_Preview(answer, content), row.has_files, row.open_request, row.source_value)
        if _confirms(after, post.question, post.confirm):
            changes["confirmed_at"] = utcnow()
    return "written" if _write(session, answer, seen, changes) else None


class _Preview:
    """An answer as it will read once `content` is written (for the confirmation rule, before the write)."""

    def __init__(self, answer: Answer, content: tuple) -> None:
        self._answer = answer
        self.value, self.draft, self.not_applicable, self.na_reason, self.comment = content
        self.answered_by_id, self.answered_at = -1, utcnow()  # the save answers it

    def __getattr__(self, name: str) -> Any:
        return getattr(self._answer, name)
