"""A corpus of hostile files, built from scratch: sparse sheets, lying dimensions, zip bombs, entity expansion,
formulas, odd encodings, deep nesting, too many rows. Each entry says what its refusal must mention.

`build(folder)` writes every file and returns [(file name, the fragment its refusal names)].
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[3] / "shared" / "samples"

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "{overrides}</Types>"
)
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)


def sheet_xml(cells: str, dimension: str | None = None, prolog: str = "") -> bytes:
    """A worksheet part around `cells` (the sheetData content)."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
        f"{dim}<sheetData>{cells}</sheetData></worksheet>"
    ).encode()


def text_cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def header_cells(row: int = 1) -> str:
    return f'<row r="{row}">' + text_cell(f"A{row}", "No.") + text_cell(f"B{row}", "Question") + "</row>"


def workbook_parts(sheets: list[tuple[str, bytes]], extra: dict[str, bytes] | None = None) -> dict[str, bytes]:
    """The parts of a minimal .xlsx: one worksheet part per (name, xml)."""
    entries = "".join(
        f'<sheet name="{name}" sheetId="{number}" r:id="rId{number}"/>'
        for number, (name, _) in enumerate(sheets, start=1)
    )
    relations = "".join(
        f'<Relationship Id="rId{number}" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet{number}.xml"/>'
        for number in range(1, len(sheets) + 1)
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{number}.xml" ContentType="{SHEET_TYPE}"/>'
        for number in range(1, len(sheets) + 1)
    )
    parts = {
        "[Content_Types].xml": CONTENT_TYPES.format(overrides=overrides).encode(),
        "_rels/.rels": ROOT_RELS.encode(),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
            f"<sheets>{entries}</sheets></workbook>"
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/relationships">{relations}</Relationships>'
        ).encode(),
    }
    for number, (_, xml) in enumerate(sheets, start=1):
        parts[f"xl/worksheets/sheet{number}.xml"] = xml
    parts.update(extra or {})
    return parts


def zipped(parts: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def xlsx(cells: str, dimension: str | None = None, name: str = "Questions") -> bytes:
    return zipped(workbook_parts([(name, sheet_xml(cells, dimension))]))


def raw_zip(entries: list[dict]) -> bytes:
    """A zip written by hand, so that it can lie: each entry is a dict with name, content and optionally
    declared_size, flags, method, same_data_as (index of an earlier entry whose bytes it points to)."""
    out = bytearray()
    central = bytearray()
    offsets: list[int] = []
    for entry in entries:
        name = entry["name"].encode()
        content = entry["content"]
        method = entry.get("method", 8)
        packed = entry.get("packed") or (content if method == 0 else zlib.compress(content, 9)[2:-4])
        crc = zlib.crc32(content)
        size = entry.get("declared_size", len(content))
        flags = entry.get("flags", 0)
        if "same_data_as" in entry:
            offset = offsets[entry["same_data_as"]]
            packed_size = entries[entry["same_data_as"]]["packed_size"]
        else:
            offset = len(out)
            out += struct.pack(
                "<IHHHHHIIIHH", 0x04034B50, 20, flags, method, 0, 0, crc, len(packed), size, len(name), 0
            )
            out += name + packed
            packed_size = len(packed)
            entry["packed_size"] = packed_size
        offsets.append(offset)
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            flags,
            method,
            0,
            0,
            crc,
            packed_size,
            size,
            len(name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += name
    start = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), start, 0)
    return bytes(out)


def minimal_entries(sheet: bytes) -> list[dict]:
    parts = workbook_parts([("Questions", sheet)])
    return [{"name": name, "content": content} for name, content in parts.items()]


def xlsform(rows: list[list[str]]) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    survey = workbook.active
    survey.title = "survey"
    for row in rows:
        survey.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def nested(depth: int) -> bytes:
    rows = [["type", "name", "label"]]
    rows += [["begin group", f"g{level}", f"Group {level}"] for level in range(depth)]
    rows.append(["text", "q", "Deep question?"])
    rows += [["end group", "", ""] for _ in range(depth)]
    return xlsform(rows)


