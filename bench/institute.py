"""A generated institute of many partners, written through bulk inserts (one executemany per table and batch).

Each partner has a respondent, one partnership and one or two submitted standard-tier self-assessments (the second
carries the first one's bank answers over, most of them confirmed), a few documents and measured time; every
fourth partner has sent feedback about the institute, and the institute has an accepted disclosure. The benchmark
and the statement-count tests build their institutes here.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ddq.core.definitions import Library, Scope
from ddq.core.questions import type_of
from ddq.store import operations as ops
from ddq.store.models import (
    Answer,
    Assessment,
    EvidenceFile,
    Organisation,
    Partnership,
    SectionTime,
    User,
)

COUNTRIES = ("KE", "SN", "BR", "PE", "IN", "VN", "ZA", "GH", "CO", "BD", "FR", "MX")
TYPES = ("project", "thematic", "capacity_development", "institutional", "funding")
BATCH = 5_000


def _next_ids(session: Session, model: Any) -> int:
    return (session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


def _insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(sa.insert(model), rows[start : start + BATCH])


def _fix_sequences(session: Session, models: Iterable[Any]) -> None:
    """Explicit ids leave PostgreSQL's sequences behind; move them past the largest id."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for model in models:
        table = model.__tablename__
        highest = sa.select(sa.func.coalesce(sa.func.max(model.id), 1)).scalar_subquery()
        session.execute(sa.select(sa.func.setval(sa.func.pg_get_serial_sequence(table, "id"), highest)))


