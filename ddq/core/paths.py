"""Names that people choose and that become file names: checked before any path is built.

A questionnaire's id becomes `<folder>/<id>.yaml`. The id must follow the definition id rule (letters, digits,
'-' and '_', starting with a letter), in ASCII only, so that no dot, slash, backslash, NUL or look-alike
character ever reaches the file system; the final path is then resolved and must lie directly in its folder
(a link pointing elsewhere is refused too).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

#: The longest id accepted as a file name (file systems allow 255 bytes; leave room for the suffix).
MAX_ID = 100

_FILE_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


class UnsafeName(ValueError):
    """A name that cannot become a file name; the message says what is wrong."""


def id_problem(value: Any) -> str | None:
    """What is wrong with `value` as an id that becomes a file name, or None when it is fine."""
    if not isinstance(value, str) or not value:
        return "the id must be a non-empty text"
    shown = repr(value if len(value) <= 60 else value[:60] + "…")
    if len(value) > MAX_ID:
        return f"the id {shown} is longer than {MAX_ID} characters"
    if _FILE_ID.fullmatch(value) is None:
        return (
            f"the id {shown} is not valid: use only letters a-z, digits, '-' and '_' (no spaces, dots, slashes "
            "or accented letters), starting with a letter"
        )
    return None


def file_in(folder: Path, name: str, suffix: str) -> Path:
    """`folder/<name><suffix>`, once `name` is a valid id and the path is known to stay in `folder`."""
    problem = id_problem(name)
    if problem:
        raise UnsafeName(problem)
    root = Path(folder).resolve()
    path = (root / f"{name}{suffix}").resolve()
    if path.parent != root:
        raise UnsafeName(f"{name}{suffix} would be written outside {Path(folder).name or 'its folder'}")
    return path
