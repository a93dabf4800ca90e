"""The joint partnership review: both sides' answers item by item, and where they disagree."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: The middle of the 1-4 agreement scale: at or below it a side disagrees with the statement, above it agrees.
MIDPOINT = 2.5
#: Scores this far apart are a disagreement even on the same side of the midpoint.
GAP = 2


@dataclass(frozen=True)
class ItemSides:
    question_id: str
    partner: float | None
    institute: float | None
    #: True when one side agrees and the other does not, or their scores are GAP or more apart.
    disagree: bool


def disagree(partner: float | None, institute: float | None) -> bool:
    if partner is None or institute is None:
        return False
    return (partner > MIDPOINT) != (institute > MIDPOINT) or abs(partner - institute) >= GAP


def side_by_side(
    question_ids: Sequence[str], partner: Mapping[str, float | None], institute: Mapping[str, float | None]
) -> tuple[ItemSides, ...]:
    """Each scored question with both sides' scores (None where a side has not answered)."""
    return tuple(
        ItemSides(q, partner.get(q), institute.get(q), disagree(partner.get(q), institute.get(q)))
        for q in question_ids
    )
