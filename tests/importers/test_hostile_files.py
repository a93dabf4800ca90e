"""Hostile files are measured before any reader allocates: each one of the corpus is refused by `ddq import`
(exit 2, the file and the problem named, nothing written) and by the offline upload, within 10 s and 500 MB."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from ddq.core.definitions import load_library
from ddq.importers.frame import import_template, write_definition
from ddq.importers.guard import run_limited
from ddq.importers.intake import ImportLimits, TemplateError, limits_from, open_template
from tests.conftest import QUESTIONNAIRES, ROOT, SHARED
from tests.importers import hostile

SECONDS, MEGABYTES = 10, 500

#: Runs every file through the `ddq import` command and through the offline upload's reader, in one process of
#: its own, and reports each outcome with its time, then the peak memory of that process and of its children.
HARNESS = r"""
import contextlib, io, json, resource, sys, time
from pathlib import Path
from ddq.cli import main
from ddq.core.definitions import Scope, load_library
from ddq.importers.intake import TemplateError, open_template
from ddq.importers.offline import read_offline

folder, out, questionnaires = (Path(arg) for arg in sys.argv[1:4])
questionnaire = load_library(questionnaires).questionnaire("partner-capacity")
outcomes = []
for path in sorted(folder.iterdir()):
    stderr = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        try:
            main.main(["import", str(path), "--funder", "F", "--out", str(out)], prog_name="ddq", standalone_mode=False)
            code = 0
        except SystemExit as exit:
            code = exit.code
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    try:
        read_offline(open_template(path.name, path.read_bytes()), questionnaire, Scope(tier="standard"), {})
        offline = None
    except TemplateError as error:
        offline = str(error)
    outcomes.append(
        {"file": path.name, "code": code, "stderr": stderr.getvalue(), "seconds": seconds, "offline": offline,
         "offline_seconds": time.perf_counter() - started}
    )
status = open("/proc/self/status").read()
own = int(status.split("VmHWM:")[1].split()[0]) / 1024
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"outcomes": outcomes, "peak_mb": own, "children_peak_mb": children}))
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("hostile")
    return folder, dict(hostile.build(folder))


def _environment(tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'ddq.sqlite3'}",
        "DDQ_QUESTIONNAIRES": str(QUESTIONNAIRES),
        "PYTHONPATH": str(ROOT),
    }


def test_the_corpus_holds_at_least_40_hostile_files(corpus):
    folder, expected = corpus
    assert len(expected) >= 40
    assert sorted(path.name for path in folder.iterdir()) == sorted(expected)


def test_every_hostile_file_is_refused_by_the_command_and_the_offline_upload(corpus, tmp_path):
    folder, expected = corpus
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-c", HARNESS, str(folder), str(out), str(QUESTIONNAIRES)],
        capture_output=True,
        text=True,
        env=_environment(tmp_path),
        timeout=len(expected) * 2 * SECONDS,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    outcomes = {outcome["file"]: outcome for outcome in report["outcomes"]}
    assert sorted(outcomes) == sorted(expected)
    for name, fragment in expected.items():
        outcome = outcomes[name]
        assert outcome["code"] == 2, (name, outcome["stderr"])
        first = outcome["stderr"].splitlines()[0]
        assert first.startswith(f"{name}:") or first.startswith(f"{name},"), (name, first)
        assert fragment in outcome["stderr"], (name, fragment, outcome["stderr"])
        assert "Traceback" not in outcome["stderr"]
        assert outcome["stderr"].rstrip().endswith("nothing was written"), (name, outcome["stderr"])
        assert outcome["seconds"] < SECONDS, (name, outcome["seconds"])
        assert outcome["offline"] is not None and outcome["offline"].startswith(name), (name, outcome["offline"])
        assert outcome["offline_seconds"] < SECONDS, (name, outcome["offline_seconds"])
    assert not out.exists()  # nothing written, for any of them
    assert report["peak_mb"] < MEGABYTES and report["children_peak_mb"] < MEGABYTES, report


@pytest.mark.parametrize(
    ("name", "fragment"), [("sparse-xfd1048576.xlsx", "XFD1048576"), ("sparse-zz200000.xlsx", "ZZ200000")]
)
def test_ddq_import_refuses_as_a_command(corpus, tmp_path, name, fragment):
    folder, _ = corpus
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    run = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "ddq"), "import", str(folder / name), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=_environment(tmp_path),
        timeout=60,
    )
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith(name) and fragment in run.stderr and "nothing was written" in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()
    assert time.perf_counter() - started < 60  # the command's own start-up is most of it on a busy machine
    assert max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024 < MEGABYTES


def test_every_shared_sample_is_still_measured_as_acceptable():
    for path in sorted((SHARED / "samples").rglob("*.xls*")):
        open_template(path.name, path.read_bytes())


# --- the limits ------------------------------------------------------------------------------------------------


def test_limits_come_from_the_settings(library_copy):
    limits = limits_from({"DDQ_IMPORT_MAX_ROWS": 10.0, "DDQ_IMPORT_SECONDS": "3"})
    assert limits.max_rows == 10 and limits.seconds == 3.0 and limits.max_columns == ImportLimits().max_columns
    data = (SHARED / "samples/funder/donor_flat_due_diligence.xlsx").read_bytes()
    with pytest.raises(TemplateError) as caught:
        import_template("donor.xlsx", data, library_copy, load_library(library_copy), limits=limits)
    assert "the limit is 10 rows" in str(caught.value)


def test_groups_nested_to_the_limit_still_import(library_copy):
    result = import_template(
        "deep.xlsx", hostile.nested(30), library_copy, load_library(library_copy), funder="F", questionnaire_id="deep"
    )
    assert result.questions == 1


def test_a_reader_that_overruns_its_memory_is_stopped():
    with pytest.raises(TemplateError) as caught:
        run_limited("big.xlsx", bytearray, 2**31, limits=ImportLimits(memory_mb=64))
    assert str(caught.value) == "big.xlsx: reading the file needs more than 64 MB of memory: refused"


def test_a_reader_that_hangs_is_stopped():
    started = time.perf_counter()
    with pytest.raises(TemplateError) as caught:
        run_limited("slow.xlsx", time.sleep, 30, limits=ImportLimits(seconds=1))
    assert str(caught.value) == "slow.xlsx: reading the file took longer than 1 s: refused"
    assert time.perf_counter() - started < 5


def test_a_reader_returns_its_result():
    assert run_limited("ok.xlsx", sum, [1, 2, 3], limits=ImportLimits()) == 6


# --- what is written -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("funder", ["Evil\nid: other\nsections: []", "Evil\u2028tiers: 1", "Evil\r\x85x: 1"])
def test_a_funder_name_with_line_breaks_cannot_inject_yaml(library_copy, funder):
    data = (SHARED / "samples/funder/donor_flat_due_diligence.xlsx").read_bytes()
    result = import_template("donor.xlsx", data, library_copy, load_library(library_copy), funder=funder)
    path = write_definition(result, library_copy)
    text = path.read_text(encoding="utf-8")
    header = text[: text.index("\nid:") + 1]
    assert all(line.startswith("# ") for line in header.splitlines())
    loaded = yaml.safe_load(text)
    assert loaded["id"] == "donor" and loaded["mandated_by"] == funder and loaded["sections"]
    assert set(loaded) == set(result.definition)
