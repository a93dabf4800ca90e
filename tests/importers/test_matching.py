"""Bank matching measured on labelled funder questions, derivation rules between answer types, and the passport
across the two shared funder templates."""

import hashlib
from pathlib import Path

import pytest
import yaml

from ddq.core.definitions import (
    PROFILE_FACTS,
    DefinitionError,
    Derivation,
    check_library,
    questionnaire_from_data,
    questionnaire_to_data,
)
from ddq.importers.frame import import_template
from ddq.importers.matching import BankIndex, rule_between

DATA = Path(__file__).parent / "data" / "matching_pairs.yaml"
SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "funder"
#: What the matcher reaches on the held-out half of the labelled set (see `halves`): a regression guard. The aim is
#: precision 0.90 and recall 0.70; raise these floors as the matcher improves, never by tuning to held-out pairs.
FLOOR_PRECISION, FLOOR_RECALL = 0.90, 0.66
YES_PARTLY_NO = [
    {"value": "yes", "label": {"en": "Yes"}},
    {"value": "partially", "label": {"en": "Partially"}},
    {"value": "no", "label": {"en": "No"}},
]


def labelled():
    return yaml.safe_load(DATA.read_text(encoding="utf-8"))


def half(pair) -> str:
    """The fixed half a pair belongs to, by a hash of its question: "tuning" (rules and thresholds were chosen on
    these) or "held_out" (never looked at while choosing them)."""
    return "tuning" if hashlib.sha256(pair["text"].encode("utf-8")).digest()[0] % 2 == 0 else "held_out"


def measure(library, which=("tuning", "held_out")):
    """Precision and recall of matching on the pairs of the halves `which`: a proposal is right when it names the
    labelled bank item, or the labelled fact of the organisation's record."""
    index = BankIndex(library)
    pairs = [pair for pair in labelled()["pairs"] if half(pair) in which]
    found = wrong = 0
    for pair in pairs:
        question = {"type": pair["type"], "text": {pair.get("language", "en"): pair["text"]}}
        if pair["type"] == "single_choice":
            values = pair.get("choices")
            question["choices"] = [{"value": v, "label": {"en": v}} for v in values] if values else YES_PARTLY_NO
        proposal = index.propose(question)
        wanted = pair["bank"] or (f"profile:{pair['profile']}" if pair.get("profile") else None)
        if proposal is not None and proposal.source == wanted:
            found += 1
        elif proposal is not None:
            wrong += 1
    positives = sum(1 for pair in pairs if pair["bank"] or pair.get("profile"))
    return found / max(found + wrong, 1), found / positives


def test_the_labelled_set_is_large_sourced_and_names_real_bank_items(shipped_library):
    data = labelled()
    sources = {source["id"]: source for source in data["sources"]}
    assert all(source.get("url") and source.get("licence") for source in sources.values())
    assert len(data["pairs"]) >= 150
    for pair in data["pairs"]:
        assert pair["source"] in sources, pair
        assert pair["bank"] is None or pair["bank"] in shipped_library.bank, pair
        assert pair.get("profile") is None or (pair["bank"] is None and pair["profile"] in PROFILE_FACTS), pair
    assert sum(1 for pair in data["pairs"] if pair["bank"] is None and not pair.get("profile")) >= 40  # none asks
    halves = [half(pair) for pair in data["pairs"]]
    assert min(halves.count("tuning"), halves.count("held_out")) >= 60


def test_matching_precision_and_recall_on_the_held_out_half(shipped_library):
    for which in ("tuning", "held_out"):
        precision, recall = measure(shipped_library, (which,))
        print(f"{which}: precision {precision:.3f} recall {recall:.3f}")
    precision, recall = measure(shipped_library, ("held_out",))
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
        ({"profile": "motto"}, "no profile fact 'motto'"),
        ({"profile": "name"}, "answers a long_text or short_text question, not a yes_no"),
        ({"profile": "founded_year", "bank": "bank_reconciliation"}, "either 'profile' or 'bank'"),
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


def test_a_question_asking_a_fact_of_the_organisation_is_answered_from_its_record(tmp_path, shipped_library):
    index = BankIndex(shipped_library)
    asks = {
        ("number", "Year founded"): "founded_year",
        ("short_text", "Année de création"): "founded_year",
        ("short_text", "Legal name of the organisation"): "name",
        ("short_text", "Pays d'enregistrement"): "country",
        ("number", "How many people work for your organisation?"): None,  # the bank's staff_count asks it
        ("short_text", "Name of the person responsible for child protection"): None,
        ("long_text", "In which countries do you work?"): None,
        ("yes_no", "Year founded"): None,  # no fact of the record answers a yes/no question
    }
    for (kind, text), fact in asks.items():
        proposal = index.propose({"type": kind, "text": {"en": text}})
        assert (proposal.profile if proposal else None) == fact, text
    root = Path(__file__).resolve().parents[2] / "questionnaires"
    rule = {"profile": "founded_year"}
    question = {"id": "year", "type": "number", "text": {"en": "Year founded"}, "derive_from": rule}
    library, problems = _questionnaire(tmp_path, root, question)
    assert problems == []
    asked = library.questionnaire("funder-x").question("year")
    assert asked.derive_from.profile == "founded_year" and asked.derive_from.bank is None
    again = questionnaire_from_data(questionnaire_to_data(library.questionnaire("funder-x")))
    assert again.question("year").derive_from == asked.derive_from
    facts = {"name": "Fundação Horizonte", "country": "BR", "founded_year": 1998, "staff_size": None}
    assert asked.derive_from.value_from_profile(facts, "number") == 1998
    country = Derivation(profile="country")
    assert country.value_from_profile(facts, "short_text", "fr") == "Brésil"
    assert Derivation(profile="staff_size").value_from_profile(facts, "number") is None  # not held: asked


def test_a_question_worded_in_the_negative_gets_the_rule_turned_round(shipped_library):
    index = BankIndex(shipped_library)
    lack = index.propose({"type": "yes_no", "text": {"en": "Is there a lack of segregation of duties?"}})
    assert lack.bank == "segregation_of_duties" and dict(lack.derive) == {"4": "no", "3": "no", "1": "yes"}
    late = index.propose({"type": "yes_no", "text": {"fr": "Des rapports financiers ont-ils été remis en retard ?"}})
    assert late.bank == "reporting_timeliness" and dict(late.derive)["1"] == "yes"
    negated = {"type": "yes_no", "text": {"en": "Is the bank account not held in the organisation's name?"}}
    assert dict(index.propose(negated).derive) == {"yes": "no", "no": "yes"}  # not the same answer
    describe = {"type": "long_text", "text": {"en": "Describe the lack of segregation of duties."}}
    assert rule_between(describe, shipped_library.bank["segregation_of_duties"]) is None
