"""Read the facts of the staff lists at scale: every partner's latest self-assessment for the portfolio, and the
burden ledger's requests, in a fixed number of set-based queries (no query per partner, no ORM object per answer).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

from ..core.burden import estimate
from ..core.evidence import effective_level
from ..core.facts import (
    AssessmentFacts,
    PortfolioFacts,
    ReportFacts,
)
from ..core.ledger import RequestFacts
from ..core.scoring import AnswerInput, Stage
from . import report_facts
from .models import Answer, Assessment, EvidenceFile, Organisation, Partnership, QuestionnaireVersion, SectionTime
from .operations import questionnaire_of
from .passport import DEFAULT_VALIDITY_MONTHS, _aware
from .queries import scope_of
from .ratings import ratings_of
from .report_facts import assessment_facts, disclosure_facts, documents_of, host_name


def _latest_self_assessments_query(where: tuple = (), columns: tuple = (Assessment,)) -> sa.Select:
    rank = (
        sa.func.row_number()
        .over(partition_by=Assessment.subject_id, order_by=(Assessment.created_at.desc(), Assessment.id.desc()))
        .label("rank")
    )
    ranked = sa.select(Assessment.id, rank).where(Assessment.direction == "partner_self").subquery()
    return (
        sa.select(*columns)
        .select_from(Assessment)
        .join(ranked, sa.and_(ranked.c.id == Assessment.id, ranked.c.rank == 1))
        .join(Organisation, Assessment.subject_id == Organisation.id)
        .where(*where)
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
    roles: list[str]
    tier: str | None


class _Request(NamedTuple):
    """A partner's latest self-assessment as the portfolio reads it (what `scope_of` reads, and who it is about)."""

    id: int
    direction: str
    tier: str | None
    status: str
    version_id: int
    name: str
    country: str | None
    staff_size: int | None
    founded_year: int | None
    partnership: _Partnership | None


_REQUEST_COLUMNS = (
    Assessment.id,
    Assessment.direction,
    Assessment.tier,
    Assessment.status,
    Assessment.questionnaire_version_id,
    Organisation.name,
    Organisation.country,
    Organisation.staff_size,
    Organisation.founded_year,
    Partnership.id.label("partnership_id"),
    Partnership.title,
    Partnership.type,
    Partnership.roles,
    Partnership.tier.label("partnership_tier"),
)


