"""Facts -> scorecards -> the plain data a report template renders. No database, no web: dicts and strings."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from functools import partial
from typing import Any

from ..core.actions import SuggestedAction, suggest_actions
from ..core.consensus import LEAST_CONSENSUS_RANGE, Consensus, consensus
from ..core.definitions import Library, Question, Questionnaire
from ..core.facts import (
    AnswerView,
    AssessmentFacts,
    CapacityFacts,
    CycleFacts,
    Publication,
    ReciprocalFacts,
    ReportFacts,
)
from ..core.questions import type_of
from ..core.reciprocity import Reciprocity
from ..core.reciprocity import reciprocity as compare_sides
from ..core.scoring import Scorecard, score_assessment
from ..core.trend import trend
from ..core.vocabulary import EVIDENCE_LEVELS
from .charts import profile_chart
from .feedback import feedback_summary

__all__ = [
    "AnswerView",
    "ReportFacts",
    "capacity_context",
    "capacity_report_context",
    "reciprocal_report_context",
    "scorecard_summary",
]


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
    publication: Publication | None = None,
    spread: Consensus | None = None,
    show_names: bool = True,
    cycle: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the capacity report shows, as plain data. `spread`: how far apart colleagues' ratings are,
    with their names when `show_names` (only staff and the organisation itself read them); `cycle`: the change
    since the previous cycle (`cycle_context`)."""
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
    # the assessment's own profile only: the two sides are compared on the same questions further down
    chart_rows = [(row["title"], row["score"], None) for row in domains]
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
        **standings(domains),
        "overall": scorecard.overall,
        "overall_band": scorecard.overall_band,
        "confidence": scorecard.confidence,
        "early_stage": scorecard.early_stage,
        "actions": actions,
        "other_answers": other_answers,
        "chart": profile_chart(chart_rows, (facts.organisation,)),
        "reciprocity": reciprocity_rows(reciprocity, library, language) if reciprocity else None,
        "parity": reciprocity.parity if reciprocity else None,
        "parity_totals": parity_totals(reciprocity) if reciprocity else None,
        "publication": publication,
        "consensus": consensus_rows(spread, questionnaire, titles, language, show_names) if spread else None,
        "cycle": cycle,
    }


def cycle_context(cycle: CycleFacts, card: Scorecard, library: Library, language: str) -> dict[str, Any]:
    """Each domain's change since the previous cycle, the lighter terms a rise supports (ddq.core.trend, as the
    staff and partner pages show them) and the terms agreed in the joint review, in `language`.

    `chart` draws both cycles' scores per domain when given the two series' names (the template words them)."""
    result = trend(
        scorecard_of(cycle.previous, library),
        card,
        tier=cycle.tier,
        tiers=tuple(library.tiers),
        cycle_months=cycle.cycle_months,
    )

    def title(domain_id: str) -> str:
        domain = library.domains.get(domain_id)
        return domain.title.get(language) if domain else domain_id

    def tier_title(tier_id: str | None) -> str | None:
        tier = library.tiers.get(tier_id) if tier_id else None
        return tier.title.get(language) if tier else tier_id

    suggestions = [
        {
            "kind": suggestion.kind,
            "tier": tier_title(suggestion.value) if suggestion.kind == "lower_tier" else None,
            "months": suggestion.value if suggestion.kind == "longer_validity" else None,
            "domains": ", ".join(map(title, suggestion.value)) if suggestion.kind == "fewer_checks" else None,
        }
        for suggestion in result.suggestions
    ]
    agreed = cycle.agreed
    rows = [(title(c.domain), c.before, c.after) for c in result.changes if c.before is not None or c.after is not None]
    return {
        "previous_on": cycle.previous_on,
        "current_on": cycle.current_on,
        "chart": partial(profile_chart, rows),
        "changes": [
            {"id": c.domain, "title": title(c.domain), "before": c.before, "after": c.after, "change": c.change,
             "direction": c.direction}
            for c in result.changes
        ],
        "overall_before": result.overall_before,
        "overall_after": result.overall_after,
        "rose": bool(result.rose),
        "suggestions": suggestions,
        "agreed": {
            "decided_on": agreed.decided_on,
            "tier": tier_title(agreed.tier),
            "cycle_months": agreed.cycle_months,
            "terms": agreed.terms,
        }
        if agreed is not None
        else None,
    }


