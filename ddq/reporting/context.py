"""Facts -> scorecards -> the plain data a report template renders. No database, no web: dicts and strings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..core.actions import SuggestedAction, suggest_actions
from ..core.definitions import Library, Question, Questionnaire
from ..core.facts import AnswerView, AssessmentFacts, CapacityFacts, ReciprocalFacts, ReportFacts
from ..core.questions import type_of
from ..core.reciprocity import Reciprocity
from ..core.reciprocity import reciprocity as compare_sides
from ..core.scoring import Scorecard, score_assessment
from ..core.vocabulary import EVIDENCE_LEVELS
from .charts import profile_chart
from .feedback import feedback_summary

__all__ = ["AnswerView", "ReportFacts", "capacity_context", "capacity_report_context", "reciprocal_report_context"]


def answer_text(question: Question, answer: AnswerView | None, language: str) -> str:
    """An answer in words, as its question type reads it; N/A with its reason."""
    if answer is None or (answer.value in (None, "", []) and not answer.not_applicable):
        return ""
    if answer.not_applicable:
        return "N/A" + (f" — {answer.na_reason}" if answer.na_reason else "")
    return type_of(question).display(question, answer.value, language)


def domain_rows(scorecard: Scorecard, library: Library, language: str) -> list[dict[str, Any]]:
    return [
        {
            "id": domain.domain,
            "title": library.domains[domain.domain].title.get(language),
            "score": domain.score,
            "band": domain.band,
            "capped": domain.capped,
            "standing": domain.standing,
            "confidence": domain.confidence,
            "completeness": domain.completeness,
            "scored_items": domain.scored_items,
            "weight": scorecard.profile.get(domain.domain, 1.0),
            "points": domain.points,
            "weight_sum": domain.weight_sum,
        }
        for domain in scorecard.domains
    ]


def capacity_context(
    *,
    questionnaire: Questionnaire,
    scorecard: Scorecard,
    library: Library,
    answers: Mapping[str, AnswerView],
    facts: ReportFacts,
    actions: list[dict[str, Any]],
    reciprocity: Reciprocity | None = None,
    host_scorecard: Scorecard | None = None,
    language: str = "en",
) -> dict[str, Any]:
    """Everything the capacity report shows, as plain data."""
    domains = domain_rows(scorecard, library, language)
    titles = {row["id"]: row["title"] for row in domains}
    breakdown = []
    for row in domains:
        items = []
        for item in scorecard.items_of(row["id"]):
            if item.status in {"not_scored", "gate"}:
                continue
            question = questionnaire.question(item.question_id)
            items.append(
                {
                    "question": question.text.get(language),
                    "answer": answer_text(question, answers.get(question.id), language),
                    "comment": answers[question.id].comment if question.id in answers else None,
                    "status": item.status,
                    "weight": item.weight,
                    "key": item.key,
                    "score": item.score,
                    "points": item.points if item.status == "scored" else None,
                    "evidence": EVIDENCE_LEVELS[item.evidence_level],
                }
            )
        breakdown.append({**row, "items": items})
    gates = [
        {
            "question": questionnaire.question(gate.question_id).text.get(language),
            "domain": titles.get(gate.domain, gate.domain or ""),
            "passed": gate.passed,
        }
        for gate in scorecard.gates
    ]
    other_answers = [
        {
            "section": section.title.get(language),
            "question": question.text.get(language),
            "answer": answer_text(question, answers.get(question.id), language),
            "comment": answers[question.id].comment if question.id in answers else None,
            "files": list(answers[question.id].files) if question.id in answers else [],
        }
        for section in questionnaire.sections
        for question in section.questions
        if not question.scored and question.id in answers
    ]
    host_scores = {d.domain: d.score for d in host_scorecard.domains} if host_scorecard else {}
    chart_rows = [(row["title"], row["score"], host_scores.get(row["id"])) for row in domains]
    return {
        "title": questionnaire.title.get(language),
        "purpose": questionnaire.purpose.get(language),
        "visible_to": questionnaire.visible_to.get(language),
        "version": questionnaire.version,
        "direction": questionnaire.direction,
        "facts": facts,
        "domains": domains,
        "breakdown": breakdown,
        "gates": gates,
        "strengths": [row for row in domains if row["standing"] == "strength"],
        "priorities": [row for row in domains if row["standing"] == "priority"],
        "developing": [row for row in domains if row["standing"] in {"developing", "sufficient_for_stage"}],
        "overall": scorecard.overall,
        "overall_band": scorecard.overall_band,
        "confidence": scorecard.confidence,
        "early_stage": scorecard.early_stage,
        "actions": actions,
        "other_answers": other_answers,
        "chart": profile_chart(chart_rows, ("", facts.host if host_scorecard else "")),
        "reciprocity": reciprocity_rows(reciprocity, library, language) if reciprocity else None,
        "parity": reciprocity.parity if reciprocity else None,
    }


def reciprocity_rows(reciprocity: Reciprocity, library: Library, language: str) -> list[dict[str, Any]]:
    return [
        {
            "title": library.domains[row.domain].title.get(language),
            "asked": row.asked_items,
            "asked_documents": row.asked_documents,
            "disclosed": row.disclosed_items,
            "extra": row.extra_disclosures,
            "parity": row.parity,
            "at_parity": row.at_parity,
            "partner_score": row.partner_score,
            "host_score": row.host_score,
        }
        for row in reciprocity.domains
    ]


def actions_from_suggestions(
    suggestions: list[SuggestedAction], questionnaire: Questionnaire, library: Library, language: str
) -> list[dict[str, Any]]:
    """Suggested actions as action-plan rows, in words."""
    rows = []
    for suggestion in suggestions:
        question = questionnaire.question(suggestion.question_id)
        # the next level up, in the definition's own words; for a flagged gate, the question itself
        action = (suggestion.target or question.text).get(language)
        rows.append(
            {
                "domain": library.domains[suggestion.domain].title.get(language) if suggestion.domain else "",
                "domain_id": suggestion.domain or "",
                "question_id": suggestion.question_id,
                "question": question.text.get(language),
                "priority": suggestion.priority,
                "action": action,
                "support": "",
                "due_on": "",
            }
        )
    return rows


def scorecard_of(assessment: AssessmentFacts, library: Library) -> Scorecard:
    """The one scoring path, whatever the direction."""
    facts = assessment.facts
    profile = library.domain_weights(facts.partnership_type, facts.roles) if assessment.partnered else None
    return score_assessment(
        assessment.questionnaire,
        assessment.answers,
        domains=library.domains.values(),
        scope=assessment.scope,
        stage=assessment.stage,
        profile=profile,
    )


def parity_with(
    assessment: AssessmentFacts,
    disclosure: AssessmentFacts,
    library: Library,
    partner_scorecard: Scorecard | None = None,
    host_scorecard: Scorecard | None = None,
) -> Reciprocity:
    """What the institute asked in `assessment`, against what it disclosed in `disclosure`."""
    return compare_sides(
        assessment.questionnaire,
        assessment.scope,
        disclosure.questionnaire,
        disclosure.answers,
        domains=list(library.domains),
        partner_answers=assessment.answers,
        host_documents={question_id: view.files for question_id, view in disclosure.views.items()},
        partner_scorecard=partner_scorecard,
        host_scorecard=host_scorecard,
    )


def capacity_report_context(report: CapacityFacts, library: Library, language: str) -> dict[str, Any]:
    """The capacity report of one assessment (a partner's, or the institute's own disclosure)."""
    assessment, disclosure = report.assessment, report.disclosure
    questionnaire = assessment.questionnaire
    card = scorecard_of(assessment, library)
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
        answers=assessment.views,
        facts=assessment.facts,
        actions=actions,
        reciprocity=parity,
        host_scorecard=host_card,
        language=language,
    )


def reciprocal_report_context(report: ReciprocalFacts, library: Library, language: str) -> dict[str, Any]:
    """Both sides on the same domains: the partner's profile, the institute's, partners' rating of the institute."""
    assessment, disclosure = report.assessment, report.disclosure
    card = scorecard_of(assessment, library)
    host_card = scorecard_of(disclosure, library) if disclosure is not None else None
    parity = parity_with(assessment, disclosure, library, card, host_card) if disclosure is not None else None
    partner_rows = domain_rows(card, library, language)
    host_scores = {domain.domain: domain.score for domain in host_card.domains} if host_card else {}
    facts = assessment.facts
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
        "feedback": feedback_summary(report.feedback, language),
        "disclosure_published": disclosure is not None,
    }
