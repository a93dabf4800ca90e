"""What a request asks of the respondent: items, documents and minutes, against its tier's budget."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .definitions import Question, Questionnaire, Scope, Section, Tier
from .questions import EVIDENCE_MINUTES, TYPES


def question_minutes(question: Question) -> float:
    """Minutes one question takes: the definition's override, else its type's default plus any document."""
    if question.minutes is not None:
        return question.minutes
    extra = EVIDENCE_MINUTES if question.evidence is not None and not TYPES[question.type].is_document else 0.0
    return TYPES[question.type].default_minutes + extra


#: Minutes to read a carried-over answer and confirm it is still true.
CONFIRM_MINUTES = 0.1


@dataclass(frozen=True)
class Estimate:
    """The burden of one request; a range because skip logic may hide conditional questions."""

    items: int
    conditional_items: int
    documents: int
    minutes_low: float
    minutes_high: float
    #: Questions whose answers were carried over from an earlier assessment (they only need confirming).
    carried_items: int = 0

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


def asked(
    questionnaire: Questionnaire, scope: Scope, values: Mapping[str, Any] | None = None
) -> Iterator[tuple[Section, Question]]:
    """The questions a request asks, in order: those of its scope, less those its skip logic hides given the answers
    so far (`values`). Without values, every question of the scope, the conditional ones included: the most it may
    ask. Every count of "questions asked" (pages, progress, the burden estimate) is taken from here."""
    for section, question in questionnaire.applicable(scope):
        if values is None or question.show_if is None or question.show_if.evaluate(values):
            yield section, question


def estimate(
    questionnaire: Questionnaire,
    scope: Scope,
    carried: frozenset[str] | set[str] = frozenset(),
    values: Mapping[str, Any] | None = None,
) -> Estimate:
    """Estimate the burden of asking `questionnaire` in `scope`; `carried` answers only need confirming. With the
    answers given so far (`values`), the questions their skip logic hides are not counted (see `asked`)."""
    items = conditional = documents = carried_items = 0
    low = high = 0.0
    for _, question in asked(questionnaire, scope, values):
        items += 1
        if question.id in carried:
            minutes = CONFIRM_MINUTES
            carried_items += 1
        else:
            minutes = question_minutes(question)
            documents += question.asks_document
        high += minutes
        if question.show_if is None:
            low += minutes
        else:
            conditional += 1
    return Estimate(items, conditional, documents, round(low, 2), round(high, 2), carried_items)


#: Money transferred at or above this amount (a year) calls for the enhanced tier (HACT's micro-assessment trigger).
LARGE_FLOW = 100_000
TIER_ORDER = ("light", "standard", "enhanced")


@dataclass(frozen=True)
class TierSuggestion:
    tier: str
    #: why, each reason an English text (a catalogue msgid) and the values of its placeholders: the interface
    #: translates the text and fills it in (`type` is a partnership type code, `amount` and `limit` are numbers)
    reasons: tuple[tuple[str, dict[str, object]], ...]


def N_(text: str) -> str:  # the gettext convention: a text marked for the interface's catalogues
    return text


def suggest_tier(
    partnership_type: str,
    *,
    amount: float | None = None,
    staff_size: int | None = None,
    founded_year: int | None = None,
    year: int | None = None,
    funder_mandate: bool = False,
    high_risk: bool = False,
) -> TierSuggestion:
    """Suggest a tier from the partnership and the partner, and say why (methodology §3, tiers)."""
    from .scoring import Stage

    reasons: list[tuple[str, dict[str, object]]] = []
    money = amount or 0
    of_type = (N_("a partnership of type: %(type)s"), {"type": partnership_type})
    if funder_mandate:
        tier, reasons = "enhanced", [(N_("a funder mandates its own due diligence"), {})]
    elif high_risk:
        tier, reasons = "enhanced", [(N_("the context is high-risk"), {})]
    elif money >= LARGE_FLOW:
        flows = N_("large flows of funds (%(amount)s, the limit being %(limit)s)")
        tier, reasons = "enhanced", [(flows, {"amount": money, "limit": LARGE_FLOW})]
    elif partnership_type in {"institutional", "funding"}:
        tier, reasons = "enhanced", [of_type]
    elif money > 0 or partnership_type in {"project", "capacity_development"}:
        tier, reasons = "standard", [(N_("a sub-grant"), {}) if money > 0 else of_type]
    else:
        tier, reasons = "light", [(N_("no money is transferred"), {}), of_type]
    if tier != "light" and not (funder_mandate or high_risk):
        stage = Stage(staff_size=staff_size, founded_year=founded_year, year=year)
        if stage.early:
            tier = TIER_ORDER[TIER_ORDER.index(tier) - 1]
            reasons.append((N_("one step lighter: a small or young organisation"), {}))
    return TierSuggestion(tier, tuple(reasons))
