"""The answer passport: a fact asked once is carried over to later questionnaires and cycles while it is valid.

A carried-over answer keeps a link to the answer it came from (`reused_from`); the respondent confirms or edits
it, and the confirmation is recorded, so that everyone knows how fresh it is. Evidence documents travel with it
until they expire. A question may also be answered from the organisation's own record (`derive_from: {profile:
<fact>}`: its name, country, year founded, staff): proposed, never confirmed, until the respondent confirms it.
"""

from __future__ import annotations

import datetime as dt
import secrets
import shutil
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..core.definitions import Question
from ..core.evidence import effective_level
from ..core.vocabulary import DEFAULT_LANGUAGE
from .models import Answer, Assessment, EvidenceFile, Organisation, utcnow
from .operations import log, questionnaire_of
from .queries import scope_of

#: Validity of an answer whose bank item does not say.
DEFAULT_VALIDITY_MONTHS = 24


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def valid_until(answer: Answer, question: Question) -> dt.datetime:
    """When an answer stops being reusable: validity counted from its last answer or confirmation."""
    since = max(_aware(moment) for moment in (answer.answered_at, answer.confirmed_at) if moment is not None)
    return since + dt.timedelta(days=30.44 * (question.validity_months or DEFAULT_VALIDITY_MONTHS))


def reusable_answers(
    session: Session, organisation_id: int, bank_ids: set[str], *, before: Assessment, at: dt.datetime | None = None
) -> dict[str, Answer]:
    """The latest answer of the organisation to each bank item, from its other assessments, given before `at`
    (now by default) and still valid then."""
    at = at or utcnow()
    rows = session.scalars(
        sa.select(Answer)
        .join(Assessment, Answer.assessment_id == Assessment.id)
        .where(
            Assessment.respondent_id == organisation_id,
            Assessment.id != before.id,
            Answer.bank_id.in_(bank_ids),
            Answer.value.is_not(None),
            Answer.draft.is_(None),
            Answer.answered_at < at,
        )
        .order_by(Answer.answered_at)
    ).all()
    found: dict[str, Answer] = {}
    for answer in rows:
        questionnaire = questionnaire_of(answer.assessment.questionnaire_version)
        question = next((q for q in questionnaire.questions if q.id == answer.question_id), None)
        if question is None or answer.answered_at is None or valid_until(answer, question) < at:
            continue
        found[answer.bank_id] = answer  # later answers replace earlier ones
    return found


def carried_from(answer: Answer) -> Question | None:
    """The question whose answer this carried-over answer came from (its own questionnaire's version)."""
    source = answer.reused_from
    if source is None:
        return None
    questionnaire = questionnaire_of(source.assessment.questionnaire_version)
    return next((question for question in questionnaire.questions if question.id == source.question_id), None)


def carried_value(answer: Answer, question: Question) -> object:
    """The value a carried-over answer arrived with: the earlier answer's own, or what `question`'s derivation
    made of it; an answer still equal to it has not been re-answered."""
    source = answer.reused_from
    if source is None or question.derive_from is None:
        return source.value if source is not None else None
    origin = carried_from(answer)
    return question.derive_from.value_for(origin, source.value) if origin is not None else None


def profile_facts(organisation: Organisation) -> dict[str, object]:
    """The facts of an organisation's record a question may be answered from (see PROFILE_FACTS)."""
    return {
        "name": organisation.name,
        "country": organisation.country,
        "founded_year": organisation.founded_year,
        "staff_size": organisation.staff_size,
    }


def filled_from_record(answer: Answer, question: Question) -> bool:
    """Whether an answer is the one filled from the organisation's record, confirmed or not: nobody answered it
    since (every save that changes an answer sets `answered_at`)."""
    return (
        question.derive_from is not None
        and question.derive_from.profile is not None
        and answer.reused_from_id is None
        and answer.answered_by_id is None
        and answer.answered_at is None
        and answer.value is not None
    )


def from_profile(answer: Answer, question: Question) -> bool:
    """Whether an answer is still the one proposed from the organisation's record: nobody answered or confirmed
    it since."""
    return filled_from_record(answer, question) and answer.confirmed_at is None


def _from_profile(session: Session, assessment: Assessment, questions: list[Question], language: str) -> int:
    """Propose answers to questions derived from the organisation's record; to be confirmed."""
    organisation = session.get(Organisation, assessment.respondent_id)
    if organisation is None:
        return 0
    facts = profile_facts(organisation)
    filled = 0
    for question in questions:
        value = question.derive_from.value_from_profile(facts, question.type, language)  # type: ignore[union-attr]
        if value is None:
            continue  # the record does not hold it: the partner answers
        session.add(Answer(assessment=assessment, question_id=question.id, value=value, active_seconds=0))
        filled += 1
    return filled


