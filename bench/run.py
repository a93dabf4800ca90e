"""ddq's benchmarks: one line per figure, `name: value unit`, with a baseline measured in the same run.

Machines are noisy, so targets are ratios against a baseline, never absolute times in a test.
"""

from __future__ import annotations

import json
import os
import re
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
from ddq.core.definitions.reader import forget_read_folders  # noqa: E402

QUESTIONNAIRES = ROOT / "questionnaires"
#: Every figure of this process, for the summary; and, when set, a file each figure is appended to as a JSON line
#: (the whole run's groups each run in a process of their own, and the summary reads this file at the end).
RESULTS: list[dict] = []
RESULTS_FILE = "DDQ_BENCH_RESULTS"


def median_seconds(work: Callable[[], object], repeat: int = 15, warm: bool = True) -> float:
    if warm:
        work()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def paired_medians(
    work: Callable[[], object], baseline: Callable[[], object], blocks: int = 6, block: int = 10
) -> tuple[float, float]:
    """Median seconds of `work` and of `baseline`, run in alternate blocks: on a shared machine, a busy moment slows
    both alike (blocks rather than single calls, so that the baseline seldom pays for the collection of garbage the
    work left)."""
    work(), baseline()
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(blocks):
        for measured, call in zip(times, (work, baseline), strict=True):
            for _ in range(block):
                start = time.perf_counter()
                call()
                measured.append(time.perf_counter() - start)
    return statistics.median(times[0]), statistics.median(times[1])


def peak_mib(work: Callable[[], object]) -> float:
    tracemalloc.start()
    work()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20


def quiet_access_log() -> None:
    """The app writes one JSON line per request: not wanted among the figures (nor in their time)."""
    import logging

    access = logging.getLogger("ddq.access")
    access.addHandler(logging.NullHandler())
    access.propagate = False


def report(name: str, value: float, unit: str, baseline: tuple[str, float] | None = None, target: str = "") -> None:
    """Print one figure, and keep it for the summary. `target` is read by `judge` up to its first ';' (what follows
    is a note): clauses such as `<= 5 ms`, `>= 200 messages/s`, `<= 8x` or `ratio <= 1.15` (against the baseline),
    joined by `and`, optionally `at 5,000` (judged only on the figure whose name ends in that size)."""
    line = f"{name}: {value:.2f} {unit}"
    ratio = None
    if baseline:
        label, base = baseline
        ratio = value / base if base else None
        line += f" (baseline {label}: {base:.2f} {unit}; ratio {value / base if base else float('nan'):.2f}x)"
    if target:
        line += f" [target {target}]"
    print(line, flush=True)
    figure = {
        "name": name,
        "value": value,
        "unit": unit,
        "baseline": baseline[1] if baseline else None,
        "ratio": ratio,
        "target": target,
        "met": judge(name, value, unit, ratio, target),
    }
    RESULTS.append(figure)
    if os.environ.get(RESULTS_FILE):
        with open(os.environ[RESULTS_FILE], "a", encoding="utf-8") as results:
            results.write(json.dumps(figure) + "\n")


#: Units a limit may be written in, as a factor of the unit the figure is reported in.
_SCALES = {
    "ms": ("time", 1e-3),
    "s": ("time", 1.0),
    "KB": ("bytes", 1024),
    "MiB": ("bytes", 2**20),
    "MB": ("bytes", 2**20),
}
_CLAUSE = re.compile(r"(?:(ratio)\s*)?(<=|>=)\s*([\d.,]+)\s*(x\b|[A-Za-z/]+)?")
_AT = re.compile(r"\bat ([\d,]+)")


