"""Load test against a running ddq (`make load` starts the production stack and runs this).

    python bench/load.py prepare   # generate the institute in DDQ_DATABASE_URL (bulk inserts) and open requests
    python bench/load.py run       # respondents save drafts and staff browse, then check no save was lost

Respondents (DDQ_LOAD_RESPONDENTS, 200) each sign in, open one section of their request and save a draft of one
text answer every DDQ_LOAD_THINK seconds (0.5: the page's autosave) for DDQ_LOAD_SECONDS (60); staff
(DDQ_LOAD_STAFF, 10) browse pages of the portfolio and the burden ledger. Reported: saves per second, p50/p95/p99
per page, errors; then the database is read and every respondent's answer must be the last value the server
acknowledged (a lost save fails the run). Exit status 1 on errors or lost saves.

The load generator runs on the machine it measures, so it is kept light (aiohttp on uvloop, one process) and its
own CPU time is reported beside the server's (gunicorn's processes) and PostgreSQL's (the backends of the
database), per save. With DDQ_LOAD_SERVER_LOG naming the file the server's JSON access lines go to (`make load`
sets it), the server's own p50/p95/p99 per page are reported too.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import aiohttp
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BASE = os.environ.get("DDQ_LOAD_URL", "http://127.0.0.1:8000")
PARTNERS = int(os.environ.get("DDQ_LOAD_PARTNERS", 5000))
RESPONDENTS = int(os.environ.get("DDQ_LOAD_RESPONDENTS", 200))
STAFF = int(os.environ.get("DDQ_LOAD_STAFF", 10))
SECONDS = float(os.environ.get("DDQ_LOAD_SECONDS", 60))
THINK = float(os.environ.get("DDQ_LOAD_THINK", 0.5))
SERVER_LOG = os.environ.get("DDQ_LOAD_SERVER_LOG")
PASSWORD = "load password"  # noqa: S105 - a generated institute's
_CSRF = re.compile(r'name="csrf[-_]token"\s+(?:value|content)="([^"]+)"')


def _app():
    from ddq import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": os.environ["DDQ_DATABASE_URL"], "DDQ_SMTP_HOST": ""})


def _targets(session) -> list[dict]:
    """The first RESPONDENTS partners: their respondent, latest request, a section and a text question in it."""
    from ddq.store.models import Assessment, Organisation, User
    from ddq.store.operations import questionnaire_of
    from ddq.store.queries import scope_of

    partners = session.scalars(
        sa.select(Organisation.id).where(Organisation.kind == "partner").order_by(Organisation.id).limit(RESPONDENTS)
    ).all()
    targets = []
    for partner in partners:
        assessment = session.scalar(
            sa.select(Assessment)
            .where(Assessment.subject_id == partner, Assessment.direction == "partner_self")
            .order_by(Assessment.id.desc())
            .limit(1)
        )
        email = session.scalar(sa.select(User.email).where(User.organisation_id == partner).order_by(User.id).limit(1))
        scope = scope_of(assessment)
        section, question = min(
            (
                (section, question)
                for section in questionnaire_of(assessment.questionnaire_version).sections
                if section.applies_to.matches(scope)
                for question in section.questions
                if question.type in ("long_text", "short_text", "number")
                and question.applies_to.matches(scope)
                and question.show_if is None
            ),
            key=lambda pair: pair[1].type == "number",  # text first: each save's value is unmistakable
        )
        targets.append(
            {
                "email": email,
                "assessment": assessment.id,
                "section": section.id,
                "question": question.id,
                "number": question.type == "number",
            }
        )
    return targets


def prepare() -> None:
    """Generate the institute up to PARTNERS partners, and put the respondents' requests back in progress."""
    from werkzeug.security import generate_password_hash

    from bench.institute import generate
    from ddq.extensions import db
    from ddq.library import current_library
    from ddq.store.models import Assessment, Organisation, User

    app = _app()
    with app.app_context():
        have = db.session.scalar(sa.select(sa.func.count()).where(Organisation.kind == "partner")) or 0
        if have < PARTNERS:
            start = time.perf_counter()
            hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
            generate(db.session, current_library(), PARTNERS - have, seed=PARTNERS, password_hash=hashed)
            db.session.commit()
            print(f"# generated {PARTNERS - have} partners in {time.perf_counter() - start:.0f} s", flush=True)
        targets = _targets(db.session)
        db.session.execute(
            sa.update(Assessment)
            .where(Assessment.id.in_([target["assessment"] for target in targets]))
            .values(status="in_progress", submitted_at=None)
        )
        staff = db.session.scalars(sa.select(User.email).where(User.role.in_(("staff", "admin")))).all()
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()
    print(f"# {len(targets)} respondents ready; staff: {', '.join(staff[:3])}")


