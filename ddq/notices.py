"""The messages events cause, each in its recipient's language with a link straight to the thing.

Each function writes to the outbox in the caller's transaction (see ddq.mail.queue), so a message exists exactly
when its event does; each dedupe key names the event, so the same event never writes a message twice. Links are
absolute, under DDQ_BASE_URL.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _

from .extensions import db
from .mail import queue
from .store import operations as ops
from .store.models import Answer, Assessment, Organisation, ReviewComment, User, utcnow


def link_to(endpoint: str, **values: object) -> str:
    """An absolute link under DDQ_BASE_URL (the address people reach ddq at, whatever host a request came in on)."""
    return current_app.config["DDQ_BASE_URL"].rstrip("/") + url_for(endpoint, **values)


def partner_people(organisation_id: int) -> list[User]:
    """The partner's respondents (who answer, and who read results)."""
    return list(
        db.session.scalars(
            sa.select(User)
            .where(User.organisation_id == organisation_id, User.role == "partner_respondent", User.active)
            .order_by(User.id)
        )
    )


def staff_for(assessment: Assessment | None = None) -> list[User]:
    """Who at the institute hears of a partner's step: the person who sent the request, else every staff member."""
    creator = db.session.get(User, assessment.created_by_id) if assessment and assessment.created_by_id else None
    if creator is not None and creator.active and creator.role in {"admin", "staff"}:
        return [creator]
    return list(
        db.session.scalars(
            sa.select(User).where(User.role.in_(("admin", "staff")), User.active).order_by(User.id)
        )
    )


def _title(assessment: Assessment, language: str) -> str:
    return ops.questionnaire_of(assessment.questionnaire_version).title.get(language)


def _stamp(moment) -> str:
    return moment.strftime("%Y%m%dT%H%M%S") if moment else "-"


def section_assigned(assessment: Assessment, section_id: str, colleague: User, assigner: User) -> bool:
    """Tell a colleague a section is theirs to answer."""
    questionnaire = ops.questionnaire_of(assessment.questionnaire_version)
    section = next(s for s in questionnaire.sections if s.id == section_id)
    language = colleague.language
    return queue(
        dedupe_key=f"assigned:{assessment.id}:{section_id}:{colleague.id}:{assessment.status}",
        recipient=colleague.email,
        kind="section_assigned",
        language=language,
        template="section_assigned",
        subject=lambda: _("A section for you: %(section)s", section=section.title.get(language)),
        person=colleague,
        assessment=assessment,
        assigner=assigner.name,
        section=section.title.get(language),
        title=questionnaire.title.get(language),
        link=link_to("respond.section", assessment_id=assessment.id, section_id=section_id),
    )


def submitted(assessment: Assessment) -> int:
    """Tell the institute a partner submitted (not for the institute's own disclosure, and not for an anonymous
    questionnaire: a message naming the partner, or even one sent at the moment they submit, would tell staff
    who gave which answers; staff read those in aggregate on the feedback page)."""
    if assessment.respondent.is_host or ops.questionnaire_of(assessment.questionnaire_version).anonymous:
        return 0
    written = 0
    for person in staff_for(assessment):
        language = person.language
        title = _title(assessment, language)
        written += queue(
            dedupe_key=f"submitted:{assessment.id}:{_stamp(assessment.submitted_at)}:{person.id}",
            recipient=person.email,
            kind="submitted",
            language=language,
            template="submitted",
            subject=lambda title=title, name=assessment.respondent.name: _(
                "Submitted: %(title)s by %(organisation)s", title=title, organisation=name
            ),
            person=person,
            assessment=assessment,
            title=title,
            link=link_to("staff.review", assessment_id=assessment.id),
        )
    return written


def answers_to_revisit(assessment: Assessment) -> list[tuple[str, str]]:
    """(question id, the reviewer's note) for every answer whose latest review asks for a change."""
    latest: dict[int, ReviewComment] = {}
    for comment in db.session.scalars(
        sa.select(ReviewComment)
        .join(ReviewComment.answer)
        .where(Answer.assessment_id == assessment.id, ReviewComment.action != "comment")
        .order_by(ReviewComment.id)
    ):
        latest[comment.answer_id] = comment
    return [(c.answer.question_id, c.body) for c in latest.values() if c.action == "request_changes"]


def changes_requested(assessment: Assessment) -> int:
    """Tell the partner which answers to revisit, each with the reviewer's note and a link to it."""
    decided_at = utcnow()
    questionnaire = ops.questionnaire_of(assessment.questionnaire_version)
    revisit = answers_to_revisit(assessment)
    written = 0
    for person in partner_people(assessment.respondent_id):
        language = person.language or assessment.language
        items = []
        for question_id, note in revisit:
            section_id = _section_id(questionnaire, question_id)
            items.append(
                {
                    "question": questionnaire.question(question_id).text.get(language),
                    "note": note,
                    "link": link_to(
                        "respond.section",
                        assessment_id=assessment.id,
                        section_id=section_id,
                        _anchor=f"wrap-{question_id}",  # the question's block on the section page
                    ),
                }
            )
        title = questionnaire.title.get(language)
        written += queue(
            dedupe_key=f"changes:{assessment.id}:{_stamp(decided_at)}:{person.id}",
            recipient=person.email,
            kind="changes_requested",
            language=language,
            template="changes_requested",
            subject=lambda title=title: _("Changes requested: %(title)s", title=title),
            person=person,
            assessment=assessment,
            title=title,
            items=items,
            link=link_to("respond.assessment", assessment_id=assessment.id),
        )
    return written


