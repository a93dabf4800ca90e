"""What pages say: ratings as scales of buttons, each question asked once, counts, names and links that hold."""

import re

import sqlalchemy as sa

from ddq.store.models import Answer, Assessment


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def reopen(data, assessment_id, status="in_progress"):
    with data() as session:
        session.get(Assessment, assessment_id).status = status
        session.commit()


# --- ratings ----------------------------------------------------------------------------------------


def test_ratings_are_radio_scales_with_one_button_per_point(browser, ids, data):
    reopen(data, ids["a_rating"])
    partner = browser("partner_a")
    html = page(partner, f"/a/{ids['a_rating']}/s/due_diligence")
    points = re.findall(r'name="q_due_diligence_proportionate" value="(\d+)"', html)
    assert points == [str(n) for n in range(1, 8)]
    html = page(partner, f"/a/{ids['a_rating']}/s/overall")
    points = re.findall(r'name="q_recommend" value="(\d+)"', html)
    assert points == [str(n) for n in range(0, 11)]
    assert 'type="text" id="q_recommend"' not in html


def test_a_chosen_point_is_saved_as_a_number_and_shown_checked(browser, ids, data):
    reopen(data, ids["a_rating"])
    partner = browser("partner_a")
    response = partner.post(f"/a/{ids['a_rating']}/s/overall", data={"q_recommend": "8"})
    assert response.status_code == 302
    with data() as session:
        answer = session.scalar(
            sa.select(Answer).where(Answer.assessment_id == ids["a_rating"], Answer.question_id == "recommend")
        )
        assert answer.value == 8
    html = page(partner, f"/a/{ids['a_rating']}/s/overall")
    assert re.search(r'name="q_recommend" value="8" data-number checked', html)


def test_a_point_off_the_scale_is_refused_and_named(browser, ids, data):
    reopen(data, ids["a_rating"])
    response = browser("partner_a").post(f"/a/{ids['a_rating']}/s/overall", data={"q_recommend": "11"})
    assert response.status_code == 200 and 'id="err-recommend"' in response.get_data(as_text=True)


# --- proportionality asked once ---------------------------------------------------------------------------


def answer_everything(partner, data, assessment_id):
    """Give every question of an assessment an answer, so that its review page offers to submit."""
    from ddq.store.operations import questionnaire_of

    with data() as session:
        questionnaire = questionnaire_of(session.get(Assessment, assessment_id).questionnaire_version)
    for section in questionnaire.sections:
        fields = {}
        for question in section.questions:
            if question.choices:
                fields[f"q_{question.id}"] = question.choices[0].value
            elif question.maximum is not None:
                fields[f"q_{question.id}"] = str(int(question.minimum or 0))
            else:
                fields[f"q_{question.id}"] = "An answer"
        partner.post(f"/a/{assessment_id}/s/{section.id}", data=fields)


def test_the_feedback_questionnaire_does_not_ask_proportionality_again_on_submitting(browser, ids, data):
    reopen(data, ids["a_rating"])
    partner = browser("partner_a")
    answer_everything(partner, data, ids["a_rating"])
    html = page(partner, f"/a/{ids['a_rating']}/review")
    assert "submit-form" in html and "burden_rating" not in html


def test_submitting_the_feedback_questionnaire_keeps_no_second_proportionality_rating(browser, ids, data):
    reopen(data, ids["a_rating"])
    partner = browser("partner_a")
    answer_everything(partner, data, ids["a_rating"])
    response = partner.post(f"/a/{ids['a_rating']}/submit", data={"burden_rating": "3"})
    assert response.status_code == 302
    with data() as session:
        assessment = session.get(Assessment, ids["a_rating"])
        assert (assessment.status, assessment.burden_rating) == ("submitted", None)


def test_submitting_anonymous_feedback_sends_staff_no_message_about_who_submitted(browser, ids, data, web_app):
    """Staff read partners' feedback in aggregate; a message naming the partner, or sent as they submit, would
    say whose answers they are. A partner's own assessment still tells staff."""
    from ddq.store.outbox import OutboxMessage as Outbox

    def messages(kind):
        with data() as session:
            return session.scalars(sa.select(Outbox.text_body).where(Outbox.kind == kind)).all()

    before = len(messages("submitted"))
    reopen(data, ids["a_rating"])
    partner = browser("partner_a")
    answer_everything(partner, data, ids["a_rating"])
    assert partner.post(f"/a/{ids['a_rating']}/submit").status_code == 302
    assert len(messages("submitted")) == before, "no message for anonymous feedback"
    from ddq import notices
    from ddq.extensions import db

    with web_app.test_request_context():  # the control: the same notice for a partner's own assessment is sent
        assert notices.submitted(db.session.get(Assessment, ids["a_self"])) > 0


