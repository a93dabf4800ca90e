"""ddq's benchmarks: one line per figure, `name: value unit`, with a baseline measured in the same run.

Machines are noisy, so targets are ratios against a baseline, never absolute times in a test.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ddq.core.definitions import load_library, questionnaire_from_data, questionnaire_to_data  # noqa: E402

QUESTIONNAIRES = ROOT / "questionnaires"


def median_seconds(work: Callable[[], object], repeat: int = 15) -> float:
    work()  # warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_mib(work: Callable[[], object]) -> float:
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def report(name: str, value: float, unit: str, baseline: tuple[str, float] | None = None, target: str = "") -> None:
    line = f"{name}: {value:.2f} {unit}"
    if baseline:
        label, base = baseline
        line += f" (baseline {label}: {base:.2f} {unit}; ratio {value / base:.2f}x)"
    if target:
        line += f" [target {target}]"
    print(line, flush=True)


def yaml_files() -> list[Path]:
    return sorted(QUESTIONNAIRES.rglob("*.yaml"))


def parse_only() -> None:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    for path in yaml_files():
        yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader


def main() -> None:
    library = load_library(QUESTIONNAIRES)
    questions = sum(len(q.questions) for q in library.questionnaires.values())
    print(
        f"# {len(yaml_files())} definition files, {len(library.questionnaires)} questionnaires, {questions} questions"
    )

    load = median_seconds(lambda: load_library(QUESTIONNAIRES)) * 1000
    parse = median_seconds(parse_only) * 1000
    report("load_and_validate_questionnaires", load, "ms", ("YAML parsing alone", parse), "<= 5x parsing")
    report("load_and_validate_peak_memory", peak_mib(lambda: load_library(QUESTIONNAIRES)), "MiB")

    capacity = library.questionnaire("partner-capacity")
    snapshot = json.dumps(questionnaire_to_data(capacity))
    rebuild = median_seconds(lambda: questionnaire_from_data(json.loads(snapshot)), repeat=30) * 1000
    decode = median_seconds(lambda: json.loads(snapshot), repeat=30) * 1000
    report("rebuild_partner_capacity_from_snapshot", rebuild, "ms", ("JSON decoding alone", decode))


def bench_section_page() -> None:
    """GET of a 40-question section in process, beside a bare route in the same app, and the page's weight."""
    import shutil
    import tempfile

    from ddq import create_app
    from ddq.extensions import db
    from ddq.store import operations as ops

    work = Path(tempfile.mkdtemp(prefix="ddq-bench-"))
    library_dir = work / "questionnaires"
    shutil.copytree(QUESTIONNAIRES, library_dir)
    bank = load_library(QUESTIONNAIRES).bank
    kinds = ["maturity", "yes_no", "single_choice", "number", "short_text", "long_text"]
    chosen = [item for kind in kinds for item in bank.values() if item.type == kind][:40]
    questions = "\n".join(f"      - {{use: {item.id}, allow_na: true}}" for item in chosen)
    (library_dir / "bench.yaml").write_text(
        "id: bench\nversion: '1'\ndirection: partner_self\ntitle: Bench\npurpose: Forty questions on one page.\n"
        "visible_to: Nobody.\nsections:\n  - id: forty\n    title: Forty\n    questions:\n" + questions + "\n",
        encoding="utf-8",
    )
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'bench.sqlite3'}",
            "DDQ_QUESTIONNAIRES": str(library_dir),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "b",
        }
    )
    app.add_url_rule("/bare", "bare", lambda: "ok")
    with app.app_context():
        from ddq.library import current_library

        db.create_all()
        library = current_library()
        host = ops.create_organisation(db.session, "Institute", kind="host")
        partner = ops.create_organisation(db.session, "Partner")
        user = ops.create_user(db.session, "p@example.org", "P", "partner_respondent", partner)
        from werkzeug.security import generate_password_hash

        user.password_hash = generate_password_hash("bench password")
        partnership = ops.create_partnership(db.session, partner, "P", "project")
        assessment = ops.create_assessment(
            db.session, library.questionnaire("bench"), subject=partner, respondent=partner, partnership=partnership
        )
        ops.change_status(db.session, assessment, "sent")
        db.session.commit()
        url = f"/a/{assessment.id}/s/forty"
        del host
    client = app.test_client()
    client.post("/login", data={"email": "p@example.org", "password": "bench password"})
    page = client.get(url)
    assert page.status_code == 200 and page.data.count(b'class="question') == 40, "the bench page did not render"
    section = median_seconds(lambda: client.get(url), repeat=40) * 1000
    bare = median_seconds(lambda: client.get("/bare"), repeat=40) * 1000
    report("section_40_questions_get", section, "ms", ("bare route", bare), "<= 5 ms and <= 8x")
    weight = len(page.data) + sum(len(client.get(f"/static/{name}").data) for name in ("ddq.css", "ddq.js"))
    report("section_40_questions_page_weight", weight / 1024, "KB", target="<= 100 KB with CSS and JS")
    shutil.rmtree(work, ignore_errors=True)