def consensus_rows(
    spread: Consensus, questionnaire: Questionnaire, titles: Mapping[str, str], language: str, show_names: bool
) -> dict[str, Any] | None:
    """The items two or more people rated, each with its range, and each domain's summary; None when there are
    none (one person answered). Names only where `show_names`."""
    if not spread.items:
        return None

    def row(item) -> dict[str, Any]:
        return {
            "id": item.question_id,
            "question": questionnaire.question(item.question_id).text.get(language),
            "domain": titles.get(item.domain, item.domain or ""),
            "raters": item.raters,
            "low": item.low,
            "high": item.high,
            "range": item.range,
            "least_consensus": item.least_consensus,
            "scores": [{"rater": name if show_names else None, "score": score} for name, score in item.scores],
        }

    return {
        "threshold": LEAST_CONSENSUS_RANGE,
        "names": show_names,
        "items": [row(item) for item in spread.items],
        "least": [row(item) for item in spread.least_consensus],
        "domains": [
            {
                "id": domain.domain,
                "title": titles.get(domain.domain, domain.domain or ""),
                "items": domain.items,
                "raters": domain.raters,
                "largest_range": domain.largest_range,
                "mean_range": domain.mean_range,
                "least_consensus": domain.least_consensus,
            }
            for domain in spread.domains
        ],
    }


def spread_of(assessment: AssessmentFacts, card: Scorecard) -> Consensus:
    """How far apart the people who rated the assessment's items are, over the items its scorecard scored."""
    counted = {item.question_id for item in card.items if item.status == "scored"}
    return consensus(assessment.questionnaire, assessment.ratings, counted=counted)


