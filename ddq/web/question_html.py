"""A section's questions as HTML, the parts that never change rendered once.

A questionnaire version is immutable (its sha256 names it), so what a question shows in one language (its label,
help, choices, who asks for it, the limits of its fields) is the same on every page. `question_block` in
`templates/respond/_question.html` reads every part that changes per request (values, ticks, errors, comments,
files) through a `Parts` object: rendered once with `_Marks`, each such part becomes a numbered mark, and the
result is kept as static pieces between marks; each request then fills the marks with `_Filled`, through the very
same functions that a question rendered in full uses. Every value filled in is escaped (`markupsafe`). A question
nobody has answered yet reads the same on every page: it is kept filled in, too.

A question is kept from its first showing on, so a process holds the questions its people look at (a few KB each),
for at most `CACHE_SIZE` versions and languages.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from typing import Any

from flask import Flask, current_app
from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..core.definitions import Question

#: Sections' static HTML kept per process: one entry per (questionnaire sha256, language), least recently used
#: dropped first.
CACHE_SIZE = 64
_MARK = "\x00"
#: Indentation between tags (and marks) of the templates: a line break shows the same and weighs less. Texts of the
#: definition never hold a `<` or `>` (escaped), and no textarea or pre holds static text.
_BETWEEN_TAGS = re.compile(r"(?<=[>\x00])[ \t\r\n]*\n[ \t\r\n]*(?=[<\x00])")
#: Parts on lines of their own (a conflict, an error, review comments: blocks, often empty) keep the line break
#: before them only, so that an empty part leaves no blank line.
_OWN_LINE = re.compile(r"(?<=\n)((?:\x00[0-9]+\x00)+)\n")
_EMPTY = Markup("")
_CHECKED = Markup(" checked")
_INVALID = Markup(' aria-invalid="true"')


class _Answering:
    """What a request shows of one question."""

    __slots__ = (
        "answer",
        "base",
        "chosen",
        "current",
        "files",
        "lang",
        "problem",
        "question",
        "reviews",
        "shown",
        "texts",
        "theirs",
        "version",
    )

    def __init__(self, question, answer, problem, files, reviews, shown, version, base, theirs, lang, texts) -> None:
        self.question = question
        self.answer = answer
        self.reviews = reviews
        current = self.current = None if answer is None else answer.draft if answer.draft is not None else answer.value
        #: What a choice is compared with: the values chosen (several) or the value as text (one), None for none.
        self.chosen = None if current is None else tuple(current) if _is_sequence(current) else str(current)
        self.problem = problem
        self.files = files
        self.shown = shown
        self.version = version
        self.base = base
        self.theirs = theirs
        self.lang = lang
        self.texts = texts

    @property
    def blank(self) -> bool:
        """Nothing of the answer shows: the question as every unanswered page shows it."""
        return self.answer is None and not self.problem and not self.files and not self.reviews and self.theirs is None


def _is_sequence(value: Any) -> bool:
    """Jinja's `sequence` test, strings aside."""
    if isinstance(value, str):
        return False
    try:
        len(value)
        value.__getitem__  # noqa: B018 - the test Jinja applies
    except (TypeError, AttributeError):
        return False
    return True


def _macros():
    return current_app.jinja_env.get_template("respond/_question.html").module


def _checked(state: _Answering, value: Any) -> Markup:
    chosen = state.chosen
    if chosen is None:
        return _EMPTY
    return _CHECKED if (value in chosen if type(chosen) is tuple else value == chosen) else _EMPTY


def _unknown(state: _Answering, _arg: Any) -> Markup:
    current = state.current
    return _CHECKED if current == "unknown" or state.chosen == ("unknown",) else _EMPTY


def _invalid(state: _Answering, _arg: Any) -> Markup:
    return _INVALID if state.problem else _EMPTY


def _described(state: _Answering, _arg: Any) -> Markup:
    question = state.question
    ids = ([f"help-{question.id}"] if question.help else []) + ([f"err-{question.id}"] if state.problem else [])
    return Markup(' aria-describedby="{}"').format(" ".join(ids)) if ids else _EMPTY


def _value(state: _Answering, _arg: Any) -> Markup:
    current = state.current
    return escape(current) if current is not None else _EMPTY


def _has_error(state: _Answering, _arg: Any) -> Markup:
    return Markup(" has-error") if state.problem else _EMPTY


def _hidden(state: _Answering, _arg: Any) -> Markup:
    return _EMPTY if state.shown else Markup(" hidden")


