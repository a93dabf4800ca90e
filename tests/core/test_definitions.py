"""The definition format: every validation rule with a bad file, and snapshots."""

import dataclasses
import textwrap

import pytest

from ddq.core.definitions import (
    DefinitionError,
    check_library,
    definition_hash,
    load_library,
    questionnaire_from_data,
    questionnaire_to_data,
)

HEADER = """\
id: probe
version: "1"
direction: partner_self
title: Probe
purpose: Checks one rule.
visible_to: The test.
sections:
  - id: main
    title: Main
    questions:
"""


def write(library, body, name="probe.yaml", header=HEADER):
    path = library / name
    path.write_text(header + textwrap.indent(textwrap.dedent(body), "      "), encoding="utf-8")
    return path


def problems_in(library, name="probe.yaml"):
    _, problems = check_library(library)
    return [problem for problem in problems if problem.file.endswith(name)]


def assert_problem(library, line, question, fragment, name="probe.yaml"):
    found = problems_in(library, name)
    matching = [p for p in found if p.line == line and p.question == question and fragment in p.message]
    assert matching, f"no problem at line {line} [{question}] with {fragment!r}; found: {[str(p) for p in found]}"
    assert str(matching[0]).startswith(f"{library.name}/{name}:{line}: [{question}]") or f"{name}:{line}:" in str(
        matching[0]
    )


MINIMAL = """\
- id: q1
  type: yes_no
  domain: governance
  text: Registered?
"""


def test_the_shipped_library_is_valid(library_copy):
    library, problems = check_library(library_copy)
    assert problems == []
    assert set(library.questionnaires) == {
        "partner-capacity",
        "host-disclosure",
        "partner-feedback",
        "partnership-health",
    }


def test_a_minimal_questionnaire_is_valid(library_copy):
    write(library_copy, MINIMAL)
    assert problems_in(library_copy) == []


def test_unknown_domain(library_copy):
    write(library_copy, "- {id: q1, type: yes_no, domain: governanse, text: Registered?}\n")
    assert_problem(library_copy, 11, "q1", "unknown domain 'governanse'")


def test_unknown_type(library_copy):
    write(library_copy, "- id: q1\n  type: yesno\n  text: Registered?\n")
    assert_problem(library_copy, 12, "q1", "unknown question type 'yesno'")


def test_duplicate_question_id(library_copy):
    write(library_copy, MINIMAL + MINIMAL)
    assert_problem(library_copy, 15, "q1", "duplicate question id")


def test_choice_score_out_of_range(library_copy):
    write(
        library_copy,
        """\
        - id: q1
          type: single_choice
          text: How?
          choices:
            - {value: a, label: A, score: 1}
            - {value: b, label: B, score: 5}
        """,
    )
    assert_problem(library_copy, 16, "q1", "choice score 5 is out of range")


def test_yes_no_score_out_of_range(library_copy):
    write(library_copy, "- id: q1\n  type: yes_no\n  text: Registered?\n  scores: {yes: 0, no: 1}\n")
    assert_problem(library_copy, 14, "q1", "choice score 0 is out of range")


def test_show_if_names_an_unknown_question(library_copy):
    write(library_copy, MINIMAL + "- {id: q2, type: short_text, text: Number?, show_if: \"q9 = 'yes'\"}\n")
    assert_problem(library_copy, 15, "q2", "show_if names unknown question 'q9'")


def test_show_if_names_a_later_question(library_copy):
    write(library_copy, "- {id: q0, type: short_text, text: Number?, show_if: \"q1 = 'yes'\"}\n" + MINIMAL)
    assert_problem(library_copy, 11, "q0", "show_if names 'q1', which is not asked before this question")


def test_show_if_names_its_own_question(library_copy):
    write(library_copy, "- {id: q1, type: yes_no, text: Registered?, show_if: \"q1 = 'yes'\"}\n")
    assert_problem(library_copy, 11, "q1", "not asked before this question")


def test_show_if_that_does_not_parse(library_copy):
    write(library_copy, MINIMAL + "- id: q2\n  type: short_text\n  text: Number?\n  show_if: q1 = = 'yes'\n")
    assert_problem(library_copy, 18, "q2", "show_if does not parse: expected a value")


def test_show_if_compares_with_a_value_that_is_not_a_choice(library_copy):
    write(library_copy, MINIMAL + "- {id: q2, type: short_text, text: Number?, show_if: \"q1 = 'oui'\"}\n")
    assert_problem(library_copy, 15, "q2", "compares 'q1' with 'oui', which is not one of its choices (yes, no)")


