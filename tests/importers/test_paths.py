"""Ids that become file names are checked before any path is built: nothing is ever written outside the
target folder, and the refusal says what is wrong (exit 2 on the command line, 400 on the web)."""

import io
import shutil
import tempfile
from pathlib import Path

import pytest

from ddq import create_app
from ddq.core.definitions import load_library
from ddq.core.paths import UnsafeName, file_in, id_problem
from ddq.importers.frame import import_template, write_definition
from ddq.importers.intake import TemplateError
from tests.conftest import SHARED, web_config
from tests.web.conftest import PEOPLE, Browser

DONOR = SHARED / "samples" / "funder" / "donor_flat_due_diligence.xlsx"

HOSTILE_IDS = [
    "../../x",
    "../x",
    "..",
    ".",
    "a/b",
    "a\\b",
    "x\x00y",
    "x\ny",
    "x y",
    "",
    "x.yaml",
    "\uff58",  # fullwidth x
    "x\u2215y",  # division slash
    "x\u2024\u2024",  # one-dot leaders
    "caf\u00e9",  # accented letter: the definition rule accepts it, a file name must not depend on it
    "x\u0660",  # Arabic-Indic digit
    "1abc",
    "x" * 101,
]


def files_under(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*")}


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """The library, and a temporary folder deep inside tmp_path, so that a path escaping either lands where the
    test can see it; an absolute id points into tmp_path too."""
    library = tmp_path / "deep" / "er" / "questionnaires"
    shutil.copytree(Path(__file__).parents[2] / "questionnaires", library)
    scratch = tmp_path / "deep" / "er" / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    (tmp_path / "abs").mkdir()
    return library


def absolute_id(tmp_path):
    return str(tmp_path / "abs" / "evil")


@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_id_rule_refuses_what_could_leave_the_folder(value, tmp_path):
    assert id_problem(value)
    with pytest.raises(UnsafeName):
        file_in(tmp_path, value, ".yaml")
    assert id_problem(str(tmp_path / "x")) and id_problem(None) and id_problem(5)
    assert id_problem("donor-fund_2024") is None and file_in(tmp_path, "ok", ".yaml") == tmp_path.resolve() / "ok.yaml"


@pytest.mark.parametrize("value", [*(value for value in HOSTILE_IDS if value), "ABS"])  # "" takes the default
def test_import_refuses_the_id_before_writing_anything(value, sandbox, tmp_path):
    value = absolute_id(tmp_path) if value == "ABS" else value
    before = files_under(tmp_path)
    with pytest.raises(TemplateError) as caught:
        import_template("donor.xlsx", DONOR.read_bytes(), sandbox, load_library(sandbox), questionnaire_id=value)
    message = str(caught.value)
    assert "id" in message and ("not valid" in message or "longer than" in message or "non-empty" in message)
    assert files_under(tmp_path) == before  # nothing anywhere, not even in the temporary folder's parents


def test_an_id_from_the_mapping_file_is_checked_too(sandbox, tmp_path):
    before = files_under(tmp_path)
    with pytest.raises(TemplateError, match="not valid"):
        import_template("donor.xlsx", DONOR.read_bytes(), sandbox, load_library(sandbox), mapping={"id": "../../m"})
    assert files_under(tmp_path) == before


def test_write_definition_stays_in_its_folder(sandbox, tmp_path):
    result = import_template("donor.xlsx", DONOR.read_bytes(), sandbox, load_library(sandbox), questionnaire_id="ok")
    out = tmp_path / "out"
    for value in ("../escaped", absolute_id(tmp_path)):
        result.definition["id"] = value
        before = files_under(tmp_path)
        with pytest.raises(TemplateError, match="not valid"):
            write_definition(result, out)
        assert files_under(tmp_path) == before
    # a link in the target folder that points elsewhere is not followed
    out.mkdir()
    (tmp_path / "outside.yaml").write_text("keep: me\n", encoding="utf-8")
    (out / "linked.yaml").symlink_to(tmp_path / "outside.yaml")
    result.definition["id"] = "linked"
    with pytest.raises(TemplateError, match="outside"):
        write_definition(result, out)
    assert (tmp_path / "outside.yaml").read_text(encoding="utf-8") == "keep: me\n"
    result.definition["id"] = "ok"
    assert write_definition(result, out) == out / "ok.yaml" and (out / "ok.yaml").is_file()


@pytest.mark.parametrize("value", ["../../x", "a/b", "..", "\uff58"])
def test_cli_import_refuses_with_exit_2_and_writes_nothing(value, app, sandbox, tmp_path):
    from ddq.cli import main

    before = files_under(tmp_path)
    result = app.test_cli_runner().invoke(
        main, ["import", str(DONOR), "--id", value, "--out", str(tmp_path / "out")], catch_exceptions=False
    )
    assert result.exit_code == 2, result.output
    assert "is not valid" in result.output and "nothing was written" in result.output
    assert files_under(tmp_path) == before


def test_web_import_refuses_the_id_and_writes_nothing(demo_database, sandbox, tmp_path):
    database = tmp_path / "web.sqlite3"
    shutil.copy(demo_database, database)
    app = create_app(web_config(database, tmp_path, DDQ_QUESTIONNAIRES=str(sandbox)))
    staff = Browser(app)
    assert staff.login(PEOPLE["staff"]).status_code == 302
    before = files_under(tmp_path)
    response = staff.post(
        "/staff/imports",
        data={"template": (io.BytesIO(DONOR.read_bytes()), "donor.xlsx"), "questionnaire_id": "../../x"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "is not valid" in response.get_data(as_text=True)
    assert {path for path in files_under(tmp_path) - before if "web.sqlite3" not in path.name} == set()
    # a pending import's token is never a path either
    assert staff.post("/staff/imports/..%2F..%2Fx/confirm").status_code == 404
