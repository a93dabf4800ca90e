"""The first look at an uploaded template: size, type, damage, passwords, zip bombs, formulas, encodings.

Nothing here trusts the file: every refusal names the file (and the sheet, row and column where it can).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

MAX_BYTES = 20 * 1024 * 1024
#: An .xlsx is a zip: its parts may not unpack to more than this, nor compress better than MAX_RATIO.
MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 200
#: Workbooks and CSV; JSON questionnaires; CISO Assistant libraries in YAML.
EXTENSIONS = (".xlsx", ".xls", ".csv", ".json", ".yaml", ".yml")
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class ImportLimits:
    """How large a workbook may be, measured from its own metadata before any reader allocates."""

    max_bytes: int = MAX_BYTES
    #: the parts of an .xlsx together, unpacked; and how much better than MAX_RATIO no part may compress
    max_unpacked: int = MAX_UNPACKED
    max_ratio: int = MAX_RATIO
    max_parts: int = 1000
    max_sheets: int = 50
    #: per sheet, counted from A1 as readers allocate them: rows, columns, and rows x columns
    max_rows: int = 10_000
    max_columns: int = 200
    max_cells: int = 300_000
    max_shared_strings: int = 200_000
    #: groups inside groups in an XLSForm
    max_depth: int = 30
    #: the reader runs in a child process under these limits: wall-clock seconds and memory beyond the parent's
    seconds: float = 8.0
    memory_mb: int = 512


#: Settings (ddq.config) -> ImportLimits fields.
SETTINGS = {
    "DDQ_IMPORT_MAX_BYTES": "max_bytes",
    "DDQ_IMPORT_MAX_UNPACKED_BYTES": "max_unpacked",
    "DDQ_IMPORT_MAX_SHEETS": "max_sheets",
    "DDQ_IMPORT_MAX_ROWS": "max_rows",
    "DDQ_IMPORT_MAX_COLUMNS": "max_columns",
    "DDQ_IMPORT_MAX_CELLS": "max_cells",
    "DDQ_IMPORT_MAX_DEPTH": "max_depth",
    "DDQ_IMPORT_SECONDS": "seconds",
    "DDQ_IMPORT_MEMORY_MB": "memory_mb",
}


def limits_from(config: Mapping[str, Any]) -> ImportLimits:
    """The import limits a configuration sets (unset ones keep their defaults)."""
    types = {item.name: item.type for item in fields(ImportLimits)}
    values = {}
    for key, name in SETTINGS.items():
        if config.get(key) is not None:
            values[name] = float(config[key]) if types[name] in (float, "float") else int(config[key])
    return ImportLimits(**values)


DEFAULT_LIMITS = ImportLimits()


@dataclass(frozen=True, order=True)
class TemplateProblem:
    """One thing wrong with a template, located as precisely as possible."""

    file: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"sheet {self.sheet!r}")
        if self.row:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


class TemplateError(ValueError):
    """A template that cannot be imported; `problems` lists why. Nothing was written."""

    def __init__(self, problems: list[TemplateProblem]):
        self.problems = problems
        super().__init__("\n".join(str(problem) for problem in problems))


@dataclass(frozen=True)
class TemplateFile:
    name: str
    data: bytes
    kind: str  # xlsx | xls | csv | json | yaml | yml
    sha256: str
    warnings: list[str] = field(default_factory=list)
    #: the limits it was measured against, which its readers keep to
    limits: ImportLimits = DEFAULT_LIMITS
    #: its formulas (measure.Formula): never evaluated, their saved values are read
    formulas: tuple[Any, ...] = ()


def open_template(
    name: str, data: bytes, max_bytes: int | None = None, limits: ImportLimits | None = None
) -> TemplateFile:
    """Check and measure an uploaded template before anything parses it; raise TemplateError."""
    from . import measure

    limits = limits or DEFAULT_LIMITS
    max_bytes = limits.max_bytes if max_bytes is None else max_bytes
    display = name.replace("\\", "/").rsplit("/", 1)[-1] or "the file"

    def refuse(message: str, **where: str | int | None) -> TemplateError:
        return TemplateError([TemplateProblem(display, message, **where)])

    if len(data) > max_bytes:
        raise refuse(f"the file is {len(data) / 2**20:.1f} MB; the limit is {max_bytes / 2**20:.0f} MB")
    if not data:
        raise refuse("the file is empty")
    extension = "." + display.rsplit(".", 1)[-1].lower() if "." in display else ""
    if extension not in EXTENSIONS:
        raise refuse(f"ddq imports {', '.join(EXTENSIONS)} files, not {extension or 'files without an extension'}")
    kind = extension[1:]
    formulas: list[Any] = []
    if kind == "xlsx":
        if data.startswith(OLE):
            raise refuse(
                "the workbook is password-protected (or is an old .xls renamed): save it without a "
                "password, as .xlsx, and import it again"
            )
        formulas = measure.measure_xlsx(display, data, limits)
    elif kind == "xls" and not data.startswith(OLE):
        raise refuse("this is not an Excel 97-2003 (.xls) workbook: the file is damaged or has the wrong extension")
    elif kind == "xls":
        formulas = measure.measure_xls(display, data, limits)
    elif kind == "csv":
        _check_csv(display, data)
        measure.measure_csv(display, data, limits)
    else:  # json, yaml: measured (depth, values, aliases) and parsed once to refuse bad input on opening
        from .structured import load_structured

        load_structured(TemplateFile(display, data, kind, "", limits=limits))
    from .formulas import formula_notes

    return TemplateFile(
        display,
        data,
        kind,
        hashlib.sha256(data).hexdigest(),
        warnings=formula_notes(formulas),
        limits=limits,
        formulas=tuple(formulas),
    )


def _check_csv(name: str, data: bytes) -> None:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise TemplateError(
            [TemplateProblem(name, "the file is not UTF-8 text: save it as 'CSV UTF-8' and import it again", row=line)]
        ) from None