def portfolio_facts(session: Session, **page) -> PortfolioFacts:
    """The portfolio's facts; `page` (where, order_by, limit, offset) as `latest_self_assessments` takes them.

    Read as plain rows in a fixed number of queries, with no ORM object per answer: who each assessment is about,
    its scope and stage, its answers as scoring reads them (the evidence level as it stands today, `effective_level`
    over the documents' expiry dates), time spent and ratings. The answers' report views and the action items are
    not read: a report reads those through `assessment_facts`."""
    host = host_name(session)
    query = _latest_self_assessments_query(page.get("where", ()), _REQUEST_COLUMNS).outerjoin(
        Partnership, Assessment.partnership_id == Partnership.id
    )
    query = (
        query.order_by(*page.get("order_by", ()), Organisation.name, Assessment.id)
        .limit(page.get("limit"))
        .offset(page.get("offset", 0))
    )
    chosen = [
        _Request(*row[:9], _Partnership(*row[10:]) if row[9] is not None else None)
        for row in session.execute(query)
    ]
    ids = [request.id for request in chosen]
    every = page.get("limit") is None  # every partner: no thousands of ids as parameters
    versions = {
        version.id: version
        for version in session.scalars(
            sa.select(QuestionnaireVersion).where(
                QuestionnaireVersion.id.in_({request.version_id for request in chosen})
            )
        )
    }
    seconds = active_seconds(session, None if every else ids)
    _, expiries = documents_of(session, None if every else ids)
    ratings = ratings_of(session, ids) if ids else {}
    made_on = report_facts.today()
    answers: dict[int, dict[str, AnswerInput]] = {assessment_id: {} for assessment_id in ids}
    shared: dict[tuple, AnswerInput] = {}  # inputs are immutable: one per distinct (value, N/A, level) of a scalar
    answered = _answers_of(session)
    query = (
        _latest_self_assessments_query(page.get("where", ()), (Assessment.id, answered))
        if every
        else sa.select(Assessment.id, answered).where(Assessment.id.in_(ids))
    )
    for assessment_id, rows in session.execute(query):
        if rows is None:
            continue
        found = answers[assessment_id]
        for answer_id, question_id, value, not_applicable, level in json.loads(rows):
            if answer_id in expiries:  # without documents, the recorded level stands
                level = effective_level(level, expiries[answer_id], made_on)
            if isinstance(value, list | dict):
                found[question_id] = AnswerInput(value, bool(not_applicable), level)
                continue
            key = (type(value), value, not_applicable, level)
            given = shared.get(key)
            if given is None:
                given = shared[key] = AnswerInput(value, bool(not_applicable), level)
            found[question_id] = given
    facts = []
    for request in chosen:
        version, partnership = versions[request.version_id], request.partnership
        facts.append(
            AssessmentFacts(
                id=request.id,
                direction=request.direction,
                questionnaire=questionnaire_of(version),
                questionnaire_key=version.sha256,
                scope=scope_of(request),
                stage=Stage(request.staff_size, request.founded_year, made_on.year),
                answers=answers[request.id],
                views={},
                facts=ReportFacts(
                    organisation=request.name,
                    country=request.country,
                    staff_size=request.staff_size,
                    founded_year=request.founded_year,
                    partnership=partnership.title if partnership else None,
                    partnership_type=partnership.type if partnership else None,
                    roles=tuple(partnership.roles) if partnership else (),
                    tier=request.tier,
                    status=request.status,
                    generated_on=made_on.isoformat(),
                    host=host,
                ),
                partnered=partnership is not None,
                active_seconds=int(seconds.get(request.id, 0) or 0),
                ratings=ratings.get(request.id, ()),
            )
        )
    return PortfolioFacts(tuple(facts), disclosure_facts(session), host)


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


def ledger_requests(
    session: Session, *, partner_id: int | None = None, partner_ids: list[int] | None = None
) -> list[RequestFacts]:
    """Every partner request (or one partner's, or those of `partner_ids`) as the burden ledger counts it, in a
    fixed number of queries."""
    query = (
        sa.select(Assessment)
        .where(Assessment.direction == "partner_self")
        .order_by(Assessment.id)
        .options(
            joinedload(Assessment.subject),
            joinedload(Assessment.partnership),
            selectinload(Assessment.questionnaire_version),
        )
    )
    if partner_id is not None:
        query = query.where(Assessment.subject_id == partner_id)
    if partner_ids is not None:
        query = query.where(Assessment.subject_id.in_(partner_ids))
    assessments = session.scalars(query).all()
    everyone = partner_id is None and partner_ids is None
    chosen = None if everyone else [assessment.id for assessment in assessments]
    seconds = active_seconds(session, chosen)
    carried: dict[int, set[str]] = {}
    confirmed: Counter[int] = Counter()
    answers = sa.select(Answer.assessment_id, Answer.question_id, Answer.confirmed_at.is_not(None)).where(
        Answer.reused_from_id.is_not(None)
    )
    for assessment_id, question_id, is_confirmed in session.execute(_among(answers, Answer.assessment_id, chosen)):
        carried.setdefault(assessment_id, set()).add(question_id)
        confirmed[assessment_id] += bool(is_confirmed)
    documents: Counter[tuple[int, bool]] = Counter()
    counted = (
        sa.select(Answer.assessment_id, Answer.reused_from_id.is_not(None), sa.func.count(EvidenceFile.id))
        .join(EvidenceFile, EvidenceFile.answer_id == Answer.id)
        .group_by(Answer.assessment_id, Answer.reused_from_id.is_not(None))
    )
    for assessment_id, is_reused, number in session.execute(_among(counted, Answer.assessment_id, chosen)):
        documents[assessment_id, bool(is_reused)] += number
    repeats = repeat_asks_of(session, chosen)
    per_partnership = Counter(
        dict(
            session.execute(
                sa.select(Assessment.partnership_id, sa.func.count())
                .where(Assessment.direction == "partner_self")
                .group_by(Assessment.partnership_id)
            ).all()
        )
    )
    estimates: dict[tuple, object] = {}
    facts = []
    for assessment in assessments:
        questionnaire = questionnaire_of(assessment.questionnaire_version)
        scope = scope_of(assessment)
        kept = frozenset(carried.get(assessment.id, ()))
        key = (assessment.questionnaire_version.sha256, scope, kept)
        burden = estimates.get(key)
        if burden is None:
            burden = estimates[key] = estimate(questionnaire, scope, set(kept))
        decided = None
        if assessment.accepted_at and assessment.sent_at:
            decided = (assessment.accepted_at - assessment.sent_at).days
        amount = float(assessment.partnership.amount_transferred or 0) / per_partnership[assessment.partnership_id]
        facts.append(
            RequestFacts(
                partner=assessment.subject.name,
                assessment_id=assessment.id,
                questionnaire=questionnaire.id,
                created_on=assessment.created_at.date(),
                estimated_minutes=burden.minutes_high,
                actual_seconds=int(seconds.get(assessment.id, 0)),
                items_asked=burden.items,
                prefilled=len(kept),
                reused=confirmed[assessment.id],
                documents_new=documents[assessment.id, False],
                documents_reused=documents[assessment.id, True],
                repeat_asks=repeats[assessment.id],
                burden_rating=assessment.burden_rating,
                days_to_decision=decided,
                funding=amount,
                mandated_by=questionnaire.mandated_by,
            )
        )
    return facts


