import pytest

from ddq.core.conditions import ConditionError, parse


@pytest.mark.parametrize(
    ("source", "answers", "expected"),
    [
        ("uses = 'yes'", {"uses": "yes"}, True),
        ("uses == 'yes'", {"uses": "no"}, False),
        ("uses != 'yes'", {"uses": "no"}, True),
        ("uses != 'yes'", {}, True),  # unanswered is "not yes"
        ("uses = 'yes'", {}, False),
        ("staff > 5", {"staff": 12}, True),
        ("staff > 5", {"staff": "12"}, True),  # typed text compares as a number
        ("staff >= 5 and staff < 10", {"staff": 10}, False),
        ("staff < 5 or level = 4", {"staff": 10, "level": 4}, True),
        ("not staff < 5", {"staff": 10}, True),
        ("not (a = 1 or b = 2)", {"a": 1}, False),
        ("level in [3, 4]", {"level": 3}, True),
        ("level not in [3, 4]", {"level": 3}, False),
        ("level in [3, 4]", {}, False),
        ("answered(x)", {"x": ""}, False),
        ("answered(x)", {"x": 0}, True),
        ("selected(aud, 'media')", {"aud": ["media", "researchers"]}, True),
        ("selected(aud, 'media')", {"aud": ["researchers"]}, False),
        ("selected(kind, 'ngo')", {"kind": "ngo"}, True),
        ("count_selected(aud) >= 2", {"aud": ["a", "b"]}, True),
        ("flag = true", {"flag": True}, True),
        ("x = \u2018yes\u2019", {"x": "yes"}, True),  # smart quotes pasted from a word processor
        ("level > 'abc'", {"level": 3}, False),  # incomparable values are simply false
    ],
)
def test_evaluates(source, answers, expected):
    assert parse(source).evaluate(answers) is expected


def test_names_lists_every_question_read():
    condition = parse("a = 'yes' and (selected(b, 'x') or not answered(c)) and d in [1, 2]")
    assert condition.names() == {"a", "b", "c", "d"}


def test_selections_pair_questions_with_the_values_they_are_compared_to():
    condition = parse("a = 'yes' or selected(b, 'x') or c in ['p', 'q'] or n > 3")
    assert set(condition.selections()) == {("a", "yes"), ("b", "x"), ("c", "p"), ("c", "q")}


@pytest.mark.parametrize(
    ("source", "fragment"),
    [
        ("", "empty condition"),
        ("a = ", "expected a value"),
        ("a = 'yes' and", "expected a value"),
        ("(a = 1", "expected )"),
        ("a === 1", "expected a value"),
        ("a = 1 b = 2", "unexpected 'b'"),
        ("__import__('os').system('true')", "unexpected character '.'"),
        ("__import__('os')", "unknown function '__import__'"),
        ("open('/etc/passwd')", "unknown function 'open'"),
        ("a.b = 1", "unexpected character '.'"),
        ("a not 1", "expected 'in' after 'not'"),
        ("selected(a)", "expected ,"),
        ("a = 'unterminated", "unexpected character"),
    ],
)
def test_rejects_what_is_not_the_language(source, fragment):
    with pytest.raises(ConditionError) as caught:
        parse(source)
    assert fragment in str(caught.value)


def test_error_points_at_the_character():
    with pytest.raises(ConditionError) as caught:
        parse("a = 1 and ; b")
    assert caught.value.position == 10


@pytest.mark.parametrize(
    ("source", "answers", "expected"),
    [
        # booleans are not numbers: `flag = 1` is not "flag is true"
        ("flag = 1", {"flag": True}, False),
        ("flag != 1", {"flag": True}, True),
        ("true = 1", {}, False),
        ("false < 1", {}, False),
        ("true in [1, 2]", {}, False),
        ("flag = true", {"flag": True}, True),
        # an empty multi-choice or a blank text is nothing, as unanswered is
        ("aud not in ['media']", {"aud": []}, False),
        ("aud != 'media'", {"aud": []}, True),
        ("note < 'b'", {"note": ""}, False),
        ("note not in ['x']", {"note": ""}, False),
        ("count_selected(note)", {"note": ""}, False),
        ("count_selected(note) = 1", {"note": "text"}, True),
        # lists are equal item by item, and never ordered
        ("aud = aud2", {"aud": ["a", "b"], "aud2": ["a", "b"]}, True),
        ("aud != aud2", {"aud": ["a"], "aud2": ["a", "b"]}, True),
        ("aud < aud2", {"aud": ["a"], "aud2": ["b"]}, False),
        ("aud >= aud2", {"aud": ["a"], "aud2": ["a"]}, False),
        # only a plain decimal text is a number
        ("note > 5", {"note": "1_000"}, False),
        ("note > 5", {"note": "inf"}, False),
        ("note != 5", {"note": "nan"}, True),
        ("note = 16", {"note": "0x10"}, False),
        ("' 5' = 5", {}, False),
        ("note = 1000", {"note": "1e3"}, True),
        ("note >= 2.5", {"note": "2.50"}, True),
        # numbers compare as double-precision floats, as in the browser
        ("n = 9007199254740992", {"n": 9007199254740993}, True),
        ("n > 1", {"n": 10**400}, True),
        # selected() on a single value means `=`
        ("selected(n, '0.00001')", {"n": 0.00001}, True),
        ("selected(level, '3')", {"level": 3}, True),
        ("selected(level, '3.0')", {"level": 3}, True),
        ("selected(note, '')", {"note": ""}, False),
    ],
)
def test_one_meaning_with_the_browser(source, answers, expected):
    """Rules the browser's copy of the evaluator (ddq.js) shares; see tests/e2e/test_condition_parity.py."""
    assert parse(source).evaluate(answers) is expected
