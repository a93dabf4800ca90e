"""GRC frameworks in the open library format of CISO Assistant: its Excel form (the current layout, with
`library_meta`, `<object>_meta` and `<object>_content` sheets; and the older one, with a `library_content` sheet that
lists the tabs) and its YAML libraries.

Requirement nodes by depth become sections (the top level) and headings (kept with each question); an assessable
node's questions become questions, several per node when it has several; the answers sheet gives their types and
choices; implementation groups become tiers (or partner roles, through a mapping file). Sheet names, meta keys and
column headers are recognised in English, French, Spanish and Portuguese.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..core.questions import CHOICES, TYPES
from .intake import TemplateError, TemplateProblem
from .spreadsheet import normalise
from .xlsform import safe_id

#: Words of the format (normalised, spaces as _) -> the English key.
WORDS: dict[str, tuple[str, ...]] = {
    "library": ("library", "biblioteca", "bibliotheque", "librairie"),
    "framework": ("framework", "marco", "referentiel", "estrutura", "marco_de_referencia", "cadre", "referencial"),
    "answers": ("answers", "respuestas", "reponses", "respostas", "answer", "respuesta", "reponse", "resposta"),
    "implementation_groups": (
        "implementation_groups",
        "grupos_de_implementacion",
        "groupes_de_mise_en_oeuvre",
        "grupos_de_implementacao",
        "grupos_de_implementacion_",
    ),
    "type": ("type", "tipo"),
    "name": ("name", "nombre", "nom", "nome", "titulo", "titre"),
    "description": ("description", "descripcion", "descricao"),
    "ref_id": ("ref_id", "referencia", "reference", "ref", "id_de_referencia", "identificador"),
    "answers_definition": (
        "answers_definition",
        "definicion_de_respuestas",
        "definition_des_reponses",
        "definicao_de_respostas",
    ),
    "implementation_groups_definition": (
        "implementation_groups_definition",
        "definicion_de_grupos_de_implementacion",
        "definition_des_groupes_de_mise_en_oeuvre",
        "definicao_de_grupos_de_implementacao",
    ),
    "assessable": ("assessable", "evaluable", "avaliavel", "evaluable_"),
    "depth": ("depth", "profundidad", "profondeur", "profundidade", "nivel", "niveau"),
    "questions": ("questions", "question", "preguntas", "pregunta", "perguntas", "pergunta"),
    "answer": ("answer", "respuesta", "reponse", "resposta", "answers", "respuestas", "reponses", "respostas"),
    "typical_evidence": (
        "typical_evidence",
        "evidencia_tipica",
        "preuve_typique",
        "preuves_typiques",
        "evidencias_tipicas",
        "evidencia",
    ),
    "annotation": ("annotation", "anotacion", "anotacao", "nota"),
    "id": ("id", "identificador", "identifiant"),
    "question_type": ("question_type", "tipo_de_pregunta", "type_de_question", "tipo_de_pergunta"),
    "question_choices": ("question_choices", "choices", "opciones", "choix", "opcoes", "elecciones", "escolhas"),
    "tab": ("tab", "pestana", "onglet", "aba", "hoja", "feuille"),
    "requirements": ("requirements", "requisitos", "exigences", "requerimientos"),
    "meta": ("meta", "metadatos", "metadonnees", "metadados"),
    "content": ("content", "contenido", "contenu", "conteudo"),
}
_LOOKUP = {word: key for key, words in WORDS.items() for word in words}
#: CISO Assistant's answer types, in any of the four languages -> the ddq type.
ANSWER_TYPES = {
    "unique_choice": "single_choice",
    "eleccion_unica": "single_choice",
    "seleccion_unica": "single_choice",
    "choix_unique": "single_choice",
    "escolha_unica": "single_choice",
    "multiple_choice": "multi_choice",
    "eleccion_multiple": "multi_choice",
    "seleccion_multiple": "multi_choice",
    "choix_multiple": "multi_choice",
    "escolha_multipla": "multi_choice",
    "text": "long_text",
    "texto": "long_text",
    "texte": "long_text",
    "date": "date",
    "fecha": "date",
    "data": "date",
}
_YES = {"yes", "oui", "si", "sim"}
_NO = {"no", "non", "nao"}
#: Implementation groups in their declared order fall on these tiers (the first group is asked of every tier).
TIERS = ("light", "standard", "enhanced")
LANGUAGES = ("en", "fr", "es", "pt")


def key(text: Any) -> str:
    """A sheet name, meta key or header as the format's English word ('Profundidad' -> 'depth')."""
    word = normalise(text).replace(" ", "_")
    return _LOOKUP.get(word, word)


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _split_sheet_name(name: str) -> tuple[str, str] | None:
    """'framework_contenido' -> ('framework', 'content'); None when the name is neither _meta nor _content."""
    found = re.fullmatch(r"(.+?)[ _-]+([^ _-]+)", normalise(name).replace(" ", "_"))
    if not found:
        return None
    kind = _LOOKUP.get(found.group(2))
    return (found.group(1), kind) if kind in {"meta", "content"} else None


