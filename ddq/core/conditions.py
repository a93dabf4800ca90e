"""The condition language of `show_if`: parsed into a small tree and evaluated, never `eval`-ed.

Grammar (keywords are lower case)::

    expr       := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | comparison
    comparison := operand [ op operand | ["not"] "in" "[" literal ("," literal)* "]" ]
    op         := "=" | "==" | "!=" | "<" | "<=" | ">" | ">="
    operand    := NAME | literal | call | "(" expr ")"
    call       := "answered" "(" NAME ")" | "selected" "(" NAME "," STRING ")"
                | "count_selected" "(" NAME ")"
    literal    := STRING | NUMBER | "true" | "false"

A NAME is a question id; its value is the answer, or nothing when the question is unanswered, N/A, blank
text or a multi-choice with nothing selected. A value is nothing, a boolean, a number, a text or a list of
texts (a multi-choice). The browser evaluates the same tree (`Condition.as_data`) in ddq.js with the same
rules, and tests/e2e/test_condition_parity.py holds the two to identical results:

- comparisons with nothing are false, except `!=`, which is true; `in` and `not in` with nothing are false;
- a text that is a plain decimal number (``-12``, ``2.5``, ``1e3``; no spaces, commas or hex) compared with a
  number is that number; all numbers compare as double-precision floats, as in the browser;
- values of different kinds are not equal and not ordered: `true = 1` is false and `!=` is true;
- texts order by code point; lists are equal when they hold the same items in the same order, and never
  ordered; booleans order false before true;
- `selected(q, 'v')` is true when the list q holds 'v', or when q is not a list and `q = 'v'` holds;
- `count_selected(q)` is the size of the list q, else 1 when q is answered, else 0;
- as a condition, a text is true only when it is "yes" or "true" (any case); a number when it is not 0.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


class ConditionError(ValueError):
    """A condition that does not parse; `position` is the 0-based offset of the problem."""

    def __init__(self, message: str, position: int):
        super().__init__(f"{message} (at character {position + 1})")
        self.position = position


Answers = Mapping[str, Any]

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>-?\d+(?:\.\d+)?)
    | (?P<string>'[^']*'|"[^"]*")
    | (?P<op><=|>=|==|!=|=|<|>)
    | (?P<punct>[()\[\],])
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in", "true", "false"}
_FUNCTIONS = {"answered", "selected", "count_selected"}
_COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    position: int


def _tokenize(source: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    source = source.replace("\u2018", "'").replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    while position < len(source):
        if source[position:].strip() == "":
            break
        match = _TOKEN.match(source, position)
        if not match or match.end() == position:
            start = len(source) - len(source[position:].lstrip())
            raise ConditionError(f"unexpected character {source[start]!r}", start)
        kind = match.lastgroup or ""
        text = match.group(kind)
        start = match.start(kind)
        if kind == "name" and text in _KEYWORDS:
            kind = "keyword"
        tokens.append(_Token(kind, text, start))
        position = match.end()
    tokens.append(_Token("end", "", len(source)))
    return tokens


# --- the tree -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    value: Any

    def evaluate(self, answers: Answers) -> Any:
        return self.value

    def names(self) -> frozenset[str]:
        return frozenset()


@dataclass(frozen=True)
class Name:
    name: str

    def evaluate(self, answers: Answers) -> Any:
        return _value(answers, self.name)

    def names(self) -> frozenset[str]:
        return frozenset({self.name})


@dataclass(frozen=True)
class Answered:
    name: str

    def evaluate(self, answers: Answers) -> bool:
        return _is_answered(answers.get(self.name))

    def names(self) -> frozenset[str]:
        return frozenset({self.name})


@dataclass(frozen=True)
class Selected:
    name: str
    value: str

    def evaluate(self, answers: Answers) -> bool:
        answer = _value(answers, self.name)
        if isinstance(answer, (list, tuple)):
            return self.value in answer
        return _compare("=", answer, self.value)

    def names(self) -> frozenset[str]:
        return frozenset({self.name})


@dataclass(frozen=True)
class CountSelected:
    name: str

    def evaluate(self, answers: Answers) -> int:
        answer = _value(answers, self.name)
        if isinstance(answer, (list, tuple)):
            return len(answer)
        return 0 if answer is None else 1

    def names(self) -> frozenset[str]:
        return frozenset({self.name})


@dataclass(frozen=True)
class Compare:
    left: Node
    op: str
    right: Node

    def evaluate(self, answers: Answers) -> bool:
        return _compare(self.op, self.left.evaluate(answers), self.right.evaluate(answers))

    def names(self) -> frozenset[str]:
        return self.left.names() | self.right.names()


@dataclass(frozen=True)
class In:
    operand: Node
    options: tuple[Any, ...]
    negated: bool = False

    def evaluate(self, answers: Answers) -> bool:
        value = self.operand.evaluate(answers)
        if value is None:
            return False
        found = any(_compare("=", value, option) for option in self.options)
        return found != self.negated

    def names(self) -> frozenset[str]:
        return self.operand.names()


@dataclass(frozen=True)
class Not:
    operand: Node

    def evaluate(self, answers: Answers) -> bool:
        return not _truthy(self.operand.evaluate(answers))

    def names(self) -> frozenset[str]:
        return self.operand.names()


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" | "or"
    operands: tuple[Node, ...]

    def evaluate(self, answers: Answers) -> bool:
        values = (_truthy(operand.evaluate(answers)) for operand in self.operands)
        return all(values) if self.op == "and" else any(values)

    def names(self) -> frozenset[str]:
        return frozenset().union(*(operand.names() for operand in self.operands))


Node = Literal | Name | Answered | Selected | CountSelected | Compare | In | Not | BoolOp


def _is_answered(value: Any) -> bool:
    return value is not None and not (isinstance(value, (str, list, tuple)) and len(value) == 0)


def _value(answers: Answers, name: str) -> Any:
    """The answer to question `name`, or None (nothing) when it is unanswered or blank."""
    value = answers.get(name)
    return value if _is_answered(value) else None


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in {"yes", "true"}
    return bool(value) if value is not None else False


#: A text that counts as a number when compared with one: a plain decimal, as the browser reads it too.
_NUMERIC_TEXT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, (list, tuple)):
        return "list"
    return "other"


def _as_float(value: int | float) -> float:
    """Numbers compare as double-precision floats, as in the browser (a huge integer is an infinity)."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def _text_number(text: str) -> float | None:
    return float(text) if _NUMERIC_TEXT.fullmatch(text) else None


