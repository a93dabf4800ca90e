"""The spread of colleagues' ratings (methodology §2), with every figure worked out by hand in the comments."""

import textwrap

import pytest

from ddq.core.consensus import Rating, consensus
from ddq.core.definitions import load_library
from ddq.core.questions import UNKNOWN

PROBE = """\
id: probe
version: "1"
direction: partner_self
title: Probe
purpose: The spread of ratings.
visible_to: The test.
sections:
  - id: governance
    title: Governance
    questions:
      - {id: g1, type: yes_no, domain: governance, text: Registered?, gate: true, scores: {yes: 4, no: 1}}
      - {id: g2, type: maturity, domain: governance, text: Board?, key: true, anchors: &levels [a, b, c, d]}
      - {id: g3, type: maturity, domain: governance, text: Conflicts?, anchors: *levels}
      - id: g4
        type: single_choice
        domain: governance
        text: Audit opinion?
        choices:
          - {value: clean, label: Clean, score: 4}
          - {value: qualified, label: Qualified, score: 2}
          - {value: none, label: No audit yet}
      - {id: g5, type: short_text, domain: governance, text: Registration number?}
  - id: safeguarding
    title: Safeguarding
    questions:
      - {id: s1, type: maturity, domain: safeguarding, text: Policy?, anchors: *levels}
      - {id: s2, type: maturity, domain: safeguarding, text: Training?, allow_unknown: true, anchors: *levels}
      - {id: s3, type: maturity, domain: safeguarding, text: Reporting?, anchors: *levels}
"""

ANA, BEN, CHO = (1, "Ana"), (2, "Ben"), (3, "Cho")


def rate(question_id, person, value):
    return Rating(question_id, person[0], person[1], value)


@pytest.fixture
def probe(library_copy):
    (library_copy / "probe.yaml").write_text(textwrap.dedent(PROBE), encoding="utf-8")
    return load_library(library_copy).questionnaire("probe")


RATINGS = [
    rate("g1", ANA, "yes"), rate("g1", BEN, "no"),  # a gate: never on the item scale
    rate("g2", ANA, 1), rate("g2", BEN, 3), rate("g2", CHO, 2),  # 3 raters, 3 - 1 = 2: least consensus
    rate("g3", ANA, 3), rate("g3", BEN, 4),  # 4 - 3 = 1: not flagged
    rate("g4", ANA, "clean"), rate("g4", BEN, "none"),  # "no audit yet" has no score: one rater only
    rate("g5", ANA, "12"), rate("g5", BEN, "34"),  # text: not scored
    rate("s1", ANA, 1), rate("s1", BEN, 4),  # 4 - 1 = 3: least consensus
    rate("s2", ANA, 2), rate("s2", BEN, UNKNOWN),  # "not yet known" has no score: one rater only
    rate("s3", ANA, 2),  # one rater
    rate("x9", ANA, 1), rate("x9", BEN, 4),  # no such question
]


def test_items_rated_by_two_or_more_with_their_range(probe):
    spread = consensus(probe, RATINGS)
    assert [item.question_id for item in spread.items] == ["g2", "g3", "s1"]  # questionnaire order
    g2, g3, s1 = spread.items
    assert g2.scores == (("Ana", 1.0), ("Ben", 3.0), ("Cho", 2.0))
    assert (g2.raters, g2.low, g2.high, g2.range, g2.least_consensus) == (3, 1.0, 3.0, 2.0, True)
    assert (g3.raters, g3.range, g3.least_consensus) == (2, 1.0, False)
    assert (s1.raters, s1.range, s1.least_consensus, s1.domain) == (2, 3.0, True, "safeguarding")
    assert [item.question_id for item in spread.least_consensus] == ["s1", "g2"]  # widest range first
    assert spread.item("g4") is None and spread.item("s2") is None and spread.item("g1") is None


def test_per_domain_items_raters_largest_and_mean_range(probe):
    governance, safeguarding = consensus(probe, RATINGS).domains
    # governance: g2 (range 2, Ana Ben Cho) and g3 (range 1, Ana Ben): mean (2 + 1) / 2 = 1.5
    assert governance.domain == "governance"
    assert (governance.items, governance.raters, governance.largest_range, governance.mean_range) == (2, 3, 2.0, 1.5)
    assert governance.least_consensus == 1
    assert (safeguarding.items, safeguarding.raters, safeguarding.largest_range, safeguarding.mean_range) == (
        1,
        2,
        3.0,
        3.0,
    )
    assert safeguarding.least_consensus == 1


def test_the_threshold_and_the_items_counted(probe):
    assert [item.question_id for item in consensus(probe, RATINGS, threshold=1).least_consensus] == ["s1", "g2", "g3"]
    only = consensus(probe, RATINGS, counted={"g3"})
    assert [item.question_id for item in only.items] == ["g3"] and only.least_consensus == ()


def test_people_are_told_apart_by_number_not_name_and_agreement_is_a_range_of_zero(probe):
    same_name = consensus(probe, [Rating("g3", 1, "Sam", 2), Rating("g3", 2, "Sam", 2)])
    (item,) = same_name.items
    assert (item.raters, item.range, item.least_consensus) == (2, 0.0, False)
    assert same_name.domains[0].raters == 2


def test_one_rater_or_none_gives_nothing_to_show(probe):
    assert consensus(probe, []).items == () and consensus(probe, []).domains == ()
    one = consensus(probe, [rate("g2", ANA, 1), rate("g3", ANA, 4), rate("s1", ANA, 2)])
    assert one.items == () and one.least_consensus == ()
