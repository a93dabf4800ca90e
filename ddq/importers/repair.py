"""XLSForms as they come: the sheets are read, repaired where the meaning is clear, and only then handed to
pyxform's own parser. Every repair is named (sheet, row, what changed) so that staff can check it.

Repaired: sheet names and headers with stray spaces; duplicate column headers; legacy column syntax
(`label:English`, `bind:relevant`); type words in capitals or with extra spaces; questions with no name, an invalid
name or a name used twice; unmatched `begin group`/`end group`; selects whose list is not on the choices sheet
(asked as text); `or_other` beside a choice filter; conditions that name a question the form does not have (kept
as a note); choices with no name, duplicate names or spaces in a multiple choice's names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

#: Sheets pyxform reads; any other sheet is ignored (unless it is the only one: then it is the survey).
SHEETS = ("survey", "choices", "settings", "external_choices", "osm", "entities")
#: Column prefixes that older XLSForms join to their language or attribute with one colon.
_LEGACY = re.compile(
    r"^(label|hint|guidance_hint|constraint_message|required_message|media|image|audio|video|big-image|bind|"
    r"body|control|instance|parameters)\s*:\s*(?!:)(.+)$",
    re.IGNORECASE,
)
#: pyxform's rule for names: a letter or underscore, then letters, digits, underscores, hyphens or periods.
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_REFERENCE = re.compile(r"\$\{\s*([^}]*?)\s*\}")
_SELECT = re.compile(
    r"^(select_one|select_multiple|select one|select multiple|select all that apply|rank)\s+(\S+)(\s+or_other)?$"
)
_GROUP = re.compile(r"^(begin|end)[ _](group|repeat)$")
#: Type words whose capitalisation pyxform does not forgive.
_TYPE_WORDS = {
    "text",
    "integer",
    "decimal",
    "date",
    "time",
    "datetime",
    "note",
    "image",
    "audio",
    "video",
    "file",
    "geopoint",
    "geotrace",
    "geoshape",
    "barcode",
    "calculate",
    "acknowledge",
    "range",
    "hidden",
    "start",
    "end",
    "today",
    "deviceid",
    "username",
    "email",
    "audit",
    "rank",
    "select_one",
    "select_multiple",
    "begin_group",
    "end_group",
    "begin_repeat",
    "end_repeat",
    "begin group",
    "end group",
    "begin repeat",
    "end repeat",
}
#: Standard column names (the part before any '::language').
_COLUMNS = {
    "type",
    "name",
    "label",
    "hint",
    "guidance_hint",
    "list_name",
    "list name",
    "relevant",
    "required",
    "constraint",
    "constraint_message",
    "required_message",
    "choice_filter",
    "appearance",
    "calculation",
    "default",
    "parameters",
    "repeat_count",
    "read_only",
    "trigger",
    "media",
    "image",
    "audio",
    "video",
}
#: Columns holding expressions that may name other questions.
_EXPRESSIONS = ("relevant", "constraint", "required", "calculation", "choice_filter", "repeat_count", "trigger")


def restore_unresolved(children: list[dict[str, Any]], repairs: Repairs) -> None:
    """Put the expressions taken out back on pyxform's questions as notes (a column ddq keeps as metadata)."""
    for child in children:
        child.update(repairs.unresolved.get(child.get("name", ""), {}))
        restore_unresolved(child.get("children") or [], repairs)


