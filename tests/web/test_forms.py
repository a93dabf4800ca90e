"""Answering: drafts that keep what was typed, skip logic on the server, N/A, evidence, submission, review."""

import io
import re

import sqlalchemy as sa

from ddq.store.models import Answer, Assessment, AuditEvent, EvidenceFile, SectionTime


def answer_of(data, assessment_id, question_id):
    with data() as session:
        answer = session.scalar(
            sa.select(Answer).where(Answer.assessment_id == assessment_id, Answer.question_id == question_id)
        )
        return (
            None
            if answer is None
            else {
                "value": answer.value,
                "draft": answer.draft,
                "na": answer.not_applicable,
                "reason": answer.na_reason,
                "comment": answer.comment,
                "evidence": answer.evidence_level,
            }
        )


def status_of(data, assessment_id):
    with data() as session:
        return session.get(Assessment, assessment_id).status


def test_post_without_csrf_token_is_refused_and_changes_nothing(browser, ids, data):
    partner = browser("partner_a")
    before = answer_of(data, ids["a_self"], "staff_count")
    response = partner.post(f"/a/{ids['a_self']}/s/people", data={"q_staff_count": "99"}, csrf=False)
    assert response.status_code == 400 and "did not come from ddq" in response.get_data(as_text=True)
    assert answer_of(data, ids["a_self"], "staff_count") == before


def test_forged_csrf_token_is_refused(browser, ids):
    partner = browser("partner_a")
    response = partner.post(f"/a/{ids['a_self']}/submit", data={"csrf_token": "forged"}, csrf=False)
    assert response.status_code == 400


