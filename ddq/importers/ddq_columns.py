"""ddq's own `ddq_*` columns in an XLSForm (written by ddq.importers.xlsform_export), read back so that a
questionnaire exported, edited in a spreadsheet program and imported again comes back as itself.

A value that cannot be read is left out with a warning naming the question (or section) and the column; the rest
of the row is still read. Where a `ddq_*` column repeats what a standard column says, the standard column wins when
the two disagree: that is the one an officer edits (`relevant` over `ddq_show_if`, `type` over `ddq_type`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from ..core.definitions import PROFILE_FACTS
from ..core.vocabulary import LANGUAGES

#: The settings column that marks a form as ddq's own export: it is imported as itself, not as a funder's template.
MARK = "ddq_direction"
APPLICABILITY = ("tiers", "partnership_types", "partner_roles")
_TRUE = {"yes", "true", "true()", "1", "y", "oui", "sí", "si", "sim"}
_FALSE = {"no", "false", "false()", "0", "n", "non", "não", "nao", ""}

TextReader = Callable[[Any, str, list[str], str], "dict[str, str] | None"]


def is_own(form: dict[str, Any]) -> bool:
    """Whether pyxform's reading of a form is one of ddq's own exports (its settings carry `ddq_direction`)."""
    return bool(str(form.get(MARK) or "").strip())


def _plain(value: Any) -> str:
    return str(value).strip() if value is not None and not isinstance(value, dict) else ""


def _flag(child: dict[str, Any], column: str, where: str, warnings: list[str]) -> bool | None:
    """A yes/no column: True, False, or None when empty or unreadable (with a warning)."""
    value = _plain(child.get(column)).lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return None if value == "" else False
    warnings.append(f"{where}: {column} {child.get(column)!r} is neither yes nor no: left out")
    return None


def _number(child: dict[str, Any], column: str, where: str, warnings: list[str], whole: bool = False):
    value = _plain(child.get(column))
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        number = None
    if number is None or number != number or number in (float("inf"), float("-inf")) or number <= 0:
        warnings.append(f"{where}: {column} {value!r} is not a positive number: left out")
        return None
    if whole:
        if not number.is_integer():
            warnings.append(f"{where}: {column} {value!r} is not a whole number: left out")
            return None
        return int(number)
    return number


def _names(child: dict[str, Any], column: str) -> list[str]:
    return [name for name in re.split(r"[\s,;]+", _plain(child.get(column))) if name]


def _json_mapping(child: dict[str, Any], column: str, where: str, warnings: list[str]) -> dict[str, str] | None:
    value = _plain(child.get(column))
    if not value:
        return None
    try:
        data = json.loads(value)
    except ValueError:
        data = None
    if not isinstance(data, dict) or any(isinstance(item, (dict, list)) or item is None for item in data.values()):
        warnings.append(f'{where}: {column} must be a JSON object of names and texts, e.g. {{"a": "b"}}: left out')
        return None
    return {str(key): item if isinstance(item, str) else json.dumps(item) for key, item in data.items()}


def applicability(child: dict[str, Any]) -> dict[str, list[str]]:
    """`ddq_tiers`, `ddq_partnership_types`, `ddq_partner_roles` as a definition's `applies_to`."""
    found = {name: _names(child, f"ddq_{name}") for name in APPLICABILITY}
    return {name: values for name, values in found.items() if values}


def section_fields(child: dict[str, Any], read_text: TextReader, language: str, warnings: list[str]) -> dict:
    """A `begin_group` row's purpose and applicability."""
    fields: dict[str, Any] = {}
    purpose = read_text(child.get("ddq_purpose"), language, warnings, child.get("name", ""))
    if purpose:
        fields["purpose"] = purpose
    if applies_to := applicability(child):
        fields["applies_to"] = applies_to
    return fields


