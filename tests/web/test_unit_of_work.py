"""One unit of work per request: the request commits once, and a request that fails half-way leaves nothing."""

import io
import re
from pathlib import Path

import sqlalchemy as sa

from ddq.store.models import Answer, AuditEvent, SectionTime

WEB = Path(__file__).resolve().parents[2] / "ddq" / "web"


def _footprint(data, assessment_id):
    with data() as session:
        answers = session.execute(
            sa.select(Answer.question_id, Answer.value, Answer.draft, Answer.comment)
            .where(Answer.assessment_id == assessment_id)
            .order_by(Answer.question_id)
        ).all()
        return (
            answers,
            session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)),
            session.scalar(sa.select(sa.func.count()).select_from(SectionTime)),
        )


def test_a_request_that_fails_half_way_leaves_nothing_behind(browser, ids, data, web_app, tmp_path):
    partner = browser("partner_a")
    before = _footprint(data, ids["a_self"])
    # the uploads folder cannot be created: the answers are written first, then storing the file fails
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the uploads folder should be")
    web_app.config["DDQ_UPLOADS"] = str(blocker / "uploads")
    response = partner.post(
        f"/a/{ids['a_self']}/s/governance",
        data={
            "q_legal_registration": "no",
            "comment_legal_registration": "written before the failure",
            "active_seconds": "60",
            "file_legal_registration": (io.BytesIO(b"%PDF-1.7 statutes"), "statutes.pdf"),
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and "Traceback" not in page
    assert _footprint(data, ids["a_self"]) == before


def test_the_error_page_never_claims_that_nothing_was_lost(browser, ids, web_app, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    web_app.config["DDQ_UPLOADS"] = str(blocker / "uploads")
    response = browser("partner_a").post(
        f"/a/{ids['a_self']}/s/governance",
        data={"q_legal_registration": "yes", "file_legal_registration": (io.BytesIO(b"%PDF-1.7"), "a.pdf")},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "nothing you sent was lost" not in page.lower()
    assert "was not saved" in page


def test_a_saved_page_is_committed_by_the_request(browser, ids, data):
    response = browser("partner_a").post(f"/a/{ids['a_self']}/s/people", data={"q_staff_count": "11"})
    assert response.status_code == 302
    with data() as session:
        stored = session.scalar(
            sa.select(Answer.value).where(Answer.assessment_id == ids["a_self"], Answer.question_id == "staff_count")
        )
    assert stored == 11


def test_no_web_module_commits_on_its_own():
    """Views and their helpers only flush; ddq/web/unit_of_work.py is the one place that commits."""
    offenders = [
        f"{path.name}:{number}"
        for path in sorted(WEB.glob("*.py"))
        if path.name != "unit_of_work.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\.commit\(\s*\)", line)
    ]
    assert offenders == []
