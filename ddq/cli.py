"""The `ddq` command: Flask's commands (run, db …) plus ddq's own."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup

from .app import create_app
from .core.burden import estimate
from .core.definitions import Library, Problem, Scope, check_library
from .core.vocabulary import PARTNER_ROLES


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False)
def main() -> None:
    """ddq: due-diligence questionnaires in both directions."""


def _library_root(path: Path, default: Path) -> Path:
    """The definitions folder a file belongs to: the nearest folder up holding domains.yaml."""
    for folder in [path, *path.parents] if path.is_dir() else path.parents:
        if (folder / "domains.yaml").is_file():
            return folder
    return default


@main.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings (a text missing a language) as problems.")
def check_command(paths: tuple[Path, ...], strict: bool) -> None:
    """Check questionnaire definitions; print every problem (exit 1) or a summary (exit 0). Without paths: the
    definitions folder with the imported templates beside it (DDQ_IMPORTED). A text missing one of the languages
    is a warning, and a problem with --strict."""
    from .library import imported_files, imported_folder

    default = Path(current_app.config["DDQ_QUESTIONNAIRES"])
    groups: dict[Path, list[Path]] = {} if paths else {default: imported_files(imported_folder())}
    for path in paths or (default,):
        if not path.exists():
            raise click.ClickException(f"{path}: no such file or folder")
        root = _library_root(path, default)
        groups.setdefault(root, [])
        if path.is_file():
            groups[root].append(path)
    failed = False
    for root, files in groups.items():
        warnings: list[Problem] = []
        library, problems = check_library(root, files, warnings)
        if strict:
            problems, warnings = sorted([*problems, *warnings]), []
        for problem in problems:
            click.echo(str(problem), err=True)
        for warning in warnings:
            click.echo(f"warning: {warning}", err=True)
        if warnings:
            click.echo(f"{len(warnings)} warning(s) in {root} (an error with --strict)", err=True)
        if problems:
            failed = True
            click.echo(f"{len(problems)} problem(s) in {root}", err=True)
        else:
            _print_summary(library)
    if failed:
        raise SystemExit(1)


def _print_summary(library: Library) -> None:
    questionnaires = library.questionnaires.values()
    total = sum(len(questionnaire.questions) for questionnaire in questionnaires)
    click.echo(
        f"{len(library.questionnaires)} questionnaires, {total} questions, {len(library.bank)} bank items, "
        f"{len(library.domains)} domains, {len(library.tiers)} tiers: all valid"
    )
    for questionnaire in questionnaires:
        click.echo(
            f"\n{questionnaire.id} v{questionnaire.version} ({questionnaire.direction}): "
            f"{len(questionnaire.questions)} questions in {len(questionnaire.sections)} sections"
        )
        if questionnaire.direction != "partner_self":
            click.echo(f"  all questions: {_describe(estimate(questionnaire, Scope()))}")
            continue
        for tier in library.tiers.values():
            core = estimate(questionnaire, Scope(tier=tier.id, partner_roles=frozenset()))
            every = estimate(questionnaire, Scope(tier=tier.id, partner_roles=frozenset(PARTNER_ROLES)))
            overs = core.over_budget(tier)
            note = f"  OVER BUDGET: {'; '.join(overs)}" if overs else ""
            click.echo(f"  {tier.id:<9} {_describe(core)}; with every role section {_describe(every)}{note}")


def _describe(burden) -> str:
    minutes = (
        f"{burden.minutes_low:.0f} min"
        if round(burden.minutes_low) == round(burden.minutes_high)
        else f"{burden.minutes_low:.0f}-{burden.minutes_high:.0f} min"
    )
    return f"{burden.items} items, {burden.documents} documents, {minutes}"


@main.command("demo")
def demo_command() -> None:
    """Load the demo institute, partners and assessments (does nothing if they are there).

    Demo users get the password in DDQ_DEMO_PASSWORD, or a random one printed here.
    """
    import os
    import secrets

    import sqlalchemy as sa

    from .core.definitions import DefinitionError
    from .demo import load_demo
    from .extensions import db
    from .store.models import User
    from .store.operations import StoreError

    password = os.environ.get("DDQ_DEMO_PASSWORD") or secrets.token_urlsafe(9)
    try:
        created = load_demo(db.session, password=password)
    except (DefinitionError, StoreError) as error:
        db.session.rollback()
        raise click.ClickException(f"demo data not loaded:\n{error}") from None
    db.session.commit()
    if not created:
        click.echo("demo data already present; nothing changed (set a password with `ddq set-password EMAIL`)")
        return
    click.echo("demo data loaded; sign in at /login with one of these e-mails and the password " + password)
    for user in db.session.scalars(sa.select(User).order_by(User.id)):
        click.echo(f"  {user.email:<40} {user.role:<20} {user.organisation.name}")


@main.command("set-password")
@click.argument("email")
@click.password_option(prompt="New password", confirmation_prompt=True)
def set_password_command(email: str, password: str) -> None:
    """Set a person's password (at least 12 characters)."""
    import sqlalchemy as sa
    from werkzeug.security import generate_password_hash

    from .extensions import db
    from .store.models import User

    if len(password) < 12:
        raise click.ClickException("a password needs at least 12 characters")
    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"nobody is registered as {email}")
    user.password_hash = generate_password_hash(password)
    db.session.commit()
    click.echo(f"password set for {user.email}")


