"""Capacity over time: each domain's change since the previous cycle, and lighter terms only where capacity rose."""

import pytest

from ddq.core.health import disagree, side_by_side
from ddq.core.scoring import DomainScore, Scorecard
from ddq.core.trend import Suggestion, compare, direction_of, suggest_terms, trend

TIERS = ("light", "standard", "enhanced")


def card(overall=None, **scores):
    domains = tuple(
        DomainScore(domain, score, 1.0, score or 0.0, 1, 0, None, False, 1.0, 1.0, "adequate")
        for domain, score in scores.items()
    )
    return Scorecard("partner-capacity", (), domains, (), overall=overall)


@pytest.mark.parametrize(
    ("before", "after", "direction"),
    [(2.0, 2.25, "up"), (2.0, 2.24, "steady"), (2.0, 1.75, "down"), (2.0, 1.76, "steady"), (None, 3.0, "new"),
     (3.0, None, "not_assessed"), (None, None, "not_assessed")],
)
def test_a_domain_moved_when_its_score_changed_by_a_quarter_point(before, after, direction):
    assert direction_of(before, after) == direction


def test_each_domain_of_either_cycle_with_its_change():
    changes = compare(card(finance=2.0, people=3.0, ethics=2.5), card(finance=3.0, people=3.0, governance=2.0))
    assert [(c.domain, c.before, c.after, c.change, c.direction) for c in changes] == [
        ("finance", 2.0, 3.0, 1.0, "up"),
        ("people", 3.0, 3.0, 0.0, "steady"),
        ("governance", None, 2.0, None, "new"),
        ("ethics", 2.5, None, None, "not_assessed"),
    ]


def test_capacity_that_rose_everywhere_suggests_a_lower_tier_longer_validity_and_fewer_checks():
    result = trend(
        card(2.4, finance=2.0, people=2.8), card(3.4, finance=3.2, people=3.5),
        tier="standard", tiers=TIERS, cycle_months=24,
    )
    assert result.suggestions == (
        Suggestion("lower_tier", "light", ("finance", "people")),
        Suggestion("longer_validity", 36, ("finance", "people")),
        Suggestion("fewer_checks", ("finance", "people"), ("finance", "people")),
    )


def test_no_lighter_terms_while_any_domain_fell():
    changes = compare(card(finance=2.0, people=3.5), card(finance=3.5, people=3.0))
    assert suggest_terms(changes, tier="enhanced", tiers=TIERS, cycle_months=24, overall_after=3.5) == ()


def test_no_lighter_terms_when_nothing_rose():
    changes = compare(card(finance=3.0), card(finance=3.1))
    assert suggest_terms(changes, tier="enhanced", tiers=TIERS, cycle_months=12, overall_after=3.5) == ()


def test_the_lightest_tier_and_three_years_are_the_floor():
    changes = compare(card(finance=2.0), card(finance=3.5))
    kinds = [s.kind for s in suggest_terms(changes, tier="light", tiers=TIERS, cycle_months=36, overall_after=3.5)]
    assert kinds == ["fewer_checks"]


def test_a_lower_tier_needs_half_the_domains_to_rise_and_fewer_checks_a_strong_score():
    changes = compare(card(a=2.0, b=2.0, c=2.0), card(a=2.6, b=2.0, c=2.1))
    assert suggest_terms(changes, tier="standard", tiers=TIERS, cycle_months=24, overall_after=2.2) == ()


def test_both_sides_disagree_across_the_midpoint_or_two_points_apart():
    assert disagree(3, 2) and disagree(1, 3) and disagree(4, 2) and disagree(2, 4)
    assert not disagree(3, 4) and not disagree(1, 2) and not disagree(None, 1) and not disagree(3, 3)
    items = side_by_side(["fairness", "communication"], {"fairness": 4.0}, {"fairness": 2.0, "communication": 3.0})
    assert [(i.question_id, i.disagree) for i in items] == [("fairness", True), ("communication", False)]
