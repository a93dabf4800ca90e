"""The benchmark's section of 40 questions stays within 100 KB with its CSS and JS, unanswered and answered, and
what was cut for it cost no label: every field of the page has one, and every id a field points at is there."""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser

import pytest

from bench.run import section_page_app
from ddq.library import current_library
from ddq.web.uploads import SIGNATURES, accepted_files

LIMIT = 100 * 1024
STATIC = ("ddq.css", "ddq.js")


@pytest.fixture
def bench_section(tmp_path):
    """The app, client and section URL `bench/run.py section` measures (its access log quietened as there)."""
    access = logging.getLogger("ddq.access")
    handlers, propagate = list(access.handlers), access.propagate
    try:
        yield section_page_app(tmp_path)
    finally:
        access.handlers[:], access.propagate = handlers, propagate


def weight(client, page: bytes) -> int:
    """The page's bytes and its CSS and JS, as the bench adds them up."""
    total = len(page)
    for name in STATIC:
        with client.get(f"/static/{name}") as response:
            total += len(response.data)
    return total


def answer_everything(app, client, url) -> None:
    """The bench's answers: the first choice or a typed text, and a comment, on every question."""
    with app.app_context():
        questions = current_library().questionnaire("bench").questions
    posted = {"present": [question.id for question in questions], "save": "1"}
    for question in questions:
        typed = "A few words, with <angle brackets> & an ampersand"
        posted[f"q_{question.id}"] = str(question.choices[0].value) if question.choices else typed
        posted[f"comment_{question.id}"] = "Checked with the finance team."
    assert client.post(url, data=posted).status_code == 302


class _Fields(HTMLParser):
    """The page's ids, labels, fields and the ids they point at."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.label_for: set[str] = set()
        self.open_labels = 0
        self.unlabelled: list[str] = []
        self.pointers: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs) -> None:
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "label":
            self.open_labels += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        for pointer in ("aria-describedby", "for"):
            for target in (attrs.get(pointer) or "").split():
                self.pointers.append((pointer, target))
        is_field = tag in ("textarea", "select") or (tag == "input" and attrs.get("type") not in ("hidden", "submit"))
        if is_field and not self.open_labels and not attrs.get("aria-label"):
            self.unlabelled.append(attrs.get("id") or attrs.get("name") or tag)

    def handle_endtag(self, tag) -> None:
        if tag == "label":
            self.open_labels -= 1

    def check(self) -> list[str]:
        problems = [f"{name}: no label around it and none for it" for name in self.unlabelled if name not in
                    self.label_for]
        problems += [f"id {id_} is used twice" for id_ in {id_ for id_ in self.ids if self.ids.count(id_) > 1}]
        problems += [f"{pointer}={target}: no such id" for pointer, target in self.pointers if target not in self.ids]
        return problems


def test_the_bench_section_with_its_css_and_js_weighs_at_most_100_kb(bench_section):
    app, client, url = bench_section
    page = client.get(url)
    assert page.status_code == 200 and page.data.count(b'class="question') == 40
    unanswered = weight(client, page.data)
    assert unanswered <= LIMIT, f"the section page weighs {unanswered / 1024:.1f} KB with its CSS and JS"
    answer_everything(app, client, url)
    answered = client.get(url).data
    assert len(re.findall(rb'<input type="radio"[^>]* checked>', answered)) == 40
    assert answered.count(b"Checked with the finance team.") == 40
    total = weight(client, answered)
    assert total <= LIMIT, f"the answered section page weighs {total / 1024:.1f} KB with its CSS and JS"


def test_every_field_of_the_bench_section_keeps_its_label_and_description(bench_section):
    app, client, url = bench_section
    for answered in (False, True):
        if answered:
            answer_everything(app, client, url)
        html = client.get(url).get_data(as_text=True)
        fields = _Fields()
        fields.feed(html)
        assert fields.check() == []
        assert html.count('aria-describedby="comment-limit"') == 40
        assert html.count('id="comment-limit">Comment: Up to 4,000 characters.</p>') == 1


def test_file_inputs_name_the_accepted_extensions_only():
    """The filter is a help to pick a file (browsers match it by extension); the upload check reads the file."""
    assert accepted_files().split(",") == [f".{extension}" for extension in SIGNATURES]