def _derive(session: Session, assessment: Assessment, questions: list[Question], existing: set[str]) -> int:
    """Propose answers to questions with `derive_from` from the bank answers their rule reads, or from the
    organisation's record; to be confirmed."""
    wanted = [question for question in questions if question.id not in existing]
    if not wanted:
        return 0
    from_record = [question for question in wanted if question.derive_from and question.derive_from.profile]
    wanted = [question for question in wanted if question not in from_record]
    languages = (assessment.respondent and assessment.respondent.languages) or [DEFAULT_LANGUAGE]
    derived = _from_profile(session, assessment, from_record, languages[0]) if from_record else 0
    earlier = reusable_answers(
        session, assessment.respondent_id, {q.derive_from.bank for q in wanted if q.derive_from}, before=assessment
    )
    for question in wanted:
        source = earlier.get(question.derive_from.bank) if question.derive_from else None
        origin = questionnaire_of(source.assessment.questionnaire_version) if source is not None else None
        item = next((q for q in origin.questions if q.id == source.question_id), None) if origin else None
        value = question.derive_from.value_for(item, source.value) if item is not None else None  # type: ignore[union-attr]
        if value is None:
            continue  # the rule says nothing for that answer: the partner answers
        session.add(
            Answer(
                assessment=assessment,
                question_id=question.id,
                bank_id=None,
                value=value,
                active_seconds=0,
                answered_by_id=source.answered_by_id,  # type: ignore[union-attr]
                answered_at=source.answered_at,  # type: ignore[union-attr]
                reused_from=source,
                confirmed_at=None,
            )
        )
        derived += 1
    return derived


def prefill(session: Session, assessment: Assessment, uploads: Path | None = None) -> int:
    """Carry valid earlier answers into a new assessment's bank questions, and propose answers to questions derived
    from bank answers of another type; return how many were carried over."""
    questionnaire = questionnaire_of(assessment.questionnaire_version)
    applicable = [question for _, question in questionnaire.applicable(scope_of(assessment))]
    by_bank = {question.bank: question for question in applicable if question.bank}
    derivable = [question for question in applicable if question.derive_from is not None and not question.bank]
    if not by_bank and not derivable:
        return 0
    existing = {answer.question_id for answer in assessment.answers}
    earlier = reusable_answers(session, assessment.respondent_id, set(by_bank), before=assessment) if by_bank else {}
    carried = _derive(session, assessment, derivable, existing)
    today = dt.date.today()
    for bank_id, source in earlier.items():
        question = by_bank[bank_id]
        if question.id in existing:
            continue
        answer = Answer(
            assessment=assessment,
            question_id=question.id,
            bank_id=bank_id,
            value=source.value,
            comment=source.comment,
            evidence_level=effective_level(
                source.evidence_level, [document.expires_on for document in source.evidence_files], today
            ),
            active_seconds=0,
            answered_by_id=source.answered_by_id,
            answered_at=source.answered_at,
            reused_from=source,
            confirmed_at=None,
        )
        session.add(answer)
        for document in source.evidence_files:
            if document.expires_on is not None and document.expires_on < today:
                continue
            copy_name = secrets.token_hex(16)
            if uploads is not None and (uploads / document.stored_name).is_file():
                shutil.copyfile(uploads / document.stored_name, uploads / copy_name)
            session.add(
                EvidenceFile(
                    organisation_id=document.organisation_id,
                    answer=answer,
                    original_name=document.original_name,
                    stored_name=copy_name,
                    content_type=document.content_type,
                    size_bytes=document.size_bytes,
                    sha256=document.sha256,
                    uploaded_by_id=document.uploaded_by_id,
                    uploaded_at=document.uploaded_at,
                    effective_on=document.effective_on,
                    expires_on=document.expires_on,
                )
            )
        carried += 1
    session.flush()
    if carried:
        log(session, "passport.prefill", assessment, None, carried=carried)
    return carried


def confirm(session: Session, answer: Answer) -> None:
    """The respondent says a carried-over answer, or one filled from the organisation's record, is still true."""
    answer.confirmed_at = utcnow()
    session.flush()


def repeat_asks(session: Session, assessment: Assessment) -> int:
    """Bank questions this assessment asked afresh although a valid answer existed when it was created."""
    asked = [answer for answer in assessment.answers if answer.bank_id and answer.reused_from_id is None]
    if not asked:
        return 0
    created = _aware(assessment.created_at)
    earlier = reusable_answers(
        session, assessment.respondent_id, {answer.bank_id for answer in asked}, before=assessment, at=created
    )
    return sum(1 for answer in asked if answer.bank_id in earlier)