@main.command("report")
@click.argument("assessment_id", type=int)
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="FILE.pdf or FILE.html")
@click.option("--language", default="en", show_default=True, help="en, fr, es or pt")
def report_command(assessment_id: int, out: Path, language: str) -> None:
    """Write one assessment's capacity report as PDF (or HTML, by the file's extension)."""
    from .extensions import db
    from .library import current_library
    from .reporting.context import capacity_report_context
    from .reporting.render import load_template, render_html, render_pdf
    from .store.models import Assessment
    from .store.publishing import published_facts
    from .store.report_facts import capacity_facts

    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        raise click.ClickException(f"no assessment {assessment_id}")
    if assessment.direction == "partner_rates_host":
        raise click.ClickException("ratings of the institute are anonymous: they have no individual report")
    published = published_facts(db.session, assessment)  # a published report renders from its frozen facts
    facts = published.capacity if published is not None else capacity_facts(db.session, assessment)
    html = render_html(
        load_template("capacity", current_app.config["DDQ_REPORTS"]),
        capacity_report_context(facts, current_library(), language),
        language,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".html":
        out.write_text(html, encoding="utf-8")
    else:
        out.write_bytes(render_pdf(html))
    click.echo(f"{out}")


@main.command("scorecard")
@click.argument("assessment_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="print JSON (keys sorted: the same facts print the same text)")
@click.option("--draft", is_flag=True, help="the figures as they are now, even once the report is published")
def scorecard_command(assessment_id: int, as_json: bool, draft: bool) -> None:
    """Print what an assessment's report shows: per side and domain the score, band, standing, confidence, the
    questions counted and the gates; parity per domain; once published, the version and fingerprint."""
    import json

    from .extensions import db
    from .library import current_library
    from .reporting.context import scorecard_summary
    from .store.models import Assessment
    from .store.publishing import current_facts, published_facts

    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        raise click.ClickException(f"no assessment {assessment_id}")
    if assessment.direction == "partner_rates_host":
        raise click.ClickException("ratings of the institute are anonymous: they have no individual scorecard")
    report = None if draft else published_facts(db.session, assessment)
    summary = scorecard_summary(report or current_facts(db.session, assessment), current_library())
    if as_json:
        click.echo(json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False))
        return
    published = summary["published"]
    click.echo(
        f"{summary['organisation']} (assessment {assessment_id}): "
        + (
            f"published {published['published_on']}, version {published['version']}, "
            f"fingerprint {published['fingerprint'][:12]}"
            if published
            else "not published"
        )
    )
    for side, card in sorted(summary["sides"].items()):
        click.echo(f"{side}: overall {_figure(card['overall'])} ({card['overall_band'] or '—'})")
        for domain, row in card["domains"].items():
            click.echo(
                f"  {domain:<28} {_figure(row['score'])} {row['band'] or '—':<11} {row['standing']:<20} "
                f"confidence {row['confidence']:.0%}, {len(row['counted'])} counted"
            )
        flagged = [gate["question"] for gate in card["gates"] if gate["passed"] is False]
        click.echo(f"  gates: {len(card['gates'])}, flagged: {', '.join(flagged) or 'none'}")
    if summary["parity"]:
        click.echo(f"domains at parity: {summary['parity']['domains_at_parity']:.0%}")
    if summary["consensus"]:
        spread = summary["consensus"]
        click.echo(
            f"rated by several people: {len(spread['items'])} items; "
            f"least consensus: {', '.join(spread['least_consensus']) or 'none'}"
        )


def _figure(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


@main.command("reports")
@click.option("--all", "everything", is_flag=True, required=True, help="every partner self-assessment and disclosure")
@click.option("--out", "out", type=click.Path(path_type=Path), required=True, help="folder for the PDFs")
@click.option("--workers", default=2, show_default=True)
@click.option("--language", default="en", show_default=True)
def reports_command(everything: bool, out: Path, workers: int, language: str) -> None:
    """Render every capacity report into a folder, in a pool of worker processes."""
    import sqlalchemy as sa

    from .extensions import db
    from .library import current_library
    from .reporting.batch import render_batch
    from .reporting.context import capacity_report_context
    from .reporting.render import load_template, render_html
    from .store.models import Assessment
    from .store.report_facts import capacity_facts

    template = load_template("capacity", current_app.config["DDQ_REPORTS"])
    library = current_library()
    assessments = db.session.scalars(
        sa.select(Assessment).where(Assessment.direction != "partner_rates_host").order_by(Assessment.id)
    ).all()
    out.mkdir(parents=True, exist_ok=True)
    jobs = [
        (
            render_html(template, capacity_report_context(capacity_facts(db.session, a), library, language), language),
            out / f"report-{a.id}.pdf",
        )
        for a in assessments
    ]
    with click.progressbar(length=len(jobs), label="rendering reports") as bar:
        result = render_batch(jobs, workers=workers, progress=bar.update)
    click.echo(f"{result.files} reports in {result.seconds:.1f} s into {out}")


@main.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--mapping", type=click.Path(path_type=Path), help="a YAML file saying what the spreadsheet means")
@click.option("--funder", help="who mandates the questionnaire")
@click.option("--id", "questionnaire_id", help="the id of the new questionnaire (default: from the file name)")
@click.option("--out", type=click.Path(path_type=Path), help="folder to write to (default: DDQ_IMPORTED)")
def import_command(
    file: Path, mapping: Path | None, funder: str | None, questionnaire_id: str | None, out: Path | None
) -> None:
    """Import a funder's template (XLSForm or ordinary spreadsheet) as a questionnaire definition."""
    import yaml

    from .importers.frame import import_template, write_definition
    from .importers.intake import TemplateError, limits_from
    from .library import current_library, imported_folder, save_import

    root = Path(current_app.config["DDQ_QUESTIONNAIRES"])
    try:
        data = file.read_bytes()
    except OSError as error:
        click.echo(f"{file}: cannot read the file: {error.strerror}", err=True)
        raise SystemExit(2) from None
    try:
        rules = yaml.safe_load(mapping.read_text(encoding="utf-8")) if mapping else None
    except (OSError, yaml.YAMLError) as error:
        click.echo(f"{mapping}: the mapping file cannot be read: {error}", err=True)
        raise SystemExit(2) from None
    try:
        result = import_template(
            file.name,
            data,
            root,
            current_library(),
            funder=funder,
            questionnaire_id=questionnaire_id,
            mapping=rules if isinstance(rules, dict) else None,
            limits=limits_from(current_app.config),
        )
        # into the imported folder (never the source tree), checked with the library and usable at once
        path = write_definition(result, out) if out else save_import(result)
    except TemplateError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        click.echo("nothing was written", err=True)
        raise SystemExit(2) from None
    except OSError as error:
        folder = out or imported_folder()
        click.echo(f"{error.filename or folder}: the definition cannot be written: {error.strerror}", err=True)
        raise SystemExit(2) from None
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(_import_summary(result, path))


def _import_summary(result, path: Path) -> str:
    import sqlalchemy as sa

    from .extensions import db
    from .store.models import Answer, Assessment

    banks = set(result.matched.values())
    partners = 0
    if banks:
        partners = (
            db.session.scalar(
                sa.select(sa.func.count(sa.distinct(Assessment.respondent_id)))
                .join(Answer, Answer.assessment_id == Assessment.id)
                .where(Answer.bank_id.in_(banks), Assessment.direction == "partner_self", Answer.value.is_not(None))
            )
            or 0
        )
    unplaced = sum(1 for domain in result.domains.values() if domain is None)
    return "\n".join(
        [
            f"{path}: {result.questions} questions",
            f"  {len(result.matched)} match question bank items: "
            f"{partners} partners have already answered some of them",
            f"  {result.questions - len(result.matched)} are new: about {result.new_minutes_standard:.0f} more minutes "
            "for a standard-tier partner",
            f"  {unplaced} questions have no suggested domain"
            if unplaced
            else "  every question has a suggested domain",
        ]
    )


@main.command("export-xlsform")
@click.argument("questionnaire_id")
@click.option("--out", type=click.Path(path_type=Path), help="FILE.xlsx (default: QUESTIONNAIRE.xlsx)")
def export_xlsform_command(questionnaire_id: str, out: Path | None) -> None:
    """Write a questionnaire as an XLSForm for KoboToolbox or ODK (and for ddq import)."""
    from .importers.xlsform_export import export_xlsform
    from .library import current_library

    library = current_library()
    if questionnaire_id not in library.questionnaires:
        raise click.ClickException(
            f"no questionnaire {questionnaire_id!r} (known: {', '.join(library.questionnaires)})"
        )
    target = out or Path(f"{questionnaire_id}.xlsx")
    target.write_bytes(export_xlsform(library.questionnaire(questionnaire_id)))
    click.echo(str(target))


@main.command("burden")
@click.option("--partner", "partner_name", help="one partner (its name, or the start of it)")
@click.option("--csv", "as_csv", is_flag=True, help="write CSV instead of a table")
@click.option("--days", default=365, show_default=True, help="the rolling window")
def burden_command(partner_name: str | None, as_csv: bool, days: int) -> None:
    """The burden ledger: what ddq asked of each partner over the last year, request by request."""
    import datetime as dt
    import sys

    from .core.ledger import ledger
    from .extensions import db
    from .reporting.overview import currency_amounts, ledger_frame
    from .store.ledger_facts import ledger_requests

    requests = ledger_requests(db.session)
    if partner_name:
        wanted = partner_name.casefold()
        requests = [r for r in requests if r.partner.casefold().startswith(wanted)]
        if not requests:
            raise click.ClickException(f"no requests for a partner called {partner_name!r}")
    currency = current_app.config["DDQ_CURRENCY"]
    rows = list(ledger(requests, dt.date.today(), days, currency=currency).values())
    frame = ledger_frame(rows)
    if as_csv:
        from .reporting.export import to_csv

        sys.stdout.write(to_csv(frame).decode("utf-8-sig"))
        return
    for row in rows:
        click.echo(
            f"{row.partner}: {row.requests} requests, about {row.estimated_minutes:.0f} min estimated, "
            f"{row.actual_minutes:.0f} min spent; {row.items_asked} questions asked, {row.prefilled} carried "
            f"over ({row.reused} confirmed); documents {row.documents_new} new, {row.documents_reused} reused; "
            f"repeat asks {row.repeat_asks}"
            + (f"; rated {row.mean_rating:.1f}/7" if row.mean_rating is not None else "")
            + (
                f"; {currency_amounts([(currency, row.funding_per_burden_hour)])} per burden hour"
                if row.funding_per_burden_hour is not None
                else ""
            )
            + (
                f"; also {currency_amounts(row.other_funding)} (other currencies: not converted, not counted)"
                if row.other_funding
                else ""
            )
        )
        for request in [r for r in requests if r.partner == row.partner]:
            click.echo(
                f"  #{request.assessment_id} {request.created_on} {request.questionnaire}: "
                f"{request.estimated_minutes:.0f} min, {request.prefilled} carried over, "
                f"{request.repeat_asks} repeat asks"
            )


@main.command("outbox")
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")
@click.option("--status", type=click.Choice(["queued", "sending", "sent", "logged", "failed"]), help="only these")
@click.option("--limit", default=200, show_default=True, help="the newest messages, at most this many")
@click.option("--retry", is_flag=True, help="queue failed messages again, then deliver")
def outbox_command(as_json: bool, status: str | None, limit: int, retry: bool) -> None:
    """List the messages ddq has written: recipient, kind, language, status and attempts."""
    import json

    from .extensions import db
    from .store import outbox

    if retry:
        from .mail import deliver_outbox

        count = outbox.retry(db.session)
        db.session.commit()
        delivery = deliver_outbox()
        click.echo(f"{count} failed messages queued again; {delivery.sent} sent, {delivery.failed} to retry", err=True)
    messages = outbox.listing(db.session, status, limit)
    rows = [
        {
            "id": m.id,
            "recipient": m.recipient,
            "kind": m.kind,
            "language": m.language,
            "status": m.status,
            "attempts": m.attempts,
            "subject": m.subject,
            "created_at": m.created_at.isoformat(),
            "next_attempt_at": m.next_attempt_at.isoformat() if m.status in {"queued", "sending"} else None,
            "sent_at": m.sent_at.isoformat() if m.sent_at else None,
            "last_error": m.last_error,
        }
        for m in messages
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo("the outbox is empty")
        return
    for row in rows:
        error = f"  ({row['last_error']})" if row["last_error"] else ""
        click.echo(
            f"#{row['id']:<5} {row['status']:<8} {row['attempts']:>2} attempts  {row['kind']:<18} {row['language']:<3} "
            f"{row['recipient']:<40} {row['subject']}{error}"
        )


@main.group("uploads")
def uploads_group() -> None:
    """The uploads folder (DDQ_UPLOADS), where evidence files are stored."""


@uploads_group.command("orphans")
@click.option("--delete", is_flag=True, help="delete the files listed")
@click.option(
    "--minutes", default=60, show_default=True, type=click.IntRange(min=0),
    help="only files older than this: a younger one may belong to a request still running",
)
def uploads_orphans_command(delete: bool, minutes: int) -> None:
    """List the files in the uploads folder that no evidence file names (left by requests that failed), and with
    --delete delete them. Only names ddq gives its files are considered: anything else in the folder is left alone."""
    import re
    import stat
    import time

    import sqlalchemy as sa

    from .extensions import db
    from .store.models import EvidenceFile

    folder = Path(current_app.config["DDQ_UPLOADS"])
    if not folder.is_dir():
        click.echo(f"no uploads folder at {folder}: nothing to do")
        return
    named = set(db.session.scalars(sa.select(EvidenceFile.stored_name)))
    cutoff = time.time() - minutes * 60
    ddq_name = re.compile(r"[0-9a-f]{32}(\.[a-z]{1,5})?")
    orphans, total = [], 0
    for path in sorted(folder.iterdir()):
        if not ddq_name.fullmatch(path.name) or path.name in named:
            continue
        try:
            found = path.lstat()
        except FileNotFoundError:  # removed meanwhile
            continue
        if stat.S_ISREG(found.st_mode) and found.st_mtime < cutoff:
            orphans.append(path)
            total += found.st_size
            click.echo(f"{path.name}  {found.st_size} bytes")
    files = f"{len(orphans)} file{'' if len(orphans) == 1 else 's'} ({total} bytes)"
    if not delete:
        click.echo(f"{files} that no evidence file names; --delete deletes them")
        return
    failed = []
    for path in orphans:
        try:
            path.unlink(missing_ok=True)
        except OSError as error:
            failed.append(f"{path.name}: {error.strerror}")
    click.echo(f"deleted {files} that no evidence file named" if not failed else f"{len(failed)} not deleted")
    if failed:
        raise click.ClickException("could not delete " + "; ".join(failed))


@main.command("tick")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="act as if today were this date")
def tick_command(today) -> None:
    """Do all the work that is due now: reminders, overdue notices, expiring documents; then deliver the outbox.

    Safe to run any number of times (from cron, e.g. every 15 minutes): no message is written twice.
    """
    from .tick import tick

    result = tick(today.date() if today else None)
    click.echo(result.describe())


@main.command("worker")
@click.option("--burst", is_flag=True, help="stop once the queue is empty")
@click.option("--tick-minutes", type=float, help="run `ddq tick` this often (default DDQ_TICK_MINUTES; 0: never)")
def worker_command(burst: bool, tick_minutes: float | None) -> None:
    """Run background jobs from Redis (DDQ_REDIS_URL): mail delivery, and `ddq tick` on a schedule."""
    from redis.exceptions import RedisError

    from .jobs import work

    if not current_app.config.get("DDQ_REDIS_URL"):
        raise click.ClickException(
            "DDQ_REDIS_URL is not set: without Redis, jobs run in the web process; run `ddq tick` from cron"
        )
    minutes = current_app.config["DDQ_TICK_MINUTES"] if tick_minutes is None else tick_minutes
    try:
        work(current_app._get_current_object(), burst=burst, tick_minutes=minutes)
    except RedisError as error:
        raise click.ClickException(f"Redis at DDQ_REDIS_URL cannot be used: {error}") from None
