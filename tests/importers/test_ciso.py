"""CISO Assistant libraries: the current Excel layout (library_meta, <object>_meta, <object>_content), the older one
(library_content listing the tabs), and YAML libraries; sheet names, meta keys and headers in en/fr/es/pt.

The files are built here following the format as documented in intuitem/ciso-assistant-community
(tools/README.md, tools/README_v1.md, tools/convert_library_v2.py; AGPL-3.0): the sheet and column layout is
theirs, the requirement texts are written for these tests."""

import yaml

from ddq.core.definitions import load_library
from ddq.importers.frame import import_template, write_definition
from tests.importers.workbooks import workbook_bytes

ANSWERS = [
    ["id", "question_type", "question_choices"],
    ["YNP", "unique_choice", "Yes\nNo\nPartially"],
    ["YN", "unique_choice", "Yes\nNo"],
    ["TXT", "text", ""],
    ["DATE", "date", ""],
    ["MULTI", "multiple_choice", "Policy\nProcedure\nTraining\n|delivered every year"],
]


def framework_rows(domains=8, per_domain=13, questions_header=("questions", "answer")):
    """Depth 1 domains, depth 2 non-assessable headings, depth 3 assessable requirements with 1 or 2 questions."""
    rows = [
        [
            "assessable",
            "depth",
            "implementation_groups",
            "ref_id",
            "name",
            "description",
            "typical_evidence",
            *questions_header,
        ]
    ]
    for domain in range(1, domains + 1):
        rows.append(["", 1, "", f"GV-{domain}", f"Domain {domain}", f"What domain {domain} covers", "", "", ""])
        rows.append(["", 2, "", f"GV-{domain}.A", f"Heading {domain}.A", "", "", "", ""])
        for item in range(1, per_domain + 1):
            two = item % 3 == 0
            questions = f"Is control {domain}.{item} in place?" + (
                f"\nWhen was {domain}.{item} last reviewed?" if two else ""
            )
            answer = "YNP\nDATE" if two else ("MULTI" if item % 5 == 0 else "YN")
            group = "IG1" if item % 2 else "IG1,IG2" if item % 4 == 1 else "IG3"
            rows.append(
                [
                    "x",
                    3,
                    group,
                    f"RG-PS-{domain:02d}.{item:02d}",
                    f"Control {item}",
                    f"Requirement {domain}.{item} described",
                    "A written policy" if item == 1 else "",
                    questions,
                    answer,
                ]
            )
        rows.append(["x", 3, "", f"GV-{domain}.Z", "Audit only", "No questions here", "", "", ""])
    return rows


def current_layout():
    return workbook_bytes(
        {
            "library_meta": [
                ["type", "library"],
                ["urn", "urn:test:risk:library:grc"],
                ["version", 1],
                ["locale", "en"],
                ["ref_id", "GRC"],
                ["name", "Supplier GRC questionnaire"],
                ["description", "Security questions for suppliers"],
                ["name[fr]", "Questionnaire GRC"],
            ],
            "framework_meta": [
                ["type", "framework"],
                ["urn", "urn:test:risk:framework:grc"],
                ["ref_id", "GRC"],
                ["name", "Supplier GRC questionnaire"],
                ["description", "Security questions for suppliers"],
                ["base_urn", "urn:test:risk:req_node:grc"],
                ["answers_definition", "answers"],
                ["implementation_groups_definition", "groups"],
            ],
            "framework_content": framework_rows(),
            "answers_meta": [["type", "answers"], ["name", "answers"]],
            "answers_content": ANSWERS,
            "groups_meta": [["type", "implementation_groups"], ["name", "groups"]],
            "groups_content": [["ref_id", "name"], ["IG1", "Basic"], ["IG2", "Intermediate"], ["IG3", "Advanced"]],
        }
    )


def run(name, data, library_copy, **options):
    result = import_template(name, data, library_copy, load_library(library_copy), funder="F", **options)
    write_definition(result, library_copy)
    return result, load_library(library_copy).questionnaire(result.definition["id"])


def test_the_current_layout_gives_every_question(library_copy):
    """Failed before: 3 of 256 questions (read as an ordinary spreadsheet)."""
    result, questionnaire = run("grc.xlsx", current_layout(), library_copy)
    # 8 domains x 13 requirements, every third with two questions
    assert result.questions == 8 * (13 + 4)
    assert questionnaire.title.get() == "Supplier GRC questionnaire" and questionnaire.title.get("fr")
    assert [section.title.get() for section in questionnaire.sections][:2] == ["GV-1 Domain 1", "GV-2 Domain 2"]
    by_id = {question.id: question for question in questionnaire.questions}
    first = by_id["rg_ps_01_01"]
    assert first.type == "yes_no" and first.evidence.get() == "A written policy"
    assert first.help.get() == "Requirement 1.1 described"
    assert dict(first.metadata)["heading"] == "GV-1.A Heading 1.A"
    assert by_id["rg_ps_01_03_1"].type == "single_choice" and by_id["rg_ps_01_03_2"].type == "date"
    assert [c.label.get() for c in by_id["rg_ps_01_05"].choices][-1] == "Training\ndelivered every year"
    assert set(first.applies_to.tiers) == {"light", "standard", "enhanced"}  # IG1: everyone
    assert set(by_id["rg_ps_01_04"].applies_to.tiers) == {"enhanced"}  # IG3 only
    assert any("have no questions" in warning for warning in result.warnings)
    assert "Security questions for suppliers" in questionnaire.purpose.get()


