"""Tables across partners: the portfolio, and the flat frames CSV and XLSX exports are written from."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache
from typing import Any

import pandas as pd
from babel.numbers import get_currency_precision

from ..core.burden import estimate
from ..core.definitions import Library, Question, Questionnaire, Scope
from ..core.facts import AssessmentFacts, PortfolioFacts, PortfolioFigures
from ..core.ledger import PartnerLedger
from ..core.scoring import AnswerInput, gate_result, given_values, is_shown
from .context import parity_with
from .portfolio import frames_from_inputs, score_portfolio

#: The portfolio's columns in CSV and XLSX, before one column per domain.
PORTFOLIO_COLUMNS = (
    "partner",
    "partnership",
    "type",
    "tier",
    "status",
    "overall",
    "band",
    "confidence",
    "estimated_minutes",
    "actual_minutes",
    "parity",
)


_MISSING = object()


def _frozen(value: Any) -> Any:
    """A value as part of a dictionary key, its type kept (True and 1 evaluate differently)."""
    if isinstance(value, str | int | float | bool) or value is None:
        return type(value), value
    return type(value), json.dumps(value, sort_keys=True, default=str)


class _PerScope:
    """What is the same for every partner answering one questionnaire version in one scope, worked out once: the
    burden estimate, the gates asked, the conditional questions, and parity for each pattern of skip logic.

    Skip logic and gates read few answers: which conditional questions are shown, and which gates flag, are worked
    out once for each combination of those answers and looked up for every other partner who gave the same."""

    def __init__(self, questionnaire: Questionnaire, scope: Scope) -> None:
        applicable = [question for _, question in questionnaire.applicable(scope)]
        self.estimated_minutes = round(estimate(questionnaire, scope).minutes_high)
        self.gates: list[Question] = [question for question in applicable if question.gate]
        self.gate_texts = {gate.id: gate.text for gate in self.gates}
        self.conditional: list[Question] = [question for question in applicable if question.show_if is not None]
        self.names = sorted({name for question in self.conditional for name in question.show_if.names()})
        self.parity: dict[frozenset[str], float] = {}
        self._shown: dict[tuple, frozenset[str]] = {}
        self._flagged: dict[tuple, list[Question]] = {}

    def _read(self, answers: Mapping[str, AnswerInput]) -> tuple:
        """The answers skip logic reads (N/A ones as absent), as a key."""
        key = []
        for name in self.names:
            answer = answers.get(name)
            key.append(_MISSING if answer is None or answer.not_applicable else _frozen(answer.value))
        return tuple(key)

    def _given(self, answers: Mapping[str, AnswerInput]) -> dict[str, Any]:
        return given_values({name: answers[name] for name in self.names if name in answers})

    def shown_conditionals(self, answers: Mapping[str, AnswerInput]) -> frozenset[str]:
        key = self._read(answers)
        found = self._shown.get(key)
        if found is None:
            given = self._given(answers)
            found = self._shown[key] = frozenset(
                question.id for question in self.conditional if is_shown(question, given)
            )
        return found

    def flagged_gates(self, answers: Mapping[str, AnswerInput]) -> list[Question]:
        """The gates shown whose answer does not pass."""
        if not self.gates:
            return []
        shown = self.shown_conditionals(answers)
        given = [answers.get(gate.id) for gate in self.gates]
        key = (
            shown,
            tuple(None if answer is None else (answer.not_applicable, _frozen(answer.value)) for answer in given),
        )
        found = self._flagged.get(key)
        if found is None:
            found = self._flagged[key] = [
                gate
                for gate, answer in zip(self.gates, given, strict=True)
                if (gate.show_if is None or gate.id in shown) and gate_result(gate, answer).passed is False
            ]
        return found


def _parity_of(
    assessment: AssessmentFacts, per_scope: _PerScope, disclosure: AssessmentFacts, library: Library
) -> float:
    """Parity depends on the partner's answers only through which conditional questions they were shown: it is
    computed once for each such pattern."""
    pattern = per_scope.shown_conditionals(assessment.answers)
    found = per_scope.parity.get(pattern)
    if found is None:
        found = per_scope.parity[pattern] = parity_with(assessment, disclosure, library).parity
    return found


class PortfolioScores:
    """Each partner's portfolio figures as last worked out, kept by everything they were worked out from: the
    assessment's revision (raised by the database whenever its answers or their documents change), the questionnaire
    version, scope (and so domain weights), stage and the institute's disclosure; until the first of its documents
    counted as valid expires. A portfolio then reads and scores only the partners whose inputs moved.

    One per library and process (the code and the library that compute the figures cannot change under it);
    bounded, the least recently used going first; safe across threads."""

    def __init__(self, library: Library, size: int = 20_000) -> None:
        self.library = library
        self.size = size
        self._kept: OrderedDict[int, tuple[tuple, PortfolioFigures, dt.date | None]] = OrderedDict()
        self._lock = threading.Lock()
        self._disclosure: tuple[AssessmentFacts | None, tuple | None] = (None, None)
        self._scopes: tuple[Any, dict[tuple[str, Scope], _PerScope]] = (object(), {})
        self._scope_seen: dict[Scope, Scope] = {}

    def _key(self, assessment: AssessmentFacts, disclosure: AssessmentFacts | None) -> tuple | None:
        """The inputs the figures are worked out from (the scope carries the partnership's type and roles, which
        choose the domain weights in this library)."""
        if assessment.revision is None:  # read without its revision: nothing to recognise it by
            return None
        scope = self._scope_seen.setdefault(assessment.scope, assessment.scope)  # one object: compared by identity
        return (
            assessment.revision,
            assessment.questionnaire_key,
            scope,
            assessment.stage.early,
            self._disclosure_key(disclosure),
        )

    def _disclosure_key(self, disclosure: AssessmentFacts | None) -> tuple | None:
        """What parity reads of the disclosure: its version, scope and answers (read afresh for every portfolio)."""
        if disclosure is None:
            return None
        seen, key = self._disclosure
        if seen is not disclosure:
            answers = tuple(
                sorted(
                    (question_id, _frozen(answer.value), answer.not_applicable, answer.evidence_level)
                    for question_id, answer in disclosure.answers.items()
                )
            )
            key = (disclosure.id, disclosure.questionnaire_key, disclosure.scope, disclosure.stage.early, answers)
            if key == self._disclosure[1]:
                key = self._disclosure[1]  # the same disclosure read again: the kept keys hold this very object
            self._disclosure = (disclosure, key)
        return key

    def lookup(
        self, assessments: Iterable[AssessmentFacts], disclosure: AssessmentFacts | None, today: dt.date
    ) -> dict[int, PortfolioFigures]:
        """The figures kept for these assessments that were worked out from exactly their inputs and still hold
        `today` (no document they counted has expired since), by id."""
        keys = [(assessment.id, self._key(assessment, disclosure)) for assessment in assessments]
        found = {}
        with self._lock:
            for assessment_id, key in keys:
                kept = self._kept.get(assessment_id)
                if key is not None and kept is not None and kept[0] == key and (kept[2] is None or today <= kept[2]):
                    self._kept.move_to_end(assessment_id)
                    found[assessment_id] = kept[1]
        return found

    def keep(
        self, worked: Mapping[int, PortfolioFigures], assessments: Iterable[AssessmentFacts], disclosure
    ) -> None:
        """Keep the figures worked out for these assessments (`worked`, by id), until their `fresh_until`."""
        keys = [(assessment, self._key(assessment, disclosure)) for assessment in assessments]
        with self._lock:
            for assessment, key in keys:
                if key is None:
                    continue
                self._kept[assessment.id] = (key, worked[assessment.id], assessment.fresh_until)  # older inputs go
                self._kept.move_to_end(assessment.id)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def per_scope(self, disclosure: AssessmentFacts | None) -> dict[tuple[str, Scope], _PerScope]:
        """What is the same for every partner of one questionnaire version and scope (burden, gates, skip logic and
        parity per pattern of shown questions), kept for the disclosure it was worked out with."""
        key = self._disclosure_key(disclosure)
        with self._lock:
            if self._scopes[0] != key or sum(len(common.parity) for common in self._scopes[1].values()) > 10_000:
                self._scopes = (key, {})
            return self._scopes[1]

    def __len__(self) -> int:
        return len(self._kept)


def _work_out(
    chosen: list[AssessmentFacts],
    disclosure: AssessmentFacts | None,
    library: Library,
    per_scope: dict[tuple[str, Scope], _PerScope],
) -> dict[int, PortfolioFigures]:
    """The figures of these assessments: scoring runs over all of them at once (`score_portfolio`); gates and
    parity are worked out once per (questionnaire version, scope) and pattern of answers."""
    questionnaires = {assessment.questionnaire_key: assessment.questionnaire for assessment in chosen}
    scope_keys: dict[Scope, str] = {}
    profile_keys: dict[tuple, str] = {}
    profiles: dict[str, Any] = {}
    entries = []
    for assessment in chosen:
        scope_key = scope_keys.setdefault(assessment.scope, f"s{len(scope_keys)}")
        weights_of = (assessment.facts.partnership_type, tuple(sorted(assessment.facts.roles or ())))
        profile_key = profile_keys.get(weights_of)
        if profile_key is None:
            profile_key = profile_keys[weights_of] = f"p{len(profile_keys)}"
            profiles[profile_key] = library.domain_weights(assessment.facts.partnership_type, assessment.facts.roles)
        entries.append(
            {
                "assessment_id": assessment.id,
                "questionnaire": assessment.questionnaire_key,
                "scope": scope_key,
                "early": assessment.stage.early,
                "profile": profile_key,
                "answers": assessment.answers,
            }
        )
    scopes = {key: scope for scope, key in scope_keys.items()}
    frames = frames_from_inputs(entries)
    domains, overall = score_portfolio(*frames, questionnaires, scopes, profiles)
    scores = domains.pivot(index="assessment_id", columns="domain", values="score")
    profile_of = {
        assessment_id: tuple((domain, float(value)) for domain, value in row.items() if not pd.isna(value))
        for assessment_id, row in zip(scores.index, scores.to_dict("records"), strict=True)
    }
    totals = {
        assessment_id: (overall_score, band, confidence)
        for assessment_id, overall_score, band, confidence in overall[
            ["assessment_id", "overall", "overall_band", "confidence"]
        ].itertuples(index=False, name=None)
    }
    worked = {}
    for assessment in chosen:
        common = _per_scope(per_scope, assessment)
        total = totals.get(assessment.id)
        worked[assessment.id] = PortfolioFigures(
            profile=profile_of.get(assessment.id, ()),
            overall=None if total is None or pd.isna(total[0]) else float(total[0]),
            band=None if total is None or pd.isna(total[1]) else total[1],
            confidence=None if total is None else float(total[2]),
            parity=_parity_of(assessment, common, disclosure, library) if disclosure is not None else None,
            flagged_gates=tuple(gate.id for gate in common.flagged_gates(assessment.answers)),
        )
    return worked


def _per_scope(per_scope: dict[tuple[str, Scope], _PerScope], assessment: AssessmentFacts) -> _PerScope:
    key = (assessment.questionnaire_key, assessment.scope)
    common = per_scope.get(key)
    if common is None:
        common = per_scope[key] = _PerScope(assessment.questionnaire, assessment.scope)
    return common


def portfolio_figures(
    portfolio: PortfolioFacts,
    library: Library,
    scores: PortfolioScores | None = None,
    per_scope: dict[tuple[str, Scope], _PerScope] | None = None,
) -> dict[int, PortfolioFigures]:
    """Every partner's figures, by assessment id: those already known (`portfolio.known`) as they are, the others
    worked out together (`_work_out`) and kept in `scores`, when given, for the next portfolio."""
    figures = dict(portfolio.known)
    todo = [assessment for assessment in portfolio.assessments if assessment.id not in figures]
    if per_scope is None:
        per_scope = scores.per_scope(portfolio.disclosure) if scores is not None else {}
    if todo:
        worked = _work_out(todo, portfolio.disclosure, library, per_scope)
        figures.update(worked)
        if scores is not None:
            scores.keep(worked, todo, portfolio.disclosure)
    return figures


def portfolio_context(
    portfolio: PortfolioFacts, library: Library, language: str, scores: PortfolioScores | None = None
) -> dict[str, Any]:
    """Every partner's latest self-assessment: tier, profile, confidence, burden, parity and flagged gates."""
    chosen = portfolio.assessments
    per_scope = scores.per_scope(portfolio.disclosure) if scores is not None else {}
    figures = portfolio_figures(portfolio, library, scores, per_scope)
    rows = []
    for assessment in chosen:
        facts, figure, common = assessment.facts, figures[assessment.id], _per_scope(per_scope, assessment)
        rows.append(
            {
                "assessment_id": assessment.id,
                "partner": facts.organisation,
                "partnership": facts.partnership,
                "type": facts.partnership_type,
                "tier": facts.tier or "",
                "status": facts.status,
                "overall": figure.overall,
                "band": figure.band,
                "confidence": figure.confidence,
                "estimated_minutes": common.estimated_minutes,
                "actual_minutes": round(assessment.active_seconds / 60),
                "parity": figure.parity,
                "flagged_gates": [common.gate_texts[gate].get(language) for gate in figure.flagged_gates],
                "profile": dict(figure.profile),
            }
        )
    titles = [(domain.id, domain.title.get(language)) for domain in library.domains.values()]
    return {"rows": rows, "domains": titles, "generated_on": dt.date.today().isoformat(), "host": portfolio.host}


