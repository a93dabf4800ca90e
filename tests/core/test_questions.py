import pytest

from ddq.core.definitions import Choice, Question, Text
from ddq.core.questions import TYPES, AnswerError


def question(kind, **fields):
    return Question(id="q", type=kind, text=Text.of(en="Q?"), **fields)


CHOICES = (Choice("a", Text.of(en="A")), Choice("b", Text.of(en="B")), Choice("1", Text.of(en="One")))


@pytest.mark.parametrize(
    ("kind", "raw", "expected", "fields"),
    [
        ("yes_no", "Yes", "yes", {}),
        ("yes_no", "oui", "yes", {}),
        ("yes_no", False, "no", {}),
        ("single_choice", "b", "b", {"choices": CHOICES}),
        ("single_choice", 1.0, "1", {"choices": CHOICES}),  # spreadsheets hand numbers over as floats
        ("multi_choice", ["b", "a", "b"], ["a", "b"], {"choices": CHOICES}),
        ("maturity", "3", 3, {}),
        ("number", "1,200", 1200, {}),
        ("number", "2.5", 2.5, {}),
        ("money", "15000.50", 15000.5, {}),
        ("percent", "45%", 45, {}),
        ("rating", "7", 7, {"minimum": 1, "maximum": 7}),
        ("date", "2026-03-01", "2026-03-01", {}),
        ("short_text", "  Registered in 2001  ", "Registered in 2001", {}),
    ],
)
def test_normalises_valid_answers(kind, raw, expected, fields):
    assert TYPES[kind].normalise(raw, question(kind, **fields)) == expected


@pytest.mark.parametrize(
    ("kind", "raw", "fields", "message"),
    [
        ("yes_no", "maybe", {}, "answer yes or no"),
        ("single_choice", "c", {"choices": CHOICES}, "not one of the choices"),
        ("multi_choice", ["a", "z"], {"choices": CHOICES}, "not among the choices: z"),
        ("maturity", "5", {}, "from 1 to 4"),
        ("maturity", "high", {}, "from 1 to 4"),
        ("number", "twelve", {}, "enter a number"),
        ("number", "NaN", {}, "enter a number"),
        ("number", "-1", {"minimum": 0}, "enter 0 or more"),
        ("money", "-5", {}, "zero or more"),
        ("percent", "120", {}, "from 0 to 100"),
        ("rating", "8", {"minimum": 1, "maximum": 7}, "7 or less"),
        ("rating", "6.5", {"minimum": 1, "maximum": 7}, "whole number"),
        ("date", "31/12/2026", {}, "YYYY-MM-DD"),
        ("short_text", "x" * 501, {}, "under 500 characters"),
    ],
)
def test_refuses_answers_that_do_not_fit(kind, raw, fields, message):
    with pytest.raises(AnswerError, match=message):
        TYPES[kind].normalise(raw, question(kind, **fields))


def test_burden_defaults_follow_the_methodology():
    minutes = {name: kind.default_minutes for name, kind in TYPES.items()}
    assert minutes["yes_no"] == 0.25 and minutes["maturity"] == 1 and minutes["money"] == 3
    assert minutes["short_text"] == 5 and minutes["long_text"] == 15 and minutes["document"] == 3
