"""Hostile requests over every route of the URL map, as every kind of person.

Hypothesis fills URL parameters with hostile ids (0, -1, 2**31, 2**63, Unicode digits, other partners' real ids)
and the query, form and JSON bodies with hostile values (NUL and other control characters, huge text, Unicode,
emoji, right-to-left marks, numbers such as 1e999999999, NaN and Infinity, duplicated and unknown fields), with
valid CSRF tokens so that requests reach the views. Required: no response is a 500, and requests made as one
partner change no row of any other organisation (the tables are snapshot before and compared after).
"""

from __future__ import annotations

import io
import json
import re
import time
from collections import Counter
from urllib.parse import quote, urlencode

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ddq import create_app
from ddq.extensions import db
from ddq.store.models import Assessment, Organisation, Partnership, User
from tests.conftest import PASSWORD, web_config
from tests.web.conftest import Browser

EMAILS = {
    "admin": "admin@bil.example.org",
    "staff": "reviewer@bil.example.org",
    "partner_a": "respondent1@partner1.example.org",
    "colleague_a": "colleague1@partner1.example.org",
    "viewer_a": "viewer1@partner1.example.org",
    "partner_b": "respondent2@partner2.example.org",
}
#: Who acts in one run, and whether the run must leave every other organisation's rows as they were.
GROUPS = {
    "partner_a": (("partner_a", "colleague_a", "viewer_a"), True),
    "partner_b": (("partner_b",), True),
    "institute": (("anonymous", "staff", "admin"), False),
}
#: Requests per run on SQLite: 5,400 over the three runs.
REQUESTS = {"partner_a": 2000, "partner_b": 1400, "institute": 2000}
#: A smaller pass on PostgreSQL, where NUL bytes and integer ranges are refused by the database itself.
PG_REQUESTS = {"partner_a": 500, "partner_b": 300, "institute": 500}

# --- hostile values -------------------------------------------------------------------------------------

HOSTILE_IDS = (
    "0", "-1", "00", "1.0", "1e3", "0x10", " 1", "2147483647", "2147483648", "4294967296", str(2**63),
    str(2**64), "9" * 30, "9" * 5000, "٣", "²", "１", "१", "NaN", "",
)  # fmt: skip
HOSTILE_NUMBERS = (
    "1e999999999", "1e1000000", "-1e999999999", "1e-999999999", "9" * 4301, "-" + "9" * 5000, "0." + "0" * 5000 + "1",
    "NaN", "nan", "-NaN", "sNaN", "Infinity", "-Infinity", "inf", "1e5000", "1E+308", "1e309", "-0", "0x1F", "1_000",
    "١٢٣", "²", "1,5", "1 000", "+-1", "2147483648", str(2**63), "9" * 40,
)  # fmt: skip
HOSTILE_TEXTS = (
    "\x00", "a\x00b", "\x00" * 100, "\x01\x02\x1b[31m", "\x7f", "\x85", "\ud800",  "\r\n\t", "\u202eevil\u202c",
    "\u200f\u200e\u061c", "\ufeff", "😀" * 50, "👩‍👩‍👧‍👦", "Ω≈ç√∫˜µ≤≥÷", "ÅÍÎÏ˝ÓÔÒÚÆ☃", "الْعَرَبِيَّةُ", "中文字符",
    "𝕿𝖍𝖊", "Z̴̡̪̫̖̥̔a̸̧̛l̵g̷o̶", "' OR 1=1 --", "\"; DROP TABLE answers; --", "<script>alert(1)</script>",
    "{{ 7*7 }}", "{% raw %}", "%s%s%n", "../../../../etc/passwd", "=cmd|' /C calc'!A0", "true", "null", "[]", "{}",
    "", " ", "x" * 4001, "x" * 20001, "y" * 70000, "é" * 25000,
)  # fmt: skip
STATIC_FIELDS = (
    "csrf_token", "present", "active_seconds", "next_section", "section_id", "user_id", "burden_rating",
    "burden_comment", "action", "body", "evidence_level", "decision", "response", "lang", "next", "email",
    "password", "confirm", "changes", "name", "country", "staff_size", "founded_year", "languages", "contact_name",
    "contact_email", "title", "type", "roles", "funder", "amount", "currency", "review_cycle_months", "tier",
    "tier_reason", "budget_justification", "due_on", "funder_mandate", "high_risk", "priority", "support", "domain",
    "question_id", "remove_0", "publish", "mapping", "questionnaire_id", "token", "incomplete", "kind", "id",
    "version", "versions", "draft",
)  # fmt: skip
#: Fields named after a question: `q_<question id>` and the like.
PER_QUESTION = ("q", "comment", "na", "nareason", "confirm", "base", "version", "resolve", "file")
UNKNOWN_FIELDS = ("x", "__proto__", "q_", "q_not_a_question", "comment_", "na_", "\x00", "a" * 300, "é", "q_\x00", "[]")