def test_two_hundred_questions_and_more(library_copy):
    rows = framework_rows(domains=12, per_domain=14)
    data = workbook_bytes(
        {
            "library_meta": [["type", "library"], ["name", "Large"], ["description", "d"]],
            "framework_meta": [["type", "framework"], ["name", "Large framework"], ["answers_definition", "answers"]],
            "framework_content": rows,
            "answers_meta": [["type", "answers"], ["name", "answers"]],
            "answers_content": ANSWERS,
        }
    )
    result, questionnaire = run("large.xlsx", data, library_copy)
    assert result.questions >= 200 and len(questionnaire.questions) == result.questions


def test_spanish_sheet_names_meta_rows_and_headers(library_copy):
    """Failed before: nothing imported when the sheets and meta rows are in Spanish."""
    rows = framework_rows(domains=2, per_domain=4)
    rows[0] = [
        "evaluable",
        "profundidad",
        "grupos_de_implementacion",
        "ref_id",
        "nombre",
        "descripción",
        "evidencia_tipica",
        "preguntas",
        "respuesta",
    ]
    data = workbook_bytes(
        {
            "biblioteca_meta": [
                ["tipo", "biblioteca"],
                ["nombre", "Cuestionario de proveedores"],
                ["descripción", "Preguntas de seguridad"],
            ],
            "marco_meta": [
                ["tipo", "marco"],
                ["nombre", "Cuestionario de proveedores"],
                ["definicion_de_respuestas", "respuestas"],
            ],
            "marco_contenido": rows,
            "respuestas_meta": [["tipo", "respuestas"], ["nombre", "respuestas"]],
            "respuestas_contenido": [
                ["id", "tipo_de_pregunta", "opciones"],
                ["YNP", "eleccion_unica", "Sí\nNo\nEn parte"],
                ["YN", "eleccion_unica", "Sí\nNo"],
                ["DATE", "fecha", ""],
                ["MULTI", "eleccion_multiple", "Política\nProcedimiento"],
            ],
        }
    )
    result, questionnaire = run("proveedores.xlsx", data, library_copy)
    assert result.questions == 2 * (4 + 1)
    assert questionnaire.title.get() == "Cuestionario de proveedores"
    assert {q.type for q in questionnaire.questions} == {"yes_no", "single_choice", "date"}


def test_the_older_layout(library_copy):
    rows = framework_rows(domains=2, per_domain=3)
    data = workbook_bytes(
        {
            "library_content": [
                ["library_urn", "urn:x"],
                ["library_name", "Old library"],
                ["library_description", "Older layout"],
                ["framework_name", "Old framework"],
                ["tab", "requirements", "requirements"],
                ["tab", "answers", "answers"],
            ],
            "requirements": rows,
            "answers": [["id", "type", "choices"], *ANSWERS[1:]],
        }
    )
    result, questionnaire = run("old.xlsx", data, library_copy)
    assert result.questions == 2 * (3 + 1) and questionnaire.title.get() == "Old framework"


def test_a_yaml_library(library_copy):
    library = {
        "urn": "urn:test:risk:library:y",
        "name": "YAML library",
        "description": "From YAML",
        "objects": {
            "framework": {
                "urn": "urn:test:risk:framework:y",
                "name": "YAML framework",
                "description": "A framework",
                "implementation_groups_definition": [
                    {"ref_id": "core", "name": "Core"},
                    {"ref_id": "full", "name": "Full"},
                ],
                "requirement_nodes": [
                    {"urn": "urn:a", "assessable": False, "depth": 1, "ref_id": "A", "name": "Access"},
                    {
                        "urn": "urn:a:1",
                        "assessable": True,
                        "depth": 2,
                        "parent_urn": "urn:a",
                        "ref_id": "A.1",
                        "description": "Access is controlled",
                        "implementation_groups": ["full"],
                        "questions": {
                            "urn:a:1:question:1": {
                                "type": "unique_choice",
                                "text": "Is MFA enforced?",
                                "choices": [{"urn": "c1", "value": "Yes"}, {"urn": "c2", "value": "No"}],
                            },
                            "urn:a:1:question:2": {"type": "text", "text": "Which tools?"},
                        },
                    },
                ],
            }
        },
    }
    data = yaml.safe_dump(library).encode()
    _, questionnaire = run(
        "lib.yaml", data, library_copy, mapping={"implementation_groups": {"full": ["standard", "enhanced"]}}
    )
    assert [q.id for q in questionnaire.questions] == ["a_1_1", "a_1_2"]
    assert questionnaire.questions[0].type == "yes_no" and questionnaire.questions[1].type == "long_text"
    assert set(questionnaire.questions[0].applies_to.tiers) == {"standard", "enhanced"}
    assert questionnaire.title.get() == "YAML framework"


def test_yaml_aliases_are_refused(library_copy):
    import pytest

    from ddq.importers.intake import TemplateError

    data = b"a: &x [1, 2]\nb: *x\n"
    with pytest.raises(TemplateError) as caught:
        import_template("bomb.yaml", data, library_copy, load_library(library_copy))
    assert "anchors or aliases" in str(caught.value)
