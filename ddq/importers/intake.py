"""The first look at an uploaded template: size, type, damage, passwords, zip bombs, formulas, encodings.

Nothing here trusts the file: every refusal names the file (and the sheet, row and column where it can).
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field

MAX_BYTES = 20 * 1024 * 1024
#: An .xlsx is a zip: its parts may not unpack to more than this, nor compress better than MAX_RATIO.
MAX_UNPACKED = 200 * 1024 * 1024
MAX_RATIO = 200
EXTENSIONS = (".xlsx", ".xls", ".csv")
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


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
    kind: str  # xlsx | xls | csv
    sha256: str
    warnings: list[str] = field(default_factory=list)


def open_template(name: str, data: bytes, max_bytes: int = MAX_BYTES) -> TemplateFile:
    """Check an uploaded template before anything parses it; raise TemplateError."""
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
    if kind == "xlsx":
        if data.startswith(OLE):
            raise refuse(
                "the workbook is password-protected (or is an old .xls renamed): save it without a "
                "password, as .xlsx, and import it again"
            )
        _check_zip(display, data)
    elif kind == "xls" and not data.startswith(OLE):
        raise refuse("this is not an Excel 97-2003 (.xls) workbook: the file is damaged or has the wrong extension")
    elif kind == "csv":
        _check_csv(display, data)
    return TemplateFile(display, data, kind, hashlib.sha256(data).hexdigest())


def _check_zip(name: str, data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except zipfile.BadZipFile:
        damaged = TemplateProblem(name, "the workbook is damaged or truncated (not a readable .xlsx)")
        raise TemplateError([damaged]) from None
    total = sum(member.file_size for member in members)
    for member in members:
        if member.compress_size and member.file_size / member.compress_size > MAX_RATIO:
            raise TemplateError(
                [
                    TemplateProblem(
                        name,
                        f"part {member.filename!r} unpacks {member.file_size // 2**20}"
                        " MB from almost nothing: refused as a zip bomb",
                    )
                ]
            )
    if total > MAX_UNPACKED:
        raise TemplateError(
            [
                TemplateProblem(
                    name, f"the workbook unpacks to {total // 2**20} MB; the limit is {MAX_UNPACKED // 2**20} MB"
                )
            ]
        )
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names:
        raise TemplateError([TemplateProblem(name, "the file is a zip archive but not an Excel workbook")])
    _check_formulas(name, archive)


_SHEET_TAG = re.compile(rb"<sheet\s[^>]*>")
_RELATION_TAG = re.compile(rb"<Relationship\s[^>]*>")


def _attribute(tag: bytes, name: bytes) -> bytes:
    found = re.search(rb"(?:^|\s)" + re.escape(name) + rb'="([^"]*)"', tag)
    return found.group(1) if found else b""


_CELL = re.compile(rb'<c r="([A-Z]+)(\d+)"[^>]*?(?:/>|>(.*?)</c>)', re.DOTALL)
_FORMULA_PART = re.compile(rb"<f([^>]*?)(?:/>|>(.*?)</f>)", re.DOTALL)
_SHARED_INDEX = re.compile(rb'si="(\d+)"')
#: Excel stores typed-in TRUE and FALSE as formulas: constants, accepted.
_CONSTANTS = {b"TRUE()", b"FALSE()", b"TRUE", b"FALSE"}


def _check_formulas(name: str, archive: zipfile.ZipFile) -> None:
    """Formulas are refused: their cached results may be stale, and they are a way to smuggle content in."""
    try:
        workbook = archive.read("xl/workbook.xml")
        relations = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return
    targets = {_attribute(tag, b"Id"): _attribute(tag, b"Target").decode() for tag in _RELATION_TAG.findall(relations)}
    problems = []
    sheets = [(_attribute(tag, b"name"), _attribute(tag, b"r:id")) for tag in _SHEET_TAG.findall(workbook)]
    for sheet_name, rid in sheets:
        target = targets.get(rid, "").lstrip("/")
        path = target if target.startswith("xl/") else f"xl/{target}"
        try:
            content = archive.read(path)
        except KeyError:
            continue
        shared: dict[bytes, bytes] = {}
        for column, row, inner in _CELL.findall(content):
            formula = _FORMULA_PART.search(inner or b"")
            if formula is None:
                continue
            attributes, text = formula.group(1), (formula.group(2) or b"").strip()
            index = _SHARED_INDEX.search(attributes)
            if index and text:
                shared[index.group(1)] = text
            elif index:
                text = shared.get(index.group(1), b"")
            if text.upper() in _CONSTANTS:
                continue
            problems.append(
                TemplateProblem(
                    name,
                    "formulas are not accepted: paste the values instead",
                    sheet=sheet_name.decode(),
                    row=int(row),
                    column=column.decode(),
                )
            )
            if len(problems) >= 20:
                break
    if problems:
        raise TemplateError(problems)


def _check_csv(name: str, data: bytes) -> None:
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise TemplateError(
            [TemplateProblem(name, "the file is not UTF-8 text: save it as 'CSV UTF-8' and import it again", row=line)]
        ) from None
