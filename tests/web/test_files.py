"""Evidence files: removed or replaced from the section page, the evidence level following; the file inputs'
`accept` filter is the upload allow-list."""

import io
import re
from pathlib import Path

import sqlalchemy as sa

from ddq.store.models import Answer, AuditEvent, EvidenceFile
from ddq.web.uploads import SIGNATURES

SECTION = "governance"
QUESTION = "legal_registration"


def post(partner, ids, **fields):
    data = {f"q_{QUESTION}": "yes", **fields}
    return partner.post(f"/a/{ids['a_self']}/s/{SECTION}", data=data, content_type="multipart/form-data")


def upload(partner, ids, name="registration.pdf", content=b"%PDF-1.7 registration", **fields):
    return post(partner, ids, **{f"file_{QUESTION}": (io.BytesIO(content), name)}, **fields)


def answer_files(data, ids, question=QUESTION):
    with data() as session:
        answer = session.scalar(
            sa.select(Answer).where(Answer.assessment_id == ids["a_self"], Answer.question_id == question)
        )
        files = [(file.id, file.original_name, file.stored_name) for file in answer.evidence_files]
        return answer.evidence_level, answer.needs_review, files


def clear_existing(partner, ids, data):
    """Start from an answer without documents (the demo may have given it some)."""
    _, _, files = answer_files(data, ids)
    if files:
        post(partner, ids, **{f"remove_{QUESTION}": [str(file_id) for file_id, _, _ in files]})


def test_removing_the_last_document_of_an_answer_at_e1_makes_it_e0(browser, ids, data, web_app):
    partner = browser("partner_a")
    clear_existing(partner, ids, data)
    assert upload(partner, ids).status_code == 302
    level, _, files = answer_files(data, ids)
    assert level == 1 and len(files) == 1
    file_id, _, stored = files[0]
    on_disk = Path(web_app.config["DDQ_UPLOADS"]) / stored
    assert on_disk.is_file()

    page = partner.get(f"/a/{ids['a_self']}/s/{SECTION}").get_data(as_text=True)
    assert f'name="remove_{QUESTION}" value="{file_id}"' in page

    assert post(partner, ids, **{f"remove_{QUESTION}": str(file_id)}).status_code == 302
    level, _, files = answer_files(data, ids)
    assert (level, files) == (0, [])
    assert not on_disk.exists()
    assert partner.get(f"/evidence/{file_id}").status_code == 404
    with data() as session:
        assert session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "evidence.remove")) is not None


def test_a_file_is_replaced_by_removing_it_and_choosing_another(browser, ids, data):
    partner = browser("partner_a")
    clear_existing(partner, ids, data)
    upload(partner, ids, "old.pdf")
    (old_id, _, _), = answer_files(data, ids)[2]
    assert upload(partner, ids, "new.pdf", b"%PDF-1.7 new", **{f"remove_{QUESTION}": str(old_id)}).status_code == 302
    level, _, files = answer_files(data, ids)
    assert level == 1 and [name for _, name, _ in files] == ["new.pdf"]


def test_removing_one_of_two_documents_keeps_e1(browser, ids, data):
    partner = browser("partner_a")
    clear_existing(partner, ids, data)
    upload(partner, ids, "one.pdf")
    upload(partner, ids, "two.pdf")
    files = answer_files(data, ids)[2]
    post(partner, ids, **{f"remove_{QUESTION}": str(files[0][0])})
    level, _, files = answer_files(data, ids)
    assert level == 1 and [name for _, name, _ in files] == ["two.pdf"]


def test_a_checked_level_falls_back_and_waits_for_review_when_a_document_goes(browser, ids, data):
    partner = browser("partner_a")
    clear_existing(partner, ids, data)
    upload(partner, ids, "one.pdf")
    upload(partner, ids, "two.pdf")
    with data() as session:
        answer = session.scalar(
            sa.select(Answer).where(Answer.assessment_id == ids["a_self"], Answer.question_id == QUESTION)
        )
        answer.evidence_level, answer.needs_review = 2, False
        session.commit()
    files = answer_files(data, ids)[2]
    post(partner, ids, **{f"remove_{QUESTION}": str(files[0][0])})
    level, needs_review, _ = answer_files(data, ids)
    assert (level, needs_review) == (1, True)


def test_another_organisations_file_cannot_be_removed(browser, ids, data):
    with data() as session:
        answer = session.scalar(sa.select(Answer).where(Answer.assessment_id == ids["b_self"]))
        theirs = EvidenceFile(
            organisation_id=ids["b_org"], answer=answer, original_name="b.pdf", stored_name="b" * 32,
            content_type="application/pdf", size_bytes=1, sha256="0" * 64,
        )
        session.add(theirs)
        session.commit()
        theirs_id = theirs.id
    post(browser("partner_a"), ids, **{f"remove_{QUESTION}": str(theirs_id)})
    with data() as session:
        assert session.get(EvidenceFile, theirs_id) is not None


def test_a_reader_cannot_remove_files_of_a_submitted_assessment(browser, ids, data):
    partner = browser("partner_a")
    clear_existing(partner, ids, data)
    upload(partner, ids)
    (file_id, _, _), = answer_files(data, ids)[2]
    staff = browser("staff")
    response = staff.post(
        f"/a/{ids['a_self']}/s/{SECTION}", data={f"q_{QUESTION}": "yes", f"remove_{QUESTION}": str(file_id)}
    )
    assert response.status_code == 403
    assert len(answer_files(data, ids)[2]) == 1


def test_file_inputs_accept_exactly_the_upload_allow_list(browser, ids):
    page = browser("partner_a").get(f"/a/{ids['a_self']}/s/{SECTION}").get_data(as_text=True)
    inputs = re.findall(r'<input type="file"[^>]*>', page)
    assert inputs
    for field in inputs:
        accept = re.search(r'accept="([^"]+)"', field)
        assert accept, f"no accept filter on {field}"
        extensions = {item for item in accept.group(1).split(",") if item.startswith(".")}
        assert extensions == {f".{extension}" for extension in SIGNATURES}
