"""Workbooks measured before they are read.

A spreadsheet reader believes what a file says about itself: one cell at XFD1048576 asks it for seventeen billion
cells. Here the file's own structure is streamed with bounded memory -- the zip directory, every part unpacked
chunk by chunk (sizes that lie are caught), every XML part through a parser that refuses DTDs and entities, each
sheet's declared dimension and the real reference of every cell -- and the file is refused, with the sheet and cell
named, as soon as a limit is passed. Nothing here allocates in proportion to what a file declares.

Formulas are never evaluated: readers take the value the spreadsheet program saved with each one. On the way, every
formula is noted with whether it has a saved value; one that reaches outside the workbook (a DDE command, a link to
another file, HYPERLINK, WEBSERVICE …) is refused, and so is one with no saved value outside the settings sheet
(its text would be read as empty).
"""

from __future__ import annotations

import csv
import io
import itertools
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any
from xml.parsers import expat

from .formulas import HYPERLINK_CALL, Formula, lenient_sheet, reaches_outside
from .intake import ImportLimits, TemplateError, TemplateProblem

CHUNK = 1 << 16
_REFERENCE = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})")
_COLUMNS: dict[str, int] = {}  # letters -> number, filled as met (at most 18,278 entries)
#: Excel stores typed-in TRUE and FALSE as formulas: constants, accepted.
_CONSTANTS = {"TRUE()", "FALSE()", "TRUE", "FALSE"}
class _Refused(Exception):
    """Raised from inside a parser callback; becomes a TemplateError once the parser is left."""

    def __init__(self, problem: TemplateProblem):
        self.problem = problem


def column_number(letters: str) -> int:
    """'A' -> 1, 'Z' -> 26, 'AA' -> 27, 'XFD' -> 16384."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def column_letters(number: int) -> str:
    letters = ""
    while number:
        number, remainder = divmod(number - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _local(tag: str) -> str:
    return tag.rpartition(":")[2]


def _area(rows: int, columns: int, limits: ImportLimits) -> str | None:
    """Why a sheet spanning this many rows and columns from A1 is refused, or None."""
    if rows > limits.max_rows:
        return f"the limit is {limits.max_rows:,} rows"
    if columns > limits.max_columns:
        return f"the limit is {limits.max_columns:,} columns"
    if rows * columns > limits.max_cells:
        return f"{rows:,} rows x {columns:,} columns is over the limit of {limits.max_cells:,} cells"
    return None


# --- .xlsx ---------------------------------------------------------------------------------------------------


def measure_xlsx(name: str, data: bytes, limits: ImportLimits) -> list[Formula]:
    """Refuse an .xlsx that is damaged, a zip bomb, declares a DTD, holds a formula that reaches outside the
    workbook or has no saved value where text matters, or is larger than the limits; its formulas otherwise."""

    def refuse(message: str, **where: Any) -> TemplateError:
        return TemplateError([TemplateProblem(name, message, **where)])

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, struct.error):
        raise refuse("the workbook is damaged or truncated (not a readable .xlsx)") from None
    if len(members) > limits.max_parts:
        raise refuse(f"the workbook has {len(members):,} parts; the limit is {limits.max_parts:,}")
    for member in members:
        if member.file_size > 2**20 and member.file_size > limits.max_ratio * max(member.compress_size, 1):
            raise refuse(
                f"part {member.filename!r} unpacks {member.file_size // 2**20} MB from almost nothing: "
                "refused as a zip bomb"
            )
    total = sum(member.file_size for member in members)
    if total > limits.max_unpacked:
        raise refuse(f"the workbook unpacks to {total // 2**20} MB; the limit is {limits.max_unpacked // 2**20} MB")
    names = {member.filename: member for member in members}
    if len(names) != len(members):
        raise refuse("the workbook holds two parts of the same name: refused as damaged")
    if "xl/workbook.xml" not in names:
        raise refuse("the file is a zip archive but not an Excel workbook")
    spans = _spans(name, data, members)
    workbook = _Workbook()
    _parse(name, data, names["xl/workbook.xml"], spans, workbook)
    if len(workbook.sheets) > limits.max_sheets:
        raise refuse(f"the workbook has {len(workbook.sheets)} sheets; the limit is {limits.max_sheets}")
    relations = _Relations()
    if "xl/_rels/workbook.xml.rels" in names:
        _parse(name, data, names["xl/_rels/workbook.xml.rels"], spans, relations)
    sheet_names = {}
    for sheet_name, rid in workbook.sheets:
        target = relations.targets.get(rid, "")
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        sheet_names[path] = sheet_name
    formulas: list[TemplateProblem] = []
    found: list[Formula] = []
    budget = [limits.max_cells, 3 * limits.max_cells]
    for member in members:
        if member.filename in {"xl/workbook.xml", "xl/_rels/workbook.xml.rels"} or member.is_dir():
            continue
        path = member.filename
        if path.startswith(("xl/worksheets/", "xl/chartsheets/", "xl/dialogsheets/")) and path.endswith(".xml"):
            sheet = sheet_names.get(path, path.rsplit("/", 1)[-1].removesuffix(".xml"))
            _parse(name, data, member, spans, _Sheet(name, sheet, limits, formulas, budget, found))
        elif path == "xl/sharedStrings.xml":
            _parse(name, data, member, spans, _Strings(name, limits))
        elif path.endswith((".xml", ".rels", ".vml")):
            _parse(name, data, member, spans, _Nothing())
        else:
            for _ in _unpacked(name, data, member, spans):
                pass
    if formulas:
        raise TemplateError(formulas)
    return found


def _spans(name: str, data: bytes, members: list[zipfile.ZipInfo]) -> dict[str, tuple[int, int]]:
    """Where each part's packed bytes lie; parts that overlap (a known zip-bomb trick) are refused."""
    spans = {}
    for member in members:
        offset = member.header_offset
        header = data[offset : offset + 30]
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            raise TemplateError([TemplateProblem(name, "the workbook is damaged or truncated (not a readable .xlsx)")])
        name_length, extra_length = struct.unpack("<HH", header[26:30])
        start = offset + 30 + name_length + extra_length
        if start + member.compress_size > len(data):
            raise TemplateError([TemplateProblem(name, "the workbook is damaged or truncated (not a readable .xlsx)")])
        spans[member.filename] = (offset, start + member.compress_size)
    ordered = sorted(spans.values())
    for (_, end), (next_start, _) in itertools.pairwise(ordered):
        if end > next_start:
            raise TemplateError([TemplateProblem(name, "the workbook's parts overlap: refused as a zip bomb")])
    return spans


