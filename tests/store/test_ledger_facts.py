"""The burden ledger's set-based facts are, field by field, what each request's own objects say (on SQLite and
PostgreSQL): estimate and items in the request's scope less what was carried over, time spent, carried over and
confirmed, documents new and carried over, repeat asks, rating, decision time, funding shared between the
partnership's requests in the partnership's currency, and the funder that mandated the questionnaire."""

from __future__ import annotations

import dataclasses
import datetime as dt

import sqlalchemy as sa

from bench.institute import generate
from ddq.core.burden import estimate
from ddq.core.ledger import RequestFacts
from ddq.extensions import db
from ddq.library import current_library
from ddq.store import operations as ops
from ddq.store.ledger_facts import ledger_requests, repeat_asks_of
from ddq.store.models import Answer, Assessment, EvidenceFile, Partnership, SectionTime
from ddq.store.passport import repeat_asks
from ddq.store.queries import scope_of


def _varied_institute(session) -> None:
    """A generated institute, then what the generator leaves uniform made to vary: a funder's questionnaire, a
    request whose tier comes from its partnership, decisions taken, a partnership without money, partnerships in
    other currencies or none recorded."""
    library = current_library()
    generate(session, library, 12, seed=7)
    session.flush()
    requests = session.scalars(
        sa.select(Assessment).where(Assessment.direction == "partner_self").order_by(Assessment.id)
    ).all()
    capacity = library.questionnaire("partner-capacity")
    funded = ops.record_questionnaire_version(
        session, dataclasses.replace(capacity, version=f"{capacity.version}-fund", mandated_by="Example Fund")
    )
    session.flush()
    requests[0].questionnaire_version_id = funded.id
    requests[1].tier = None
    requests[1].partnership.tier = "light"
    for request in requests[2:6]:
        request.accepted_at = request.sent_at + dt.timedelta(days=12, hours=5)
    requests[6].partnership.amount_transferred = None
    requests[7].partnership.currency = "kes"  # as a file may have recorded it: read as KES
    requests[8].partnership.currency = None
    session.flush()
    session.expire_all()


def _expected(session, assessment: Assessment) -> RequestFacts:
    """The request as its own objects and the per-request functions count it."""
    questionnaire = ops.questionnaire_of(assessment.questionnaire_version)
    reused = [answer for answer in assessment.answers if answer.reused_from_id]
    carried = {answer.question_id for answer in reused}
    burden = estimate(questionnaire, scope_of(assessment), carried)

    def files(is_reused: bool) -> int:
        return sum(len(a.evidence_files) for a in assessment.answers if bool(a.reused_from_id) == is_reused)

    seconds = session.scalar(
        sa.select(sa.func.sum(SectionTime.active_seconds)).where(SectionTime.assessment_id == assessment.id)
    )
    shared_by = session.scalar(
        sa.select(sa.func.count()).where(
            Assessment.partnership_id == assessment.partnership_id, Assessment.direction == "partner_self"
        )
    )
    decided = assessment.accepted_at and assessment.sent_at and (assessment.accepted_at - assessment.sent_at).days
    return RequestFacts(
        partner=assessment.subject.name,
        assessment_id=assessment.id,
        questionnaire=questionnaire.id,
        created_on=assessment.created_at.date(),
        estimated_minutes=burden.minutes_high,
        actual_seconds=int(seconds or 0),
        items_asked=burden.items,
        prefilled=len(carried),
        reused=sum(1 for answer in reused if answer.confirmed_at),
        documents_new=files(False),
        documents_reused=files(True),
        repeat_asks=repeat_asks(session, assessment),
        burden_rating=assessment.burden_rating,
        days_to_decision=decided if assessment.accepted_at and assessment.sent_at else None,
        funding=float(assessment.partnership.amount_transferred or 0) / shared_by,
        mandated_by=questionnaire.mandated_by,
        currency=(assessment.partnership.currency or "").upper() or None,
    )


def test_every_field_of_every_request_is_what_its_objects_say(backend_app):
    _varied_institute(db.session)
    requests = db.session.scalars(
        sa.select(Assessment).where(Assessment.direction == "partner_self").order_by(Assessment.id)
    ).all()
    expected = [_expected(db.session, assessment) for assessment in requests]
    facts = ledger_requests(db.session)
    assert facts == expected
    # the institute exercises every column: a test of equal zeros would prove nothing
    for name in (
        "estimated_minutes",
        "actual_seconds",
        "prefilled",
        "reused",
        "documents_new",
        "documents_reused",
        "repeat_asks",
        "burden_rating",
        "days_to_decision",
        "funding",
        "mandated_by",
        "currency",
    ):
        values = {getattr(request, name) for request in expected}
        assert len(values) > 1, f"every request has the same {name}: {values}"
    assert len({request.items_asked for request in expected}) > 1, "one scope only"
    assert any(request.funding == 0 for request in expected)
    assert {"KES", None} <= {request.currency for request in expected}


def test_one_partner_and_a_page_of_partners_read_the_same_facts(backend_app):
    _varied_institute(db.session)
    everyone = ledger_requests(db.session)
    partners = sorted({request.partner for request in everyone})
    ids = dict(
        db.session.execute(
            sa.select(Assessment.id, Assessment.subject_id).where(Assessment.direction == "partner_self")
        ).all()
    )
    by_partner: dict[int, list[RequestFacts]] = {}
    for request in everyone:
        by_partner.setdefault(ids[request.assessment_id], []).append(request)
    for partner_id, requests in by_partner.items():
        assert ledger_requests(db.session, partner_id=partner_id) == requests
    some = sorted(by_partner)[2:7]
    assert ledger_requests(db.session, partner_ids=some) == [r for r in everyone if ids[r.assessment_id] in some]
    assert ledger_requests(db.session, partner_ids=[]) == []
    assert len(partners) == 12


def test_repeat_asks_of_some_requests_count_as_those_of_all(backend_app):
    _varied_institute(db.session)
    everyone = repeat_asks_of(db.session)
    assert sum(everyone.values()) > 0, "the institute has no repeat asks"
    chosen = sorted(everyone)[:3]
    assert repeat_asks_of(db.session, chosen) == {key: everyone[key] for key in chosen}


def test_a_document_whose_answer_is_gone_counts_for_no_request(backend_app):
    _varied_institute(db.session)
    before = {request.assessment_id: request for request in ledger_requests(db.session)}
    document = db.session.scalar(
        sa.select(EvidenceFile).join(Answer, EvidenceFile.answer_id == Answer.id).order_by(EvidenceFile.id).limit(1)
    )
    owner = document.answer.assessment_id
    document.answer_id = None
    db.session.flush()
    after = {request.assessment_id: request for request in ledger_requests(db.session)}
    assert after[owner].documents_new + after[owner].documents_reused == (
        before[owner].documents_new + before[owner].documents_reused - 1
    )
    assert db.session.get(Partnership, db.session.get(Assessment, owner).partnership_id) is not None
