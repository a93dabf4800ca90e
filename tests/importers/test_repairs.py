"""XLSForms that pyxform refuses for a reason that can be understood: each case shows pyxform's own refusal on
the same file, then ddq's import with the repair named among the warnings (and, where it matters, what came of it).
"""

import io

import openpyxl
import pytest
from pyxform.errors import PyXFormError
from pyxform.xls2json import parse_file_to_json

from ddq.importers.frame import import_template
from ddq.importers.intake import TemplateError
from tests.conftest import QUESTIONNAIRES

YES_NO = [["list_name", "name", "label"], ["yn", "yes", "Yes"], ["yn", "no", "No"]]


def workbook(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def imported(data: bytes, library, name: str = "form.xlsx"):
    return import_template(name, data, QUESTIONNAIRES, library, funder="Fund")


def questions(result) -> dict[str, dict]:
    return {q["id"]: q for section in result.definition["sections"] for q in section["questions"]}


#: name -> (sheets, what pyxform says when it refuses, what ddq's warning names)
CASES = {
    "duplicate choice names": (
        {
            "survey": [["type", "name", "label"], ["select_one level", "q1", "Level?"]],
            "choices": [
                ["list_name", "name", "label"],
                ["level", "low", "Low"],
                ["level", "high", "High"],
                ["level", "low", "Quite low"],
            ],
        },
        "Choice names must be unique",
        "choice name 'low' is used twice in list 'level': this one is named 'low_2'",
    ),
    "a repeated choice row": (
        {
            "survey": [["type", "name", "label"], ["select_one level", "q1", "Level?"]],
            "choices": [
                ["list_name", "name", "label"],
                ["level", "low", "Low"],
                ["level", "high", "High"],
                ["level", "low", "Low"],
            ],
        },
        "Choice names must be unique",
        "choice 'low' of list 'level' repeats an earlier one: left out",
    ),
    "duplicate column header": (
        {"survey": [["type", "name", "label", "hint", "hint"], ["text", "q1", "Name?", "", "Legal name"]]},
        "Duplicate column header: hint",
        "column 'hint' appears twice",
    ),
    "sheet name with a trailing space": (
        {"survey ": [["type", "name", "label"], ["text", "q1", "Name?"]], "choices": YES_NO},
        "You must have a sheet named 'survey'",
        "sheet name 'survey ' read as 'survey'",
    ),
    "list missing from the choices sheet": (
        {"survey": [["type", "name", "label"], ["select_one sectors", "q1", "Sector?"]], "choices": YES_NO},
        "List name not in choices sheet: sectors",
        "list 'sectors' is not on the choices sheet: asked as text",
    ),
    "question with no name": (
        {"survey": [["type", "name", "label"], ["text", "", "Registered office address"]]},
        "Question or group with no name",
        "a text with no name is named 'registered_office_address'",
    ),
    "invalid name": (
        {"survey": [["type", "name", "label"], ["text", "1 legal name", "Legal name?"]]},
        "Names must begin with a letter or underscore",
        "name '1 legal name' is not valid in an XLSForm: named '_1_legal_name'",
    ),
    "duplicate question names": (
        {"survey": [["type", "name", "label"], ["text", "org", "Name?"], ["text", "org", "Trading name?"]]},
        "must be unique within their nearest parent group",
        "name 'org' is used twice in the same group: this one is named 'org_2'",
    ),
    "group never ended": (
        {"survey": [["type", "name", "label"], ["begin group", "gov", "Governance"], ["text", "board", "Board?"]]},
        "Unmatched 'begin_group'",
        "the group begun here is never ended",
    ),
    "end group with no begin": (
        {"survey": [["type", "name", "label"], ["text", "q1", "Name?"], ["end group", "", ""]]},
        "Unmatched 'end_group'",
        "an 'end group' with no matching begin is ignored",
    ),
    "or_other beside a choice filter": (
        {
            "survey": [
                ["type", "name", "label", "choice_filter"],
                ["select_one yn", "q0", "Any?", ""],
                ["select_one yn or_other", "q1", "Registered?", "name != 'x'"],
            ],
            "choices": YES_NO,
        },
        "Choice filter not supported with or_other",
        "or_other beside a choice filter",
    ),
    "condition naming a missing question": (
        {
            "survey": [
                ["type", "name", "label", "relevant"],
                ["text", "q1", "Name?", ""],
                ["text", "q2", "Other?", "${registered} = 'yes'"],
            ]
        },
        "Could not find the name 'registered'",
        "relevant \"${registered} = 'yes'\" names registered, not in the form: kept as a note",
    ),
    "choice with no name": (
        {
            "survey": [["type", "name", "label"], ["select_one level", "q1", "Level?"]],
            "choices": [["list_name", "name", "label"], ["level", "", "Very high"], ["level", "low", "Low"]],
        },
        "Choices must have a name",
        "a choice of list 'level' with no name is named 'very_high'",
    ),
    "spaces in a multiple choice's names": (
        {
            "survey": [["type", "name", "label"], ["select_multiple funds", "q1", "Funders?"]],
            "choices": [["list_name", "name", "label"], ["funds", "eu fund", "EU"], ["funds", "un", "UN"]],
        },
        "Choice names with spaces cannot be added to multiple choice selects",
        "choice 'eu fund' of list 'funds' has spaces: named 'eu_fund'",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_pyxform_refuses_and_ddq_imports_naming_the_repair(case, shipped_library):
    sheets, refusal, repair = CASES[case]
    data = workbook(sheets)
    with pytest.raises(PyXFormError, match=refusal.replace("(", r"\(").replace("'", ".").replace("$", r"\$")):
        parse_file_to_json(None, file_object=io.BytesIO(data))
    result = imported(data, shipped_library)
    assert any(warning.startswith("repaired (") and repair in warning for warning in result.warnings), result.warnings
    assert result.questions >= 1


def test_what_the_repairs_make_of_the_questions(shipped_library):
    duplicate = imported(workbook(CASES["duplicate choice names"][0]), shipped_library)
    assert [choice["value"] for choice in questions(duplicate)["q1"]["choices"]] == ["low", "high", "low_2"]
    header = imported(workbook(CASES["duplicate column header"][0]), shipped_library)
    assert questions(header)["q1"]["help"] == {"en": "Legal name"}  # the second column fills the empty first
    missing = imported(workbook(CASES["list missing from the choices sheet"][0]), shipped_library)
    assert questions(missing)["q1"]["type"] == "short_text"
    other = imported(workbook(CASES["or_other beside a choice filter"][0]), shipped_library)
    assert [choice["value"] for choice in questions(other)["q1"]["choices"]] == ["yes", "no", "other"]
    condition = imported(workbook(CASES["condition naming a missing question"][0]), shipped_library)
    assert "show_if" not in questions(condition)["q2"]
    assert questions(condition)["q2"]["metadata"]["unresolved_relevant"] == "${registered} = 'yes'"
    group = imported(workbook(CASES["group never ended"][0]), shipped_library)
    assert [s["id"] for s in group.definition["sections"]] == ["gov"]


def test_legacy_columns_stray_spaces_or_other_and_unknown_types(shipped_library):
    """Accepted by pyxform as well, but each is read the way the form meant and named in the warnings."""
    data = workbook(
        {
            "survey": [
                ["Type ", "name", "label:English", "label:Español", "bind:relevant", "bind:required"],
                ["select_one yn", "registered", "Registered?", "¿Registrada?", "", "yes"],
                ["Text", "number", "Registration number", "Número de registro", "${registered} = 'yes'", ""],
                ["select_one yn or_other", "audited", "Audited?", "¿Auditada?", "", ""],
                ["money", "budget", "Annual budget", "Presupuesto anual", "", ""],
            ],
            "choices": [
                ["list_name", "name", "label:English", "label:Español"],
                ["yn", "yes", "Yes", "Sí"],
                ["yn", "no", "No", "No"],
                ["yn", "other", "Other", "Otro"],
            ],
        }
    )
    result = imported(data, shipped_library)
    read = questions(result)
    assert read["registered"]["required"] is True
    assert read["registered"]["text"] == {"en": "Registered?", "es": "¿Registrada?"}
    assert read["number"]["show_if"] == "registered = 'yes'" and read["number"]["type"] == "short_text"
    assert [choice["value"] for choice in read["audited"]["choices"]] == ["yes", "no", "other"]  # once, not twice
    assert read["budget"]["type"] == "short_text"
    warnings = "\n".join(result.warnings)
    for named in (
        "column header 'Type ' read as 'type' (stray spaces)",
        "legacy column 'label:English' read as 'label::English'",
        "legacy column 'bind:relevant' read as 'relevant'",
        "type 'Text' read as 'text'",
        "budget: type 'money' is asked as text",
    ):
        assert named in warnings, (named, result.warnings)


def test_what_cannot_be_understood_is_still_refused(shipped_library):
    data = workbook({"survey": [["type", "name", "label"], ["text", "q1", "Hello ${nobody}"]]})
    with pytest.raises(PyXFormError):
        parse_file_to_json(None, file_object=io.BytesIO(data))
    with pytest.raises(TemplateError) as caught:
        imported(data, shipped_library)
    assert "not a valid XLSForm" in str(caught.value) and "nobody" in str(caught.value)


# --- type words in Spanish and Portuguese ---------------------------------------------------------------------------

SPANISH = [
    ["Pregunta", "Tipo de respuesta"],
    ["¿Está registrada la organización?", "Sí/No"],
    ["Describa su misión", "Texto largo"],
    ["Número de empleados", "Número"],
    ["Presupuesto anual", "Moneda"],
    ["Parte del presupuesto de donantes", "Porcentaje"],
    ["Fecha de constitución", "Fecha"],
    ["Fuentes de financiación", "Opción múltiple"],
    ["Estatutos firmados", "Documento"],
    ["Contacto", "Correo electrónico"],
]
PORTUGUESE = [
    ["Pergunta", "Tipo de resposta"],
    ["A organização está registada?", "Sim/Não"],
    ["Descreva a sua missão", "Texto longo"],
    ["Número de funcionários", "Número"],
    ["Orçamento anual", "Moeda"],
    ["Parte do orçamento de doadores", "Porcentagem"],
    ["Data de constituição", "Data"],
    ["Fontes de financiamento", "Múltipla escolha"],
    ["Estatutos assinados", "Documento"],
    ["Contacto", "Correio eletrónico"],
]
TYPES_IN_ORDER = ["yes_no", "long_text", "number", "money", "percent", "date", "multi_choice", "document", "email"]


@pytest.mark.parametrize("rows", [SPANISH, PORTUGUESE], ids=["es", "pt"])
def test_type_words_in_spanish_and_portuguese(rows, shipped_library):
    options = "Opciones" if rows is SPANISH else "Opções"
    rows = [[*row, options if number == 0 else ("A; B; C" if number == 7 else "")] for number, row in enumerate(rows)]
    result = imported(workbook({"Hoja": rows}), shipped_library, name="plantilla.xlsx")
    read = [q["type"] for section in result.definition["sections"] for q in section["questions"]]
    assert read == TYPES_IN_ORDER, result.warnings