def test_draft_with_invalid_values_comes_back_exactly_as_typed(browser, ids, data):
    partner = browser("partner_a")
    typed = "about 6, more in the rainy season"
    response = partner.post(f"/a/{ids['a_self']}/s/people", data={"q_staff_count": typed, "q_key_roles": "2"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'value="{typed}"' in page and "enter a number" in page
    assert 'aria-invalid="true"' in page and 'aria-describedby="err-staff_count"' in page
    stored = answer_of(data, ids["a_self"], "staff_count")
    assert stored["draft"] == typed and stored["value"] is None
    assert answer_of(data, ids["a_self"], "key_roles")["value"] == 2
    # a fresh visit (another device) shows the same draft
    again = browser("partner_a").get(f"/a/{ids['a_self']}/s/people").get_data(as_text=True)
    assert f'value="{typed}"' in again


def test_markup_typed_into_an_answer_is_shown_as_text(browser, ids):
    partner = browser("partner_a")
    hostile = '"><script>alert(1)</script>'
    partner.post(f"/a/{ids['a_self']}/s/people", data={"q_staff_count": hostile, "comment_key_roles": hostile})
    page = partner.get(f"/a/{ids['a_self']}/s/people").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in page or "&quot;&gt;&lt;script&gt;" in page


def test_saving_a_valid_answer_and_comment(browser, ids, data):
    partner = browser("partner_a")
    response = partner.post(
        f"/a/{ids['a_self']}/s/people",
        data={
            "q_staff_count": "6",
            "q_key_roles": "3",
            "comment_key_roles": "Our coordinator is part-time.",
            "active_seconds": "95",
        },
    )
    assert response.status_code == 302
    assert answer_of(data, ids["a_self"], "staff_count")["value"] == 6
    assert answer_of(data, ids["a_self"], "key_roles")["comment"] == "Our coordinator is part-time."
    with data() as session:
        seconds = session.scalar(
            sa.select(SectionTime.active_seconds).where(
                SectionTime.assessment_id == ids["a_self"], SectionTime.section_id == "people"
            )
        )
    assert seconds == 95


def test_active_time_ignores_nonsense(browser, ids, data):
    partner = browser("partner_a")
    partner.post(f"/a/{ids['a_self']}/s/people", data={"q_staff_count": "6", "active_seconds": "-50"})
    partner.post(f"/a/{ids['a_self']}/s/people", data={"q_staff_count": "6", "active_seconds": "lots"})
    partner.post(f"/a/{ids['a_self']}/s/people", data={"q_staff_count": "6", "active_seconds": "999999"})
    with data() as session:
        seconds = session.scalar(
            sa.select(SectionTime.active_seconds).where(
                SectionTime.assessment_id == ids["a_self"], SectionTime.section_id == "people"
            )
        )
    assert seconds == 3600  # an hour at most per save


def test_not_applicable_with_a_reason(browser, ids, data):
    partner = browser("partner_b")
    # reopen partner B's submitted assessment
    staff = browser("staff")
    staff.post(f"/staff/assessments/{ids['b_self']}/decision", data={"decision": "changes_requested"})
    response = partner.post(
        f"/a/{ids['b_self']}/s/safeguarding",
        data={"na_safeguarding_cases": "y", "nareason_safeguarding_cases": "No field work with communities yet"},
    )
    assert response.status_code == 302
    stored = answer_of(data, ids["b_self"], "safeguarding_cases")
    assert stored["na"] and stored["reason"] == "No field work with communities yet" and stored["value"] is None


def test_skip_logic_is_enforced_on_the_server(browser, ids, data):
    staff = browser("staff")
    staff.post(f"/staff/assessments/{ids['b_self']}/decision", data={"decision": "changes_requested"})
    partner = browser("partner_b")
    partner.post(f"/a/{ids['b_self']}/s/financial_stability", data={"q_audit_done": "no"})
    page = partner.get(f"/a/{ids['b_self']}/s/financial_stability").get_data(as_text=True)
    assert re.search(r'id="wrap-audit_opinion"\s+hidden', page)
    partner.post(f"/a/{ids['b_self']}/s/financial_stability", data={"q_audit_done": "yes"})
    page = partner.get(f"/a/{ids['b_self']}/s/financial_stability").get_data(as_text=True)
    assert not re.search(r'id="wrap-audit_opinion"\s+hidden', page)
    assert 'data-show-if="[&#34;cmp&#34;' in page  # the browser gets the same condition, as data


def test_section_outside_the_request_is_not_found(browser, ids):
    partner = browser("partner_a")  # light tier, communication role: no research section
    assert partner.get(f"/a/{ids['a_self']}/s/research_ethics_data").status_code == 404
    assert partner.get(f"/a/{ids['a_self']}/s/no_such_section").status_code == 404


def test_submit_checks_required_answers_then_locks(browser, ids, data):
    partner = browser("partner_a")
    response = partner.post(f"/a/{ids['a_self']}/submit")
    assert status_of(data, ids["a_self"]) == "in_progress"
    assert "required answers are missing" in partner.get(response.headers["Location"]).get_data(as_text=True)
    # answer every required question of the light tier
    required = {
        "governance": {"q_legal_registration": "yes", "q_org_legal_form": "community", "q_sanctions_screening": "yes"},
        "safeguarding": {"q_safeguarding_policy": "no"},
        "people": {"q_staff_count": "6"},
    }
    for section, values in required.items():
        assert partner.post(f"/a/{ids['a_self']}/s/{section}", data=values).status_code == 302
    partner.post(f"/a/{ids['a_self']}/submit")
    assert status_of(data, ids["a_self"]) == "submitted"
    assert partner.post(f"/a/{ids['a_self']}/s/people", data={"q_staff_count": "7"}).status_code == 403
    assert "Save draft" not in partner.get(f"/a/{ids['a_self']}/s/people").get_data(as_text=True)


def test_review_loop_request_change_revise_accept(browser, ids, data):
    staff, partner = browser("staff"), browser("partner_b")
    response = staff.post(
        f"/staff/assessments/{ids['b_self']}/answers/governing_body",
        data={"action": "request_changes", "body": "How often did the board meet in 2026?", "evidence_level": "2"},
    )
    assert response.status_code == 302
    assert answer_of(data, ids["b_self"], "governing_body")["evidence"] == 2
    staff.post(f"/staff/assessments/{ids['b_self']}/decision", data={"decision": "changes_requested"})
    overview = partner.get(f"/a/{ids['b_self']}").get_data(as_text=True)
    assert "How often did the board meet in 2026?" in overview
    partner.post(
        f"/a/{ids['b_self']}/s/governance", data={"q_governing_body": "4", "comment_governing_body": "Four times."}
    )
    partner.post(f"/a/{ids['b_self']}/submit")
    assert status_of(data, ids["b_self"]) == "submitted"
    staff.post(f"/staff/assessments/{ids['b_self']}/decision", data={"decision": "accepted"})
    assert status_of(data, ids["b_self"]) == "accepted"
    with data() as session:
        actions = session.scalars(
            sa.select(AuditEvent.action).where(
                AuditEvent.object_id == ids["b_self"], AuditEvent.object_type == "Assessment"
            )
        ).all()
    assert actions.count("assessment.status") >= 4


def test_staff_cannot_accept_what_was_not_submitted(browser, ids, data):
    staff = browser("staff")
    response = staff.post(f"/staff/assessments/{ids['a_self']}/decision", data={"decision": "accepted"})
    assert response.status_code == 302 and status_of(data, ids["a_self"]) == "in_progress"


def test_sections_can_be_assigned_to_colleagues_only(browser, ids, data):
    partner = browser("partner_a")
    assert (
        partner.post(
            f"/a/{ids['a_self']}/assign", data={"section_id": "people", "user_id": str(ids["a_colleague"])}
        ).status_code
        == 302
    )
    page = partner.get(f"/a/{ids['a_self']}").get_data(as_text=True)
    assert f'<option value="{ids["a_colleague"]}" selected>' in page
    colleague = browser("colleague1@partner1.example.org")
    assert colleague.post(f"/a/{ids['a_self']}/s/people", data={"q_key_roles": "3"}).status_code == 302
    with data() as session:
        outsider = session.scalar(sa.select(Assessment).where(Assessment.id == ids["b_self"])).respondent.users[0].id
    assert (
        partner.post(f"/a/{ids['a_self']}/assign", data={"section_id": "people", "user_id": str(outsider)}).status_code
        == 400
    )


# --- evidence uploads -----------------------------------------------------------------------------


def upload(partner, ids, name, content, question="legal_registration", section="governance"):
    return partner.post(
        f"/a/{ids['a_self']}/s/{section}",
        data={"q_legal_registration": "yes", f"file_{question}": (io.BytesIO(content), name)},
        content_type="multipart/form-data",
    )


def test_upload_is_stored_outside_the_web_root_under_a_random_name(browser, ids, data, web_app):
    partner = browser("partner_a")
    response = upload(partner, ids, "../../etc/Certificat d'enregistrement.pdf", b"%PDF-1.7 registration")
    assert response.status_code == 302
    with data() as session:
        evidence = session.scalar(sa.select(EvidenceFile).order_by(EvidenceFile.id.desc()))
        file_id, stored, name = evidence.id, evidence.stored_name, evidence.original_name
    assert name == "etc_Certificat_denregistrement.pdf" and re.fullmatch(r"[0-9a-f]{32}", stored)
    folder = web_app.config["DDQ_UPLOADS"]
    assert not folder.startswith(web_app.static_folder)
    with partner.get(f"/evidence/{file_id}") as download:
        assert download.data == b"%PDF-1.7 registration"
        assert "attachment" in download.headers["Content-Disposition"]
    assert answer_of(data, ids["a_self"], "legal_registration")["evidence"] == 1  # E1: a document supplied


def test_upload_of_a_refused_type_keeps_the_answer_and_says_why(browser, ids, data):
    partner = browser("partner_a")
    with data() as session:
        files_before = session.scalar(sa.select(sa.func.count()).select_from(EvidenceFile))
    response = upload(partner, ids, "tool.exe", b"MZ\x90\x00")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "files of this type are not accepted" in page
    assert answer_of(data, ids["a_self"], "legal_registration")["value"] == "yes"
    with data() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(EvidenceFile)) == files_before


def test_upload_whose_content_does_not_match_its_extension(browser, ids):
    page = upload(browser("partner_a"), ids, "policy.pdf", b"\x89PNG\r\n\x1a\nimage").get_data(as_text=True)
    assert "the content is not a .pdf file" in page


def test_upload_over_the_size_limit(browser, ids, web_app):
    web_app.config["DDQ_MAX_EVIDENCE_BYTES"] = 1024
    page = upload(browser("partner_a"), ids, "big.pdf", b"%PDF-" + b"0" * 2048).get_data(as_text=True)
    assert "larger than" in page


def test_request_over_the_server_limit_gets_a_page_not_a_crash(browser, ids, web_app):
    web_app.config["MAX_CONTENT_LENGTH"] = 2048
    response = upload(browser("partner_a"), ids, "huge.pdf", b"%PDF-" + b"0" * 4096)
    assert response.status_code == 413 and "Traceback" not in response.get_data(as_text=True)


def test_a_partial_post_clears_nothing_that_was_not_on_the_page(browser, ids, data):
    partner = browser("partner_a")
    partner.post(f"/a/{ids['a_self']}/s/people", data={"q_staff_count": "6", "q_key_roles": "3"})
    partner.post(f"/a/{ids['a_self']}/s/people", data={"present": ["staff_count"], "q_staff_count": "7"})
    assert answer_of(data, ids["a_self"], "staff_count")["value"] == 7
    assert answer_of(data, ids["a_self"], "key_roles")["value"] == 3


def _shown_form(page: str, question_ids: list[str]) -> dict:
    """The version and base of each answer as the page shows them, as a browser sends them back."""
    data = {"present": question_ids}
    for question_id in question_ids:
        for field in ("version", "base"):
            data[f"{field}_{question_id}"] = re.search(rf'name="{field}_{question_id}" value="(\w+)"', page).group(1)
    return data


def test_a_stale_save_is_not_applied_silently_and_the_person_chooses(browser, ids, data):
    url = f"/a/{ids['a_self']}/s/people"
    first, second = browser("partner_a"), browser("colleague1@partner1.example.org")
    first_form = _shown_form(first.get(url).get_data(as_text=True), ["staff_count", "key_roles"])
    second_form = _shown_form(second.get(url).get_data(as_text=True), ["staff_count", "key_roles"])
    assert first.post(url, data={**first_form, "q_staff_count": "12"}).status_code == 302
    # the second person's page still shows the old answer: their different value is not applied silently
    response = second.post(url, data={**second_form, "q_staff_count": "15", "q_key_roles": "2"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="conflict-staff_count"' in page
    assert "someone else changed while you were editing" in page
    assert re.search(r'id="conflict-staff_count".*?12', page, re.S)  # theirs, shown
    assert 'value="15"' in page  # mine, kept in the form
    assert answer_of(data, ids["a_self"], "staff_count")["value"] == 12
    assert answer_of(data, ids["a_self"], "key_roles")["value"] == 2  # the rest of the page was saved
    # keep mine: the page now carries the newer version, so the save goes through
    again = _shown_form(page, ["staff_count"])
    assert second.post(url, data={**again, "q_staff_count": "15", "resolve_staff_count": "mine"}).status_code == 302
    assert answer_of(data, ids["a_self"], "staff_count")["value"] == 15


def test_taking_the_other_answer_keeps_it(browser, ids, data):
    url = f"/a/{ids['a_self']}/s/people"
    first, second = browser("partner_a"), browser("colleague1@partner1.example.org")
    second_form = _shown_form(second.get(url).get_data(as_text=True), ["staff_count"])
    first.post(url, data={"q_staff_count": "12"})
    page = second.post(url, data={**second_form, "q_staff_count": "15"}).get_data(as_text=True)
    again = _shown_form(page, ["staff_count"])
    response = second.post(url, data={**again, "q_staff_count": "15", "resolve_staff_count": "theirs"})
    assert response.status_code == 302
    assert answer_of(data, ids["a_self"], "staff_count")["value"] == 12


def test_an_answer_left_as_the_page_showed_it_does_not_undo_a_newer_one(browser, ids, data):
    url = f"/a/{ids['a_self']}/s/people"
    first, second = browser("partner_a"), browser("colleague1@partner1.example.org")
    second_form = _shown_form(second.get(url).get_data(as_text=True), ["staff_count", "key_roles"])
    before = answer_of(data, ids["a_self"], "staff_count")
    shown = "" if before is None or before["value"] is None else str(before["value"])
    first.post(url, data={"q_staff_count": "12"})
    # the second person only answers key_roles; staff_count goes back exactly as their page showed it
    response = second.post(url, data={**second_form, "q_staff_count": shown, "q_key_roles": "3"})
    assert response.status_code == 302
    assert answer_of(data, ids["a_self"], "staff_count")["value"] == 12
    assert answer_of(data, ids["a_self"], "key_roles")["value"] == 3