def test_missing_bank_id(library_copy):
    write(library_copy, "- {use: no_such_item, key: true}\n")
    assert_problem(library_copy, 11, "no_such_item", "no bank item 'no_such_item'")


def test_bank_content_cannot_be_changed_by_a_questionnaire(library_copy):
    write(library_copy, "- use: legal_registration\n  text: Something else\n")
    assert_problem(library_copy, 12, "legal_registration", "'text' belongs to bank item 'legal_registration'")


def test_bank_item_keeps_its_content_and_takes_usage(library_copy):
    write(library_copy, "- {use: legal_registration, key: true, required: true}\n")
    library = load_library(library_copy)
    question = library.questionnaire("probe").question("legal_registration")
    assert question.bank == "legal_registration"
    assert question.key and question.required and question.weight == 2.0
    assert question.text == library.bank["legal_registration"].text
    assert question.validity_months == 36


def test_mirror_with_no_counterpart_question(library_copy):
    header = HEADER.replace("direction: partner_self", "direction: host_disclosure\ncounterpart: partner-capacity")
    write(library_copy, "- {id: q1, type: yes_no, text: Registered?, mirror: legal_registraton}\n", header=header)
    assert_problem(library_copy, 12, "q1", "mirror 'legal_registraton' is not a question of 'partner-capacity'")


def test_mirror_without_a_counterpart_questionnaire(library_copy):
    write(library_copy, "- {id: q1, type: yes_no, text: Registered?, mirror: legal_registration}\n")
    assert_problem(library_copy, 11, "q1", "has no counterpart questionnaire")


def test_counterpart_that_does_not_exist(library_copy):
    write(
        library_copy,
        MINIMAL,
        header=HEADER.replace("direction: partner_self", "direction: host_disclosure\ncounterpart: nowhere"),
    )
    assert any("counterpart questionnaire 'nowhere' does not exist" in p.message for p in problems_in(library_copy))


def test_mirrored_domain_must_be_covered_question_by_question(library_copy):
    path = library_copy / "host-disclosure.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("      - {use: bank_reconciliation, mirror: bank_reconciliation, key: true}\n", ""),
        encoding="utf-8",
    )
    found = problems_in(library_copy, "host-disclosure.yaml")
    assert any(
        "asks 'bank_reconciliation' (financial_management) but nothing here mirrors it" in p.message for p in found
    )


def test_missing_english_text(library_copy):
    write(library_copy, "- id: q1\n  type: yes_no\n  text: {fr: Enregistrée ?}\n")
    assert_problem(library_copy, 13, "q1", "'text' has no English text")


def test_missing_english_in_a_maturity_anchor(library_copy):
    write(
        library_copy,
        """\
        - id: q1
          type: maturity
          text: How mature?
          anchors:
            - None
            - {fr: Un peu}
            - Documented
            - Reviewed
        """,
    )
    assert_problem(library_copy, 14, "q1", "'anchor' has no English text")


def test_maturity_needs_four_anchors(library_copy):
    write(library_copy, "- id: q1\n  type: maturity\n  text: How mature?\n  anchors: [a, b, c]\n")
    assert_problem(library_copy, 14, "q1", "four texts, for levels 1 to 4")


def test_unknown_language(library_copy):
    write(library_copy, "- id: q1\n  type: yes_no\n  text: {en: Registered?, de: Registriert?}\n")
    assert_problem(library_copy, 13, "q1", "unknown language 'de'")


def test_misspelt_key_is_reported_not_ignored(library_copy):
    write(library_copy, "- id: q1\n  type: yes_no\n  text: Registered?\n  requierd: true\n")
    assert_problem(library_copy, 14, "q1", "unknown key 'requierd' in question")


def test_gate_must_have_a_passing_answer(library_copy):
    write(library_copy, "- id: q1\n  type: short_text\n  text: Name?\n  gate: true\n")
    assert_problem(library_copy, 14, "q1", "a gate must be a yes_no question")


def test_unknown_tier_in_applies_to(library_copy):
    write(library_copy, "- id: q1\n  type: yes_no\n  text: Registered?\n  applies_to: {tiers: [lite]}\n")
    assert_problem(library_copy, 14, "q1", "unknown value 'lite'")


def test_unknown_partner_role_in_applies_to(library_copy):
    write(library_copy, "- id: q1\n  type: yes_no\n  text: Registered?\n  applies_to: {partner_roles: [funding]}\n")
    assert_problem(library_copy, 14, "q1", "unknown value 'funding'")


def test_version_written_as_a_number_is_refused(library_copy):
    write(library_copy, MINIMAL, header=HEADER.replace('version: "1"', "version: 1.10"))
    assert_problem(library_copy, 2, None, "'version' must be given as quoted text")