def _error(state: _Answering, _arg: Any) -> Markup:
    return _macros().question_error(state.question, state.problem) if state.problem else _EMPTY


def _carried(state: _Answering, _arg: Any) -> Markup:
    answer, question = state.answer, state.question
    if answer is None or not (answer.reused_from_id or question.derive_from):
        return _EMPTY
    return _macros().question_carried(question, answer, state.lang, state.texts)


def _files(state: _Answering, _arg: Any) -> Markup:
    return _macros().question_files(state.question, state.files) if state.files else _EMPTY


def _file_described(state: _Answering, _arg: Any) -> Markup:
    return Markup(' aria-describedby="replace-{}"').format(state.question.id) if state.files else _EMPTY


def _na_checked(state: _Answering, _arg: Any) -> Markup:
    return Markup(" checked") if state.answer is not None and state.answer.not_applicable else _EMPTY


def _na_reason(state: _Answering, _arg: Any) -> Markup:
    answer = state.answer
    return escape(answer.na_reason) if answer is not None and answer.na_reason else _EMPTY


def _comment_open(state: _Answering, _arg: Any) -> Markup:
    return Markup(" open") if state.answer is not None and state.answer.comment else _EMPTY


def _comment(state: _Answering, _arg: Any) -> Markup:
    answer = state.answer
    return escape(answer.comment) if answer is not None and answer.comment else _EMPTY


def _version(state: _Answering, _arg: Any) -> Markup:
    return escape(state.version)


def _base(state: _Answering, _arg: Any) -> Markup:
    return escape(state.base)


def _conflict(state: _Answering, _arg: Any) -> Markup:
    if state.theirs is None:
        return _EMPTY
    return _macros().question_conflict(state.question, state.theirs, state.lang)


def _reviews(state: _Answering, _arg: Any) -> Markup:
    return _macros().question_reviews(state.reviews, state.texts) if state.reviews else _EMPTY


_FILL = {
    function.__name__.lstrip("_"): function
    for function in (
        _version,
        _base,
        _conflict,
        _checked,
        _unknown,
        _invalid,
        _described,
        _value,
        _has_error,
        _hidden,
        _error,
        _carried,
        _files,
        _file_described,
        _na_checked,
        _na_reason,
        _comment_open,
        _comment,
        _reviews,
    )
}


class Parts:
    """The parts of a question that change per request, as `question_block` and the widget macros name them."""

    def _part(self, kind: str, argument: Any = None) -> Markup:
        raise NotImplementedError

    def checked(self, value: Any) -> Markup:
        """` checked` when the answer is (or, for several choices, holds) `value`."""
        return self._part("checked", value)

    def __getattr__(self, kind: str):
        if kind not in _FILL:
            raise AttributeError(kind)
        return lambda: self._part(kind)


class _Filled(Parts):
    def __init__(self, state: _Answering) -> None:
        self._state = state

    def _part(self, kind: str, argument: Any = None) -> Markup:
        return _FILL[kind](self._state, argument)


class _Marks(Parts):
    def __init__(self) -> None:
        self.kinds: list[tuple[str, Any]] = []

    def _part(self, kind: str, argument: Any = None) -> Markup:
        self.kinds.append((kind, argument))
        return Markup(f"{_MARK}{len(self.kinds) - 1}{_MARK}")  # noqa: S704 - a number between two marks


class _Static:
    """A question's HTML between its per-request parts (`pieces` None: its texts hold the mark, so it is rendered
    whole each time), and the question as an unanswered page shows it."""

    __slots__ = ("blanks", "kinds", "pieces")

    def __init__(self, pieces: tuple[str, ...] | None, kinds: tuple[tuple[str, Any], ...] = ()) -> None:
        self.pieces = pieces
        self.kinds = kinds
        self.blanks: dict[tuple, str] = {}

    def fill(self, state: _Answering) -> str:
        if state.blank:
            key = (state.shown, state.version, state.base)
            html = self.blanks.get(key)
            if html is None:
                html = self._fill(state)
                if len(self.blanks) < 4:  # shown or hidden; one empty answer's version and digest
                    self.blanks[key] = html
            return html
        return self._fill(state)

    def _fill(self, state: _Answering) -> str:
        if self.pieces is None:
            question = state.question
            return _macros().question_block(question, _Filled(state), state.lang, condition(question), state.texts)
        pieces = self.pieces
        out = [pieces[0]]
        for (kind, argument), piece in zip(self.kinds, pieces[1:], strict=True):
            out.append(_FILL[kind](state, argument))
            out.append(piece)
        return "".join(out)