def is_ciso_workbook(sheets: Mapping[str, Any]) -> bool:
    """A CISO Assistant library workbook: a library meta sheet with a framework, or the older library_content."""
    parts = {name: _split_sheet_name(name) for name in sheets}
    for part in parts.values():
        if part and part[1] == "content" and key(part[0]) == "library":
            return True  # the older layout
        if part and part[1] == "meta" and key(part[0]) == "library":
            return any(other and other[1] == "content" for other in parts.values())
    return False


def is_ciso_library(document: Any) -> bool:
    """A CISO Assistant YAML library (or a framework object on its own)."""
    if not isinstance(document, dict):
        return False
    framework = (document.get("objects") or {}).get("framework") if isinstance(document.get("objects"), dict) else None
    return isinstance(framework, dict) or isinstance(document.get("requirement_nodes"), list)


# --- the workbook -----------------------------------------------------------------------------------------------


def _key_values(frame: Any) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for row in frame.itertuples(index=False, name=None):
        if len(row) >= 2 and _text(row[0]):
            raw = _text(row[0])
            language = re.fullmatch(r"(.+)\[(\w+)\]", raw)
            name = f"{key(language.group(1))}[{language.group(2).lower()}]" if language else key(raw)
            values.setdefault(name, row[1])
            if len(row) >= 3 and name == "tab":
                values.setdefault("tabs", []).append(tuple(_text(cell) for cell in row[1:4]))
    return values


def _table(frame: Any) -> list[dict[str, Any]]:
    """A content sheet's rows as {English header: value}, with its Excel row number under '_row'."""
    rows = list(frame.itertuples(index=False, name=None))
    if not rows:
        return []
    header = []
    for cell in rows[0]:
        raw = _text(cell)
        language = re.fullmatch(r"(.+)\[(\w+)\]", raw)
        header.append(f"{key(language.group(1))}[{language.group(2).lower()}]" if language else key(raw))
    table = []
    for number, row in enumerate(rows[1:], start=2):
        record = {name: value for name, value in zip(header, row, strict=False) if name and _text(value)}
        if record:
            record["_row"] = number
            table.append(record)
    return table


def workbook_library(file: str, sheets: Mapping[str, Any]) -> dict[str, Any]:
    """The workbook as a library in the shape of CISO Assistant's YAML (so both read the same way below)."""
    parts = {name: _split_sheet_name(name) for name in sheets}
    older = next(
        (name for name, part in parts.items() if part and part[1] == "content" and key(part[0]) == "library"), None
    )
    if older is not None:
        return _older_layout(file, sheets, _key_values(sheets[older]))
    metas = {name: _key_values(sheets[name]) for name, part in parts.items() if part and part[1] == "meta"}
    contents = {part[0]: name for name, part in parts.items() if part and part[1] == "content"}
    library = next(values for name, values in metas.items() if key(parts[name][0]) == "library")
    blocks: dict[str, tuple[dict[str, Any], str | None]] = {}
    for name, values in metas.items():
        prefix = parts[name][0]
        if key(prefix) != "library":
            blocks[_text(values.get("name")) or prefix] = (values, contents.get(prefix))
            blocks.setdefault(prefix, (values, contents.get(prefix)))
    framework = next(
        ((values, content) for values, content in blocks.values() if key(_text(values.get("type"))) == "framework"),
        None,
    )
    if framework is None or framework[1] is None:
        raise TemplateError([TemplateProblem(file, "the library has no framework sheet (a _meta of type framework)")])
    meta, content = framework

    def block(name_key: str, wanted: str) -> list[dict[str, Any]]:
        named = blocks.get(_text(meta.get(name_key)))
        if named is None:  # not named by the framework: the one block of that type, if any
            named = next((b for b in blocks.values() if key(_text(b[0].get("type"))) == wanted), None)
        return _table(sheets[named[1]]) if named and named[1] else []

    return _assemble(
        library,
        meta,
        _table(sheets[content]),
        block("answers_definition", "answers"),
        block("implementation_groups_definition", "implementation_groups"),
        content,
    )


