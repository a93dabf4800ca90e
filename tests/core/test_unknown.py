"""'Not yet known' and N/A (methodology §2): types, definitions, scoring and the shipped bank."""

import dataclasses
import textwrap

import pytest

from ddq.core.definitions import (
    YES_NO_LABELS,
    Choice,
    DefinitionError,
    Question,
    Text,
    check_library,
    load_library,
    questionnaire_from_data,
    questionnaire_to_data,
)
from ddq.core.questions import ANCHORS, CHOICES, TYPES, UNKNOWN, YES_NO_SCORES, AnswerError
from ddq.core.scoring import AnswerInput, gate_result, score_assessment

LEVELS = tuple(Choice(str(level), Text.of(en=f"Level {level}"), float(level)) for level in range(1, 5))
PICKS = (Choice("a", Text.of(en="A"), 4.0), Choice("b", Text.of(en="B"), 1.0))
CHOICES_OF = {
    ANCHORS: LEVELS,
    YES_NO_SCORES: (Choice("yes", YES_NO_LABELS["yes"], 4.0, True), Choice("no", YES_NO_LABELS["no"], 1.0)),
    CHOICES: PICKS,
    None: (),
}
SCORED_TYPES = sorted(name for name, kind in TYPES.items() if kind.choices_from is not None)


def question(kind, **fields):
    fields.setdefault("choices", CHOICES_OF[TYPES[kind].choices_from])
    if TYPES[kind].needs_scale:
        fields.update(minimum=1, maximum=7)
    return Question(id="q", type=kind, text=Text.of(en="Q?"), **fields)


def test_the_types_that_take_not_yet_known_are_the_scored_types():
    assert sorted(name for name, kind in TYPES.items() if kind.can_be_unknown) == SCORED_TYPES
    assert set(SCORED_TYPES) == {"yes_no", "single_choice", "multi_choice", "maturity"}


@pytest.mark.parametrize("kind", SCORED_TYPES)
def test_a_scored_type_takes_unknown_only_when_the_question_allows_it(kind):
    allowed, refused = question(kind, allow_unknown=True), question(kind)
    typed = TYPES[kind]
    for given in ("unknown", " Unknown ", ["unknown"]):
        assert typed.normalise(given, allowed) == UNKNOWN
    with pytest.raises(AnswerError):
        typed.normalise("unknown", refused)
    assert typed.score(allowed, UNKNOWN) is None
    assert typed.display(allowed, UNKNOWN, "en") == "Not yet known"
    assert typed.display(allowed, UNKNOWN, "fr") == "Pas encore connu"
    assert "unknown = Not yet known" in typed.answer_hint(allowed, "en")
    assert "unknown" not in typed.answer_hint(refused, "en")
    real = allowed.choices[-1].value
    assert typed.score(allowed, typed.normalise(real if kind != "multi_choice" else [real], allowed)) is not None


def test_unknown_beside_choices_is_refused():
    with pytest.raises(AnswerError, match="on its own"):
        TYPES["multi_choice"].normalise(["a", "unknown"], question("multi_choice", allow_unknown=True))


@pytest.mark.parametrize("kind", sorted(set(TYPES) - set(SCORED_TYPES)))
def test_other_types_never_read_an_answer_as_not_yet_known(kind):
    asked = question(kind, allow_unknown=True)
    assert not TYPES[kind].allows_unknown(asked)
    assert not TYPES[kind].is_unknown_answer(asked, UNKNOWN)


# --- definitions ----------------------------------------------------------------------------------

PROBE = """\
id: probe
version: "1"
direction: partner_self
title: Probe
purpose: Not yet known.
visible_to: The test.
sections:
  - id: governance
    title: Governance
    questions:
      - {id: a1, type: maturity, domain: governance, text: Board?, anchors: &levels [none, some, written, reviewed]}
      - {id: a2, type: maturity, domain: governance, text: Conflicts?, anchors: *levels}
      - {id: a3, type: maturity, domain: governance, text: Bribery?, key: true, allow_unknown: true, anchors: *levels}
  - id: safeguarding
    title: Safeguarding
    questions:
      - {id: gate, type: yes_no, domain: safeguarding, text: Policy?, gate: true, allow_unknown: true}
"""


@pytest.fixture
def probe(library_copy):
    (library_copy / "probe.yaml").write_text(textwrap.dedent(PROBE), encoding="utf-8")
    return load_library(library_copy).questionnaire("probe")


def problems_with(library_copy, path, old, new):
    file = library_copy / path
    text = file.read_text(encoding="utf-8")
    assert old in text
    file.write_text(text.replace(old, new, 1), encoding="utf-8")
    return [str(problem) for problem in check_library(library_copy)[1]]


def test_not_yet_known_on_a_type_without_choices_is_refused(library_copy):
    minutes = "    minutes: 1.5\n"
    found = problems_with(library_copy, "bank/governance.yaml", minutes, minutes + "    allow_unknown: true\n")
    assert any("[registration_number] a short_text question cannot be answered 'not yet known'" in p for p in found)


def test_the_reserved_value_cannot_be_a_choice(library_copy):
    (library_copy / "probe.yaml").write_text(
        textwrap.dedent(PROBE).replace(
            "      - {id: a1,",
            "      - {id: c, type: single_choice, domain: governance, text: C?, allow_unknown: true,"
            " choices: [{value: unknown, label: Unknown}]}\n      - {id: a1,",
        ),
        encoding="utf-8",
    )
    with pytest.raises(DefinitionError, match="choice value 'unknown' is kept for 'not yet known'"):
        load_library(library_copy)


