"""Read the portfolio's facts at scale: every partner's latest self-assessment, in a fixed number of set-based
queries (no query per partner, no ORM object per answer). The burden ledger's are read by `ledger_facts`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from functools import lru_cache
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager, defer, joinedload, selectinload

from ..core.definitions import Questionnaire, Scope
from ..core.evidence import effective_level
from ..core.facts import (
    AssessmentFacts,
    PortfolioFacts,
)
from ..core.scoring import AnswerInput, Stage
from . import report_facts
from .models import (
    Answer,
    Assessment,
    AssessmentRevision,
    Organisation,
    Partnership,
    QuestionnaireVersion,
    SectionTime,
)
from .operations import questionnaire_of
from .queries import scope_of
from .report_facts import assessment_facts, disclosure_facts, documents_of, host_name, report_facts_of


def _latest_self_assessments_query(where: tuple = (), columns: tuple = (Assessment,)) -> sa.Select:
    """Each partner's latest self-assessment (by creation, then id): one no later one of the same partner exists.
    Said as NOT EXISTS, a page of partners in name order reads only its own rows (a window over every assessment
    would rank them all first)."""
    later = sa.orm.aliased(Assessment)
    newer = sa.or_(
        later.created_at > Assessment.created_at,
        sa.and_(later.created_at == Assessment.created_at, later.id > Assessment.id),
    )
    has_later = sa.exists().where(
        later.subject_id == Assessment.subject_id, later.direction == "partner_self", newer
    )
    return (
        sa.select(*columns)
        .select_from(Assessment)
        .join(Organisation, Assessment.subject_id == Organisation.id)
        .where(Assessment.direction == "partner_self", ~has_later, *where)
    )


def count_latest_self_assessments(session: Session, where: tuple = ()) -> int:
    """How many partners `latest_self_assessments` lists with the same conditions."""
    return session.scalar(sa.select(sa.func.count()).select_from(_latest_self_assessments_query(where).subquery()))


def latest_self_assessments(
    session: Session, *, where: tuple = (), order_by: tuple = (), limit: int | None = None, offset: int = 0
) -> list[Assessment]:
    """Each partner's latest self-assessment, by partner name (or `order_by`, on Assessment and Organisation
    columns; `where` filters, `limit`/`offset` take one page), with what its facts are read from (a fixed number
    of queries, whatever the number of partners)."""
    return list(
        session.scalars(
            _latest_self_assessments_query(where)
            .order_by(*order_by, Organisation.name, Assessment.id)
            .limit(limit)
            .offset(offset)
            .options(
                contains_eager(Assessment.subject),
                joinedload(Assessment.partnership),
                selectinload(Assessment.questionnaire_version),
                selectinload(Assessment.answers),
                selectinload(Assessment.action_items),
            )
        ).all()
    )


class _Partnership(NamedTuple):
    title: str
    type: str
    roles: tuple[str, ...]
    tier: str | None


class _Request(NamedTuple):
    """A partner's latest self-assessment as the portfolio reads it (what `scope_of` reads, and who it is about)."""

    id: int
    direction: str
    tier: str | None
    status: str
    version_id: int
    revision: int
    name: str
    country: str | None
    staff_size: int | None
    founded_year: int | None
    seconds: int | None
    partnership: _Partnership | None


_REQUEST_COLUMNS = (
    Assessment.id,
    Assessment.direction,
    Assessment.tier,
    Assessment.status,
    Assessment.questionnaire_version_id,
    sa.func.coalesce(AssessmentRevision.revision, 0),
    Organisation.name,
    Organisation.country,
    Organisation.staff_size,
    Organisation.founded_year,
    Partnership.id.label("partnership_id"),
    Partnership.title,
    Partnership.type,
    sa.cast(Partnership.roles, sa.Text),  # decoded once per distinct list (`_roles`)
    Partnership.tier.label("partnership_tier"),
)


