"""One meaning for `show_if`: the page's evaluator (ddq.js, in Chromium) and the server's (ddq.core.conditions)
agree on thousands of generated conditions and answer sets.

Each answer set is what a respondent typed or picked. The server side normalises it as a save does
(`TYPES[...].normalise`, N/A and blanks as nothing); the page side builds the section form's inputs as the
widgets render them (radios, level radios, checkboxes, number and text fields, N/A boxes), with the saved
values in `data-values`, and reads them with ddq.js's own `liveValues`. All cases run in one browser call.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from types import SimpleNamespace

import ddq
from ddq.core.conditions import parse
from ddq.core.questions import TYPES

DDQ_JS = Path(ddq.__file__).parent / "web" / "static" / "ddq.js"
SEED = 20260409
ANSWER_SETS = 700
CONDITIONS_PER_SET = 5

CHOICES = {
    "kind": ["ngo", "university", "1_3", "10", "9", "007"],
    "aud": ["media", "research", "policy", "10"],
    "aud2": ["media", "research", "policy", "10"],
}
QUESTIONS = {  # id: type; "constructor" checks that a question id is never read from a JavaScript prototype
    "uses": "yes_no",
    "audit": "yes_no",
    "kind": "single_choice",
    "aud": "multi_choice",
    "aud2": "multi_choice",
    "level": "maturity",
    "staff": "number",
    "budget": "number",
    "share": "percent",
    "note": "short_text",
    "constructor": "short_text",
    "detail": "long_text",
    "since": "date",
}
WIDGET = {
    "yes_no": "radio",
    "single_choice": "radio",
    "maturity": "levels",
    "multi_choice": "checkbox",
    "number": "number",
    "percent": "number",
    "short_text": "text",
    "long_text": "textarea",
    "date": "date",
}
TYPED_NUMBERS = [
    "0", "-0", "1", "2", "3", "4", "5", "10", "-1", "-2.5", "2.5", "0.5", ".5", "5.", "+4", "2.50", "1,000",
    "1,234.5", " 12 ", "1e3", "1.5E-3", "1_000", "100", "9007199254740993", "9007199254740992", "1 000", "0.1",
]  # fmt: skip
TYPED_PERCENTS = ["0", "12.5", "50%", " 100 % ", "99.9", "5", "10"]
TEXTS = [
    "yes", "no", "Yes", "TRUE", "true", "5", "10", "2.5", "-1", "1e3", "0x10", "inf", "nan", "1_000", " 7 ",
    "1,000", "abc", "ngo", "media", "1_3", "é", "\U0001f600", "\uffff", "  padded  ", "\u3000wide\u3000", "10.0",
]  # fmt: skip
DATES = ["2024-01-05", "2023-12-31", "2025-06-30"]
LITERALS = [
    "'yes'", "'no'", "'Yes'", "'true'", "'ngo'", "'university'", "'1_3'", "'10'", "'9'", "'007'", "'media'",
    "'research'", "'policy'", "''", "'abc'", "'5'", "'2.5'", "'-1'", "' 5'", "'1e3'", "'0x10'", "'é'",
    "'\U0001f600'", "'\uffff'", "'2024-01-05'", '"padded"', "0", "1", "2", "3", "4", "5", "10", "-1", "-2.5",
    "0.5", "2.5", "1.0", "100", "1000", "12.5", "9007199254740992", "true", "false",
]  # fmt: skip
OPERATORS = ["=", "==", "!=", "<", "<=", ">", ">="]


def _choice_of(rng: random.Random, question_id: str) -> str:
    kind = QUESTIONS[question_id]
    if kind == "yes_no":
        return rng.choice(["yes", "no"])
    if kind == "maturity":
        return rng.choice(["1", "2", "3", "4"])
    return rng.choice(CHOICES[question_id])


def _typed(rng: random.Random, question_id: str):
    """What the respondent entered: a radio value, a list of ticked boxes, or typed text."""
    kind = QUESTIONS[question_id]
    if kind in {"yes_no", "single_choice", "maturity"}:
        return _choice_of(rng, question_id)
    if kind == "multi_choice":
        return rng.sample(CHOICES[question_id], rng.randint(0, 3))
    if kind == "number":
        return rng.choice(TYPED_NUMBERS)
    if kind == "percent":
        return rng.choice(TYPED_PERCENTS)
    if kind == "date":
        return rng.choice(DATES)
    text = rng.choice(TEXTS)
    return text.replace(" ", "\n", 1) if kind == "long_text" else text


def _answer_set(rng: random.Random) -> list[dict]:
    answers = []
    for question_id, kind in QUESTIONS.items():
        state = rng.choices(["typed", "blank", "na"], weights=[6, 2, 1])[0]
        blank = rng.choice(["", "  "]) if WIDGET[kind] in {"text", "textarea", "number"} else ""
        if kind == "multi_choice":
            blank = []
        answers.append(
            {
                "id": question_id,
                "widget": WIDGET[kind],
                "choices": ["1", "2", "3", "4"] if kind == "maturity" else CHOICES.get(question_id, ["yes", "no"]),
                "typed": _typed(rng, question_id) if state == "typed" else blank,
                "na": state == "na",
                "on_page": rng.random() < 0.7,
            }
        )
    return answers


def _server_value(answer: dict):
    """The value a save stores (ddq.web.questionform.posted_answer, then ddq.store.operations.save_draft_answer)."""
    raw = answer["typed"].strip() if isinstance(answer["typed"], str) else answer["typed"]
    if answer["na"] or raw in ("", []):
        return None
    question = SimpleNamespace(choices=[SimpleNamespace(value=value) for value in answer["choices"]])
    return TYPES[QUESTIONS[answer["id"]]].normalise(raw, question)


def _operand(rng: random.Random, depth: int) -> str:
    roll = rng.random()
    name = rng.choice(list(QUESTIONS))
    if roll < 0.4:
        return name
    if roll < 0.65:
        return rng.choice(LITERALS)
    if roll < 0.75:
        return f"count_selected({rng.choice([name, 'aud', 'aud2'])})"
    if roll < 0.8:
        return f"answered({name})"
    if roll < 0.85 or depth <= 0:
        target = rng.choice([name, "aud", "kind", "level"])
        value = _choice_of(rng, target) if target in CHOICES or target == "level" else rng.choice(["yes", "", "5"])
        return f"selected({target}, '{value}')"
    return f"({_expression(rng, depth - 1)})"


def _comparison(rng: random.Random, depth: int) -> str:
    roll = rng.random()
    left = _operand(rng, depth)
    if roll < 0.6:
        return f"{left} {rng.choice(OPERATORS)} {_operand(rng, depth)}"
    if roll < 0.85:
        options = ", ".join(rng.sample(LITERALS, rng.randint(1, 4)))
        return f"{left} {rng.choice(['in', 'not in'])} [{options}]"
    return left  # a bare value, read as true or false


def _expression(rng: random.Random, depth: int = 2) -> str:
    roll = rng.random()
    if depth <= 0 or roll < 0.45:
        return _comparison(rng, depth)
    if roll < 0.6:
        return f"not {_expression(rng, depth - 1)}"
    joiner = rng.choice([" and ", " or "])
    return joiner.join(_expression(rng, depth - 1) for _ in range(rng.randint(2, 3)))


def _cases() -> list[dict]:
    rng = random.Random(SEED)
    cases = []
    for _ in range(ANSWER_SETS):
        answers = _answer_set(rng)
        server = {answer["id"]: _server_value(answer) for answer in answers}
        conditions = [parse(_expression(rng)) for _ in range(CONDITIONS_PER_SET)]
        cases.append(
            {
                "answers": answers,
                "saved": {key: value for key, value in server.items() if value is not None},
                "sources": [condition.source for condition in conditions],
                "trees": [condition.as_data() for condition in conditions],
                "server": [condition.evaluate(server) for condition in conditions],
            }
        )
    return cases


# Builds each answer set as a section form (markup as ddq/web/templates/respond/_widgets.html renders it),
# reads it with ddq.js's liveValues and evaluates every condition as applySkipLogic does.
# Cases go in and results come out as one JSON string: Playwright is slow with deep structures.
PAGE_SIDE = """
(text) => JSON.stringify(JSON.parse(text).map((c) => {
  const form = document.createElement("form");
  form.className = "section-form";
  form.setAttribute("data-values", JSON.stringify(c.saved));
  for (const a of c.answers.filter((a) => a.on_page)) {
    const wrap = document.createElement("div");
    wrap.setAttribute("data-question", a.id);
    const name = "q_" + a.id;
    const add = (tag, attrs) => {
      const el = document.createElement(tag);
      for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
      wrap.appendChild(el);
      return el;
    };
    if (["radio", "levels", "checkbox"].includes(a.widget)) {
      const type = a.widget === "checkbox" ? "checkbox" : "radio";
      for (const value of a.choices) {
        const input = add("input", {type: type, name: name, value: value});
        if (a.widget === "levels") input.setAttribute("data-number", "");
        input.checked = type === "checkbox" ? a.typed.includes(value) : a.typed === value;
      }
    } else if (a.widget === "textarea") {
      add("textarea", {id: name, name: name}).value = a.typed;
    } else {
      const attrs = {type: a.widget === "date" ? "date" : "text", id: name, name: name};
      if (a.widget === "number") attrs.inputmode = "decimal";
      add("input", attrs).value = a.typed;
    }
    add("input", {type: "checkbox", id: "na_" + a.id, name: "na_" + a.id, value: "y"}).checked = a.na;
    form.appendChild(wrap);
  }
  document.body.appendChild(form);
  const values = window.ddqConditions.liveValues(form);
  form.remove();
  return c.trees.map((tree) => window.ddqConditions.shows(tree, values));
}))
"""


def test_page_and_server_agree_on_generated_conditions(chromium):
    cases = _cases()
    page = chromium.new_page()
    try:
        page.goto("about:blank")
        page.add_script_tag(path=str(DDQ_JS))
        results = json.loads(page.evaluate(PAGE_SIDE, json.dumps(cases)))  # one string each way: fast
    finally:
        page.close()
    divergent = [
        {
            "condition": source,
            "server": expected,
            "page": got,
            "typed": {a["id"]: [a["typed"], a["na"], a["on_page"]] for a in case["answers"] if a["id"] in names},
            "saved": {key: value for key, value in case["saved"].items() if key in names},
        }
        for case, page_results in zip(cases, results, strict=True)
        for source, expected, got in zip(case["sources"], case["server"], page_results, strict=True)
        if expected is not got
        for names in [parse(source).names()]
    ]
    total = sum(len(case["sources"]) for case in cases)
    assert not divergent, f"{len(divergent)} of {total} differ ([typed, N/A, on the page]), e.g.\n" + "\n".join(
        json.dumps(case, ensure_ascii=False) for case in divergent[:8]
    )


def test_the_generated_cases_cover_the_language():
    """The generator reaches every construct and both outcomes, so agreement means something."""
    cases = _cases()
    sources = " ".join(source for case in cases for source in case["sources"])
    for construct in [*OPERATORS, " in [", " not in [", " and ", " or ", "not ", "(", "answered(", "selected(",
                      "count_selected(", "true", "false", "-2.5", "'"]:  # fmt: skip
        assert construct in sources, construct
    outcomes = [result for case in cases for result in case["server"]]
    assert len(outcomes) >= 3000
    assert 0.2 < sum(outcomes) / len(outcomes) < 0.8
    saved = [case["saved"] for case in cases]
    assert any("aud" not in values for values in saved)
    assert any(isinstance(values.get("staff"), float) for values in saved)
    assert any(isinstance(values.get("level"), int) for values in saved)
