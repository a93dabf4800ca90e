"""The action plan a scorecard suggests: concrete next steps, written from the definitions' own anchors.

The methodology calls the action plan the most important output: a low rating leads to support, not exclusion.
Staff edit the suggestions before they are published.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .definitions import Question, Questionnaire, Text
from .questions import ANCHORS, SCORE_MAX, TYPES
from .scoring import Scorecard

#: Items at or below this score in a priority or developing domain get a suggested action.
ACTION_AT_OR_BELOW = 2.0


@dataclass(frozen=True)
class SuggestedAction:
    domain: str | None
    question_id: str
    #: high for failed gates and key items at level 1, medium otherwise.
    priority: str
    question: Text
    current: float | None
    #: The step suggested, in the definition's own words: what the next maturity level means (its anchor), or the
    #: step the bank writes for the answer given (a choice's `next_step`); None for a gate or an item that has none.
    target: Text | None


def next_step(question: Question, score: float, value: object = None) -> Text | None:
    """The step one level up from `score`, in the definition's words, or None when the definition has none.

    A maturity item's anchors describe each level, so the next level's anchor is the step. A choice item's labels
    only name answers ("Three to six months"), never a step: its step is the `next_step` the bank writes for the
    choice given. An answer label is never returned.
    """
    if score >= SCORE_MAX:
        return None
    if TYPES[question.type].choices_from == ANCHORS:
        better = [choice for choice in question.choices if choice.score is not None and choice.score > score]
        return min(better, key=lambda choice: choice.score).label if better else None
    given = value if isinstance(value, (list, tuple)) else [value]
    for choice in question.choices:
        if choice.value in {str(item) for item in given if item is not None} and choice.next_step is not None:
            return choice.next_step
    return None


def suggest_actions(
    questionnaire: Questionnaire, scorecard: Scorecard, answers: Mapping[str, object] | None = None
) -> list[SuggestedAction]:
    """Suggest one step up for each weak item in a domain that needs work, and a fix for each flagged gate.

    `answers` (question id -> value) lets a choice item's step follow the choice given.
    """
    answers = answers or {}
    actions: list[SuggestedAction] = []
    for gate in scorecard.flagged_gates:
        question = questionnaire.question(gate.question_id)
        actions.append(SuggestedAction(gate.domain, gate.question_id, "high", question.text, None, None))
    needs_work = {domain.domain for domain in scorecard.domains if domain.standing in {"priority", "developing"}}
    for item in scorecard.items:
        if item.status != "scored" or item.score is None or item.score > ACTION_AT_OR_BELOW:
            continue
        if item.domain not in needs_work and not item.key:
            continue
        question = questionnaire.question(item.question_id)
        target = next_step(question, item.score, _value_of(answers.get(item.question_id)))
        priority = "high" if item.key and item.score <= 1 else "medium"
        actions.append(SuggestedAction(item.domain, item.question_id, priority, question.text, item.score, target))
    order = {"high": 0, "medium": 1}
    return sorted(actions, key=lambda action: order[action.priority])


def _value_of(answer: object) -> object:
    """The value of an answer given as a value or as an object carrying one (`value`)."""
    return getattr(answer, "value", answer)