def portfolio_facts(session: Session, *, scores: Any = None, **page) -> PortfolioFacts:
    """The portfolio's facts; `page` (where, order_by, limit, offset) as `latest_self_assessments` takes them.

    Read as plain rows in a fixed number of queries, with no ORM object per answer: who each assessment is about,
    its scope, stage and revision, its answers as scoring reads them (the evidence level as it stands today,
    `effective_level` over the documents' expiry dates) and time spent. With `scores`
    (ddq.reporting.overview.PortfolioScores), the answers of an assessment whose figures are kept for the same
    inputs are not read: its figures come in `known`. The answers' report views, ratings and action items are not
    read: a report reads those through `assessment_facts`."""
    host = host_name(session)
    made_on = report_facts.today()
    spent = sa.select(sa.func.sum(SectionTime.active_seconds)).where(SectionTime.assessment_id == Assessment.id)
    every = page.get("limit") is None  # every partner: no thousands of ids as parameters
    columns = (*_REQUEST_COLUMNS, spent.scalar_subquery())
    query = (
        _latest_self_assessments_query(page.get("where", ()), columns)
        .outerjoin(Partnership, Assessment.partnership_id == Partnership.id)
        .outerjoin(AssessmentRevision, AssessmentRevision.assessment_id == Assessment.id)
    )
    order = (*page.get("order_by", ()), Organisation.name, Assessment.id)
    if not every:  # the page's ids first: rows skipped by the offset are never joined nor counted
        ids = (
            _latest_self_assessments_query(page.get("where", ()), (Assessment.id,))
            .order_by(*order)
            .limit(page.get("limit"))
            .offset(page.get("offset", 0))
            .subquery()
        )
        query = query.join(ids, ids.c.id == Assessment.id)
    query = query.order_by(*order)
    chosen = [
        _Request(*row[:10], row[15], _Partnership(row[11], row[12], _roles(row[13]), row[14]) if row[10] else None)
        for row in session.connection().execute(query)  # plain rows: no ORM work per row
    ]
    versions = {
        version.id: version
        for version in session.scalars(
            sa.select(QuestionnaireVersion)
            .where(QuestionnaireVersion.id.in_({request.version_id for request in chosen}))
            .options(defer(QuestionnaireVersion.definition))  # read only if this process has not rebuilt it yet
        )
    }
    disclosure = disclosure_facts(session)
    scopes: dict[Scope, Scope] = {}  # one object per distinct scope: later look-ups by scope compare by identity
    questionnaires = {key: (questionnaire_of(version), version.sha256) for key, version in versions.items()}
    facts = [_request_facts(request, questionnaires[request.version_id], made_on, host, scopes) for request in chosen]
    known = scores.lookup(facts, disclosure, made_on) if scores is not None else {}
    unread = [fact.id for fact in facts if fact.id not in known]
    if unread:
        answers, soonest = _answer_inputs(session, page.get("where", ()) if every and not known else unread, made_on)
        facts = [fact if fact.id in known else _with_answers(fact, answers, soonest) for fact in facts]
    return PortfolioFacts(tuple(facts), disclosure, host, known)


@lru_cache(maxsize=256)
def _roles(text: str | None) -> tuple[str, ...]:
    """A partnership's roles from their JSON text (a few distinct lists among thousands of partnerships)."""
    return tuple(json.loads(text)) if text else ()


def _with_answers(
    fact: AssessmentFacts, answers: dict[int, dict[str, AnswerInput]], soonest: dict[int, dt.date]
) -> AssessmentFacts:
    return replace(fact, answers=answers.get(fact.id, {}), fresh_until=soonest.get(fact.id))


def _request_facts(
    request: _Request,
    questionnaire: tuple[Questionnaire, str],
    made_on: dt.date,
    host: str,
    scopes: dict[Scope, Scope],
) -> AssessmentFacts:
    """A request of the portfolio as facts, its answers not read yet."""
    partnership, scope = request.partnership, scope_of(request)
    return AssessmentFacts(
        id=request.id,
        direction=request.direction,
        questionnaire=questionnaire[0],
        questionnaire_key=questionnaire[1],
        scope=scopes.setdefault(scope, scope),
        stage=Stage(request.staff_size, request.founded_year, made_on.year),
        answers={},
        views={},
        facts=report_facts_of(request, partnership, request, made_on, host),
        partnered=partnership is not None,
        active_seconds=int(request.seconds or 0),
        revision=request.revision,
    )


