"""Reciprocity: for each domain, what the institute asked of a partner and what it disclosed about itself.

Parity is counted over what each side was actually shown: a question that skip logic hid from the partner was
not asked, and one whose counterpart skip logic hid from the institute cannot be disclosed. Documents count too:
for each document the partner was asked for, the institute must have supplied one with its counterpart answer.
Scores are compared like with like: both sides over the same question pairs, and the institute's full
disclosure is kept apart (`host_full_score`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .definitions import Question, Questionnaire, Scope
from .scoring import AnswerInput, Scorecard, given_values, is_shown


@dataclass(frozen=True)
class DomainParity:
    domain: str
    #: Questions the partner was shown in the domain (its tier and roles, after skip logic).
    asked_items: int
    asked_documents: int
    #: Asked questions whose counterpart the institute answered about itself.
    disclosed_items: int
    #: Asked documents the institute supplied with its counterpart answers.
    disclosed_documents: int
    #: Questions the institute disclosed in the domain beyond those it asked.
    extra_disclosures: int
    #: Both sides' scores over the same question pairs: those where each side has a score (`compared_items`).
    partner_score: float | None
    host_score: float | None
    compared_items: int = 0
    #: The institute's score over everything it disclosed in the domain.
    host_full_score: float | None = None
    #: Asked questions whose counterpart skip logic hid from the institute: they leave the count.
    hidden_on_host_side: int = 0

    @property
    def parity(self) -> float:
        """Share of what was asked (questions and documents) that the institute disclosed; 1.0 if nothing was."""
        asked = self.asked_items + self.asked_documents
        return (self.disclosed_items + self.disclosed_documents) / asked if asked else 1.0

    @property
    def at_parity(self) -> bool:
        return self.disclosed_items >= self.asked_items and self.disclosed_documents >= self.asked_documents


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
    partner_answers: Mapping[str, AnswerInput] | None = None,
    partner_scorecard: Scorecard | None = None,
    host_scorecard: Scorecard | None = None,
    host_documents: Mapping[str, Any] | None = None,
) -> Reciprocity:
    """Compare what `asked` asks in `scope` (after the partner's skip logic) with what the institute disclosed.

    `partner_answers` drive the partner's skip logic (None: every question in scope counts as shown);
    `host_documents` maps a disclosure question id to the documents supplied with it.
    """
    partner_given = given_values(partner_answers) if partner_answers is not None else None
    host_given = given_values(host_answers)
    mirrored_by = {question.mirror: question for question in disclosure.questions if question.mirror}
    in_scope = [question for _, question in asked.applicable(scope)]
    asked_questions = [q for q in in_scope if partner_given is None or is_shown(q, partner_given)]
    in_scope_ids = {question.id for question in in_scope}
    documents = host_documents or {}
    rows = []
    for domain in domains:
        in_domain, hidden_on_host = [], 0
        pairs: list[tuple[Question, Question]] = []
        for question in asked_questions:
            if question.domain != domain:
                continue
            counterpart = mirrored_by.get(question.id)
            if counterpart is not None and not is_shown(counterpart, host_given):
                hidden_on_host += 1
                continue
            in_domain.append(question)
            if counterpart is not None:
                pairs.append((question, counterpart))
        disclosed = [(mine, theirs) for mine, theirs in pairs if _answered(host_answers.get(theirs.id))]
        compared = [pair for pair in pairs if _both_scored(pair, partner_scorecard, host_scorecard)]
        documents_supplied = sum(1 for mine, theirs in disclosed if mine.asks_document and documents.get(theirs.id))
        extra = [
            question
            for question in disclosure.questions
            if question.domain == domain
            and (question.mirror is None or question.mirror not in in_scope_ids)
            and is_shown(question, host_given)
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
                disclosed_documents=documents_supplied,
                extra_disclosures=len(extra),
                partner_score=_mean(partner_scorecard, {mine.id for mine, _ in compared}),
                host_score=_mean(host_scorecard, {theirs.id for _, theirs in compared}),
                compared_items=len(compared),
                host_full_score=_domain_score(host_scorecard, domain),
                hidden_on_host_side=hidden_on_host,
            )
        )
    return Reciprocity(tuple(rows))


def _both_scored(pair: tuple[Question, Question], partner: Scorecard | None, host: Scorecard | None) -> bool:
    """Whether both questions of a pair carry a score on their side (of the scorecards given, else by definition)."""
    mine, theirs = pair
    return _scored(partner, mine) and _scored(host, theirs)


def _scored(scorecard: Scorecard | None, question: Question) -> bool:
    if scorecard is None:
        return question.scored and not question.gate
    return any(item.question_id == question.id and item.status == "scored" for item in scorecard.items)


def _mean(scorecard: Scorecard | None, question_ids: set[str]) -> float | None:
    """The weighted mean of a scorecard's scored items among `question_ids` (the domain rule, on a subset)."""
    if scorecard is None:
        return None
    items = [item for item in scorecard.items if item.question_id in question_ids and item.status == "scored"]
    weight = sum(item.weight for item in items)
    return sum(item.points for item in items) / weight if weight else None


def _domain_score(scorecard: Scorecard | None, domain: str) -> float | None:
    if scorecard is None:
        return None
    found = [row for row in scorecard.domains if row.domain == domain]
    return found[0].score if found else None
