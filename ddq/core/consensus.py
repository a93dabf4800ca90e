"""How far apart colleagues' ratings are, where several people of one organisation answered (methodology §2).

Each person's latest rating of a scored item is a `Rating`; its score is read by the question's type, on the
1-4 item scale, as the scorecard reads the organisation's answer. An item is compared once two people or more
gave it a score; its range is the highest score minus the lowest, and a range of `LEAST_CONSENSUS_RANGE` or more
puts it among the areas of least consensus.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from .definitions import Questionnaire
from .scoring import answer_score

#: A range of two levels or more (e.g. one person says 1, another 3) marks an area of least consensus.
LEAST_CONSENSUS_RANGE = 2.0


@dataclass(frozen=True)
class Rating:
    """One person's latest answer to one question, as they stored it."""

    question_id: str
    #: Who rated: an opaque number telling people apart, and their name (shown only to staff and to their own
    #: organisation).
    person: int
    rater: str
    value: Any


@dataclass(frozen=True)
class ItemSpread:
    """The scores two or more people gave one item."""

    question_id: str
    domain: str | None
    #: (rater, score), by rater.
    scores: tuple[tuple[str, float], ...]
    least_consensus: bool
    #: The opaque numbers of the people who rated it.
    people: frozenset[int] = frozenset()

    @property
    def raters(self) -> int:
        return len(self.scores)

    @property
    def low(self) -> float:
        return min(score for _, score in self.scores)

    @property
    def high(self) -> float:
        return max(score for _, score in self.scores)

    @property
    def range(self) -> float:
        return self.high - self.low


@dataclass(frozen=True)
class DomainSpread:
    """A domain's items that two or more people rated."""

    domain: str | None
    #: How many of its items two or more people rated.
    items: int
    #: How many different people rated those items.
    raters: int
    #: The largest range among those items, and their mean range.
    largest_range: float
    mean_range: float
    #: How many of those items are areas of least consensus.
    least_consensus: int


@dataclass(frozen=True)
class Consensus:
    """Every item two or more people rated, in questionnaire order, and each domain's summary."""

    items: tuple[ItemSpread, ...] = ()
    domains: tuple[DomainSpread, ...] = ()

    @property
    def least_consensus(self) -> tuple[ItemSpread, ...]:
        """The areas of least consensus, widest range first (questionnaire order among equals)."""
        flagged = [item for item in self.items if item.least_consensus]
        return tuple(sorted(flagged, key=lambda item: -item.range))

    def item(self, question_id: str) -> ItemSpread | None:
        return next((item for item in self.items if item.question_id == question_id), None)


def consensus(
    questionnaire: Questionnaire,
    ratings: Iterable[Rating],
    *,
    counted: Collection[str] | None = None,
    threshold: float = LEAST_CONSENSUS_RANGE,
) -> Consensus:
    """The spread of the ratings per scored item and per domain; `counted` limits it to those question ids (e.g.
    the items a scorecard scored). Ratings of unknown, unscored or gate questions, and ratings without a score
    ("not yet known"), leave it; a person counts once per item (their last rating given here)."""
    by_question: dict[str, dict[int, tuple[str, float]]] = {}
    questions = {question.id: question for question in questionnaire.questions}
    for rating in ratings:
        question = questions.get(rating.question_id)
        if question is None or question.gate or not question.scored:
            continue
        if counted is not None and question.id not in counted:
            continue
        score = answer_score(question, rating.value)
        if score is None:
            by_question.get(question.id, {}).pop(rating.person, None)
            continue
        by_question.setdefault(question.id, {})[rating.person] = (rating.rater, float(score))
    items = []
    for question in questionnaire.questions:
        rated = by_question.get(question.id, {})
        scores = sorted(rated.values())
        if len(scores) < 2:
            continue
        spread = max(score for _, score in scores) - min(score for _, score in scores)
        items.append(ItemSpread(question.id, question.domain, tuple(scores), spread >= threshold, frozenset(rated)))
    return Consensus(tuple(items), _domains(items))


def _domains(items: list[ItemSpread]) -> tuple[DomainSpread, ...]:
    grouped: dict[str | None, list[ItemSpread]] = {}
    for item in items:
        grouped.setdefault(item.domain, []).append(item)
    return tuple(
        DomainSpread(
            domain=domain,
            items=len(rows),
            raters=len({person for row in rows for person in row.people}),
            largest_range=max(row.range for row in rows),
            mean_range=sum(row.range for row in rows) / len(rows),
            least_consensus=sum(row.least_consensus for row in rows),
        )
        for domain, rows in grouped.items()
    )
