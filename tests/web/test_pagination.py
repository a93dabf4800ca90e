"""Staff lists a page at a time (search, order, page links), and exports written as they are sent."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from werkzeug.security import generate_password_hash

from bench.institute import generate
from ddq import create_app
from ddq.core.cells import append_row
from ddq.core.ledger import ledger
from ddq.core.scoring import BANDS
from ddq.extensions import db
from ddq.library import current_library
from ddq.reporting.export import _plain, csv_rows, to_csv, xlsx_rows
from ddq.reporting.overview import ledger_frame, portfolio_context, portfolio_frame
from ddq.store.ledger_facts import ledger_requests
from ddq.store.staff_facts import portfolio_facts
from tests.conftest import PASSWORD, web_config

PARTNERS = 12
SIZE = 5
_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


@pytest.fixture(scope="module")
def institute(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("pages")
    app = create_app(web_config(tmp_path / "pages.sqlite3", tmp_path, DDQ_PAGE_SIZE=SIZE, WTF_CSRF_ENABLED=False))
    with app.app_context():
        db.create_all()
        made = generate(db.session, current_library(), PARTNERS, password_hash=_HASH)
        db.session.commit()
    client = app.test_client()
    assert client.post("/login", data={"email": made["staff_email"], "password": PASSWORD}).status_code == 302
    return app, client


def _names(html: str, pattern: str = r'<th scope="row"[^>]*><a href="[^"]+">(Partner \d{5} \w+)</a>') -> list[str]:
    return re.findall(pattern, html)


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/staff", "/staff/portfolio", "/staff/burden"])
def test_a_list_shows_one_page_and_links_the_others(institute, url):
    _, client = institute
    first, third = _page(client, url), _page(client, f"{url}?page=3")
    assert len(_names(first)) == SIZE
    assert len(_names(third)) == PARTNERS - 2 * SIZE
    assert set(_names(first)).isdisjoint(_names(third))
    assert _names(first) == sorted(_names(first))
    assert 'aria-label="Pages"' in first and 'aria-current="page"' in first and 'rel="next"' in first
    assert re.search(r'<a href="[^"]*page=3"[^>]*aria-current="page"', third)
    assert 'rel="prev"' in third and 'rel="next"' not in third
    assert "11–12 of 12" in third
    assert _names(_page(client, f"{url}?page=99")) == _names(third), "a page past the end shows the last page"


@pytest.mark.parametrize("url", ["/staff", "/staff/portfolio", "/staff/burden"])
def test_a_list_sorts_both_ways_and_searches(institute, url):
    _, client = institute
    everything = [name for page in (1, 2, 3) for name in _names(_page(client, f"{url}?page={page}"))]
    assert everything == sorted(everything) and len(everything) == PARTNERS
    backwards = [name for page in (1, 2, 3) for name in _names(_page(client, f"{url}?sort=-name&page={page}"))]
    assert backwards == everything[::-1]
    word = everything[4].split()[-1]  # Trust, Network …
    found = _names(_page(client, f"{url}?q={word.lower()}"))
    assert found and all(name.endswith(word) for name in found)
    assert _names(_page(client, f"{url}?q=zzz-nothing")) == []
    assert "Nothing matches." in _page(client, f"{url}?q=zzz-nothing")
    percent = _page(client, f"{url}?q=%25")  # a typed % matches itself, not everything
    assert _names(percent) == []


def test_lists_sort_by_country_tier_and_status_in_the_database(institute):
    app, client = institute
    with app.app_context():
        from ddq.store.models import Organisation

        country = {o.name: o.country for o in db.session.query(Organisation).filter_by(kind="partner")}
    names = [name for page in (1, 2, 3) for name in _names(_page(client, f"/staff?sort=country&page={page}"))]
    assert [country[name] for name in names] == sorted(country[name] for name in names)
    found = _names(_page(client, f"/staff?q={country[names[0]]}"))
    assert names[0] in found
    for url in ("/staff?sort=tier", "/staff?sort=-status", "/staff/portfolio?sort=status", "/staff/burden?sort=tier"):
        assert len(_names(_page(client, url))) == SIZE


def test_the_portfolio_orders_and_searches_by_risk_band(institute):
    _, client = institute
    band_of = {}
    for page in (1, 2, 3):
        html = _page(client, f"/staff/portfolio?sort=band&page={page}")
        for name in _names(html):
            band_of.setdefault("order", []).append(name)
    app, _ = institute
    with app.app_context():
        context = portfolio_context(portfolio_facts(db.session), current_library(), "en")
    bands = {row["partner"]: row["band"] for row in context["rows"]}
    rank = [BANDS.index(bands[name]) if bands[name] in BANDS else len(BANDS) for name in band_of["order"]]
    assert rank == sorted(rank)
    some_band = next(band for band in bands.values() if band)
    found = _names(_page(client, f"/staff/portfolio?q={some_band}"))
    assert sorted(found) == sorted(name for name, band in bands.items() if band == some_band)[: len(found)]
    assert found and all(bands[name] == some_band for name in found)


@pytest.mark.parametrize("query", ["sort=evil;DROP", "sort=password_hash", "page=abc", "page=-2", "page=0"])
def test_bad_list_parameters_are_named_and_the_list_still_shows(institute, query):
    _, client = institute
    for url in ("/staff", "/staff/portfolio", "/staff/burden"):
        html = _page(client, f"{url}?{query}")
        assert len(_names(html)) == SIZE
        assert "flash-error" in html
        value = query.split("=", 1)[1]
        assert value.split(";")[0] in html


# --- exports -------------------------------------------------------------------------------------------------------


def _old_xlsx(frame) -> bytes:
    """The portfolio workbook as it was written before (a normal workbook, kept whole in memory)."""
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = "portfolio"
    append_row(worksheet, [str(column) for column in frame.columns])
    for cell in worksheet[1]:
        cell.font = Font(bold=True)
    for row in frame.itertuples(index=False, name=None):
        append_row(worksheet, [_plain(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cells(body: bytes) -> list[list[tuple]]:
    sheet = load_workbook(io.BytesIO(body)).active
    return [[(c.value, c.data_type, bool(c.quotePrefix), bool(c.font.b)) for c in row] for row in sheet.iter_rows()]


def test_streamed_exports_equal_the_whole_frame_exports(institute):
    app, client = institute
    csv_response = client.get("/staff/portfolio.csv")
    assert csv_response.is_streamed
    xlsx_response = client.get("/staff/portfolio.xlsx")
    ledger_response = client.get("/staff/burden.csv")
    assert ledger_response.is_streamed
    with app.app_context():
        frame = portfolio_frame(portfolio_context(portfolio_facts(db.session), current_library(), "en"))
        currency = app.config["DDQ_CURRENCY"]
        ledger_table = ledger_frame(ledger(ledger_requests(db.session), dt.date.today(), currency=currency).values())
    assert len(frame) == PARTNERS
    assert csv_response.get_data() == to_csv(frame)
    assert ledger_response.get_data() == to_csv(ledger_table)
    assert _cells(xlsx_response.get_data()) == _cells(_old_xlsx(frame))


def test_streamed_cells_stay_text_and_never_run(institute):
    hostile = ["=cmd|' /C calc'!A0", "+1", "@SUM(A1)", "-2", "#N/A", "plain", None, 3, 2.5]
    rows = list(csv.reader(io.StringIO(b"".join(csv_rows(["=head", "b"], [hostile[:2], hostile[2:4]])).decode())))
    assert rows[0] == ["\ufeff'=head", "b"]
    assert rows[1] == ["'=cmd|' /C calc'!A0", "'+1"]
    cells = _cells(b"".join(xlsx_rows(["=head", *map(str, range(len(hostile) - 1))], [hostile])))
    assert cells[0][0] == ("=head", "s", True, True)
    values = cells[1]
    assert [value[:2] for value in values] == [
        ("=cmd|' /C calc'!A0", "s"),
        ("+1", "s"),
        ("@SUM(A1)", "s"),
        ("-2", "s"),
        ("#N/A", "s"),
        ("plain", "s"),
        (None, "n"),
        (3, "n"),
        (2.5, "n"),
    ]
    assert [value[2] for value in values[:4]] == [True] * 4, "formula-like text carries the quote prefix"