def cell_text(value: Any) -> str:
    """A cell as pyxform reads it: text stripped, whole numbers without '.0', TRUE/FALSE for booleans."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN: an empty cell
            return ""
        if value.is_integer():
            return str(int(value))
    if value is True:
        return "TRUE"
    if value is False:
        return "FALSE"
    return str(value).replace("\u00a0", " ").strip()


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_.-")[:40].lower()
    if text and not re.match(r"[A-Za-z_]", text):
        text = "_" + text
    return text


def _unique(base: str, used: set[str]) -> str:
    candidate, number = base, 2
    while candidate in used:
        candidate, number = f"{base}_{number}", number + 1
    used.add(candidate)
    return candidate


class Repairs:
    """The repairs made to one workbook, each located."""

    def __init__(self) -> None:
        self.notes: list[str] = []
        #: question name -> {column: expression} taken out because it names what the form does not have
        self.unresolved: dict[str, dict[str, str]] = {}

    def add(self, sheet: str, row: int | None, message: str) -> None:
        where = f"sheet {sheet!r}" + (f", row {row}" if row else "")
        self.notes.append(f"repaired ({where}): {message}")


def _column_name(raw: str, sheet: str, repairs: Repairs) -> str:
    name = re.sub(r"\s+", " ", raw.replace("\u00a0", " ")).strip()
    head, separator, rest = name.partition("::")
    if head.lower() in _COLUMNS:
        name = head.lower() + separator + rest  # pyxform forgives capitals here; the repairs read lower case
    if name.strip() != raw.strip():
        repairs.add(sheet, 1, f"column header {raw!r} read as {name!r} (stray spaces)")
    legacy = _LEGACY.match(name)
    if legacy:
        prefix, rest = legacy.group(1).lower(), legacy.group(2).strip()
        fixed = rest if prefix == "bind" else f"{prefix}::{rest}"
        repairs.add(sheet, 1, f"legacy column {name!r} read as {fixed!r}")
        name = fixed
    return name


def _header(cells: list[Any], sheet: str, repairs: Repairs) -> tuple[list[str | None], dict[int, int]]:
    """A sheet's column names, cleaned, and each duplicate column -> the first column of its name (whose empty
    cells it fills)."""
    names: list[str | None] = []
    duplicates: dict[int, int] = {}
    first: dict[str, int] = {}
    for index, cell in enumerate(cells):
        raw = cell if isinstance(cell, str) else cell_text(cell)
        name = _column_name(raw, sheet, repairs) if raw.strip() else None
        if name is not None and name in first:
            repairs.add(
                sheet,
                1,
                f"column {name!r} appears twice: column {index + 1} fills only the cells the first leaves empty",
            )
            duplicates[index] = first[name]
            name = None
        elif name is not None:
            first[name] = index
        names.append(name)
    return names, duplicates


def _rows(frame: Any, sheet: str, repairs: Repairs) -> tuple[list[dict[str, str]], list[str]]:
    rows = frame.itertuples(index=False, name=None)
    names, duplicates = _header(list(next(rows, ())), sheet, repairs)
    result: list[dict[str, str]] = []
    empty_run = 0
    for row in rows:
        values: dict[str, str] = {}
        for index, name in enumerate(names):
            if name is not None and index < len(row):
                text = cell_text(row[index])
                if text:
                    values[name] = text
        for index, target in duplicates.items():
            name = names[target]
            if name and index < len(row) and not values.get(name) and cell_text(row[index]):
                values[name] = cell_text(row[index])
        if not values:
            empty_run += 1
            if empty_run > 60:
                break
        else:
            empty_run = 0
        result.append(values)
    while result and not result[-1]:
        result.pop()
    return result, [name for name in names if name is not None]


def book_from_sheets(sheets: Mapping[str, Any], repairs: Repairs) -> dict[str, Any]:
    """pyxform's workbook dict from sheets read with no header (a frame per sheet), sheet names repaired."""
    book: dict[str, Any] = {"sheet_names": list(sheets)}
    for name, frame in sheets.items():
        key = re.sub(r"\s+", " ", str(name)).strip().lower()
        if key not in SHEETS:
            if len(sheets) == 1:
                key = "survey"
            else:
                continue
        elif key != str(name).lower():
            repairs.add(str(name), None, f"sheet name {name!r} read as {key!r}")
        if key in book:
            repairs.add(str(name), None, f"a second {key!r} sheet is ignored")
            continue
        rows, header = _rows(frame, key, repairs)
        book[key] = rows
        book[f"{key}_header"] = [{column: None for column in header}] if header else []
    return book


def repair_book(book: dict[str, Any], repairs: Repairs) -> dict[str, Any]:
    """Repair a workbook dict in place (and return it) where pyxform would refuse what can be understood."""
    survey: list[dict[str, str]] = book.get("survey") or []
    choices: list[dict[str, str]] = book.get("choices") or []
    settings: list[dict[str, str]] = book.get("settings") or []
    lists: dict[str, list[dict[str, str]]] = {}
    for row in choices:
        list_name = row.get("list_name") or row.get("list name")
        if list_name:
            lists.setdefault(list_name, []).append(row)
    _repair_types(survey, repairs)
    filtered, multiple = _lists_in_use(survey)
    _repair_choices(choices, lists, filtered, multiple, settings, repairs)
    book["settings"] = settings
    _repair_selects(survey, lists, choices, repairs)
    _repair_names(survey, repairs)
    _repair_groups(survey, repairs)
    _repair_references(survey, repairs)
    for sheet in ("survey", "choices", "settings"):
        rows = book.get(sheet) or []
        header = book.get(f"{sheet}_header") or [{}]
        header[0].update({key: None for row in rows for key in row if key not in header[0]})
        if header[0]:
            book[f"{sheet}_header"] = header
    return book


