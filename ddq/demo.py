"""Demo data: the institute, four different partners, and assessments in every direction and several states.

Answers are generated from each organisation's made-up capacity profile with a fixed seed, so every
run produces the same data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from .core.definitions import Library, Question, Questionnaire, Scope
from .core.questions import ANCHORS, type_of
from .library import current_library
from .store import operations as ops
from .store.models import Assessment, Organisation, Partnership, User


@dataclass(frozen=True)
class DemoPartner:
    name: str
    country: str
    staff_size: int
    founded_year: int
    languages: list[str]
    partnership: str
    type: str
    roles: list[str]
    tier: str
    amount: int | None
    #: Typical maturity level (1-4) the generated answers scatter around.
    level: float
    #: Statuses of the partner's self-assessment and of its rating of the institute (None: not asked).
    self_status: str
    rating_status: str | None
    #: The self-assessment is due this many days from today (negative: overdue), so that `ddq tick` has work.
    due_in_days: int = 60
    #: A colleague who rated some items differently (the report's areas of least consensus), or None.
    colleague: str | None = None


HOST = "BIL (the institute)"
PARTNERS = (
    DemoPartner(
        "Mathare Youth Voices",
        "KE",
        6,
        dt.date.today().year - 2,
        ["en"],
        "Youth voices on urban climate risk",
        "thematic",
        ["communication"],
        "light",
        None,
        1.9,
        "in_progress",
        "sent",
        due_in_days=3,
    ),
    DemoPartner(
        "Université de Ouagadougou – Laboratoire d'études urbaines",
        "BF",
        120,
        1974,
        ["fr", "en"],
        "Informal settlements and flooding: a joint study",
        "project",
        ["research"],
        "standard",
        85_000,
        3.1,
        "submitted",
        "submitted",
        colleague="Awa Sawadogo",
    ),
    DemoPartner(
        "Alianza Comunitaria por el Agua",
        "PE",
        45,
        2009,
        ["es", "en"],
        "Water governance capacity programme",
        "capacity_development",
        ["policy_influence"],
        "standard",
        150_000,
        2.5,
        "changes_requested",
        None,
        due_in_days=-4,
    ),
    DemoPartner(
        "Fundação Horizonte",
        "BR",
        30,
        1998,
        ["pt", "en"],
        "Climate adaptation research fund",
        "funding",
        ["research", "policy_influence"],
        "enhanced",
        None,
        3.5,
        "accepted",
        "accepted",
    ),
)

#: How to walk an assessment from draft to each demo status.
_PATHS = {
    "sent": ["sent"],
    "in_progress": ["sent", "in_progress"],
    "submitted": ["sent", "submitted"],
    "changes_requested": ["sent", "submitted", "changes_requested"],
    "accepted": ["sent", "submitted", "accepted"],
}


def load_demo(session: Session, password: str | None = None) -> bool:
    """Create the demo data unless the institute already exists; return whether anything was created.

    Every demo user gets `password` (hashed), so that the demo can be tried; None leaves them without one.
    """
    if ops.host_organisation(session) is not None:
        return False
    library = current_library()
    host = ops.create_organisation(
        session, HOST, kind="host", country="GB", staff_size=240, founded_year=1985, languages=["en", "fr", "es", "pt"]
    )
    admin = ops.create_user(session, "admin@bil.example.org", "Ada Admin", "admin", host)
    reviewer = ops.create_user(session, "reviewer@bil.example.org", "Rui Reviewer", "staff", host)

    disclosure = ops.create_assessment(
        session, library.questionnaire("host-disclosure"), subject=host, respondent=host, actor=admin
    )
    _advance(session, disclosure, ["sent", "in_progress"], admin)
    # the institute answers everything its form shows it, N/A never, and supplies every document asked
    _answer_all(
        session, disclosure, library, Scope(), level=3.2, rng=random.Random(HOST), actor=reviewer, na_share=0.0
    )
    _supply_documents(session, disclosure, reviewer)
    _advance(session, disclosure, ["submitted", "accepted"], admin)

    for number, spec in enumerate(PARTNERS, start=1):
        _demo_partner(session, library, host, spec, number, admin, reviewer)
    _second_cycle(session, library, admin)
    if password:
        from werkzeug.security import generate_password_hash

        hashed = generate_password_hash(password)
        for user in session.scalars(sa.select(User)):
            user.password_hash = hashed
    return True


def _demo_partner(
    session: Session, library: Library, host: Organisation, spec: DemoPartner, number: int, admin: User, reviewer: User
) -> None:
    partner = ops.create_organisation(
        session,
        spec.name,
        country=spec.country,
        staff_size=spec.staff_size,
        founded_year=spec.founded_year,
        languages=spec.languages,
        actor=admin,
    )
    respondent = ops.create_user(
        session,
        f"respondent{number}@partner{number}.example.org",
        f"Respondent at {spec.name}",
        "partner_respondent",
        partner,
        language=spec.languages[0],
    )
    partnership = ops.create_partnership(
        session,
        partner,
        spec.partnership,
        spec.type,
        roles=spec.roles,
        tier=spec.tier,
        amount_transferred=spec.amount,
        currency="USD" if spec.amount else None,
        starts_on=dt.date(2026, 1, 1),
        actor=admin,
    )
    rng = random.Random(spec.name)
    scope = _scope(partnership)
    assessment = ops.create_assessment(
        session,
        library.questionnaire("partner-capacity"),
        subject=partner,
        respondent=partner,
        partnership=partnership,
        language=spec.languages[0],
        due_on=dt.date.today() + dt.timedelta(days=spec.due_in_days),
        actor=admin,
    )
    path = _PATHS[spec.self_status]
    _advance(session, assessment, path[:1], admin)
    share = 0.4 if spec.self_status == "in_progress" else 1.0
    _answer_all(
        session,
        assessment,
        library,
        scope,
        spec.level,
        rng,
        respondent,
        share=share,
        facts={"staff_count": spec.staff_size},
    )
    if spec.colleague:
        _colleague_rates(session, assessment, partner, spec.colleague, number)
    _advance(session, assessment, path[1:], reviewer)
    if spec.self_status == "changes_requested":
        answer = next(answer for answer in assessment.answers if answer.question_id == "accounting_system")
        ops.add_review_comment(
            session,
            answer,
            reviewer,
            "request_changes",
            "Could you say which accounting software you use and since when?",
        )
    if spec.self_status == "accepted":
        for answer in assessment.answers:
            answer.evidence_level = 2 if answer.value is not None and rng.random() < 0.5 else 1
        _expiring_document(session, assessment, respondent)
    if spec.rating_status:
        rating = ops.create_assessment(
            session,
            library.questionnaire("partner-feedback"),
            subject=host,
            respondent=partner,
            partnership=partnership,
            language=spec.languages[0],
            actor=admin,
        )
        rating_path = _PATHS[spec.rating_status]
        _advance(session, rating, rating_path[:1], admin)
        if spec.rating_status != "sent":
            _answer_all(session, rating, library, Scope(), 3.0, rng, respondent)
        _advance(session, rating, rating_path[1:], reviewer)
    session.flush()


#: A one-page PDF, the demo's evidence document.
_DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj "
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _expiring_document(session: Session, assessment: Assessment, respondent: User) -> None:
    """Audited accounts that expire within 30 days, attached to a bank answer so that they travel to the next cycle."""
    answer = next(a for a in assessment.answers if a.value is not None and a.bank_id)
    stored_name = secrets.token_hex(16) + ".pdf"
    uploads = current_app.config.get("DDQ_UPLOADS") if has_app_context() else None
    if uploads:
        Path(uploads).mkdir(parents=True, exist_ok=True)
        (Path(uploads) / stored_name).write_bytes(_DEMO_PDF)
    ops.add_evidence_file(
        session,
        answer,
        original_name="Audited accounts 2025.pdf",
        stored_name=stored_name,
        content_type="application/pdf",
        size_bytes=len(_DEMO_PDF),
        sha256=hashlib.sha256(_DEMO_PDF).hexdigest(),
        actor=respondent,
        expires_on=dt.date.today() + dt.timedelta(days=20),
    )


def _scope(partnership: Partnership) -> Scope:
    return Scope(tier=partnership.tier, partnership_type=partnership.type, partner_roles=frozenset(partnership.roles))


def _advance(session: Session, assessment: Assessment, statuses: list[str], actor: User) -> None:
    for status in statuses:
        ops.change_status(session, assessment, status, actor)


def _answer_all(
    session: Session,
    assessment: Assessment,
    library: Library,
    scope: Scope,
    level: float,
    rng: random.Random,
    actor: User,
    share: float = 1.0,
    facts: dict[str, Any] | None = None,
    na_share: float = 0.08,
) -> None:
    """Answer the applicable questions in order, respecting skip logic, up to `share` of them; about `na_share`
    of those that allow it are N/A."""
    questionnaire: Questionnaire = ops.questionnaire_of(assessment.questionnaire_version)
    given: dict[str, Any] = {}
    applicable = [question for _, question in questionnaire.applicable(scope)]
    for question in applicable[: max(1, round(len(applicable) * share))]:
        if question.show_if is not None and not question.show_if.evaluate(given):
            continue
        if question.allow_na and rng.random() < na_share:
            ops.save_answer(
                session,
                assessment,
                question.id,
                not_applicable=True,
                na_reason="Does not apply to our work.",
                active_seconds=rng.randint(5, 30),
                actor=actor,
            )
            continue
        value = (facts or {}).get(question.id, _demo_value(question, level, rng))
        if value is None:
            continue
        ops.save_answer(session, assessment, question.id, value, active_seconds=rng.randint(10, 240), actor=actor)
        given[question.id] = value


def _supply_documents(session: Session, assessment: Assessment, actor: User) -> None:
    """A small text file for each answered question that asks for a document, written to the uploads folder."""
    questionnaire = ops.questionnaire_of(assessment.questionnaire_version)
    folder = Path(current_app.config["DDQ_UPLOADS"])
    folder.mkdir(parents=True, exist_ok=True)
    answers = {answer.question_id: answer for answer in assessment.answers}
    given = {question_id: answer.value for question_id, answer in answers.items() if not answer.not_applicable}
    for _, question in questionnaire.applicable(Scope()):
        if not question.asks_document or (question.show_if is not None and not question.show_if.evaluate(given)):
            continue
        name = f"{question.id.replace('_', '-')}.txt"
        answer = answers.get(question.id)
        if answer is None:  # a document question: its answer is the document's name
            answer = ops.save_answer(session, assessment, question.id, name, active_seconds=60, actor=actor)
        if answer.not_applicable:
            continue
        data = f"{HOST}: {question.text.get('en')}\n(demo document)\n".encode()
        stored_name = hashlib.sha256(f"demo:{assessment.id}:{question.id}".encode()).hexdigest()[:32]
        (folder / stored_name).write_bytes(data)
        ops.add_evidence_file(
            session,
            answer,
            original_name=name,
            stored_name=stored_name,
            content_type="text/plain",
            size_bytes=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            actor=actor,
        )


def _demo_value(question: Question, level: float, rng: random.Random) -> Any:
    """A plausible answer for an organisation whose capacity is around `level`."""
    return type_of(question).sample(question, min(4.0, max(1.0, rng.gauss(level, 0.7))), rng)


def _colleague_rates(session: Session, assessment: Assessment, partner: Organisation, name: str, number: int) -> None:
    """A colleague, who has since left (so today's messages reach the current respondent only), answered the
    first maturity items again: two levels apart from the respondent on four, one level on two. Their
    answers are the organisation's now, and both people's ratings are kept."""
    colleague = ops.create_user(
        session, f"colleague{number}@partner{number}.example.org", name, "partner_respondent", partner
    )
    questionnaire = ops.questionnaire_of(assessment.questionnaire_version)
    rated = [
        answer
        for answer in assessment.answers
        if type_of(questionnaire.question(answer.question_id)).choices_from == ANCHORS
        and isinstance(answer.value, int)
    ]
    for position, answer in enumerate(rated[:6]):
        apart = 2 if position < 4 else 1
        value = answer.value + apart if answer.value + apart <= 4 else answer.value - apart
        ops.save_answer(session, assessment, answer.question_id, value, active_seconds=45, actor=colleague)
    colleague.active = False


def _second_cycle(session: Session, library: Library, admin: User) -> None:
    """The funder's second cycle: a new request whose bank answers carry over from the first."""
    from .store.passport import prefill

    partner = session.scalar(sa.select(Organisation).where(Organisation.name == "Fundação Horizonte"))
    partnership = partner.partnerships[0]
    again = ops.create_assessment(
        session,
        library.questionnaire("partner-capacity"),
        subject=partner,
        respondent=partner,
        partnership=partnership,
        language="pt",
        due_on=dt.date.today() + dt.timedelta(days=45),
        actor=admin,
    )
    uploads = current_app.config.get("DDQ_UPLOADS") if has_app_context() else None
    prefill(session, again, Path(uploads) if uploads else None)
    ops.change_status(session, again, "sent", admin)
    _capacity_grew(session, again, library, partner.users[0])
    # the yearly joint review of this partnership is due in ten days, so that `ddq tick` announces it
    from .store.reviews import start_review

    start_review(session, partnership, dt.date.today() + dt.timedelta(days=10), admin)


#: Where the funder's capacity grew between its two cycles (the demo's trend).
_GREW_IN = ("people", "delivery_mel")


def _capacity_grew(session: Session, assessment: Assessment, library: Library, respondent: User) -> None:
    """The funder's capacity rose since the first cycle: its answers in two domains are updated to the top level,
    so that the change since the previous cycle shows. Answers with documents and the rest stay as carried over."""
    rng = random.Random("second cycle")
    questionnaire = ops.questionnaire_of(assessment.questionnaire_version)
    for answer in list(assessment.answers):
        question = questionnaire.question(answer.question_id)
        if question.domain not in _GREW_IN or not question.scored or answer.evidence_files or answer.value is None:
            continue
        value = type_of(question).sample(question, 4.0, rng)
        ops.save_answer(session, assessment, question.id, value, active_seconds=rng.randint(10, 60), actor=respondent)
