"""Read YAML definition files keeping the line of every mapping and key, in YAML 1.2 spirit.

`yes`, `no`, `on` and `off` stay text (YAML 1.1 would turn them into booleans, and yes/no are choice
values here) and dates stay text, so a file means what it says.
"""

from __future__ import annotations

import gc
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
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


_STR = "tag:yaml.org,2002:str"
_BUILT_HERE = {(yaml.MappingNode, "tag:yaml.org,2002:map"), (yaml.SequenceNode, "tag:yaml.org,2002:seq")}


def _build(loader: yaml.SafeLoader, root: yaml.Node) -> Any:
    """The data of a composed document, as `loader.construct_document` makes it (the mapping constructor above,
    aliases one object, recursive nodes refused), with text, lists and mappings built here, depth first without
    recursion: for a file of thousands of questions that is most of the reading, and the loader's per-node
    bookkeeping cost more than the building."""
    built: dict[yaml.Node, Any] = {}
    building: set[yaml.Node] = set()

    def ready(node: yaml.Node) -> tuple[bool, Any]:
        """(True, its data) when the node needs no descent: text, a node already built, any other tag."""
        kind, tag = node.__class__, node.tag
        if kind is yaml.ScalarNode and tag == _STR:
            return True, node.value
        if node in built:
            return True, built[node]
        if (kind, tag) not in _BUILT_HERE:
            built[node] = loader.construct_object(node, deep=True)
            return True, built[node]
        if node in building:
            raise yaml.constructor.ConstructorError(None, None, "found unconstructable recursive node", node.start_mark)
        return False, None

    def start(node: yaml.Node) -> list:
        building.add(node)
        if node.__class__ is yaml.SequenceNode:
            return [node, [], 0, None, 0]
        loader.flatten_mapping(node)
        mapping = LinedDict()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        mapping.duplicate_keys = []
        return [node, mapping, 0, None, 0]  # node, data, next child, the key and line it goes under

    def put(frame: list, value: Any) -> None:
        data = frame[1]
        if isinstance(data, list):
            data.append(value)
            return
        key, line = frame[3], frame[4]
        data[key] = value
        data.key_lines[key] = line

    done, value = ready(root)
    if done:
        return value
    stack = [start(root)]
    while stack:
        frame = stack[-1]
        node, data, index = frame[0], frame[1], frame[2]
        if index == len(node.value):
            stack.pop()
            building.discard(node)
            built[node] = data
            if not stack:
                return data
            put(stack[-1], data)
            continue
        frame[2] = index + 1
        child = node.value[index]
        if not isinstance(data, list):
            key_node, child = child
            done, key = ready(key_node)
            if not done or not isinstance(key, (str, int, float)):
                raise yaml.constructor.ConstructorError(None, None, "a key must be plain text", key_node.start_mark)
            key, line = str(key), key_node.start_mark.line + 1
            if key in data:
                data.duplicate_keys.append((key, line))
            frame[3], frame[4] = key, line
        done, value = ready(child)
        if done:
            put(frame, value)
        else:
            stack.append(start(child))
    raise AssertionError("unreachable")  # pragma: no cover


_pause_lock = threading.Lock()
_pauses = 0
_was_enabled = False


@contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic garbage collection while a large file's objects are made (none of them is garbage yet): the
    collector would otherwise walk them again and again as they are made, more than half of reading or writing
    a file of thousands of questions. Threads may pause it together; the last one out restores it."""
    global _pauses, _was_enabled
    with _pause_lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _pause_lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()


def _load(text: str) -> Any:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        return None if node is None else _build(loader, node)
    finally:
        loader.dispose()


def load_yaml(text: str) -> Any:
    """Parse YAML text into plain data whose mappings are LinedDicts."""
    try:
        with collection_paused():
            return _load(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 0
        problem = error.problem or str(error)
        raise YamlError(f"not valid YAML: {problem}", line) from None
    except yaml.YAMLError as error:
        raise YamlError(f"not valid YAML: {error}") from None
