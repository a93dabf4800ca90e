"""Read the burden ledger's facts: every partner request as the ledger counts it (estimate, time spent, what was
carried over, documents, repeat asks, decision time, funding and its currency), in a fixed number of set-based
queries that return plain rows (no ORM object per request or answer), the database adding up what it can.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased, defer

from ..core.definitions import Questionnaire, Scope
from ..core.ledger import Estimates, RequestFacts
from .models import Answer, Assessment, EvidenceFile, Organisation, Partnership, QuestionnaireVersion
from .operations import questionnaire_of
from .passport import DEFAULT_VALIDITY_MONTHS, _aware
from .staff_facts import _among, active_seconds

#: Between the carried-over question ids of one assessment, as the database joins them (ids have no spaces).
_SEPARATOR = " "


def ledger_requests(
    session: Session, *, partner_id: int | None = None, partner_ids: list[int] | None = None
) -> list[RequestFacts]:
    """Every partner request (or one partner's, or those of `partner_ids`) as the burden ledger counts it, in a
    fixed number of queries."""
    def chosen_by(assessment) -> list[sa.ColumnElement[bool]]:
        """The requests asked about, of `assessment` (the entity or an alias of it)."""
        conditions = [assessment.direction == "partner_self"]
        if partner_id is not None:
            conditions.append(assessment.subject_id == partner_id)
        if partner_ids is not None:
            conditions.append(assessment.subject_id.in_(partner_ids))
        return conditions

    # each request's share of its partnership's funding: the partnership's requests, counted for those read only
    theirs = aliased(Assessment)
    shares = sa.select(Assessment.partnership_id, sa.func.count().label("requests")).where(
        Assessment.direction == "partner_self"
    )
    if partner_id is not None or partner_ids is not None:
        shares = shares.where(Assessment.partnership_id.in_(sa.select(theirs.partnership_id).where(*chosen_by(theirs))))
    shares = shares.group_by(Assessment.partnership_id).subquery()
    query = (
        sa.select(
            Assessment.id,
            Organisation.name,
            Assessment.questionnaire_version_id,
            Assessment.created_at,
            Assessment.sent_at,
            Assessment.accepted_at,
            Assessment.burden_rating,
            Assessment.tier,
            Partnership.id,
            Partnership.tier,
            Partnership.type,
            # as text, decoded once per distinct list below (a JSON decoder per row costs more than the rest)
            sa.cast(Partnership.roles, sa.Text),
            Partnership.amount_transferred,
            Partnership.currency,
            shares.c.requests,
        )
        .join(Organisation, Organisation.id == Assessment.subject_id)
        .outerjoin(Partnership, Partnership.id == Assessment.partnership_id)
        .outerjoin(shares, shares.c.partnership_id == Assessment.partnership_id)
        .where(*chosen_by(Assessment))
        .order_by(Assessment.id)
    )
    rows = _rows(session, query)
    everyone = partner_id is None and partner_ids is None
    chosen = None if everyone else [row[0] for row in rows]
    seconds = active_seconds(session, chosen)
    carried, confirmed = _carried(session, chosen)
    documents = _documents(session, chosen)
    earlier = _repeat_rows(session, chosen)
    questionnaires = _questionnaires(session, {row[2] for row in rows} | {row[4] for row in earlier})
    repeats = _repeats(earlier, questionnaires)
    estimates = Estimates()
    scopes: dict[tuple, Scope] = {}
    facts = []
    for (
        assessment_id,
        partner,
        version_id,
        created_at,
        sent_at,
        accepted_at,
        rating,
        tier,
        partnership,
        partnership_tier,
        kind,
        roles,
        amount,
        currency,
        requests,
    ) in rows:
        questionnaire = questionnaires[version_id]
        # as `queries.scope_of`: a request without a partnership was chosen for everything
        scope_key = (partnership is None, tier or partnership_tier, kind, roles)
        scope = scopes.get(scope_key)
        if scope is None:
            scope = scopes[scope_key] = (
                Scope() if partnership is None else Scope(scope_key[1], kind, frozenset(json.loads(roles or "[]")))
            )
        kept = carried.get(assessment_id, frozenset())
        items, minutes = estimates.of(version_id, questionnaire, scope, kept)
        facts.append(
            RequestFacts(
                partner=partner,
                assessment_id=assessment_id,
                questionnaire=questionnaire.id,
                created_on=created_at.date(),
                estimated_minutes=minutes,
                actual_seconds=int(seconds.get(assessment_id, 0)),
                items_asked=items,
                prefilled=len(kept),
                reused=confirmed[assessment_id],
                documents_new=documents[assessment_id, False],
                documents_reused=documents[assessment_id, True],
                repeat_asks=repeats[assessment_id],
                burden_rating=rating,
                days_to_decision=(accepted_at - sent_at).days if accepted_at and sent_at else None,
                funding=float(amount or 0) / requests if requests else 0.0,
                mandated_by=questionnaire.mandated_by,
                currency=(currency.strip().upper() or None) if currency else None,
            )
        )
    return facts


def _rows(session: Session, query: sa.Select) -> Sequence[sa.Row]:
    """The rows of a select of plain columns, run on the session's connection: as the session would run it, less
    the ORM's handling of each row (which costs a third of the time at thousands of rows)."""
    if session.autoflush:
        session.flush()
    return session.connection().execute(query).all()


def _carried(session: Session, chosen: list[int] | None) -> tuple[dict[int, frozenset[str]], Counter[int]]:
    """Per assessment, the questions whose answers were carried over, and how many of those were confirmed: one row
    per assessment, the database joining the ids."""
    query = (
        sa.select(
            Answer.assessment_id,
            sa.func.aggregate_strings(Answer.question_id, _SEPARATOR),
            sa.func.count(Answer.confirmed_at),
        )
        .where(Answer.reused_from_id.is_not(None))
        .group_by(Answer.assessment_id)
    )
    carried: dict[int, frozenset[str]] = {}
    confirmed: Counter[int] = Counter()
    for assessment_id, question_ids, number in _rows(session, _among(query, Answer.assessment_id, chosen)):
        carried[assessment_id] = frozenset(question_ids.split(_SEPARATOR))
        confirmed[assessment_id] = number
    return carried, confirmed


def _documents(session: Session, chosen: list[int] | None) -> Counter[tuple[int, bool]]:
    """Documents per assessment, new and carried over."""
    is_reused = Answer.reused_from_id.is_not(None)
    query = (
        sa.select(Answer.assessment_id, is_reused, sa.func.count(EvidenceFile.id))
        .join(EvidenceFile, EvidenceFile.answer_id == Answer.id)
        .group_by(Answer.assessment_id, is_reused)
    )
    documents: Counter[tuple[int, bool]] = Counter()
    for assessment_id, reused, number in _rows(session, _among(query, Answer.assessment_id, chosen)):
        documents[assessment_id, bool(reused)] += number
    return documents


def _questionnaires(session: Session, version_ids: Iterable[int]) -> dict[int, Questionnaire]:
    """The questionnaires of these versions; a version's stored definition is read only the first time this
    process meets it (`questionnaire_of` keeps each one by its sha256)."""
    versions = session.scalars(
        sa.select(QuestionnaireVersion)
        .where(QuestionnaireVersion.id.in_(set(version_ids)))
        .options(defer(QuestionnaireVersion.definition))
    )
    return {version.id: questionnaire_of(version) for version in versions}


def repeat_asks_of(session: Session, assessment_ids: list[int] | None = None) -> Counter[int]:
    """`passport.repeat_asks` for every partner self-assessment (or those given) in one query: bank questions
    asked afresh although the partner had given a valid answer before the request was made."""
    rows = _repeat_rows(session, assessment_ids)
    return _repeats(rows, _questionnaires(session, {row[4] for row in rows}))


def _repeat_rows(session: Session, assessment_ids: list[int] | None) -> Sequence[sa.Row]:
    """Each bank question a partner self-assessment asked afresh, beside each answer the partner had given it in
    another assessment before the request was made (whether still valid is for `_repeats` to say)."""
    asked, asking = aliased(Answer), aliased(Assessment)
    earlier, earlier_assessment = aliased(Answer), aliased(Assessment)
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
    return _rows(session, _among(query, asking.id, assessment_ids))


def _repeats(rows: Sequence[sa.Row], questionnaires: dict[int, Questionnaire]) -> Counter[int]:
    """Repeat asks per assessment: the bank questions of `_repeat_rows` whose earlier answer was still valid."""
    valid_for = {
        version_id: {
            question.id: dt.timedelta(days=30.44 * (question.validity_months or DEFAULT_VALIDITY_MONTHS))
            for question in questionnaire.questions
        }
        for version_id, questionnaire in questionnaires.items()
    }
    found: set[tuple[int, str]] = set()
    for assessment_id, created, bank_id, question_id, version_id, answered_at, confirmed_at in rows:
        validity = valid_for[version_id].get(question_id) if version_id in valid_for else None
        if validity is None or (assessment_id, bank_id) in found:
            continue
        # validity runs from the last answer or confirmation (`passport.valid_until`)
        since = answered_at if confirmed_at is None or confirmed_at <= answered_at else confirmed_at
        if _aware(since) + validity >= _aware(created):
            found.add((assessment_id, bank_id))
    return Counter(assessment_id for assessment_id, _ in found)
