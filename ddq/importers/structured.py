"""JSON and YAML templates, read with limits like the workbooks: size (checked on opening), nesting depth and
number of values measured before any parser builds them, YAML anchors and aliases refused (an alias bomb expands
a few lines into millions of values), UTF-8 only."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from .intake import TemplateError, TemplateFile, TemplateProblem

#: JSON strings (their brackets are not nesting) and the brackets that are.
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(rb"[\[\]{}]")
#: Nesting deeper than this is refused whatever the limits say (parsers recurse).
HARD_DEPTH = 200


def _refuse(template: TemplateFile, message: str, row: int | None = None) -> TemplateError:
    return TemplateError([TemplateProblem(template.name, message, row=row)])


def _depth_limit(template: TemplateFile) -> int:
    return min(max(template.limits.max_depth * 2, 20), HARD_DEPTH)


def load_structured(template: TemplateFile) -> Any:
    """The document a .json, .yaml or .yml template holds; TemplateError naming what is wrong and where."""
    try:
        text = template.data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = template.data[: error.start].count(b"\n") + 1
        raise _refuse(template, "the file is not UTF-8 text", row=line) from None
    if template.kind == "json":
        return _json(template, text)
    return _yaml(template, text)


def _json(template: TemplateFile, text: str) -> Any:
    limit, depth, values = _depth_limit(template), 0, 0
    stripped = _STRING.sub(b'""', template.data)
    for found in _BRACKET.finditer(stripped):
        if found.group() in (b"[", b"{"):
            depth += 1
            values += 1
            if depth > limit:
                line = stripped[: found.start()].count(b"\n") + 1
                raise _refuse(template, f"the JSON nests deeper than {limit} levels", row=line)
        else:
            depth -= 1
    values += stripped.count(b",")
    if values > template.limits.max_cells:
        raise _refuse(template, f"the JSON holds more than {template.limits.max_cells:,} values")
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as error:
        line = getattr(error, "lineno", None)
        message = getattr(error, "msg", str(error))
        raise _refuse(template, f"the file is not valid JSON: {message}", row=line) from None


def _yaml(template: TemplateFile, text: str) -> Any:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    limit, depth, values = _depth_limit(template), 0, 0
    try:
        for event in yaml.parse(text, Loader=loader):
            line = event.start_mark.line + 1 if event.start_mark else None
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise _refuse(template, "the YAML uses anchors or aliases (& and *): write the values out", row=line)
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > limit:
                    raise _refuse(template, f"the YAML nests deeper than {limit} levels", row=line)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            values += 1
            if values > 3 * template.limits.max_cells:
                raise _refuse(template, f"the YAML holds more than {template.limits.max_cells:,} values", row=line)
        return yaml.load(text, Loader=loader)  # noqa: S506 -- a safe loader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise _refuse(template, f"the file is not valid YAML: {problem}", row=mark.line + 1 if mark else None) from None