def _patched_xls(change: Callable[[bytearray], None]) -> bytes:
    data = bytearray((SAMPLES / "xlsform" / "tutorial.xls").read_bytes())
    change(data)
    return bytes(data)


def _xls_dimension(data: bytearray) -> None:
    """The first sheet's DIMENSIONS record (0x0200, 14 bytes) declares a million rows."""
    at = data.find(b"\x00\x02\x0e\x00")
    struct.pack_into("<I", data, at + 8, 1_000_000)


def _xls_far_cell(data: bytearray) -> None:
    """The first LABELSST cell (0x00FD, 10 bytes) moves to row 60,000; its DIMENSIONS record is left alone."""
    at = data.find(b"\xfd\x00\x0a\x00")
    struct.pack_into("<H", data, at + 4, 60_000)


LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">' for n in range(1, 10))
    + f']><sst xmlns="{MAIN}"><si><t>&lol9;</t></si></sst>'
)


def csv_rows(rows: int, columns: int) -> bytes:
    line = ",".join(f"c{n}" for n in range(columns)) + "\n"
    return ("No.,Question\n" + line * rows).encode()


def corpus() -> list[tuple[str, Callable[[], bytes], str]]:
    """(file name, how to make it, what its refusal must say)."""
    big_rows = "".join(
        f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="B{n}"><v>1</v></c></row>' for n in range(2, 100_002)
    )
    many = "".join(
        f'<row r="{n}">' + "".join(f'<c r="{column}{n}"><v>{n}</v></c>' for column in "ABCDEFGHIJ") + "</row>"
        for n in range(1, 9001)
    )  # 9,000 rows x 10 columns a sheet: each sheet within the limits, four of them over it
    return [
        # sparse sheets: one far cell makes readers allocate the whole rectangle from A1
        (
            "sparse-xfd1048576.xlsx",
            lambda: xlsx(header_cells() + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'),
            "XFD1048576",
        ),
        (
            "sparse-zz200000.xlsx",
            lambda: xlsx(header_cells() + '<row r="200000"><c r="ZZ200000"><v>1</v></c></row>'),
            "ZZ200000",
        ),
        (
            "sparse-far-column.xlsx",
            lambda: xlsx(header_cells() + '<row r="2"><c r="XFD2"><v>1</v></c></row>'),
            "columns",
        ),
        ("sparse-area.xlsx", lambda: xlsx(header_cells() + '<row r="9000"><c r="GR9000"><v>1</v></c></row>'), "cells"),
        (
            "sparse-lowercase.xlsx",
            lambda: xlsx(header_cells() + '<row r="2"><c r="xfd1048576"><v>1</v></c></row>'),
            "XFD1048576",
        ),
        (
            "sparse-absolute.xlsx",
            lambda: xlsx(header_cells() + '<row r="2"><c r="$XFD$1048576"><v>1</v></c></row>'),
            "XFD1048576",
        ),
        ("sparse-row-only.xlsx", lambda: xlsx(header_cells() + '<row r="1048576"><c><v>1</v></c></row>'), "A1048576"),
        ("rows-without-references.xlsx", lambda: xlsx("<row><c><v>1</v></c></row>" * 20_000), "rows"),
        # lying or broken dimensions
        ("dimension-lies.xlsx", lambda: xlsx(header_cells(), dimension="A1:XFD1048576"), "declares its size"),
        ("dimension-rows.xlsx", lambda: xlsx(header_cells(), dimension="A1:B5000000"), "declares its size"),
        ("dimension-garbage.xlsx", lambda: xlsx(header_cells(), dimension="A1:ZZZZ99999999"), "not valid"),
        ("cell-reference-garbage.xlsx", lambda: xlsx('<row r="1"><c r="1A"><v>1</v></c></row>'), "not valid"),
        ("row-number-garbage.xlsx", lambda: xlsx('<row r="-5"><c><v>1</v></c></row>'), "not valid"),
        # too much, honestly declared
        ("rows-100k.xlsx", lambda: xlsx(header_cells() + big_rows), "rows"),
        ("rows-100k.csv", lambda: csv_rows(100_000, 2), "rows"),
        ("columns-5000.csv", lambda: csv_rows(1, 5000), "columns"),
        ("area.csv", lambda: csv_rows(9000, 150), "cells"),
        (
            "sheets-60.xlsx",
            lambda: zipped(workbook_parts([(f"S{n}", sheet_xml(header_cells())) for n in range(60)])),
            "sheets",
        ),
        (
            "cells-in-all.xlsx",
            lambda: zipped(workbook_parts([(f"S{n}", sheet_xml(many)) for n in range(4)])),
            "in all",
        ),
        (
            "xml-elements.xlsx",
            lambda: xlsx(
                '<row r="1"><c r="A1" t="inlineStr"><is>'
                + "".join(f"<r><t>{n}</t></r>" for n in range(500_000))
                + "</is></c></row>"
            ),
            "XML elements",
        ),
        (
            "shared-strings.xlsx",
            lambda: zipped(
                workbook_parts(
                    [("Q", sheet_xml(header_cells()))],
                    {
                        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}">'.encode()
                        + "".join(f"<si><t>{n}</t></si>" for n in range(200_001)).encode()
                        + b"</sst>"
                    },
                )
            ),
            "different texts",
        ),
        # zip bombs and lying archives
        (
            "zip-bomb.xlsx",
            lambda: zipped(
                workbook_parts([("Q", sheet_xml(header_cells()))], {"xl/media/zeros.bin": b"\0" * (60 * 2**20)})
            ),
            "zip bomb",
        ),
        (
            "zip-lying-size.xlsx",
            lambda: raw_zip(
                [
                    *minimal_entries(sheet_xml(header_cells())),
                    {
                        "name": "xl/worksheets/sheet9.xml",
                        "content": sheet_xml(
                            "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>' for n in range(1, 5000))
                        ),
                        "declared_size": 100,
                    },
                ]
            ),
            "declared size",
        ),
        (
            "zip-overlap.xlsx",
            lambda: raw_zip(
                [
                    *minimal_entries(sheet_xml(header_cells())),
                    {"name": "xl/media/a.bin", "content": b"x" * 1000},
                    {"name": "xl/media/b.bin", "content": b"x" * 1000, "same_data_as": 5},
                ]
            ),
            "overlap",
        ),
        (
            "zip-parts-2000.xlsx",
            lambda: zipped(
                workbook_parts([("Q", sheet_xml(header_cells()))], {f"xl/media/{n}.bin": b"x" for n in range(2000)})
            ),
            "parts",
        ),
        (
            "zip-encrypted-part.xlsx",
            lambda: raw_zip(
                [
                    {**entry, "flags": 1} if entry["name"].startswith("xl/worksheets") else entry
                    for entry in minimal_entries(sheet_xml(header_cells()))
                ]
            ),
            "encrypted",
        ),
        (
            "zip-bzip2.xlsx",
            lambda: zipped(workbook_parts([("Q", sheet_xml(header_cells()))]), zipfile.ZIP_BZIP2),
            "compression",
        ),
        (
            "zip-duplicate-names.xlsx",
            lambda: raw_zip(
                [*minimal_entries(sheet_xml(header_cells())), {"name": "xl/workbook.xml", "content": b"<workbook/>"}]
            ),
            "same name",
        ),
        ("zip-truncated.xlsx", lambda: xlsx(header_cells())[:300], "damaged"),
        ("zip-not-a-workbook.xlsx", lambda: zipped({"word/document.xml": b"<document/>"}), "not an Excel workbook"),
        (
            "zip-bad-deflate.xlsx",
            lambda: raw_zip(
                [
                    {**entry, "packed": b"\xff" * 40} if entry["name"].startswith("xl/worksheets") else entry
                    for entry in minimal_entries(sheet_xml(header_cells()))
                ]
            ),
            "does not unpack",
        ),
        # entity expansion and external entities
        (
            "billion-laughs.xlsx",
            lambda: zipped(
                workbook_parts([("Q", sheet_xml(header_cells()))], {"xl/sharedStrings.xml": LAUGHS.encode()})
            ),
            "DTD",
        ),
        (
            "external-entity.xlsx",
            lambda: zipped(
                workbook_parts(
                    [
                        (
                            "Q",
                            sheet_xml(
                                '<row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row>',
                                prolog='<!DOCTYPE w [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
                            ),
                        )
                    ]
                )
            ),
            "DTD",
        ),
        (
            "doctype-workbook.xlsx",
            lambda: zipped(
                {
                    **workbook_parts([("Q", sheet_xml(header_cells()))]),
                    "xl/workbook.xml": b'<?xml version="1.0"?><!DOCTYPE workbook [<!ENTITY a "b">]><workbook/>',
                }
            ),
            "DTD",
        ),
        (
            "doctype-content-types.xlsx",
            lambda: zipped(
                {
                    **workbook_parts([("Q", sheet_xml(header_cells()))]),
                    "[Content_Types].xml": b'<!DOCTYPE Types SYSTEM "http://example.org/x.dtd"><Types/>',
                }
            ),
            "DTD",
        ),
        (
            "doctype-utf16.xlsx",
            lambda: zipped(
                workbook_parts(
                    [
                        (
                            "Q",
                            sheet_xml(header_cells(), prolog='<!DOCTYPE w [<!ENTITY a "b">]>')
                            .decode()
                            .replace('encoding="UTF-8"', 'encoding="UTF-16"')
                            .encode("utf-16"),
                        )
                    ]
                )
            ),
            "DTD",
        ),
        (
            "malformed-xml.xlsx",
            lambda: zipped(workbook_parts([("Q", b"<worksheet><sheetData><row>")])),
            "not well-formed",
        ),
        # formulas
        (
            "formula.xlsx",
            lambda: xlsx(
                header_cells()
                + '<row r="2"><c r="A2"><v>1</v></c><c r="B2"><f>HYPERLINK("http://example.org","Click")</f><v>0</v></c></row>'
            ),
            "reaches outside the workbook",
        ),
        (
            "formula-dde.xlsx",
            lambda: xlsx(header_cells() + """<row r="2"><c r="B2"><f>cmd|' /C calc'!A0</f></c></row>"""),
            "reaches outside the workbook",
        ),
        (
            "formula-shared.xlsx",
            lambda: xlsx(
                header_cells()
                + '<row r="2"><c r="A2"><f t="shared" si="0" ref="A2:A3">1+1</f></c></row>'
                + '<row r="3"><c r="A3"><f t="shared" si="0"/></c></row>'
            ),
            "no saved value",
        ),
        # encodings
        ("latin-1.csv", lambda: "No.,Question\n1,Êtes-vous enregistré ?\n".encode("latin-1"), "not UTF-8"),
        ("utf-16.csv", lambda: "No.,Question\n1,Registered?\n".encode("utf-16"), "not UTF-8"),
        ("nul-bytes.csv", lambda: b"No.,Question\n1,Reg\x00istered?\n", "NUL"),
        ("huge-field.csv", lambda: b'No.,Question\n1,"' + b"a" * (2 * 2**20) + b'"\n', "not a readable CSV"),
        # nesting and size in XLSForms
        ("xlsform-nested-3000.xlsx", lambda: nested(3000), "nested 3000 deep"),
        ("xlsform-nested-31.xlsx", lambda: nested(31), "nested 31 deep"),
        (
            "xlsform-100k-rows.xlsx",
            lambda: xlsx(
                "".join(
                    f'<row r="{n}">{text_cell(f"A{n}", "text")}{text_cell(f"B{n}", f"q{n}")}'
                    f'{text_cell(f"C{n}", "Question?")}</row>'
                    for n in range(2, 100_002)
                ),
                name="survey",
            ),
            "rows",
        ),
        # old Excel files that lie
        ("xls-dimension-lies.xls", lambda: _patched_xls(_xls_dimension), "declares its size"),
        ("xls-far-cell.xls", lambda: _patched_xls(_xls_far_cell), "rows"),
        ("xls-damaged.xls", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 4000, "damaged"),
        # disguises
        ("password-protected.xlsx", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 4096, "password-protected"),
        ("empty.xlsx", lambda: b"", "empty"),
    ]


def build(folder: Path) -> list[tuple[str, str]]:
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for name, make, fragment in corpus():
        (folder / name).write_bytes(make())
        made.append((name, fragment))
    return made
