"""Removing an answer's evidence files: the answer's evidence level follows (ddq.core.evidence)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..core.evidence import DOCUMENT, level_after_removal
from .models import EvidenceFile, User
from .operations import log


def remove_evidence_file(session: Session, evidence: EvidenceFile, actor: User) -> str:
    """Delete one evidence file's record and return its stored name (the caller removes the file once committed).

    Removing the last document of an answer at E1 leaves it self-declared (E0); a level checked by the institute
    falls back to what the remaining documents support, and the answer waits for review. An answer to a document
    question whose value was the removed file's name takes the name of a remaining document, or none.
    """
    answer = evidence.answer
    stored_name, name = evidence.stored_name, evidence.original_name
    log(session, "evidence.remove", evidence, actor, question=answer.question_id if answer else None, name=name)
    if answer is not None:
        answer.evidence_files.remove(evidence)
        remaining = list(answer.evidence_files)
        if answer.evidence_level > DOCUMENT:
            answer.needs_review = True
        answer.evidence_level = level_after_removal(answer.evidence_level, len(remaining))
        if answer.value == name:
            answer.value = remaining[-1].original_name if remaining else None
    session.delete(evidence)
    session.flush()
    return stored_name