def portfolio_columns(context: dict[str, Any]) -> list[str]:
    """The portfolio's column names in CSV and XLSX: its figures, then one column per domain."""
    return [*PORTFOLIO_COLUMNS, "flagged_gates", *(title for _, title in context["domains"])]


def portfolio_records(context: dict[str, Any]) -> Iterator[list[Any]]:
    """The portfolio's rows as flat values in `portfolio_columns` order, one partner at a time."""
    for row in context["rows"]:
        yield [
            *(row[key] for key in PORTFOLIO_COLUMNS),
            "; ".join(row["flagged_gates"]),
            *(row["profile"].get(domain) for domain, _ in context["domains"]),
        ]


def portfolio_frame(context: dict[str, Any]) -> pd.DataFrame:
    """The portfolio as one flat table."""
    columns = portfolio_columns(context)
    return pd.DataFrame([dict(zip(columns, values, strict=True)) for values in portfolio_records(context)])


#: The burden ledger's columns in CSV.
LEDGER_COLUMNS = (
    "partner",
    "requests",
    "estimated_minutes",
    "actual_minutes",
    "items_asked",
    "prefilled",
    "reused",
    "documents_new",
    "documents_reused",
    "repeat_asks",
    "rating_1_7",
    "days_to_decision",
    "funding_per_burden_hour",
    "funders",
    # appended, so that the columns before keep their places: the currency of funding_per_burden_hour (the
    # institute's), and the money transferred in other currencies, each on its own ("KES 10,000.00; EUR 500.00"),
    # never converted and never counted in funding_per_burden_hour
    "funding_currency",
    "funding_in_other_currencies",
)


