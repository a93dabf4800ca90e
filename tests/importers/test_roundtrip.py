"""A questionnaire exported as an XLSForm and imported back is the same definition, field for field; an officer's
edits in a spreadsheet program come back as those edits, and nothing else changes."""

from __future__ import annotations

import copy
import io
import shutil
from pathlib import Path

import openpyxl
import pytest
import yaml

from ddq.core.definitions import load_library, questionnaire_to_data
from ddq.importers.frame import import_template, write_definition
from ddq.importers.intake import TemplateError
from ddq.importers.xlsform_export import export_xlsform
from tests.conftest import QUESTIONNAIRES

SHIPPED = sorted(load_library(QUESTIONNAIRES).questionnaires)
#: What the import adds to a definition: where it came from. Everything else must come back as it was.
ADDED_PROVENANCE = {"source", "sha256", "imported_at"}


def library_without(questionnaire_id: str, tmp_path: Path, extra: dict | None = None):
    """A copy of the shipped library (perhaps with another questionnaire written in), read, and then one
    questionnaire taken out of the folder (the import brings it back): the folder and the library read before."""
    root = tmp_path / "questionnaires"
    shutil.copytree(QUESTIONNAIRES, root)
    if extra is not None:
        (root / f"{extra['id']}.yaml").write_text(yaml.safe_dump(extra, allow_unicode=True), encoding="utf-8")
    library = load_library(root)
    Path(library.questionnaire(questionnaire_id).source).unlink()
    return root, library


def round_trip(data: bytes, root: Path, library, name: str = "edited.xlsx", **options):
    """Import an XLSForm into `root` as ddq would, write it there, and read it back as the library does."""
    result = import_template(name, data, root, library, **options)
    write_definition(result, root)
    return result, load_library(root).questionnaire(result.definition["id"])


def without_added_provenance(data: dict) -> dict:
    data = copy.deepcopy(data)
    provenance = {k: v for k, v in data.pop("provenance", {}).items() if k not in ADDED_PROVENANCE}
    if provenance:
        data["provenance"] = provenance
    return data


@pytest.mark.parametrize("questionnaire_id", SHIPPED)
def test_every_shipped_questionnaire_comes_back_equal(questionnaire_id, tmp_path):
    from pyxform import create_survey_from_xls  # what KoboToolbox and ODK convert forms with

    root, library = library_without(questionnaire_id, tmp_path)
    original = library.questionnaire(questionnaire_id)
    data = export_xlsform(original)
    (tmp_path / "form.xlsx").write_bytes(data)
    assert "<h:html" in create_survey_from_xls(str(tmp_path / "form.xlsx")).to_xml()

    result, back = round_trip(data, root, library, f"{questionnaire_id}.xlsx")
    assert result.warnings == []
    after = questionnaire_to_data(back)
    # the one difference: the import records the workbook it came from
    assert set(after["provenance"]) == ADDED_PROVENANCE
    assert after["provenance"]["source"] == f"{questionnaire_id}.xlsx" and len(after["provenance"]["sha256"]) == 64
    assert without_added_provenance(after) == questionnaire_to_data(original)


def every_field() -> dict:
    """A questionnaire that sets every field a definition has (the shipped ones leave some unused)."""
    both = {"en": "Why it is asked", "fr": "Pourquoi on le demande"}
    return {
        "id": "every-field",
        "version": "7.2",
        "direction": "partner_self",
        "title": {"en": "Every field", "fr": "Tous les champs", "pt": "Todos os campos"},
        "purpose": both,
        "visible_to": {"en": "The team", "es": "El equipo"},
        "mandated_by": "Global Resilience Fund",
        "anonymous": True,
        "provenance": {"funder": "Global Resilience Fund", "source": "grf.xlsx", "sha256": "ab" * 32},
        "sections": [
            {
                "id": "basics",
                "title": {"en": "Basics", "fr": "Bases"},
                "purpose": both,
                "applies_to": {
                    "tiers": ["standard", "enhanced"],
                    "partnership_types": ["project", "funding"],
                    "partner_roles": ["research"],
                },
                "questions": [
                    {
                        "use": "legal_registration",
                        "key": True,
                        "required": True,
                        "allow_na": True,
                        "why_na": {"en": "Some partners are informal groups."},
                        "applies_to": {"tiers": ["enhanced"]},
                        "minutes": 2.5,
                    },
                    {
                        "id": "kind",
                        "same_as": "org_legal_form",
                        "type": "single_choice",
                        "text": {"en": "Your legal form?"},
                        "choices": [
                            {"value": "ngo", "label": {"en": "NGO", "fr": "ONG"}},
                            {"value": "company", "label": {"en": "Company"}},
                        ],
                        "mandated_by": "Another Fund",
                    },
                    {
                        "id": "recon",
                        "type": "yes_no",
                        "text": {"en": "Are bank reconciliations done monthly?"},
                        "scores": {"yes": 4, "no": 1},
                        "gate": True,
                        "weight": 1.5,
                        "derive_from": {"bank": "bank_reconciliation", "map": {"4": "yes", "3": "yes", "1": "no"}},
                        "metadata": {"source_row": "12", "note": "kept: as written"},
                    },
                    {
                        "id": "screening",
                        "type": "multi_choice",
                        "text": {"en": "Which lists do you screen against?"},
                        "choices": [
                            {"value": "un", "label": {"en": "UN"}, "score": 4, "pass": True},
                            {"value": "eu", "label": {"en": "EU"}, "score": 3, "pass": True},
                            {
                                "value": "none",
                                "label": {"en": "None"},  # read as text, not as an empty cell
                                "score": 1,
                                "next_step": {"en": "Screen against the UN list", "fr": "Consulter la liste de l'ONU"},
                            },
                        ],
                        "gate": True,
                        "gate_rule": "all",
                        "allow_unknown": True,
                        "why_unknown": {"en": "A new finance officer may not know yet."},
                        "required": True,
                    },
                ],
            },
            {
                "id": "money",
                "title": {"en": "Money"},
                "questions": [
                    {
                        "id": "budget",
                        "type": "money",
                        "text": {"en": "Annual budget?"},
                        "minimum": 0,
                        "maximum": 1234567890,
                        "evidence": {"en": "Audited accounts", "fr": "Comptes audités"},
                        "validity_months": 12,
                        "show_if": "answered(recon)",
                        "domain": "financial_stability",
                    },
                    {
                        "id": "share",
                        "type": "percent",
                        "text": {"en": "Share from one funder?"},
                        "minimum": 0.125,
                        "maximum": 100,
                        "show_if": "recon = 'yes' and not (count_selected(screening) < 2)",
                    },
                    {
                        "id": "change",
                        "type": "number",
                        "text": {"en": "Change in staff?"},
                        "minimum": -5.25,
                        "show_if": "kind in ['ngo', 'company'] or selected(screening, 'un')",
                    },
                    {
                        "id": "plan",
                        "type": "long_text",
                        "text": {"en": "Your plan", "fr": "Votre plan"},
                        # pyxform straightens curly quotes and folds line breaks: ddq puts its own texts back
                        "help": {"en": "A few lines:\n- “what”  and ‘why’", "fr": "Quelques lignes\u00a0: quoi"},
                        "applies_to": {"partner_roles": ["communication", "policy_influence"]},
                    },
                    {"id": "rating", "type": "rating", "text": {"en": "How hard?"}, "minimum": 1, "maximum": 7},
                    {
                        "id": "maturity",
                        "type": "maturity",
                        "text": {"en": "How mature?"},
                        "anchors": [{"en": f"Level {n}", "fr": f"Niveau {n}"} for n in range(1, 5)],
                        "allow_unknown": True,
                        "why_unknown": {"en": "Not yet assessed."},
                        "allow_na": True,
                        "why_na": {"en": "Not for networks."},
                    },
                    {"id": "started", "type": "date", "text": {"en": "Founded?"}},
                    # answered from the organisation's record, not from a bank item
                    {
                        "id": "founded",
                        "type": "number",
                        "text": {"en": "Year founded?", "fr": "Année de fondation ?"},
                        "derive_from": {"profile": "founded_year"},
                    },
                    {
                        "id": "registered_in",
                        "type": "short_text",
                        "text": {"en": "Country of registration?"},
                        "derive_from": {"profile": "country"},
                    },
                    {"id": "contact", "type": "email", "text": {"en": "Finance contact?"}},
                    {"id": "statutes", "type": "document", "text": {"en": "Your statutes"}},
                    {
                        "id": "agree",
                        "type": "single_choice",
                        "text": {"en": "Do you agree?"},
                        "choices": [
                            {"value": "yes", "label": {"en": "Agreed"}},
                            {"value": "no", "label": {"en": "Not agreed"}},
                        ],
                    },
                ],
            },
        ],
    }


def test_every_field_of_a_definition_comes_back(tmp_path):
    root, library = library_without("every-field", tmp_path, every_field())
    original = library.questionnaire("every-field")
    result, back = round_trip(export_xlsform(original), root, library, "every-field.xlsx")
    assert result.warnings == []
    after = questionnaire_to_data(back)
    before = questionnaire_to_data(original)
    # the provenance it had is kept, its source and sha256 as the first import's beside this one's
    assert after.pop("provenance") == {
        "funder": "Global Resilience Fund",
        "first_source": "grf.xlsx",
        "first_sha256": "ab" * 32,
        "source": "every-field.xlsx",
        "sha256": result.definition["provenance"]["sha256"],
        "imported_at": result.definition["provenance"]["imported_at"],
    }
    assert after == {key: value for key, value in before.items() if key != "provenance"}
    # bank links come back as they were written: `use` for the item as the bank words it, `same_as` otherwise
    questions = {q["id"]: q for section in result.definition["sections"] for q in section["questions"]}
    registration = questions["legal_registration"]
    assert registration["use"] == "legal_registration" and "text" not in registration
    assert questions["kind"]["same_as"] == "org_legal_form" and questions["kind"]["text"] == {"en": "Your legal form?"}
    assert result.matched["recon"] == "bank_reconciliation" and result.derived["recon"]["bank"] == "bank_reconciliation"
    # a rule reading the organisation's record comes back as that rule, proposed as the import of a template would
    assert back.question("founded").derive_from.profile == "founded_year"
    assert result.derived["founded"] == {"profile": "founded_year"} and result.derived["registered_in"] == {
        "profile": "country"
    }
    assert result.profile == {"founded": "founded_year", "registered_in": "country"}
    assert "founded" not in result.matched and "registered_in" not in result.matched


# --- an officer's edits in a spreadsheet program ------------------------------------------------------


def survey_cells(workbook) -> tuple[dict[str, int], dict[str, int]]:
    """The survey sheet's columns (header -> column number) and rows (question name -> row number)."""
    sheet = workbook["survey"]
    columns = {cell.value: cell.column for cell in sheet[1] if cell.value}
    rows = {sheet.cell(row, columns["name"]).value: row for row in range(2, sheet.max_row + 1)}
    return columns, rows


def edit(data: bytes, changes: dict[tuple[str, str], object]) -> bytes:
    """Set survey cells by (question name, column header), adding a column when the sheet has none."""
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    sheet = workbook["survey"]
    columns, rows = survey_cells(workbook)
    for (name, column), value in changes.items():
        if column not in columns:
            columns[column] = sheet.max_column + 1
            sheet.cell(1, columns[column], column)
        sheet.cell(rows[name], columns[column], value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def question_data(data: dict, question_id: str) -> dict:
    return next(q for section in data["sections"] for q in section["questions"] if q["id"] == question_id)


def test_an_officers_edits_come_back_as_those_edits(library_copy):
    library = load_library(library_copy)
    original = library.questionnaire("partner-capacity")
    before = questionnaire_to_data(original)
    assert not original.question("governing_documents").key
    assert original.question("conflict_of_interest").applies_to.tiers != ("light",)
    assert original.question("governing_body").bank == "governing_body"
    reworded = "Who governs your organisation, and how often do they meet?"
    data = edit(
        export_xlsform(original),
        {
            ("governing_body", "label::English (en)"): reworded,
            ("governing_documents", "ddq_key"): "yes",
            ("conflict_of_interest", "ddq_tiers"): "light",
            ("registration_number", "relevant"): "${legal_registration} = 'no'",
        },
    )
    # beside the original (host-disclosure mirrors it, and a mirror must be keyed alike on both sides)
    result, back = round_trip(data, library_copy, library, questionnaire_id="partner-capacity-edited")
    assert result.warnings == []
    expected = copy.deepcopy(before) | {"id": "partner-capacity-edited"}
    question_data(expected, "governing_body")["text"]["en"] = reworded
    question_data(expected, "governing_documents")["key"] = True  # a key item weighs double
    question_data(expected, "conflict_of_interest").setdefault("applies_to", {})["tiers"] = ["light"]
    question_data(expected, "registration_number")["show_if"] = "legal_registration = 'no'"
    assert without_added_provenance(questionnaire_to_data(back)) == expected
    # the reworded bank question still asks the bank's fact, so earlier answers carry over
    assert back.question("governing_body").bank == "governing_body"
    assert back.question("governing_documents").weight == 2.0
    assert {q["id"]: q for s in result.definition["sections"] for q in s["questions"]}["governing_body"]["same_as"]


def test_a_ddq_value_that_cannot_be_read_is_named_and_left_out(tmp_path):
    root, library = library_without("partner-feedback", tmp_path)
    original = library.questionnaire("partner-feedback")
    asked = original.questions[0]
    data = edit(
        export_xlsform(original),
        {(asked.id, "ddq_minutes"): "soon", (asked.id, "ddq_metadata"): "{not json", (asked.id, "ddq_key"): "maybe"},
    )
    result, back = round_trip(data, root, library)
    assert f"{asked.id}: ddq_minutes 'soon' is not a positive number: left out" in result.warnings
    assert any(w.startswith(f"{asked.id}: ddq_metadata must be a JSON object") for w in result.warnings)
    assert f"{asked.id}: ddq_key 'maybe' is neither yes nor no: left out" in result.warnings
    assert back.question(asked.id).minutes is None and not back.question(asked.id).key
    assert back.question(asked.id).text == asked.text


def test_an_export_whose_id_is_taken_is_refused_and_nothing_written(library_copy):
    shipped_library = load_library(library_copy)
    data = export_xlsform(shipped_library.questionnaire("partner-capacity"))
    before = sorted(path.name for path in library_copy.iterdir())
    with pytest.raises(TemplateError) as caught:
        import_template("pc.xlsx", data, library_copy, shipped_library)
    assert "a questionnaire 'partner-capacity' already exists" in str(caught.value.problems[0])
    assert sorted(path.name for path in library_copy.iterdir()) == before
    # under another id it comes back beside the original
    result = import_template("pc.xlsx", data, library_copy, shipped_library, questionnaire_id="partner-capacity-2027")
    assert result.definition["id"] == "partner-capacity-2027" and result.definition["direction"] == "partner_self"


def test_an_officer_adds_a_rule_from_the_record_and_a_rule_that_cannot_be_kept_is_named(tmp_path):
    root, library = library_without("every-field", tmp_path, every_field())
    original = library.questionnaire("every-field")
    data = edit(
        export_xlsform(original),
        {
            ("contact", "ddq_derive_profile"): "Name",  # an e-mail question cannot take the organisation's name
            ("plan", "ddq_derive_profile"): "name",  # the officer's new rule
            ("founded", "ddq_derive_profile"): "birthday",
            ("registered_in", "ddq_derive_from"): "legal_registration",  # beside its profile rule
        },
    )
    result, back = round_trip(data, root, library, questionnaire_id="every-field-edited")
    assert result.warnings == [
        "founded: ddq_derive_profile 'birthday' is not a fact of the record "
        "(name, country, founded_year, staff_size): left out",
        "registered_in: ddq_derive_profile and ddq_derive_from are both filled in; an answer comes from one of "
        "them: both left out",
        "contact: ddq_derive_profile 'name' answers a long_text or short_text question, not a email: left out",
    ]
    assert back.question("plan").derive_from.profile == "name" and result.profile == {"plan": "name"}
    for left_out in ("founded", "registered_in", "contact"):
        assert back.question(left_out).derive_from is None