def _among(query: sa.Select, column: sa.ColumnElement, ids: list[int] | None) -> sa.Select:
    return query if ids is None else query.where(column.in_(ids))


def repeat_asks_of(session: Session, assessment_ids: list[int] | None = None) -> Counter[int]:
    """`passport.repeat_asks` for every partner self-assessment (or those given) in one query: bank questions
    asked afresh although the partner had given a valid answer before the request was made."""
    asked, asking = sa.orm.aliased(Answer), sa.orm.aliased(Assessment)
    earlier, earlier_assessment = sa.orm.aliased(Answer), sa.orm.aliased(Assessment)
    query = (
        sa.select(
            asking.id,
            asking.created_at,
            asked.bank_id,
            earlier.question_id,
            earlier_assessment.questionnaire_version_id,
            earlier.answered_at,
            earlier.confirmed_at,
        )
        .select_from(asked)
        .join(asking, asked.assessment_id == asking.id)
        .join(
            earlier_assessment,
            sa.and_(earlier_assessment.respondent_id == asking.respondent_id, earlier_assessment.id != asking.id),
        )
        .join(earlier, sa.and_(earlier.assessment_id == earlier_assessment.id, earlier.bank_id == asked.bank_id))
        .where(
            asking.direction == "partner_self",
            asked.bank_id.is_not(None),
            asked.reused_from_id.is_(None),
            earlier.value.is_not(None),
            earlier.draft.is_(None),
            earlier.answered_at < asking.created_at,
        )
    )
    rows = session.execute(_among(query, asking.id, assessment_ids)).all()
    versions = {
        version.id: {question.id: question for question in questionnaire_of(version).questions}
        for version in session.scalars(
            sa.select(QuestionnaireVersion).where(QuestionnaireVersion.id.in_({row[4] for row in rows}))
        )
    }
    found: set[tuple[int, str]] = set()
    for assessment_id, created, bank_id, question_id, version_id, answered_at, confirmed_at in rows:
        question = versions[version_id].get(question_id) if version_id in versions else None
        if question is None or (assessment_id, bank_id) in found:
            continue
        since = max(_aware(moment) for moment in (answered_at, confirmed_at) if moment is not None)
        if since + dt.timedelta(days=30.44 * (question.validity_months or DEFAULT_VALIDITY_MONTHS)) >= _aware(created):
            found.add((assessment_id, bank_id))
    return Counter(assessment_id for assessment_id, _ in found)
