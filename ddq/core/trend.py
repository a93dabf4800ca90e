"""Capacity over time: a partner's scorecard against the previous cycle's, domain by domain, and lighter terms.

The partnership statement commits the institute to "jointly adjust the terms of the relationship" as a partner's
capacity increases. `compare` says, per domain, how the score moved between two cycles; `suggest_terms` turns a
rise into proposals — a lower tier next time, a longer validity before the next re-assessment (the methodology
re-assesses every two to three years), fewer evidence checks in the domains that are now strong. The suggestions
are proposals for the joint review: staff and partner agree the adjustment, which is recorded there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .scoring import Scorecard

#: A domain moved when its score changed by at least this much on the 1-4 scale; less is "steady".
MOVED = 0.25
#: A domain at or above this score is strong enough for fewer checks.
STRONG = 3.0
#: The longest validity the methodology allows between re-assessments (three years), and the step to get there.
MAX_CYCLE_MONTHS = 36
CYCLE_STEP_MONTHS = 12
DIRECTIONS = ("up", "down", "steady", "new", "not_assessed")


@dataclass(frozen=True)
class DomainChange:
    domain: str
    before: float | None
    after: float | None
    #: after - before, when both cycles scored the domain.
    change: float | None
    #: up | down | steady | new (scored only now) | not_assessed (not scored now)
    direction: str


@dataclass(frozen=True)
class Suggestion:
    #: lower_tier | longer_validity | fewer_checks
    kind: str
    #: The proposed value: a tier id, a number of months, or the domains where checks can be lighter.
    value: str | int | tuple[str, ...]
    #: The domains whose rise supports it.
    because: tuple[str, ...]


@dataclass(frozen=True)
class Trend:
    changes: tuple[DomainChange, ...]
    overall_before: float | None
    overall_after: float | None
    suggestions: tuple[Suggestion, ...] = ()

    @property
    def rose(self) -> tuple[DomainChange, ...]:
        return tuple(change for change in self.changes if change.direction == "up")

    @property
    def fell(self) -> tuple[DomainChange, ...]:
        return tuple(change for change in self.changes if change.direction == "down")


def direction_of(before: float | None, after: float | None) -> str:
    if after is None:
        return "not_assessed"
    if before is None:
        return "new"
    if after - before >= MOVED:
        return "up"
    if before - after >= MOVED:
        return "down"
    return "steady"


def compare(previous: Scorecard, current: Scorecard) -> tuple[DomainChange, ...]:
    """Each domain of either scorecard, in the current one's order: its score before and now, and the change."""
    before = {domain.domain: domain.score for domain in previous.domains}
    after = {domain.domain: domain.score for domain in current.domains}
    order = [domain.domain for domain in current.domains] + [d for d in before if d not in after]
    changes = []
    for domain in order:
        old, new = before.get(domain), after.get(domain)
        change = round(new - old, 2) if old is not None and new is not None else None
        changes.append(DomainChange(domain, old, new, change, direction_of(old, new)))
    return tuple(changes)


def suggest_terms(
    changes: Sequence[DomainChange],
    *,
    tier: str | None,
    tiers: Sequence[str],
    cycle_months: int,
    overall_after: float | None = None,
) -> tuple[Suggestion, ...]:
    """Lighter terms where capacity rose, and none while any domain fell.

    - a lower tier (the next lighter one in `tiers`, lightest first) when at least half the domains scored in
      both cycles rose;
    - a validity one step longer (up to three years) when something rose and the overall score is now strong;
    - fewer checks in every domain that rose and is now strong.
    """
    compared = [change for change in changes if change.change is not None]
    rose = [change for change in compared if change.direction == "up"]
    if not rose or any(change.direction == "down" for change in compared):
        return ()
    because = tuple(change.domain for change in rose)
    suggestions = []
    if tier in tiers and tiers.index(tier) > 0 and 2 * len(rose) >= len(compared):
        suggestions.append(Suggestion("lower_tier", tiers[tiers.index(tier) - 1], because))
    if overall_after is not None and overall_after >= STRONG and cycle_months < MAX_CYCLE_MONTHS:
        suggestions.append(
            Suggestion("longer_validity", min(cycle_months + CYCLE_STEP_MONTHS, MAX_CYCLE_MONTHS), because)
        )
    strong = tuple(change.domain for change in rose if change.after is not None and change.after >= STRONG)
    if strong:
        suggestions.append(Suggestion("fewer_checks", strong, strong))
    return tuple(suggestions)


def trend(
    previous: Scorecard, current: Scorecard, *, tier: str | None, tiers: Sequence[str], cycle_months: int
) -> Trend:
    """The change since the previous cycle, with the lighter terms it supports."""
    changes = compare(previous, current)
    suggestions = suggest_terms(
        changes, tier=tier, tiers=tiers, cycle_months=cycle_months, overall_after=current.overall
    )
    return Trend(changes, previous.overall, current.overall, suggestions)
