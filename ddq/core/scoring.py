"""Answers become a scorecard: item scores, domain profile, gates, confidence, strengths and priorities.

The rules (methodology §2):
- items score 1-4; N/A and questions hidden by skip logic leave numerator and denominator;
- unanswered and "not yet known" answers lower confidence, never the score; confidence is the weighted share
  of the items that need evidence (scored items, gates, and document requests, when shown and applicable)
  whose evidence is E1 or above;
- key items weigh double; gate items are pass/flag, reported apart and never averaged in;
- domain score = weighted mean of its scored items; a key item at level 1 caps the domain's band at
  "significant" risk whatever the mean;
- risk bands follow HACT: points = 1 for a low-risk item, else weight × risk rating (risk = 5 - maturity),
  divided by the number of items, in four equal bands from 1 to 4 × (sum of weights) / n, which is HACT's
  (4n + 4k) / n with key items at 2 and others at 1;
- strength: domain >= 3.0 and no key item <= 2; capacity priority: domain < 2.0 or a key item at 1;
  for young or small organisations a domain from 2.0 is "sufficient at this stage", not a weakness;
- the overall figure weighs domains by the partnership's profile, and is always shown beside the profile;
  the overall band is the profile-weighted mean of the domain bands, never better than "significant" when a
  key item anywhere is at level 1.

One code path for every direction: the institute's disclosure is scored exactly like a partner's answers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .definitions import Domain, Question, Questionnaire, Scope
from .questions import SCORE_MAX, SCORE_MIN, type_of

BANDS = ("low", "moderate", "significant", "high")
#: Organisations younger than this many years, or with at most SMALL_STAFF staff, get stage-adjusted targets.
YOUNG_YEARS = 5
SMALL_STAFF = 10
STRENGTH_FROM = 3.0
PRIORITY_BELOW = 2.0
SUFFICIENT_FOR_STAGE_FROM = 2.0


@dataclass(frozen=True)
class AnswerInput:
    """What scoring needs of one stored answer."""

    value: Any = None
    not_applicable: bool = False
    #: 0-3 for E0-E3.
    evidence_level: int = 0


@dataclass(frozen=True)
class Stage:
    """The organisation's size and age, for stage-adjusted targets."""

    staff_size: int | None = None
    founded_year: int | None = None
    year: int | None = None

    @property
    def early(self) -> bool:
        young = self.founded_year is not None and self.year is not None and self.year - self.founded_year < YOUNG_YEARS
        small = self.staff_size is not None and self.staff_size <= SMALL_STAFF
        return young or small


ANY_SCOPE = Scope()
UNKNOWN_STAGE = Stage()


@dataclass(frozen=True)
class ItemScore:
    """One question's part in the scorecard; `points` over `weight` summed per domain gives the domain score."""

    question_id: str
    domain: str | None
    #: scored | not_applicable | hidden | unanswered | unknown | gate | not_scored
    status: str
    weight: float
    key: bool
    score: float | None = None
    evidence_level: int = 0
    #: Whether confidence counts it: every shown, applicable item that needs evidence (scored items, gates, and
    #: unscored items that ask for a document).
    needs_evidence: bool = False

    @property
    def points(self) -> float:
        return self.weight * self.score if self.score is not None else 0.0

    @property
    def counts_for_completeness(self) -> bool:
        """Scored items that apply: completeness is the share of them that have a score."""
        return self.status in {"scored", "unanswered", "unknown"}

    @property
    def evidenced(self) -> bool:
        """Evidence at E1 or above on an answer given (a "not yet known" answer has nothing to evidence)."""
        return self.needs_evidence and self.evidence_level >= 1 and self.status not in {"unknown", "unanswered"}


@dataclass(frozen=True)
class GateResult:
    question_id: str
    domain: str | None
    #: True passed, False flagged, None not answered.
    passed: bool | None
    value: Any = None


@dataclass(frozen=True)
class DomainScore:
    domain: str
    #: Weighted mean of scored items, or None when nothing in the domain was scored.
    score: float | None
    weight_sum: float
    points: float
    scored_items: int
    key_items: int
    #: HACT-style risk band, capped at "significant" when a key item is at level 1.
    band: str | None
    capped: bool
    #: Weighted share of the domain's items that need evidence (scored items, gates, document requests) at E1+.
    confidence: float
    #: Weighted share of applicable scored items that have a score.
    completeness: float
    #: strength | adequate | developing | sufficient_for_stage | priority | not_assessed
    standing: str
    lowest_key_score: float | None = None


