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

A NAME is a question id; its value is the answer, or nothing when the question is unanswered or N/A.
Comparisons with nothing are false, except `!=`, which is true; `in` with nothing is false.
"""

from __future__ import annotations

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
        return answers.get(self.name)

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
        answer = answers.get(self.name)
        if isinstance(answer, (list, tuple, set, frozenset)):
            return self.value in answer
        return answer is not None and str(answer) == self.value

    def names(self) -> frozenset[str]:
        return frozenset({self.name})


@dataclass(frozen=True)
class CountSelected:
    name: str

    def evaluate(self, answers: Answers) -> int:
        answer = answers.get(self.name)
        if isinstance(answer, (list, tuple, set, frozenset)):
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
        left, right = _comparable(self.left.evaluate(answers), self.right.evaluate(answers))
        if left is None or right is None:
            return self.op == "!="
        try:
            return bool(_COMPARATORS[self.op](left, right))
        except TypeError:
            return self.op == "!="

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
        found = any(_comparable(value, option)[0] == _comparable(value, option)[1] for option in self.options)
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
    return value not in (None, "", [], ())


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.lower() in {"yes", "true"}
    return bool(value) if value is not None else False


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """Bring a number and a numeric string to numbers so that `${n} > 5` works on typed text."""
    if isinstance(left, bool) or isinstance(right, bool):
        return left, right
    if isinstance(left, (int, float)) and isinstance(right, str):
        return left, _to_number(right)
    if isinstance(right, (int, float)) and isinstance(left, str):
        return _to_number(left), right
    return left, right


def _to_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


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