def _unpacked(name: str, data: bytes, member: zipfile.ZipInfo, spans: dict[str, tuple[int, int]]) -> Iterator[bytes]:
    """A part's content, chunk by chunk, never more than the size the directory declares."""

    def refuse(message: str) -> TemplateError:
        return TemplateError([TemplateProblem(name, f"part {member.filename!r} {message}")])

    if member.flag_bits & 0x1:
        raise refuse("is encrypted: save the workbook without a password and import it again")
    end = spans[member.filename][1]
    raw = memoryview(data)[end - member.compress_size : end]
    produced = 0
    if member.compress_type == zipfile.ZIP_STORED:
        if member.compress_size != member.file_size:
            raise refuse("is damaged (its sizes disagree)")
        for start in range(0, len(raw), CHUNK):
            yield bytes(raw[start : start + CHUNK])
        return
    if member.compress_type != zipfile.ZIP_DEFLATED:
        raise refuse("uses a compression Excel does not write: save the workbook again from Excel and import it")
    inflater = zlib.decompressobj(-15)
    try:
        for start in range(0, len(raw), CHUNK):
            pending = bytes(raw[start : start + CHUNK])
            while pending:
                out = inflater.decompress(pending, CHUNK)
                pending = inflater.unconsumed_tail
                produced += len(out)
                if produced > member.file_size:
                    raise refuse("unpacks to more than its declared size: refused as a zip bomb")
                if out:
                    yield out
            if inflater.eof:
                break
    except zlib.error:
        raise refuse("is damaged (it does not unpack)") from None
    if produced != member.file_size or not inflater.eof:
        raise refuse("is damaged or truncated (it does not unpack to its declared size)")


class _Forbidden(Exception):
    """A part declares a DTD, an entity or an external reference."""


def _forbid(*_: Any) -> None:
    raise _Forbidden


