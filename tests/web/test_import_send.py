"""Imports land in the imported folder (DDQ_IMPORTED), never in the source tree, and are usable at once: staff send
an imported template to a partner right after previewing it, with its burden shown before sending; the new request
page lets staff choose the questionnaire."""

import io
import re

import sqlalchemy as sa

from ddq.cli import main
from ddq.store.models import Assessment, Invitation
from tests.conftest import QUESTIONNAIRES, SHARED

DONOR = SHARED / "samples" / "funder" / "donor_flat_due_diligence.xlsx"


def _source_tree() -> dict[str, int]:
    return {path.name: path.stat().st_mtime_ns for path in QUESTIONNAIRES.rglob("*")}


def test_staff_import_then_send_it_to_a_partner(browser, web_app, ids, data, tmp_path):
    before = _source_tree()
    staff = browser("staff")
    preview = staff.post(
        "/staff/imports",
        data={"template": (io.BytesIO(DONOR.read_bytes()), "donor.xlsx"), "funder": "Global Resilience Fund"},
        content_type="multipart/form-data",
    )
    token = re.search(r"/staff/imports/([0-9a-f]{32})/confirm", preview.get_data(as_text=True)).group(1)
    confirmed = staff.post(f"/staff/imports/{token}/confirm")
    assert confirmed.status_code == 302 and confirmed.location.endswith("/staff/imports/send/donor")
    assert (tmp_path / "imported" / "donor.yaml").is_file()
    assert _source_tree() == before  # nothing written under the repository's questionnaires/

    page = staff.get("/staff/imports/send/donor").get_data(as_text=True)
    assert "Send to a partner" in page and "16 questions" in page and "minutes at the standard tier" in page
    picked = staff.get(f"/staff/imports/send/donor?partnership={ids['a_partnership']}")
    assert picked.status_code == 302 and "questionnaire=donor" in picked.location
    request_page = staff.get(picked.location).get_data(as_text=True)
    assert "Request for:" in request_page and "required by Global Resilience Fund" in request_page
    assert re.search(r"<td>16</td>", request_page)  # the burden of the imported template, not of the capacity one

    suggested = re.search(r"Suggested tier: (\w+)", request_page).group(1)
    assert "over budget" in request_page  # shown before sending: the funder's template is longer than the tier's
    sent = staff.post(
        f"/staff/partnerships/{ids['a_partnership']}/request",
        data={"questionnaire": "donor", "tier": suggested, "budget_justification": "The funder requires it."},
    )
    assert sent.status_code == 302
    with data() as session:
        newest = session.scalar(sa.select(Assessment).order_by(Assessment.id.desc()))
        assert (newest.questionnaire_version.key, newest.status) == ("donor", "sent")
        assert newest.partnership_id == ids["a_partnership"]
        assert session.scalar(sa.select(sa.func.count()).where(Invitation.assessment_id == newest.id)) >= 1


def test_the_request_page_offers_each_questionnaire_with_its_burden(browser, ids):
    staff = browser("staff")
    url = f"/staff/partnerships/{ids['a_partnership']}/request"
    page = staff.get(url).get_data(as_text=True)
    assert 'name="questionnaire"' in page and 'value="partner-capacity" selected' in page
    assert "partner-feedback" not in page  # partners' ratings stay anonymous: never requested one by one
    assert staff.get(f"{url}?questionnaire=nothing-like-it").status_code == 404
    assert staff.get(f"{url}?questionnaire=partner-feedback").status_code == 404
    assert staff.post(url, data={"questionnaire": "host-disclosure", "tier": "light"}).status_code == 404
    assert staff.get("/staff/imports/send/partner-feedback").status_code == 404
    assert staff.get("/staff/imports/send/partner-capacity?partnership=999999999").status_code == 400


def test_cli_import_writes_outside_the_source_tree_and_check_reads_it(app, tmp_path):
    before = _source_tree()
    runner = app.test_cli_runner()
    result = runner.invoke(main, ["import", str(DONOR), "--funder", "Global Resilience Fund", "--id", "grf"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "imported" / "grf.yaml").is_file()
    assert _source_tree() == before
    from ddq.library import current_library

    assert len(current_library().questionnaire("grf").questions) == 16  # usable at once
    checked = runner.invoke(main, ["check"])
    assert checked.exit_code == 0 and "grf" in checked.output, checked.output
    again = runner.invoke(main, ["import", str(DONOR), "--id", "grf"])
    assert again.exit_code == 2 and "already exists" in again.output
    shipped = runner.invoke(main, ["import", str(DONOR), "--id", "partner-capacity"])
    assert shipped.exit_code == 2 and "already exists" in shipped.output
