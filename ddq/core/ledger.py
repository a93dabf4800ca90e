"""The burden ledger: what ddq asked of each partner over a rolling window, across every request.

No peer system adds this up; ddq does, so that the institute can see when it asks too much of someone.

Money is only ever added up within one currency: a partner's funding is kept per currency, never converted.
Funding per burden hour is given in the institute's currency, from the money transferred in it (a partnership
with no currency recorded counts as the institute's) over the hours of every request not funded in another
currency; amounts in other currencies stand beside it, each on its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Hashable, Iterable
from dataclasses import dataclass, field

from .burden import CONFIRM_MINUTES, asked, question_minutes
from .definitions import Questionnaire, Scope


@dataclass(frozen=True)
class RequestFacts:
    """One request as the ledger counts it (plain data, read from the store)."""

    partner: str
    assessment_id: int
    questionnaire: str
    created_on: dt.date
    estimated_minutes: float
    actual_seconds: int = 0
    items_asked: int = 0
    prefilled: int = 0
    reused: int = 0  # carried over and confirmed
    documents_new: int = 0
    documents_reused: int = 0
    repeat_asks: int = 0
    burden_rating: int | None = None
    days_to_decision: int | None = None
    funding: float = 0.0
    mandated_by: str | None = None
    currency: str | None = None  # of the funding, as the partnership records it (none: not recorded)


@dataclass
class PartnerLedger:
    partner: str
    requests: int = 0
    estimated_minutes: float = 0.0
    actual_minutes: float = 0.0
    items_asked: int = 0
    prefilled: int = 0
    reused: int = 0
    documents_new: int = 0
    documents_reused: int = 0
    repeat_asks: int = 0
    #: the money transferred, per currency (a currency appears only with money in it)
    funding: dict[str | None, float] = field(default_factory=dict)
    ratings: list[int] = field(default_factory=list)
    decision_days: list[int] = field(default_factory=list)
    funders: set[str] = field(default_factory=set)
    #: the institute's currency, the one funding per burden hour is given in
    currency: str | None = None
    #: the minutes of the requests not funded in another currency (those funding per burden hour counts)
    own_estimated_minutes: float = 0.0
    own_actual_minutes: float = 0.0

    @property
    def mean_rating(self) -> float | None:
        return sum(self.ratings) / len(self.ratings) if self.ratings else None

    @property
    def mean_days_to_decision(self) -> float | None:
        return sum(self.decision_days) / len(self.decision_days) if self.decision_days else None

    @property
    def burden_hours(self) -> float:
        """Actual hours where the forms measured them, else the estimate."""
        return (self.actual_minutes or self.estimated_minutes) / 60

    @property
    def own_funding(self) -> float:
        """The money transferred in the institute's currency."""
        return self.funding.get(self.currency, 0.0)

    @property
    def other_funding(self) -> list[tuple[str, float]]:
        """The money transferred in other currencies, a (currency, amount) pair each, in the order of their codes:
        never converted, never added to the institute's."""
        return sorted((code, amount) for code, amount in self.funding.items() if code != self.currency and amount)

    @property
    def own_burden_hours(self) -> float:
        """`burden_hours` of the requests not funded in another currency."""
        return (self.own_actual_minutes or self.own_estimated_minutes) / 60

    @property
    def funding_per_burden_hour(self) -> float | None:
        """The institute's-currency money per hour of the requests not funded in another currency."""
        hours, money = self.own_burden_hours, self.own_funding
        return money / hours if hours and money else None


def ledger(
    requests: Iterable[RequestFacts], today: dt.date, days: int = 365, *, currency: str | None = None
) -> dict[str, PartnerLedger]:
    """Add up every request of the last `days` days, partner by partner; `currency` is the institute's (funding
    with no currency recorded counts as it; none: only such funding is the institute's)."""
    since = today - dt.timedelta(days=days)
    rows: dict[str, PartnerLedger] = {}
    for request in requests:
        if request.created_on < since or request.created_on > today:
            continue
        row = rows.get(request.partner)
        if row is None:
            row = rows[request.partner] = PartnerLedger(request.partner, currency=currency)
        row.requests += 1
        row.estimated_minutes += request.estimated_minutes
        row.actual_minutes += request.actual_seconds / 60
        row.items_asked += request.items_asked
        row.prefilled += request.prefilled
        row.reused += request.reused
        row.documents_new += request.documents_new
        row.documents_reused += request.documents_reused
        row.repeat_asks += request.repeat_asks
        code = request.currency or currency
        if request.funding:
            row.funding[code] = row.funding.get(code, 0.0) + request.funding
        if not request.funding or code == currency:
            row.own_estimated_minutes += request.estimated_minutes
            row.own_actual_minutes += request.actual_seconds / 60
        if request.burden_rating is not None:
            row.ratings.append(request.burden_rating)
        if request.days_to_decision is not None:
            row.decision_days.append(request.days_to_decision)
        if request.mandated_by:
            row.funders.add(request.mandated_by)
    return rows


class Estimates:
    """`burden.estimate`'s items and most minutes for many requests: the questions a questionnaire asks in a scope,
    and their minutes, are listed once, so that each request only adds them up (in the same order, with the same
    minutes for what was carried over, so the figures are exactly `estimate`'s)."""

    def __init__(self) -> None:
        self._asked: dict[tuple[Hashable, Scope], tuple[tuple[tuple[str, float], ...], float]] = {}

    def of(
        self, version: Hashable, questionnaire: Questionnaire, scope: Scope, carried: Collection[str]
    ) -> tuple[int, float]:
        """The items asked and `minutes_high` of asking `questionnaire` (known to the caller as `version`) in
        `scope`, with the answers to `carried` carried over."""
        listed = self._asked.get((version, scope))
        if listed is None:
            minutes = tuple((question.id, question_minutes(question)) for _, question in asked(questionnaire, scope))
            listed = self._asked[version, scope] = (minutes, _added(minutes, ()))
        minutes, uncarried = listed
        return len(minutes), (_added(minutes, carried) if carried else uncarried)


def _added(minutes: tuple[tuple[str, float], ...], carried: Collection[str]) -> float:
    high = 0.0
    for question_id, own in minutes:
        high += CONFIRM_MINUTES if question_id in carried else own
    return round(high, 2)
