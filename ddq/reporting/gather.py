"""Read an assessment from the store into the plain data reports are made of (no ORM object leaves here)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from ..core.actions import suggest_actions
from ..core.definitions import Library
from ..core.reciprocity import reciprocity
from ..core.scoring import Scorecard, Stage, score_assessment
from ..extensions import db
from ..store.models import Assessment
from ..store.operations import host_organisation, questionnaire_of
from ..store.queries import published_disclosure, scope_of, scoring_inputs
from .context import AnswerView, ReportFacts, actions_from_suggestions, capacity_context


def answer_views(assessment: Assessment) -> dict[str, AnswerView]:
    return {
        answer.question_id: AnswerView(
            value=answer.value,
            not_applicable=answer.not_applicable,
            na_reason=answer.na_reason,
            comment=answer.comment,
            evidence_level=answer.evidence_level,
            files=tuple(file.original_name for file in answer.evidence_files),
        )
        for answer in assessment.answers
    }


def scorecard_of(assessment: Assessment, library: Library) -> Scorecard:
    """The one scoring path, whatever the direction."""
    subject = assessment.subject
    partnership = assessment.partnership if assessment.direction == "partner_self" else None
    profile = library.domain_weights(partnership.type, partnership.roles) if partnership else None
    return score_assessment(
        questionnaire_of(assessment.questionnaire_version),
        scoring_inputs(assessment),
        domains=library.domains.values(),
        scope=scope_of(assessment),
        stage=Stage(subject.staff_size, subject.founded_year, dt.date.today().year),
        profile=profile,
    )


def parity_with(
    assessment: Assessment,
    disclosure: Assessment,
    library: Library,
    partner_scorecard: Scorecard | None = None,
    host_scorecard: Scorecard | None = None,
):
    """What the institute asked in `assessment`, against what it disclosed in `disclosure`."""
    return reciprocity(
        questionnaire_of(assessment.questionnaire_version),
        scope_of(assessment),
        questionnaire_of(disclosure.questionnaire_version),
        scoring_inputs(disclosure),
        domains=list(library.domains),
        partner_scorecard=partner_scorecard,
        host_scorecard=host_scorecard,
    )


def facts_of(assessment: Assessment) -> ReportFacts:
    subject = assessment.subject
    partnership = assessment.partnership if assessment.direction == "partner_self" else None
    host = host_organisation(db.session)
    return ReportFacts(
        organisation=subject.name,
        country=subject.country,
        staff_size=subject.staff_size,
        founded_year=subject.founded_year,
        partnership=partnership.title if partnership else None,
        partnership_type=partnership.type if partnership else None,
        roles=tuple(partnership.roles) if partnership else (),
        tier=assessment.tier,
        status=assessment.status,
        generated_on=dt.date.today().isoformat(),
        host=host.name if host else "the institute",
    )


def capacity_report_context(assessment: Assessment, library: Library, language: str) -> dict[str, Any]:
    """The capacity report of one assessment (a partner's, or the institute's own disclosure)."""
    questionnaire = questionnaire_of(assessment.questionnaire_version)
    card = scorecard_of(assessment, library)
    disclosure = published_disclosure() if assessment.direction == "partner_self" else None
    host_card = scorecard_of(disclosure, library) if disclosure is not None else None
    parity = parity_with(assessment, disclosure, library, card, host_card) if disclosure is not None else None
    if assessment.action_items:
        actions = [
            {
                "domain": library.domains[item.domain].title.get(language) if item.domain in library.domains else "",
                "domain_id": item.domain or "",
                "question_id": item.question_id,
                "question": "",
                "priority": item.priority,
                "action": item.action,
                "support": item.support or "",
                "due_on": item.due_on.isoformat() if item.due_on else "",
            }
            for item in assessment.action_items
        ]
    else:
        actions = actions_from_suggestions(suggest_actions(questionnaire, card), questionnaire, library, language)
    return capacity_context(
        questionnaire=questionnaire,
        scorecard=card,
        library=library,
        answers=answer_views(assessment),
        facts=facts_of(assessment),
        actions=actions,
        reciprocity=parity,
        host_scorecard=host_card,
        language=language,
    )


def feedback_summary(library: Library, language: str, threshold: int = 3) -> dict[str, Any]:
    """Partners' ratings of the institute, in aggregate only and only from `threshold` partners up."""
    import statistics

    rated = db.session.scalars(
        sa.select(Assessment).where(
            Assessment.direction == "partner_rates_host", Assessment.status.in_(["submitted", "accepted"])
        )
    ).all()
    respondents = {assessment.respondent_id for assessment in rated}
    rows = []
    if len(respondents) >= threshold:
        questionnaire = questionnaire_of(rated[0].questionnaire_version)
        for question in questionnaire.questions:
            scores = []
            for assessment in rated:
                answer = next((a for a in assessment.answers if a.question_id == question.id), None)
                if answer is None or answer.value is None:
                    continue
                if question.type == "rating":
                    scores.append(float(answer.value))
                else:
                    choice = question.choice(str(answer.value))
                    if choice is not None and choice.score is not None:
                        scores.append(choice.score)
            if scores:
                scale = f"{question.minimum:g}–{question.maximum:g}" if question.type == "rating" else "1–4"
                rows.append(
                    {
                        "question": question.text.get(language),
                        "mean": statistics.mean(scores),
                        "count": len(scores),
                        "scale": scale,
                    }
                )
    return {"respondents": len(respondents), "threshold": threshold, "rows": rows}