def _repair_types(survey: list[dict[str, str]], repairs: Repairs) -> None:
    for number, row in enumerate(survey, start=2):
        kind = row.get("type")
        if not kind:
            continue
        words = re.sub(r"\s+", " ", kind).strip()
        head, _, rest = words.partition(" ")
        if head.lower() in _TYPE_WORDS and head != head.lower():
            head = head.lower()
        for group in ("begin group", "end group", "begin repeat", "end repeat"):
            if words.lower() == group and words != group:
                head, rest = group, ""
        fixed = f"{head} {rest}".strip() if rest and not _GROUP.match(head) else head
        if words.lower().endswith(" or_other") and not fixed.endswith(" or_other"):
            fixed = fixed.rsplit(" ", 1)[0] + " or_other"
        if fixed != kind:
            repairs.add("survey", number, f"type {kind!r} read as {fixed!r}")
            row["type"] = fixed


def _lists_in_use(survey: list[dict[str, str]]) -> tuple[set[str], set[str]]:
    """The lists asked with a choice filter (duplicates allowed there) and as multiple choices."""
    filtered: set[str] = set()
    multiple: set[str] = set()
    for row in survey:
        found = _SELECT.match(row.get("type", ""))
        if found:
            if row.get("choice_filter"):
                filtered.add(found.group(2))
            if found.group(1) != "select_one" and found.group(1) != "select one":
                multiple.add(found.group(2))
    return filtered, multiple


def _repair_choices(
    choices: list[dict[str, str]],
    lists: dict[str, list[dict[str, str]]],
    filtered: set[str],
    multiple: set[str],
    settings: list[dict[str, str]],
    repairs: Repairs,
) -> None:
    label_key = next((key for row in choices for key in row if key.startswith("label")), "label")
    seen: dict[str, dict[str, dict[str, str]]] = {}
    drop: list[int] = []
    for number, row in enumerate(choices, start=2):
        list_name = row.get("list_name") or row.get("list name")
        if not list_name:
            continue
        names = seen.setdefault(list_name, {})
        name = row.get("name", "")
        if not name:
            label = row.get(label_key, "")
            if not label:
                drop.append(number - 2)
                repairs.add("choices", number, f"a choice of list {list_name!r} with no name and no label is left out")
                continue
            name = _unique(_slug(label) or "choice", set(names))
            row["name"] = name
            repairs.add("choices", number, f"a choice of list {list_name!r} with no name is named {name!r}")
        if list_name in multiple and " " in name:
            fixed = _unique(name.replace(" ", "_"), set(names))
            repairs.add("choices", number, f"choice {name!r} of list {list_name!r} has spaces: named {fixed!r}")
            row["name"] = name = fixed
        if name in names and list_name not in filtered:
            if row.get(label_key, "") in ("", names[name].get(label_key, "")):
                drop.append(number - 2)
                repairs.add(
                    "choices", number, f"choice {name!r} of list {list_name!r} repeats an earlier one: left out"
                )
                continue
            fixed = _unique(name, set(names))
            repairs.add(
                "choices",
                number,
                f"choice name {name!r} is used twice in list {list_name!r}: this one is named {fixed!r}",
            )
            row["name"] = name = fixed
        names.setdefault(name, row)
    for index in reversed(drop):
        row = choices.pop(index)
        choices.insert(index, {})  # an empty row keeps the row numbers of pyxform's messages right
        lists[row.get("list_name") or row.get("list name", "")].remove(row)
    duplicated = {
        list_name
        for list_name in filtered
        if len({row.get("name") for row in lists.get(list_name, [])}) < len(lists.get(list_name, []))
    }
    if duplicated:
        if not settings:
            settings.append({})
        if settings[0].get("allow_choice_duplicates", "no").lower() not in {"yes", "true", "true()"}:
            settings[0]["allow_choice_duplicates"] = "yes"
            repairs.add(
                "settings",
                None,
                f"the filtered lists {', '.join(sorted(duplicated))} repeat choice names: duplicates allowed",
            )