# --- reports in a browser ----------------------------------------------------------------------------------


def test_html_reports_load_their_fonts_from_ddq_itself(browser, ids):
    staff = browser("staff")
    response = staff.get(f"/a/{ids['b_self']}/report.html")
    html = response.get_data(as_text=True)
    assert "ddq-asset:" not in html
    assert "font-src 'self'" in response.headers["Content-Security-Policy"]
    fonts = set(re.findall(r'url\("([^"]+\.ttf)"\)', html))
    assert fonts and all(url.startswith("/reports/fonts/") for url in fonts)
    for url in fonts:
        with browser().get(url) as font:  # the same for everyone, signed in or not
            assert font.status_code == 200 and font.mimetype == "font/ttf" and len(font.data) > 10_000


def test_the_font_route_serves_nothing_but_the_bundled_fonts(browser):
    client = browser()
    for name in ("LICENSE.txt", "..%2Frender.py", "missing.ttf", "..%2F..%2F__init__.py"):
        assert client.get(f"/reports/fonts/{name}").status_code == 404, name


# --- links that land where they say ----------------------------------------------------------------------


def test_the_changes_requested_message_links_land_on_the_question(browser, ids, data):
    from ddq.store.models import ReviewComment, User
    from ddq.store.outbox import OutboxMessage

    with data() as session:
        assessment = session.get(Assessment, ids["b_self"])
        answer = sorted((a for a in assessment.answers if a.value is not None), key=lambda a: a.question_id)[0]
        author = session.scalar(sa.select(User).where(User.email == "reviewer@bil.example.org"))
        session.add(ReviewComment(answer_id=answer.id, author_id=author.id, action="request_changes", body="Year?"))
        session.commit()
        partner_email = assessment.respondent.users[0].email
    browser("staff").post(f"/staff/assessments/{ids['b_self']}/decision", data={"decision": "changes_requested"})
    with data() as session:
        body = session.scalar(
            sa.select(OutboxMessage.text_body).where(
                OutboxMessage.kind == "changes_requested", OutboxMessage.recipient == partner_email
            )
        )
    [(path, anchor)] = re.findall(r"https?://[^/\s]+(/a/\d+/s/[\w-]+)#([\w-]+)", body)
    html = page(browser(partner_email), path)
    assert f'id="{anchor}"' in html


# --- money with its currency ---------------------------------------------------------------------------------


def test_the_burden_ledger_shows_money_in_the_institutes_currency(browser, web_app):
    html = page(browser("staff"), "/staff/burden")
    assert re.search(r"<td>\$[\d,]+\.\d\d</td>", html), "funding per burden-hour without its currency"
    web_app.config["DDQ_CURRENCY"] = "EUR"
    html = page(browser("staff"), "/staff/burden")
    # the demo's money was transferred in US dollars: shown as dollars beside the euro figure, never relabelled
    assert "transferred in EUR" in html and not re.search(r"<td>€", html)
    assert re.search(r"<td>—</td>\s*<td>\$[\d,]+\.\d\d</td>", html)


def test_a_currency_setting_that_is_no_currency_is_refused_by_name():
    import pytest

    from ddq.config import currency_code

    assert currency_code(" kes ") == "KES"
    with pytest.raises(ValueError, match="DDQ_CURRENCY: 'dollars'"):
        currency_code("dollars")


# --- unscored domains ----------------------------------------------------------------------------------------


def test_a_domain_with_nothing_scored_says_not_assessed_in_words(browser, ids, data):
    from ddq.store.operations import questionnaire_of

    with data() as session:
        assessment = session.get(Assessment, ids["b_self"])
        questionnaire = questionnaire_of(assessment.questionnaire_version)
        first = next(s for s in questionnaire.sections if any(q.scored for q in s.questions))
        asked = {q.id for q in first.questions}
        for answer in list(assessment.answers):
            if answer.question_id in asked:
                session.delete(answer)
        session.commit()
    html = page(browser("staff"), f"/a/{ids['b_self']}/report.html")
    assert "0.00 / 0.0" not in html and "= —" not in html
    assert re.search(r"<h3>[^<]+ — not assessed</h3>", html)
    assert re.search(r'<td class="num">not assessed</td>', html)


