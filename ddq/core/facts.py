"""The facts reports are made of, as the store reads them: plain frozen dataclasses, never an ORM object.

A published report freezes its facts: `report_to_data` writes them as plain JSON-able data (questionnaires by
the sha256 of their stored version), `report_from_data` reads them back, and `fingerprint` is the sha256 of
their canonical JSON.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, NamedTuple

from .consensus import Rating
from .definitions import Domain, Questionnaire, Scope, Text, canonical_json
from .scoring import AnswerInput, Stage


@dataclass(frozen=True)
class AnswerView:
    """An answer as a report shows it."""

    value: Any = None
    not_applicable: bool = False
    na_reason: str | None = None
    comment: str | None = None
    evidence_level: int = 0
    files: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportFacts:
    """Who and what a report is about, and when it was made."""

    organisation: str
    country: str | None = None
    staff_size: int | None = None
    founded_year: int | None = None
    partnership: str | None = None
    partnership_type: str | None = None
    roles: tuple[str, ...] = ()
    tier: str | None = None
    status: str = ""
    generated_on: str = ""
    host: str = "the institute"
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ActionItemFacts:
    """A row of the action plan staff wrote."""

    domain: str | None
    question_id: str | None
    priority: str
    action: str
    support: str | None = None
    due_on: dt.date | None = None


@dataclass(frozen=True)
class AssessmentFacts:
    """One assessment, everything a report or the portfolio reads of it."""

    id: int
    direction: str
    questionnaire: Questionnaire
    #: The sha256 of the questionnaire version answered.
    questionnaire_key: str
    scope: Scope
    stage: Stage
    #: Answers as scoring reads them, by question id.
    answers: Mapping[str, AnswerInput]
    #: Answers as a report shows them, by question id.
    views: Mapping[str, AnswerView]
    facts: ReportFacts
    #: Whether the assessment is a partner's self-assessment within a partnership (its domain weights apply).
    partnered: bool = False
    action_items: tuple[ActionItemFacts, ...] = ()
    active_seconds: int = 0
    #: The domain weights of the overall figure, frozen when the report was published (None: from the library).
    profile: Mapping[str, float] | None = None
    #: Each person's latest rating of the scored items (ddq.core.consensus), where people rated them.
    ratings: tuple[Rating, ...] = ()
    #: The assessment's revision (raised whenever its answers or their documents change), when it was read.
    revision: int | None = None
    #: The last day its answers' evidence levels hold as read (its first document still valid then expires the
    #: day after); None: they do not change with time.
    fresh_until: dt.date | None = None


@dataclass(frozen=True)
class FeedbackAnswer:
    """One partner's answer to one question of the anonymous feedback; `partner` is an opaque id, never shown."""

    partner: int
    question_id: str
    value: Any


@dataclass(frozen=True)
class FeedbackFacts:
    """Partners' submitted feedback about the institute."""

    questionnaire: Questionnaire | None
    #: How many distinct partners submitted feedback.
    respondents: int
    answers: tuple[FeedbackAnswer, ...] = ()
    #: The sha256 of the questionnaire version.
    questionnaire_key: str | None = None


@dataclass(frozen=True)
class FeedbackTally:
    """Partners' submitted feedback counted per question, as the database aggregates it: no partner's answers."""

    #: How many distinct partners submitted feedback.
    respondents: int
    #: Per question id, each distinct value given and how many times.
    values: Mapping[str, tuple[tuple[Any, int], ...]] = field(default_factory=dict)
    #: Per question id, how many distinct partners gave it a value.
    partners: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Publication:
    """Which published version a report shows: when, which version, and the fingerprint of its frozen facts."""

    version: int
    published_on: str
    fingerprint: str

    @property
    def short_fingerprint(self) -> str:
        return self.fingerprint[:12]


@dataclass(frozen=True)
class AgreedTerms:
    """The terms for the next cycle that the institute and the partner agreed in their latest joint review."""

    decided_on: str
    tier: str | None = None
    cycle_months: int | None = None
    terms: str | None = None


@dataclass(frozen=True)
class CycleFacts:
    """The previous cycle of a partner's self-assessment, for its capacity over time: the previous request's
    scorecard inputs, the dates of both requests, the terms the suggestions start from and any agreed since."""

    previous: AssessmentFacts
    previous_on: str
    current_on: str
    #: The tier the current request was made at, and the months between re-assessments of the partnership.
    tier: str | None = None
    cycle_months: int = 24
    agreed: AgreedTerms | None = None