def bench_portfolio_scoring(count: int = 10_000) -> None:
    """Scoring every assessment at once (pandas) beside a plain loop over the per-assessment function."""
    import random

    from ddq.core.definitions import Scope
    from ddq.core.scoring import AnswerInput, score_assessment
    from ddq.reporting.portfolio import frames_from_inputs, score_portfolio

    library = load_library(QUESTIONNAIRES)
    questionnaire = library.questionnaire("host-disclosure")  # 91 questions, all asked
    rng = random.Random(1)
    entries = []
    for assessment_id in range(count):
        answers = {}
        for question in questionnaire.questions:
            if question.type == "maturity":
                value = rng.randint(1, 4)
            elif question.choices:
                value = rng.choice(question.choices).value
            else:
                value = "12"
            answers[question.id] = AnswerInput(value, evidence_level=rng.randint(0, 3))
        entries.append(
            {
                "assessment_id": assessment_id,
                "questionnaire": questionnaire.id,
                "scope": "all",
                "early": False,
                "profile": "none",
                "answers": answers,
            }
        )
    assessments, answers = frames_from_inputs(entries)
    print(f"# portfolio: {count} assessments x {len(questionnaire.questions)} answers = {len(answers)} answers")
    start = time.perf_counter()
    score_portfolio(assessments, answers, {questionnaire.id: questionnaire}, {"all": Scope()}, {"none": {}})
    vectorised = time.perf_counter() - start
    sample = entries[:1000]
    start = time.perf_counter()
    for entry in sample:
        score_assessment(questionnaire, entry["answers"], domains=library.domains.values())
    loop = (time.perf_counter() - start) * count / len(sample)
    report("portfolio_scoring_10000", vectorised, "s", ("per-assessment loop, extrapolated from 1,000", loop), "<= 1 s")


