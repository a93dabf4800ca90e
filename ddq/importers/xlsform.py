"""XLSForm (the KoboToolbox / ODK standard) into a ddq definition, through pyxform's own parser.

The sheets are repaired first where pyxform would refuse what can be understood (ddq.importers.repair); every
repair is listed among the warnings. What ddq cannot ask the same way becomes the nearest question type with a
listed warning, never a crash.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from typing import Any

from ..core.questions import (
    ANCHORS,
    CHOICES,
    SCORE_MAX,
    TYPES,
    UNKNOWN,
    YES_NO_SCORES,
    type_for_xlsform,
    type_with_appearance,
)
from . import ddq_columns
from .intake import TemplateError, TemplateFile, TemplateProblem

LANGUAGE_NAMES = {
    "english": "en",
    "en": "en",
    "default": "en",
    "anglais": "en",
    "inglés": "en",
    "inglês": "en",
    "french": "fr",
    "français": "fr",
    "francais": "fr",
    "fr": "fr",
    "francés": "fr",
    "francês": "fr",
    "spanish": "es",
    "español": "es",
    "espanol": "es",
    "es": "es",
    "espagnol": "es",
    "espanhol": "es",
    "portuguese": "pt",
    "português": "pt",
    "portugues": "pt",
    "pt": "pt",
    "portugais": "pt",
    "portugués": "pt",
}
#: XLSForm types that carry no question for a respondent.
SILENT = {
    "calculate",
    "hidden",
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
    "start-geopoint",
    "background-audio",
    "xml-external",
    "csv-external",
    "instanceID",
    "deprecatedID",
}
#: Standard XLSForm keys: anything else on a row is a custom column, kept as metadata.
KNOWN_KEYS = {
    "type",
    "name",
    "label",
    "hint",
    "guidance_hint",
    "bind",
    "control",
    "choices",
    "children",
    "itemset",
    "list_name",
    "parameters",
    "media",
    "default",
    "choice_filter",
    "trigger",
    "instance",
    "required",
    "constraint",
    "relevant",
    "sms_field",
    "repeat_count",
    "appearance",
    "body",
    "query",
    "or_other",
}


def language_code(name: str) -> str | None:
    """'French (fr)' -> 'fr'; 'english' -> 'en'; a language ddq does not serve -> None."""
    found = re.search(r"\(([a-z]{2,3})\)\s*$", name.strip().lower())
    if found:
        code = found.group(1)
        return code if code in {"en", "fr", "es", "pt"} else None
    return LANGUAGE_NAMES.get(name.strip().lower())


def text_of(value: Any, default_language: str, warnings: list[str], where: str) -> dict[str, str] | None:
    """An XLSForm label (text or {language: text}) as a ddq text, English first."""
    if value is None:
        return None
    if isinstance(value, str):
        return {"en": value.strip()} if value.strip() else None
    texts: dict[str, str] = {}
    dropped = []
    for language, text in value.items():
        code = language_code(language) if language != "default" else language_code(default_language) or "en"
        if code is None:
            dropped.append(language)
        elif isinstance(text, str) and text.strip() and code not in texts:
            texts[code] = text.strip()
    if dropped:
        warnings.append(f"{where}: texts in {', '.join(sorted(dropped))} were left out (ddq serves en, fr, es, pt)")
    if texts and "en" not in texts:
        first = next(iter(texts.values()))
        texts = {"en": first, **texts}
        warnings.append(f"{where}: no English text; the {next(iter(texts))} text stands in for it")
    return texts or None


def safe_id(name: str, used: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_]", "_", name).strip("_") or "q"
    if not base[0].isalpha():
        base = "q_" + base
    candidate, number = base, 2
    while candidate in used:
        candidate, number = f"{base}_{number}", number + 1
    used.add(candidate)
    return candidate


_REFERENCE = re.compile(r"\$\{([^}]+)\}")


def convert_expression(expression: str, ids: dict[str, str]) -> str | None:
    """XLSForm `relevant` -> ddq `show_if`, for the common forms; None when ddq's language cannot say it."""
    # pyxform writes or_other conditions with relative paths: selected(../x, 'other')
    text = re.sub(r"(?<![\w$])\.\./([A-Za-z_][\w.-]*)", lambda m: "${" + m.group(1) + "}", expression.strip())
    text = text.replace("\u2018", "'").replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    unknown = [name for name in _REFERENCE.findall(text) if name not in ids]
    if unknown or "regex(" in text or "if(" in text or "jr:" in text or "/" in text.replace("//", ""):
        return None
    text = _REFERENCE.sub(lambda match: ids[match.group(1)], text)
    text = text.replace("count-selected(", "count_selected(").replace("true()", "true").replace("false()", "false")
    text = re.sub(r"\bnot\s*\(", "not (", text)
    from ..core.conditions import ConditionError, parse

    try:
        parse(text)
    except ConditionError:
        return None
    return text