def _real(value: float | None) -> float | None:
    return None if value is None else float(value)


def ledger_records(rows: Iterable[PartnerLedger]) -> Iterator[list[Any]]:
    """The burden ledger's rows as flat values in `LEDGER_COLUMNS` order, one partner at a time."""
    for row in rows:
        yield [
            row.partner,
            row.requests,
            round(row.estimated_minutes),
            round(row.actual_minutes),
            row.items_asked,
            row.prefilled,
            row.reused,
            row.documents_new,
            row.documents_reused,
            row.repeat_asks,
            _real(row.mean_rating),
            _real(row.mean_days_to_decision),
            _real(row.funding_per_burden_hour),
            ", ".join(sorted(row.funders)),
            row.currency or "",
            currency_amounts(row.other_funding),
        ]


def currency_amounts(money: Iterable[tuple[str, float]]) -> str:
    """Amounts each in its own currency, by its code, as a file states them: "KES 10,000.00; JPY 500" (what Babel's
    `format_currency(amount, code, format="¤¤ #,##0.00", locale="en")` writes, at a fraction of its cost: an export
    writes one per partner)."""
    return "; ".join(f"{code} {_quantized(amount, code):,}" for code, amount in money)


def _quantized(amount: float, code: str) -> Decimal:
    """The amount to its currency's digits, rounded half to even from its decimal writing, as Babel rounds it."""
    return Decimal(str(amount)).quantize(_currency_step(code), rounding=ROUND_HALF_EVEN)


@lru_cache(maxsize=512)
def _currency_step(code: str) -> Decimal:
    return Decimal(1).scaleb(-get_currency_precision(code))


def ledger_frame(rows: Iterable[PartnerLedger]) -> pd.DataFrame:
    """The burden ledger as one flat table, a row per partner."""
    return pd.DataFrame([dict(zip(LEDGER_COLUMNS, values, strict=True)) for values in ledger_records(rows)])
