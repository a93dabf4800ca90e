"""JSON questionnaires, recognised by their shape: SurveyJS forms (pages of elements), and plain indicator lists
(objects with a subject or category, a question text, ratings, a weight, evidence). A mapping file says where the
items are and which keys mean what when the shape is not recognised (docs/importing.md)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..core.questions import ANCHORS, CHOICES, TYPES
from .intake import TemplateError, TemplateProblem
from .spreadsheet import normalise
from .xlsform import language_code, safe_id

#: Roles of an indicator's keys, and the keys that name them (compared normalised, in en/fr/es/pt).
FIELDS: dict[str, tuple[str, ...]] = {
    "question": (
        "question",
        "question text",
        "indicator",
        "indicateur",
        "indicador",
        "text",
        "texte",
        "texto",
        "label",
        "criterion",
        "critere",
        "criterio",
        "requirement",
        "pregunta",
        "pergunta",
        "item",
        "statement",
    ),
    "section": (
        "subject",
        "category",
        "section",
        "domain",
        "pillar",
        "theme",
        "area",
        "categoria",
        "categorie",
        "tema",
        "rubrique",
        "dominio",
        "domaine",
        "pilier",
        "seccion",
        "secao",
        "dimension",
        "topic",
    ),
    "number": ("id", "ref", "ref id", "code", "number", "no", "codigo", "numero", "reference"),
    "ratings": (
        "ratings",
        "rating",
        "scale",
        "levels",
        "options",
        "choices",
        "answers",
        "niveles",
        "niveaux",
        "niveis",
        "opciones",
        "opcoes",
        "escala",
        "echelle",
        "scoring",
    ),
    "weight": ("weight", "peso", "poids", "ponderacion", "ponderation", "weighting"),
    "evidence": (
        "evidence",
        "means of verification",
        "documents",
        "evidencia",
        "evidencias",
        "preuves",
        "verification",
        "sources of verification",
        "justificatifs",
    ),
    "guidance": ("guidance", "help", "hint", "description", "notes", "aide", "ayuda", "orientacion", "guidance note"),
}
_FIELD_OF = {normalise(word): role for role, words in FIELDS.items() for word in words}
#: SurveyJS element types -> ddq types; containers and display-only elements are handled apart.
SURVEYJS_TYPES = {
    "text": "short_text",
    "comment": "long_text",
    "radiogroup": "single_choice",
    "dropdown": "single_choice",
    "imagepicker": "single_choice",
    "buttongroup": "single_choice",
    "checkbox": "multi_choice",
    "tagbox": "multi_choice",
    "ranking": "multi_choice",
    "boolean": "yes_no",
    "rating": "rating",
    "file": "document",
    "signaturepad": "document",
}
_INPUT_TYPES = {"number": "number", "date": "date", "email": "email", "range": "number", "tel": "short_text"}
_CONTAINERS = {"panel", "paneldynamic"}
#: SurveyJS elements rated on a numeric scale.
_RATED = {"rating"}
_DISPLAY = {"html", "expression", "image", "multipletext", "matrix", "matrixdropdown", "matrixdynamic"}


def is_surveyjs(document: Any) -> bool:
    return isinstance(document, dict) and (
        isinstance(document.get("pages"), list)
        or (
            isinstance(document.get("elements"), list)
            and all(isinstance(e, dict) and "type" in e for e in document["elements"])
        )
    )


def indicator_items(document: Any, mapping: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    """The indicator objects: at `mapping['items']` (a dotted path), the document itself when it is a list of
    objects, or the one list of objects among its values that has a question-like key."""
    if mapping.get("items"):
        found: Any = document
        for part in str(mapping["items"]).split("."):
            found = found.get(part) if isinstance(found, dict) else None
        return found if isinstance(found, list) else None
    candidates = [document] if isinstance(document, list) else []
    if isinstance(document, dict):
        candidates += [value for value in document.values() if isinstance(value, list)]
    for candidate in candidates:
        objects = [item for item in candidate if isinstance(item, dict)]
        if objects and any(_roles(item, {}).get("question") for item in objects[:20]):
            return objects
    return None


def _roles(item: Mapping[str, Any], forced: Mapping[str, str]) -> dict[str, str]:
    """Role -> the item's key that plays it: the mapping file's first, then recognised names."""
    by_name = {normalise(name): name for name in item}
    roles = {role: by_name[normalise(name)] for role, name in forced.items() if normalise(name) in by_name}
    taken = set(roles.values())
    for name in item:
        role = _FIELD_OF.get(normalise(name))
        if role and role not in roles and name not in taken:
            roles[role] = name
    return roles


def _text(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("default", value.get("en", next(iter(value.values()), "")))
    return "" if value is None else str(value).strip()


def _texts(value: Any) -> dict[str, str]:
    """A SurveyJS text, plain or localised ({"default": …, "fr": …}), as a ddq text."""
    if isinstance(value, dict):
        texts = {}
        for language, text in value.items():
            code = "en" if language == "default" else language_code(language)
            if code and str(text).strip():
                texts.setdefault(code, str(text).strip())
        return texts
    return {"en": str(value).strip()} if value is not None and str(value).strip() else {}


def _slug(text: Any) -> str:
    return re.sub(r"_+", "_", normalise(text).replace(" ", "_"))[:40].strip("_")


def parse_json(file: str, document: Any, mapping: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:
    mapping = mapping or {}
    if not mapping.get("items") and is_surveyjs(document):
        return _surveyjs(file, document)
    items = indicator_items(document, mapping)
    if items is None:
        raise TemplateError(
            [
                TemplateProblem(
                    file,
                    "not a questionnaire ddq recognises (SurveyJS pages, or a list of objects with a question "
                    "text): a mapping file can say where the items are (items: path.to.list) and which keys mean what",
                )
            ]
        )
    return _indicators(file, document, items, mapping)


# --- SurveyJS ----------------------------------------------------------------------------------------------------


def _surveyjs(file: str, document: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    warnings: list[str] = []
    used: set[str] = set()
    pages = document.get("pages") or [{"name": "general", "elements": document.get("elements", [])}]
    sections = []
    for number, page in enumerate(pages, start=1):
        if not isinstance(page, dict):
            continue
        title = _texts(page.get("title")) or {"en": _text(page.get("name")) or f"Page {number}"}
        section = {
            "id": safe_id(_slug(page.get("name") or title["en"]) or "page", used),
            "title": title,
            "questions": [],
        }
        if page.get("description"):
            section["purpose"] = _texts(page["description"])
        _elements(page.get("elements") or [], section["questions"], used, warnings, depth=0)
        sections.append(section)
    sections = [section for section in sections if section["questions"]]
    if not sections:
        raise TemplateError([TemplateProblem(file, "the SurveyJS form has no question ddq can ask")])
    definition: dict[str, Any] = {
        "title": _texts(document.get("title")) or {"en": file.rsplit(".", 1)[0]},
        "sections": sections,
    }
    if document.get("description"):
        definition["description"] = _texts(document["description"])
    return definition, warnings


def _elements(elements: list[Any], target: list[dict[str, Any]], used: set[str], warnings: list[str], depth: int):
    for element in elements:
        if not isinstance(element, dict):
            continue
        kind, name = str(element.get("type", "")).lower(), _text(element.get("name"))
        if kind in _CONTAINERS:
            if kind == "paneldynamic":
                warnings.append(f"{name}: a repeated panel is asked once")
            _elements(
                element.get("elements") or element.get("templateElements") or [], target, used, warnings, depth + 1
            )
            continue
        if kind in _DISPLAY or kind not in SURVEYJS_TYPES:
            if kind not in {"html", "expression", "image"}:
                warnings.append(f"{name or kind}: a SurveyJS {kind!r} element is not asked")
            continue
        text = _texts(element.get("title")) or ({"en": name} if name else {})
        if not text:
            continue
        target_type = SURVEYJS_TYPES[kind]
        if kind == "text":
            target_type = _INPUT_TYPES.get(str(element.get("inputType", "")).lower(), "short_text")
        question: dict[str, Any] = {"id": safe_id(_slug(name) or "q", used), "text": text, "type": target_type}
        if TYPES[target_type].choices_from == CHOICES:
            choices, values = [], set()
            for choice in element.get("choices") or []:
                value, label = (
                    (choice.get("value"), choice.get("text", choice.get("value")))
                    if isinstance(choice, dict)
                    else (choice, choice)
                )
                if value is None:
                    continue
                choices.append({"value": safe_id(_slug(value) or "option", values), "label": _texts(label)})
            if element.get("showOtherItem") or element.get("hasOther"):
                choices.append({"value": safe_id("other", values), "label": {"en": "Other"}})
            if not choices:
                warnings.append(f"{name}: its choices are not in the file (loaded from a web service?): asked as text")
                question["type"] = "short_text"
            else:
                question["choices"] = choices
        if kind in _RATED:
            values = element.get("rateValues") or []
            low = element.get("rateMin", 1 if not values else None)
            high = element.get("rateMax", 5 if not values else None)
            if values:
                numbers = [v.get("value") if isinstance(v, dict) else v for v in values]
                numeric = [float(v) for v in numbers if isinstance(v, (int, float))]
                low, high = (min(numeric), max(numeric)) if numeric else (1, len(values))
            question["minimum"], question["maximum"] = float(low), float(high)
        if element.get("isRequired"):
            question["required"] = True
        if element.get("description"):
            question["help"] = _texts(element["description"])
        metadata = {key: str(element[key]) for key in ("visibleIf", "enableIf", "validators") if element.get(key)}
        if element.get("visibleIf"):
            warnings.append(
                f"{name}: condition {element['visibleIf']!r} is kept as a note; the question is always shown"
            )
        if metadata:
            question["metadata"] = metadata
        target.append(question)


# --- indicator lists ---------------------------------------------------------------------------------------------


def _indicators(file, document, items, mapping) -> tuple[dict[str, Any], list[str]]:
    warnings: list[str] = []
    used: set[str] = set()
    forced = {role: str(name) for role, name in (mapping.get("fields") or {}).items()}
    sections: dict[str, dict[str, Any]] = {}
    section_ids: set[str] = set()
    for position, item in enumerate(items, start=1):
        roles = _roles(item, forced)
        text = _text(item.get(roles.get("question", ""), ""))
        if not text:
            warnings.append(f"item {position}: no question text: passed over")
            continue
        title = _text(item.get(roles.get("section", ""), "")) or "General"
        section = sections.get(title)
        if section is None:
            section = sections[title] = {
                "id": safe_id(_slug(title) or "section", section_ids),
                "title": {"en": title},
                "questions": [],
            }
        number = _text(item.get(roles.get("number", ""), ""))
        question: dict[str, Any] = {
            "id": safe_id(_slug(number) if number else "_".join(_slug(text).split("_")[:5]) or "q", used),
            "text": _texts(item.get(roles["question"])),
        }
        _ratings(question, item.get(roles.get("ratings", "")), warnings, number or str(position))
        if roles.get("evidence") and _text(item.get(roles["evidence"])):
            question["evidence"] = {"en": _evidence(item[roles["evidence"]])}
        if roles.get("guidance") and _text(item.get(roles["guidance"])):
            question["help"] = {"en": _text(item[roles["guidance"]])}
        metadata = {"item": str(position), **({"number": number} if number else {})}
        weight = item.get(roles.get("weight", ""))
        if isinstance(weight, (int, float)) and not isinstance(weight, bool) and weight > 0:
            metadata["weight"] = str(weight)
            if TYPES[question["type"]].choices_from == ANCHORS or any(
                "score" in c for c in question.get("choices", [])
            ):
                question["weight"] = float(weight)
        question["metadata"] = metadata
        section["questions"].append(question)
    if not any(section["questions"] for section in sections.values()):
        raise TemplateError([TemplateProblem(file, "no item has a question text")])
    title = _text(document.get("title") or document.get("name")) if isinstance(document, dict) else ""
    definition: dict[str, Any] = {
        "title": {"en": mapping.get("title") or title or file.rsplit(".", 1)[0]},
        "sections": list(sections.values()),
    }
    if isinstance(document, dict) and _text(document.get("description")):
        definition["description"] = {"en": _text(document["description"])}
    return definition, warnings


def _evidence(value: Any) -> str:
    return "; ".join(_text(v) for v in value) if isinstance(value, list) else _text(value)


def _ratings(question: dict[str, Any], ratings: Any, warnings: list[str], where: str) -> None:
    """Ratings as a list (of labels, or of {score, label}) or a {score: label} object: four levels scored 1-4
    make a maturity question; other lists a single choice (scored where the scores are 1-4); none, yes/no."""
    levels: list[tuple[float | None, str]] = []
    if isinstance(ratings, dict):
        levels = [(_number(score), _text(label)) for score, label in ratings.items()]
    elif isinstance(ratings, list):
        for rating in ratings:
            if isinstance(rating, dict):
                score = next((rating[k] for k in ("score", "value", "level", "points", "puntaje") if k in rating), None)
                label = next(
                    (rating[k] for k in ("label", "text", "description", "name", "descripcion") if k in rating), score
                )
                levels.append((_number(score), _text(label)))
            else:
                levels.append((None, _text(rating)))
    levels = [(score, label) for score, label in levels if label]
    if not levels:
        question["type"] = "yes_no"
        return
    scores = [score for score, _ in levels]
    if len(levels) == 4 and (all(s is None for s in scores) or sorted(scores) == [1, 2, 3, 4]):
        ordered = sorted(levels, key=lambda level: level[0] or 0) if scores[0] is not None else levels
        question["type"] = "maturity"
        question["anchors"] = [{"en": label} for _, label in ordered]
        return
    question["type"] = "single_choice"
    values: set[str] = set()
    question["choices"] = []
    for score, label in levels:
        choice: dict[str, Any] = {"value": safe_id(_slug(label)[:30] or "option", values), "label": {"en": label}}
        if score is not None and 1 <= score <= 4:
            choice["score"] = score
        question["choices"].append(choice)
    if any(score is not None and not 1 <= score <= 4 for score in scores):
        warnings.append(f"item {where}: scores outside 1-4 are left out")


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
