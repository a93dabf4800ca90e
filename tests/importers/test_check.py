"""The converted definition is checked as the file it will be: its YAML text read back beside the library, not the
dict it was made from. What the check returns is what `ddq check` reads from the written file."""

import datetime as dt
import os

import pytest

from ddq.core.definitions import check_library, definition_hash, questionnaire_to_data
from ddq.importers.frame import ImportResult, _checked, write_definition
from ddq.importers.intake import TemplateError

#: Texts YAML would read as something else if they were written bare (booleans, numbers, null, dates, merge keys),
#: and characters a writer must escape or quote (line separators, a byte-order mark, quotes, comment marks).
AWKWARD = [
    "yes", "no", "on", "off", "True", "1e3", "1.0", "010", "0x1F", "0o17", ".inf", "null", "~", "", "2026-01-01",
    "2026-01-01 10:00:00", "<<", "=", "- item", "# not a comment", "a: b", "'quoted'", '"double"', "trailing  ",
    "  leading", "two\nlines\n", "tab\there", "line\u2028separator", "next\x85line", "\ufeffmark", "\\back", "@at",
    "%percent", "!bang", "&anchor", "*alias", "{flow}", "[list]", "|", ">", "?", "x" * 300,
]  # fmt: skip


def _definition(version, choices, texts):
    questions = [{"id": f"q{n}", "type": "short_text", "text": {"en": text or "empty"}} for n, text in texts]
    questions.append({"id": "pick", "type": "single_choice", "text": {"en": "Pick one"}, "choices": choices})
    return {
        "id": "funder-awkward",
        "version": version,
        "direction": "partner_self",
        "title": {"en": "Funder"},
        "purpose": {"en": "Due diligence."},
        "visible_to": {"en": "The funder."},
        "mandated_by": "Fund",
        "provenance": {"funder": "Fund", "source": "awkward.xlsx", "sha256": "0" * 64, "imported_at": "2026-01-01"},
        "sections": [{"id": "s", "title": {"en": "S"}, "questions": questions}],
    }


def _as_written(definition, root):
    """The questionnaire `ddq check` reads once the definition is written beside the library."""
    write_definition(ImportResult(definition, [], 0, {}, {}), root)
    library, problems = check_library(root)
    assert problems == []
    return library.questionnaire(definition["id"])


def test_the_check_holds_what_the_written_file_holds(library_copy):
    choices = [{"value": value, "label": {"en": value or "blank"}, "score": 1} for value in AWKWARD if value]
    # a version given as a date is written bare (2026-03-01) and read back as the text '2026-03-01', as ddq check
    # reads it: the dict's date itself is not valid ('version' must be text), the file is
    definition = _definition(dt.date(2026, 3, 1), choices, enumerate(AWKWARD))
    checked = _checked(definition, library_copy)
    assert checked.version == "2026-03-01"
    assert [choice.value for choice in checked.question("pick").choices] == [value for value in AWKWARD if value]
    texts = [checked.question(f"q{n}").text.get() for n, _ in enumerate(AWKWARD)]
    assert texts == [text.strip() or "empty" for text in AWKWARD]  # the reader trims texts
    written = _as_written(definition, library_copy)
    assert questionnaire_to_data(checked) == questionnaire_to_data(written)
    assert definition_hash(checked) == definition_hash(written)


def test_a_problem_is_named_by_the_line_it_will_have_in_the_written_file(library_copy, tmp_path):
    choices = [{"value": "a", "label": {"en": "A"}, "score": 9}, {"value": "b", "label": {"en": "B"}}]
    definition = _definition("1", choices, [])
    with pytest.raises(TemplateError) as error:
        _checked(definition, library_copy)
    [problem] = error.value.problems
    lines = write_definition(ImportResult(definition, [], 0, {}, {}), tmp_path).read_text(encoding="utf-8")
    line = lines.splitlines().index("      score: 9") + 1
    assert f"funder-awkward.yaml:{line}: [pick] choice score 9 is out of range" in problem.message
    assert not (library_copy / "funder-awkward.yaml").exists()


def test_the_library_is_read_again_when_a_file_changed_in_place(library_copy):
    """The library's files are reused by content, not by their size or time: a file rewritten with the same size
    and time is read again."""
    definition = _definition("1", [{"value": "a", "label": {"en": "A"}}], [(0, "Text")])
    _checked(definition, library_copy)
    domains = library_copy / "domains.yaml"
    before, stat = domains.read_text(encoding="utf-8"), domains.stat()
    domains.write_text(before.replace("domains:", "domainz:", 1), encoding="utf-8")
    os.utime(domains, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert domains.stat().st_size == stat.st_size and domains.stat().st_mtime_ns == stat.st_mtime_ns
    with pytest.raises(TemplateError, match="domainz"):
        _checked(definition, library_copy)
    domains.write_text(before, encoding="utf-8")
    assert _checked(definition, library_copy).id == "funder-awkward"