def _changes_json(question_ids: list[str]) -> st.SearchStrategy[str]:
    """The offline confirmation's JSON, true to its shape or not."""
    item = st.fixed_dictionaries(
        {"question_id": st.sampled_from([*question_ids, "nope", "\x00"]), "new": _value(), "comment": _value()},
        optional={"old": _value(), "extra": _value()},
    )
    return st.one_of(
        st.lists(item, max_size=4).map(json.dumps),
        st.sampled_from(("[", "[" * 50_000 + "]" * 50_000, '{"a": 1}', "null", "1e999999999", "[1, 2]", "[{}]")),
    )


def _value() -> st.SearchStrategy:
    return st.one_of(
        st.sampled_from(HOSTILE_TEXTS),
        st.sampled_from(HOSTILE_NUMBERS),
        st.text(max_size=40),
        st.integers().map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
    )


# --- the run --------------------------------------------------------------------------------------------

CONVERTER = re.compile(r"<(?:(?P<converter>\w+)(?:\((?P<args>[^)]*)\))?:)?(?P<name>\w+)>")


class Targets:
    """What the requests aim at: the URL map, the real ids and names of both partners, and the form fields."""

    def __init__(self, app, seen_fields: set[str]):
        self.rules = sorted(
            (
                (rule.rule, method, rule.endpoint)
                for rule in app.url_map.iter_rules()
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
            ),
            key=lambda item: (item[2], item[1]),
        )
        with app.app_context():
            ids = {
                "assessment": db.session.scalars(sa.select(Assessment.id)).all(),
                "organisation": db.session.scalars(sa.select(Organisation.id)).all(),
                "partnership": db.session.scalars(sa.select(Partnership.id)).all(),
                "user": db.session.scalars(sa.select(User.id)).all(),
            }
            from ddq.store.operations import questionnaire_of

            questions, sections = set(), set()
            for assessment in db.session.scalars(sa.select(Assessment)):
                questionnaire = questionnaire_of(assessment.questionnaire_version)
                sections.update(section.id for section in questionnaire.sections)
                questions.update(question.id for question in questionnaire.questions)
            db.session.remove()
        self.real_ids = sorted({str(i) for values in ids.values() for i in values}, key=int)
        self.sections = sorted(sections)
        self.questions = sorted(questions)
        per_question = [f"{prefix}_{q}" for q in self.questions for prefix in PER_QUESTION]
        self.fields = sorted(set(STATIC_FIELDS) | seen_fields | set(per_question))

    def path_value(self, converter: str | None, args: str | None) -> st.SearchStrategy[str]:
        if converter == "any":
            choices = [choice.strip() for choice in (args or "").split(",")]
            return st.one_of(st.sampled_from(choices), st.sampled_from(HOSTILE_TEXTS[:12]))
        if converter in ("id", "int"):
            return st.one_of(st.sampled_from(self.real_ids), st.sampled_from(HOSTILE_IDS), st.integers().map(str))
        return st.one_of(
            st.sampled_from(self.sections + self.questions),
            st.sampled_from(HOSTILE_TEXTS[:30] + HOSTILE_IDS),
            st.text(min_size=1, max_size=30),
            st.just("ddq.css"),
        )

    def field_value(self, name: str) -> st.SearchStrategy[str]:
        if name == "changes":
            return _changes_json(self.questions)
        if name in ("user_id", "section_id", "question_id", "present"):
            return st.one_of(
                st.sampled_from(self.real_ids + self.sections + self.questions), st.sampled_from(HOSTILE_IDS), _value()
            )
        return _value()