def _comparable(left: Any, right: Any) -> tuple[Any, Any] | None:
    """The two values brought to one kind (a numeric text meets a number as a number), or None if they differ."""
    kinds = (_kind(left), _kind(right))
    if kinds == ("number", "text"):
        number = _text_number(right)
        return None if number is None else (_as_float(left), number)
    if kinds == ("text", "number"):
        number = _text_number(left)
        return None if number is None else (number, _as_float(right))
    if kinds[0] != kinds[1] or kinds[0] == "other":
        return None
    if kinds[0] == "number":
        return _as_float(left), _as_float(right)
    if kinds[0] == "list":
        return list(left), list(right)
    return left, right


def _compare(op: str, left: Any, right: Any) -> bool:
    """`left op right`: false with nothing or with values of different kinds, except `!=`, which is then true."""
    pair = None if left is None or right is None else _comparable(left, right)
    if pair is None or (op not in {"=", "==", "!="} and isinstance(pair[0], list)):
        return op == "!="
    return bool(_COMPARATORS[op](*pair))


# --- the parser -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """A parsed condition: evaluate it against answers, or list the question ids it reads."""

    source: str
    tree: Node

    def evaluate(self, answers: Answers) -> bool:
        return _truthy(self.tree.evaluate(answers))

    def names(self) -> frozenset[str]:
        return self.tree.names()

    def as_data(self) -> Any:
        """The tree as plain lists, for the browser's copy of the evaluator (ddq.js)."""
        return _as_data(self.tree)

    def selections(self) -> tuple[tuple[str, Any], ...]:
        """Pairs (question id, literal) the condition compares a question with, for checking choice values."""
        found: list[tuple[str, Any]] = []
        _collect_selections(self.tree, found)
        return tuple(found)


def _as_data(node: Node) -> Any:
    if isinstance(node, Literal):
        return ["lit", node.value]
    if isinstance(node, Name):
        return ["name", node.name]
    if isinstance(node, Answered):
        return ["answered", node.name]
    if isinstance(node, Selected):
        return ["selected", node.name, node.value]
    if isinstance(node, CountSelected):
        return ["count", node.name]
    if isinstance(node, Compare):
        return ["cmp", node.op, _as_data(node.left), _as_data(node.right)]
    if isinstance(node, In):
        return ["in", _as_data(node.operand), list(node.options), node.negated]
    if isinstance(node, Not):
        return ["not", _as_data(node.operand)]
    return [node.op, *(_as_data(operand) for operand in node.operands)]


