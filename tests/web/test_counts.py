"""One count of the questions asked on every page: the request page, its section menu, the review before submitting
and the burden estimate all say the same number for the same request."""

import re

import pytest

from ddq.store.models import Assessment


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def counts(client, assessment_id: int, section_id: str) -> dict[str, int]:
    """The number of questions asked, as each page states it."""
    request_page = page(client, f"/a/{assessment_id}")
    [estimated] = re.findall(r"about \d+ minutes, (\d+) questions?", request_page)
    section_rows = re.findall(r"<td>(\d+) / (\d+)</td>", request_page)
    menu = page(client, f"/a/{assessment_id}/s/{section_id}")
    [(_, menu_total)] = re.findall(r"(\d+) of (\d+) answered", menu)
    menu_rows = re.findall(r'<span class="state">[^<,]+, (\d+)/(\d+)</span>', menu)
    review = page(client, f"/a/{assessment_id}/review")
    [review_total] = re.findall(r'<p id="answered-count">\d+ of (\d+) questions? answered', review)
    return {
        "request page, estimate": int(estimated),
        "request page, sections": sum(int(total) for _, total in section_rows),
        "section menu": int(menu_total),
        "section menu, sections": sum(int(total) for _, total in menu_rows),
        "review page": int(review_total),
    }


def estimated(data, assessment_id: int) -> int:
    """The burden estimate of the request, as staff see it."""
    from ddq.store.operations import questionnaire_of
    from ddq.store.queries import estimate_for

    with data() as session:
        assessment = session.get(Assessment, assessment_id)
        return estimate_for(assessment, questionnaire_of(assessment.questionnaire_version)).items


def first_section(data, assessment_id: int) -> str:
    from ddq.store.operations import questionnaire_of
    from ddq.store.queries import progress

    with data() as session:
        assessment = session.get(Assessment, assessment_id)
        return progress(assessment, questionnaire_of(assessment.questionnaire_version))[0]["section"].id


@pytest.mark.parametrize(("who", "which"), [("partner_a", "a_self"), ("partner_b", "b_self"), ("staff", "disclosure")])
def test_every_page_counts_the_same_questions(browser, ids, data, who, which):
    with data() as session:
        session.get(Assessment, ids[which]).status = "in_progress"
        session.commit()
    client = browser(who)
    client.post("/language", data={"lang": "en"})
    stated = counts(client, ids[which], first_section(data, ids[which]))
    stated["burden estimate"] = estimated(data, ids[which])
    assert len(set(stated.values())) == 1, stated


def test_the_demo_request_hides_questions_by_its_answers(data, ids):
    """So that the comparison above means something: skip logic hides some of a_self's conditional questions."""
    from ddq.store.operations import questionnaire_of
    from ddq.store.queries import given_values

    with data() as session:
        assessment = session.get(Assessment, ids["a_self"])
        questionnaire = questionnaire_of(assessment.questionnaire_version)
        values = given_values({answer.question_id: answer for answer in assessment.answers})
        assert any(q.show_if is not None and not q.show_if.evaluate(values) for q in questionnaire.questions)
