"""JSON questionnaires, told by their shape: SurveyJS forms and plain indicator lists, a mapping file for the rest;
read with limits (size, depth, values) like the workbooks."""

import json

import pytest

from ddq.core.definitions import load_library
from ddq.importers.frame import import_template, write_definition
from ddq.importers.intake import ImportLimits, TemplateError

SURVEYJS = {
    "title": {"default": "Partner survey", "fr": "Enquête partenaire"},
    "description": "Tell us about your organisation.",
    "pages": [
        {
            "name": "governance",
            "title": "Governance",
            "elements": [
                {
                    "type": "boolean",
                    "name": "registered",
                    "title": "Is the organisation registered?",
                    "isRequired": True,
                },
                {
                    "type": "radiogroup",
                    "name": "board",
                    "title": "How often does the board meet?",
                    "choices": ["Monthly", {"value": "quarterly", "text": "Quarterly"}],
                    "showOtherItem": True,
                },
                {
                    "type": "panel",
                    "name": "finance",
                    "elements": [
                        {"type": "text", "inputType": "number", "name": "budget", "title": "Annual budget"},
                        {"type": "checkbox", "name": "policies", "title": "Which policies?", "choices": ["A", "B"]},
                    ],
                },
                {"type": "html", "name": "intro", "html": "<p>Hello</p>"},
                {"type": "rating", "name": "confidence", "title": "Confidence", "rateMin": 1, "rateMax": 5},
                {"type": "comment", "name": "notes", "title": "Anything else?", "visibleIf": "{registered} = true"},
            ],
        }
    ],
}

INDICATORS = {
    "title": "Capacity indicators",
    "indicators": [
        {
            "category": "Financial management",
            "code": "FM-01",
            "indicator": "Does the organisation reconcile its bank accounts monthly?",
            "ratings": {"1": "Never", "2": "Sometimes", "3": "Mostly", "4": "Always"},
            "weight": 2,
            "evidence": ["Bank reconciliations", "Signed statements"],
        },
        {
            "category": "Financial management",
            "code": "FM-02",
            "indicator": "Are payments authorised by two people?",
            "ratings": [{"score": 1, "label": "No"}, {"score": 4, "label": "Yes"}],
        },
        {"category": "Safeguarding", "code": "SG-01", "indicator": "Is there a safeguarding policy?"},
    ],
}


def run(name, data, library_copy, **options):
    result = import_template(name, data, library_copy, load_library(library_copy), funder="F", **options)
    write_definition(result, library_copy)
    return result, load_library(library_copy).questionnaire(result.definition["id"])


def test_a_surveyjs_form(library_copy):
    result, questionnaire = run("survey.json", json.dumps(SURVEYJS).encode(), library_copy)
    by_id = {q.id: q for q in questionnaire.questions}
    assert list(by_id) == ["registered", "board", "budget", "policies", "confidence", "notes"]
    assert by_id["registered"].type == "yes_no" and by_id["registered"].required
    assert [c.value for c in by_id["board"].choices] == ["monthly", "quarterly", "other"]
    assert by_id["budget"].type == "number" and by_id["policies"].type == "multi_choice"
    assert by_id["confidence"].type == "rating" and by_id["notes"].type == "long_text"
    assert questionnaire.title.get("fr") == "Enquête partenaire"
    assert "Tell us about your organisation." in questionnaire.purpose.get()
    assert any("{registered} = true" in warning for warning in result.warnings)


def test_an_indicator_list(library_copy):
    _, questionnaire = run("indicators.json", json.dumps(INDICATORS).encode(), library_copy)
    by_id = {q.id: q for q in questionnaire.questions}
    assert list(by_id) == ["fm_01", "fm_02", "sg_01"]
    assert by_id["fm_01"].type == "maturity" and by_id["fm_01"].choices[3].label.get() == "Always"
    assert by_id["fm_01"].evidence.get() == "Bank reconciliations; Signed statements"
    assert by_id["fm_02"].type == "single_choice" and by_id["sg_01"].type == "yes_no"
    assert [s.title.get() for s in questionnaire.sections] == ["Financial management", "Safeguarding"]
    assert questionnaire.title.get() == "Capacity indicators"


def test_a_mapping_file_says_where_and_what(library_copy):
    data = json.dumps({"data": {"rows": [{"grp": "Ethics", "ask": "Do you have an ethics committee?", "k": "E1"}]}})
    mapping = {"items": "data.rows", "fields": {"question": "ask", "section": "grp", "number": "k"}}
    _, questionnaire = run("odd.json", data.encode(), library_copy, mapping=mapping)
    assert [(q.id, q.text.get()) for q in questionnaire.questions] == [("e1", "Do you have an ethics committee?")]


def test_unrecognised_json_names_what_to_do(library_copy):
    with pytest.raises(TemplateError) as caught:
        import_template("x.json", b'{"a": 1}', library_copy, load_library(library_copy))
    assert "mapping file" in str(caught.value)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [(b"[" * 5000 + b"]" * 5000, "nests deeper"), (b'{"a": ', "not valid JSON"), ("{}".encode("utf-16"), "not UTF-8")],
)
def test_json_is_read_with_limits(library_copy, data, fragment):
    with pytest.raises(TemplateError) as caught:
        import_template("x.json", data, library_copy, load_library(library_copy))
    assert fragment in str(caught.value)


def test_too_many_values_are_refused(library_copy):
    data = json.dumps([{"question": f"Q{n}?"} for n in range(200)]).encode()
    with pytest.raises(TemplateError) as caught:
        import_template("x.json", data, library_copy, load_library(library_copy), limits=ImportLimits(max_cells=100))
    assert "more than 100 values" in str(caught.value)
