"""Staff pages, exports and a partner's section page on PostgreSQL, at 100 and 1,000 generated partners (and 5,000
with `DDQ_BENCH_SIZES=100,1000,5000`).

Each figure is the warm median in process, with the SQL statements of one request; the section page is set beside a
bare route of the same app. Sizes run one after another in the same database (`DDQ_BENCH_POSTGRES_URL`, emptied
first), which the benchmark owns.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: The institute sizes, grown one after another; `DDQ_BENCH_SIZES=100,1000,5000` adds the largest (its generation
#: alone takes minutes).
SIZES = tuple(int(size) for size in os.environ.get("DDQ_BENCH_SIZES", "100,1000").split(",") if size.strip())
DEFAULT_URL = "postgresql+psycopg://ddq:ddq@127.0.0.1:5432/ddq_bench"
PASSWORD = "bench password"  # noqa: S105 - a generated institute's

PAGES = {
    "partners_list": "/staff",
    "partners_list_search": "/staff?q=Trust&sort=country&page=3",
    "portfolio": "/staff/portfolio",
    "portfolio_csv": "/staff/portfolio.csv",
    "portfolio_xlsx": "/staff/portfolio.xlsx",
    "portfolio_by_band": "/staff/portfolio?sort=band&page=3",
    "burden_ledger": "/staff/burden",
    "burden_ledger_csv": "/staff/burden.csv",
    "burden_partner": "/staff/burden/{partner}",
    "feedback": "/staff/feedback",
}
TARGETS = {"portfolio_csv": "<= 1000 ms at 5,000", "portfolio_xlsx": ""}
#: Pages whose first request in a process is reported too: their figures are kept per process (PortfolioScores), so
#: the first one reads and scores every partner.
FIRST = ("portfolio_csv",)


def _timed(client, url: str, repeat: int) -> tuple[float, int, int, float]:
    """Median milliseconds, statements of the last request, bytes, and the milliseconds of the first request."""
    from ddq.extensions import db

    statements = []

    def count(*_args) -> None:
        statements.append(1)

    with client.application.app_context():
        engine = db.engine
    times, size = [], 0
    start = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    response.get_data()
    first = (time.perf_counter() - start) * 1000
    for _ in range(repeat):
        statements.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        start = time.perf_counter()
        response = client.get(url)
        size = len(response.get_data())
        times.append(time.perf_counter() - start)
        sa.event.remove(engine, "before_cursor_execute", count)
    return statistics.median(times) * 1000, len(statements), size, first


def _saves(client, engine, url: str, question_id: str, value: str) -> tuple[float, int]:
    """Median milliseconds of a draft save (autosave, as the page sends it) and the statements of the last one."""
    statements, times = [], []

    def count(*_args) -> None:
        statements.append(1)

    for number in range(9):
        statements.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        start = time.perf_counter()
        response = client.post(url, data={f"q_{question_id}": value if number % 2 else "1", "present": [question_id]})
        times.append(time.perf_counter() - start)
        sa.event.remove(engine, "before_cursor_execute", count)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return statistics.median(times) * 1000, len(statements)


def _export_memory(app, partners: int) -> None:
    """Peak memory of writing the portfolio's CSV and XLSX from its rows (the rows themselves excluded): it should
    not grow with the number of partners, since rows are written and sent one at a time."""
    from bench.run import peak_mib, report
    from ddq.extensions import db
    from ddq.library import current_library
    from ddq.reporting.export import csv_rows, xlsx_rows
    from ddq.reporting.overview import portfolio_columns, portfolio_context, portfolio_records
    from ddq.store.staff_facts import portfolio_facts

    with app.app_context():
        context = portfolio_context(portfolio_facts(db.session), current_library(), "en")
    columns = portfolio_columns(context)
    for name, writer in (("csv", csv_rows), ("xlsx", xlsx_rows)):

        def send(writer=writer) -> None:
            for _chunk in writer(columns, portfolio_records(context)):
                pass

        report(f"export_{name}_peak_{partners}", peak_mib(send), "MiB", target="flat as partners grow")


def bench_database() -> str:
    """`DDQ_BENCH_POSTGRES_URL`, or the local ddq_bench database; a local server is started and the database
    created if missing (scripts/postgres.sh, as `make postgres`), so that the group also runs alone."""
    url = sa.engine.make_url(os.environ.get("DDQ_BENCH_POSTGRES_URL") or DEFAULT_URL)
    if url.host not in ("127.0.0.1", "localhost"):
        return url.render_as_string(hide_password=False)
    bash, runuser = shutil.which("bash"), shutil.which("runuser")
    subprocess.run([bash, str(ROOT / "scripts" / "postgres.sh")], check=True, stdout=subprocess.DEVNULL)
    as_postgres = [runuser, "-u", "postgres", "--"]
    exists = subprocess.run(
        [*as_postgres, "psql", "-tA", "-v", f"name={url.database}"],
        input="SELECT 1 FROM pg_database WHERE datname = :'name'",
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run([*as_postgres, "createdb", "-O", url.username, url.database], check=True)
    return url.render_as_string(hide_password=False)


def bench_staff() -> None:
    from werkzeug.security import generate_password_hash

    from bench.institute import generate
    from bench.run import quiet_access_log, report
    from ddq import create_app
    from ddq.extensions import db
    from ddq.library import current_library
    from ddq.store.models import Answer, Assessment, Organisation
    from ddq.store.operations import questionnaire_of
    from ddq.store.queries import scope_of

    quiet_access_log()
    url = bench_database()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "DDQ_SMTP_HOST": "",
        }
    )
    app.add_url_rule("/bare", "bare", lambda: "ok")
    app.logger.disabled = True
    hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    with app.app_context():
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        db.create_all()
    made_so_far = 0
    for size in SIZES:
        with app.app_context():
            start = time.perf_counter()
            made = generate(db.session, current_library(), size - made_so_far, seed=size, password_hash=hashed)
            db.session.commit()
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
            generated = time.perf_counter() - start
            partners = db.session.scalar(sa.select(sa.func.count()).where(Organisation.kind == "partner"))
            answers = db.session.scalar(sa.select(sa.func.count()).select_from(Answer))
            is_partner = Organisation.kind == "partner"
            first_partner = db.session.scalar(sa.select(sa.func.min(Organisation.id)).where(is_partner))
            editable = db.session.scalar(
                sa.select(Assessment)
                .where(Assessment.direction == "partner_self", Assessment.subject_id == first_partner)
                .limit(1)
            )
            editable.status = "in_progress"
            respondent = "respondent0@partner0.example.org"
            db.session.commit()
            section = next(
                s
                for s in questionnaire_of(editable.questionnaire_version).sections
                if s.applies_to.matches(scope_of(editable))
            )
            section_url = f"/a/{editable.id}/s/{section.id}"
            question = next(q for q in section.questions if q.type in ("long_text", "short_text", "number", "maturity"))
            value = "3" if question.type in ("number", "maturity") else "Draft text"
        made_so_far = size
        print(f"# staff: {partners} partners, {answers} answers; added in {generated:.1f} s", flush=True)
        staff = app.test_client()
        staff.post("/login", data={"email": made["staff_email"], "password": PASSWORD})
        for name, page in PAGES.items():
            repeat = 3 if size >= 1000 else 7
            ms, statements, size_bytes, first = _timed(staff, page.format(partner=first_partner), repeat)
            if name in FIRST:
                report(f"staff_{name}_first_{partners}", first, "ms", target="reported: every partner read and scored")
            target = TARGETS.get(name, "<= 300 ms warm at 5,000")
            report(f"staff_{name}_{partners}", ms, "ms", target=f"{target}; {statements} SQL statements, "
                   f"{size_bytes / 1024:.0f} KB")
        _export_memory(app, partners)
        partner = app.test_client()
        partner.post("/login", data={"email": respondent, "password": PASSWORD})
        section_ms, statements, _, _ = _timed(partner, section_url, 15)
        bare_ms, _, _, _ = _timed(partner, "/bare", 15)
        report(f"section_get_{partners}", section_ms, "ms", ("bare route", bare_ms), "<= 8x")
        report(f"section_get_statements_{partners}", statements, "SQL statements", target="<= 10 SQL statements")
        with app.app_context():
            engine = db.engine
        save_ms, statements = _saves(partner, engine, section_url + "/autosave", question.id, value)
        report(f"section_post_{partners}", save_ms, "ms")
        report(f"section_post_statements_{partners}", statements, "SQL statements", target="<= 8 SQL statements")
