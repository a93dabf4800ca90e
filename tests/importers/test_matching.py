"""Bank matching measured on labelled funder questions, derivation rules between answer types, and the passport
across the two shared funder templates."""

from pathlib import Path

import pytest
import yaml

from ddq.core.definitions import DefinitionError, check_library, questionnaire_from_data, questionnaire_to_data
from ddq.importers.frame import import_template
from ddq.importers.matching import BankIndex, rule_between

DATA = Path(__file__).parent / "data" / "matching_pairs.yaml"
SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "funder"
#: What the matcher reaches on the labelled set (precision 0.88, recall 0.64): a regression guard. The aim is
#: precision 0.90 and recall 0.70; raise these floors as the matcher improves.
FLOOR_PRECISION, FLOOR_RECALL = 0.87, 0.62
YES_PARTLY_NO = [
    {"value": "yes", "label": {"en": "Yes"}},
    {"value": "partially", "label": {"en": "Partially"}},
    {"value": "no", "label": {"en": "No"}},
]


def labelled():
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def measure(library):
    index = BankIndex(library)
    found = wrong = 0
    for pair in labelled()["pairs"]:
        question = {"type": pair["type"], "text": {"en": pair["text"]}}
        if pair["type"] == "single_choice":
            question["choices"] = YES_PARTLY_NO
        proposal = index.propose(question)
        if proposal is not None and proposal.bank == pair["bank"]:
            found += 1
        elif proposal is not None:
            wrong += 1
    positives = sum(1 for pair in labelled()["pairs"] if pair["bank"])
    return found / max(found + wrong, 1), found / positives


def test_the_labelled_set_is_large_sourced_and_names_real_bank_items(shipped_library):
    data = labelled()
    sources = {source["id"]: source for source in data["sources"]}
    assert all(source.get("url") and source.get("licence") for source in sources.values())
    assert len(data["pairs"]) >= 150
    for pair in data["pairs"]:
        assert pair["source"] in sources, pair
        assert pair["bank"] is None or pair["bank"] in shipped_library.bank, pair
    assert sum(1 for pair in data["pairs"] if pair["bank"] is None) >= 40  # questions the bank does not ask


def test_matching_precision_and_recall_on_the_labelled_set(shipped_library):
    precision, recall = measure(shipped_library)
    print(f"precision {precision:.3f} recall {recall:.3f}")
    assert precision >= FLOOR_PRECISION and recall >= FLOOR_RECALL


def test_a_french_question_meets_the_french_bank_text(shipped_library):
    proposal = BankIndex(shipped_library).propose(
        {"type": "yes_no", "text": {"en": "Votre organisation est-elle légalement enregistrée dans le pays ?"}}
    )
    assert proposal is not None and proposal.bank == "legal_registration" and proposal.derive is None


def test_rules_between_answer_types(shipped_library):
    maturity = shipped_library.bank["bank_reconciliation"]
    assert rule_between({"type": "yes_no"}, maturity) == (("4", "yes"), ("3", "yes"), ("1", "no"))
    partly = {"type": "single_choice", "choices": YES_PARTLY_NO}
    assert dict(rule_between(partly, maturity)) == {"4": "yes", "3": "yes", "2": "partially", "1": "no"}
    assert rule_between({"type": "long_text"}, maturity) == ()  # the level's description, as text
    assert rule_between({"type": "number"}, maturity) is None
    where = {"type": "single_choice", "choices": [{"value": "a", "label": {"en": "Cloud"}}]}
    assert rule_between(where, maturity) is None


def _questionnaire(tmp_path, root, question):
    definition = {
        "id": "funder-x",
        "version": "1",
        "direction": "partner_self",
        "title": {"en": "Funder X"},
        "purpose": {"en": "Due diligence."},
        "visible_to": {"en": "Funder X."},
        "sections": [{"id": "s", "title": {"en": "S"}, "questions": [question]}],
    }
    path = tmp_path / "funder-x.yaml"
    path.write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    return check_library(root, [path])


