"""Where am I and what is left: a section's position, progress and menu; an error summary of the section's own
problems only, naming each question; the page to review before submitting; autosave of drafts; plural forms; the
institute's look."""

from __future__ import annotations

import re
import shutil

import pytest
from markupsafe import escape

from ddq import create_app
from ddq.config import accent_colour
from ddq.extensions import db
from ddq.store import answering
from ddq.store import operations as ops
from ddq.store.models import Assessment
from tests.conftest import web_config
from tests.web.test_forms import answer_of


def _text(response) -> str:
    return response.get_data(as_text=True)


def _hidden(page: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', page).group(1)


def _draft_in_procurement(partner, ids):
    response = partner.post(
        f"/a/{ids['a_self']}/s/procurement_downstream",
        data={"q_uses_subpartners": "yes", "q_subpartner_count": "three or four"},
    )
    assert response.status_code == 200  # the page comes back with the problem shown


def test_an_invalid_answer_elsewhere_puts_no_error_box_on_other_sections(browser, ids):
    partner = browser("partner_a")
    _draft_in_procurement(partner, ids)
    page = _text(partner.get(f"/a/{ids['a_self']}/s/governance"))
    assert 'id="error-summary"' not in page
    assert "need another look" not in page and "needs another look" not in page


def test_the_error_summary_names_each_question_of_the_section_and_links_to_it(browser, ids, data):
    partner = browser("partner_a")
    _draft_in_procurement(partner, ids)
    page = _text(partner.get(f"/a/{ids['a_self']}/s/procurement_downstream"))
    summary = page[page.index('id="error-summary"') : page.index("</div>", page.index('id="error-summary"'))]
    assert "1 answer in this section needs another look" in summary
    with data() as session:
        assessment = session.get(Assessment, ids["a_self"])
        text = ops.questionnaire_of(assessment.questionnaire_version).question("subpartner_count").text.get("en")
    assert f'<a href="#wrap-subpartner_count"><strong>{escape(text)}</strong></a>' in summary


def test_a_section_says_where_it_is_and_what_state_each_section_is_in(browser, ids):
    partner = browser("partner_a")
    _draft_in_procurement(partner, ids)
    page = _text(partner.get(f"/a/{ids['a_self']}/s/governance"))
    found = re.search(r"Section (\d+) of (\d+)", page)
    assert found and found.group(1) == "1" and int(found.group(2)) >= 5
    assert re.search(r'<progress id="overall-progress" max="\d+" value="\d+"', page)
    menu = page[page.index('class="section-menu"') :]
    assert 'aria-current="page"' in menu
    procurement = menu[menu.index("/s/procurement_downstream") :]
    assert "answers to check" in procurement[: procurement.index("</li>")]
    later = _text(partner.get(f"/a/{ids['a_self']}/s/people"))
    assert re.search(r"Section [2-9]\d* of", later)


def test_review_lists_what_is_empty_or_to_check_with_links_and_says_what_submitting_means(browser, ids):
    partner = browser("partner_a")
    _draft_in_procurement(partner, ids)
    page = _text(partner.get(f"/a/{ids['a_self']}/review"))
    assert "Submitting sends your answers to the institute" in page
    assert "Not ready to submit yet" in page
    assert f"/a/{ids['a_self']}/s/procurement_downstream#wrap-subpartner_count" in page
    assert f"/a/{ids['a_self']}/s/people#wrap-staff_count" in page  # required and empty in the demo
    assert f'action="/a/{ids["a_self"]}/submit"' not in page  # nothing to submit until it is ready
    # the assessment page sends people here instead of submitting at once
    assert f'href="/a/{ids["a_self"]}/review"' in _text(partner.get(f"/a/{ids['a_self']}"))


def test_review_warns_when_questions_are_empty_before_submitting(browser, ids):
    partner = browser("partner_a")
    required = {
        "governance": {"q_legal_registration": "yes", "q_org_legal_form": "community", "q_sanctions_screening": "yes"},
        "safeguarding": {"q_safeguarding_policy": "no"},
        "people": {"q_staff_count": "6"},
    }
    for section, values in required.items():
        assert partner.post(f"/a/{ids['a_self']}/s/{section}", data=values).status_code == 302
    page = _text(partner.get(f"/a/{ids['a_self']}/review"))
    found = re.search(r"(\d+) of (\d+) questions are empty;", page)
    assert found and 0 < int(found.group(1)) < int(found.group(2))
    assert "the report will be scored on what you answered" in page
    assert f'action="/a/{ids["a_self"]}/submit"' in page


def test_a_failed_submission_says_one_in_the_singular_and_leads_to_the_review(browser, ids):
    partner = browser("partner_a")
    for section, values in {
        "governance": {"q_legal_registration": "yes", "q_org_legal_form": "community", "q_sanctions_screening": "yes"},
        "safeguarding": {"q_safeguarding_policy": "no"},
    }.items():
        partner.post(f"/a/{ids['a_self']}/s/{section}", data=values)
    response = partner.post(f"/a/{ids['a_self']}/submit")
    assert response.headers["Location"].endswith(f"/a/{ids['a_self']}/review")
    page = _text(partner.get(response.headers["Location"]))
    assert "1 required answer is missing" in page and "1 required answers" not in page
    overview = _text(partner.get(f"/a/{ids['a_self']}"))
    assert "1 required answers" not in overview and "Still required" not in overview
    assert "1 required answer missing" in overview


# --- autosave ---------------------------------------------------------------------------------------------------


def _autosave(partner, ids, section, data, **kwargs):
    return partner.post(f"/a/{ids['a_self']}/s/{section}/autosave", data=data, **kwargs)


def test_autosave_keeps_invalid_input_as_typed_and_clears_nothing_else(browser, ids, data):
    partner = browser("partner_a")
    partner.post(f"/a/{ids['a_self']}/s/people", data={"q_staff_count": "6"})
    page = _text(partner.get(f"/a/{ids['a_self']}/s/procurement_downstream"))
    response = _autosave(
        partner,
        ids,
        "procurement_downstream",
        {
            "q_uses_subpartners": "yes",
            "q_subpartner_count": "three or four",
            "version_subpartner_count": _hidden(page, "version_subpartner_count"),
            "version_uses_subpartners": _hidden(page, "version_uses_subpartners"),
        },
    )
    assert response.status_code == 200 and response.is_json
    result = response.get_json()
    assert set(result["versions"]) == {"uses_subpartners", "subpartner_count"}
    assert "subpartner_count" in result["problems"] and result["conflicts"] == []
    assert answer_of(data, ids["a_self"], "subpartner_count")["draft"] == "three or four"
    assert answer_of(data, ids["a_self"], "uses_subpartners")["value"] == "yes"
    assert answer_of(data, ids["a_self"], "staff_count")["value"] == 6  # another section: untouched


def test_autosave_needs_the_csrf_token(browser, ids, data):
    partner = browser("partner_a")
    before = answer_of(data, ids["a_self"], "staff_count")
    response = _autosave(partner, ids, "people", {"q_staff_count": "99"}, csrf=False)
    assert response.status_code == 400
    assert answer_of(data, ids["a_self"], "staff_count") == before


def test_autosave_never_overwrites_someone_elses_newer_answer_and_says_so(browser, ids, data, web_app):
    partner = browser("partner_a")
    page = _text(partner.get(f"/a/{ids['a_self']}/s/people"))
    version, base = _hidden(page, "version_staff_count"), _hidden(page, "base_staff_count")
    with data() as session:  # a colleague saves first
        assessment = session.get(Assessment, ids["a_self"])
        question = ops.questionnaire_of(assessment.questionnaire_version).question("staff_count")
        answering.save_draft_answer(session, assessment, question, "12")
        session.commit()
    response = _autosave(
        partner, ids, "people", {"q_staff_count": "7", "version_staff_count": version, "base_staff_count": base}
    )
    result = response.get_json()
    assert response.status_code == 200
    assert [conflict["question"] for conflict in result["conflicts"]] == ["staff_count"]
    assert "staff_count" not in result["versions"]
    assert answer_of(data, ids["a_self"], "staff_count")["value"] == 12
    # saving the page then shows both answers to choose from
    shown = partner.post(
        f"/a/{ids['a_self']}/s/people",
        data={"q_staff_count": "7", "version_staff_count": version, "base_staff_count": base},
    )
    assert 'id="conflict-staff_count"' in _text(shown)


def test_autosave_refuses_people_who_cannot_answer(browser, ids, data):
    staff = browser("staff")
    staff.refresh_token("/staff")
    before = answer_of(data, ids["a_self"], "staff_count")
    response = staff.post(f"/a/{ids['a_self']}/s/people/autosave", data={"q_staff_count": "99"})
    assert response.status_code == 403
    assert answer_of(data, ids["a_self"], "staff_count") == before
    other = browser("partner_b")
    assert other.post(f"/a/{ids['a_self']}/s/people/autosave", data={"q_staff_count": "99"}).status_code == 403


def test_the_section_form_carries_the_autosave_address_and_texts(browser, ids):
    page = _text(browser("partner_a").get(f"/a/{ids['a_self']}/s/people"))
    assert f'data-url="/a/{ids["a_self"]}/s/people/autosave"' in page
    assert "data-saved=" in page and "data-offline=" in page and "data-conflict=" in page


# --- the institute's look -----------------------------------------------------------------------------------------


def test_the_institute_name_logo_and_accent_colour_are_settings(demo_database, tmp_path):
    database = tmp_path / "look.sqlite3"
    shutil.copy(demo_database, database)
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    app = create_app(
        web_config(
            database, tmp_path, DDQ_INSTITUTE_NAME="Bridge Institute for Learning", DDQ_LOGO=str(logo),
            DDQ_ACCENT="#7a1f5c",
        )
    )
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "Bridge Institute for Learning</a>" in page and '<img src="/logo"' in page
    assert 'rel="icon"' in page and "favicon.svg" in page
    assert "--accent: #7a1f5c" in client.get("/look.css").get_data(as_text=True)
    with client.get("/logo") as response:
        assert response.headers["Content-Type"].startswith("image/svg+xml")
    with client.get("/static/favicon.svg") as response:
        assert response.status_code == 200
    with app.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("value", ["red", "#12345", "#1234567", "#gggggg", "#fff; } body { display: none"])
def test_an_accent_colour_that_is_not_a_colour_is_refused_naming_the_setting(value):
    with pytest.raises(ValueError, match="DDQ_ACCENT"):
        accent_colour(value)


def test_without_a_logo_the_logo_address_is_not_found(web_app):
    assert web_app.test_client().get("/logo").status_code == 404