def standings(domains: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Methodology §2, one list per standing: a domain is in exactly one list or, if adequate or not
    assessed, in none. "Sufficient at this stage" is never a priority nor a weakness."""
    return {
        "strengths": [row for row in domains if row["standing"] == "strength"],
        "priorities": [row for row in domains if row["standing"] == "priority"],
        "developing": [row for row in domains if row["standing"] == "developing"],
        "sufficient": [row for row in domains if row["standing"] == "sufficient_for_stage"],
        "adequate": [row for row in domains if row["standing"] == "adequate"],
    }


def reciprocity_rows(reciprocity: Reciprocity, library: Library, language: str) -> list[dict[str, Any]]:
    return [
        {
            "title": library.domains[row.domain].title.get(language),
            "id": row.domain,
            "asked": row.asked_items,
            "asked_documents": row.asked_documents,
            "disclosed": row.disclosed_items,
            "disclosed_documents": row.disclosed_documents,
            "extra": row.extra_disclosures,
            "hidden_on_host_side": row.hidden_on_host_side,
            "parity": row.parity,
            "at_parity": row.at_parity,
            "compared": row.compared_items,
            "partner_score": row.partner_score,
            "host_score": row.host_score,
            "host_full_score": row.host_full_score,
        }
        for row in reciprocity.domains
    ]


def parity_totals(reciprocity: Reciprocity) -> dict[str, Any]:
    """Across domains: how many domains were asked about, how many are at parity, and the items behind them."""
    asked = [row for row in reciprocity.domains if row.asked_items]
    return {
        "domains_asked": len(asked),
        "domains_at_parity": sum(row.at_parity for row in asked),
        "asked": sum(row.asked_items + row.asked_documents for row in reciprocity.domains),
        "disclosed": sum(row.disclosed_items + row.disclosed_documents for row in reciprocity.domains),
    }


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
    profile = assessment.profile  # frozen with a published report
    if profile is None and assessment.partnered:
        profile = library.domain_weights(facts.partnership_type, facts.roles)
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


def as_published(report: CapacityFacts | ReciprocalFacts, library: Library) -> Library:
    """The library with the domains a published report froze (their order, titles and descriptions), so that a
    later change to the definitions does not change what was published."""
    if report.domains is None:
        return library
    return dataclasses.replace(library, domains={domain.id: domain for domain in report.domains})


def capacity_report_context(report: CapacityFacts, library: Library, language: str) -> dict[str, Any]:
    """The capacity report of one assessment (a partner's, or the institute's own disclosure)."""
    library = as_published(report, library)
    assessment = report.assessment
    questionnaire = assessment.questionnaire
    card, host_card, parity = sides(report, library)
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
        suggestions = suggest_actions(questionnaire, card, assessment.answers)
        actions = actions_from_suggestions(suggestions, questionnaire, library, language)
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
        publication=report.publication,
        spread=spread_of(assessment, card),
        # the institute's disclosure is read by every partner: its people's names are not theirs to read
        show_names=assessment.direction != "host_disclosure",
        cycle=cycle_context(report.cycle, card, library, language) if report.cycle is not None else None,
    )


def sides(
    report: CapacityFacts | ReciprocalFacts, library: Library
) -> tuple[Scorecard, Scorecard | None, Reciprocity | None]:
    """The one way every report and `ddq scorecard` score a report's facts: the assessment's scorecard, the
    institute's disclosure's, and the comparison of the two."""
    assessment, disclosure = report.assessment, report.disclosure
    card = scorecard_of(assessment, library)
    host_card = scorecard_of(disclosure, library) if disclosure is not None else None
    parity = parity_with(assessment, disclosure, library, card, host_card) if disclosure is not None else None
    return card, host_card, parity


def reciprocal_report_context(report: ReciprocalFacts, library: Library, language: str) -> dict[str, Any]:
    """Both sides on the same domains: the partner's profile, the institute's, partners' rating of the institute."""
    library = as_published(report, library)
    card, host_card, parity = sides(report, library)
    facts = report.assessment.facts
    rows = reciprocity_rows(parity, library, language) if parity else []
    return {
        "facts": facts,
        "partner_domains": domain_rows(card, library, language),
        "host_domains": domain_rows(host_card, library, language) if host_card else [],
        # like with like: both bars over the same questions of each domain
        "chart": profile_chart(
            [(row["title"], row["partner_score"], row["host_score"]) for row in rows if row["compared"]],
            (facts.organisation, facts.host),
        ),
        "reciprocity": rows,
        "parity": parity.parity if parity else None,
        "parity_totals": parity_totals(parity) if parity else None,
        "feedback": feedback_summary(report.feedback, language),
        "disclosure_published": report.disclosure is not None,
        "publication": report.publication,
    }


def scorecard_summary(report: CapacityFacts | ReciprocalFacts, library: Library) -> dict[str, Any]:
    """What a report shows, as plain data for `ddq scorecard --json`: scored by `sides`, as the reports are."""
    card, host_card, parity = sides(report, library)
    assessment = report.assessment
    own_side = "partner" if assessment.direction == "partner_self" else "institute"
    summary: dict[str, Any] = {
        "assessment": assessment.id,
        "direction": assessment.direction,
        "organisation": assessment.facts.organisation,
        "questionnaire": {"id": assessment.questionnaire.id, "sha256": assessment.questionnaire_key},
        "stage": {
            "year": assessment.stage.year,
            "staff_size": assessment.stage.staff_size,
            "founded_year": assessment.stage.founded_year,
        },
        "sides": {own_side: side_summary(card)},
        "parity": None,
        "published": None,
        "consensus": consensus_summary(spread_of(assessment, card)),
    }
    if host_card is not None and report.disclosure is not None:
        summary["sides"]["institute"] = {
            **side_summary(host_card),
            "assessment": report.disclosure.id,
            "questionnaire": {"id": report.disclosure.questionnaire.id, "sha256": report.disclosure.questionnaire_key},
        }
    if parity is not None:
        summary["parity"] = {
            "domains_at_parity": parity.parity,
            "domains": {
                row.domain: {
                    "asked_items": row.asked_items,
                    "asked_documents": row.asked_documents,
                    "disclosed_items": row.disclosed_items,
                    "disclosed_documents": row.disclosed_documents,
                    "extra_disclosures": row.extra_disclosures,
                    "hidden_on_host_side": row.hidden_on_host_side,
                    "compared_items": row.compared_items,
                    "partner_score": row.partner_score,
                    "host_score": row.host_score,
                    "host_full_score": row.host_full_score,
                    "parity": row.parity,
                    "at_parity": row.at_parity,
                }
                for row in parity.domains
            },
        }
    if report.publication is not None:
        publication = report.publication
        summary["published"] = {
            "version": publication.version,
            "published_on": publication.published_on,
            "fingerprint": publication.fingerprint,
        }
    return summary


def consensus_summary(spread: Consensus) -> dict[str, Any] | None:
    """Where two or more people rated items: each item's raters and range, each domain's summary, and the areas
    of least consensus (widest range first); None when one person answered everything."""
    if not spread.items:
        return None
    return {
        "threshold": LEAST_CONSENSUS_RANGE,
        "least_consensus": [item.question_id for item in spread.least_consensus],
        "items": {
            item.question_id: {
                "domain": item.domain,
                "raters": item.raters,
                "low": item.low,
                "high": item.high,
                "range": item.range,
                "least_consensus": item.least_consensus,
                "scores": [[name, score] for name, score in item.scores],
            }
            for item in spread.items
        },
        "domains": {
            domain.domain or "": {
                "items": domain.items,
                "raters": domain.raters,
                "largest_range": domain.largest_range,
                "mean_range": domain.mean_range,
                "least_consensus": domain.least_consensus,
            }
            for domain in spread.domains
        },
    }


def side_summary(card: Scorecard) -> dict[str, Any]:
    """One side's scorecard: overall, and per domain the figures and the question ids counted."""
    return {
        "overall": card.overall,
        "overall_band": card.overall_band,
        "confidence": card.confidence,
        "early_stage": card.early_stage,
        "profile": dict(card.profile),
        "domains": {
            domain.domain: {
                "score": domain.score,
                "band": domain.band,
                "capped": domain.capped,
                "standing": domain.standing,
                "confidence": domain.confidence,
                "completeness": domain.completeness,
                "counted": [item.question_id for item in card.items_of(domain.domain) if item.status == "scored"],
            }
            for domain in card.domains
        },
        "gates": [
            {"question": gate.question_id, "domain": gate.domain, "passed": gate.passed} for gate in card.gates
        ],
    }