def _collect_selections(node: Node, found: list[tuple[str, Any]]) -> None:
    if isinstance(node, Selected):
        found.append((node.name, node.value))
    elif isinstance(node, Compare) and node.op in {"=", "==", "!="}:
        if isinstance(node.left, Name) and isinstance(node.right, Literal):
            found.append((node.left.name, node.right.value))
        elif isinstance(node.right, Name) and isinstance(node.left, Literal):
            found.append((node.right.name, node.left.value))
    elif isinstance(node, In) and isinstance(node.operand, Name):
        found.extend((node.operand.name, option) for option in node.options)
    elif isinstance(node, Not):
        _collect_selections(node.operand, found)
    elif isinstance(node, BoolOp):
        for operand in node.operands:
            _collect_selections(operand, found)


def parse(source: str) -> Condition:
    """Parse a condition; raise ConditionError naming the first problem."""
    if not isinstance(source, str) or not source.strip():
        raise ConditionError("empty condition", 0)
    parser = _Parser(_tokenize(source))
    tree = parser.expression()
    parser.expect_end()
    return Condition(source.strip(), tree)


class _Parser:
    def __init__(self, tokens: list[_Token]):
        self.tokens = tokens
        self.index = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.current
        self.index += 1
        return token

    def accept(self, kind: str, text: str | None = None) -> _Token | None:
        token = self.current
        if token.kind == kind and (text is None or token.text == text):
            return self.advance()
        return None

    def expect(self, kind: str, text: str | None = None, what: str | None = None) -> _Token:
        token = self.accept(kind, text)
        if token is None:
            found = self.current.text or "the end"
            raise ConditionError(f"expected {what or text or kind}, found {found!r}", self.current.position)
        return token

    def expect_end(self) -> None:
        if self.current.kind != "end":
            raise ConditionError(f"unexpected {self.current.text!r}", self.current.position)

    def expression(self) -> Node:
        return self.disjunction()

    def disjunction(self) -> Node:
        operands = [self.conjunction()]
        while self.accept("keyword", "or"):
            operands.append(self.conjunction())
        return operands[0] if len(operands) == 1 else BoolOp("or", tuple(operands))

    def conjunction(self) -> Node:
        operands = [self.negation()]
        while self.accept("keyword", "and"):
            operands.append(self.negation())
        return operands[0] if len(operands) == 1 else BoolOp("and", tuple(operands))

    def negation(self) -> Node:
        if self.current.kind == "keyword" and self.current.text == "not":
            following = self.tokens[self.index + 1]
            if not (following.kind == "keyword" and following.text == "in"):
                self.advance()
                return Not(self.negation())
        return self.comparison()

    def comparison(self) -> Node:
        left = self.operand()
        if token := self.accept("op"):
            return Compare(left, token.text, self.operand())
        negated = bool(self.accept("keyword", "not"))
        if self.accept("keyword", "in"):
            return In(left, self.literal_list(), negated)
        if negated:
            raise ConditionError("expected 'in' after 'not'", self.current.position)
        return left

    def literal_list(self) -> tuple[Any, ...]:
        self.expect("punct", "[")
        options = [self.literal()]
        while self.accept("punct", ","):
            options.append(self.literal())
        self.expect("punct", "]")
        return tuple(options)

    def literal(self) -> Any:
        token = self.current
        if token.kind == "number":
            self.advance()
            return float(token.text) if "." in token.text else int(token.text)
        if token.kind == "string":
            self.advance()
            return token.text[1:-1]
        if token.kind == "keyword" and token.text in {"true", "false"}:
            self.advance()
            return token.text == "true"
        raise ConditionError(f"expected a value, found {token.text or 'the end'!r}", token.position)

    def operand(self) -> Node:
        token = self.current
        if self.accept("punct", "("):
            inner = self.expression()
            self.expect("punct", ")")
            return inner
        if token.kind == "name":
            self.advance()
            if self.current.kind == "punct" and self.current.text == "(":
                return self.call(token)
            return Name(token.text)
        return Literal(self.literal())

    def call(self, function: _Token) -> Node:
        if function.text not in _FUNCTIONS:
            raise ConditionError(f"unknown function {function.text!r}", function.position)
        self.expect("punct", "(")
        name = self.expect("name", what="a question id").text
        if function.text == "selected":
            self.expect("punct", ",")
            value = self.expect("string", what="a quoted choice value").text[1:-1]
            node: Node = Selected(name, value)
        elif function.text == "answered":
            node = Answered(name)
        else:
            node = CountSelected(name)
        self.expect("punct", ")")
        return node
