"""Who may do what: every route asks here, so the rules live in one place.

Staff (admin, staff) work for the institute. Partner respondents answer for their own organisation; partner
viewers only read. Nobody at a partner ever sees another partner's data; answers to an anonymous
questionnaire are never shown one by one, not even to staff.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from ..core.workflow import EDITABLE
from ..extensions import db
from ..store.models import Assessment, EvidenceFile, Organisation, Partnership, User

STAFF_ROLES = frozenset({"admin", "staff"})
PARTNER_ROLES = frozenset({"partner_respondent", "partner_viewer"})

F = TypeVar("F", bound=Callable[..., Any])


def is_staff(user: User) -> bool:
    return user.is_authenticated and user.role in STAFF_ROLES


def staff_required(view: F) -> F:
    """Only institute staff; everyone else gets 403 (anonymous people are sent to sign in)."""

    @login_required
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not is_staff(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def partner_required(view: F) -> F:
    @login_required
    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if current_user.role not in PARTNER_ROLES:
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]


def can_view(user: User, assessment: Assessment) -> bool:
    """Read an assessment's answers one by one."""
    if assessment.direction == "host_disclosure":
        return is_staff(user) or assessment.status == "accepted"  # published to every partner
    if is_staff(user):
        return not anonymous_answers(assessment)
    return user.organisation_id == assessment.respondent_id


def can_answer(user: User, assessment: Assessment) -> bool:
    """Change answers: the responding side, while the workflow lets it."""
    if assessment.status not in EDITABLE:
        return False
    if assessment.direction == "host_disclosure":
        return is_staff(user)
    return user.role == "partner_respondent" and user.organisation_id == assessment.respondent_id


def can_review(user: User, assessment: Assessment) -> bool:
    return is_staff(user) and not anonymous_answers(assessment) and assessment.direction != "host_disclosure"


def anonymous_answers(assessment: Assessment) -> bool:
    """Whether the assessment's answers may only be shown in aggregate."""
    from ..store.operations import questionnaire_of

    return questionnaire_of(assessment.questionnaire_version).anonymous


def assessment_for(assessment_id: int, check: Callable[[User, Assessment], bool] = can_view) -> Assessment:
    """The assessment if the current user passes `check`; 404 when it does not exist, 403 when not allowed."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        abort(404)
    if not check(current_user, assessment):
        abort(403)
    return assessment


def evidence_for(file_id: int) -> EvidenceFile:
    evidence = db.session.get(EvidenceFile, file_id)
    if evidence is None:
        abort(404)
    if is_staff(current_user) or current_user.organisation_id == evidence.organisation_id:
        return evidence
    abort(403)


def organisation_for(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        abort(404)
    return organisation


def can_see_partnership(user: User, partnership: Partnership) -> bool:
    """A partnership's joint review and capacity over time: staff, and the partner's own people."""
    return is_staff(user) or user.organisation_id == partnership.partner_id


def can_answer_review(user: User, partnership: Partnership) -> bool:
    """Answer one side of a joint review: staff for the institute, the partner's respondents for the partner."""
    return is_staff(user) or (user.role == "partner_respondent" and user.organisation_id == partnership.partner_id)


def partnership_for(
    partnership_id: int, check: Callable[[User, Partnership], bool] = can_see_partnership
) -> Partnership:
    """The partnership if the current user passes `check`; 404 when it does not exist, 403 when not allowed."""
    partnership = db.session.get(Partnership, partnership_id)
    if partnership is None:
        abort(404)
    if not check(current_user, partnership):
        abort(403)
    return partnership
