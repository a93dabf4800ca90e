"""Portfolio scoring against the per-assessment scorer on any answers: values of every kind (3, 3.0, "3", True, [],
"unknown", NaN, lists), N/A, skip logic of every form, weights and profile weights whose sums depend on the order of
adding. Every item, every domain figure and every overall figure must be the core's, exactly."""

from __future__ import annotations

import dataclasses
import math
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ddq.core.conditions import parse
from ddq.core.definitions import Scope
from ddq.core.scoring import AnswerInput, Stage, score_assessment
from ddq.reporting.portfolio import frames_from_inputs, score_items, score_portfolio
from tests.reporting.test_portfolio import DOMAIN_FIELDS

SCOPES = {
    "light-comm": Scope("light", "thematic", frozenset({"communication"})),
    "enhanced-all": Scope("enhanced", "funding", frozenset({"research", "communication", "policy_influence"})),
    "any": Scope(),
}
ABSENT = object()
NAN = float("nan")


def _replace_questions(questionnaire, change):
    sections = tuple(
        dataclasses.replace(section, questions=tuple(change(question) for question in section.questions))
        for section in questionnaire.sections
    )
    return dataclasses.replace(questionnaire, sections=sections)


def _stressed(questionnaire):
    """The questionnaire with weights whose sums round differently in another order, and conditions of every form:
    numbers, lists, `in`, `not`, `and`/`or`, answered(), selected(), count_selected()."""
    by_type = {}
    for question in questionnaire.questions:
        by_type.setdefault(question.type, question)
    number, multi, yes_no = by_type["number"], by_type["multi_choice"], by_type["yes_no"]
    maturity = by_type["maturity"]
    picked = multi.choices[0].value
    sources = [
        f"{number.id} >= 3 and {yes_no.id} = 'yes'",
        f"selected({multi.id}, '{picked}') or {maturity.id} in [1, '2']",
        f"count_selected({multi.id}) > 1",
        f"not answered({number.id})",
        f"{maturity.id} != 3",
        f"{yes_no.id}",
    ]
    weights = (0.1, 0.7, 1.0, 2.0, 0.3, 1.3)
    targets = [
        question.id
        for question in questionnaire.questions
        if question.show_if is None and question.id not in {number.id, multi.id, yes_no.id, maturity.id}
    ]
    conditions = {question_id: parse(sources[i % len(sources)]) for i, question_id in enumerate(targets[::5])}
    order = {question.id: i for i, question in enumerate(questionnaire.questions)}

    def change(question):
        return dataclasses.replace(
            question,
            weight=weights[order[question.id] % len(weights)],
            show_if=conditions.get(question.id, question.show_if),
        )

    return dataclasses.replace(_replace_questions(questionnaire, change), id=f"{questionnaire.id}-stressed")


def _candidates(question):
    """Values an answer to this question may hold: its own choices as text, numbers, floats and lists, and the
    values the core reads in its own way."""
    values = [ABSENT, None, "", [], "unknown", "12", 12, 7.5, NAN, True, False, "yes", ["unknown"]]
    for choice in question.choices:
        values.append(choice.value)
        values.append([choice.value])
        if choice.value.isdigit():
            values.extend([int(choice.value), float(choice.value)])
    if len(question.choices) > 1:
        values.append([question.choices[0].value, question.choices[-1].value])
    return values


def build_setting(library):
    capacity = library.questionnaire("partner-capacity")
    questionnaires = {
        "partner-capacity": capacity,
        "stressed": _stressed(capacity),
        "host-disclosure": library.questionnaire("host-disclosure"),
    }
    domains = sorted(library.domains)
    profiles = {
        "none": {},
        "funding": library.domain_weights("funding", ["research"]),
        "odd": {domain: (0.1, 0.2, 0.0, 3.0, 0.7)[i % 5] for i, domain in enumerate(domains)},
    }
    candidates = {
        key: {question.id: _candidates(question) for question in questionnaire.questions}
        for key, questionnaire in questionnaires.items()
    }
    return library, questionnaires, profiles, candidates


@pytest.fixture(scope="module")
def setting(shipped_library):
    return build_setting(shipped_library)


def random_entry(rng, assessment_id, setting):
    """One assessment with answers drawn from each question's candidate values, some N/A, at any evidence level."""
    _, questionnaires, profiles, candidates = setting
    key = rng.choice(sorted(questionnaires))
    answers = {}
    for question in questionnaires[key].questions:
        value = rng.choice(candidates[key][question.id])
        if value is not ABSENT:
            answers[question.id] = AnswerInput(value, rng.random() < 0.1, rng.randint(0, 3))
    return {
        "assessment_id": assessment_id,
        "questionnaire": key,
        "scope": rng.choice(sorted(SCOPES)),
        "early": rng.random() < 0.5,
        "profile": rng.choice(sorted(profiles)),
        "answers": answers,
    }