def test_derive_from_is_read_checked_and_kept_in_the_snapshot(tmp_path, shipped_library):
    root = Path(__file__).resolve().parents[2] / "questionnaires"
    question = {
        "id": "recon",
        "type": "yes_no",
        "text": {"en": "Are bank reconciliations done monthly?"},
        "derive_from": {"bank": "bank_reconciliation", "map": {4: "yes", "3": "yes", "1": "no"}},
    }
    library, problems = _questionnaire(tmp_path, root, question)
    assert problems == []
    asked = library.questionnaire("funder-x").question("recon")
    assert asked.derive_from.bank == "bank_reconciliation" and dict(asked.derive_from.map)["4"] == "yes"
    item = shipped_library.bank["bank_reconciliation"]
    assert asked.derive_from.value_for(item, 3) == "yes" and asked.derive_from.value_for(item, 2) is None
    again = questionnaire_from_data(questionnaire_to_data(library.questionnaire("funder-x")))
    assert again.question("recon").derive_from == asked.derive_from


@pytest.mark.parametrize(
    ("rule", "says"),
    [
        ({"bank": "no_such_item", "map": {"4": "yes"}}, "no bank item 'no_such_item'"),
        ({"bank": "bank_reconciliation", "map": {"7": "yes"}}, "has no answer '7'"),
        ({"bank": "bank_reconciliation", "map": {"4": "maybe"}}, "this question has no answer 'maybe'"),
        ({"bank": "bank_reconciliation"}, "needs 'map'"),
        ({"bank": "staff_count", "map": {"4": "yes"}}, "gives no value a rule can map"),
        ({"map": {"4": "yes"}}, "needs 'bank'"),
        ("bank_reconciliation", "'derive_from' must be a mapping"),
        ({"bank": "bank_reconciliation", "map": {"4": "yes"}, "when": "always"}, "unknown key 'when'"),
    ],
)
def test_a_bad_derive_from_is_refused_with_its_reason(tmp_path, rule, says):
    root = Path(__file__).resolve().parents[2] / "questionnaires"
    question = {"id": "recon", "type": "yes_no", "text": {"en": "Reconciled?"}, "derive_from": rule}
    _, problems = _questionnaire(tmp_path, root, question)
    assert any(says in str(problem) for problem in problems), problems


def test_a_number_cannot_be_derived_but_a_text_takes_the_level(tmp_path):
    root = Path(__file__).resolve().parents[2] / "questionnaires"
    number = {"id": "n", "type": "number", "text": {"en": "How many?"}, "derive_from": {"bank": "governing_body"}}
    _, problems = _questionnaire(tmp_path, root, number)
    assert any("cannot take its answer" in str(problem) for problem in problems)
    text = {"id": "t", "type": "long_text", "text": {"en": "Describe it."}, "derive_from": {"bank": "governing_body"}}
    _, problems = _questionnaire(tmp_path, root, text)
    assert problems == []


def test_a_snapshot_with_a_broken_rule_is_refused():
    data = {
        "id": "x",
        "version": "1",
        "direction": "partner_self",
        "title": {"en": "X"},
        "purpose": {"en": "X"},
        "visible_to": {"en": "X"},
        "sections": [
            {
                "id": "s",
                "title": {"en": "S"},
                "questions": [{"id": "q", "type": "yes_no", "text": {"en": "Q?"}, "derive_from": {"map": {}}}],
            }
        ],
    }
    with pytest.raises(DefinitionError, match="needs 'bank'"):
        questionnaire_from_data(data)


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="the shared funder samples are not here")
def test_the_shared_samples_are_matched_and_derivations_proposed(shipped_library):
    root = Path(__file__).resolve().parents[2] / "questionnaires"
    donor_file = SAMPLES / "donor_flat_due_diligence.xlsx"
    donor = import_template("donor.xlsx", donor_file.read_bytes(), root, shipped_library)
    assert len(donor.matched) >= donor.questions / 2  # was 5 of 16
    assert donor.matched["q_1_2"] == "governing_body" and donor.derived["q_1_2"]["map"]["3"] == "yes"
    consortium = import_template(
        "consortium.xlsx", (SAMPLES / "consortium_bilingual_template.xlsx").read_bytes(), root, shipped_library
    )
    assert {"bank_reconciliation", "data_protection"} <= set(consortium.matched.values())  # was 0 of 8
