"""Formulas are never evaluated: the value saved with each is read. Refused only when a formula reaches outside
the workbook, or has no saved value where the text matters (the cell named); settings-sheet formulas pass with a
warning."""

import pytest

from ddq.core.definitions import load_library
from ddq.importers.frame import import_template
from ddq.importers.intake import TemplateError, open_template
from tests.importers.workbooks import with_saved_values, workbook_bytes


def run(name, data, library_copy):
    return import_template(name, data, library_copy, load_library(library_copy), funder="F")


def xlsform(version):
    return workbook_bytes(
        {
            "survey": [["type", "name", "label"], ["text", "org_name", "Organisation name"]],
            "settings": [["form_title", "version"], ["Partner form", version]],
        }
    )


def test_a_settings_formula_with_a_saved_value_is_read_with_a_warning(library_copy):
    """Failed before: 'formulas are not accepted' for an XLSForm whose version is =NOW()-style."""
    data = with_saved_values(xlsform("=TEXT(NOW(),\"yyyymmdd\")"), {(2, "B2"): "20250101"})
    result = run("form.xlsx", data, library_copy)
    assert result.questions == 1 and result.definition["title"]["en"] == "Partner form"
    assert any("sheet 'settings'" in warning and "B2" in warning for warning in result.warnings)


def test_a_settings_formula_without_a_saved_value_still_imports(library_copy):
    result = run("form.xlsx", xlsform("=NOW()"), library_copy)
    assert result.questions == 1
    assert any("B2 had no saved value" in warning for warning in result.warnings)


def test_a_question_written_by_a_formula_is_read_from_its_saved_value(library_copy):
    data = workbook_bytes(
        {
            "Questions": [
                ["No.", "Question", "Response type"],
                ["1", '=CONCATENATE("Is the organisation ", "registered?")', "Yes/No"],
            ]
        }
    )
    data = with_saved_values(data, {(1, "B2"): "Is the organisation registered?"})
    result = run("t.xlsx", data, library_copy)
    question = result.definition["sections"][0]["questions"][0]
    assert question["text"]["en"] == "Is the organisation registered?"
    assert any("nothing is recalculated" in warning for warning in result.warnings)


def test_a_formula_without_a_saved_value_where_text_matters_is_refused_naming_the_cell(library_copy):
    data = workbook_bytes({"Questions": [["No.", "Question"], ["1", '=CONCATENATE("a", "b")']]})
    with pytest.raises(TemplateError) as caught:
        run("t.xlsx", data, library_copy)
    (problem,) = caught.value.problems
    assert (problem.sheet, problem.row, problem.column) == ("Questions", 2, "B")
    assert "cell B2 has a formula with no saved value" in problem.message


@pytest.mark.parametrize(
    "formula",
    ['=HYPERLINK("http://example.org","Click")', "=cmd|' /C calc'!A0", "=[1]Sheet1!A1", '=WEBSERVICE("http://x")'],
)
def test_formulas_reaching_outside_are_refused_even_with_a_saved_value(formula):
    data = with_saved_values(workbook_bytes({"Q": [["No.", "Question"], ["1", formula]]}), {(1, "B2"): "Click"})
    with pytest.raises(TemplateError) as caught:
        open_template("t.xlsx", data)
    assert "reaches outside the workbook" in str(caught.value) and "cell B2" in str(caught.value)


def test_a_formula_is_noted_on_the_template():
    data = with_saved_values(workbook_bytes({"Q": [["Total"], ["=1+1"]]}), {(1, "A2"): "2"})
    template = open_template("t.xlsx", data)
    assert [(f.sheet, f.cell, f.cached) for f in template.formulas] == [("Q", "A2", True)]
