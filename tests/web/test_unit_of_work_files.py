"""Files follow the unit of work: a request that is rolled back leaves no file it wrote, and keeps every file it
removed; `ddq uploads orphans` finds the files earlier failures left behind."""

import io
import os
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import request

from ddq.cli import main
from ddq.extensions import db
from ddq.store.models import Answer, Assessment, EvidenceFile
from ddq.web.unit_of_work import remove_after_commit
from ddq.web.uploads import store_upload, upload_path

SECTION = "governance"
QUESTION = "legal_registration"


def on_disk(web_app) -> set[str]:
    folder = Path(web_app.config["DDQ_UPLOADS"])
    return {path.name for path in folder.iterdir()} if folder.is_dir() else set()


def answer_files(data, ids) -> list[tuple[int, str, str]]:
    with data() as session:
        answer = session.scalar(
            sa.select(Answer).where(Answer.assessment_id == ids["a_self"], Answer.question_id == QUESTION)
        )
        return [(file.id, file.original_name, file.stored_name) for file in answer.evidence_files] if answer else []


def post(partner, ids, *, upload=None, remove=()):
    data = {f"q_{QUESTION}": "yes"}
    if upload:
        data[f"file_{QUESTION}"] = (io.BytesIO(b"%PDF-1.7 " + upload.encode()), upload)
    if remove:
        data[f"remove_{QUESTION}"] = [str(file_id) for file_id in remove]
    return partner.post(f"/a/{ids['a_self']}/s/{SECTION}", data=data, content_type="multipart/form-data")


def download(partner, file_id: int) -> bytes | None:
    response = partner.get(f"/evidence/{file_id}")
    try:
        return response.get_data() if response.status_code == 200 else None
    finally:
        response.close()


def refuse(data, statement: str) -> None:
    """Make the database refuse a change to evidence_files: a real error, raised by the database itself."""
    with data() as session:
        session.execute(
            sa.text(f"CREATE TRIGGER refused {statement} ON evidence_files BEGIN SELECT RAISE(ABORT, 'refused'); END")
        )
        session.commit()


@pytest.fixture
def partner(browser, ids, data):
    """partner_a, with no document under the question yet."""
    partner = browser("partner_a")
    files = answer_files(data, ids)
    if files:
        assert post(partner, ids, remove=[file_id for file_id, _, _ in files]).status_code == 302
    return partner


def test_an_upload_whose_row_the_database_refuses_leaves_no_file(partner, ids, data, web_app):
    before = on_disk(web_app)
    refuse(data, "BEFORE INSERT")
    response = post(partner, ids, upload="statutes.pdf")
    assert response.status_code == 500 and "Traceback" not in response.get_data(as_text=True)
    assert answer_files(data, ids) == []
    assert on_disk(web_app) == before


def test_a_replacement_that_fails_keeps_the_old_file_and_leaves_no_new_one(partner, ids, data, web_app):
    assert post(partner, ids, upload="old.pdf").status_code == 302
    [(old_id, _, old_name)] = answer_files(data, ids)
    before = on_disk(web_app)
    assert old_name in before
    refuse(data, "BEFORE INSERT")
    assert post(partner, ids, upload="new.pdf", remove=[old_id]).status_code == 500
    assert answer_files(data, ids) == [(old_id, "old.pdf", old_name)]
    assert on_disk(web_app) == before
    assert download(partner, old_id) == b"%PDF-1.7 old.pdf"


def test_a_replacement_leaves_exactly_the_new_file(partner, ids, data, web_app):
    assert post(partner, ids, upload="old.pdf").status_code == 302
    [(old_id, _, old_name)] = answer_files(data, ids)
    before = on_disk(web_app) - {old_name}
    assert post(partner, ids, upload="new.pdf", remove=[old_id]).status_code == 302
    [(_, original, new_name)] = answer_files(data, ids)
    assert original == "new.pdf"
    assert on_disk(web_app) == before | {new_name}
    assert (Path(web_app.config["DDQ_UPLOADS"]) / new_name).read_bytes() == b"%PDF-1.7 new.pdf"


# a request of the app's own kind that stores an upload and then fails in each way a request can fail
def _raises():
    store_upload(request.files["document"])
    raise RuntimeError("a later step failed")


def _refused():
    store_upload(request.files["document"])
    return "the save is refused", 409


def _conflicts_at_commit():
    stored = store_upload(request.files["document"])
    taken = db.session.scalar(sa.select(EvidenceFile).limit(1))
    details = {**stored.__dict__, "stored_name": taken.stored_name}  # unique: the commit fails
    db.session.add(EvidenceFile(organisation_id=taken.organisation_id, **details))
    return "stored"


def _stores():
    stored = store_upload(request.files["document"])
    taken = db.session.scalar(sa.select(EvidenceFile).limit(1))
    db.session.add(EvidenceFile(organisation_id=taken.organisation_id, **stored.__dict__))
    return stored.stored_name


def _removes_then_fails():
    remove_after_commit(upload_path(request.form["name"]))
    raise RuntimeError("a later step failed")


def _removes():
    remove_after_commit(upload_path(request.form["name"]))
    return "removed"