def generate(session: Session, library: Library, partners: int, *, seed: int = 1, password_hash: str = "") -> dict:
    """Add `partners` partners to the database (which may be empty); return the ids the benchmark uses."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    host = ops.host_organisation(session) or ops.create_organisation(session, "Generated Institute", kind="host")
    staff = session.scalar(sa.select(User).where(User.organisation_id == host.id, User.role == "admin"))
    if staff is None:
        staff = ops.create_user(session, "staff@institute.example.org", "Staff", "admin", host)
        staff.password_hash = password_hash or None
    capacity = library.questionnaire("partner-capacity")
    disclosure_q = library.questionnaire("host-disclosure")
    feedback_q = library.questionnaire("partner-feedback")
    versions = {q.id: ops.record_questionnaire_version(session, q) for q in (capacity, disclosure_q, feedback_q)}
    session.flush()

    org_id, user_id, partnership_id = (_next_ids(session, m) for m in (Organisation, User, Partnership))
    assessment_id, answer_id, file_id = (_next_ids(session, m) for m in (Assessment, Answer, EvidenceFile))
    time_id = _next_ids(session, SectionTime)
    orgs, users, partnerships, assessments, answers, files, times = [], [], [], [], [], [], []

    def add_answers(assessment: int, questions, level: float, when: dt.datetime, by: int, org: int, source=None):
        nonlocal answer_id, file_id
        made = {}
        for question in questions:
            reused = source.get(question.bank) if source is not None and question.bank else None
            if reused is not None and rng.random() < 0.1:
                reused = None  # asked afresh although a valid answer existed: a repeat ask
            if reused is not None:
                value, answered, reused_from = reused[1], reused[2], reused[0]
                confirmed = when + dt.timedelta(days=1) if rng.random() < 0.8 else None
            else:
                value = type_of(question).sample(question, min(4.0, max(1.0, rng.gauss(level, 0.7))), rng)
                answered, reused_from, confirmed = when + dt.timedelta(hours=rng.randint(1, 300)), None, None
            answers.append(
                {
                    "id": answer_id,
                    "assessment_id": assessment,
                    "question_id": question.id,
                    "bank_id": question.bank,
                    "value": value,
                    "evidence_level": rng.randint(0, 3),
                    "answered_by_id": by,
                    "answered_at": answered,
                    "active_seconds": rng.randint(20, 400),
                    "reused_from_id": reused_from,
                    "confirmed_at": confirmed,
                }
            )
            if question.bank:
                made[question.bank] = (answer_id, value, answered)
            if rng.random() < 0.05:
                files.append(
                    {
                        "id": file_id,
                        "organisation_id": org,
                        "answer_id": answer_id,
                        "original_name": f"policy-{file_id}.pdf",
                        "stored_name": f"generated-{file_id:012d}",
                        "content_type": "application/pdf",
                        "size_bytes": 1000,
                        "sha256": "0" * 64,
                        "uploaded_by_id": by,
                        "uploaded_at": answered,
                        "expires_on": (now + dt.timedelta(days=rng.randint(-200, 700))).date(),
                    }
                )
                file_id += 1
            answer_id += 1
        return made

    first_partner = org_id
    offset = session.scalar(sa.select(sa.func.count()).where(Organisation.kind == "partner")) or 0
    for number in range(offset, offset + partners):
        org, user, partnership = org_id, user_id, partnership_id
        kind = rng.choice(TYPES)
        roles = sorted(rng.sample(("research", "communication", "policy_influence"), k=rng.randint(0, 2)))
        orgs.append(
            {
                "id": org,
                "name": f"Partner {number:05d} {rng.choice(('Trust', 'Network', 'Institute', 'Voices', 'Lab'))}",
                "kind": "partner",
                "country": rng.choice(COUNTRIES),
                "staff_size": rng.randint(3, 400),
                "founded_year": rng.randint(1960, 2022),
                "languages": ["en"],
                "created_at": now,
            }
        )
        users.append(
            {
                "id": user,
                "email": f"respondent{number}@partner{number}.example.org",
                "name": f"Respondent {number}",
                "role": "partner_respondent",
                "organisation_id": org,
                "password_hash": password_hash or None,
                "language": "en",
            }
        )
        partnerships.append(
            {
                "id": partnership,
                "partner_id": org,
                "title": f"Project {number}",
                "type": kind,
                "roles": roles,
                "tier": "standard",
                "amount_transferred": rng.randint(10_000, 900_000),
                "currency": "EUR",
                "created_at": now,
            }
        )
        scope = Scope("standard", kind, frozenset(roles))
        asked = [question for _, question in capacity.applicable(scope)]
        level = rng.uniform(1.5, 3.8)
        source = None
        cycles = 1 + (rng.random() < 0.5)
        for cycle in range(cycles):
            created = now - dt.timedelta(days=(cycles - cycle) * 150 + rng.randint(0, 60))
            assessments.append(
                {
                    "id": assessment_id,
                    "questionnaire_version_id": versions[capacity.id].id,
                    "direction": "partner_self",
                    "partnership_id": partnership,
                    "subject_id": org,
                    "respondent_id": org,
                    "status": "submitted",
                    "tier": "standard",
                    "language": "en",
                    "created_by_id": staff.id,
                    "created_at": created,
                    "sent_at": created,
                    "submitted_at": created + dt.timedelta(days=20),
                    "burden_rating": rng.choice((None, 3, 5, 6)),
                }
            )
            source = add_answers(assessment_id, asked, level, created, user, org, source)
            for section in {section.id for section, _ in capacity.applicable(scope)}:
                times.append(
                    {
                        "id": time_id,
                        "assessment_id": assessment_id,
                        "section_id": section,
                        "user_id": user,
                        "active_seconds": rng.randint(60, 1800),
                        "updated_at": created,
                    }
                )
                time_id += 1
            assessment_id += 1
        if number % 4 == 0:
            created = now - dt.timedelta(days=rng.randint(1, 100))
            assessments.append(
                {
                    "id": assessment_id,
                    "questionnaire_version_id": versions[feedback_q.id].id,
                    "direction": "partner_rates_host",
                    "partnership_id": partnership,
                    "subject_id": host.id,
                    "respondent_id": org,
                    "status": "submitted",
                    "language": "en",
                    "created_at": created,
                    "sent_at": created,
                    "submitted_at": created,
                }
            )
            add_answers(assessment_id, feedback_q.questions, rng.uniform(2, 4), created, user, org)
            assessment_id += 1
        org_id, user_id, partnership_id = org_id + 1, user_id + 1, partnership_id + 1

    has_disclosure = session.scalar(
        sa.select(sa.func.count()).select_from(Assessment).where(Assessment.direction == "host_disclosure")
    )
    if not has_disclosure:
        created = now - dt.timedelta(days=90)
        assessments.append(
            {
                "id": assessment_id,
                "questionnaire_version_id": versions[disclosure_q.id].id,
                "direction": "host_disclosure",
                "subject_id": host.id,
                "respondent_id": host.id,
                "status": "accepted",
                "language": "en",
                "created_at": created,
                "sent_at": created,
                "submitted_at": created,
                "accepted_at": created,
            }
        )
        add_answers(assessment_id, disclosure_q.questions, 3.0, created, staff.id, host.id)
    for model, rows in (
        (Organisation, orgs),
        (User, users),
        (Partnership, partnerships),
        (Assessment, assessments),
        (Answer, answers),
        (EvidenceFile, files),
        (SectionTime, times),
    ):
        _insert(session, model, rows)
    _fix_sequences(session, (Organisation, User, Partnership, Assessment, Answer, EvidenceFile, SectionTime))
    session.flush()
    return {
        "host": host.id,
        "staff_email": staff.email,
        "first_partner": first_partner,
        "partners": partners,
        "answers": len(answers),
        "first_respondent": users[0]["email"] if users else None,
    }