def test_a_scored_bank_item_must_give_both_reasons(library_copy):
    reason = '    why_na: "Every organisation answers to someone'
    found = problems_with(library_copy, "bank/governance.yaml", reason, '    reason: "')
    assert any("[governing_body] unknown key 'reason'" in p for p in found)
    assert any("[governing_body] a scored bank item needs 'why_na': why N/A is not offered" in p for p in found)


def test_mirrors_must_agree_on_na_and_not_yet_known(library_copy):
    found = problems_with(
        library_copy,
        "host-disclosure.yaml",
        "{use: governing_body, mirror: governing_body, key: true}",
        "{use: governing_body, mirror: governing_body, key: true, allow_unknown: false}",
    )
    expected = "[governing_body] mirror 'governing_body' has allow_unknown True where this one has False"
    assert any(expected in problem for problem in found)


def test_a_questionnaire_takes_the_bank_decision_and_the_snapshot_keeps_it(shipped_library):
    questionnaire = shipped_library.questionnaire("partner-capacity")
    item = questionnaire.question("cash_handling")
    assert item.allow_na and item.allow_unknown and item.why_na.get().startswith("An organisation that makes no cash")
    assert not questionnaire.question("legal_registration").allow_unknown
    rebuilt = questionnaire_from_data(questionnaire_to_data(questionnaire))
    for before, after in zip(questionnaire.questions, rebuilt.questions, strict=True):
        assert (after.allow_na, after.allow_unknown, after.why_na, after.why_unknown) == (
            before.allow_na,
            before.allow_unknown,
            before.why_na,
            before.why_unknown,
        ), before.id
    changed = dataclasses.replace(item, allow_unknown=False)
    assert questionnaire_to_data(questionnaire) != questionnaire_to_data(
        dataclasses.replace(questionnaire, sections=tuple(
            dataclasses.replace(s, questions=tuple(changed if q.id == item.id else q for q in s.questions))
            for s in questionnaire.sections
        ))
    )


# --- scoring --------------------------------------------------------------------------------------


def test_unknown_leaves_the_score_alone_and_lowers_confidence(probe):
    known = {"a1": AnswerInput(4, evidence_level=1), "a2": AnswerInput(2)}
    before = score_assessment(probe, known)
    after = score_assessment(probe, {**known, "a3": AnswerInput(UNKNOWN)})
    low = score_assessment(probe, {**known, "a3": AnswerInput(1)})
    # score: (4 + 2) / 2 = 3.0 with a3 unanswered or not yet known; a3 at 1 (key, weight 2): (4 + 2 + 2) / 4 = 2.0
    assert before.domain("governance").score == after.domain("governance").score == 3.0
    assert low.domain("governance").score == 2.0
    # confidence: a1 at E1 over a1 + a2 + a3 (key: 2) = 1 / 4, whether a3 is unanswered or not yet known;
    # had a3 been left out of the count, it would be 1 / 2
    assert after.domain("governance").confidence == before.domain("governance").confidence == 0.25
    assert after.domain("governance").completeness == 0.5  # (1 + 1) / 4
    assert dict((item.question_id, item.status) for item in after.items)["a3"] == "unknown"
    assert after.domain("governance").standing == before.domain("governance").standing


def test_a_not_yet_known_gate_is_unanswered_and_an_na_gate_is_not_asked(probe):
    gate = probe.question("gate")
    assert gate_result(gate, AnswerInput(UNKNOWN)).passed is None
    assert gate_result(gate, AnswerInput(None, not_applicable=True)).passed is None
    assert gate_result(gate, AnswerInput("no")).passed is False
    card = score_assessment(probe, {"gate": AnswerInput(UNKNOWN)})
    assert card.flagged_gates == () and card.gates[0].passed is None


# --- the shipped bank -----------------------------------------------------------------------------


def test_every_scored_bank_item_decides_na_and_not_yet_known_with_a_reason(shipped_library):
    scored = [item for item in shipped_library.bank.values() if item.scored]
    assert len(scored) == 72
    for item in scored:
        assert item.why_na is not None and item.why_na.get().strip(), item.id
        assert item.why_unknown is not None and item.why_unknown.get().strip(), item.id


@pytest.mark.parametrize("questionnaire_id", ["partner-capacity", "host-disclosure"])
def test_every_scored_shipped_question_offers_na_and_not_yet_known_or_says_why_not(shipped_library, questionnaire_id):
    scored = [q for q in shipped_library.questionnaire(questionnaire_id).questions if q.scored]
    assert len(scored) == 72
    for asked in scored:
        assert asked.allow_na or asked.why_na is not None, asked.id
        assert asked.allow_unknown or asked.why_unknown is not None, asked.id
    assert sum(q.allow_unknown for q in scored) >= 60  # "not yet known" is the rule, refusing it the exception
    assert not any(q.allow_unknown for q in scored if q.gate)  # a gate must be decided: no gate is left open


def test_xlsform_export_and_reimport_keep_not_yet_known(library_copy, shipped_library):
    from ddq.importers.frame import import_template, write_definition
    from ddq.importers.xlsform_export import export_xlsform

    original = shipped_library.questionnaire("partner-capacity")
    result = import_template(
        "pc.xlsx", export_xlsform(original), library_copy, load_library(library_copy), funder="F", questionnaire_id="rt"
    )
    write_definition(result, library_copy)
    back = load_library(library_copy).questionnaire("rt")
    assert [(q.id, q.type, q.allow_unknown) for q in back.questions] == [
        (q.id, q.type, q.allow_unknown) for q in original.questions
    ]
    assert [c.value for c in back.question("governing_body").choices] == ["1", "2", "3", "4"]