def _parse(name: str, data: bytes, member: zipfile.ZipInfo, spans: dict[str, tuple[int, int]], target: Any) -> None:
    """Stream one XML part through expat, refusing DTDs, entities and external references (as defusedxml does),
    with the target's handlers called per element."""
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.UnparsedEntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    parser.buffer_text = True
    if hasattr(target, "start"):
        parser.StartElementHandler = target.start
    if hasattr(target, "end"):
        parser.EndElementHandler = target.end
    if hasattr(target, "data"):
        parser.CharacterDataHandler = target.data
    try:
        for chunk in _unpacked(name, data, member, spans):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _Refused as refused:
        raise TemplateError([refused.problem]) from None
    except _Forbidden:
        raise TemplateError(
            [
                TemplateProblem(
                    name,
                    f"part {member.filename!r} declares a DTD or entities (DOCTYPE/ENTITY): workbooks never "
                    "need them; refused",
                )
            ]
        ) from None
    except expat.ExpatError as error:
        raise TemplateError(
            [
                TemplateProblem(
                    name,
                    f"part {member.filename!r} is not well-formed XML (line {error.lineno}): the workbook is damaged",
                )
            ]
        ) from None


class _Nothing:
    """A target that only lets the parser check the part."""


class _Workbook:
    def __init__(self) -> None:
        self.sheets: list[tuple[str, str]] = []

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        if _local(tag) == "sheet":
            rid = next((value for key, value in attributes.items() if key.endswith(":id")), "")
            self.sheets.append((attributes.get("name", ""), rid))

    def end(self, tag: str) -> None:
        return None


class _Relations:
    def __init__(self) -> None:
        self.targets: dict[str, str] = {}

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        if _local(tag) == "Relationship":
            self.targets[attributes.get("Id", "")] = attributes.get("Target", "")

    def end(self, tag: str) -> None:
        return None


class _Strings:
    def __init__(self, file: str, limits: ImportLimits) -> None:
        self.file, self.limit, self.count = file, limits.max_shared_strings, 0

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        if _local(tag) == "si":
            self.count += 1
            if self.count > self.limit:
                raise _Refused(
                    TemplateProblem(self.file, f"the workbook holds more than {self.limit:,} different texts")
                )

    def end(self, tag: str) -> None:
        return None


