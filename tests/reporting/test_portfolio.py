"""Portfolio scoring gives exactly the per-assessment numbers, and exports are safe to open."""

import math
import random

import pytest

from ddq.core.definitions import Scope
from ddq.core.scoring import AnswerInput, Stage, score_assessment
from ddq.reporting.portfolio import frames_from_inputs, score_portfolio

SCOPES = {
    "light-comm": Scope("light", "thematic", frozenset({"communication"})),
    "standard-research": Scope("standard", "project", frozenset({"research"})),
    "enhanced-all": Scope("enhanced", "funding", frozenset({"research", "communication", "policy_influence"})),
    "any": Scope(),
}


#: Every field of a domain's score, compared one by one.
DOMAIN_FIELDS = (
    "score",
    "weight_sum",
    "points",
    "scored_items",
    "key_items",
    "band",
    "capped",
    "confidence",
    "completeness",
    "standing",
    "lowest_key_score",
)


def random_answers(questionnaire, scope, rng):
    answers = {}
    for _, question in questionnaire.applicable(scope):
        roll = rng.random()
        if roll < 0.12:
            continue
        if roll < 0.2 and question.allow_na:
            answers[question.id] = AnswerInput(None, not_applicable=True)
            continue
        if question.type == "maturity":
            value = rng.randint(1, 4)
        elif question.type == "multi_choice":
            value = rng.sample([c.value for c in question.choices], k=rng.randint(1, 2))
        elif question.choices:
            value = rng.choice(question.choices).value
        elif question.type in {"number", "money", "percent", "rating"}:
            value = rng.randint(0, 7)
        else:
            value = "text"
        answers[question.id] = AnswerInput(value, evidence_level=rng.randint(0, 3))
    return answers


@pytest.fixture(scope="module")
def portfolio_inputs(shipped_library):
    rng = random.Random(7)
    questionnaires = {key: shipped_library.questionnaire(key) for key in ("partner-capacity", "host-disclosure")}
    profiles = {"funding": shipped_library.domain_weights("funding", ["research"]), "none": {}}
    entries = []
    for assessment_id in range(1, 121):
        key = "host-disclosure" if assessment_id % 10 == 0 else "partner-capacity"
        scope_key = "any" if key == "host-disclosure" else rng.choice(list(SCOPES)[:3])
        entries.append(
            {
                "assessment_id": assessment_id,
                "questionnaire": key,
                "scope": scope_key,
                "early": rng.random() < 0.3,
                "profile": rng.choice(list(profiles)),
                "answers": random_answers(questionnaires[key], SCOPES[scope_key], rng),
            }
        )
    return shipped_library, questionnaires, profiles, entries


def same(a, b):
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    return a == b


def test_portfolio_gives_exactly_the_per_assessment_numbers(portfolio_inputs):
    library, questionnaires, profiles, entries = portfolio_inputs
    assessments, answers = frames_from_inputs(entries)
    domains, overall = score_portfolio(assessments, answers, questionnaires, SCOPES, profiles)
    by_key = {(row.assessment_id, row.domain): row for row in domains.itertuples()}
    overall_by_id = {row.assessment_id: row for row in overall.itertuples()}
    checked = 0
    for entry in entries:
        card = score_assessment(
            questionnaires[entry["questionnaire"]],
            entry["answers"],
            domains=library.domains.values(),
            scope=SCOPES[entry["scope"]],
            stage=Stage(staff_size=5 if entry["early"] else 500),
            profile=profiles[entry["profile"]] or None,
        )
        assert len([key for key in by_key if key[0] == entry["assessment_id"]]) == len(card.domains)
        for domain in card.domains:
            row = by_key[(entry["assessment_id"], domain.domain)]
            for field in DOMAIN_FIELDS:
                assert same(getattr(domain, field), getattr(row, field)), (entry["assessment_id"], domain.domain, field)
            checked += 1
        summary = overall_by_id[entry["assessment_id"]]
        assert same(card.overall, summary.overall) and card.overall_band == summary.overall_band
        assert card.confidence == summary.confidence
    assert checked > 1000


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_exported_cells_cannot_run_as_formulas(value):
    from ddq.reporting.export import safe_cell

    assert safe_cell(value).startswith("'")
    assert safe_cell("Plain text") == "Plain text" and safe_cell(-2.5) == -2.5