@pytest.mark.parametrize("view", [_raises, _refused, _conflicts_at_commit])
def test_a_request_that_fails_after_storing_an_upload_leaves_no_file(view, web_app, browser):
    web_app.add_url_rule("/store-then-fail", view_func=view, methods=["POST"])
    web_app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: a failed commit ends in the error page
    client = browser()
    client.refresh_token()
    before = on_disk(web_app)
    response = client.post(
        "/store-then-fail", data={"document": (io.BytesIO(b"%PDF-1.7 secret"), "secret.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code >= 400 and "Traceback" not in response.get_data(as_text=True)
    assert on_disk(web_app) == before


def test_a_request_that_succeeds_keeps_its_upload(web_app, browser, data):
    web_app.add_url_rule("/store", view_func=_stores, methods=["POST"])
    client = browser()
    client.refresh_token()
    response = client.post(
        "/store", data={"document": (io.BytesIO(b"%PDF-1.7 kept"), "kept.pdf")}, content_type="multipart/form-data"
    )
    assert response.status_code == 200
    stored_name = response.get_data(as_text=True)
    assert stored_name in on_disk(web_app)
    with data() as session:
        assert session.scalar(sa.select(EvidenceFile).where(EvidenceFile.stored_name == stored_name)) is not None


@pytest.mark.parametrize(("view", "kept"), [(_removes_then_fails, True), (_removes, False)])
def test_a_file_is_removed_only_once_the_request_is_committed(view, kept, web_app, browser):
    web_app.add_url_rule("/remove", view_func=view, methods=["POST"])
    path = Path(web_app.config["DDQ_UPLOADS"]) / ("c" * 32)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.7 still named")
    client = browser()
    client.refresh_token()
    response = client.post("/remove", data={"name": path.name})
    assert response.status_code == (500 if kept else 200)
    assert path.exists() is kept


def test_documents_copied_for_a_carried_over_answer_go_when_the_request_fails(browser, ids, data, web_app):
    """A new disclosure carries the previous one's answers over with copies of their documents; when sending it
    fails, the copies go with the rows that named them."""
    folder = Path(web_app.config["DDQ_UPLOADS"])
    folder.mkdir(parents=True, exist_ok=True)
    with data() as session:
        previous = session.get(Assessment, ids["disclosure"])
        answer = next(a for a in previous.answers if a.value is not None and a.bank_id)
        session.add(
            EvidenceFile(
                organisation_id=previous.respondent_id, answer=answer, original_name="policy.pdf",
                stored_name="d" * 32, content_type="application/pdf", size_bytes=14, sha256="0" * 64,
            )
        )
        session.commit()
    (folder / ("d" * 32)).write_bytes(b"%PDF-1.7 policy")
    staff = browser("staff")
    with data() as session:
        session.execute(
            sa.text(
                "CREATE TRIGGER refused BEFORE UPDATE OF status ON assessments WHEN NEW.status = 'sent' "
                "BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        )
        session.commit()
    web_app.config["PROPAGATE_EXCEPTIONS"] = False
    assert staff.post("/staff/disclosure").status_code == 500
    assert on_disk(web_app) == {"d" * 32}
    with data() as session:
        session.execute(sa.text("DROP TRIGGER refused"))
        session.commit()
    assert staff.post("/staff/disclosure").status_code == 302  # the same request, stored: the copy stays
    with data() as session:
        copies = set(session.scalars(sa.select(EvidenceFile.stored_name).where(EvidenceFile.sha256 == "0" * 64)))
    assert len(copies) == 2 and on_disk(web_app) == copies


# ddq uploads orphans


def _plant(folder: Path, name: str, hours_old: float) -> Path:
    path = folder / name
    path.write_bytes(b"left behind")
    moment = time.time() - hours_old * 3600
    os.utime(path, (moment, moment))
    return path


def test_the_orphans_command_lists_and_deletes_only_files_no_row_names(demo_app):
    folder = Path(demo_app.config["DDQ_UPLOADS"])
    named = set(db.session.scalars(sa.select(EvidenceFile.stored_name)))
    named_on_disk = {path.name for path in folder.iterdir()} & named
    assert named_on_disk, "the demo stores documents in the uploads folder"
    for name in named_on_disk:  # old files that rows name are never orphans
        os.utime(folder / name, (time.time() - 7200, time.time() - 7200))
    orphan = _plant(folder, "a" * 32, hours_old=2)
    young = _plant(folder, "b" * 32, hours_old=0)  # perhaps a request still running
    foreign = _plant(folder, "notes.txt", hours_old=2)  # not a name ddq gives: not ddq's to delete
    runner = demo_app.test_cli_runner()

    listed = runner.invoke(main, ["uploads", "orphans"])
    assert listed.exit_code == 0, listed.output
    assert f"{orphan.name}  11 bytes" in listed.output
    assert "1 file (11 bytes) that no evidence file names" in listed.output
    assert young.name not in listed.output and foreign.name not in listed.output
    assert not any(name in listed.output for name in named_on_disk)
    assert orphan.exists()  # listing deletes nothing

    deleted = runner.invoke(main, ["uploads", "orphans", "--delete"])
    assert deleted.exit_code == 0, deleted.output
    assert "deleted 1 file (11 bytes) that no evidence file named" in deleted.output
    assert not orphan.exists() and young.exists() and foreign.exists()
    assert {path.name for path in folder.iterdir()} >= named_on_disk

    at_once = runner.invoke(main, ["uploads", "orphans", "--delete", "--minutes", "0"])
    assert at_once.exit_code == 0 and not young.exists() and foreign.exists()
    assert {path.name for path in folder.iterdir()} == named_on_disk | {foreign.name}


def test_the_orphans_command_without_an_uploads_folder_says_so(app, tmp_path):
    app.config["DDQ_UPLOADS"] = str(tmp_path / "nowhere")
    result = app.test_cli_runner().invoke(main, ["uploads", "orphans", "--delete"])
    assert result.exit_code == 0 and "no uploads folder at" in result.output
