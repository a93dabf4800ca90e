"""Funder templates: every shared sample imports; hostile and broken files are refused with a located message
and nothing written; an exported XLSForm comes back as the same questions."""

import io
import zipfile

import openpyxl
import pytest

from ddq.core.definitions import load_library
from ddq.importers.frame import import_template, write_definition
from ddq.importers.intake import TemplateError, open_template
from tests.conftest import SHARED

SAMPLES = SHARED / "samples"

#: sample -> (questions ddq asks, what some of them must be)
EXPECTED = {
    "funder/donor_flat_due_diligence.xlsx": 16,
    "funder/consortium_bilingual_template.xlsx": 8,
    "xlsform/case_insensitivity.xlsx": 3,
    "xlsform/choice_filter_test.xlsx": 3,
    "xlsform/extra_sheet_names.xlsx": 1,
    "xlsform/field-list.xlsx": 1,
    "xlsform/group.xlsx": 3,
    "xlsform/or_other.xlsx": 3,
    "xlsform/specify_other.xlsx": 2,
    "xlsform/tutorial.xls": 10,
    "xlsform/xlsform_spec_test.xlsx": 27,
}


def run(name, data, library_copy, **options):
    return import_template(name, data, library_copy, load_library(library_copy), **options)


@pytest.mark.parametrize("sample", sorted(EXPECTED))
def test_every_sample_imports_and_passes_check(sample, library_copy):
    result = run(sample.rsplit("/", 1)[1], (SAMPLES / sample).read_bytes(), library_copy, funder="Sample Fund")
    assert result.questions == EXPECTED[sample]
    path = write_definition(result, library_copy)
    library = load_library(library_copy)  # the written file passes the same checks as any definition
    questionnaire = library.questionnaire(result.definition["id"])
    assert len(questionnaire.questions) == EXPECTED[sample]
    assert all(question.mandated_by == "Sample Fund" for question in questionnaire.questions)
    provenance = dict(questionnaire.provenance)
    assert provenance["source"] == sample.rsplit("/", 1)[1] and len(provenance["sha256"]) == 64
    assert path.read_text(encoding="utf-8").startswith("# Imported from")


def test_donor_template_lands_in_the_institutes_frame(library_copy):
    result = run(
        "donor.xlsx",
        (SAMPLES / "funder/donor_flat_due_diligence.xlsx").read_bytes(),
        library_copy,
        funder="Global Resilience Fund",
    )
    questionnaire = _written(result, library_copy)
    q = {
        question.metadata[1][1] if len(question.metadata) > 1 else question.id: question
        for question in questionnaire.questions
    }
    assert q["1.1"].type == "yes_no" and q["1.1"].bank == "legal_registration" and q["1.1"].required
    assert q["1.1"].evidence.get() == "Certificate of registration"
    assert (
        q["1.1"].text.get() == "Is the organisation legally registered in its country of operation?"
    )  # funder's words
    assert q["1.3"].type == "single_choice" and [c.value for c in q["1.3"].choices] == ["yes", "partially", "no"]
    assert q["2.2"].type == "multi_choice" and len(q["2.2"].choices) == 6
    assert q["2.3"].type == "maturity" and q["2.3"].choices[0].label.get() == "ad hoc"
    assert q["3.1"].type == "money" and q["3.3"].type == "percent" and q["3.4"].type == "date"
    assert q["1.4"].type == "long_text" and not q["1.4"].required
    assert {question.domain for question in questionnaire.questions} >= {
        "governance",
        "financial_stability",
        "safeguarding",
        "procurement_downstream",
    }
    assert len(result.matched) >= 4 and result.new_minutes_standard > 0


def test_bilingual_template_keeps_both_languages_and_inline_options(library_copy):
    result = run(
        "consortium.xlsx",
        (SAMPLES / "funder/consortium_bilingual_template.xlsx").read_bytes(),
        library_copy,
        funder="Consortium",
    )
    questionnaire = _written(result, library_copy)
    assert [section.title.get() for section in questionnaire.sections] == [
        "A. Organisation",
        "B. Finance",
        "C. Data protection",
    ]
    storage = questionnaire.questions[-1]
    assert storage.text.get("fr") == "Où les données de recherche sont-elles stockées ?"
    assert [choice.label.get() for choice in storage.choices] == ["On premises", "Cloud", "Both", "Not stored"]


def test_xlsform_details_survive(library_copy):
    result = run("or_other.xlsx", (SAMPLES / "xlsform/or_other.xlsx").read_bytes(), library_copy, funder="F")
    questionnaire = _written(result, library_copy)
    other = questionnaire.question("fav_color_other")
    assert other.show_if.source == "selected(fav_color, 'other')"
    spec = _written(
        run("spec.xlsx", (SAMPLES / "xlsform/xlsform_spec_test.xlsx").read_bytes(), library_copy, funder="F"),
        library_copy,
    )
    assert any(question.show_if is not None for question in spec.questions)
    assert any(dict(question.metadata) for question in spec.questions)


def _written(result, library_copy):
    write_definition(result, library_copy)
    return load_library(library_copy).questionnaire(result.definition["id"])


def test_export_and_reimport_give_the_same_questions(library_copy, shipped_library, tmp_path):
    from pyxform import create_survey_from_xls  # what KoboToolbox and ODK convert forms with

    from ddq.importers.xlsform_export import export_xlsform

    original = shipped_library.questionnaire("partner-capacity")
    data = export_xlsform(original)
    (tmp_path / "partner-capacity.xlsx").write_bytes(data)
    assert "<h:html" in create_survey_from_xls(str(tmp_path / "partner-capacity.xlsx")).to_xml()
    back = _written(
        run("partner-capacity.xlsx", data, library_copy, funder="F", questionnaire_id="round-trip"), library_copy
    )
    assert [q.id for q in back.questions] == [q.id for q in original.questions]
    for before, after in zip(original.questions, back.questions, strict=True):
        assert (after.type, after.text, after.required, after.domain) == (
            before.type,
            before.text,
            before.required,
            before.domain,
        ), before.id
        assert [(c.value, c.label, c.score) for c in after.choices] == [
            (c.value, c.label, c.score) for c in before.choices
        ], before.id
        assert (after.minimum, after.maximum) == (before.minimum, before.maximum), before.id
        assert (after.show_if.tree if after.show_if else None) == (before.show_if.tree if before.show_if else None)


# --- bad and hostile files ------------------------------------------------------------------------


def refused(name, data, library_copy, fragment, **where):
    before = sorted(path.name for path in library_copy.iterdir())
    with pytest.raises(TemplateError) as caught:
        run(name, data, library_copy, funder="F")
    assert any(fragment in problem.message for problem in caught.value.problems), caught.value.problems
    for key, value in where.items():
        assert any(getattr(problem, key) == value for problem in caught.value.problems), (key, caught.value.problems)
    assert sorted(path.name for path in library_copy.iterdir()) == before  # nothing written
    return caught.value


def workbook_bytes(rows_by_sheet):
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in rows_by_sheet.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_corrupt_or_truncated_workbook(library_copy):
    data = (SAMPLES / "funder/donor_flat_due_diligence.xlsx").read_bytes()
    refused("cut.xlsx", data[: len(data) // 2], library_copy, "damaged or truncated")
    refused("noise.xlsx", b"PK\x03\x04" + b"\x00" * 200, library_copy, "damaged or truncated")


def test_wrong_extension(library_copy):
    refused("template.pdf", b"%PDF-1.4", library_copy, "ddq imports .xlsx, .xls, .csv, .json, .yaml, .yml files, not")
    refused(
        "template.xls",
        (SAMPLES / "funder/donor_flat_due_diligence.xlsx").read_bytes(),
        library_copy,
        "not an Excel 97-2003",
    )


def test_password_protected_workbook(library_copy):
    encrypted = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096  # how an encrypted .xlsx starts
    refused("locked.xlsx", encrypted, library_copy, "password-protected")


def test_zip_bomb(library_copy):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (60 * 2**20))
    refused("bomb.xlsx", buffer.getvalue(), library_copy, "zip bomb")


def test_file_over_20_mb(library_copy):
    refused("big.csv", b"a" * (20 * 2**20 + 1), library_copy, "the limit is 20 MB")


def test_empty_survey_sheet(library_copy):
    data = workbook_bytes({"survey": [["type", "name", "label"]], "choices": [["list_name", "name", "label"]]})
    refused("empty.xlsx", data, library_copy, "no question")


def test_an_xlsform_that_cannot_be_understood(library_copy):
    # duplicate names are repaired (tests/importers/test_repairs.py); a label naming no question is not
    data = workbook_bytes({"survey": [["type", "name", "label"], ["text", "org", "Name of ${nobody}?"]]})
    refused("dupes.xlsx", data, library_copy, "not a valid XLSForm")


def test_duplicate_numbers_in_a_spreadsheet(library_copy):
    data = workbook_bytes(
        {
            "Questions": [
                ["No.", "Question", "Response type"],
                ["1.1", "Registered?", "Yes/No"],
                ["1.1", "Audited?", "Yes/No"],
            ]
        }
    )
    refused("dupes.xlsx", data, library_copy, "number '1.1' is used twice", sheet="Questions", row=3, column="A")


def test_formulas_are_refused_with_their_cell(library_copy):
    data = workbook_bytes(
        {
            "Questions": [
                ["No.", "Question", "Response type"],
                ["1", "Registered?", "Yes/No"],
                ["2", '=HYPERLINK("http://x","Click")', "Yes/No"],
            ]
        }
    )
    refused("formula.xlsx", data, library_copy, "reaches outside the workbook", sheet="Questions", row=3, column="B")


def test_csv_that_is_not_utf8(library_copy):
    data = "No.,Question,Response type\n1,Êtes-vous enregistré ?,Oui/Non\n".encode("latin-1")
    refused("latin.csv", data, library_copy, "not UTF-8", row=2)


def test_a_utf8_csv_imports(library_copy):
    data = (
        "No.,Question,Question (Français),Response type,Mandatory\n1,Registered?,Enregistré ?,Yes/No,Y\n"
        "2,Audit opinion,Opinion d'audit,Free text,N\n".encode()
    )
    questionnaire = _written(run("plain.csv", data, library_copy, funder="F"), library_copy)
    assert [question.type for question in questionnaire.questions] == ["yes_no", "long_text"]
    assert questionnaire.questions[0].text.get("fr") == "Enregistré ?" and questionnaire.questions[0].required


def test_an_existing_id_is_not_overwritten(library_copy):
    data = (SAMPLES / "funder/donor_flat_due_diligence.xlsx").read_bytes()
    refused("partner-capacity.xlsx", data, library_copy, "already exists")


def test_a_mapping_file_says_what_the_spreadsheet_means(library_copy):
    data = workbook_bytes(
        {
            "Sheet": [
                ["Our ref", "Ask", "Kind"],
                ["A", "Do you keep a risk register?", "YN"],
                ["B", "Describe your IT backups", "essay"],
            ]
        }
    )
    mapping = {
        "header_row": 1,
        "columns": {"number": "Our ref", "question": "Ask", "format": "Kind"},
        "formats": {"YN": "yes_no", "essay": "long_text"},
        "domains": {"B": "risk_information_security"},
        "id": "mapped",
        "funder": "Mapped Fund",
    }
    result = run("odd.xlsx", data, library_copy, mapping=mapping)
    questionnaire = _written(result, library_copy)
    assert questionnaire.id == "mapped" and questionnaire.mandated_by == "Mapped Fund"
    assert [q.type for q in questionnaire.questions] == ["yes_no", "long_text"]
    assert questionnaire.questions[0].domain == "risk_information_security"  # suggested from 'risk register'


def test_cli_import_exits_2_and_writes_nothing_on_bad_input(app, tmp_path):
    from ddq.cli import main

    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"not a workbook")
    out = tmp_path / "out"
    result = app.test_cli_runner().invoke(main, ["import", str(bad), "--out", str(out)])
    assert result.exit_code == 2 and "broken.xlsx" in result.output and "nothing was written" in result.output
    assert not out.exists()


def test_cli_import_prints_the_summary(app, tmp_path):
    from ddq.cli import main

    result = app.test_cli_runner().invoke(
        main,
        [
            "import",
            str(SAMPLES / "funder/donor_flat_due_diligence.xlsx"),
            "--funder",
            "Global Resilience Fund",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "16 questions" in result.output and "match question bank items" in result.output
    assert "more minutes for a standard-tier partner" in result.output
    assert (tmp_path / "donor-flat-due-diligence.yaml").is_file()


def test_open_template_names_only_the_file(library_copy):
    with pytest.raises(TemplateError) as caught:
        open_template("/some/where/secret/path/x.docx", b"data")
    assert str(caught.value).startswith("x.docx:")
