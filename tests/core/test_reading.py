"""Reading definition files: the YAML reader builds what PyYAML's own constructor builds, texts not yet written are
read as the files they will be, and a folder read again by its content gives each caller a library of its own."""

import gc
import threading
from pathlib import Path

import pytest
import yaml

from ddq.core.definitions import check_library
from ddq.core.yamlfile import LinedDict, YamlError, _Loader, collection_paused, load_yaml

ROOT = Path(__file__).resolve().parents[2]

SNIPPETS = [
    "a: &x [1, {b: c}]\nb: *x\n",
    "base: &b {x: 1, y: 2}\nitem:\n  <<: *b\n  y: 3\n",
    "a: 1\nb: 2\na: 3\n",
    "a: !!set {x, y}\nb: !!omap [c: 1]\nc: !!binary aGVsbG8=\n",
    "- yes\n- no\n- on\n- true\n- 2026-01-01\n- 1e3\n- 1.5\n- 0x1F\n- ~\n- ''\n",
    "1: one\n2.5: two\nnested:\n  - [a, [b, {c: d}]]\n",
    "",
    "just text",
]
REFUSED = ["a: &x [1, *x]\n", "a: &x {b: *x}\n", "? [1]\n: 2\n", "a: !custom x\n", "a: [1\n", "--- 1\n--- 2\n"]


def _pyyaml(text):
    return yaml.load(text, Loader=_Loader)  # the reader's own safe loader, built by PyYAML's constructor


def _same(mine, theirs, where="top"):
    assert type(mine) is type(theirs), where
    if isinstance(mine, LinedDict):
        lines = (theirs.line, theirs.key_lines, theirs.duplicate_keys)
        assert (mine.line, mine.key_lines, mine.duplicate_keys) == lines, where
    if isinstance(mine, dict):
        assert list(mine) == list(theirs), where
        for key in mine:
            _same(mine[key], theirs[key], f"{where}.{key}")
    elif isinstance(mine, list):
        assert len(mine) == len(theirs), where
        for index, (one, other) in enumerate(zip(mine, theirs, strict=True)):
            _same(one, other, f"{where}[{index}]")
    else:
        assert mine == theirs, where


@pytest.mark.parametrize("text", SNIPPETS)
def test_the_reader_builds_what_pyyaml_builds(text):
    _same(load_yaml(text), _pyyaml(text))


def test_every_shipped_file_reads_as_pyyaml_reads_it():
    files = sorted((ROOT / "questionnaires").rglob("*.yaml"))
    assert len(files) > 10
    for path in files:
        text = path.read_text(encoding="utf-8")
        _same(load_yaml(text), _pyyaml(text), path.name)


def test_an_alias_is_one_object_as_pyyaml_makes_it():
    data = load_yaml("a: &x [1]\nb: *x\n")
    assert data["a"] is data["b"]


def test_deeply_nested_mappings_are_read_without_running_out_of_stack():
    # PyYAML's constructor recursed once a level and ran out of stack between 400 and 500 levels: a traceback
    depth = 990
    text = "".join("  " * level + "k:\n" for level in range(depth)) + "  " * depth + "x\n"
    data = load_yaml(text)
    for _ in range(depth - 1):
        data = data["k"]
    assert data == {"k": "x"} and data.key_lines == {"k": depth}


@pytest.mark.parametrize("text", REFUSED)
def test_what_pyyaml_refuses_is_refused_with_its_line(text):
    with pytest.raises(yaml.YAMLError) as theirs:
        _pyyaml(text)
    with pytest.raises(YamlError) as mine:
        load_yaml(text)
    assert str(mine.value) == f"not valid YAML: {theirs.value.problem}"


def test_the_collector_is_restored_after_reading_and_when_paused_together():
    assert gc.isenabled()
    load_yaml("a: [1, 2]\n")
    with pytest.raises(YamlError):
        load_yaml("a: [1\n")
    assert gc.isenabled()
    inside, release = threading.Event(), threading.Event()

    def other():
        with collection_paused():
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other)
    thread.start()
    inside.wait(5)
    with collection_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other thread still reads
    release.set()
    thread.join(5)
    assert gc.isenabled()
    gc.disable()
    try:
        with collection_paused():
            pass
        assert not gc.isenabled()  # a collector turned off by its owner stays off
    finally:
        gc.enable()


def _questionnaire(questionnaire_id, question_text):
    return (
        f"id: {questionnaire_id}\nversion: '1'\ndirection: partner_self\ntitle: {{en: T}}\npurpose: {{en: P}}\n"
        f"visible_to: {{en: V}}\nsections:\n  - id: s\n    title: {{en: S}}\n    questions:\n"
        f"      - {{id: q, type: short_text, text: {{en: {question_text}}}}}\n"
    )


def test_a_text_not_yet_written_is_read_as_its_file(library_copy):
    path = library_copy / "funder-new.yaml"
    library, problems = check_library(library_copy, [path], texts={path: _questionnaire("funder-new", "Asked")})
    assert problems == [] and library.questionnaire("funder-new").question("q").text.get() == "Asked"
    assert not path.exists()
    _, problems = check_library(library_copy, [path], texts={path: _questionnaire("funder-new", "[broken")})
    assert [problem.line for problem in problems] == [11] and "funder-new.yaml" in problems[0].file


def test_a_text_given_for_a_file_of_the_folder_stands_for_its_content(library_copy):
    path = library_copy / "partner-feedback.yaml"
    before = path.read_text(encoding="utf-8")
    library, problems = check_library(library_copy, texts={path: _questionnaire("partner-feedback", "Instead")})
    assert problems == [] and library.questionnaire("partner-feedback").question("q").text.get() == "Instead"
    assert path.read_text(encoding="utf-8") == before
    library, problems = check_library(library_copy)
    assert problems == [] and len(library.questionnaire("partner-feedback").questions) > 1


def test_each_call_gets_a_library_of_its_own(library_copy):
    first, _ = check_library(library_copy)
    first.questionnaires.clear()
    first.bank.clear()  # type: ignore[attr-defined]
    second, problems = check_library(library_copy)
    assert problems == [] and second.questionnaires and second.bank
