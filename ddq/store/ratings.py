"""Each person's rating of the scored items they answer, written in the same operation as the answer.

The answer stays the organisation's one answer; `answer_ratings` keeps each colleague's latest rating beside it,
so that where several people rated an item the spread of their ratings can be shown (ddq.core.consensus).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..core.consensus import Consensus, Rating, consensus
from ..core.definitions import Question, Questionnaire
from ..core.scoring import answer_score
from .models import Answer, AnswerRating, User, utcnow


def record_rating(session: Session, answer: Answer, question: Question, value: Any, actor: User | None) -> None:
    """Keep `actor`'s latest rating of a scored item: a value with a score replaces their earlier rating; N/A, an
    empty answer, a draft or "not yet known" withdraws it. Nothing is recorded without a person, or for unscored
    items and gates."""
    session.flush()  # the answer has its id
    if actor is None or question.gate or not question.scored:
        return
    key = (AnswerRating.answer_id == answer.id, AnswerRating.user_id == actor.id)
    if value is None or answer_score(question, value) is None:
        session.execute(sa.delete(AnswerRating).where(*key).execution_options(synchronize_session=False))
        return
    dialect = session.get_bind().dialect.name
    if dialect in {"postgresql", "sqlite"}:  # one upsert, which also settles two saves of the same rating at once
        from sqlalchemy.dialects import postgresql, sqlite

        insert = (postgresql if dialect == "postgresql" else sqlite).insert(AnswerRating)
        insert = insert.values(answer_id=answer.id, user_id=actor.id, value=value, rated_at=utcnow())
        session.execute(
            insert.on_conflict_do_update(
                index_elements=["answer_id", "user_id"],
                set_={"value": insert.excluded.value, "rated_at": insert.excluded.rated_at},
            ),
            execution_options={"synchronize_session": False},
        )
        return
    row = session.scalar(sa.select(AnswerRating).where(*key))
    if row is None:
        session.add(AnswerRating(answer_id=answer.id, user_id=actor.id, value=value, rated_at=utcnow()))
    else:
        row.value, row.rated_at = value, utcnow()
    session.flush()


def ratings_of(session: Session, assessment_ids: Iterable[int]) -> dict[int, tuple[Rating, ...]]:
    """Every rating of some assessments' answers, by assessment id, in one query (by answer, then person)."""
    found: dict[int, list[Rating]] = {}
    query = (
        sa.select(Answer.assessment_id, Answer.question_id, User.id, User.name, AnswerRating.value)
        .join(Answer, AnswerRating.answer_id == Answer.id)
        .join(User, AnswerRating.user_id == User.id)
        .where(Answer.assessment_id.in_(list(assessment_ids)))
        .order_by(Answer.id, User.id)
    )
    for assessment_id, question_id, person, name, value in session.execute(query):
        found.setdefault(assessment_id, []).append(Rating(question_id, person, name, value))
    return {assessment_id: tuple(rows) for assessment_id, rows in found.items()}


def consensus_of(session: Session, assessment_id: int, questionnaire: Questionnaire) -> Consensus:
    """How far apart the people who rated an assessment's items are (every item two or more people rated)."""
    return consensus(questionnaire, ratings_of(session, [assessment_id]).get(assessment_id, ()))
