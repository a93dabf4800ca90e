"""Ordinary funder spreadsheets into a ddq definition: find the header row, recognise the columns by their
headers (English, French, Spanish, Portuguese), read one question a row.

Where detection is unsure, a small mapping file says what the spreadsheet means (docs/importing.md), so that
nobody has to edit the funder's file.
"""

from __future__ import annotations

import io
import re
import unicodedata
from typing import Any

import pandas as pd

from ..core.questions import CHOICES, TYPES
from .intake import TemplateError, TemplateFile, TemplateProblem
from .xlsform import safe_id

#: Column roles and the headers that name them (compared without accents, case or punctuation).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "number": (
        "no",
        "n",
        "ref",
        "reference",
        "number",
        "num",
        "item",
        "code",
        "numero",
        "codigo",
        "n°",
        "no de pregunta",
        "referencia",
        "ref id",
        "q",
        "qno",
        "question number",
        "no.",
    ),
    "question": (
        "question",
        "questions",
        "question text",
        "requirement",
        "indicator",
        "criterion",
        "criteria",
        "label",
        "pregunta",
        "preguntas",
        "pergunta",
        "perguntas",
        "questao",
        "questoes",
        "indicateur",
        "indicador",
        "indicadores",
        "exigence",
        "requisito",
        "item text",
        "description",
    ),
    "section": (
        "section",
        "pillar",
        "area",
        "domain",
        "category",
        "theme",
        "topic",
        "rubrique",
        "pilier",
        "seccion",
        "secao",
        "categoria",
        "dominio",
        "domaine",
        "tema",
    ),
    "format": (
        "answer format",
        "response type",
        "answer type",
        "type",
        "format",
        "response format",
        "format de reponse",
        "type de reponse",
        "tipo de respuesta",
        "tipos de respuesta",
        "tipo respuesta",
        "formato",
        "tipo de resposta",
        "tipo resposta",
        "formato de respuesta",
        "formato de resposta",
        "type de question",
        "tipo de pregunta",
        "tipo de pergunta",
    ),
    "options": (
        "options",
        "choices",
        "answer options",
        "possible answers",
        "response options",
        "opciones",
        "opcoes",
        "choix",
        "valeurs",
    ),
    "guidance": (
        "guidance",
        "guidance for respondent",
        "help",
        "hint",
        "notes",
        "instructions",
        "explanation",
        "aide",
        "orientation",
        "ayuda",
        "orientacion",
        "orientacao",
        "guide",
    ),
    "mandatory": ("mandatory", "required", "compulsory", "obligatoire", "obligatorio", "obrigatorio", "requis"),
    "evidence": (
        "evidence requested",
        "evidence",
        "documents",
        "supporting documents",
        "means of verification",
        "documents requested",
        "pieces justificatives",
        "justificatif",
        "evidencia",
        "documentos",
        "evidencias",
        "preuves",
    ),
    "depth": ("depth", "level", "niveau", "nivel"),
    "answer": ("answer", "response", "reponse", "respuesta", "respuestas", "resposta", "respostas", "your answer"),
}
LANGUAGE_WORDS = {
    "en": ("english", "en", "anglais", "ingles"),
    "fr": ("francais", "french", "fr"),
    "es": ("espanol", "spanish", "es", "espagnol"),
    "pt": ("portugues", "portuguese", "pt", "portugais"),
}
YES = {"y", "yes", "true", "1", "x", "oui", "o", "si", "sí", "sim", "mandatory", "required", "obligatoire"}


def normalise(text: Any) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9&]+", " ", text)).strip()


def column_role(header: Any) -> tuple[str, str | None] | None:
    """A header's role and, for translated question columns, its language: 'Question (Français)' -> question, fr."""
    raw = str(header)
    language = None
    found = re.search(r"(?:\(([^)]*)\)|\[([^\]]*)\]|::\s*(\w+))\s*$", raw)
    base = raw
    if found:
        inside = normalise(next(group for group in found.groups() if group))
        for code, words in LANGUAGE_WORDS.items():
            if inside in words or inside.endswith(f" {code}"):
                language = code
                base = raw[: found.start()]
        if language is None and inside in {"en", "fr", "es", "pt"}:
            language, base = inside, raw[: found.start()]
    key = normalise(base)
    for role, names in SYNONYMS.items():
        if key in {normalise(name) for name in names}:
            return role, language
    return None