def reciprocal_report_context(assessment: Assessment, library: Library, language: str) -> dict[str, Any]:
    """Both sides on the same domains: the partner's profile, the institute's, partners' rating of the institute."""
    from .charts import profile_chart
    from .context import domain_rows, reciprocity_rows

    card = scorecard_of(assessment, library)
    disclosure = published_disclosure()
    host_card = scorecard_of(disclosure, library) if disclosure is not None else None
    parity = parity_with(assessment, disclosure, library, card, host_card) if disclosure is not None else None
    partner_rows = domain_rows(card, library, language)
    host_scores = {domain.domain: domain.score for domain in host_card.domains} if host_card else {}
    facts = facts_of(assessment)
    return {
        "facts": facts,
        "partner_domains": partner_rows,
        "host_domains": domain_rows(host_card, library, language) if host_card else [],
        "chart": profile_chart(
            [(row["title"], row["score"], host_scores.get(row["id"])) for row in partner_rows],
            (facts.organisation, facts.host),
        ),
        "reciprocity": reciprocity_rows(parity, library, language) if parity else [],
        "parity": parity.parity if parity else None,
        "feedback": feedback_summary(library, language),
        "disclosure_published": disclosure is not None,
    }


def portfolio_context(library: Library, language: str) -> dict[str, Any]:
    """Every partner's latest self-assessment: tier, profile, confidence, burden and parity."""
    import pandas as pd

    from ..core.burden import estimate
    from ..store.models import SectionTime
    from .portfolio import frames_from_inputs, score_portfolio

    latest: dict[int, Assessment] = {}
    for assessment in db.session.scalars(
        sa.select(Assessment).where(Assessment.direction == "partner_self").order_by(Assessment.created_at)
    ):
        latest[assessment.subject_id] = assessment
    chosen = sorted(latest.values(), key=lambda a: a.subject.name)
    disclosure = published_disclosure()
    questionnaires, scopes, profiles, entries = {}, {}, {}, []
    for assessment in chosen:
        questionnaire = questionnaire_of(assessment.questionnaire_version)
        key = assessment.questionnaire_version.sha256
        questionnaires[key] = questionnaire
        scopes[str(assessment.id)] = scope_of(assessment)
        partnership = assessment.partnership
        profiles[str(assessment.id)] = library.domain_weights(partnership.type, partnership.roles)
        subject = assessment.subject
        entries.append(
            {
                "assessment_id": assessment.id,
                "questionnaire": key,
                "scope": str(assessment.id),
                "early": Stage(subject.staff_size, subject.founded_year, dt.date.today().year).early,
                "profile": str(assessment.id),
                "answers": scoring_inputs(assessment),
            }
        )
    rows = []
    if entries:
        frames = frames_from_inputs(entries)
        domains, overall = score_portfolio(*frames, questionnaires, scopes, profiles)
        scores = domains.pivot(index="assessment_id", columns="domain", values="score")
        overall = overall.set_index("assessment_id")
        seconds = dict(
            db.session.execute(
                sa.select(SectionTime.assessment_id, sa.func.sum(SectionTime.active_seconds)).group_by(
                    SectionTime.assessment_id
                )
            ).all()
        )
        for assessment in chosen:
            questionnaire = questionnaire_of(assessment.questionnaire_version)
            parity = parity_with(assessment, disclosure, library).parity if disclosure is not None else None
            row = overall.loc[assessment.id] if assessment.id in overall.index else None
            profile = scores.loc[assessment.id] if assessment.id in scores.index else pd.Series(dtype=float)
            rows.append(
                {
                    "assessment_id": assessment.id,
                    "partner": assessment.subject.name,
                    "partnership": assessment.partnership.title,
                    "type": assessment.partnership.type,
                    "tier": assessment.tier or "",
                    "status": assessment.status,
                    "overall": None if row is None or pd.isna(row["overall"]) else float(row["overall"]),
                    "band": None if row is None else row["overall_band"],
                    "confidence": None if row is None else float(row["confidence"]),
                    "estimated_minutes": round(estimate(questionnaire, scope_of(assessment)).minutes_high),
                    "actual_minutes": round(seconds.get(assessment.id, 0) / 60),
                    "parity": parity,
                    "profile": {
                        domain: (None if pd.isna(value) else float(value)) for domain, value in profile.items()
                    },
                }
            )
    titles = [(domain.id, domain.title.get(language)) for domain in library.domains.values()]
    return {"rows": rows, "domains": titles, "generated_on": dt.date.today().isoformat(), "host": facts_host()}


