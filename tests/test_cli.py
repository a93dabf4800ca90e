"""The ddq command: check, demo, and the migrations it runs."""

import pytest
import sqlalchemy as sa

from ddq.cli import main
from ddq.extensions import db
from ddq.store.models import Assessment, Organisation


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def test_check_prints_the_counts_and_exits_0(runner):
    result = runner.invoke(main, ["check"])
    assert result.exit_code == 0, result.output
    assert "4 questionnaires, 201 questions, 88 bank items, 11 domains, 3 tiers: all valid" in result.output
    assert "partner-capacity v2026.1 (partner_self): 88 questions in 11 sections" in result.output
    assert "light     23 items, 2 documents, 22-23 min" in result.output


def test_check_a_broken_file_prints_file_line_and_exits_1(runner, library_copy):
    path = library_copy / "partner-feedback.yaml"
    text = path.read_text(encoding="utf-8").replace("type: rating", "type: ratng", 1)
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("        type: ratng") + 1
    result = runner.invoke(main, ["check", str(path)])
    assert result.exit_code == 1
    assert f"partner-feedback.yaml:{line}: [due_diligence_proportionate] unknown question type 'ratng'" in result.output
    assert "1 problem(s)" in result.output


def test_the_shipped_questionnaires_pass_check_strict(runner):
    result = runner.invoke(main, ["check", "--strict"])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output and "all valid" in result.output


def test_check_warns_of_a_missing_language_and_strict_makes_it_an_error(runner, library_copy):
    path = library_copy / "partner-feedback.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    title = lines.index("title:")
    portuguese = next(number for number in range(title, len(lines)) if lines[number].startswith("  pt: "))
    del lines[portuguese]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    where = f"partner-feedback.yaml:{title + 1}: 'title' has no pt translation"

    result = runner.invoke(main, ["check", str(path)])
    assert result.exit_code == 0, result.output
    assert "warning: " in result.output and where in result.output
    assert "1 warning(s)" in result.output and "all valid" in result.output

    strict = runner.invoke(main, ["check", "--strict", str(path)])
    assert strict.exit_code == 1
    assert where in strict.output and "warning:" not in strict.output
    assert "1 problem(s)" in strict.output and "all valid" not in strict.output


def test_check_reports_a_missing_path(runner, tmp_path):
    result = runner.invoke(main, ["check", str(tmp_path / "nowhere.yaml")])
    assert result.exit_code == 1 and "no such file or folder" in result.output


def test_check_a_folder(runner, library_copy):
    result = runner.invoke(main, ["check", str(library_copy)])
    assert result.exit_code == 0 and "all valid" in result.output


def test_demo_loads_once(runner):
    first = runner.invoke(main, ["demo"])
    assert first.exit_code == 0 and "demo data loaded" in first.output
    counts = (
        db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)),
    )
    second = runner.invoke(main, ["demo"])
    assert second.exit_code == 0 and "nothing changed" in second.output
    db.session.expire_all()
    assert counts == (
        db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Assessment)),
    )
    assert counts == (
        5,
        9,
    )  # the institute and 4 partners; 1 disclosure, 5 self-assessments (one a 2nd cycle), 3 ratings


def test_demo_with_broken_definitions_says_why_and_writes_nothing(app, library_copy):
    (library_copy / "bank" / "people.yaml").write_text("items: [", encoding="utf-8")
    app.config["DDQ_QUESTIONNAIRES"] = str(library_copy)
    result = app.test_cli_runner().invoke(main, ["demo"])
    assert result.exit_code == 1
    assert "demo data not loaded" in result.output and "people.yaml" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0