#: Formats that become a type with choices made here (a yes/no/partially list, a numbered scale).
FORMATS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"^(yes\s*/\s*no\s*/\s*(partially|partial|in part|n/?a)|oui\s*/\s*non\s*/\s*partiellement)$"),
        "yes_no_partially",
    ),
    (re.compile(r"^(scale|rating|score|echelle|escala)\s*(\d+)\s*(-|to|a|à)\s*(\d+)$"), "scale"),
]


def _compact(text: str) -> str:
    return re.sub(r"\s*/\s*", "/", text.strip().lower())


#: Every word a question type answers to in a "type" column (its synonyms), as typed and as normalised.
TYPE_WORDS: dict[str, str] = {}
for _kind in TYPES.values():
    for _word in _kind.synonyms:
        TYPE_WORDS.setdefault(_compact(_word), _kind.name)
        TYPE_WORDS.setdefault(normalise(_word), _kind.name)
TYPE_WORDS.pop("", None)


def split_options(text: Any) -> list[str]:
    if text is None or (isinstance(text, float) and pd.isna(text)):
        return []
    parts = re.split(r"\s*(?:\n|;|\|)\s*", str(text).strip())
    return [part.strip() for part in parts if part.strip()]


def read_sheets(template: TemplateFile) -> dict[str, pd.DataFrame]:
    """Every sheet as text cells with no header assumed (calamine: fast, and never evaluates anything).

    The template was measured when it was opened; the reader still runs in a child process under the template's
    time and memory limits, so that no file can take down or tie up the process reading it."""
    from .guard import run_limited

    return run_limited(template.name, _read_sheets, template, limits=template.limits)


def _read_sheets(template: TemplateFile) -> dict[str, pd.DataFrame]:
    try:
        if template.kind == "csv":
            frame = pd.read_csv(
                io.BytesIO(template.data),
                header=None,
                dtype=str,
                keep_default_na=False,
                encoding="utf-8-sig",
                sep=None,
                engine="python",
            )
            return {"csv": frame}
        sheets = pd.read_excel(
            io.BytesIO(template.data),
            sheet_name=None,
            header=None,
            engine="calamine",
            dtype=object,
            keep_default_na=False,  # "None", "NA", "N/A" or "null" in a cell is text, not an empty cell
        )
    except Exception as error:
        raise TemplateError([TemplateProblem(template.name, f"the file could not be read: {error}")]) from None
    return sheets


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def find_header(frame: pd.DataFrame, mapping: dict[str, Any] | None = None) -> int | None:
    """The first row (within the first 20) that names a question column and at least one other known column."""
    if mapping and mapping.get("header_row"):
        return int(mapping["header_row"]) - 1
    for index in range(min(20, len(frame))):
        roles = [column_role(cell) for cell in frame.iloc[index] if _cell(cell)]
        found = {role[0] for role in roles if role}
        if "question" in found and len(found) >= 2:
            return index
    return None


