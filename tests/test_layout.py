"""The house rules a newcomer relies on: a question type lives in one place, and modules stay readable."""

import re

from ddq.core.questions import TYPES
from tests.conftest import ROOT

PACKAGE = ROOT / "ddq"
#: The two places allowed to know question types by name: the type classes and the widget table.
TYPE_HOMES = {*(PACKAGE / "core" / "questions").glob("*.py"), PACKAGE / "web" / "widgets.py"}
#: Type names that are not also everyday words of the code ("number", "date" are JavaScript's and the parser's too).
TYPE_NAMES = "|".join(sorted(name for name in TYPES if name not in {"number", "date", "email", "document"}))
BRANCHES = [
    re.compile(r"""\b(q|question|item|content|base|answer)\.type\s*(==|!=|\bin\b|\bnot in\b)\s*[^\s\w]"""),
    re.compile(r"""(==|!=)\s*["'](""" + TYPE_NAMES + r""")["']"""),
    re.compile(r"""\bin\s*[\[({][^\])}]*["'](""" + TYPE_NAMES + r""")["']"""),
    re.compile(r"""["'](""" + TYPE_NAMES + r""")["']\s*(==|!=)"""),
]


def _sources():
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix in {".py", ".html", ".js", ".txt"} and "migrations" not in path.parts:
            yield path


def test_no_code_outside_the_type_classes_branches_on_a_type_name():
    found = []
    for path in _sources():
        if path in TYPE_HOMES:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if any(pattern.search(line) for pattern in BRANCHES):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


def test_the_branch_check_would_see_a_branch():
    samples = ['if question.type == "rating":', '{% if q.type in ("yes_no", "maturity") %}', "kind == 'maturity'"]
    assert all(any(pattern.search(sample) for pattern in BRANCHES) for sample in samples)


def test_every_type_has_one_widget_whose_macro_exists():
    from ddq.web.widgets import WIDGETS

    assert set(WIDGETS) == set(TYPES)
    macros = set(
        re.findall(
            r"{%\s*macro\s+(\w+)\(", (PACKAGE / "web" / "templates" / "respond" / "_widgets.html").read_text()
        )
    )
    assert {widget.macro for widget in WIDGETS.values()} <= macros


def test_no_module_is_over_600_lines():
    long = {
        str(path.relative_to(ROOT)): count
        for path in PACKAGE.rglob("*.py")
        if "migrations" not in path.parts and (count := len(path.read_text(encoding="utf-8").splitlines())) > 600
    }
    assert long == {}
