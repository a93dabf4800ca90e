"""Reciprocity: for each domain, what the institute asked of a partner and what it disclosed about itself.

Parity holds in a domain when the institute has answered, about itself, at least every question it asked
the partner there (matched through the disclosure's `mirror` ids).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .definitions import Questionnaire, Scope
from .scoring import AnswerInput, Scorecard


@dataclass(frozen=True)
class DomainParity:
    domain: str
    asked_items: int
    asked_documents: int
    #: Questions asked of the partner that the institute has answered about itself.
    disclosed_items: int
    #: Documents the institute supplied among its mirrored answers' evidence requests.
    disclosed_documents: int
    #: Questions the institute disclosed in the domain beyond those it asked.
    extra_disclosures: int
    partner_score: float | None
    host_score: float | None

    @property
    def parity(self) -> float:
        """Share of asked questions the institute answered about itself (1.0 when nothing was asked)."""
        return self.disclosed_items / self.asked_items if self.asked_items else 1.0

    @property
    def at_parity(self) -> bool:
        return self.disclosed_items >= self.asked_items


@dataclass(frozen=True)
class Reciprocity:
    domains: tuple[DomainParity, ...]

    @property
    def parity(self) -> float:
        """Share of the domains asked about in which the institute disclosed at least as much."""
        asked = [domain for domain in self.domains if domain.asked_items]
        return sum(domain.at_parity for domain in asked) / len(asked) if asked else 1.0


def _answered(answer: AnswerInput | None) -> bool:
    return answer is not None and (answer.not_applicable or answer.value not in (None, "", []))


def reciprocity(
    asked: Questionnaire,
    scope: Scope,
    disclosure: Questionnaire,
    host_answers: Mapping[str, AnswerInput],
    *,
    domains: Iterable[str],
    partner_scorecard: Scorecard | None = None,
    host_scorecard: Scorecard | None = None,
    host_documents: Mapping[str, Any] | None = None,
) -> Reciprocity:
    """Compare what `asked` asks in `scope` with what the institute answered in `disclosure`."""
    mirrored_by = {question.mirror: question for question in disclosure.questions if question.mirror}
    asked_questions = [question for _, question in asked.applicable(scope)]
    asked_ids = {question.id for question in asked_questions}
    documents = host_documents or {}
    rows = []
    for domain in domains:
        in_domain = [question for question in asked_questions if question.domain == domain]
        disclosed = [
            mirrored_by[question.id]
            for question in in_domain
            if question.id in mirrored_by and _answered(host_answers.get(mirrored_by[question.id].id))
        ]
        extra = [
            question
            for question in disclosure.questions
            if question.domain == domain
            and (question.mirror is None or question.mirror not in asked_ids)
            and _answered(host_answers.get(question.id))
        ]
        if not in_domain and not extra:
            continue
        rows.append(
            DomainParity(
                domain=domain,
                asked_items=len(in_domain),
                asked_documents=sum(question.asks_document for question in in_domain),
                disclosed_items=len(disclosed),
                disclosed_documents=sum(
                    1 for question in disclosed if question.asks_document and documents.get(question.id)
                ),
                extra_disclosures=len(extra),
                partner_score=_score(partner_scorecard, domain),
                host_score=_score(host_scorecard, domain),
            )
        )
    return Reciprocity(tuple(rows))


def _score(scorecard: Scorecard | None, domain: str) -> float | None:
    if scorecard is None:
        return None
    found = [row for row in scorecard.domains if row.domain == domain]
    return found[0].score if found else None
