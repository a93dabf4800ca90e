"""The ledger's estimates, listed once per questionnaire and scope, are exactly `burden.estimate`'s."""

from __future__ import annotations

import random

from ddq.core.burden import estimate
from ddq.core.definitions import Scope
from ddq.core.ledger import Estimates

SCOPES = (
    Scope(),
    Scope("light", "project", frozenset()),
    Scope("standard", "funding", frozenset({"research"})),
    Scope("enhanced", "institutional", frozenset({"communication", "policy_influence"})),
)


def test_items_and_minutes_are_estimates_for_any_carried_set(shipped_library):
    rng = random.Random(5)
    estimates = Estimates()
    checked = 0
    for questionnaire in shipped_library.questionnaires.values():
        ids = [question.id for question in questionnaire.questions]
        for scope in SCOPES:
            for size in (0, 1, 3, len(ids) // 2, len(ids)):
                carried = frozenset(rng.sample(ids, min(size, len(ids)))) | {"not_a_question"}
                expected = estimate(questionnaire, scope, set(carried))
                assert estimates.of(questionnaire.id, questionnaire, scope, carried) == (
                    expected.items,
                    expected.minutes_high,
                ), (questionnaire.id, scope, sorted(carried))
                checked += 1
            expected = estimate(questionnaire, scope)
            assert estimates.of(questionnaire.id, questionnaire, scope, frozenset()) == (
                expected.items,
                expected.minutes_high,
            )
    assert checked > 50


def test_the_same_version_in_another_scope_is_listed_again(shipped_library):
    questionnaire = shipped_library.questionnaire("partner-capacity")
    estimates = Estimates()
    light = estimates.of("v1", questionnaire, Scope("light"), frozenset())
    enhanced = estimates.of("v1", questionnaire, Scope("enhanced"), frozenset())
    assert light[0] < enhanced[0]
    expected = estimate(questionnaire, Scope("light"))
    assert light == (expected.items, expected.minutes_high)