class _Sheet:
    """Counts a sheet as it streams by: its declared dimension, every cell's reference, and its formulas."""

    def __init__(
        self,
        file: str,
        sheet: str,
        limits: ImportLimits,
        formulas: list[TemplateProblem],
        budget: list[int],
        found: list[Formula] | None = None,
    ) -> None:
        #: budget: the cells and the XML elements still allowed in the whole workbook, shared by its sheets
        self.file, self.sheet, self.limits, self.formulas, self.budget = file, sheet, limits, formulas, budget
        self.found = found if found is not None else []
        self.row = self.column = self.rows = self.columns = 0
        self.in_cell = False
        self.formula: list[str] | None = None
        self.formula_index: str | None = None
        self.shared: dict[str, str] = {}
        #: the current cell's formula text (None: no formula), and whether a value was saved with it
        self.cell_formula: str | None = None
        self.value: list[str] | None = None
        self.cached = False

    def refuse(self, message: str, row: int | None = None, column: str | None = None) -> _Refused:
        return _Refused(TemplateProblem(self.file, message, sheet=self.sheet, row=row, column=column))

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        self.budget[1] -= 1
        if self.budget[1] < 0:
            raise self.refuse(f"the workbook's sheets hold more than {3 * self.limits.max_cells:,} XML elements")
        local = tag if ":" not in tag else tag.rpartition(":")[2]
        if local == "c":
            reference = attributes.get("r")
            if reference:
                found = _REFERENCE.fullmatch(reference)
                if found is None:
                    raise self.refuse(f"cell reference {reference[:20]!r} is not valid: the workbook is damaged")
                letters, digits = found.groups()
                column = _COLUMNS.get(letters)
                if column is None:
                    column = _COLUMNS[letters] = column_number(letters)
                self.column, self.row = column, int(digits)
            else:
                self.column += 1
            self.in_cell = True
            self.cell_formula, self.cached = None, False
            self.budget[0] -= 1
            if self.budget[0] < 0:
                raise self.refuse(
                    f"the workbook's sheets hold more than {self.limits.max_cells:,} cells in all: over the limit"
                )
            if self.row > self.rows or self.column > self.columns:
                self._grow(self.row, self.column)
        elif local == "row":
            reference = attributes.get("r")
            if reference:
                if not reference.isdigit() or len(reference) > 7:
                    raise self.refuse(f"row number {reference[:20]!r} is not valid: the workbook is damaged")
                self.row = int(reference)
            else:
                self.row += 1
            self.column = 0
        elif local in {"v", "t"} and self.in_cell:
            self.value = []
        elif local == "f" and self.in_cell:
            self.formula = []
            self.formula_index = attributes.get("si") if attributes.get("t") == "shared" or "si" in attributes else None
        elif local == "dimension":
            self._dimension(attributes.get("ref", ""))

    def _grow(self, row: int, column: int) -> None:
        rows, columns = max(self.rows, row), max(self.columns, column)
        if (rows, columns) != (self.rows, self.columns):
            why = _area(rows, columns, self.limits)
            if why:
                raise self.refuse(
                    f"there is a cell at {column_letters(column)}{row}, so readers would allocate {rows:,} rows x "
                    f"{columns:,} columns: {why}",
                    row=row,
                    column=column_letters(column),
                )
            self.rows, self.columns = rows, columns

    def _dimension(self, reference: str) -> None:
        last = reference.split(":")[-1]
        found = _REFERENCE.fullmatch(last)
        if found is None:
            if reference:
                raise self.refuse(f"the sheet's declared size {reference[:30]!r} is not valid: the workbook is damaged")
            return
        rows, columns = int(found.group(2)), column_number(found.group(1))
        why = _area(rows, columns, self.limits)
        if why:
            raise self.refuse(
                f"the sheet declares its size as {reference[:30]} ({rows:,} rows x {columns:,} columns): {why}"
            )

    def end(self, tag: str) -> None:
        local = tag if ":" not in tag else tag.rpartition(":")[2]
        if local == "c":
            self.in_cell = False
            if self.cell_formula is not None:
                self._formula(self.cell_formula)
        elif local in {"v", "t"} and self.value is not None:
            self.cached = self.cached or bool("".join(self.value))
            self.value = None
        elif local == "f" and self.formula is not None:
            text = "".join(self.formula).strip()
            if self.formula_index is not None:
                if text:
                    self.shared[self.formula_index] = text
                else:
                    text = self.shared.get(self.formula_index, "")
            self.formula = None
            if text.upper() not in _CONSTANTS:
                self.cell_formula = text

    def _formula(self, text: str) -> None:
        """A formula cell has ended: refused when it reaches outside or has no saved value where text matters."""
        column = column_letters(self.column)
        if reaches_outside(text):
            why = "reaches outside the workbook (a link, a command or a web call): formulas like this are not accepted"
        elif not self.cached and not lenient_sheet(self.sheet):
            why = (
                "has a formula with no saved value (ddq never calculates formulas): open and save the file in a "
                "spreadsheet program, or paste the values instead"
            )
        else:
            if len(self.found) < 10_000:
                self.found.append(Formula(self.sheet, self.row, column, self.cached))
            return
        if len(self.formulas) < 20:
            self.formulas.append(
                TemplateProblem(
                    self.file, f"cell {column}{self.row} {why}", sheet=self.sheet, row=self.row, column=column
                )
            )

    def data(self, text: str) -> None:
        if self.formula is not None and len(self.formula) < 100:
            self.formula.append(text)
        elif self.value is not None and len(self.value) < 4:
            self.value.append(text)


# --- .csv ------------------------------------------------------------------------------------------------------


