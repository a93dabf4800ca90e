"""Checks every request passes before any view runs: ids within the database's range, no control characters,
text within its limits. Bad input is refused with a 4xx and a message naming what is wrong and where; nothing
is changed.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator
from typing import Any

from flask import Flask, abort, current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import BaseConverter, ValidationError

#: The largest id a database integer column holds (PostgreSQL `integer`, 32 bits signed).
MAX_ID = 2**31 - 1

#: Form fields that carry an answer, and those that carry a comment: each kind has its own length limit
#: (DDQ_MAX_ANSWER_CHARS, DDQ_MAX_COMMENT_CHARS), stated next to the field on the page.
ANSWER_PREFIXES = ("q_", "nareason_")
COMMENT_PREFIXES = ("comment_",)
COMMENT_FIELDS = frozenset({"body", "burden_comment", "response", "action", "support"})

#: Control characters refused anywhere; tab, carriage return and line feed are ordinary text.
ALLOWED_CONTROLS = frozenset("\t\r\n")


class IdConverter(BaseConverter):
    """`<id:name>`: a record id written in ASCII digits, from 1 to MAX_ID; anything else is a 404.

    Werkzeug's `int` converter matches any Unicode digit (`٣`, `²`) and any size, which the database then
    refuses with an error instead of "not found".
    """

    regex = r"[0-9]{1,10}"
    weight = 50
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


def form_id(text: str | None) -> int | None:
    """A record id sent in a form or query, or None when it is not one (as the `id` converter reads URLs)."""
    if text and len(text) <= 10 and text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_ID:
        return int(text)
    return None


def text_limits() -> dict[str, int]:
    """The limits the pages state next to answer and comment fields."""
    config = current_app.config
    return {"answer": config["DDQ_MAX_ANSWER_CHARS"], "comment": config["DDQ_MAX_COMMENT_CHARS"]}


def limit_for(field: str) -> tuple[str, int] | None:
    """The kind of text a form field holds and its length limit; None for fields without a limit of their own."""
    limits = text_limits()
    if field.startswith(ANSWER_PREFIXES):
        return "answer", limits["answer"]
    if field.startswith(COMMENT_PREFIXES) or field in COMMENT_FIELDS:
        return "comment", limits["comment"]
    return None


def register(app: Flask) -> None:
    app.url_map.converters["id"] = IdConverter
    app.before_request(check_request)
    app.jinja_env.globals["text_limits"] = text_limits  # a global: macros imported without context read it too


def check_request() -> None:
    """Refuse control characters in the path, query, form and JSON body, too many fields and oversize text."""
    _refuse_controls(_("the address"), request.path)
    for name, value in request.args.items(multi=True):
        _refuse_controls(_("the address parameter “%(name)s”", name=_printable(name)), name, value)
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    form = request.form  # parsing may already refuse: 413 over MAX_CONTENT_LENGTH, MAX_FORM_MEMORY_SIZE or parts
    if len(form) + len(request.files) > current_app.config["MAX_FORM_PARTS"]:
        raise RequestEntityTooLarge(_("The form has more fields than ddq accepts. Nothing was saved."))
    for name, value in form.items(multi=True):
        where = _("the field “%(name)s”", name=_printable(name))
        _refuse_controls(where, name, value)
        limit = limit_for(name)
        if limit is not None and len(value) > limit[1]:
            kind, most = limit
            message = (
                _("An answer in %(where)s is %(length)s characters long; answers are limited to %(limit)s.")
                if kind == "answer"
                else _("A comment in %(where)s is %(length)s characters long; comments are limited to %(limit)s.")
            )
            abort(
                400,
                message % {"where": where, "length": f"{len(value):,}", "limit": f"{most:,}"}
                + " "
                + _("Nothing was saved: shorten it and send the form again."),
            )
    for name, upload in request.files.items(multi=True):
        _refuse_controls(_("the name of the file sent in “%(name)s”", name=_printable(name)), name, upload.filename)
    if request.is_json:
        _check_json()


def _check_json() -> None:
    try:
        data = json.loads(request.get_data(cache=True) or b"null")
    except (ValueError, RecursionError):
        abort(400, _("The request body is not valid JSON. Nothing was saved."))
    for where, text in _json_strings(data):
        _refuse_controls(_("the JSON value at %(where)s", where=where), text)


def _json_strings(data: Any) -> Iterator[tuple[str, str]]:
    """Every key and string of a JSON document with its location, without recursion (documents may be deep)."""
    stack: list[tuple[str, Any]] = [("$", data)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            for key, value in item.items():
                yield where, key
                stack.append((f"{where}.{_printable(key)}", value))
        elif isinstance(item, list):
            stack.extend((f"{where}[{index}]", value) for index, value in enumerate(item))


def _refuse_controls(where: str, *texts: str | None) -> None:
    for text in texts:
        if not text or text.isprintable():
            continue
        for position, char in enumerate(text, start=1):
            if char not in ALLOWED_CONTROLS and unicodedata.category(char) in ("Cc", "Cs"):
                abort(
                    400,
                    _(
                        "%(where)s contains a control character (U+%(code)04X) at position %(position)d. "
                        "Remove it and send again; nothing was saved.",
                        where=where[:1].upper() + where[1:],
                        code=ord(char),
                        position=position,
                    ),
                )


def _printable(text: str, most: int = 60) -> str:
    """A field name as it may be shown in a message: control characters escaped, long names cut."""
    shown = "".join(char if char.isprintable() else f"\\u{ord(char):04x}" for char in text[:most])
    return shown + ("…" if len(text) > most else "")
