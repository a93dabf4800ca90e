"""The facts reports are made of, as the store reads them: plain frozen dataclasses, never an ORM object."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .definitions import Questionnaire, Scope
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


@dataclass(frozen=True)
class CapacityFacts:
    """A capacity report's facts: the assessment and, for a partner's, the institute's published disclosure."""

    assessment: AssessmentFacts
    disclosure: AssessmentFacts | None = None


@dataclass(frozen=True)
class ReciprocalFacts:
    """Both sides of a partnership, and partners' feedback about the institute."""

    assessment: AssessmentFacts
    disclosure: AssessmentFacts | None
    feedback: FeedbackFacts


@dataclass(frozen=True)
class PortfolioFacts:
    """Every partner's latest self-assessment, in partner order, and the institute's published disclosure."""

    assessments: tuple[AssessmentFacts, ...]
    disclosure: AssessmentFacts | None
    host: str
