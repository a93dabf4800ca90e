"""Headers and sheet names in en/fr/es/pt (singular and plural), numbering schemes such as RG-PS-01, and ids and
titles taken from the template itself."""

from ddq.core.definitions import load_library
from ddq.importers.frame import import_template, write_definition
from tests.importers.workbooks import workbook_bytes


def run(name, data, library_copy):
    result = import_template(name, data, library_copy, load_library(library_copy), funder="Fondo")
    write_definition(result, library_copy)
    return result, load_library(library_copy).questionnaire(result.definition["id"])


def test_spanish_plural_headers_and_numbering_scheme(library_copy):
    """Failed before: ids q_RG_PS_01…; 'Preguntas' and 'Tipo de respuesta' plural or variant headers not found."""
    data = workbook_bytes(
        {
            "Preguntas": [
                ["Debida diligencia de socios 2026"],
                [],
                ["Código", "Preguntas", "Tipos de respuesta", "Evidencias"],
                ["RG-PS-01", "¿Está la organización registrada legalmente?", "Sí/No", "Certificado"],
                ["RG-PS-02", "Describa su junta directiva", "Texto", ""],
            ]
        }
    )
    _, questionnaire = run("fondo.xlsx", data, library_copy)
    assert [q.id for q in questionnaire.questions] == ["rg_ps_01", "rg_ps_02"]
    assert questionnaire.title.get() == "Debida diligencia de socios 2026"
    assert questionnaire.questions[0].type == "yes_no" and questionnaire.questions[0].evidence.get() == "Certificado"
    assert dict(questionnaire.provenance)["funder"] == "Fondo" and len(dict(questionnaire.provenance)["sha256"]) == 64


def test_portuguese_headers_and_ids_from_the_words(library_copy):
    data = workbook_bytes(
        {
            "Perguntas": [
                ["Perguntas", "Tipo de resposta"],
                ["A organização tem uma política de salvaguarda?", "Sim/Não"],
                ["Qual é o orçamento anual?", "Valor"],
            ]
        }
    )
    _, questionnaire = run("fundo.xlsx", data, library_copy)
    assert [q.id for q in questionnaire.questions] == ["a_organizacao_tem_uma_politica", "qual_e_o_orcamento_anual"]
    assert [q.type for q in questionnaire.questions] == ["yes_no", "money"]
