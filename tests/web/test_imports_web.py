"""Templates and spreadsheets through the web: preview first, write on confirmation only."""

import io

import openpyxl
import sqlalchemy as sa

from ddq.store.models import Answer
from tests.conftest import SHARED

DONOR = SHARED / "samples" / "funder" / "donor_flat_due_diligence.xlsx"


def test_staff_preview_then_confirm_an_import(browser, web_app, tmp_path):
    web_app.config["DDQ_QUESTIONNAIRES"] = str(_library_copy(tmp_path))
    staff = browser("staff")
    response = staff.post(
        "/staff/imports",
        data={"template": (io.BytesIO(DONOR.read_bytes()), "donor.xlsx"), "funder": "Global Resilience Fund"},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "16 questions" in page and "legal_registration" in page
    folder = tmp_path / "questionnaires"
    assert not (folder / "donor.yaml").exists()  # nothing written before confirming
    token = page.split("/staff/imports/")[1].split("/confirm")[0]
    assert staff.post(f"/staff/imports/{token}/confirm").status_code == 302
    assert (tmp_path / "imported" / "donor.yaml").is_file()  # DDQ_IMPORTED, not the definitions folder
    assert not (folder / "donor.yaml").exists()


def test_a_broken_upload_shows_why_and_writes_nothing(browser, web_app, tmp_path):
    web_app.config["DDQ_QUESTIONNAIRES"] = str(_library_copy(tmp_path))
    before = sorted(p.name for p in (tmp_path / "questionnaires").iterdir())
    response = browser("staff").post(
        "/staff/imports",
        data={"template": (io.BytesIO(b"PK\x03\x04junk"), "x.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "damaged or truncated" in response.get_data(as_text=True)
    assert sorted(p.name for p in (tmp_path / "questionnaires").iterdir()) == before


def _library_copy(tmp_path):
    import shutil

    from tests.conftest import QUESTIONNAIRES

    target = tmp_path / "questionnaires"
    shutil.copytree(QUESTIONNAIRES, target)
    return target


def test_partner_fills_a_spreadsheet_offline_and_confirms_the_changes(browser, ids, data):
    partner = browser("partner_a")
    with partner.get(f"/a/{ids['a_self']}/spreadsheet.xlsx") as response:
        workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook["Answers"]
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    rows["staff_count"][4].value = 7
    rows["sanctions_screening"][4].value = "Yes"  # a label is understood as well as a value
    rows["governing_body"][4].value = "4"
    rows["governing_body"][5].value = "Board met three times"
    buffer = io.BytesIO()
    workbook.save(buffer)
    preview = partner.post(
        f"/a/{ids['a_self']}/spreadsheet",
        data={"spreadsheet": (io.BytesIO(buffer.getvalue()), "filled.xlsx")},
        content_type="multipart/form-data",
    )
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "Nothing is saved yet" in page

    def value(question_id):
        with data() as session:
            answer = session.scalar(
                sa.select(Answer).where(Answer.assessment_id == ids["a_self"], Answer.question_id == question_id)
            )
            return None if answer is None else (answer.value, answer.comment)

    assert value("staff_count") != (7, None)  # not before confirming
    payload = page.split('name="changes" value="')[1].split('">')[0].replace("&#34;", '"').replace("&quot;", '"')
    confirmed = partner.post(f"/a/{ids['a_self']}/spreadsheet", data={"confirm": "1", "changes": payload})
    assert confirmed.status_code == 302
    assert value("staff_count")[0] == 7 and value("sanctions_screening")[0] == "yes"
    assert value("governing_body") == (4, "Board met three times")


def test_an_unrelated_spreadsheet_is_refused(browser, ids):
    data = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active.title = "Budget"
    workbook.save(data)
    response = browser("partner_a").post(
        f"/a/{ids['a_self']}/spreadsheet",
        data={"spreadsheet": (io.BytesIO(data.getvalue()), "budget.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and "there is no sheet" in response.get_data(as_text=True)


def test_staff_confirm_or_drop_each_proposed_answer_rule(browser, web_app, tmp_path):
    web_app.config["DDQ_QUESTIONNAIRES"] = str(_library_copy(tmp_path))
    staff = browser("staff")
    response = staff.post(
        "/staff/imports",
        data={"template": (io.BytesIO(DONOR.read_bytes()), "donor.xlsx"), "funder": "Global Resilience Fund"},
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    assert 'name="derive" value="q_1_2"' in page and 'name="derive" value="q_1_3"' in page  # proposed, ticked
    token = page.split("/staff/imports/")[1].split("/confirm")[0]
    assert staff.post(f"/staff/imports/{token}/confirm", data={"derive": ["q_1_2"]}).status_code == 302
    written = (tmp_path / "imported" / "donor.yaml").read_text(encoding="utf-8")  # DDQ_IMPORTED
    assert "derive_from" in written and written.count("derive_from") == 1  # q_1_3's rule was unticked