def bench_reports() -> None:
    """One capacity report beside WeasyPrint alone on the same HTML; then 100 reports in the worker pool."""
    import shutil
    import tempfile

    import click
    import sqlalchemy as sa
    from pypdf import PdfReader
    from weasyprint import HTML

    from ddq import create_app
    from ddq.demo import load_demo
    from ddq.extensions import db
    from ddq.library import current_library
    from ddq.reporting.batch import render_batch
    from ddq.reporting.context import capacity_report_context
    from ddq.reporting.render import ASSET_SCHEME, load_template, locked_fetcher, render_html, render_pdf
    from ddq.store.models import Assessment, Organisation
    from ddq.store.report_facts import capacity_facts

    work = Path(tempfile.mkdtemp(prefix="ddq-bench-reports-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'demo.sqlite3'}", "SECRET_KEY": "b"})
    with app.app_context():
        db.create_all()
        load_demo(db.session)
        db.session.commit()
        library = current_library()
        template = load_template("capacity")
        partner = db.session.scalar(sa.select(Organisation).where(Organisation.name == "Mathare Youth Voices"))
        assessment = db.session.scalar(
            sa.select(Assessment).where(Assessment.subject_id == partner.id, Assessment.direction == "partner_self")
        )

        def whole() -> bytes:
            facts = capacity_facts(db.session, assessment)
            return render_pdf(render_html(template, capacity_report_context(facts, library, "en")))

        html = render_html(template, capacity_report_context(capacity_facts(db.session, assessment), library, "en"))
        pages = len(PdfReader(__import__("io").BytesIO(whole())).pages)
        ddq_time = median_seconds(whole, repeat=7)
        alone = median_seconds(
            lambda: HTML(string=html, base_url=ASSET_SCHEME, url_fetcher=locked_fetcher()).write_pdf(
                pdf_variant="pdf/ua-1"
            ),
            repeat=7,
        )
        report(
            f"capacity_report_{pages}_pages",
            ddq_time,
            "s",
            ("WeasyPrint alone on the same HTML", alone),
            "ratio <= 1.15",
        )
        every = db.session.scalars(sa.select(Assessment).where(Assessment.direction == "partner_self")).all()
        jobs = [
            (
                render_html(
                    template, capacity_report_context(capacity_facts(db.session, every[i % len(every)]), library, "en")
                ),
                work / f"report-{i}.pdf",
            )
            for i in range(100)
        ]
    with click.progressbar(length=len(jobs), label="100 reports", file=sys.stderr) as bar:
        result = render_batch(jobs, workers=2, progress=bar.update)
    report("batch_100_reports_per_report", result.seconds / result.files, "s", target="<= 0.5 s a report on 2 cores")
    report("batch_100_reports_peak_memory_all_workers", result.peak_total_mib, "MiB", target="<= 400 MiB")
    shutil.rmtree(work, ignore_errors=True)


def _spreadsheet(path: Path, questions: int, padding_mb: int = 0) -> None:
    """A funder-style spreadsheet with `questions` rows (and a sheet of filler text up to `padding_mb`)."""
    import random

    from openpyxl import Workbook

    rng = random.Random(3)
    words = [
        "board",
        "policy",
        "audit",
        "staff",
        "budget",
        "safeguarding",
        "data",
        "partner",
        "risk",
        "fraud",
        "report",
        "finance",
        "procurement",
        "evidence",
        "training",
        "ethics",
        "consent",
        "monitoring",
        "learning",
        "community",
    ]
    formats = ["Yes/No", "Free text", "Number", "Scale 1-4", "Multiple choice", "Currency", "Date", "Yes/No/Partially"]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Questionnaire")
    sheet.append(["No.", "Pillar", "Question", "Response type", "Options", "Mandatory", "Evidence requested"])
    for number in range(1, questions + 1):
        kind = formats[number % len(formats)]
        options = (
            "1 = ad hoc; 2 = basic; 3 = documented; 4 = reviewed"
            if kind == "Scale 1-4"
            else ("Climate; Land; Urban; Gender" if kind == "Multiple choice" else None)
        )
        sheet.append(
            [
                f"{number // 50 + 1}.{number % 50 + 1}",
                f"Pillar {number // 200}",
                " ".join(rng.choice(words) for _ in range(12)) + f" ({number})?",
                kind,
                options,
                "Y" if number % 3 else "N",
                "Policy document" if number % 7 == 0 else None,
            ]
        )
    if padding_mb:
        filler = workbook.create_sheet("Guidance")
        letters = "abcdefghijklmnopqrstuvwxyz0123456789 "
        target = padding_mb * 2**20
        row = 0
        while row * 2000 < target * 1.05:
            filler.append(
                ["".join(rng.choice(letters) for _ in range(1000)), "".join(rng.choice(letters) for _ in range(1000))]
            )
            row += 1
    workbook.save(path)