@dataclass(frozen=True)
class CapacityFacts:
    """A capacity report's facts: the assessment and, for a partner's, the institute's published disclosure and
    its previous cycle."""

    assessment: AssessmentFacts
    disclosure: AssessmentFacts | None = None
    publication: Publication | None = None
    cycle: CycleFacts | None = None
    #: The domains (order, titles, descriptions) as they were published; None: the library's own.
    domains: tuple[Domain, ...] | None = None


@dataclass(frozen=True)
class ReciprocalFacts:
    """Both sides of a partnership, and partners' feedback about the institute."""

    assessment: AssessmentFacts
    disclosure: AssessmentFacts | None
    feedback: FeedbackFacts
    publication: Publication | None = None
    cycle: CycleFacts | None = None
    #: The domains (order, titles, descriptions) as they were published; None: the library's own.
    domains: tuple[Domain, ...] | None = None

    @property
    def capacity(self) -> CapacityFacts:
        return CapacityFacts(self.assessment, self.disclosure, self.publication, self.cycle, self.domains)


@dataclass(frozen=True)
class PortfolioFacts:
    """Every partner's latest self-assessment, in partner order, and the institute's published disclosure.

    `known` holds the figures already worked out from the very same inputs (by assessment id): those assessments'
    answers are not read."""

    assessments: tuple[AssessmentFacts, ...]
    disclosure: AssessmentFacts | None
    host: str
    known: Mapping[int, PortfolioFigures] = field(default_factory=dict)


class PortfolioFigures(NamedTuple):
    """One partner's figures in the portfolio, in no language: what its answers give once scored."""

    #: The score of each domain assessed (a domain not assessed is left out), as (domain id, score) pairs.
    profile: tuple[tuple[str, float], ...]
    overall: float | None
    band: str | None
    confidence: float | None
    #: Parity with the institute's disclosure (None without a published disclosure).
    parity: float | None
    #: The ids of the gate questions shown whose answer does not pass.
    flagged_gates: tuple[str, ...]


# --- frozen facts as plain data -------------------------------------------------------------------

#: Finds a questionnaire by the sha256 of its stored version.
QuestionnaireLookup = Callable[[str], Questionnaire]


def fingerprint(data: Mapping[str, Any]) -> str:
    """The sha256 of some frozen facts' canonical JSON."""
    return hashlib.sha256(canonical_json(data).encode("utf-8")).hexdigest()


def report_to_data(report: ReciprocalFacts) -> dict[str, Any]:
    """Everything a report is made of, as canonical data; partners' feedback under opaque numbers."""
    feedback = report.feedback
    numbers = {partner: n for n, partner in enumerate(dict.fromkeys(a.partner for a in feedback.answers), start=1)}
    data = {
        "assessment": assessment_to_data(report.assessment),
        "disclosure": assessment_to_data(report.disclosure) if report.disclosure is not None else None,
        "feedback": {
            "questionnaire": feedback.questionnaire_key,
            "respondents": feedback.respondents,
            "answers": [[numbers[a.partner], a.question_id, a.value] for a in feedback.answers],
        },
    }
    if report.cycle is not None:  # only with a previous cycle: earlier snapshots keep their fingerprint
        data["cycle"] = cycle_to_data(report.cycle)
    if report.domains is not None:  # frozen since publishing froze them: earlier snapshots keep their fingerprint
        data["domains"] = [domain_to_data(domain) for domain in report.domains]
    return data


def domain_to_data(domain: Domain) -> dict[str, Any]:
    return {
        "id": domain.id,
        "number": domain.number,
        "title": dict(domain.title.translations),
        "description": dict(domain.description.translations),
        "role": domain.role,
    }


def domain_from_data(data: Mapping[str, Any]) -> Domain:
    return Domain(
        id=data["id"],
        number=data["number"],
        title=Text(tuple(data["title"].items())),
        description=Text(tuple(data["description"].items())),
        role=data["role"],
    )


def cycle_to_data(cycle: CycleFacts) -> dict[str, Any]:
    agreed = cycle.agreed
    return {
        "previous": assessment_to_data(cycle.previous),
        "previous_on": cycle.previous_on,
        "current_on": cycle.current_on,
        "tier": cycle.tier,
        "cycle_months": cycle.cycle_months,
        "agreed": {item.name: getattr(agreed, item.name) for item in fields(AgreedTerms)} if agreed else None,
    }