def _repair_selects(
    survey: list[dict[str, str]],
    lists: dict[str, list[dict[str, str]]],
    choices: list[dict[str, str]],
    repairs: Repairs,
) -> None:
    for number, row in enumerate(survey, start=2):
        found = _SELECT.match(row.get("type", ""))
        if not found:
            continue
        kind, list_name, or_other = found.groups()
        if list_name not in lists:
            row["type"] = "text"
            repairs.add("survey", number, f"list {list_name!r} is not on the choices sheet: asked as text")
            continue
        if or_other and row.get("choice_filter"):
            other_list = f"{list_name}_or_other"
            if other_list not in lists:
                copies = [{**choice, "list_name": other_list} for choice in lists[list_name]]
                copies = [choice for choice in copies if choice.get("name") != "other"]
                copies.append({"list_name": other_list, "name": "other", "label": "Other"})
                for choice in copies:
                    choice.pop("list name", None)
                lists[other_list] = copies
                choices.extend(copies)
            row["type"] = f"{kind} {other_list}"
            repairs.add(
                "survey",
                number,
                "or_other beside a choice filter (pyxform allows only one): 'Other' is offered as a choice",
            )


def _repair_names(survey: list[dict[str, str]], repairs: Repairs) -> None:
    """Every question and group named, validly and once within its group."""
    scopes: list[set[str]] = [set()]
    for number, row in enumerate(survey, start=2):
        kind = (row.get("type") or "").lower()
        group = _GROUP.match(kind.replace("_", " ", 1)) if kind else None
        if group and group.group(1) == "end":
            if len(scopes) > 1:
                scopes.pop()
            continue
        if not kind:
            continue
        name = row.get("name", "")
        used = scopes[-1]
        fixed = name
        if not name:
            label = next((value for key, value in row.items() if key.startswith("label") and value), "")
            fixed = _unique(_slug(label) or f"q_{number}", used)
            repairs.add("survey", number, f"a {kind} with no name is named {fixed!r}")
        elif not _NAME.match(name):
            fixed = _unique(_slug(name) or f"q_{number}", used)
            repairs.add("survey", number, f"name {name!r} is not valid in an XLSForm: named {fixed!r}")
        elif name in used:
            fixed = _unique(name, used)
            repairs.add("survey", number, f"name {name!r} is used twice in the same group: this one is named {fixed!r}")
        else:
            used.add(name)
        row["name"] = fixed
        if group and group.group(1) == "begin":
            scopes.append(set())


def _repair_groups(survey: list[dict[str, str]], repairs: Repairs) -> None:
    """Drop an `end group` with no `begin`, close groups left open at the end of the sheet."""
    stack: list[tuple[str, int]] = []
    for number, row in enumerate(survey, start=2):
        found = _GROUP.match(re.sub(r"\s+", " ", (row.get("type") or "").lower()))
        if not found:
            continue
        if found.group(1) == "begin":
            stack.append((found.group(2), number))
        elif stack and stack[-1][0] == found.group(2):
            stack.pop()
        else:
            repairs.add("survey", number, f"an 'end {found.group(2)}' with no matching begin is ignored")
            row.clear()
    for kind, number in reversed(stack):
        repairs.add("survey", number, f"the {kind} begun here is never ended: it ends with the sheet")
        survey.append({"type": f"end {kind}"})


def _repair_references(survey: list[dict[str, str]], repairs: Repairs) -> None:
    """A condition naming a question the form does not have is kept as a note, not refused."""
    names = {row.get("name") for row in survey if row.get("name")}
    for number, row in enumerate(survey, start=2):
        for column in _EXPRESSIONS:
            expression = row.get(column)
            if not expression:
                continue
            missing = sorted({name for name in _REFERENCE.findall(expression) if name not in names})
            if missing:
                row.pop(column)
                repairs.unresolved.setdefault(row.get("name", ""), {})[f"unresolved_{column}"] = expression
                repairs.add(
                    "survey",
                    number,
                    f"{column} {expression!r} names {', '.join(missing)}, not in the form: kept as a note, not applied",
                )
