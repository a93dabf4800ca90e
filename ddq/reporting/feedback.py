"""Partners' feedback about the institute, in aggregate: each question's figure only from enough partners."""

from __future__ import annotations

import statistics
from typing import Any

from ..core.anonymity import MIN_RESPONDENTS, may_show
from ..core.definitions import Questionnaire
from ..core.facts import FeedbackFacts, FeedbackTally
from ..core.questions import summarise, type_of


def feedback_summary(feedback: FeedbackFacts, language: str) -> dict[str, Any]:
    """Per question, the mean score of partners' answers, or `withheld` when too few partners answered it."""
    rows = []
    questionnaire = feedback.questionnaire
    for question in questionnaire.questions if questionnaire is not None else ():
        scores, partners = [], set()
        for answer in feedback.answers:
            if answer.question_id != question.id:
                continue
            figure = type_of(question).figure(question, answer.value)
            if figure is None:
                continue
            scores.append(figure)
            partners.add(answer.partner)
        if not scores:
            continue
        low, high = type_of(question).scale(question)
        scale = f"{low:g}–{high:g}"
        shown = may_show(partners)
        rows.append(
            {
                "question": question.text.get(language),
                "withheld": not shown,
                "mean": statistics.mean(scores) if shown else None,
                "count": len(scores) if shown else None,
                "scale": scale,
            }
        )
    return {
        "respondents": feedback.respondents,
        "threshold": MIN_RESPONDENTS,
        "rows": rows if may_show(feedback.respondents) else [],
    }


def feedback_table(tally: FeedbackTally, questionnaire: Questionnaire, language: str = "en") -> list[dict[str, Any]]:
    """The staff page's rows, from the counts the database made: per question of `questionnaire`, how many answers
    and a summary of them (a mean on the scale, counts per choice, or a count), or `withheld` when fewer partners
    than `may_show` requires gave the question a value; no row at all while too few partners sent feedback."""
    if not may_show(tally.respondents):
        return []
    rows = []
    for question in questionnaire.questions:
        shown = may_show(tally.partners.get(question.id, 0))
        counted = tally.values.get(question.id, ()) if shown else ()
        values = [value for value, number in counted for _ in range(number)]
        rows.append(
            {
                "question": question,
                "withheld": not shown,
                "count": len(values) if shown else None,
                "summary": summarise(question, values, language) if shown else "",
            }
        )
    return rows