@dataclass(frozen=True)
class Scorecard:
    questionnaire_id: str
    items: tuple[ItemScore, ...]
    domains: tuple[DomainScore, ...]
    gates: tuple[GateResult, ...]
    #: The domain weights of the partnership's profile used for `overall`.
    profile: Mapping[str, float] = field(default_factory=dict)
    overall: float | None = None
    overall_band: str | None = None
    confidence: float = 0.0
    early_stage: bool = False

    def domain(self, domain_id: str) -> DomainScore:
        return next(domain for domain in self.domains if domain.domain == domain_id)

    def items_of(self, domain_id: str) -> tuple[ItemScore, ...]:
        return tuple(item for item in self.items if item.domain == domain_id)

    @property
    def strengths(self) -> tuple[DomainScore, ...]:
        return tuple(domain for domain in self.domains if domain.standing == "strength")

    @property
    def priorities(self) -> tuple[DomainScore, ...]:
        return tuple(domain for domain in self.domains if domain.standing == "priority")

    @property
    def flagged_gates(self) -> tuple[GateResult, ...]:
        return tuple(gate for gate in self.gates if gate.passed is False)


# --- skip logic -----------------------------------------------------------------------------------


def given_values(answers: Mapping[str, AnswerInput]) -> dict[str, Any]:
    """The answers that skip logic reads: values by question id, N/A answers left out."""
    return {question_id: answer.value for question_id, answer in answers.items() if not answer.not_applicable}


def is_shown(question: Question, given: Mapping[str, Any]) -> bool:
    """Whether skip logic shows the question, given the answers so far."""
    return question.show_if is None or question.show_if.evaluate(dict(given))


# --- items ----------------------------------------------------------------------------------------


def item_score(question: Question, answer: AnswerInput | None, shown: bool) -> ItemScore:
    """Score one question from its answer."""
    base = {"question_id": question.id, "domain": question.domain, "weight": question.weight, "key": question.key}
    evidence = answer.evidence_level if answer else 0
    applies = shown and not (answer is not None and answer.not_applicable)
    if question.gate:
        return ItemScore(status="gate", evidence_level=evidence, needs_evidence=applies, **base)
    if not question.scored:
        needs = applies and question.asks_document
        return ItemScore(status="not_scored", evidence_level=evidence, needs_evidence=needs, **base)
    if not shown:
        return ItemScore(status="hidden", **base)
    if answer is not None and answer.not_applicable:
        return ItemScore(status="not_applicable", evidence_level=evidence, **base)
    if answer is None or answer.value in (None, "", []):
        return ItemScore(status="unanswered", needs_evidence=True, **base)
    score = answer_score(question, answer.value)
    if score is None:
        return ItemScore(status="unknown", evidence_level=evidence, needs_evidence=True, **base)
    return ItemScore(status="scored", score=score, evidence_level=evidence, needs_evidence=True, **base)


def answer_score(question: Question, value: Any) -> float | None:
    """The 1-4 score of an answer, as its question type reads it (None: no score, e.g. "not yet known")."""
    return type_of(question).score(question, value)


def gate_result(question: Question, answer: AnswerInput | None) -> GateResult:
    """Whether a gate passed, as its question type decides; None when it is not answered (N/A and "not yet known"
    included: neither passes nor flags it)."""
    if answer is None or answer.value in (None, "", []) or answer.not_applicable:
        return GateResult(question.id, question.domain, None)
    if type_of(question).is_unknown_answer(question, answer.value):
        return GateResult(question.id, question.domain, None, answer.value)
    return GateResult(question.id, question.domain, type_of(question).gate_passes(question, answer.value), answer.value)


# --- bands ----------------------------------------------------------------------------------------


def hact_band(items: Iterable[ItemScore]) -> str | None:
    """HACT's risk band over scored items (see module docstring); None when there are none."""
    scored = [item for item in items if item.status == "scored"]
    if not scored:
        return None
    n = len(scored)
    points = sum(1.0 if _risk(item) == 1 else item.weight * _risk(item) for item in scored)
    score = points / n
    top = 4 * sum(item.weight for item in scored) / n  # (4n + 4k) / n when key items weigh 2 and others 1
    width = (top - 1) / len(BANDS)
    index = min(len(BANDS) - 1, max(0, math.floor((score - 1) / width + 1e-9)))
    return BANDS[index]


