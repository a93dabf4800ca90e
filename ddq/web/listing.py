"""Long staff lists a page at a time: `?q=` searches, `?sort=` orders (a column name, `-name` for descending, only
among those the page offers), `?page=` pages. The database does the work (WHERE … LIKE, ORDER BY, LIMIT/OFFSET);
the page shows links to the other pages (templates/_pagination.html)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from flask import current_app, flash, request, url_for
from flask_babel import gettext as _

#: Rows per page unless DDQ_PAGE_SIZE says otherwise.
PAGE_SIZE = 50
#: Longest search text read; the rest is ignored.
MAX_SEARCH = 100


@dataclass(frozen=True)
class Listing:
    """One request's search, order and page, already checked."""

    search: str
    sort: str
    descending: bool
    page: int
    size: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def like(self) -> str:
        """The search as a LIKE pattern (`%` and `_` typed by the person match themselves)."""
        escaped = self.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"%{escaped}%"

    def sort_value(self) -> str:
        return f"-{self.sort}" if self.descending else self.sort


def read_listing(sorts: tuple[str, ...]) -> Listing:
    """The listing asked for in the query string. An unknown order or a page that is not a number is named in a
    message and replaced by the first order or page 1, so a bad link still shows the list."""
    search = (request.args.get("q") or "").strip()[:MAX_SEARCH]
    asked = (request.args.get("sort") or "").strip()
    descending = asked.startswith("-")
    sort = asked.lstrip("-")
    if sort and sort not in sorts:
        flash(
            _("The list cannot be sorted by “%(sort)s”: sorted by %(default)s. Choose one of: %(choices)s.",
              sort=asked[:40], default=sorts[0], choices=", ".join(sorts)),
            "error",
        )
        sort, descending = "", False
    page_text = (request.args.get("page") or "1").strip()
    if not page_text.isdigit() or int(page_text) < 1 or len(page_text) > 9:
        flash(_("Page “%(page)s” is not a page number: the first page is shown.", page=page_text[:20]), "error")
        page_text = "1"
    size = int(current_app.config.get("DDQ_PAGE_SIZE", PAGE_SIZE))
    return Listing(search, sort or sorts[0], descending, int(page_text), size)


@dataclass(frozen=True)
class Pages:
    """What the pagination links need: this page, the number of pages and rows, and the URL of any page."""

    listing: Listing
    total: int
    endpoint: str
    sorts: tuple[str, ...]

    @property
    def count(self) -> int:
        return max(1, math.ceil(self.total / self.listing.size))

    @property
    def page(self) -> int:
        return self.listing.page

    @property
    def first_row(self) -> int:
        return min(self.total, self.listing.offset + 1)

    @property
    def last_row(self) -> int:
        return min(self.total, self.listing.offset + self.listing.size)

    def url(self, page: int | None = None, sort: str | None = None) -> str:
        """This list at another page, or sorted another way (from the first page)."""
        arguments = {"q": self.listing.search or None}
        if sort is not None:
            arguments["sort"] = sort
        else:
            arguments["sort"] = self.listing.sort_value() if self.listing.sort_value() != self.sorts[0] else None
            arguments["page"] = page if page and page > 1 else None
        return url_for(self.endpoint, **{key: value for key, value in arguments.items() if value is not None})

    def sort_url(self, column: str) -> str:
        """Sorted by `column`, or the other way round when it already is."""
        flip = self.listing.sort == column and not self.listing.descending
        return self.url(sort=f"-{column}" if flip else column)

    def numbers(self) -> list[int | None]:
        """Page numbers to link: the first, the last and two either side of this one (None: a gap)."""
        wanted = {1, self.count, *range(self.page - 2, self.page + 3)}
        shown: list[int | None] = []
        for number in sorted(n for n in wanted if 1 <= n <= self.count):
            if shown and shown[-1] is not None and number > shown[-1] + 1:
                shown.append(None)
            shown.append(number)
        return shown


def beyond_last_page(listing: Listing, total: int) -> Listing:
    """A page past the end shows the last page instead."""
    last = max(1, math.ceil(total / listing.size))
    if listing.page <= last:
        return listing
    return Listing(listing.search, listing.sort, listing.descending, last, listing.size)


# --- what each list searches and sorts on ----------------------------------------------------------------------

#: The orders of the partners list and the burden ledger (a partner per row).
PARTNER_SORTS = ("name", "country", "tier", "status")
#: The orders of the portfolio (a partner's latest self-assessment per row); `band` is the overall risk band.
PORTFOLIO_SORTS = ("name", "country", "tier", "status", "band")


def _like(column, listing: Listing):
    return column.ilike(listing.like, escape="\\")


def partner_query(listing: Listing):
    """Conditions and order over organisations: name, country, a partnership's tier, the latest request's status."""
    import sqlalchemy as sa

    from ..store.models import Assessment, Organisation, Partnership

    tier = (
        sa.select(sa.func.min(Partnership.tier)).where(Partnership.partner_id == Organisation.id).scalar_subquery()
    )
    status = (
        sa.select(Assessment.status)
        .where(Assessment.subject_id == Organisation.id, Assessment.direction == "partner_self")
        .order_by(Assessment.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    where = [Organisation.kind == "partner"]
    if listing.search:
        where.append(
            sa.or_(
                _like(Organisation.name, listing),
                _like(Organisation.country, listing),
                sa.exists().where(Partnership.partner_id == Organisation.id, _like(Partnership.tier, listing)),
                sa.exists().where(
                    Assessment.subject_id == Organisation.id,
                    Assessment.direction == "partner_self",
                    _like(Assessment.status, listing),
                ),
            )
        )
    column = {"name": Organisation.name, "country": Organisation.country, "tier": tier, "status": status}[listing.sort]
    order = column.desc() if listing.descending else column.asc()
    return where, [order.nulls_last(), Organisation.name, Organisation.id]


def portfolio_query(listing: Listing):
    """Conditions and order over each partner's latest self-assessment (the band is ordered after scoring)."""
    import sqlalchemy as sa

    from ..store.models import Assessment, Organisation

    where = []
    if listing.search:
        where.append(
            sa.or_(
                _like(Organisation.name, listing),
                _like(Organisation.country, listing),
                _like(Assessment.tier, listing),
                _like(Assessment.status, listing),
            )
        )
    columns = {"name": Organisation.name, "country": Organisation.country, "tier": Assessment.tier}
    column = columns.get(listing.sort, Assessment.status if listing.sort == "status" else Organisation.name)
    order = column.desc() if listing.descending else column.asc()
    return tuple(where), (order.nulls_last(),)
