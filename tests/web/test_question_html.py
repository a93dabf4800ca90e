"""A section's questions: their static HTML is kept per questionnaire version and language, and what a request fills
in is escaped, belongs to that request alone, and reads the same as rendering the question whole."""

from __future__ import annotations

import re

import pytest

from ddq.core.definitions import questionnaire_from_data, questionnaire_to_data
from ddq.library import current_library
from ddq.store.models import Answer, Assessment, EvidenceFile, ReviewComment
from ddq.web import question_html
from ddq.web.question_html import _Answering, _Filled, _macros, _Versions, condition

HOSTILE = '"><script>alert(1)</script>&amp;'


def _normal(html: str) -> str:
    """HTML with its whitespace between tags made one, as browsers read it."""
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).strip()


def _answers(question) -> list[Answer | None]:
    """Answers of every kind a page shows: none, a choice or typed value, a draft kept as typed, N/A with a reason,
    a comment, several choices, not yet known."""
    first = question.choices[0].value if question.choices else HOSTILE
    return [
        None,
        Answer(question_id=question.id, value=first, version=1),
        Answer(question_id=question.id, value="1", draft=HOSTILE, version=2),
        Answer(question_id=question.id, not_applicable=True, na_reason=HOSTILE, comment=HOSTILE, version=3),
        Answer(question_id=question.id, value=[first, "unknown"], version=5),
        Answer(question_id=question.id, value="unknown", version=6),
    ]


def _states(question, texts, lang):
    files = [EvidenceFile(id=7, original_name=HOSTILE + ".pdf")]
    reviews = [ReviewComment(action="request_changes", body=HOSTILE)]
    for answer in _answers(question):
        for problem in (None, HOSTILE):
            for shown in (True, False):
                yield _Answering(
                    question,
                    answer,
                    problem,
                    files if problem else None,
                    reviews if answer is not None and not shown else None,
                    shown,
                    0,
                    "base" + HOSTILE,
                    None,
                    lang,
                    texts,
                )


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_question_filled_from_its_static_html_reads_as_rendered_whole(app, lang):
    """Every question of every shipped questionnaire, in every state a page shows it: the kept HTML filled in is the
    question rendered whole, and no value of an answer, problem or file is ever left unescaped."""
    with app.test_request_context(headers={"Accept-Language": lang}):
        library = current_library()
        versions = _Versions(4)
        for questionnaire in library.questionnaires.values():
            version = versions.get("sha-of-" + questionnaire.id, lang)
            for question in questionnaire.questions:
                static = version.static(question)
                assert static.pieces is not None, question.id  # every shipped text can be kept
                for state in _states(question, version.texts, lang):
                    whole = _macros().question_block(question, _Filled(state), lang, condition(question), version.texts)
                    filled = static.fill(state)
                    assert _normal(filled) == _normal(whole), (questionnaire.id, question.id)
                    assert "<script>" not in filled and "&#34;&gt;&lt;script&gt;" in filled, question.id


def test_a_text_holding_the_mark_is_rendered_whole_each_time(app):
    """A definition text with the character that marks a per-request part cannot be kept in pieces: the question
    is then rendered whole, with the same result."""
    with app.test_request_context():
        data = questionnaire_to_data(current_library().questionnaire("partner-capacity"))
        question_data = data["sections"][0]["questions"][0]
        question_data["text"] = {"en": "Registered?\x00 <b>yes</b>"}
        question = questionnaire_from_data(data).question(question_data["id"])
        version = _Versions(1).get("odd", "en")
        static = version.static(question)
        assert static.pieces is None
        answer = Answer(question_id=question.id, value="yes", version=1)
        state = _Answering(question, answer, None, None, None, True, 1, "b", None, "en", version.texts)
        html = static.fill(state)
        assert "Registered?\x00 &lt;b&gt;yes&lt;/b&gt;" in html
        assert re.search(r'value="yes"[^>]* checked', html)


def test_the_kept_versions_are_bounded_least_recently_used_first(app):
    with app.test_request_context():
        versions = _Versions(2)
        first = versions.get("a", "en")
        versions.get("b", "en")
        assert versions.get("a", "en") is first  # used again: now the most recent
        versions.get("c", "en")
        assert set(versions.entries) == {("a", "en"), ("c", "en")}
        assert versions.get("b", "en") is not None and len(versions.entries) == 2


def test_one_partners_answers_never_reach_another_partners_page(browser, ids, data):
    """Two partners answer the same questionnaire version: what one typed (hostile too) shows, escaped, on their
    own page only, whichever page the kept HTML was first made for."""
    with data() as session:
        for assessment_id in (ids["a_self"], ids["b_self"]):
            session.get(Assessment, assessment_id).status = "in_progress"
        versions = {session.get(Assessment, id_).questionnaire_version_id for id_ in (ids["a_self"], ids["b_self"])}
        assert len(versions) == 1  # both answer the same version: its kept HTML serves both
        session.commit()
    partner_a, partner_b = browser("partner_a"), browser("partner_b")
    for partner in (partner_a, partner_b):
        partner.post("/language", data={"lang": "en"})
    url_a, url_b = f"/a/{ids['a_self']}/s/people", f"/a/{ids['b_self']}/s/people"
    before_b = partner_b.get(url_b).get_data(as_text=True)
    assert 'id="q_staff_count"' in before_b and 'name="comment_staff_count"' in before_b
    posted = {"q_staff_count": HOSTILE, "comment_staff_count": "</textarea><script>alert(2)</script>"}
    assert partner_a.post(url_a, data={**posted, "save": "1"}).status_code in (200, 302)
    page_a = partner_a.get(url_a).get_data(as_text=True)
    assert "<script>" not in page_a
    assert "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;amp;" in page_a
    assert "&lt;/textarea&gt;&lt;script&gt;alert(2)&lt;/script&gt;</textarea>" in page_a
    page_b = partner_b.get(url_b).get_data(as_text=True)
    assert "alert(" not in page_b
    assert _normal(re.sub(r'name="csrf_token" value="[^"]*"', "", page_b)) == _normal(
        re.sub(r'name="csrf_token" value="[^"]*"', "", before_b)
    )
    assert question_html.cached_versions(partner_a.client.application) >= 1


def test_the_kept_html_follows_the_templates(browser, ids):
    """Templates reloaded (as in development, after a change) make the kept HTML anew: a page never shows HTML
    rendered from a template that is gone."""
    partner = browser("partner_a")
    url = f"/a/{ids['a_self']}/s/people"
    app = partner.client.application
    first = partner.get(url).get_data(as_text=True)
    kept = app.extensions["ddq.question_html"]
    assert question_html.cached_versions(app) == 1
    app.jinja_env.cache.clear()  # what a reload does: the next look-up compiles the template again
    assert partner.get(url).get_data(as_text=True) == first
    assert app.extensions["ddq.question_html"] is not kept and question_html.cached_versions(app) == 1