def same(a, b):
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    return a == b


def assert_exact(setting, entries):
    _, questionnaires, profiles, _ = setting
    assessments, answers = frames_from_inputs(entries)
    domains, overall = score_portfolio(assessments, answers, questionnaires, SCOPES, profiles)
    items = score_items(assessments, answers, questionnaires, SCOPES)
    by_key = {(row.assessment_id, row.domain): row for row in domains.itertuples()}
    overall_by_id = {row.assessment_id: row for row in overall.itertuples()}
    items_by_id = {key: list(group.itertuples()) for key, group in items.groupby("assessment_id")}
    for entry in entries:
        assessment_id = entry["assessment_id"]
        card = score_assessment(
            questionnaires[entry["questionnaire"]],
            entry["answers"],
            scope=SCOPES[entry["scope"]],
            stage=Stage(staff_size=5 if entry["early"] else 500),
            profile=profiles[entry["profile"]] or None,
        )
        rows = items_by_id.get(assessment_id, [])
        assert [(row.question_id, row.status) for row in rows] == [(i.question_id, i.status) for i in card.items]
        for row, item in zip(rows, card.items, strict=True):
            assert same(item.score, row.score), (assessment_id, item.question_id, "score")
            assert item.needs_evidence == row.needs_evidence, (assessment_id, item.question_id, "needs_evidence")
        assert sorted(key[1] for key in by_key if key[0] == assessment_id) == sorted(d.domain for d in card.domains)
        for domain in card.domains:
            row = by_key[(assessment_id, domain.domain)]
            for field in DOMAIN_FIELDS:
                assert same(getattr(domain, field), getattr(row, field)), (assessment_id, domain.domain, field)
            assert row.profile_weight == card.profile[domain.domain]
        summary = overall_by_id[assessment_id]
        assert same(card.overall, summary.overall), (assessment_id, "overall")
        assert same(card.overall_band, summary.overall_band), (assessment_id, "overall_band")
        assert card.confidence == summary.confidence, (assessment_id, "confidence")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seeds=st.lists(st.integers(0, 2**32 - 1), min_size=1, max_size=6))
def test_any_answers_score_exactly_as_the_core_scores_them(setting, seeds):
    entries = [random_entry(random.Random(seed), i, setting) for i, seed in enumerate(seeds, start=1)]
    assert_exact(setting, entries)


def _one(questionnaire, answers, scope="any", profile="none", assessment_id=1):
    return {
        "assessment_id": assessment_id,
        "questionnaire": questionnaire,
        "scope": scope,
        "early": False,
        "profile": profile,
        "answers": answers,
    }


def test_values_the_core_reads_apart_are_read_apart(setting):
    """3 scores a maturity question; 3.0 and True do not (the core reads the choice "3.0" and "True"); [] on a
    single choice is unanswered; NaN is an answer without a score."""
    questionnaire = setting[1]["partner-capacity"]
    maturity = [question.id for question in questionnaire.questions if question.type == "maturity"]
    single = next(question.id for question in questionnaire.questions if question.type == "single_choice")
    entries = [
        _one("partner-capacity", {maturity[0]: AnswerInput(value), single: AnswerInput(other)}, assessment_id=i)
        for i, (value, other) in enumerate([(3, []), (3.0, NAN), (True, None), ("3", ""), (1, "unknown")], start=1)
    ]
    assert_exact(setting, entries)
    items = score_items(*frames_from_inputs(entries), setting[1], SCOPES)
    first = items[items["question_id"] == maturity[0]].set_index("assessment_id")["status"].to_dict()
    assert first == {1: "scored", 2: "unknown", 3: "unknown", 4: "scored", 5: "scored"}


def test_an_answer_outside_the_scope_still_opens_a_condition(setting):
    """Skip logic reads every answer given, applicable to the scope or not, and never an N/A one."""
    questionnaire = setting[1]["stressed"]
    entries = [
        _one("stressed", {question.id: AnswerInput("yes", not_applicable=i % 2 == 0)}, "light-comm", assessment_id=i)
        for i, question in enumerate(questionnaire.questions)
    ]
    assert_exact(setting, entries)


def test_an_assessment_without_answers_has_its_figures(setting):
    entries = [_one("host-disclosure", {}), _one("partner-capacity", {}, "light-comm", "odd", assessment_id=2)]
    assert_exact(setting, entries)
    _, overall = score_portfolio(*frames_from_inputs(entries), setting[1], SCOPES, setting[2])
    assert overall["assessment_id"].tolist() == [1, 2] and overall["confidence"].tolist() == [0.0, 0.0]