def _answer_inputs(
    session: Session, among: tuple | list[int], made_on: dt.date
) -> tuple[dict[int, dict[str, AnswerInput]], dict[int, dt.date]]:
    """The answers of some latest self-assessments as scoring reads them, by assessment id, and the day each one's
    first document still valid on `made_on` expires (after it, an evidence level may drop): `among` is either the
    portfolio's conditions (every partner's, no thousands of ids as parameters) or a list of assessment ids."""
    _, expiries = documents_of(session, among if isinstance(among, list) else None)
    answers: dict[int, dict[str, AnswerInput]] = {}
    soonest: dict[int, dt.date] = {}
    shared: dict[tuple, AnswerInput] = {}  # inputs are immutable: one per distinct (value, N/A, level) of a scalar
    answered = _answers_of(session)
    query = (
        sa.select(Assessment.id, answered).where(Assessment.id.in_(among))
        if isinstance(among, list)
        else _latest_self_assessments_query(among, (Assessment.id, answered))
    )
    for assessment_id, rows in session.execute(query):
        found = answers[assessment_id] = {}
        if rows is None:
            continue
        for answer_id, question_id, value, not_applicable, level in json.loads(rows):
            if answer_id in expiries:  # without documents, the recorded level stands
                level = effective_level(level, expiries[answer_id], made_on)
                ahead = [day for day in expiries[answer_id] if day is not None and day >= made_on]
                if ahead and (assessment_id not in soonest or min(ahead) < soonest[assessment_id]):
                    soonest[assessment_id] = min(ahead)
            if isinstance(value, list | dict):
                found[question_id] = AnswerInput(value, bool(not_applicable), level)
                continue
            key = (type(value), value, not_applicable, level)
            given = shared.get(key)
            if given is None:
                given = shared[key] = AnswerInput(value, bool(not_applicable), level)
            found[question_id] = given
    return answers, soonest


def _answers_of(session: Session) -> sa.ScalarSelect:
    """An assessment's answers (id, question id, value, N/A, recorded evidence level) as a JSON array of arrays, a
    subquery of the assessment's row: the values are decoded in one call per assessment rather than one per answer,
    and the answers are read through their index, assessment by assessment."""
    columns = (Answer.id, Answer.question_id, Answer.value, Answer.not_applicable, Answer.evidence_level)
    if session.get_bind().dialect.name == "postgresql":
        rows = sa.cast(sa.func.json_agg(sa.func.json_build_array(*columns)), sa.Text)
    else:  # SQLite keeps JSON as text: json() reads it as JSON again
        rows = sa.func.json_group_array(sa.func.json_array(*columns[:2], sa.func.json(Answer.value), *columns[3:]))
    return sa.select(rows).where(Answer.assessment_id == Assessment.id).scalar_subquery()


def latest_self_assessment_facts(session: Session, organisation_id: int) -> AssessmentFacts | None:
    """The latest request the institute made of one partner, as facts."""
    latest = session.scalar(
        sa.select(Assessment)
        .where(Assessment.subject_id == organisation_id, Assessment.direction == "partner_self")
        .order_by(Assessment.id.desc())
        .limit(1)
    )
    return assessment_facts(session, latest) if latest is not None else None


def active_seconds(session: Session, assessment_ids: list[int] | None = None) -> dict[int, int]:
    """Seconds spent answering, per assessment (every one, or those of `assessment_ids`)."""
    query = sa.select(SectionTime.assessment_id, sa.func.sum(SectionTime.active_seconds)).group_by(
        SectionTime.assessment_id
    )
    return dict(session.execute(_among(query, SectionTime.assessment_id, assessment_ids)).all())


def _among(query: sa.Select, column: sa.ColumnElement, ids: list[int] | None) -> sa.Select:
    return query if ids is None else query.where(column.in_(ids))