# --- anchors in full ---------------------------------------------------------------------------------------------


def test_a_disclosure_answer_building_on_a_lower_level_shows_that_levels_words_too(browser, ids, data):
    """"As level 3, and restoring from backup is tested" alone does not say what level 3 is."""
    import html as markup

    from ddq.store.operations import questionnaire_of

    with data() as session:
        disclosure = session.get(Assessment, ids["disclosure"])
        questionnaire = questionnaire_of(disclosure.questionnaire_version)
        question = next(
            q
            for section in questionnaire.sections
            for q in section.questions
            if q.type == "maturity" and q.choice("4").label.get("en").startswith("As level 3")
        )
        answer = next(a for a in disclosure.answers if a.question_id == question.id)
        answer.value, answer.not_applicable = 4, False
        session.commit()
        level_3, level_4 = (question.choice(level).label.get("en") for level in ("3", "4"))
    text = markup.unescape(page(browser("partner_a"), f"/a/{ids['disclosure']}/report.html"))
    assert f"4. {level_4} (Level 3: {level_3})" in text
    from ddq.core.questions import type_of

    french = type_of(question).display(question, 4, "fr")
    assert french.startswith("4. Comme au niveau 3") and f"(Niveau 3: {question.choice('3').label.get('fr')})" in french
    assert type_of(question).display(question, 3, "en") == f"3. {level_3}"


# --- an anonymous survey reads as one ----------------------------------------------------------------------------


def test_the_feedback_questionnaire_names_no_one_beside_its_promise_of_anonymity(browser, ids):
    html = page(browser("partner_a"), f"/a/{ids['a_rating']}")
    assert "never attached" in html and "answered by" not in html.lower()
    [subject] = re.findall(r'<p class="subject">(.*?)</p>', html)
    assert "Mathare Youth Voices" not in subject and subject.startswith("Anonymous feedback about")
    [subject] = re.findall(r'<p class="subject">(.*?)</p>', page(browser("partner_a"), f"/a/{ids['a_self']}"))
    assert subject == "Mathare Youth Voices"


def test_every_link_on_the_staff_pages_opens_for_staff(browser):
    """The partners' anonymous ratings of the institute were linked to their answers, which staff may not read."""
    staff = browser("staff")
    for start in ("/staff", "/staff/queue", "/staff/burden", "/staff/portfolio"):
        links = set(re.findall(r'href="(/[^"#?]*)', page(staff, start)))
        assert links, start
        for url in sorted(links):
            if url.startswith(("/logout", "/reports/fonts")):
                continue
            with staff.get(url) as response:
                assert response.status_code in {200, 302}, f"{url} on {start}: {response.status_code}"


def test_the_staff_import_page_offers_only_the_files_ddq_reads(browser):
    from ddq.importers.intake import EXTENSIONS

    html = page(browser("staff"), "/staff/imports")
    [accept] = re.findall(r'<input type="file" id="template"[^>]* accept="([^"]+)"', html)
    assert accept.split(",") == list(EXTENSIONS)


# --- the institute's disclosure carries over like a partner's ------------------------------------------------------


def test_a_new_disclosure_carries_over_the_previous_ones_answers(browser, ids, data):
    with data() as session:
        previous = session.get(Assessment, ids["disclosure"])
        assert previous.status == "accepted"
        given = {a.question_id: a.value for a in previous.answers if a.value is not None and a.bank_id}
    assert len(given) > 10
    staff = browser("staff")
    response = staff.post("/staff/disclosure")
    assert response.status_code == 302
    new_id = int(re.search(r"/a/(\d+)", response.headers["Location"]).group(1))
    assert new_id != ids["disclosure"]
    with data() as session:
        new = session.get(Assessment, new_id)
        carried = {a.question_id: a for a in new.answers}
        assert set(carried) == set(given)
        assert all(a.reused_from.assessment_id == ids["disclosure"] for a in carried.values())
        assert all(a.confirmed_at is None for a in carried.values())  # to confirm, as a partner does
        assert {q: a.value for q, a in carried.items()} == given
    html = page(staff, f"/a/{new_id}")
    assert f"{len(given)} answers carried over from the previous disclosure" in html