def _constraint_bounds(constraint: str) -> dict[str, float]:
    """`. >= 0 and . <= 100` -> minimum 0, maximum 100; anything else gives nothing."""
    bounds: dict[str, float] = {}
    for part in re.split(r"\s+and\s+", constraint.strip()):
        found = re.fullmatch(r"\.\s*(>=|>|<=|<)\s*(-?\d+(?:\.\d+)?)", part.strip())
        if not found:
            return {}
        value = float(found.group(2))
        bounds["minimum" if found.group(1).startswith(">") else "maximum"] = value
    return bounds


def nesting_depth(survey: Any) -> tuple[int, int | None]:
    """How deep groups and repeats nest in a survey sheet (read with no header), and the row where it is deepest."""
    rows = survey.itertuples(index=False, name=None)
    header = next(rows, ())
    names = [re.sub(r"\s+", " ", str(cell)).strip().lower() if isinstance(cell, str) else "" for cell in header]
    if "type" not in names:
        return 0, None
    column = names.index("type")
    depth = deepest = 0
    where = None
    for number, row in enumerate(rows, start=2):
        cell = row[column] if column < len(row) else None
        kind = re.sub(r"[\s_]+", " ", cell.strip().lower()) if isinstance(cell, str) else ""
        if kind in {"begin group", "begin repeat"}:
            depth += 1
            if depth > deepest:
                deepest, where = depth, number
        elif kind in {"end group", "end repeat"}:
            depth = max(depth - 1, 0)
    return deepest, where


def _check_depth(template: TemplateFile, sheets: Mapping[str, Any] | None) -> None:
    from .spreadsheet import normalise, read_sheets

    if sheets is None:
        sheets = read_sheets(template)
    survey = next((frame for name, frame in sheets.items() if normalise(name) == "survey"), None)
    if survey is None:
        return
    deepest, row = nesting_depth(survey)
    if deepest > template.limits.max_depth:
        raise TemplateError(
            [
                TemplateProblem(
                    template.name,
                    f"groups are nested {deepest} deep; the limit is {template.limits.max_depth}",
                    sheet="survey",
                    row=row,
                )
            ]
        )


def _pyxform_json(template: TemplateFile, sheets: Mapping[str, Any] | None) -> tuple[dict[str, Any], list[str]]:
    """pyxform's reading of the form, after the repairs (ddq.importers.repair) that the sheets need, and the
    list of those repairs. A workbook's sheets are those ddq already read; a CSV XLSForm is read by pyxform."""
    import dataclasses

    from pyxform.errors import PyXFormError
    from pyxform.xls2json import workbook_to_json
    from pyxform.xls2json_backends import DefinitionData, get_xlsform

    from .repair import Repairs, book_from_sheets, repair_book, restore_unresolved

    repairs = Repairs()
    try:
        if sheets is None:
            book = dataclasses.asdict(get_xlsform(io.BytesIO(template.data), file_type="csv"))
        else:
            book = book_from_sheets(sheets, repairs)
        repair_book(book, repairs)
        fields = {item.name for item in dataclasses.fields(DefinitionData)}
        form = workbook_to_json(
            workbook_dict=DefinitionData(**{key: value for key, value in book.items() if key in fields}),
            warnings=[],
        )
        restore_unresolved(form.get("children") or [], repairs)
    except PyXFormError as error:
        raise TemplateError([TemplateProblem(template.name, f"not a valid XLSForm: {error}")]) from None
    except Exception as error:
        raise TemplateError([TemplateProblem(template.name, f"the XLSForm could not be read: {error}")]) from None
    return form, repairs.notes