def test_key_given_twice(library_copy):
    write(library_copy, "- id: q1\n  type: yes_no\n  text: Registered?\n  text: Again?\n")
    assert_problem(library_copy, 14, "q1", "'text' is given twice")


def test_rating_needs_its_scale(library_copy):
    write(library_copy, "- id: q1\n  type: rating\n  text: How likely?\n")
    assert_problem(library_copy, 11, "q1", "a rating question needs 'minimum' and 'maximum'")


def test_yaml_that_does_not_parse_reports_its_line(library_copy):
    (library_copy / "probe.yaml").write_text(HEADER + "      - id: q1\n        text: [unclosed\n", encoding="utf-8")
    found = problems_in(library_copy)
    assert len(found) == 1 and found[0].line >= 11 and "not valid YAML" in found[0].message


def test_a_file_that_is_not_a_mapping(library_copy):
    (library_copy / "probe.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    assert_problem(library_copy, 1, None, "must hold a mapping")


def test_yes_and_no_stay_text(library_copy):
    write(library_copy, MINIMAL + "- {id: q2, type: short_text, text: Number?, show_if: q1 = 'yes'}\n")
    assert problems_in(library_copy) == []


def test_every_problem_is_reported_at_once(library_copy):
    write(
        library_copy,
        """\
        - {id: q1, type: yesno, text: A}
        - {id: q2, type: yes_no, domain: nowhere, text: B}
        - {id: q3, type: yes_no, text: {fr: C}}
        """,
    )
    assert len(problems_in(library_copy)) == 3


def test_load_library_raises_with_every_problem(library_copy):
    write(library_copy, "- {id: q1, type: yesno, text: A}\n- {id: q2, type: yes_no, domain: nowhere, text: B}\n")
    with pytest.raises(DefinitionError) as caught:
        load_library(library_copy)
    assert len(caught.value.problems) == 2
    assert "probe.yaml:11: [q1]" in str(caught.value)


def test_broken_bank_item_is_reported_in_the_bank_file(library_copy):
    path = library_copy / "bank" / "people.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("type: number", "type: numbr", 1), encoding="utf-8")
    found = problems_in(library_copy, "people.yaml")
    assert any(p.question == "staff_count" and "unknown question type 'numbr'" in p.message for p in found)


# --- snapshots ------------------------------------------------------------------------------------


def test_snapshot_round_trip_gives_the_same_questionnaire(shipped_library):
    for questionnaire in shipped_library.questionnaires.values():
        rebuilt = questionnaire_from_data(questionnaire_to_data(questionnaire))
        assert rebuilt == dataclasses.replace(questionnaire, source=rebuilt.source)
        assert definition_hash(rebuilt) == definition_hash(questionnaire)


def test_hash_changes_when_the_definition_changes(shipped_library):
    questionnaire = shipped_library.questionnaire("partner-feedback")
    data = questionnaire_to_data(questionnaire)
    data["sections"][0]["questions"][0]["text"]["en"] = "Funds arrive late."
    assert definition_hash(questionnaire_from_data(data)) != definition_hash(questionnaire)


def test_a_corrupt_snapshot_is_refused(shipped_library):
    data = questionnaire_to_data(shipped_library.questionnaire("partner-feedback"))
    data["sections"][0]["questions"][0]["type"] = "hologram"
    with pytest.raises(DefinitionError, match="unknown question type 'hologram'"):
        questionnaire_from_data(data)


def test_profiles_weigh_domains_for_the_overall(shipped_library):
    funding = shipped_library.domain_weights("funding", ["research"])
    assert funding["financial_management"] == funding["financial_stability"] == 2.0
    assert funding["research_ethics_data"] == 2.0 and funding["governance"] == 1.0
    assert shipped_library.domain_weights(None)["financial_management"] == 1.0  # unknown type: no profile


def test_profile_with_unknown_domain_or_bad_weight(library_copy):
    (library_copy / "profiles.yaml").write_text(
        "profiles:\n  - id: p\n    title: P\n    weights: {governanse: 2, safeguarding: -1}\n", encoding="utf-8"
    )
    found = problems_in(library_copy, "profiles.yaml")
    assert any("unknown domain 'governanse'" in p.message for p in found)
    assert any("the weight of 'safeguarding' must be a positive number" in p.message for p in found)


MULTI_GATE = """\
- id: q1
  type: multi_choice
  text: Which policies do you have?
  gate: true
  choices:
    - {value: safeguarding, label: Safeguarding, pass: true}
    - {value: none, label: None of these}
"""


def test_a_gate_on_a_multiple_choice_needs_its_rule(library_copy):
    write(library_copy, MULTI_GATE)
    assert_problem(library_copy, 14, "q1", "needs 'gate_rule': any")


def test_a_gate_rule_is_read_and_kept_in_the_snapshot(library_copy):
    write(library_copy, MULTI_GATE + "  gate_rule: all\n")
    question = load_library(library_copy).questionnaire("probe").question("q1")
    assert question.gate_rule == "all"
    again = questionnaire_from_data(questionnaire_to_data(load_library(library_copy).questionnaire("probe")))
    assert again.question("q1").gate_rule == "all"


def test_a_gate_rule_belongs_to_a_multiple_choice_gate(library_copy):
    write(library_copy, MINIMAL + "  gate_rule: any\n")
    assert_problem(library_copy, 15, "q1", "'gate_rule' belongs to a gate on a multiple choice")


def test_bounds_belong_to_types_that_take_them(library_copy):
    write(library_copy, "- id: q1\n  type: short_text\n  text: Name?\n  minimum: 3\n")
    assert_problem(library_copy, 14, "q1", "a short_text question takes no 'minimum'")


def test_a_key_item_weighs_two_with_no_override(library_copy):
    maturity = MINIMAL.replace("type: yes_no", "type: maturity\n  anchors: [a, b, c, d]")
    write(library_copy, maturity + "  key: true\n  weight: 1\n")
    assert_problem(library_copy, 17, "q1", "a key item weighs 2")


def test_mirrors_must_be_scored_alike(library_copy):
    path = library_copy / "host-disclosure.yaml"
    text = path.read_text(encoding="utf-8")
    assert "{use: bank_reconciliation, mirror: bank_reconciliation, key: true}" in text
    path.write_text(text.replace("{use: bank_reconciliation, mirror: bank_reconciliation, key: true}",
                                 "{use: bank_reconciliation, mirror: bank_reconciliation}"), encoding="utf-8")
    found = problems_in(library_copy, "host-disclosure.yaml")
    assert any("mirror 'bank_reconciliation' has key True where this one has False" in p.message for p in found)


TRANSLATED_HEADER = """\
id: probe
version: "1"
direction: partner_self
title: {en: Probe, fr: Sonde, es: Sonda, pt: Sonda}
purpose: {en: Checks one rule., fr: Vérifie une règle., es: Comprueba una regla., pt: Verifica uma regra.}
visible_to: {en: The test., fr: Le test., es: La prueba., pt: O teste.}
sections:
  - id: main
    title: {en: Main, fr: Principale, es: Principal, pt: Principal}
    questions:
"""


def warnings_in(library, name="probe.yaml"):
    warnings = []
    _, problems = check_library(library, warnings=warnings)
    return [p for p in problems if p.file.endswith(name)], [w for w in warnings if w.file.endswith(name)]


def test_a_text_missing_a_language_is_a_warning_naming_its_line_and_the_languages(library_copy):
    write(
        library_copy,
        """\
        - id: q1
          type: single_choice
          domain: governance
          text: {en: Registered?, fr: Enregistrée ?, es: ¿Registrada?, pt: Registada?}
          help: Only in English.
          allow_na: true
          why_na: A note for authors, in English only.
          choices:
            - {value: a, label: {en: A, fr: A, es: A, pt: A}}
            - {value: b, label: {en: B, fr: B, es: B}}
        """,
        header=TRANSLATED_HEADER,
    )
    problems, warnings = warnings_in(library_copy)
    assert problems == []
    assert [(w.line, w.question, w.message) for w in warnings] == [
        (15, "q1", "'help' has no fr, es, pt translation"),
        (20, "q1", "'label' has no pt translation"),
    ]
    assert "probe" in load_library(library_copy).questionnaires  # a warning does not stop the library being used


def test_a_fully_translated_questionnaire_has_no_warnings(library_copy):
    write(
        library_copy,
        """\
        - id: q1
          type: yes_no
          domain: governance
          text: {en: Registered?, fr: Enregistrée ?, es: ¿Registrada?, pt: Registada?}
        """,
        header=TRANSLATED_HEADER,
    )
    assert warnings_in(library_copy) == ([], [])


def test_an_english_only_questionnaire_warns_on_every_text(library_copy):
    write(library_copy, MINIMAL)
    _, warnings = warnings_in(library_copy)
    assert {(w.line, w.message) for w in warnings} == {
        (4, "'title' has no fr, es, pt translation"),
        (5, "'purpose' has no fr, es, pt translation"),
        (6, "'visible_to' has no fr, es, pt translation"),
        (9, "'title' has no fr, es, pt translation"),
        (14, "'text' has no fr, es, pt translation"),
    }