def questionnaire_fields(form: dict[str, Any], read_text: TextReader, language: str, warnings: list[str]) -> dict:
    """The questionnaire's own fields from the settings sheet of one of ddq's exports."""
    where = "settings"
    fields: dict[str, Any] = {"direction": _plain(form.get(MARK))}
    if form.get("id_string"):
        fields["id"] = _plain(form["id_string"])
    if _plain(form.get("version")):
        fields["version"] = _plain(form["version"])
    for name in ("title", "purpose", "visible_to"):
        text = read_text(form.get(f"ddq_{name}"), language, warnings, f"{where} ddq_{name}")
        if text:
            fields[name] = text
    for name in ("counterpart", "mandated_by"):
        if _plain(form.get(f"ddq_{name}")):
            fields[name] = _plain(form[f"ddq_{name}"])
    if domains := _names(form, "ddq_mirrors_domains"):
        fields["mirrors_domains"] = domains
    if _flag(form, "ddq_anonymous", where, warnings):
        fields["anonymous"] = True
    provenance = _json_mapping(form, "ddq_provenance", where, warnings)
    if provenance:
        fields["provenance"] = provenance
    return fields


def _folded(text: str) -> str:
    """A cell's text as pyxform and the sheet repairs leave it: curly quotes straightened, runs of spaces, no-break
    spaces and line breaks folded into one space."""
    for curly, straight in (("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"')):
        text = text.replace(curly, straight)
    return " ".join(text.replace("\u00a0", " ").split())


def _sheet_rows(sheets: Mapping[str, Any], name: str, keys: tuple[str, ...]) -> dict[tuple[str, ...], dict]:
    """The rows of a sheet (read with no header) as {header: text}, by the values of `keys`; a key found twice is
    left out (which row it means is not clear)."""
    frame = next((frame for title, frame in sheets.items() if str(title).strip().lower() == name), None)
    if frame is None or frame.empty:
        return {}
    rows = frame.itertuples(index=False, name=None)
    header = [str(cell).strip() if isinstance(cell, str) else "" for cell in next(rows, ())]
    found: dict[tuple[str, ...], dict] = {}
    twice: set[tuple[str, ...]] = set()
    for row in rows:
        cells = {column: cell for column, cell in zip(header, row, strict=False) if column and isinstance(cell, str)}
        key = tuple(str(cells.get(column, "")).strip() for column in keys)
        if key in found:
            twice.add(key)
        found[key] = cells
    return {key: cells for key, cells in found.items() if key not in twice}


def _put_back(target: dict[str, Any], cells: dict[str, str]) -> None:
    for header, text in cells.items():
        key, _, language = header.partition("::")
        holder, slot = (target.get(key), language) if language else (target, key)
        current = holder.get(slot) if isinstance(holder, dict) else None
        if isinstance(current, str) and current != text.strip() and _folded(current) == _folded(text):
            holder[slot] = text.strip()


def restore_texts(form: dict[str, Any], sheets: Mapping[str, Any]) -> None:
    """Put ddq's texts back in pyxform's reading of one of its exports as the cells hold them: pyxform straightens
    curly quotes in every cell and folds line breaks and runs of spaces on the survey sheet, and the sheet repairs
    turn no-break spaces into spaces. A value is put back only where it differs by exactly that."""
    survey = _sheet_rows(sheets, "survey", ("name",))
    choices = _sheet_rows(sheets, "choices", ("list_name", "name"))
    settings = next(iter(_sheet_rows(sheets, "settings", ()).values()), {})
    if "form_title" in settings:
        settings = {**settings, "title": settings["form_title"]}
    _put_back(form, settings)

    def walk(children: list[dict[str, Any]]) -> None:
        for child in children:
            _put_back(child, survey.get((str(child.get("name", "")),), {}))
            list_name = str(child.get("list_name") or child.get("itemset") or "")
            for choice in child.get("choices", []) or []:
                _put_back(choice, choices.get((list_name, str(choice.get("name", ""))), {}))
            walk(child.get("children", []) or [])

    walk(form.get("children", []) or [])


def own_condition(child: dict[str, Any], conditions: list[str]) -> str | None:
    """The row's `ddq_show_if`, when its `relevant` still says what ddq wrote for it (an officer who edits the
    condition edits `relevant`: then that one is read)."""
    from ..core.conditions import ConditionError, parse
    from .xlsform_export import xlsform_relevant

    source = _plain(child.get("ddq_show_if"))
    if not source or len(conditions) != 1:
        return None
    try:
        written = xlsform_relevant(parse(source))
    except ConditionError:
        return None
    return source if " ".join(written.split()) == " ".join(str(conditions[0]).split()) else None


def _derivation(child: dict[str, Any], question: dict[str, Any], where: str, warnings: list[str]) -> dict | None:
    """`ddq_derive_profile` (a fact of the organisation's record), or `ddq_derive_from` with `ddq_derive_map` (a
    bank item of another type), as the question's `derive_from`; a fact that cannot answer it is left out."""
    fact, bank = _plain(child.get("ddq_derive_profile")).lower(), _plain(child.get("ddq_derive_from"))
    if fact and bank:
        warnings.append(
            f"{where}: ddq_derive_profile and ddq_derive_from are both filled in; an answer comes from one of them: "
            "both left out"
        )
        return None
    if fact:
        if fact not in PROFILE_FACTS:
            listed = ", ".join(PROFILE_FACTS)
            warnings.append(f"{where}: ddq_derive_profile {fact!r} is not a fact of the record ({listed}): left out")
            return None
        kind = str(question.get("type", ""))
        if kind not in PROFILE_FACTS[fact]:
            types = " or ".join(sorted(PROFILE_FACTS[fact]))
            warnings.append(f"{where}: ddq_derive_profile {fact!r} answers a {types} question, not a {kind}: left out")
            return None
        return {"profile": fact}
    if not bank:
        return None
    derive: dict[str, Any] = {"bank": bank}
    rule = _json_mapping(child, "ddq_derive_map", where, warnings)
    if rule:
        derive["map"] = rule
    return derive


def restore_question(
    child: dict[str, Any], question: dict[str, Any], read_text: TextReader, language: str, warnings: list[str]
) -> None:
    """Add what the `ddq_*` columns of a survey row say to the question read from its standard columns."""
    where = question["id"]
    if _plain(child.get("ddq_domain")):
        question["domain"] = _plain(child["ddq_domain"])
    for flag in ("key", "gate", "allow_na", "allow_unknown"):
        value = _flag(child, f"ddq_{flag}", where, warnings)
        if value:
            question[flag] = True
        elif value is False:
            question.pop(flag, None)
    if _plain(child.get("ddq_gate_rule")):
        question["gate_rule"] = _plain(child["ddq_gate_rule"])
    for name in ("weight", "minutes"):
        number = _number(child, f"ddq_{name}", where, warnings)
        if number is not None:
            question[name] = number
    validity = _number(child, "ddq_validity_months", where, warnings, whole=True)
    if validity is not None:
        question["validity_months"] = validity
    for name in ("evidence", "why_na", "why_unknown"):
        text = read_text(child.get(f"ddq_{name}"), language, warnings, f"{where} ddq_{name}")
        if text:
            question[name] = text
    for name in ("mirror", "mandated_by"):
        if _plain(child.get(f"ddq_{name}")):
            question[name] = _plain(child[f"ddq_{name}"])
    if applies_to := applicability(child):
        question["applies_to"] = applies_to
    if _plain(child.get("ddq_bank")):
        question["same_as"] = _plain(child["ddq_bank"])  # or `use`, once the bank is known (ddq.importers.frame)
    if derive := _derivation(child, question, where, warnings):
        question["derive_from"] = derive
    metadata = _json_mapping(child, "ddq_metadata", where, warnings)
    if metadata:
        question["metadata"] = {**metadata, **question.get("metadata", {})}
    written = {str(choice.get("name")): choice for choice in child.get("choices", []) or []}
    for choice in question.get("choices", []):
        row = written.get(choice["value"], {})
        label = f"{where}/{choice['value']}"
        if _flag(row, "ddq_pass", label, warnings):
            choice["pass"] = True
        step = {code: _plain(row.get(f"ddq_next_step_{code}")) for code in LANGUAGES}
        if step.get("en"):
            choice["next_step"] = {code: text for code, text in step.items() if text}
        elif any(step.values()):
            warnings.append(f"{label}: ddq_next_step_en is empty: the next step is left out")