async def _sign_in(client: aiohttp.ClientSession, email: str) -> None:
    async with client.get(f"{BASE}/login") as page:
        token = _CSRF.search(await page.text())
    data = {"email": email, "password": PASSWORD, "csrf_token": token.group(1) if token else ""}
    async with client.post(f"{BASE}/login", data=data, allow_redirects=False) as response:
        if response.status != 302:
            raise RuntimeError(f"{email} could not sign in: HTTP {response.status}")


class Tally:
    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.examples: list[str] = []

    async def timed(self, name: str, client: aiohttp.ClientSession, method: str, url: str, **options) -> str | None:
        """The body of a request that answered 200, or None (counted as an error); its time is recorded."""
        start = time.perf_counter()
        try:
            async with client.request(method, BASE + url, **options) as response:
                body = await response.text()
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as error:
            self.errors[name] += 1
            self.examples.append(f"{name}: {type(error).__name__} {error}")
            return None
        self.times[name].append(time.perf_counter() - start)
        if status != 200:
            self.errors[name] += 1
            self.examples.append(f"{name}: HTTP {status}")
            return None
        return body


def _client(timeout: float) -> aiohttp.ClientSession:
    # one connection per simulated person, kept open as a browser keeps it
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=1), timeout=aiohttp.ClientTimeout(total=timeout),
        cookie_jar=aiohttp.CookieJar(unsafe=True),
    )


async def _respondent(target: dict, tally: Tally, until: float, acknowledged: dict) -> None:
    async with _client(30) as client:
        await _sign_in(client, target["email"])
        url = f"/a/{target['assessment']}/s/{target['section']}"
        page = await tally.timed("section GET", client, "GET", url)
        token = _CSRF.search(page).group(1) if page is not None else ""
        number = 0
        await asyncio.sleep(random.uniform(0, THINK))
        while time.perf_counter() < until:
            number += 1
            value = str(number) if target["number"] else f"Draft {number} of {target['email']}"
            body = await tally.timed(
                "autosave POST",
                client,
                "POST",
                url + "/autosave",
                data={f"q_{target['question']}": value, "present": target["question"], "csrf_token": token},
                headers={"X-CSRFToken": token},
            )
            if body is not None and json.loads(body).get("saved"):
                acknowledged[target["assessment"], target["question"]] = value
            await asyncio.sleep(THINK)


async def _staff(email: str, tally: Tally, until: float, pages: int) -> None:
    async with _client(60) as client:
        await _sign_in(client, email)
        while time.perf_counter() < until:
            page = random.randint(1, pages)
            await tally.timed("portfolio", client, "GET", f"/staff/portfolio?page={page}")
            await tally.timed("burden ledger", client, "GET", f"/staff/burden?page={page}")
            await asyncio.sleep(1.0)


