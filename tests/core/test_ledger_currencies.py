"""The burden ledger adds money up only within one currency: funding per burden hour is in the institute's currency
(funding with none recorded counts as it), over the hours of the requests not funded in another currency; other
currencies stand beside it, each on its own. Every figure below is worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from ddq.core.ledger import RequestFacts, ledger

TODAY = dt.date(2026, 11, 28)
DAY = dt.date(2026, 6, 1)


def _requests() -> list[RequestFacts]:
    return [
        # A: 30 min on a USD grant, 60 on a KES grant, 10 on an unfunded request, 20 on money with no currency
        RequestFacts("A", 1, "q", DAY, 60, actual_seconds=30 * 60, funding=30_000, currency="USD"),
        RequestFacts("A", 2, "q", DAY, 90, actual_seconds=60 * 60, funding=1_000_000, currency="KES"),
        RequestFacts("A", 3, "q", DAY, 20, actual_seconds=10 * 60),
        RequestFacts("A", 4, "q", DAY, 40, actual_seconds=20 * 60, funding=6_000),
        # B: nothing in US dollars; only estimates (30 + 30 min)
        RequestFacts("B", 5, "q", DAY, 30, funding=500, currency="KES"),
        RequestFacts("B", 6, "q", DAY, 30, funding=200, currency="EUR"),
        RequestFacts("B", 7, "q", dt.date(2025, 1, 1), 30, funding=9_999, currency="USD"),  # over a year ago
    ]


def test_funding_is_added_up_per_currency_and_never_across():
    rows = ledger(_requests(), TODAY, currency="USD")
    a, b = rows["A"], rows["B"]
    assert a.funding == {"USD": 36_000, "KES": 1_000_000}  # 30,000 USD + 6,000 with no currency recorded
    assert a.own_funding == 36_000
    assert a.other_funding == [("KES", 1_000_000)]
    # the hours of requests 1, 3 and 4 (30 + 10 + 20 minutes = 1 hour): not those of the KES grant
    assert a.own_burden_hours == 1
    assert a.funding_per_burden_hour == 36_000
    assert a.burden_hours == 2  # the partner's burden is still every request's
    assert b.funding == {"KES": 500, "EUR": 200}
    assert b.own_funding == 0 and b.funding_per_burden_hour is None
    assert b.other_funding == [("EUR", 200), ("KES", 500)]
    assert a.currency == b.currency == "USD"


def test_funding_with_no_currency_recorded_counts_as_the_institutes_whichever_it_is():
    a = ledger(_requests(), TODAY, currency="KES")["A"]
    assert a.funding == {"USD": 30_000, "KES": 1_006_000}
    assert a.other_funding == [("USD", 30_000)]
    # requests 2, 3 and 4: 60 + 10 + 20 minutes
    assert a.own_burden_hours == 1.5
    assert a.funding_per_burden_hour == pytest.approx(1_006_000 / 1.5)


def test_estimates_stand_in_for_hours_where_none_were_measured():
    requests = [
        RequestFacts("C", 1, "q", DAY, 45, funding=900, currency="USD"),
        RequestFacts("C", 2, "q", DAY, 75, funding=100, currency="GBP"),
    ]
    c = ledger(requests, TODAY, currency="USD")["C"]
    assert c.funding_per_burden_hour == 900 / (45 / 60)
    assert c.other_funding == [("GBP", 100)]