def facts_host() -> str:
    host = host_organisation(db.session)
    return host.name if host else "the institute"


def portfolio_frame(context: dict[str, Any]):
    """The portfolio as one flat table, for CSV and XLSX."""
    import pandas as pd

    records = []
    for row in context["rows"]:
        record = {
            key: row[key]
            for key in (
                "partner",
                "partnership",
                "type",
                "tier",
                "status",
                "overall",
                "band",
                "confidence",
                "estimated_minutes",
                "actual_minutes",
                "parity",
            )
        }
        record.update({title: row["profile"].get(domain) for domain, title in context["domains"]})
        records.append(record)
    return pd.DataFrame(records)


def ledger_requests() -> list:
    """Every partner request as the burden ledger counts it."""
    from collections import Counter

    from ..core.burden import estimate
    from ..core.ledger import RequestFacts
    from ..store.models import SectionTime
    from ..store.passport import repeat_asks

    seconds = dict(
        db.session.execute(
            sa.select(SectionTime.assessment_id, sa.func.sum(SectionTime.active_seconds)).group_by(
                SectionTime.assessment_id
            )
        ).all()
    )
    assessments = db.session.scalars(
        sa.select(Assessment).where(Assessment.direction == "partner_self").order_by(Assessment.id)
    ).all()
    per_partnership = Counter(assessment.partnership_id for assessment in assessments)
    facts = []
    for assessment in assessments:
        questionnaire = questionnaire_of(assessment.questionnaire_version)
        carried = {answer.question_id for answer in assessment.answers if answer.reused_from_id}
        burden = estimate(questionnaire, scope_of(assessment), carried)
        reused_answers = [answer for answer in assessment.answers if answer.reused_from_id]
        fresh_answers = [answer for answer in assessment.answers if not answer.reused_from_id]
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
                prefilled=len(reused_answers),
                reused=sum(1 for a in reused_answers if a.confirmed_at),
                documents_new=sum(len(a.evidence_files) for a in fresh_answers),
                documents_reused=sum(len(a.evidence_files) for a in reused_answers),
                repeat_asks=repeat_asks(db.session, assessment),
                burden_rating=assessment.burden_rating,
                days_to_decision=decided,
                funding=amount,
                mandated_by=questionnaire.mandated_by,
            )
        )
    return facts


def carried_summary(assessment: Assessment) -> tuple[int, dt.date | None]:
    """How many answers were carried over, and the date of the assessment most of them came from."""
    from collections import Counter

    sources = Counter(
        answer.reused_from.assessment.created_at.date() for answer in assessment.answers if answer.reused_from_id
    )
    if not sources:
        return 0, None
    return sum(sources.values()), sources.most_common(1)[0][0]