def overall_band(domains: Iterable[DomainScore], weights: Mapping[str, float]) -> str | None:
    """The profile-weighted mean of the domain bands (rounded half up), never better than "significant"
    when a key item is at level 1 anywhere: the overall band follows the profile and the cap."""
    banded = [domain for domain in domains if domain.band is not None and weights.get(domain.domain, 1.0) > 0]
    if not banded:
        return None
    total = math.fsum(weights.get(domain.domain, 1.0) for domain in banded)
    mean = math.fsum(weights.get(domain.domain, 1.0) * BANDS.index(domain.band) for domain in banded) / total
    index = min(len(BANDS) - 1, math.floor(mean + 0.5 + 1e-9))
    if any(domain.lowest_key_score == SCORE_MIN for domain in banded):
        index = max(index, BANDS.index("significant"))
    return BANDS[index]


def _risk(item: ItemScore) -> float:
    """HACT rates risk 1 (low) to 4 (high): the mirror of maturity."""
    return SCORE_MAX + SCORE_MIN - (item.score or SCORE_MIN)


# --- domains and the whole scorecard --------------------------------------------------------------


def domain_score(domain: str, items: tuple[ItemScore, ...], early_stage: bool) -> DomainScore:
    scored = [item for item in items if item.status == "scored"]
    weight_sum = sum(item.weight for item in scored)
    points = sum(item.points for item in scored)
    score = points / weight_sum if weight_sum else None
    keys = [item.score for item in scored if item.key and item.score is not None]
    lowest_key = min(keys) if keys else None
    band = hact_band(scored)
    capped = lowest_key == SCORE_MIN and band in {"low", "moderate"}
    if capped:
        band = "significant"
    considered_weight = sum(item.weight for item in items if item.counts_for_completeness)
    return DomainScore(
        domain=domain,
        score=score,
        weight_sum=weight_sum,
        points=points,
        scored_items=len(scored),
        key_items=len(keys),
        band=band,
        capped=capped,
        confidence=confidence(items),
        completeness=weight_sum / considered_weight if considered_weight else 0.0,
        standing=_standing(score, lowest_key, early_stage),
        lowest_key_score=lowest_key,
    )


def confidence(items: Iterable[ItemScore]) -> float:
    """Weighted share of the items that need evidence (scored items, gates, document requests) at E1 or above."""
    needing = [item for item in items if item.needs_evidence]
    total = sum(item.weight for item in needing)
    return sum(item.weight for item in needing if item.evidenced) / total if total else 0.0


def _standing(score: float | None, lowest_key: float | None, early_stage: bool) -> str:
    if score is None:
        return "not_assessed"
    if score < PRIORITY_BELOW or lowest_key == SCORE_MIN:
        return "priority"
    if score >= STRENGTH_FROM and (lowest_key is None or lowest_key > 2):
        return "strength"
    if score >= STRENGTH_FROM:
        return "adequate"
    return "sufficient_for_stage" if early_stage and score >= SUFFICIENT_FOR_STAGE_FROM else "developing"


def score_assessment(
    questionnaire: Questionnaire,
    answers: Mapping[str, AnswerInput],
    *,
    domains: Iterable[Domain] = (),
    scope: Scope = ANY_SCOPE,
    stage: Stage = UNKNOWN_STAGE,
    profile: Mapping[str, float] | None = None,
) -> Scorecard:
    """Score one assessment. `domains` gives the report order; `profile` the domain weights of the overall."""
    given = given_values(answers)
    items: list[ItemScore] = []
    gates: list[GateResult] = []
    for _, question in questionnaire.applicable(scope):
        answer = answers.get(question.id)
        shown = is_shown(question, given)
        if question.gate and shown:
            gates.append(gate_result(question, answer))
        items.append(item_score(question, answer, shown))
    early = stage.early
    order = [domain.id for domain in domains] or sorted({item.domain for item in items if item.domain})
    present = {item.domain for item in items if item.status not in {"not_scored", "gate"}}
    domain_scores = tuple(
        domain_score(domain_id, tuple(item for item in items if item.domain == domain_id), early)
        for domain_id in order
        if domain_id in present
    )
    weights = {domain.domain: (profile or {}).get(domain.domain, 1.0) for domain in domain_scores}
    assessed = [domain for domain in domain_scores if domain.score is not None]
    # fsum: correctly rounded whatever the order, so that portfolio scoring gives the very same figure
    total_weight = math.fsum(weights[domain.domain] for domain in assessed)
    overall = math.fsum(weights[d.domain] * d.score for d in assessed) / total_weight if total_weight else None
    return Scorecard(
        questionnaire_id=questionnaire.id,
        items=tuple(items),
        domains=domain_scores,
        gates=tuple(gates),
        profile=weights,
        overall=overall,
        overall_band=overall_band(domain_scores, weights),
        confidence=confidence(items),
        early_stage=early,
    )