@st.composite
def hostile_request(draw, targets: Targets, token: str | None):
    template, method, endpoint = draw(st.sampled_from(targets.rules))

    def fill(match: re.Match) -> str:
        value = draw(targets.path_value(match["converter"], match["args"]), label=match["name"])
        raw = value.encode("utf-8", "surrogatepass")  # a lone surrogate goes as the invalid UTF-8 it makes
        return quote(raw, safe="") if match["converter"] != "path" else quote(raw, safe="/")

    url = CONVERTER.sub(fill, template)
    if draw(st.booleans()):
        query = draw(st.lists(st.tuples(st.sampled_from(targets.fields + list(UNKNOWN_FIELDS)), _value()), max_size=3))
        url += "?" + urlencode(query, quote_via=quote, errors="surrogatepass")
    names = draw(
        st.lists(st.sampled_from(targets.fields + list(UNKNOWN_FIELDS)), max_size=8)
    )  # repeats are duplicated fields
    form = [(name, draw(targets.field_value(name), label=name)) for name in names]
    csrf = draw(st.sampled_from(("valid", "valid", "valid", "valid", "missing", "hostile")))
    if csrf == "valid" and token:
        form.append(("csrf_token", token))
    elif csrf == "hostile":
        form.append(("csrf_token", draw(st.sampled_from(HOSTILE_TEXTS))))
    body = draw(st.sampled_from(("form", "form", "form", "multipart", "json", "raw")))
    return (
        method,
        url,
        endpoint,
        body,
        form,
        draw(st.sampled_from(("evil\x00.pdf", "../../x.pdf", "a" * 300, "ok.pdf"))),
    )


def _send(client, method: str, url: str, body: str, form: list, filename: str):
    token = dict(form).get("csrf_token", "")
    # a header travels as Latin-1 text on one line: what cannot, an HTTP client cannot send
    sendable = token.isascii() and token.isprintable()
    headers = {"X-CSRFToken": token} if body in ("json", "raw") and sendable else {}
    if method == "GET":
        return client.get(url)
    if body == "json":
        return client.open(
            url, method=method, data=json.dumps(dict(form)), content_type="application/json", headers=headers
        )
    if body == "raw":
        return client.open(
            url, method=method, data=b'{"a": ' * 20_000 + b"\x00\xff", content_type="application/json", headers=headers
        )
    if body == "multipart":
        data = {}
        for name, value in form:  # the test client writes parts as UTF-8, where a lone surrogate has no place
            data.setdefault(name, []).append(value.encode("utf-8", "replace").decode())
        data["file_legal_registration"] = (io.BytesIO(b"%PDF-1.4 hostile"), filename)
        return client.open(url, method=method, data=data, content_type="multipart/form-data")
    body = urlencode(form, errors="surrogatepass")  # a lone surrogate goes as the invalid UTF-8 it makes
    return client.open(url, method=method, data=body, content_type="application/x-www-form-urlencoded")


def _rows_by_organisation(app) -> dict[int, dict[str, set[tuple]]]:
    """Every row of every table, filed under the organisations it belongs to (through its foreign keys)."""
    with app.app_context(), db.engine.connect() as connection:
        tables = {
            table.name: connection.execute(sa.select(table)).mappings().all() for table in db.metadata.sorted_tables
        }
    owner_of: dict[str, dict[int, set[int]]] = {}  # table -> id -> organisations

    def owners(table: str, row) -> set[int]:
        found: set[int] = set()
        if table == "organisations":
            found.add(row["id"])
        for column in ("organisation_id", "partner_id", "respondent_id", "subject_id"):
            if row.get(column) is not None:
                found.add(row[column])
        for column, parent in (
            ("assessment_id", "assessments"),
            ("answer_id", "answers"),
            ("partnership_id", "partnerships"),
            ("user_id", "users"),
        ):
            if row.get(column) is not None:
                found |= owner_of.get(parent, {}).get(row[column], set())
        return found

    filed: dict[int, dict[str, set[tuple]]] = {}
    for table in ("organisations", "users", "partnerships", "assessments", "answers", *tables):
        if table in owner_of or table not in tables:
            continue
        owner_of[table] = {}
        for row in tables[table]:
            organisations = owners(table, row)
            if "id" in row:
                owner_of[table][row["id"]] = organisations
            for organisation in organisations:
                filed.setdefault(organisation, {}).setdefault(table, set()).add(
                    tuple(sorted((key, repr(value)) for key, value in row.items()))
                )
    return filed


def _organisation_of(app, email: str) -> int:
    with app.app_context():
        organisation = db.session.scalar(sa.select(User.organisation_id).where(User.email == email))
        db.session.remove()
        return organisation


def _seen_fields(browsers: dict[str, Browser], targets_app) -> set[str]:
    """The names of the fields on the pages each person can open, so that new forms are covered without a list."""
    names: set[str] = set()
    for browser in browsers.values():
        for page in ("/", "/my", "/staff", "/staff/partners/new", "/account/password", "/login", "/staff/imports"):
            names.update(re.findall(r'name="([^"]+)"', browser.get(page).get_data(as_text=True)))
    return names


