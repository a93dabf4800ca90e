"""Suggested action plans speak the methodology: a maturity item's next level, a choice item's written step."""

import textwrap

import pytest

from ddq.core.actions import next_step, suggest_actions
from ddq.core.definitions import DefinitionError, Scope, load_library, questionnaire_from_data, questionnaire_to_data
from ddq.core.questions import TYPES
from ddq.core.scoring import AnswerInput, score_assessment
from ddq.core.vocabulary import PARTNER_ROLES

EVERYTHING = Scope(tier="enhanced", partner_roles=frozenset(PARTNER_ROLES))


def _weakest_answers(questionnaire) -> dict[str, AnswerInput]:
    """Every scored question answered with its lowest-scoring choice: the weakest organisation possible."""
    answers = {}
    for question in questionnaire.questions:
        scored = [choice for choice in question.choices if choice.score is not None]
        if scored:
            answers[question.id] = AnswerInput(min(scored, key=lambda choice: choice.score).value)
    return answers


def _second_answers(questionnaire) -> dict[str, AnswerInput]:
    """Every scored question answered with its second-lowest choice (a score of 2 on most items)."""
    answers = {}
    for question in questionnaire.questions:
        scored = sorted((c for c in question.choices if c.score is not None), key=lambda choice: choice.score)
        if len(scored) > 1:
            answers[question.id] = AnswerInput(scored[1].value)
    return answers


@pytest.mark.parametrize("answers_of", [_weakest_answers, _second_answers])
def test_no_suggested_step_is_a_raw_answer_label(shipped_library, answers_of):
    questionnaire = shipped_library.questionnaire("partner-capacity")
    answers = answers_of(questionnaire)
    card = score_assessment(questionnaire, answers, domains=shipped_library.domains.values(), scope=EVERYTHING)
    actions = suggest_actions(questionnaire, card, answers)
    assert actions, "a weak organisation gets suggestions"
    for action in actions:
        question = questionnaire.question(action.question_id)
        if TYPES[question.type].choices_from == "anchors" or action.target is None:
            continue
        labels = {choice.label.get() for choice in question.choices}
        assert action.target.get() not in labels, f"{question.id}: {action.target.get()!r} is an answer label"


def test_a_choice_item_suggests_the_step_the_bank_writes_for_the_choice_given(shipped_library):
    questionnaire = shipped_library.questionnaire("partner-capacity")
    reserves = questionnaire.question("reserves_months")
    step = next_step(reserves, 2.0, "1_3")
    assert step is not None and "three months" in step.get() and step.get("fr").startswith("Constituer")
    assert "Three to six months" not in step.get()
    audit = questionnaire.question("audit_opinion")
    assert "qualification" in next_step(audit, 2.0, "qualified").get()
    assert next_step(audit, 4.0, "unqualified") is None  # nothing above the top


def test_a_maturity_item_suggests_what_the_next_level_means(shipped_library):
    questionnaire = shipped_library.questionnaire("partner-capacity")
    maturity = next(question for question in questionnaire.questions if question.type == "maturity")
    assert next_step(maturity, 2.0).get() == maturity.choices[2].label.get()  # level 3's anchor, in full
    assert next_step(maturity, 4.0) is None


def test_a_choice_without_a_written_step_suggests_nothing_rather_than_a_label(shipped_library):
    questionnaire = shipped_library.questionnaire("partner-capacity")
    audit_done = questionnaire.question("audit_done")  # yes/no: "Yes" is not a step
    assert next_step(audit_done, 2.0, "no") is None


STEPPED = """\
id: stepped
version: "1"
direction: partner_self
title: Stepped
purpose: Steps.
visible_to: The test.
sections:
  - id: money
    title: Money
    questions:
      - id: m1
        type: single_choice
        domain: financial_stability
        text: Reserves?
        choices:
          - {value: a, label: None at all, score: 1, next_step: {en: Start a reserve., fr: Créer une réserve.}}
          - {value: b, label: Plenty, score: 4}
"""


def test_next_step_is_read_kept_in_the_snapshot_and_checked(library_copy):
    (library_copy / "stepped.yaml").write_text(textwrap.dedent(STEPPED), encoding="utf-8")
    questionnaire = load_library(library_copy).questionnaire("stepped")
    again = questionnaire_from_data(questionnaire_to_data(questionnaire))
    assert again.question("m1").choice("a").next_step.get("fr") == "Créer une réserve."
    (library_copy / "stepped.yaml").write_text(
        textwrap.dedent(STEPPED).replace("next_step: {en: Start a reserve., fr: Créer une réserve.}", "next_step: 3"),
        encoding="utf-8",
    )
    assert load_library(library_copy).questionnaire("stepped").question("m1").choice("a").next_step.get() == "3"
    (library_copy / "stepped.yaml").write_text(
        textwrap.dedent(STEPPED).replace("next_step: {en: Start a reserve., fr: Créer une réserve.}", "next_step: []"),
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError, match="next_step"):
        load_library(library_copy)