def cycle_from_data(data: Mapping[str, Any], lookup: QuestionnaireLookup) -> CycleFacts:
    return CycleFacts(
        previous=assessment_from_data(data["previous"], lookup),
        previous_on=data["previous_on"],
        current_on=data["current_on"],
        tier=data["tier"],
        cycle_months=data["cycle_months"],
        agreed=AgreedTerms(**data["agreed"]) if data["agreed"] is not None else None,
    )


def report_from_data(data: Mapping[str, Any], lookup: QuestionnaireLookup) -> ReciprocalFacts:
    feedback = data["feedback"]
    key = feedback["questionnaire"]
    return ReciprocalFacts(
        assessment=assessment_from_data(data["assessment"], lookup),
        disclosure=assessment_from_data(data["disclosure"], lookup) if data["disclosure"] is not None else None,
        feedback=FeedbackFacts(
            questionnaire=lookup(key) if key else None,
            respondents=feedback["respondents"],
            answers=tuple(FeedbackAnswer(partner, question, value) for partner, question, value in feedback["answers"]),
            questionnaire_key=key,
        ),
        cycle=cycle_from_data(data["cycle"], lookup) if data.get("cycle") is not None else None,
        domains=tuple(domain_from_data(domain) for domain in data["domains"]) if "domains" in data else None,
    )


def assessment_to_data(assessment: AssessmentFacts) -> dict[str, Any]:
    scope, stage = assessment.scope, assessment.stage
    data = {
        "id": assessment.id,
        "direction": assessment.direction,
        "questionnaire": assessment.questionnaire_key,
        "scope": {
            "tier": scope.tier,
            "partnership_type": scope.partnership_type,
            "partner_roles": sorted(scope.partner_roles) if scope.partner_roles is not None else None,
        },
        "stage": {"staff_size": stage.staff_size, "founded_year": stage.founded_year, "year": stage.year},
        "answers": {
            question_id: [answer.value, answer.not_applicable, answer.evidence_level]
            for question_id, answer in assessment.answers.items()
        },
        "views": {
            question_id: {
                "value": view.value,
                "not_applicable": view.not_applicable,
                "na_reason": view.na_reason,
                "comment": view.comment,
                "evidence_level": view.evidence_level,
                "files": list(view.files),
            }
            for question_id, view in assessment.views.items()
        },
        "facts": {
            **{item.name: getattr(assessment.facts, item.name) for item in fields(ReportFacts)},
            "roles": list(assessment.facts.roles),
            "extra": dict(assessment.facts.extra),
        },
        "partnered": assessment.partnered,
        "action_items": [
            {
                "domain": item.domain,
                "question_id": item.question_id,
                "priority": item.priority,
                "action": item.action,
                "support": item.support,
                "due_on": item.due_on.isoformat() if item.due_on else None,
            }
            for item in assessment.action_items
        ],
        "active_seconds": assessment.active_seconds,
        "profile": dict(assessment.profile) if assessment.profile is not None else None,
    }
    if assessment.ratings:  # only where people rated: earlier snapshots keep their fingerprint
        people = {person: n for n, person in enumerate(dict.fromkeys(r.person for r in assessment.ratings), start=1)}
        data["ratings"] = [[r.question_id, people[r.person], r.rater, r.value] for r in assessment.ratings]
    return data


def assessment_from_data(data: Mapping[str, Any], lookup: QuestionnaireLookup) -> AssessmentFacts:
    scope, roles = data["scope"], data["scope"]["partner_roles"]
    return AssessmentFacts(
        id=data["id"],
        direction=data["direction"],
        questionnaire=lookup(data["questionnaire"]),
        questionnaire_key=data["questionnaire"],
        scope=Scope(scope["tier"], scope["partnership_type"], frozenset(roles) if roles is not None else None),
        stage=Stage(**data["stage"]),
        answers={
            question_id: AnswerInput(value, not_applicable, evidence)
            for question_id, (value, not_applicable, evidence) in data["answers"].items()
        },
        views={
            question_id: AnswerView(**{**view, "files": tuple(view["files"])})
            for question_id, view in data["views"].items()
        },
        facts=ReportFacts(**{**data["facts"], "roles": tuple(data["facts"]["roles"])}),
        partnered=data["partnered"],
        action_items=tuple(
            ActionItemFacts(**{**item, "due_on": dt.date.fromisoformat(item["due_on"]) if item["due_on"] else None})
            for item in data["action_items"]
        ),
        active_seconds=data["active_seconds"],
        profile=data["profile"],
        ratings=tuple(Rating(*row) for row in data.get("ratings", ())),
    )
