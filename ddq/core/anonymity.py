"""When a figure drawn from anonymous answers may be shown: the one rule every page, export and report follows."""

from __future__ import annotations

from collections.abc import Collection, Hashable

#: No figure is drawn from fewer partners' answers than this (to its question, or to its breakdown).
MIN_RESPONDENTS = 3

#: What a page shows instead of a withheld figure.
WITHHELD = f"fewer than {MIN_RESPONDENTS} answers — withheld to protect anonymity"


def may_show(partners: int | Collection[Hashable]) -> bool:
    """Whether a figure may be shown, given the distinct partners whose answers it draws on (a count or their ids).

    Count partners who answered the question (or the breakdown) the figure is about, not partners who submitted:
    a partner who left the question blank is not hidden among those who answered it.
    """
    count = partners if isinstance(partners, int) else len(set(partners))
    return count >= MIN_RESPONDENTS
