"""Read YAML definition files keeping the line of every mapping and key, in YAML 1.2 spirit.

`yes`, `no`, `on` and `off` stay text (YAML 1.1 would turn them into booleans, and yes/no are choice
values here) and dates stay text, so a file means what it says.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import yaml

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DROPPED_TAGS = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp"}


class LinedDict(dict):
    """A mapping read from a file, with the 1-based line of the mapping and of each key."""

    line: int = 0
    key_lines: dict[str, int]
    duplicate_keys: list[tuple[str, int]]

    def line_of(self, key: str) -> int:
        return getattr(self, "key_lines", {}).get(key, self.line)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    yaml_implicit_resolvers: ClassVar[dict] = {
        first: [(tag, regex) for tag, regex in resolvers if tag not in _DROPPED_TAGS]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LinedDict:
    loader.flatten_mapping(node)
    mapping = LinedDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    mapping.duplicate_keys = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float)):
            raise yaml.constructor.ConstructorError(None, None, "a key must be plain text", key_node.start_mark)
        key = str(key)
        line = key_node.start_mark.line + 1
        if key in mapping:
            mapping.duplicate_keys.append((key, line))
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = line
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class YamlError(ValueError):
    """A file that is not readable YAML; `line` is 1-based (0 when unknown)."""

    def __init__(self, message: str, line: int = 0):
        super().__init__(message)
        self.line = line


def load_yaml(text: str) -> Any:
    """Parse YAML text into plain data whose mappings are LinedDicts."""
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader with two resolvers changed
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        problem = error.problem or str(error)
        raise YamlError(f"not valid YAML: {problem}", line) from None
    except yaml.YAMLError as error:
        raise YamlError(f"not valid YAML: {error}") from None