def parse_xlsform(
    template: TemplateFile, sheets: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Read an XLSForm into a ddq definition (a plain dict) and the warnings worth reading.

    Group nesting is measured first (from `sheets` when the caller has read them); the repairs and pyxform then
    run in a child process under the template's time and memory limits."""
    from .guard import run_limited
    from .spreadsheet import read_sheets

    if sheets is None and template.kind != "csv":
        sheets = read_sheets(template)
    _check_depth(template, sheets)
    form, repairs = run_limited(
        template.name, _pyxform_json, template, sheets if template.kind != "csv" else None, limits=template.limits
    )
    warnings: list[str] = list(repairs)
    if sheets is not None and ddq_columns.is_own(form):
        ddq_columns.restore_texts(form, sheets)  # ddq's own texts exactly as written, curly quotes and all
    default_language = form.get("default_language") or "default"
    used: set[str] = set()
    ids: dict[str, str] = {}
    sections: list[dict[str, Any]] = []
    loose: list[dict[str, Any]] = []

    def walk(children: list[dict[str, Any]], target: list[dict[str, Any]], relevant: list[str]) -> None:
        for child in children:
            kind = child.get("type", "")
            if kind in {"group", "repeat"}:
                if child.get("name") == "meta":
                    continue
                own = child.get("bind", {}).get("relevant")
                section = {
                    "id": safe_id(child["name"], used),
                    "title": text_of(child.get("label"), default_language, warnings, child["name"])
                    or {"en": child["name"].replace("_", " ").capitalize()},
                    "questions": [],
                }
                section.update(ddq_columns.section_fields(child, text_of, default_language, warnings))
                if kind == "repeat":
                    warnings.append(f"{child['name']}: a repeated group is asked once in ddq")
                sections.append(section)
                walk(child.get("children", []), section["questions"], relevant + ([own] if own else []))
                continue
            question = convert_question(child, default_language, warnings, used, ids, relevant)
            if question is not None:
                target.append(question)

    walk(form.get("children", []), loose, [])
    if loose:
        sections.insert(0, {"id": safe_id("general", used), "title": {"en": "General"}, "questions": loose})
    sections = [section for section in sections if section["questions"]]
    if not sections:
        raise TemplateError(
            [TemplateProblem(template.name, "the survey sheet has no question ddq can ask", sheet="survey")]
        )
    definition = {
        "title": text_of(form.get("title"), default_language, warnings, "title") or {"en": template.name},
        "sections": sections,
    }
    if ddq_columns.is_own(form):  # one of ddq's own exports: imported as itself (ddq.importers.frame)
        definition["ddq"] = ddq_columns.questionnaire_fields(form, text_of, default_language, warnings)
    return definition, warnings


def convert_question(
    child: dict[str, Any],
    default_language: str,
    warnings: list[str],
    used: set[str],
    ids: dict[str, str],
    relevant: list[str],
) -> dict[str, Any] | None:
    kind, name = child.get("type", ""), child.get("name", "")
    if kind in SILENT or not name:
        return None
    label = text_of(child.get("label"), default_language, warnings, name)
    if kind == "note":
        warnings.append(f"{name}: a note, not a question: left out")
        return None
    if label is None:
        warnings.append(f"{name}: no label: left out")
        return None
    question_id = safe_id(name, used)
    ids[name] = question_id
    question: dict[str, Any] = {"id": question_id, "text": label}
    metadata: dict[str, str] = {}
    target = type_for_xlsform(kind)
    if kind in {"select one", "select all that apply", "select multiple", "rank"}:
        choices = []
        seen_values: set[str] = set()
        for choice in child.get("choices", []) or []:
            if str(choice.get("name")) in seen_values:
                if "choice_filter" not in metadata:
                    metadata["choice_filter"] = str(child.get("choice_filter", ""))
                    warnings.append(f"{name}: a filtered (cascading) list: every choice is offered once, unfiltered")
                continue
            seen_values.add(str(choice.get("name")))
            if str(choice.get("name")) == UNKNOWN and choice.get("score", choice.get("weight")) in (None, ""):
                question["allow_unknown"] = True  # "not yet known", as ddq's export writes it
                continue
            choice_label = text_of(choice.get("label"), default_language, warnings, f"{name}/{choice.get('name')}")
            entry: dict[str, Any] = {
                "value": str(choice.get("name")),
                "label": choice_label or {"en": str(choice.get("name"))},
            }
            score = choice.get("score", choice.get("weight"))
            if score not in (None, ""):
                try:
                    value = float(score)
                except (TypeError, ValueError):
                    value = None
                if value is not None and 1 <= value <= 4:
                    entry["score"] = value
                else:
                    warnings.append(f"{name}/{choice.get('name')}: score {score!r} is outside 1-4: left out")
            choices.append(entry)
        if not choices:
            warnings.append(f"{name}: its choices are not in the file (external or filtered list): asked as text")
            target = "short_text"
        else:
            values = sorted(choice["value"].lower() for choice in choices)
            wanted = str(child.get("ddq_type") or "").strip()  # ddq's export may say otherwise
            plain = not wanted or (wanted in TYPES and TYPES[wanted].choices_from == YES_NO_SCORES)
            if kind == "select one" and values == ["no", "yes"] and not any("score" in c for c in choices) and plain:
                target = "yes_no"
            else:
                target = "multi_choice" if kind != "select one" else "single_choice"
                question["choices"] = choices
        if kind == "rank":
            warnings.append(f"{name}: a ranking is asked as a multiple choice")
        if ("or_other" in child.get("type", "") or child.get("or_other")) and "other" not in seen_values:
            question.setdefault("choices", choices).append({"value": "other", "label": {"en": "Other"}})
    elif kind == "range":
        parameters = child.get("parameters", {}) or {}
        target = "rating"
        question["minimum"] = float(parameters.get("start", 1))
        question["maximum"] = float(parameters.get("end", 10))
    elif kind in {"image", "audio", "video", "file", "background-audio"}:
        target = "document"
        if kind in {"audio", "video"}:
            warnings.append(f"{name}: a {kind} recording is asked as a document upload")
    elif kind in {
        "geopoint",
        "geotrace",
        "geoshape",
        "time",
        "dateTime",
        "datetime",
        "barcode",
        "osm",
        "select one external",
        "select_one_external",
    }:
        target = "short_text"
        warnings.append(f"{name}: a {kind} answer is asked as text")
    elif kind == "acknowledge":
        target = "yes_no"
        warnings.append(f"{name}: an acknowledgement is asked as yes/no")
    elif target is None:
        target = "short_text"
        warnings.append(f"{name}: type {kind!r} is asked as text")
    control = child.get("control", {}) or {}
    if control.get("rows") or control.get("appearance") == "multiline":
        target = type_with_appearance(target, "multiline")
    target = _restore_ddq_type(child, target, question)
    question["type"] = target
    hint = text_of(child.get("hint"), default_language, warnings, name)
    if hint:
        question["help"] = hint
    bind = child.get("bind", {}) or {}
    if str(bind.get("required", "")).strip().lower() in {"yes", "true", "true()", "1"}:
        question["required"] = True
    conditions = [*relevant, bind["relevant"]] if bind.get("relevant") else list(relevant)
    own_condition = ddq_columns.own_condition(child, conditions)
    if own_condition:
        question["show_if"] = own_condition
    elif conditions:
        converted = [convert_expression(condition, ids) for condition in conditions]
        if all(converted):
            question["show_if"] = " and ".join(f"({text})" if len(converted) > 1 else text for text in converted)
        else:
            metadata["relevant"] = " and ".join(conditions)
            warnings.append(
                f"{name}: condition {' and '.join(conditions)!r} is kept as a note; the question is always shown"
            )
    if bind.get("constraint"):
        bounds = _constraint_bounds(bind["constraint"]) if TYPES[target].takes_bounds else {}
        question.update({key: value for key, value in bounds.items() if key not in question})
        if not bounds:
            metadata["constraint"] = bind["constraint"]
            warnings.append(f"{name}: constraint {bind['constraint']!r} is kept as a note")
    for key, value in child.items():
        if key not in KNOWN_KEYS and not key.startswith("ddq_") and value not in (None, "", {}):
            metadata[key] = str(value)
    if metadata:
        question["metadata"] = metadata
    ddq_columns.restore_question(child, question, text_of, default_language, warnings)  # ddq's own columns
    return question


def _restore_ddq_type(child: dict[str, Any], target: str, question: dict[str, Any]) -> str:
    """Honour the `ddq_type` column that ddq's own XLSForm export writes, so a round trip changes nothing."""
    wanted = str(child.get("ddq_type", "")).strip()
    if not wanted or wanted == target or wanted not in TYPES:
        return target
    kind, read = TYPES[wanted], TYPES[target]
    if kind.choices_from == ANCHORS and len(question.get("choices", [])) == SCORE_MAX:
        question["anchors"] = [choice["label"] for choice in question.pop("choices")]
        return wanted
    if kind.choices_from == YES_NO_SCORES and read.choices_from == CHOICES:
        scores = {choice["value"]: choice["score"] for choice in question.pop("choices", []) if "score" in choice}
        if scores:
            question["scores"] = scores
        return wanted
    if kind.choices_from is None and read.choices_from is None and type_for_xlsform(kind.xlsform_type) == target:
        return wanted  # the same XLSForm type, read back as ddq's finer type (money, percent, rating, email …)
    return target
