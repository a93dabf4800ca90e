"""What every definition reader shares: problems with their file and line, and the small field readers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..questions import SCORE_MAX, SCORE_MIN
from ..vocabulary import DEFAULT_LANGUAGE, LANGUAGES
from ..yamlfile import LinedDict, YamlError, load_yaml
from .model import Domain, Question, Text, Tier

# --- problems -------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a definition file."""

    file: str
    line: int
    message: str
    question: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: [{self.question}] {self.message}" if self.question else f"{where}: {self.message}"


class DefinitionError(ValueError):
    """Definitions that cannot be used; `problems` lists every one found."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


class ProblemSink:
    """Collects problems for one file, and warnings when a list is given for them (else they are dropped)."""

    def __init__(self, file: str, sink: list[Problem], warnings: list[Problem] | None = None):
        self.file = file
        self.sink = sink
        self.warnings = warnings

    def add(self, line: int, message: str, question: str | None = None) -> None:
        self.sink.append(Problem(self.file, line, message, question))

    def warn(self, line: int, message: str, question: str | None = None) -> None:
        """Something to fix that does not stop the definitions being used (an error under `ddq check --strict`)."""
        if self.warnings is not None:
            self.warnings.append(Problem(self.file, line, message, question))



def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def read_file(path: Path, problems: list[Problem], text: str | None = None) -> LinedDict | None:
    """Parse a definition file (or `text`, read as that file's content)."""
    sink = ProblemSink(display_path(path), problems)
    try:
        text = path.read_text(encoding="utf-8") if text is None else text
    except FileNotFoundError:
        sink.add(0, "file not found")
        return None
    except (OSError, UnicodeDecodeError) as error:
        sink.add(0, f"cannot read the file: {error}")
        return None
    try:
        raw = load_yaml(text)
    except YamlError as error:
        sink.add(error.line, str(error))
        return None
    if not isinstance(raw, LinedDict):
        sink.add(1, "the file must hold a mapping (key: value lines) at the top")
        return None
    return raw


def as_lined(value: Any) -> Any:
    if isinstance(value, Mapping):
        lined = LinedDict({key: as_lined(item) for key, item in value.items()})
        lined.key_lines, lined.duplicate_keys = {}, []
        return lined
    if isinstance(value, list):
        return [as_lined(item) for item in value]
    return value


@dataclass
class Context:
    """What a questionnaire is checked against; empty when rebuilding a snapshot."""

    domains: Mapping[str, Domain] | None = None
    tiers: Mapping[str, Tier] | None = None
    bank: dict[str, Question] | None = None



# --- small readers --------------------------------------------------------------------------------


def check_keys(
    raw: LinedDict, allowed: Iterable[str], sink: ProblemSink, what: str, question: str | None = None
) -> None:
    """Report duplicate keys and keys the entry does not take."""
    allowed = set(allowed)
    for key, line in raw.duplicate_keys if hasattr(raw, "duplicate_keys") else ():
        sink.add(line, f"{key!r} is given twice in this {what}", question)
    for key in raw:
        if key not in allowed:
            sink.add(
                raw.line_of(key), f"unknown key {key!r} in {what} (allowed: {', '.join(sorted(allowed))})", question
            )


def read_text(
    raw: LinedDict,
    key: str,
    sink: ProblemSink,
    question: str | None = None,
    required: bool = True,
    translated: bool = True,
) -> Text | None:
    """Read a text given as a string (English) or as a mapping of language codes to texts.

    A `translated` text (what partners and staff read) missing one of the languages is warned about; notes for
    authors (`translated=False`) may stay in English.
    """
    value = raw.get(key)
    line = raw.line_of(key)
    if value is None:
        if required:
            sink.add(raw.line, f"{key!r} is missing", question)
        return None
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        value = {DEFAULT_LANGUAGE: str(value)}
    if not isinstance(value, Mapping):
        sink.add(line, f"{key!r} must be text, or a mapping of language codes to text", question)
        return None
    translations: dict[str, str] = {}
    for language, translation in value.items():
        if language not in LANGUAGES:
            sink.add(line, f"{key!r} has unknown language {language!r} (use {', '.join(LANGUAGES)})", question)
        elif not isinstance(translation, str) or not translation.strip():
            sink.add(line, f"{key!r} in {language!r} must be non-empty text", question)
        else:
            translations[language] = translation.strip()
    if DEFAULT_LANGUAGE not in translations:
        sink.add(line, f"{key!r} has no English text (the 'en' key is required)", question)
        return None
    missing = [language for language in LANGUAGES if language not in translations]
    if translated and missing:
        sink.warn(line, f"{key!r} has no {', '.join(missing)} translation", question)
    return Text.of(**translations)


def is_identifier(value: Any) -> bool:
    return isinstance(value, str) and value.replace("_", "a").replace("-", "a").isalnum() and value[:1].isalpha()


def is_question_id(value: Any) -> bool:
    return isinstance(value, str) and value.replace("_", "a").isalnum() and value[:1].isalpha() and value.isascii()


def read_boolean(raw: LinedDict, key: str, sink: ProblemSink, question: str | None, default: bool = False) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        sink.add(raw.line_of(key), f"{key!r} must be true or false", question)
        return default
    return value


def read_number(
    raw: LinedDict, key: str, sink: ProblemSink, question: str | None, positive: bool = True
) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (positive and value <= 0):
        sink.add(raw.line_of(key), f"{key!r} must be a {'positive ' if positive else ''}number", question)
        return None
    return value


def read_names(
    raw: LinedDict, key: str, sink: ProblemSink, allowed: Iterable[str] | None, question: str | None
) -> tuple[str, ...]:
    value = raw.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        sink.add(raw.line_of(key), f"{key!r} must be a list of names", question)
        return ()
    if allowed is not None:
        allowed = list(allowed)
        for item in value:
            if item not in allowed:
                sink.add(
                    raw.line_of(key), f"{key!r} has unknown value {item!r} (allowed: {', '.join(allowed)})", question
                )
    return tuple(value)


def read_mapping(raw: Any, sink: ProblemSink, line: int, what: str, question: str | None = None) -> LinedDict | None:
    if not isinstance(raw, LinedDict):
        sink.add(line, f"{what} must be a mapping (key: value lines)", question)
        return None
    return raw


def read_entries(raw: LinedDict, key: str, sink: ProblemSink, question: str | None = None) -> list[LinedDict]:
    value = raw.get(key)
    if not isinstance(value, list) or not value:
        sink.add(raw.line_of(key), f"{key!r} must be a non-empty list", question)
        return []
    entries = []
    for item in value:
        mapping = read_mapping(item, sink, raw.line_of(key), f"each entry of {key!r}", question)
        if mapping is not None:
            entries.append(mapping)
    return entries



def wrap_single(value: Any, line: int) -> LinedDict:
    """Wrap one value so the text reader can report it at `line`."""
    wrapped = LinedDict(anchor=value)
    wrapped.line, wrapped.key_lines = line, {"anchor": line}
    return wrapped


def read_score(raw: Mapping[str, Any], key: str, line: int, sink: ProblemSink, question_id: str) -> float | None:
    value = raw.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not SCORE_MIN <= value <= SCORE_MAX:
        sink.add(
            line, f"choice score {value!r} is out of range (scores run from {SCORE_MIN} to {SCORE_MAX})", question_id
        )
        return None
    return float(value)


