"""A partner funded in two currencies: the ledger's page, the partner's page and the CSV never add the two up, and
give funding per burden-hour from the institute's currency only, the other currency beside it."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import sqlalchemy as sa
from babel.numbers import format_currency

from ddq.library import current_library
from ddq.store import operations as ops
from ddq.store.models import Assessment, Organisation, Partnership

DOLLARS, SHILLINGS = 12_345, 2_500_000


def _ledger_row(staff, name: str) -> dict[str, str]:
    response = staff.get("/staff/burden.csv")
    assert response.status_code == 200
    rows = [row for row in csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))]
    [row] = [row for row in rows if row["partner"] == name]
    return row


def _funded_partner(data) -> tuple[int, str]:
    """The first partner with a request under a partnership, that partnership's money made DOLLARS US dollars."""
    with data() as session:
        request = session.scalar(
            sa.select(Assessment)
            .where(Assessment.direction == "partner_self", Assessment.partnership_id.is_not(None))
            .order_by(Assessment.id)
            .limit(1)
        )
        partnership = session.get(Partnership, request.partnership_id)
        partnership.amount_transferred, partnership.currency = Decimal(DOLLARS), "USD"
        session.commit()
        return request.subject_id, request.subject.name


def _kenyan_grant(data, partner_id: int) -> None:
    """A second partnership, in Kenyan shillings, and a request under it."""
    with data() as session:
        partner = session.get(Organisation, partner_id)
        partnership = ops.create_partnership(
            session, partner, "Nairobi grant", "project", amount_transferred=SHILLINGS, currency="KES"
        )
        capacity = current_library().questionnaire("partner-capacity")
        ops.create_assessment(session, capacity, subject=partner, respondent=partner, partnership=partnership)
        session.commit()


def _sums() -> list[str]:
    """The two amounts added up, as any page or file might write it."""
    total = DOLLARS + SHILLINGS
    return [f"{total:,}", str(total), f"{total:,}".replace(",", "\u202f"), f"{total:,}".replace(",", ".")]


def test_a_partner_funded_in_two_currencies_is_never_given_their_sum(browser, data):
    partner_id, name = _funded_partner(data)
    staff = browser("staff")
    before = _ledger_row(staff, name)
    per_hour = float(before["funding_per_burden_hour"])
    assert per_hour > 0 and before["funding_currency"] == "USD" and before["funding_in_other_currencies"] == ""

    _kenyan_grant(data, partner_id)
    after = _ledger_row(staff, name)
    # the US-dollar figure is what it was: the shillings, and the hours of the request they paid for, stay out
    assert float(after["funding_per_burden_hour"]) == per_hour
    assert after["funding_currency"] == "USD"
    assert after["funding_in_other_currencies"] == "KES 2,500,000.00"
    file = staff.get("/staff/burden.csv").get_data(as_text=True)
    assert not any(total in file for total in _sums())

    dollars_per_hour = format_currency(per_hour, "USD", locale="en")
    shillings = format_currency(SHILLINGS, "KES", locale="en")
    overview = staff.get("/staff/burden", query_string={"q": name}).get_data(as_text=True)
    assert f"<td>{dollars_per_hour}</td>" in overview and f"<td>{shillings}</td>" in overview
    assert "never converted, never added in" in overview
    own = staff.get(f"/staff/burden/{partner_id}").get_data(as_text=True)
    assert dollars_per_hour in own and shillings in own
    for html in (overview, own):
        assert not any(total in html for total in _sums())


def test_the_figures_are_written_in_the_readers_language(browser, data):
    partner_id, name = _funded_partner(data)
    _kenyan_grant(data, partner_id)
    staff = browser("staff")
    per_hour = float(_ledger_row(staff, name)["funding_per_burden_hour"])
    staff.post("/language", data={"lang": "fr"})
    overview = staff.get("/staff/burden", query_string={"q": name}).get_data(as_text=True)
    assert format_currency(per_hour, "USD", locale="fr") in overview
    assert format_currency(SHILLINGS, "KES", locale="fr") in overview