def judge(name: str, value: float, unit: str, ratio: float | None, target: str) -> str:
    """'yes' when the figure meets every clause of its target, 'no' when it misses one, '-' when the target says
    nothing checkable. A target `at 5,000` is judged on the figure at that size; a smaller size that already misses
    it is 'no' (the figures grow with the partners), one that meets it is '-'."""
    text = target.split(";", 1)[0]
    clauses = _CLAUSE.findall(text)
    if not clauses:
        return "-"
    met = True
    for is_ratio, sign, number, limit_unit in clauses:
        limit = float(number.replace(",", ""))
        if is_ratio or limit_unit == "x":
            if ratio is None:
                return "-"
            measured = ratio
        elif limit_unit and limit_unit not in (unit, unit.split()[0]):
            if limit_unit not in _SCALES or unit not in _SCALES or _SCALES[limit_unit][0] != _SCALES[unit][0]:
                return "-"
            measured = value * _SCALES[unit][1] / _SCALES[limit_unit][1]
        else:
            measured = value
        met = met and (measured <= limit if sign == "<=" else measured >= limit)
    at = _AT.search(text)
    if at and not name.endswith("_" + at.group(1).replace(",", "")):
        return "-" if met else "no"
    return "yes" if met else "no"


def summary(results: list[dict], failed: list[str] = ()) -> None:
    """A table of every figure: name, value, baseline, ratio, target, met."""
    if not results and not failed:
        return
    rows = [("figure", "value", "baseline", "ratio", "target", "met")]
    for figure in results:
        unit = figure["unit"]
        rows.append(
            (
                figure["name"],
                f"{figure['value']:,.2f} {unit}",
                "" if figure["baseline"] is None else f"{figure['baseline']:,.2f} {unit}",
                "" if figure["ratio"] is None else f"{figure['ratio']:.2f}x",
                figure["target"].split(";", 1)[0].split(" (", 1)[0],
                figure["met"],
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    print("\n# summary")
    for number, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if number == 0:
            print("  ".join("-" * width for width in widths))
    counts = {answer: sum(1 for figure in results if figure["met"] == answer) for answer in ("yes", "no")}
    print(f"# {counts['yes']} targets met, {counts['no']} not met, {len(results)} figures", flush=True)
    for group in failed:
        print(f"# group {group} did not run to the end (see above)", flush=True)


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

    def first_reading():
        forget_read_folders()  # a folder read before is rebuilt only when a file's content changed
        return load_library(QUESTIONNAIRES)

    load = median_seconds(first_reading) * 1000
    parse = median_seconds(parse_only) * 1000
    report("load_and_validate_questionnaires", load, "ms", ("YAML parsing alone", parse), "<= 5x parsing")
    report("load_and_validate_peak_memory", peak_mib(first_reading), "MiB")
    again = median_seconds(lambda: load_library(QUESTIONNAIRES)) * 1000
    report("load_again_folder_unchanged", again, "ms", ("the first reading", load))

    capacity = library.questionnaire("partner-capacity")
    snapshot = json.dumps(questionnaire_to_data(capacity))
    rebuild = median_seconds(lambda: questionnaire_from_data(json.loads(snapshot)), repeat=30) * 1000
    decode = median_seconds(lambda: json.loads(snapshot), repeat=30) * 1000
    report("rebuild_partner_capacity_from_snapshot", rebuild, "ms", ("JSON decoding alone", decode))


def section_page_app(work: Path):
    """An app whose partner has a 40-question section (maturity, yes/no, choices, numbers, texts, each allowing
    "does not apply") and a logged-in test client: (app, client, the section's URL)."""
    import shutil

    from ddq import create_app
    from ddq.extensions import db
    from ddq.store import operations as ops

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
    quiet_access_log()  # before the app is made, which gives the access log a handler when it has none
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
        from werkzeug.security import generate_password_hash

        from ddq.library import current_library

        db.create_all()
        library = current_library()
        ops.create_organisation(db.session, "Institute", kind="host")
        partner = ops.create_organisation(db.session, "Partner")
        user = ops.create_user(db.session, "p@example.org", "P", "partner_respondent", partner)
        user.password_hash = generate_password_hash("bench password")
        partnership = ops.create_partnership(db.session, partner, "P", "project")
        assessment = ops.create_assessment(
            db.session, library.questionnaire("bench"), subject=partner, respondent=partner, partnership=partnership
        )
        ops.change_status(db.session, assessment, "sent")
        db.session.commit()
        url = f"/a/{assessment.id}/s/forty"
    client = app.test_client()
    client.post("/login", data={"email": "p@example.org", "password": "bench password"})
    return app, client, url


def bench_section_page() -> None:
    """GET of a 40-question section in process, beside a bare route in the same app, and the page's weight."""
    import shutil
    import tempfile

    import sqlalchemy as sa

    from ddq.extensions import db
    from ddq.library import current_library

    work = Path(tempfile.mkdtemp(prefix="ddq-bench-"))
    app, client, url = section_page_app(work)
    bare_route = lambda: client.get("/bare")  # noqa: E731 - named for the two figures that use it
    page = client.get(url)
    assert page.status_code == 200 and page.data.count(b'class="question') == 40, "the bench page did not render"
    section, bare = (seconds * 1000 for seconds in paired_medians(lambda: client.get(url), bare_route))
    report("section_40_questions_get", section, "ms", ("bare route", bare), "<= 5 ms and <= 8x")
    weight = len(page.data) + sum(len(client.get(f"/static/{name}").data) for name in ("ddq.css", "ddq.js"))
    report("section_40_questions_page_weight", weight / 1024, "KB", target="<= 100 KB with CSS and JS")
    # the same page with every question answered and commented: each answer's parts are filled per request
    with app.app_context():
        questions = current_library().questionnaire("bench").questions
    posted = {"present": [question.id for question in questions], "save": "1"}
    for question in questions:
        typed = "A few words, with <angle brackets> & an ampersand"
        posted[f"q_{question.id}"] = str(question.choices[0].value) if question.choices else typed
        posted[f"comment_{question.id}"] = "Checked with the finance team."
    assert client.post(url, data=posted).status_code == 302, "the bench answers were not saved"
    answered, bare = (seconds * 1000 for seconds in paired_medians(lambda: client.get(url), bare_route))
    report("section_40_answered_get", answered, "ms", ("bare route", bare), "<= 8x")
    with app.app_context():
        engine = db.engine
    statements = []
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    client.get(url)
    report("section_40_answered_get_statements", len(statements), "statements", target="<= 10 statements")
    weight = len(client.get(url).data) + sum(len(client.get(f"/static/{name}").data) for name in ("ddq.css", "ddq.js"))
    report("section_40_answered_page_weight", weight / 1024, "KB", target="<= 100 KB with CSS and JS")
    shutil.rmtree(work, ignore_errors=True)


def bench_portfolio_scoring(count: int = 10_000) -> None:
    """Scoring every assessment at once (numpy) beside a plain loop over the per-assessment function: the median of
    three runs, each from the columnar frames (their building from the per-assessment dicts is printed apart)."""
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
    start = time.perf_counter()
    assessments, answers = frames_from_inputs(entries)
    frames = time.perf_counter() - start
    print(f"# portfolio: {count} assessments x {len(questionnaire.questions)} answers = {len(answers)} answers")
    print(f"# building the frames from the per-assessment inputs: {frames:.2f} s")
    questionnaires, scopes, profiles = {questionnaire.id: questionnaire}, {"all": Scope()}, {"none": {}}
    vectorised = median_seconds(
        lambda: score_portfolio(assessments, answers, questionnaires, scopes, profiles), repeat=3, warm=False
    )
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


def _spreadsheet(path: Path, questions: int, filler_bytes: int = 0) -> None:
    """A funder-style spreadsheet with `questions` rows, and with `filler_bytes` a sheet of guidance text that makes
    the file about that size (random text in cells of 3,000 characters, four a row: far inside the import limits
    on rows, columns, cells and unpacked size, so the workbook is one the import must accept)."""
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
    if filler_bytes:
        # 32 symbols drawn uniformly deflate to a little over 5 bits each: 0.665 bytes a character, whatever the seed
        letters = bytes.maketrans(bytes(range(256)), b"abcdefghijklmnopqrstuvwxyz 01234" * 8)
        filler = workbook.create_sheet("Guidance")
        cell, per_row = 3000, 4
        for _ in range(int(filler_bytes / 0.665) // (cell * per_row)):
            filler.append([rng.randbytes(cell).translate(letters).decode("ascii") for _ in range(per_row)])
    workbook.save(path)


def _xlsform(path: Path, rows: int = 2000) -> int:
    """An XLSForm of `rows` survey rows as survey tools write them: groups of 48 questions (yes/no, a 1-4 scale,
    several choices, integers, decimals, dates, text), some with a hint, a constraint or a condition on the
    question before; a choices sheet and a settings sheet. Returns the number of questions."""
    import random

    from openpyxl import Workbook

    rng = random.Random(13)
    words = ["board", "policy", "audit", "staff", "budget", "safeguarding", "data", "risk", "fraud", "finance"]
    kinds = ["select_one yes_no", "select_one scale", "select_multiple areas", "integer", "text", "decimal", "date"]
    workbook = Workbook(write_only=True)
    survey = workbook.create_sheet("survey")
    survey.append(["type", "name", "label", "hint", "required", "relevant", "constraint", "constraint_message"])
    questions = 0
    group = 0
    while True:
        group += 1
        survey.append(["begin_group", f"g{group}", f"Area {group}", None, None, None, None, None])
        for _ in range(48):
            questions += 1
            kind = kinds[questions % len(kinds)]
            previous = f"q{questions - 1}"
            survey.append(
                [
                    kind,
                    f"q{questions}",
                    " ".join(rng.choice(words) for _ in range(10)) + f" ({questions})?",
                    "Answer for the whole organisation." if questions % 5 == 0 else None,
                    "yes" if questions % 3 else None,
                    f"${{{previous}}} = 'yes'" if questions % 7 == 1 and questions > 1 else None,
                    ". >= 0" if kind in ("integer", "decimal") else None,
                    "Not negative." if kind in ("integer", "decimal") else None,
                ]
            )
        survey.append(["end_group", None, None, None, None, None, None, None])
        if group * 50 >= rows:
            break
    choices = workbook.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    for name, label in (("yes", "Yes"), ("no", "No")):
        choices.append(["yes_no", name, label])
    for level, label in enumerate(("Ad hoc", "Basic", "Documented", "Reviewed"), start=1):
        choices.append(["scale", str(level), label])
    for area in ("climate", "land", "urban", "gender"):
        choices.append(["areas", area, area.capitalize()])
    settings = workbook.create_sheet("settings")
    settings.append(["form_title", "form_id", "version"])
    settings.append(["Bench funder form", "bench_funder_form", "1"])
    workbook.save(path)
    return questions


def _peak_import(path: Path, code_template: str) -> tuple[float, float]:
    """Peak resident memory (MiB) of importing `path` in a fresh process -- the highest of that process and of the
    child each reader runs in (ddq.importers.guard) -- and the process's own peak before the import."""
    import subprocess

    code = (
        "import re, resource, sys; from pathlib import Path; sys.path.insert(0, %r)\n"
        "def peak(): return int(re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1)) / 1024\n"
        "from ddq.core.definitions import load_library\nfrom ddq.importers.frame import import_template\n"
        "library = load_library(Path(%r))\nbefore = peak()\n"
        + code_template
        + "\nchildren = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(max(peak(), children), before)\n"
    ) % (str(ROOT), str(QUESTIONNAIRES), str(path), str(QUESTIONNAIRES))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"importing {path.name} failed:\n{done.stderr[-3000:]}")
    peak, before = done.stdout.split()
    return float(peak), float(before)


def bench_import() -> None:
    """A 2,000-question spreadsheet through the whole import, beside pandas reading it with openpyxl; a 2,000-row
    XLSForm through the whole import, beside pyxform alone converting the same file; then the peak memory of
    importing a 20 MB workbook (within the default import limits), measured in a separate process."""
    import shutil
    import tempfile

    import pandas as pd
    from pyxform.xls2xform import convert as pyxform_convert

    from ddq.importers.formats import convert
    from ddq.importers.frame import import_template
    from ddq.importers.intake import DEFAULT_LIMITS, open_template
    from ddq.importers.matching import BankIndex

    work = Path(tempfile.mkdtemp(prefix="ddq-bench-import-"))
    library = load_library(QUESTIONNAIRES)

    def whole(path: Path, data: bytes):
        return import_template(path.name, data, QUESTIONNAIRES, library, funder="Bench Fund", questionnaire_id="bench")

    # Each whole import takes seconds (most of it matching questions to the bank): the checked first run is the
    # warm-up, then the median of two.
    path = work / "funder-2000.xlsx"
    _spreadsheet(path, 2000)
    data = path.read_bytes()
    result = whole(path, data)
    assert result.questions == 2000, result.questions
    seconds = median_seconds(lambda: whole(path, data), repeat=2, warm=False)
    openpyxl_read = median_seconds(lambda: pd.read_excel(path, sheet_name=None, engine="openpyxl"), repeat=3)
    report(
        "import_2000_question_spreadsheet", seconds, "s", ("pandas reading it with openpyxl", openpyxl_read), "<= 1.5 s"
    )

    form = work / "xlsform-2000.xlsx"
    questions = _xlsform(form, 2000)
    data = form.read_bytes()
    result = whole(form, data)
    assert result.questions == questions, (result.questions, questions)
    pyxform_alone = median_seconds(lambda: pyxform_convert(xlsform=str(form)), repeat=3)
    seconds = median_seconds(lambda: whole(form, data), repeat=2, warm=False)
    report(
        f"import_2000_row_xlsform_{questions}_questions",
        seconds,
        "s",
        ("pyxform alone converting the same file", pyxform_alone),
        "<= 2x (issue 13)",
    )
    definition, _, kind = convert(open_template(form.name, data))
    assert kind == "xlsform" and sum(len(s["questions"]) for s in definition["sections"]) == questions, kind
    read = median_seconds(lambda: convert(open_template(form.name, data)), repeat=3)
    report(
        "read_2000_row_xlsform_without_matching",
        read,
        "s",
        ("pyxform alone converting the same file", pyxform_alone),
        "<= 2x",
    )
    asked = [(question, part["title"]["en"]) for part in definition["sections"] for question in part["questions"]]

    def match() -> list:
        bank = BankIndex(library)
        return [bank.propose(question, title) for question, title in asked]

    report(
        f"bank_matching_of_those_{questions}_questions",
        median_seconds(match, repeat=3),
        "s",
        ("the whole import of the XLSForm", seconds),
    )

    big = work / "funder-20mb.xlsx"
    _spreadsheet(big, 2000, filler_bytes=19 * 2**20)
    size = big.stat().st_size
    assert 18 * 2**20 < size <= DEFAULT_LIMITS.max_bytes, f"the big workbook is {size / 2**20:.1f} MiB"
    open_template(big.name, big.read_bytes())  # within the default limits: refused here, the figure would be void
    peak, before = _peak_import(
        big,
        "import_template('big.xlsx', Path(%r).read_bytes(), Path(%r), library, funder='F', questionnaire_id='big')",
    )
    print(f"# big workbook: {size / 1e6:.1f} MB ({size / 2**20:.1f} MiB), the default limits", flush=True)
    report(
        f"import_{size / 1e6:.0f}_mb_workbook_peak_memory",
        peak,
        "MiB",
        ("the process before importing", before),
        "<= 500 MiB",
    )
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

def run_all() -> int:
    """Every group, each in a process of its own (so that one group's memory never inflates another's figures);
    a group that fails is named and the others still run. Then the summary of every figure."""
    import subprocess
    import tempfile

    started = time.perf_counter()
    with tempfile.NamedTemporaryFile(prefix="ddq-bench-", suffix=".jsonl", delete=False) as results_file:
        results = Path(results_file.name)
    environment = {**os.environ, RESULTS_FILE: str(results)}
    failed = []
    for name in GROUPS:
        print(f"## {name}", flush=True)
        group_started = time.perf_counter()
        if subprocess.run([sys.executable, __file__, name], env=environment, check=False).returncode:
            failed.append(name)
        print(f"# {name}: {time.perf_counter() - group_started:.0f} s", flush=True)
    figures = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines() if line]
    results.unlink()
    summary(figures, failed)
    print(f"# all groups: {(time.perf_counter() - started) / 60:.1f} min", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) > 1:
        if sys.argv[1] not in GROUPS:
            raise SystemExit(f"no group {sys.argv[1]!r}; the groups are {', '.join(GROUPS)}")
        # run as bench.run, the module the other groups report through, so that every figure is in one RESULTS
        from bench import run

        run.GROUPS[sys.argv[1]]()
        if not os.environ.get(RESULTS_FILE):
            summary(run.RESULTS)
    else:
        sys.exit(run_all())
