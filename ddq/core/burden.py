"""What a request asks of the respondent: items, documents and minutes, against its tier's budget."""

from __future__ import annotations

from dataclasses import dataclass

from .definitions import Question, Questionnaire, Scope, Tier
from .questions import EVIDENCE_MINUTES, TYPES


def question_minutes(question: Question) -> float:
    """Minutes one question takes: the definition's override, else its type's default plus any document."""
    if question.minutes is not None:
        return question.minutes
    extra = EVIDENCE_MINUTES if question.evidence is not None and not TYPES[question.type].is_document else 0.0
    return TYPES[question.type].default_minutes + extra


@dataclass(frozen=True)
class Estimate:
    """The burden of one request; a range because skip logic may hide conditional questions."""

    items: int
    conditional_items: int
    documents: int
    minutes_low: float
    minutes_high: float

    def over_budget(self, tier: Tier) -> list[str]:
        """Describe each way this request exceeds the tier's budget; empty when it fits."""
        overs = []
        if self.items > tier.max_items:
            overs.append(f"{self.items} items, budget {tier.max_items}")
        if self.minutes_high > tier.max_minutes:
            overs.append(f"about {self.minutes_high:.0f} minutes, budget {tier.max_minutes:.0f}")
        if self.documents > tier.max_documents:
            overs.append(f"{self.documents} documents, budget {tier.max_documents}")
        return overs


def estimate(questionnaire: Questionnaire, scope: Scope) -> Estimate:
    """Estimate the burden of asking `questionnaire` in `scope`."""
    items = conditional = documents = 0
    low = high = 0.0
    for _, question in questionnaire.applicable(scope):
        minutes = question_minutes(question)
        items += 1
        high += minutes
        documents += question.asks_document
        if question.show_if is None:
            low += minutes
        else:
            conditional += 1
    return Estimate(items, conditional, documents, round(low, 2), round(high, 2))