def run_hostile(app, group: str, requests: int) -> dict:
    roles, isolated = GROUPS[group]
    browsers: dict[str, Browser] = {}
    for role in roles:
        browser = Browser(app)
        if role == "anonymous":
            browser.refresh_token("/login")
        else:
            assert browser.login(EMAILS[role]).status_code == 302, f"{role} could not sign in"
        browsers[role] = browser
    targets = Targets(app, _seen_fields(browsers, app))
    own = {_organisation_of(app, EMAILS[role]) for role in roles if role != "anonymous"}
    before = _rows_by_organisation(app) if isolated else {}
    statuses: Counter = Counter()
    failures: list[str] = []
    started = time.monotonic()

    @settings(
        max_examples=requests,
        deadline=None,
        derandomize=True,
        database=None,
        phases=(Phase.explicit, Phase.generate),
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def one_request(data):
        role = data.draw(st.sampled_from(roles), label="role")
        browser = browsers[role]
        method, url, _endpoint, body, form, filename = data.draw(hostile_request(targets, browser.token))
        with _send(browser.client, method, url, body, form, filename) as response:
            statuses[response.status_code] += 1
            if response.status_code >= 500:
                failures.append(f"{response.status_code} {role} {method} {url[:200]!r} {body} {form!r:.600}")
        if role != "anonymous":
            _stay_signed_in(app, browser, EMAILS[role])

    one_request()
    elapsed = time.monotonic() - started
    sent = sum(statuses.values())
    errors = sum(n for status, n in statuses.items() if status >= 500)
    print(f"\nhostile requests as {group}: {sent} in {elapsed:.0f} s, {errors} x 5xx, {dict(sorted(statuses.items()))}")
    changed = []
    if isolated:
        after = _rows_by_organisation(app)
        for organisation in set(before) | set(after):
            if organisation in own:
                continue
            for table in set(before.get(organisation, {})) | set(after.get(organisation, {})):
                old = before.get(organisation, {}).get(table, set())
                new = after.get(organisation, {}).get(table, set())
                if old != new:
                    changed.append(f"organisation {organisation}, {table}: {len(new ^ old)} rows differ")
    return {"sent": sent, "failures": failures, "changed": changed}


def _stay_signed_in(app, browser: Browser, email: str) -> None:
    """A request may sign its sender out (logout, a new password): sign in again, with the test password."""
    with browser.client.session_transaction() as session:
        signed_in = bool(session.get("_user_id"))
    if signed_in:
        return
    with app.app_context():
        from werkzeug.security import generate_password_hash

        user = db.session.scalar(sa.select(User).where(User.email == email))
        user.password_hash = generate_password_hash(PASSWORD)
        user.active = True
        db.session.commit()
        db.session.remove()
    assert browser.login(email).status_code == 302, f"{email} could not sign in again"


def _check(result: dict, minimum: int) -> None:
    assert result["sent"] >= minimum
    assert result["failures"] == [], f"{len(result['failures'])} server errors:\n" + "\n".join(result["failures"][:20])
    assert result["changed"] == [], "rows of another organisation changed:\n" + "\n".join(result["changed"])


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_hostile_requests_sqlite(web_app, group):
    _check(run_hostile(web_app, group, REQUESTS[group]), REQUESTS[group])


@pytest.fixture
def pg_web_app(migrated_postgres, tmp_path):
    """The demo on PostgreSQL, emptied afterwards."""
    from werkzeug.security import generate_password_hash

    from ddq.demo import load_demo
    from ddq.store.operations import create_user

    app = create_app(web_config(tmp_path / "unused.sqlite3", tmp_path, SQLALCHEMY_DATABASE_URI=migrated_postgres))
    with app.app_context():
        load_demo(db.session, password=PASSWORD)
        partner = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Mathare Youth Voices"))
        for email, role in (
            ("viewer1@partner1.example.org", "partner_viewer"),
            ("colleague1@partner1.example.org", "partner_respondent"),
        ):
            create_user(db.session, email, email.split("@")[0], role, partner).password_hash = generate_password_hash(
                PASSWORD
            )
        db.session.commit()
        db.session.remove()
    yield app
    with app.app_context():
        tables = ", ".join(table.name for table in db.metadata.sorted_tables)
        with db.engine.begin() as connection:
            connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.engine.dispose()


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_hostile_requests_postgresql(pg_web_app, group):
    _check(run_hostile(pg_web_app, group, PG_REQUESTS[group]), PG_REQUESTS[group])