def parse_spreadsheet(
    template: TemplateFile, mapping: dict[str, Any] | None = None, sheets: dict[str, pd.DataFrame] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Read an ordinary funder spreadsheet into a ddq definition (a plain dict) and the warnings worth reading."""
    mapping = mapping or {}
    warnings: list[str] = []
    problems: list[TemplateProblem] = []
    used: set[str] = set()
    sections: list[dict[str, Any]] = []
    title = None
    skip = {normalise(name) for name in mapping.get("skip_sheets", [])}
    for sheet_name, frame in (sheets if sheets is not None else read_sheets(template)).items():
        if normalise(sheet_name) in skip:
            continue
        sheet_mapping = (mapping.get("sheets", {}) or {}).get(sheet_name, mapping)
        header = find_header(frame, sheet_mapping)
        if header is None:
            if title is None and len(frame) and _cell(frame.iloc[0, 0]):
                title = _cell(frame.iloc[0, 0])
            warnings.append(f"sheet {sheet_name!r}: no question table found (instructions?): passed over")
            continue
        above = [_cell(value) for row in frame.iloc[:header].itertuples(index=False) for value in row if _cell(value)]
        columns = _columns(frame.iloc[header], sheet_mapping, template.name, sheet_name, problems)
        if "question" not in columns:
            continue
        sheet_title = above[0] if above else str(sheet_name)
        if title is None and above:
            title = above[0]  # the template's own title, written above its first table
        _read_rows(
            frame,
            header,
            columns,
            sheet_title,
            template.name,
            sheet_name,
            sections,
            used,
            warnings,
            problems,
            sheet_mapping,
        )
    if problems:
        raise TemplateError(problems)
    sections = [section for section in sections if section["questions"]]
    if not sections:
        raise TemplateError(
            [
                TemplateProblem(
                    template.name,
                    "no questions found: no sheet has a header row naming a "
                    "question column (write a mapping file to say where they are)",
                )
            ]
        )
    return {
        "title": {"en": mapping.get("title") or title or template.name.rsplit(".", 1)[0]},
        "sections": sections,
    }, warnings


def _columns(
    header_row: pd.Series, mapping: dict[str, Any], file: str, sheet: str, problems: list[TemplateProblem]
) -> dict[str, Any]:
    """Role -> column position; `question_translations` maps language -> column."""
    columns: dict[str, Any] = {"question_translations": {}}
    forced = {normalise(header): role for role, header in (mapping.get("columns", {}) or {}).items()}
    for position, header in enumerate(header_row):
        text = _cell(header)
        if not text:
            continue
        role = (forced[normalise(text)], None) if normalise(text) in forced else column_role(text)
        if role is None:
            continue
        name, language = role
        if name == "question" and language and language != "en":
            columns["question_translations"][language] = position
        elif name not in columns:
            columns[name] = position
    return columns


def _format(raw: str, options: list[str], lookups: dict[str, list[str]]) -> tuple[str | None, dict[str, Any]]:
    key = normalise(raw).replace(" / ", "/")
    compact = _compact(raw)
    if normalise(raw) in lookups:
        return "single_choice", {"options": lookups[normalise(raw)]}
    if ":" in raw and normalise(raw.split(":", 1)[0]) in {
        "select",
        "select one",
        "choice",
        "single choice",
        "multiple choice",
        "select multiple",
    }:
        head, tail = raw.split(":", 1)
        kind = "multi_choice" if "multiple" in head.lower() else "single_choice"
        return kind, {"options": split_options(tail)}
    for pattern, kind in FORMATS:
        match = pattern.match(compact) or pattern.match(key)
        if match:
            if kind == "scale":
                return "scale", {"low": int(match.group(2)), "high": int(match.group(4))}
            return kind, {}
    if compact in TYPE_WORDS or key in TYPE_WORDS:
        return TYPE_WORDS.get(compact) or TYPE_WORDS[key], {}
    if not raw.strip() and options:
        return "single_choice", {}
    if not raw.strip():
        return "short_text", {}
    return None, {}


def _read_rows(
    frame: pd.DataFrame,
    header: int,
    columns: dict[str, Any],
    sheet_title: str,
    file: str,
    sheet: str,
    sections: list[dict[str, Any]],
    used: set[str],
    warnings: list[str],
    problems: list[TemplateProblem],
    mapping: dict[str, Any],
) -> None:
    letters = {position: _letter(position) for position in range(frame.shape[1])}
    lookups = {normalise(key): value for key, value in (mapping.get("lookups", {}) or {}).items()}
    types = {normalise(key): value for key, value in (mapping.get("formats", {}) or {}).items()}
    current: dict[str, Any] | None = None
    section_by_title: dict[str, dict[str, Any]] = {}
    numbers_seen: dict[str, int] = {}

    def section_for(title: str) -> dict[str, Any]:
        nonlocal current
        if title not in section_by_title:
            section_by_title[title] = {
                "id": safe_id(normalise(title).replace(" ", "_")[:40] or "section", used),
                "title": {"en": title},
                "questions": [],
            }
            sections.append(section_by_title[title])
        current = section_by_title[title]
        return current

    def get(row: pd.Series, role: str) -> str:
        return _cell(row.iloc[columns[role]]) if role in columns else ""

    for index in range(header + 1, len(frame)):
        row = frame.iloc[index]
        excel_row = index + 1
        text = get(row, "question")
        number = get(row, "number")
        raw_format = get(row, "format")
        options = split_options(row.iloc[columns["options"]]) if "options" in columns else []
        if not text:
            continue
        depth = get(row, "depth")
        is_heading = (
            not raw_format
            and not options
            and "format" in columns
            and (re.fullmatch(r"\d+\.?", number or "") is not None or depth in {"0", "1"})
        )
        if is_heading and "section" not in columns:
            section_for(text)
            continue
        section_title = get(row, "section") or (current["title"]["en"] if current else sheet_title)
        section = (
            section_for(section_title) if (current is None or section_title != current["title"]["en"]) else current
        )
        if number:
            if number in numbers_seen:
                problems.append(
                    TemplateProblem(
                        file,
                        f"number {number!r} is used twice (rows {numbers_seen[number]} and {excel_row})",
                        sheet=sheet,
                        row=excel_row,
                        column=letters[columns["number"]],
                    )
                )
            numbers_seen[number] = excel_row
        kind, extra = (
            (types[normalise(raw_format)], {})
            if normalise(raw_format) in types
            else _format(raw_format, options, lookups)
        )
        if kind is None:
            kind = "short_text"
            warnings.append(
                f"sheet {sheet!r}, row {excel_row}, column {letters.get(columns.get('format', 0))}: answer "
                f"format {raw_format!r} is not known: asked as text (a mapping file can say what it is)"
            )
        options = extra.get("options", options)
        question: dict[str, Any] = {
            "id": safe_id(question_id(number, text), used),
            "text": {"en": text},
        }
        for language, position in columns["question_translations"].items():
            translated = _cell(row.iloc[position])
            if translated:
                question["text"][language] = translated
        _apply_kind(question, kind, extra, options, warnings, sheet, excel_row)
        guidance = get(row, "guidance")
        if guidance:
            question["help"] = {"en": guidance}
        if get(row, "mandatory").lower() in YES:
            question["required"] = True
        evidence = get(row, "evidence")
        if evidence and not TYPES[question["type"]].is_document:
            question["evidence"] = {"en": evidence}
        question["metadata"] = {"source_row": f"{sheet}!{excel_row}", **({"number": number} if number else {})}
        section["questions"].append(question)


def _apply_kind(
    question: dict[str, Any],
    kind: str,
    extra: dict[str, Any],
    options: list[str],
    warnings: list[str],
    sheet: str,
    row: int,
) -> None:
    if kind == "yes_no_partially":
        question["type"] = "single_choice"
        question["choices"] = [
            {"value": "yes", "label": {"en": "Yes", "fr": "Oui"}},
            {"value": "partially", "label": {"en": "Partially", "fr": "En partie"}},
            {"value": "no", "label": {"en": "No", "fr": "Non"}},
        ]
    elif kind == "scale":
        low, high = extra["low"], extra["high"]
        anchors = [re.sub(r"^\s*\d+\s*[=:.)-]\s*", "", option) for option in options]
        if (low, high) == (1, 4) and len(anchors) == 4:
            question["type"] = "maturity"
            question["anchors"] = [{"en": anchor} for anchor in anchors]
        else:
            question["type"] = "rating"
            question["minimum"], question["maximum"] = low, high
    elif TYPES[kind].choices_from == CHOICES:
        if not options:
            warnings.append(f"sheet {sheet!r}, row {row}: a choice question without options: asked as text")
            question["type"] = "short_text"
            return
        question["type"] = kind
        used_values: set[str] = set()
        question["choices"] = [
            {
                "value": safe_id(normalise(option).replace(" ", "_")[:30] or "option", used_values),
                "label": {"en": option},
            }
            for option in options
        ]
    else:
        question["type"] = kind


def question_id(number: str, text: str) -> str:
    """An id from the template's own numbering ('RG-PS-01' -> rg_ps_01, '1.2' -> q_1_2 once made safe), else from
    the question's first words ('Is the organisation registered?' -> is_the_organisation_registered)."""
    if number:
        return normalise(number).replace(" ", "_") or "q"
    return "_".join(normalise(text).split()[:5])[:40] or "q"


def _letter(position: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the column as a spreadsheet names it."""
    letters = ""
    position += 1
    while position:
        position, remainder = divmod(position - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters
