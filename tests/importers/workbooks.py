"""Small workbooks built in tests: rows by sheet, and formulas with (or without) the value a spreadsheet program
saves beside them."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl


def workbook_bytes(rows_by_sheet: dict[str, list[list[object]]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in rows_by_sheet.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_saved_values(data: bytes, values: dict[tuple[int, str], str]) -> bytes:
    """Give formula cells the value Excel saves with them ((sheet position from 1, cell) -> text); openpyxl
    writes formulas without one."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            for (sheet, cell), value in values.items():
                if item.filename == f"xl/worksheets/sheet{sheet}.xml":
                    text = content.decode()
                    text, count = re.subn(
                        rf'<c r="{cell}"([^>]*)><f>([^<]*)</f><v\s*/>',
                        lambda found, cell=cell, value=value: (
                            f'<c r="{cell}"{found.group(1)} t="str"><f>{found.group(2)}</f><v>{value}</v>'
                        ),
                        text,
                    )
                    assert count == 1, (sheet, cell)
                    content = text.encode()
            target.writestr(item, content)
    return out.getvalue()