def measure_csv(name: str, data: bytes, limits: ImportLimits) -> None:
    """Rows, columns and cell sizes of a CSV (already known to be UTF-8), counted without building a table."""

    def refuse(message: str, row: int | None = None) -> TemplateError:
        return TemplateError([TemplateProblem(name, message, row=row)])

    text = data.decode("utf-8-sig")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise refuse("the file holds NUL characters: it is not a text CSV", row=line)
    first = text[: text.find("\n") if "\n" in text else len(text)]
    delimiter = max(",;\t|", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous = csv.field_size_limit(1 << 20)
    columns = 0
    try:
        for rows, record in enumerate(reader, start=1):
            columns = max(columns, len(record))
            why = _area(rows, columns, limits)
            if why:
                raise refuse(f"the file has at least {rows:,} rows and {columns:,} columns: {why}", row=rows)
    except csv.Error as error:
        raise refuse(f"the file is not a readable CSV: {error}", row=reader.line_num) from None
    finally:
        csv.field_size_limit(previous)


# --- .xls ------------------------------------------------------------------------------------------------------

#: BIFF8 records: a sheet's declared size, and the records that place one cell (row, column first).
_DIMENSIONS = 0x0200
_CELL_RECORDS = {0x0203, 0x00FD, 0x027E, 0x0201, 0x0204, 0x00D6, 0x0205, 0x0006}
_MULTI_RECORDS = {0x00BD, 0x00BE}  # MULRK, MULBLANK: row, first column, ..., last column
_FORMULA, _BOF, _BOUNDSHEET = 0x0006, 0x0809, 0x0085
#: Names of other files or programs (DDE, external links), and HYPERLINK (function 359) called in a formula.
_EXTERNNAME = 0x0023


def measure_xls(name: str, data: bytes, limits: ImportLimits) -> list[Formula]:
    """The same measures for an Excel 97-2003 workbook, read record by record from its Workbook stream."""
    from xlrd.compdoc import CompDoc, CompDocError

    def refuse(message: str, **where: Any) -> TemplateError:
        return TemplateError([TemplateProblem(name, message, **where)])

    try:
        document = CompDoc(data, logfile=io.StringIO())
        stream, start, size = document.locate_named_stream("Workbook")
        if stream is None:
            stream, start, size = document.locate_named_stream("Book")
    except (CompDocError, IndexError, ValueError, struct.error, MemoryError, RecursionError):
        raise refuse("the workbook is damaged or truncated (not a readable .xls)") from None
    if stream is None:
        raise refuse("the file is not an Excel 97-2003 workbook (no workbook stream): save it as .xlsx")
    stream = bytes(stream[start : start + size])
    sheets: list[str] = []
    sheet_index = -1
    rows = columns = 0
    formulas: list[TemplateProblem] = []
    found: list[Formula] = []
    position = 0
    while position + 4 <= len(stream):
        kind, length = struct.unpack_from("<HH", stream, position)
        body = stream[position + 4 : position + 4 + length]
        position += 4 + length
        if kind == _BOUNDSHEET and len(body) > 8:
            sheets.append(_xls_sheet_name(body[6:]))
            if len(sheets) > limits.max_sheets:
                raise refuse(f"the workbook has more than {limits.max_sheets} sheets")
        elif kind == _BOF and len(body) >= 4 and struct.unpack_from("<H", body, 2)[0] == 0x0010:
            sheet_index += 1
            rows = columns = 0
        sheet = sheets[sheet_index] if 0 <= sheet_index < len(sheets) else f"sheet {sheet_index + 1}"
        if kind == _EXTERNNAME:
            raise refuse("the workbook names another file or program (an external link or DDE command): refused")
        if kind == _DIMENSIONS and len(body) >= 12:
            _first_row, last_row, _first_column, last_column = struct.unpack_from("<IIHH", body, 0)
            why = _area(last_row, last_column, limits)
            if why:
                raise refuse(
                    f"the sheet declares its size as {last_row:,} rows x {last_column:,} columns: {why}", sheet=sheet
                )
        elif (kind in _CELL_RECORDS or kind in _MULTI_RECORDS) and len(body) >= 4:
            row, column = struct.unpack_from("<HH", body, 0)
            if kind in _MULTI_RECORDS and len(body) >= 6:
                column = struct.unpack_from("<H", body, len(body) - 2)[0]
            rows, columns = max(rows, row + 1), max(columns, column + 1)
            why = _area(rows, columns, limits)
            if why:
                raise refuse(
                    f"there is a cell at {column_letters(column + 1)}{row + 1}: {why}",
                    sheet=sheet,
                    row=row + 1,
                    column=column_letters(column + 1),
                )
            if kind == _FORMULA and len(body) >= 20:
                # the saved result: a number, or (0xFFFF in bytes 12-13) a string, boolean, error (2) or empty
                cached = body[12:14] != b"\xff\xff" or body[6] != 2
                where = Formula(sheet, row + 1, column_letters(column + 1), cached)
                if HYPERLINK_CALL.search(body[22:]):
                    why = "reaches outside the workbook (a link): formulas like this are not accepted"
                elif not cached and not lenient_sheet(sheet):
                    why = "has a formula with no saved value (ddq never calculates formulas): paste the values instead"
                else:
                    if len(found) < 10_000:
                        found.append(where)
                    continue
                if len(formulas) < 20:
                    formulas.append(
                        TemplateProblem(
                            name, f"cell {where.cell} {why}", sheet=sheet, row=where.row, column=where.column
                        )
                    )
    if formulas:
        raise TemplateError(formulas)
    return found


def _xls_sheet_name(body: bytes) -> str:
    """A BOUNDSHEET record's name: a length, a flag (1 = UTF-16), then the characters."""
    if len(body) < 2:
        return "?"
    length, flag = body[0], body[1]
    raw = body[2 : 2 + length * (2 if flag & 1 else 1)]
    return raw.decode("utf-16-le" if flag & 1 else "latin-1", "replace")
