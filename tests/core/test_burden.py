import textwrap

from ddq.core.burden import estimate, question_minutes
from ddq.core.definitions import Scope, load_library


def test_estimate_adds_up_by_hand(library_copy):
    (library_copy / "probe.yaml").write_text(
        textwrap.dedent("""\
        id: probe
        version: "1"
        direction: partner_self
        title: Probe
        purpose: Checks the estimate.
        visible_to: The test.
        sections:
          - id: main
            title: Main
            questions:
              - {id: a, type: yes_no, text: A?}                                   # 0.25
              - {id: b, type: maturity, text: B?, anchors: [1, 2, 3, 4]}          # 1
              - {id: c, type: yes_no, text: C?, evidence: The policy}             # 0.25 + 3, one document
              - {id: d, type: long_text, text: D?, show_if: "a = 'yes'"}          # 15, conditional
              - {id: e, type: short_text, text: E?, minutes: 2}                   # override: 2
              - {id: f, type: document, text: F?, applies_to: {tiers: [enhanced]}}  # 3, one document
          - id: research
            title: Research
            applies_to: {partner_roles: [research]}
            questions:
              - {id: g, type: money, text: G?}                                    # 3
        """),
        encoding="utf-8",
    )
    questionnaire = load_library(library_copy).questionnaire("probe")
    light = estimate(questionnaire, Scope(tier="light", partner_roles=frozenset()))
    assert (light.items, light.conditional_items, light.documents) == (5, 1, 1)
    assert (light.minutes_low, light.minutes_high) == (0.25 + 1 + 3.25 + 2, 0.25 + 1 + 3.25 + 15 + 2)
    enhanced = estimate(questionnaire, Scope(tier="enhanced", partner_roles=frozenset({"research"})))
    assert (enhanced.items, enhanced.documents, enhanced.minutes_high) == (7, 2, 21.5 + 3 + 3)
    assert question_minutes(questionnaire.question("e")) == 2


def test_over_budget_names_each_limit(shipped_library):
    tier = shipped_library.tiers["light"]
    capacity = shipped_library.questionnaire("partner-capacity")
    everything = estimate(capacity, Scope(tier="enhanced"))
    overs = everything.over_budget(tier)
    assert any("items, budget 25" in over for over in overs)
    assert any("documents, budget 3" in over for over in overs)
    assert estimate(capacity, Scope(tier="light", partner_roles=frozenset())).over_budget(tier) == []
