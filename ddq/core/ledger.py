"""The burden ledger: what ddq asked of each partner over a rolling window, across every request.

No peer system adds this up; ddq does, so that the institute can see when it asks too much of someone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field


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
    funding: float = 0.0
    ratings: list[int] = field(default_factory=list)
    decision_days: list[int] = field(default_factory=list)
    funders: set[str] = field(default_factory=set)

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
    def funding_per_burden_hour(self) -> float | None:
        return self.funding / self.burden_hours if self.burden_hours and self.funding else None


def ledger(requests: Iterable[RequestFacts], today: dt.date, days: int = 365) -> dict[str, PartnerLedger]:
    """Add up every request of the last `days` days, partner by partner."""
    since = today - dt.timedelta(days=days)
    rows: dict[str, PartnerLedger] = {}
    for request in requests:
        if request.created_on < since or request.created_on > today:
            continue
        row = rows.setdefault(request.partner, PartnerLedger(request.partner))
        row.requests += 1
        row.estimated_minutes += request.estimated_minutes
        row.actual_minutes += request.actual_seconds / 60
        row.items_asked += request.items_asked
        row.prefilled += request.prefilled
        row.reused += request.reused
        row.documents_new += request.documents_new
        row.documents_reused += request.documents_reused
        row.repeat_asks += request.repeat_asks
        row.funding += request.funding
        if request.burden_rating is not None:
            row.ratings.append(request.burden_rating)
        if request.days_to_decision is not None:
            row.decision_days.append(request.days_to_decision)
        if request.mandated_by:
            row.funders.add(request.mandated_by)
    return rows