def _texts() -> dict[str, str]:
    """Texts of every question, translated once per section and language (as trusted as the templates' own)."""
    texts = {
        "required": _("required"),
        "level": _("Level"),
        "scale": _("from {low} to {high}"),
        "required_by": _("Required by"),
        "document_requested": _("Document requested:"),
        "upload": _("Upload a document (optional)"),
        "not_applicable": _("Does not apply to us"),
        "why_not_applicable": _("Why it does not apply"),
        "add_comment": _("Add a comment"),
        "comment_label": _("Comment on this answer"),
        "institute_said": _("The institute:"),
        "carried": _("Carried over from your assessment of"),
        "confirmed": _("confirmed"),
        "still_true": _("Still true"),
    }
    return {key: Markup(text) for key, text in texts.items()}  # noqa: S704 - the project's own translations


def condition(question: Question) -> str | None:
    """The question's `show_if` as the page's script reads it (`data-show-if`)."""
    return json.dumps(question.show_if.as_data()) if question.show_if is not None else None


class _Version:
    """What one questionnaire version shows in one language, question by question, filled as it is first asked."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.texts = _texts()
        self.questions: dict[str, _Static] = {}
        self.lock = threading.Lock()

    def static(self, question: Question) -> _Static:
        """The question's static HTML in this language, rendered on its first use."""
        static = self.questions.get(question.id)
        if static is None:
            marks = _Marks()
            html = str(_macros().question_block(question, marks, self.lang, condition(question), self.texts))
            html = _OWN_LINE.sub(r"\1", _BETWEEN_TAGS.sub("\n", html)).strip() + "\n"
            pieces = html.split(_MARK)
            numbered = [str(number) for number in range(len(marks.kinds))]
            if len(pieces) == 2 * len(marks.kinds) + 1 and pieces[1::2] == numbered:
                static = _Static(tuple(pieces[0::2]), tuple(marks.kinds))
            else:
                static = _Static(None)
            with self.lock:
                static = self.questions.setdefault(question.id, static)
        return static


class _Versions:
    """A bounded map of (sha256, language) to `_Version`, least recently used dropped first."""

    def __init__(self, size: int, template: Any = None) -> None:
        self.size = size
        #: The template the HTML was rendered from.
        self.template = template
        self.entries: OrderedDict[tuple[str, str], _Version] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, sha256: str, lang: str) -> _Version:
        key = (sha256, lang)
        with self.lock:
            version = self.entries.get(key)
            if version is not None:
                self.entries.move_to_end(key)
                return version
        version = _Version(lang)
        with self.lock:
            version = self.entries.setdefault(key, version)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return version


def _versions() -> _Versions:
    """The app's kept versions; made anew when the templates were (reloaded on a change, in development)."""
    template = current_app.jinja_env.get_template("respond/_question.html")
    versions = current_app.extensions.get("ddq.question_html")
    if versions is None or versions.template is not template:
        versions = current_app.extensions["ddq.question_html"] = _Versions(CACHE_SIZE, template)
    return versions


def question_blocks(
    sha256: str,
    questions: list[Question],
    *,
    answers: dict,
    problems: dict[str, str],
    files: dict[str, list],
    reviews: dict[str, list],
    shown: set[str],
    versions: dict[str, int],
    bases: dict[str, str],
    conflicts: dict[str, dict],
    lang: str,
) -> Markup:
    """The questions of a section form: each one's static HTML kept for the version and language, what this request
    shows filled in (answers, problems, files and review comments by question id; `versions` and `bases` say which
    answer the page shows, `conflicts` the newer answers someone else saved)."""
    version = _versions().get(sha256, lang)
    texts = version.texts
    out = []
    for question in questions:
        qid = question.id
        state = _Answering(
            question,
            answers.get(qid),
            problems.get(qid),
            files.get(qid),
            reviews.get(qid),
            qid in shown,
            versions[qid],
            bases[qid],
            conflicts.get(qid),
            lang,
            texts,
        )
        out.append(version.static(question).fill(state))
    return Markup("".join(out))  # noqa: S704 - rendered by the templates, every value escaped


def cached_versions(app: Flask) -> int:
    """How many (version, language) pairs the app keeps the static HTML of."""
    versions = app.extensions.get("ddq.question_html")
    return len(versions.entries) if versions is not None else 0