def bench_import() -> None:
    """A 2,000-question spreadsheet through the whole import, beside pandas reading it with openpyxl; then the
    peak memory of importing a 20 MB workbook, measured in a separate process."""
    import subprocess
    import tempfile

    import pandas as pd

    from ddq.importers.frame import import_template

    work = Path(tempfile.mkdtemp(prefix="ddq-bench-import-"))
    path = work / "funder-2000.xlsx"
    _spreadsheet(path, 2000)
    data = path.read_bytes()
    library = load_library(QUESTIONNAIRES)
    result = import_template(path.name, data, QUESTIONNAIRES, library, funder="Bench Fund", questionnaire_id="bench")
    assert result.questions == 2000, result.questions
    whole = median_seconds(
        lambda: import_template(
            path.name, data, QUESTIONNAIRES, library, funder="Bench Fund", questionnaire_id="bench"
        ),
        repeat=3,
    )
    openpyxl_read = median_seconds(lambda: pd.read_excel(path, sheet_name=None, engine="openpyxl"), repeat=3)
    report(
        "import_2000_question_spreadsheet", whole, "s", ("pandas reading it with openpyxl", openpyxl_read), "<= 1.5 s"
    )
    big = work / "funder-20mb.xlsx"
    _spreadsheet(big, 2000, padding_mb=26)  # random filler compresses to about 20 MB, just under the limit
    size = big.stat().st_size / 2**20
    code = (
        "import re, sys; from pathlib import Path; sys.path.insert(0, %r)\n"
        "def peak(): return int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) / 1024\n"
        "from ddq.core.definitions import load_library\nfrom ddq.importers.frame import import_template\n"
        "library = load_library(%r)\nbefore = peak()\n"
        "import_template('big.xlsx', Path(%r).read_bytes(), Path(%r), library, funder='F', questionnaire_id='big')\n"
        "print(peak(), before)\n"
    ) % (str(ROOT), str(QUESTIONNAIRES), str(big), str(QUESTIONNAIRES))
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    report(
        f"import_{size:.0f}_mb_workbook_peak_memory",
        float(output[0]),
        "MiB",
        ("the process before importing", float(output[1])),
        "<= 500 MiB",
    )
    import shutil

    shutil.rmtree(work, ignore_errors=True)


def bench_ledger() -> None:
    """The burden ledger over 1,000 partners x 10 requests, from the facts the store hands it."""
    import datetime as dt
    import random

    from ddq.core.ledger import RequestFacts, ledger

    rng = random.Random(5)
    today = dt.date(2026, 11, 28)
    facts = [
        RequestFacts(
            f"partner {p}",
            p * 10 + r,
            "partner-capacity",
            today - dt.timedelta(days=rng.randint(0, 500)),
            rng.uniform(20, 200),
            rng.randint(0, 20_000),
            rng.randint(20, 90),
            rng.randint(0, 40),
            rng.randint(0, 30),
            rng.randint(0, 5),
            rng.randint(0, 5),
            rng.randint(0, 2),
            rng.choice([None, 3, 5, 6]),
            rng.choice([None, 12, 40]),
            rng.uniform(0, 100_000),
        )
        for p in range(1000)
        for r in range(10)
    ]
    seconds = median_seconds(lambda: ledger(facts, today), repeat=10) * 1000
    build = (
        median_seconds(
            lambda: [
                RequestFacts(f.partner, f.assessment_id, f.questionnaire, f.created_on, f.estimated_minutes)
                for f in facts
            ],
            repeat=10,
        )
        * 1000
    )
    report("ledger_1000_partners_x_10_requests", seconds, "ms", ("building the 10,000 facts", build), "<= 1 s")


def bench_messages() -> None:
    from bench.cycle import bench_tick
    from bench.messages import bench_messages as run

    run()
    bench_tick()


def bench_staff() -> None:
    from bench.staff import bench_staff as run

    run()


GROUPS = {
    "definitions": main,
    "section": bench_section_page,
    "portfolio": bench_portfolio_scoring,
    "reports": bench_reports,
    "import": bench_import,
    "ledger": bench_ledger,
    "staff": bench_staff,
    "messages": bench_messages,
}

if __name__ == "__main__":
    # Each group runs in a process of its own, so that one group's memory never inflates another's figures.
    if len(sys.argv) > 1:
        GROUPS[sys.argv[1]]()
    else:
        import subprocess

        for name in GROUPS:
            subprocess.run([sys.executable, __file__, name], check=True)