def _older_layout(file: str, sheets: Mapping[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    library = {name.removeprefix("library_"): value for name, value in values.items() if name.startswith("library_")}
    meta = {name.removeprefix("framework_"): value for name, value in values.items() if name.startswith("framework_")}
    tabs = {key(kind): name for name, kind, *_ in values.get("tabs", [])}
    by_name = {normalise(name): name for name in sheets}
    requirements = by_name.get(normalise(tabs.get("requirements", "")))
    if requirements is None:
        raise TemplateError(
            [TemplateProblem(file, "the library lists no requirements tab (tab | <name> | requirements)")]
        )

    def table(kind: str) -> list[dict[str, Any]]:
        sheet = by_name.get(normalise(tabs.get(kind, "")))
        return _table(sheets[sheet]) if sheet else []

    answers = [{**row, "question_type": row.get("question_type") or row.get("type")} for row in table("answers")]
    return _assemble(library, meta, _table(sheets[requirements]), answers, table("implementation_groups"), requirements)


def _choices(raw: Any) -> list[str]:
    choices: list[str] = []
    for line in _text(raw).splitlines():
        line = line.strip()
        if line.startswith("|") and choices:
            choices[-1] += "\n" + line[1:].strip()
        elif line:
            choices.append(line)
    return choices


def _translations(record: Mapping[str, Any], name: str) -> dict[str, str]:
    return {
        language: _text(record[f"{name}[{language}]"])
        for language in LANGUAGES
        if _text(record.get(f"{name}[{language}]"))
    }


def _assemble(library, meta, rows, answers, groups, sheet) -> dict[str, Any]:
    """CISO Assistant's YAML shape, built from the workbook's tables."""
    kinds = {
        _text(row.get("id")): {
            "type": _text(row.get("question_type") or row.get("type")),
            "choices": _choices(row.get("question_choices")),
        }
        for row in answers
        if _text(row.get("id"))
    }
    nodes = []
    for row in rows:
        depth = _text(row.get("depth"))
        node: dict[str, Any] = {
            "depth": int(float(depth)) if re.fullmatch(r"\d+(\.0)?", depth) else 1,
            "assessable": bool(_text(row.get("assessable"))),
            "_where": (sheet, row["_row"]),
            "translations": {language: {"name": text} for language, text in _translations(row, "name").items()},
        }
        for field in ("ref_id", "name", "description", "typical_evidence", "annotation"):
            if _text(row.get(field)):
                node[field] = _text(row[field])
        if _text(row.get("implementation_groups")):
            node["implementation_groups"] = [
                g.strip() for g in _text(row["implementation_groups"]).split(",") if g.strip()
            ]
        texts = [line.strip() for line in _text(row.get("questions")).splitlines() if line.strip()]
        answer_ids = [line.strip() for line in _text(row.get("answer")).splitlines() if line.strip()]
        questions = {}
        for index, text in enumerate(texts):
            answer = answer_ids[0] if len(answer_ids) == 1 else (answer_ids[index] if index < len(answer_ids) else "")
            kind = kinds.get(answer, {"type": "", "choices": [], "missing": answer})
            questions[str(index + 1)] = {
                "text": text,
                "type": kind["type"],
                "choices": kind["choices"],
                **({"missing": kind["missing"]} if "missing" in kind else {}),
            }
        if questions:
            node["questions"] = questions
        nodes.append(node)
    framework = {
        "name": _text(meta.get("name")) or _text(library.get("name")),
        "description": _text(meta.get("description")) or _text(library.get("description")),
        "implementation_groups_definition": [
            {"ref_id": _text(row.get("ref_id")), "name": _text(row.get("name"))}
            for row in groups
            if _text(row.get("ref_id"))
        ],
        "requirement_nodes": nodes,
        "translations": {
            language: {"name": text}
            for language, text in {**_translations(library, "name"), **_translations(meta, "name")}.items()
        },
    }
    return {
        "name": _text(library.get("name")),
        "description": _text(library.get("description")),
        "provider": _text(library.get("provider")),
        "objects": {"framework": framework},
    }


# --- the library, from either source -----------------------------------------------------------------------------


def parse_ciso(
    file: str, document: dict[str, Any], mapping: Mapping[str, Any] | None = None
) -> tuple[dict[str, Any], list[str]]:
    """A CISO Assistant library (YAML, or a workbook through `workbook_library`) as a ddq definition dict."""
    mapping = mapping or {}
    warnings: list[str] = []
    objects = document.get("objects") if isinstance(document.get("objects"), dict) else {}
    framework = objects.get("framework") if objects else document
    if isinstance(framework, list):
        framework = framework[0] if framework else {}
    nodes = framework.get("requirement_nodes") or []
    if not isinstance(nodes, list):
        raise TemplateError([TemplateProblem(file, "requirement_nodes is not a list")])
    placement = _groups(framework, mapping)
    used: set[str] = set()
    sections: list[dict[str, Any]] = []
    headings: dict[int, str] = {}
    top = min((int(node.get("depth", 1) or 1) for node in nodes if isinstance(node, dict)), default=1)
    current: dict[str, Any] | None = None
    skipped = 0
    for number, node in enumerate(nodes, start=1):
        if not isinstance(node, dict):
            continue
        depth = int(node.get("depth", 1) or 1)
        title = " ".join(part for part in (_text(node.get("ref_id")), _text(node.get("name"))) if part)
        title = title or _text(node.get("description"))[:80] or f"Part {number}"
        headings = {level: text for level, text in headings.items() if level < depth}
        questions = _node_questions(node)
        if depth == top and not questions:
            current = {
                "id": safe_id(_slug(node.get("ref_id") or node.get("name") or "section"), used),
                "title": {"en": title, **_translated(node, "name")},
                "questions": [],
            }
            if node.get("description"):
                current["purpose"] = {"en": _text(node["description"])}
            sections.append(current)
            if not questions:
                continue
        headings[depth] = title
        if not questions:
            skipped += bool(node.get("assessable"))
            continue
        if current is None:
            current = {"id": safe_id("general", used), "title": {"en": "General"}, "questions": []}
            sections.append(current)
        base = _slug(node.get("ref_id") or node.get("name") or "q")
        for index, item in enumerate(questions):
            question = _question(
                file, node, item, safe_id(base if len(questions) == 1 else f"{base}_{index + 1}", used), warnings
            )
            path = [text for level, text in sorted(headings.items()) if top < level < depth]
            question["metadata"] = {
                **({"heading": " › ".join(path)} if path else {}),
                **({"ref_id": _text(node["ref_id"])} if node.get("ref_id") else {}),
                **({"source_row": "{}!{}".format(*node["_where"])} if node.get("_where") else {}),
            }
            groups = node.get("implementation_groups") or []
            if groups:
                question["metadata"]["implementation_groups"] = ", ".join(map(str, groups))
                applies = _applies(groups, placement)
                if applies:
                    question["applies_to"] = applies
            current["questions"].append(question)
    if skipped:
        warnings.append(f"{skipped} assessable requirements have no questions: left out (they are audit items)")
    sections = [section for section in sections if section["questions"]]
    if not sections:
        raise TemplateError([TemplateProblem(file, "the framework has no requirement with questions")])
    title = _text(framework.get("name")) or _text(document.get("name")) or file.rsplit(".", 1)[0]
    definition = {"title": {"en": title, **_translated(framework, "name")}, "sections": sections}
    description = _text(framework.get("description")) or _text(document.get("description"))
    if description:
        definition["description"] = {"en": description}
    return definition, warnings


def _slug(text: Any) -> str:
    return re.sub(r"_+", "_", normalise(text).replace(" ", "_"))[:40].strip("_") or "q"


def _translated(node: Mapping[str, Any], field: str) -> dict[str, str]:
    translations = node.get("translations") or {}
    if not isinstance(translations, dict):
        return {}
    return {
        language: _text(values.get(field))
        for language, values in translations.items()
        if language in LANGUAGES and language != "en" and isinstance(values, dict) and _text(values.get(field))
    }


def _node_questions(node: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The node's questions in one shape: text, type, choices (the current YAML, the older one, the workbook)."""
    found = node.get("questions")
    if isinstance(found, dict):
        return [
            {
                "text": _text(item.get("text")),
                "type": _text(item.get("type")),
                "choices": [
                    _text(c.get("value")) if isinstance(c, dict) else _text(c) for c in item.get("choices") or []
                ],
                **({"missing": item["missing"]} if "missing" in item else {}),
            }
            for item in found.values()
            if isinstance(item, dict) and _text(item.get("text"))
        ]
    older = node.get("question")
    if isinstance(older, dict):
        choices = [
            _text(c.get("value")) if isinstance(c, dict) else _text(c) for c in older.get("question_choices") or []
        ]
        return [
            {
                "text": _text(item.get("text") if isinstance(item, dict) else item),
                "type": _text(older.get("question_type")),
                "choices": choices,
            }
            for item in older.get("questions") or []
        ]
    return []


def _question(file: str, node, item, question_id: str, warnings: list[str]) -> dict[str, Any]:
    question: dict[str, Any] = {"id": question_id, "text": {"en": item["text"]}}
    kind = ANSWER_TYPES.get(normalise(item["type"]).replace(" ", "_"))
    where = _text(node.get("ref_id")) or question_id
    if item.get("missing") is not None:
        warnings.append(f"{where}: answer {item['missing']!r} is not in the answers sheet: asked as text")
    elif kind is None:
        warnings.append(f"{where}: answer type {item['type']!r} is not known: asked as text")
    kind = kind or "long_text"
    choices = [choice for choice in item["choices"] if choice]
    if TYPES[kind].choices_from == CHOICES and not choices:
        warnings.append(f"{where}: a choice question without choices: asked as text")
        kind = "long_text"
    if (
        TYPES[kind].choices_from == CHOICES
        and not TYPES[kind].is_multiple
        and {normalise(c) for c in choices}
        in (
            {"yes", "no"},
            *({y, n} for y in _YES for n in _NO),
        )
    ):
        kind = "yes_no"
    question["type"] = kind
    if TYPES[kind].choices_from == CHOICES:
        values: set[str] = set()
        question["choices"] = [
            {"value": safe_id(_slug(choice)[:30] or "option", values), "label": {"en": choice}} for choice in choices
        ]
    if node.get("description"):
        question["help"] = {"en": _text(node["description"])}
    if node.get("typical_evidence"):
        question["evidence"] = {"en": _text(node["typical_evidence"])}
    return question


def _groups(framework: Mapping[str, Any], mapping: Mapping[str, Any]) -> dict[str, dict[str, list[str]]]:
    """Implementation group ref -> applies_to: from the mapping file, else by the groups' declared order."""
    declared = [
        _text(group.get("ref_id"))
        for group in framework.get("implementation_groups_definition") or []
        if isinstance(group, dict) and _text(group.get("ref_id"))
    ]
    placement: dict[str, dict[str, list[str]]] = {}
    for index, ref in enumerate(declared):
        rank = min(index * len(TIERS) // max(len(declared), 1), len(TIERS) - 1)
        placement[ref] = {"tiers": list(TIERS[rank:])}
    for ref, target in (mapping.get("implementation_groups") or {}).items():
        if isinstance(target, dict):
            placement[str(ref)] = {name: list(values) for name, values in target.items()}
        else:
            placement[str(ref)] = {"tiers": [target] if isinstance(target, str) else list(target)}
    return placement


def _applies(groups: list[Any], placement: Mapping[str, Mapping[str, list[str]]]) -> dict[str, list[str]]:
    applies: dict[str, list[str]] = {}
    for group in groups:
        for name, values in placement.get(str(group).strip(), {}).items():
            applies[name] = sorted(
                set(applies.get(name, [])) | set(values),
                key=lambda v: (v not in TIERS, TIERS.index(v) if v in TIERS else v),
            )
    return applies