def _section_id(questionnaire, question_id: str) -> str:
    return next(
        (section.id for section in questionnaire.sections for q in section.questions if q.id == question_id),
        questionnaire.sections[0].id,
    )


def report_published(assessment: Assessment, version: int) -> int:
    """Tell the organisation assessed its report is there."""
    written = 0
    for person in partner_people(assessment.subject_id):
        language = person.language or assessment.language
        title = _title(assessment, language)
        written += queue(
            dedupe_key=f"published:{assessment.id}:v{version}:{person.id}",
            recipient=person.email,
            kind="report_published",
            language=language,
            template="report_published",
            subject=lambda title=title: _("Your report is published: %(title)s", title=title),
            person=person,
            assessment=assessment,
            title=title,
            link=link_to("reports.download", assessment_id=assessment.id, kind="html"),
        )
    return written


def disclosure_updated(disclosure: Assessment) -> int:
    """Tell the partners whose published reports show the institute's disclosure that it changed."""
    organisations = db.session.scalars(
        sa.select(Organisation.id)
        .join(Assessment, Assessment.subject_id == Organisation.id)
        .where(
            Organisation.kind == "partner",
            Assessment.direction == "partner_self",
            Assessment.report_published_at.is_not(None),
        )
        .distinct()
    ).all()
    link = link_to("respond.institute")
    written = 0
    for organisation_id in sorted(organisations):
        for person in partner_people(organisation_id):
            written += queue(
                dedupe_key=f"disclosure:{disclosure.id}:{_stamp(disclosure.accepted_at)}:{person.id}",
                recipient=person.email,
                kind="disclosure_updated",
                language=person.language,
                template="disclosure_updated",
                subject=lambda: _("The institute has updated its disclosure"),
                person=person,
                link=link,
            )
    return written


def response_published(assessment: Assessment) -> int:
    """"You said, we did": tell the partner how the institute acted on its comment."""
    written = 0
    for person in partner_people(assessment.respondent_id):
        language = person.language or assessment.language
        title = _title(assessment, language)
        written += queue(
            dedupe_key=f"response:{assessment.id}:{_stamp(assessment.burden_response_at)}:{person.id}",
            recipient=person.email,
            kind="response_published",
            language=language,
            template="response_published",
            subject=lambda title=title: _("You said, we did: %(title)s", title=title),
            person=person,
            assessment=assessment,
            title=title,
            link=link_to("respond.assessment", assessment_id=assessment.id),
        )
    return written


def review_due(review) -> int:
    """Tell both sides a joint partnership review is due: the partner's respondents and the institute's staff."""
    partnership = review.partnership
    link = link_to("reviews.review", partnership_id=partnership.id)
    people = partner_people(partnership.partner_id) + staff_for(None)
    written = 0
    for person in people:
        written += queue(
            dedupe_key=f"review_due:{review.id}:{review.due_on.isoformat()}:{person.id}",
            recipient=person.email,
            kind="review_due",
            language=person.language,
            template="review_due",
            subject=lambda title=partnership.title: _("Joint review due: %(title)s", title=title),
            person=person,
            partnership=partnership,
            review=review,
            link=link,
        )
    return written


def send_password_reset(email: str) -> bool:
    """Write and deliver a password-reset link to `email` if an active account has it: a job run once the reset
    page has answered (ddq.web.auth.reset_password), so it commits its own work.

    Returns whether a link was sent; an unknown or inactive address gets nothing.
    """
    from .mail import deliver_messages
    from .web.auth import RESET_LINK_HOURS, invitation_url

    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None or not user.active:
        return False
    base = current_app.config["DDQ_BASE_URL"].rstrip("/")
    with current_app.test_request_context("/", base_url=base):  # links built with url_for point to DDQ_BASE_URL
        invitation = ops.create_invitation(db.session, user, None, days=RESET_LINK_HOURS / 24)
        key = f"password_reset:{invitation.id}:{invitation.nonce[:12]}"
        queue(
            dedupe_key=key,
            recipient=user.email,
            kind="password_reset",
            language=user.language,
            template="reset",
            subject=lambda: _("Your link to choose a new password"),
            person=user,
            link=invitation_url(invitation, reset=True),
            hours=RESET_LINK_HOURS,
        )
    db.session.commit()
    deliver_messages([key])
    return True