def _cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by the server's processes (gunicorn) and by the database's PostgreSQL backends."""
    database = os.environ["DDQ_DATABASE_URL"].rsplit("/", 1)[-1]
    used = {"server": 0.0, "postgresql": 0.0}
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
        kind = "server" if "gunicorn" in command else "postgresql" if f" {database} " in command else None
        if kind is not None:
            used[kind] += (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return used


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


async def _run(targets: list[dict], staff_emails: list[str]) -> tuple[Tally, dict, float, dict[str, float]]:
    tally, acknowledged = Tally(), {}
    start = time.perf_counter()
    until = start + SECONDS
    pages = max(1, PARTNERS // 50)
    server_before, generator_before = _cpu_seconds(), time.process_time()
    await asyncio.gather(
        *(_respondent(target, tally, until, acknowledged) for target in targets),
        *(_staff(email, tally, until, pages) for email in staff_emails),
    )
    server_after = _cpu_seconds()
    cpu = {kind: server_after[kind] - server_before[kind] for kind in server_after}
    cpu["load generator"] = time.process_time() - generator_before
    return tally, acknowledged, time.perf_counter() - start, cpu


def _server_times(since: int) -> dict[str, list[float]]:
    """The server's own milliseconds per page, from its JSON access lines written after byte `since`."""
    times: dict[str, list[float]] = defaultdict(list)
    if not SERVER_LOG or not Path(SERVER_LOG).exists():
        return times
    with open(SERVER_LOG, "rb") as log:
        log.seek(since)
        for line in log:
            if not line.startswith(b'{"request_id"'):
                continue
            record = json.loads(line)
            path = record["path"]
            name = (
                "autosave POST" if path.endswith("/autosave")
                else "portfolio" if path.startswith("/staff/portfolio")
                else "burden ledger" if path.startswith("/staff/burden")
                else "section GET" if "/s/" in path and record["method"] == "GET"
                else None
            )
            if name is not None:
                times[name].append(record["ms"] / 1000)
    return times


def run() -> int:
    from ddq.extensions import db
    from ddq.store.models import Answer, User

    app = _app()
    with app.app_context():
        targets = _targets(db.session)
        staff = db.session.scalars(sa.select(User.email).where(User.role.in_(("staff", "admin")))).all()
    staff_emails = [staff[n % len(staff)] for n in range(STAFF)]
    print(f"# {len(targets)} respondents, {len(staff_emails)} staff, {SECONDS:.0f} s against {BASE}", flush=True)
    since = Path(SERVER_LOG).stat().st_size if SERVER_LOG and Path(SERVER_LOG).exists() else 0
    runner = asyncio.run
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:  # the standard event loop then: the generator takes more CPU
        pass
    tally, acknowledged, elapsed, cpu = runner(_run(targets, staff_emails))
    saves = len(tally.times["autosave POST"])
    print(f"saves: {saves} in {elapsed:.1f} s = {saves / elapsed:.0f} saves/s (target >= 300)")
    for label, measured in (("client", tally.times), ("server", _server_times(since))):
        for name, times in sorted(measured.items()):
            print(
                f"{label}: {name}: n={len(times)} p50={_percentile(times, 0.5):.0f} ms "
                f"p95={_percentile(times, 0.95):.0f} ms p99={_percentile(times, 0.99):.0f} ms "
                f"mean={statistics.mean(times) * 1000:.0f} ms"
            )
    used = ", ".join(f"{kind} {seconds:.1f}" for kind, seconds in cpu.items())
    print(f"CPU seconds in {elapsed:.0f} s on {os.cpu_count()} cores: {used}")
    if saves:
        per_save = ", ".join(f"{kind} {seconds / saves * 1000:.1f} ms" for kind, seconds in cpu.items())
        print(f"CPU per save (every request of the run counted in): {per_save}")
    errors = sum(tally.errors.values())
    print(f"errors: {errors} {dict(tally.errors)}")
    for example in tally.examples[:5]:
        print(f"  {example}")
    with app.app_context():
        stored = {
            (assessment_id, question_id): value
            for assessment_id, question_id, value in db.session.execute(
                sa.select(Answer.assessment_id, Answer.question_id, Answer.value).where(
                    Answer.assessment_id.in_([target["assessment"] for target in targets])
                )
            )
        }
    lost = [key for key, value in acknowledged.items() if str(stored.get(key)) not in {value, f"{value}.0"}]
    print(f"lost saves: {len(lost)} of {len(acknowledged)} respondents' last acknowledged answers")
    return 1 if errors or lost else 0


if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in {"prepare", "run"}:
        sys.exit(__doc__)
    sys.exit(prepare() if sys.argv[1] == "prepare" else run())
