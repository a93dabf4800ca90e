"""The action plan a scorecard suggests: concrete next steps, written from the definitions' own anchors.

The methodology calls the action plan the most important output: a low rating leads to support, not exclusion.
Staff edit the suggestions before they are published.
"""

from __future__ import annotations

from dataclasses import dataclass

from .definitions import Questionnaire, Text
from .questions import SCORE_MAX
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
    #: The description of the next level up (a maturity anchor or the best choice), or None for a gate.
    target: Text | None


def suggest_actions(questionnaire: Questionnaire, scorecard: Scorecard) -> list[SuggestedAction]:
    """Suggest one step up for each weak item in a domain that needs work, and a fix for each flagged gate."""
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
        better = [choice for choice in question.choices if choice.score is not None and choice.score > item.score]
        target = min(better, key=lambda choice: choice.score).label if better and item.score < SCORE_MAX else None
        priority = "high" if item.key and item.score <= 1 else "medium"
        actions.append(SuggestedAction(item.domain, item.question_id, priority, question.text, item.score, target))
    order = {"high": 0, "medium": 1}
    return sorted(actions, key=lambda action: order[action.priority])
