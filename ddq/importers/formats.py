"""Which reader a template needs, told from its shape: JSON and YAML (CISO Assistant libraries, SurveyJS forms,
indicator lists), CISO Assistant workbooks, XLSForms, and ordinary spreadsheets."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .intake import TemplateError, TemplateFile, TemplateProblem

STRUCTURED = ("json", "yaml", "yml")


def convert(template: TemplateFile, mapping: Mapping[str, Any] | None = None) -> tuple[dict[str, Any], list[str], str]:
    """The template as a ddq definition dict, the warnings worth reading, and the format it was read as."""
    from . import ciso, jsonforms
    from .frame import is_xlsform
    from .spreadsheet import parse_spreadsheet, read_sheets
    from .xlsform import parse_xlsform

    mapping = dict(mapping or {})
    if template.kind in STRUCTURED:
        from .structured import load_structured

        document = load_structured(template)
        if ciso.is_ciso_library(document):
            definition, warnings = ciso.parse_ciso(template.name, document, mapping)
            return definition, [*template.warnings, *warnings], "ciso-assistant"
        if template.kind != "json":
            raise TemplateError(
                [
                    TemplateProblem(
                        template.name,
                        "a YAML file ddq imports is a CISO Assistant library (objects: framework: requirement_nodes)",
                    )
                ]
            )
        definition, warnings = jsonforms.parse_json(template.name, document, mapping)
        kind = "surveyjs" if jsonforms.is_surveyjs(document) and not mapping.get("items") else "indicators"
        return definition, [*template.warnings, *warnings], kind
    sheets = read_sheets(template)  # read once: the detection and every reader use them
    if template.kind != "csv" and ciso.is_ciso_workbook(sheets):
        document = ciso.workbook_library(template.name, sheets)
        definition, warnings = ciso.parse_ciso(template.name, document, mapping)
        return definition, [*template.warnings, *warnings], "ciso-assistant"
    if is_xlsform(template, sheets):
        definition, warnings = parse_xlsform(template, sheets)
        return definition, [*template.warnings, *warnings], "xlsform"
    definition, warnings = parse_spreadsheet(template, mapping, sheets)
    return definition, [*template.warnings, *warnings], "spreadsheet"
