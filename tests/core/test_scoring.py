"""Every scoring rule, with expected values worked out by hand in the comments."""

import dataclasses
import textwrap

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ddq.core.actions import suggest_actions
from ddq.core.definitions import Scope, load_library
from ddq.core.scoring import AnswerInput, Stage, hact_band, score_assessment
from ddq.core.vocabulary import PARTNER_ROLES

PROBE = """\
id: probe
version: "1"
direction: partner_self
title: Probe
purpose: Scoring rules.
visible_to: The test.
sections:
  - id: governance
    title: Governance
    questions:
      - {id: g1, type: yes_no, domain: governance, text: Registered?, gate: true, scores: {yes: 4, no: 1}}
      - id: g2
        type: maturity
        domain: governance
        text: Board?
        key: true
        anchors: &levels [none, some, written, reviewed]
      - {id: g3, type: maturity, domain: governance, text: Conflicts?, anchors: *levels}
      - id: g4
        type: single_choice
        domain: governance
        text: Audit opinion?
        allow_na: true
        choices:
          - {value: a, label: Clean, score: 4}
          - {value: b, label: Qualified, score: 2}
          - {value: c, label: Adverse, score: 1}
          - {value: u, label: We do not know yet}
      - {id: g5, type: short_text, domain: governance, text: Registration number?}
  - id: safeguarding
    title: Safeguarding
    questions:
      - {id: s1, type: maturity, domain: safeguarding, text: Policy?, key: true, anchors: *levels}
      - {id: s2, type: maturity, domain: safeguarding, text: Training?, allow_na: true, anchors: *levels}
      - {id: s3, type: yes_no, domain: safeguarding, text: Focal point?, scores: {yes: 4, no: 1}, show_if: "g1 = 'yes'"}
      - {id: s4, type: maturity, domain: safeguarding, text: Recruitment?, anchors: *levels}
      - {id: s5, type: maturity, domain: safeguarding, text: Reporting?, anchors: *levels}
"""


@pytest.fixture
def probe(library_copy):
    (library_copy / "probe.yaml").write_text(textwrap.dedent(PROBE), encoding="utf-8")
    library = load_library(library_copy)
    return library, library.questionnaire("probe")


def answers(**values):
    return {key: value if isinstance(value, AnswerInput) else AnswerInput(value) for key, value in values.items()}


BASE = dict(
    g1="yes",
    g2=3,
    g3=2,
    g4=AnswerInput("b", evidence_level=1),
    g5="RC-1",
    s1=4,
    s2=AnswerInput(None, not_applicable=True),
    s3="yes",
)


def test_domain_scores_bands_and_overall_by_hand(probe):
    library, questionnaire = probe
    card = score_assessment(
        questionnaire, answers(**BASE), domains=library.domains.values(), profile={"governance": 2, "safeguarding": 1}
    )
    governance, safeguarding = card.domain("governance"), card.domain("safeguarding")
    # governance: g2 key 2x3=6, g3 1x2=2, g4 1x2=2 -> 10 / 4 = 2.5; g1 is a gate, g5 carries no score
    assert (governance.points, governance.weight_sum, governance.score) == (10, 4, 2.5)
    # HACT: risks 2 (key: 2x2=4), 3, 3 -> 10/3 = 3.33 on a scale from 1 to (12+4)/3 = 5.33 -> third band
    assert governance.band == "significant" and not governance.capped
    assert governance.standing == "developing"
    # confidence counts every item that needs evidence, the gate g1 included (weight 1 + 2 + 1 + 1 = 5);
    # only g4 (weight 1) has evidence E1 -> 1 / 5
    assert governance.confidence == 0.2 and governance.completeness == 1.0
    # safeguarding: s1 key 2x4=8, s3 1x4=4; s2 is N/A; s4, s5 unanswered -> 12 / 3 = 4.0
    assert (safeguarding.score, safeguarding.band, safeguarding.standing) == (4.0, "low", "strength")
    # unanswered s4, s5 lower confidence and completeness, not the score: 3 of 5 weight scored
    assert safeguarding.completeness == pytest.approx(3 / 5)
    # overall: (2 x 2.5 + 1 x 4.0) / 3 = 3.0, with the profile beside it
    assert card.overall == 3.0 and card.profile == {"governance": 2, "safeguarding": 1}
    assert [gate.passed for gate in card.gates] == [True]
    assert [domain.domain for domain in card.strengths] == ["safeguarding"]


def test_breakdown_adds_up_to_every_figure(probe):
    library, questionnaire = probe
    card = score_assessment(questionnaire, answers(**BASE), domains=library.domains.values())
    for domain in card.domains:
        items = [item for item in card.items_of(domain.domain) if item.status == "scored"]
        assert sum(item.points for item in items) == domain.points
        assert sum(item.weight for item in items) == domain.weight_sum
        assert domain.points / domain.weight_sum == domain.score
    assessed = [d for d in card.domains if d.score is not None]
    assert card.overall == sum(card.profile[d.domain] * d.score for d in assessed) / sum(
        card.profile[d.domain] for d in assessed
    )


def test_key_item_at_level_1_caps_the_domain(probe):
    library, questionnaire = probe
    card = score_assessment(
        questionnaire, answers(g1="yes", s1=1, s3="yes", s4=4, s5=4), domains=library.domains.values()
    )
    safeguarding = card.domain("safeguarding")
    # score (2x1 + 4 + 4 + 4) / 5 = 2.8; HACT points 2x4 + 1 + 1 + 1 = 11 / 4 = 2.75 on 1..5 -> "moderate" ...
    assert safeguarding.score == 2.8
    # ... capped at "significant" because a key item is at level 1, and a capacity priority
    assert safeguarding.band == "significant" and safeguarding.capped
    assert safeguarding.standing == "priority"


def test_failed_gate_is_reported_apart_and_never_averaged_in(probe):
    library, questionnaire = probe
    passed = score_assessment(questionnaire, answers(**BASE), domains=library.domains.values())
    failed = score_assessment(questionnaire, answers(**{**BASE, "g1": "no"}), domains=library.domains.values())
    assert [gate.passed for gate in failed.flagged_gates] == [False]
    assert [gate.passed for gate in passed.gates] == [True] and passed.flagged_gates == ()
    # the gate g1 carries scores (yes 4, no 1): averaged in, governance would be (10 + 4) / 5 = 2.8 when it
    # passed and (10 + 1) / 5 = 2.2 when it failed; left out it is 10 / 4 = 2.5 either way
    for card in (passed, failed):
        governance = card.domain("governance")
        assert (governance.points, governance.weight_sum, governance.score) == (10, 4, 2.5)
        assert governance.band == "significant"  # HACT over g2, g3, g4 only: 10 / 3 on 1..5.33
    assert {item.question_id: item.status for item in passed.items}["g1"] == "gate"
    # s3 is only asked when g1 is yes: hidden, it leaves the safeguarding score (8 / 2 = 4.0)
    assert {item.question_id: item.status for item in failed.items}["s3"] == "hidden"
    assert failed.domain("safeguarding").weight_sum == 2


def test_not_yet_known_lowers_confidence_not_the_score(probe):
    library, questionnaire = probe
    card = score_assessment(
        questionnaire, answers(**{**BASE, "g4": AnswerInput("u", evidence_level=1)}), domains=library.domains.values()
    )
    governance = card.domain("governance")
    # g4 unknown: (6 + 2) / 3 = 2.667, completeness 3 of 4, and no evidenced scored item left
    assert governance.score == pytest.approx(8 / 3) and governance.completeness == 0.75
    assert governance.confidence == 0.0


def test_not_applicable_leaves_numerator_and_denominator(probe):
    library, questionnaire = probe
    with_na = score_assessment(
        questionnaire,
        answers(**{**BASE, "g4": AnswerInput(None, not_applicable=True)}),
        domains=library.domains.values(),
    )
    assert with_na.domain("governance").score == pytest.approx(8 / 3)
    assert with_na.domain("governance").completeness == 1.0


def test_stage_adjusted_target_for_young_or_small_organisations(probe):
    library, questionnaire = probe
    small = score_assessment(
        questionnaire,
        answers(**BASE),
        domains=library.domains.values(),
        stage=Stage(staff_size=6, founded_year=2015, year=2026),
    )
    young = score_assessment(
        questionnaire,
        answers(**BASE),
        domains=library.domains.values(),
        stage=Stage(staff_size=80, founded_year=2024, year=2026),
    )
    mature = score_assessment(
        questionnaire,
        answers(**BASE),
        domains=library.domains.values(),
        stage=Stage(staff_size=80, founded_year=1990, year=2026),
    )
    assert small.domain("governance").standing == young.domain("governance").standing == "sufficient_for_stage"
    assert mature.domain("governance").standing == "developing"


def test_strength_needs_every_key_item_above_2(probe):
    library, questionnaire = probe
    card = score_assessment(
        questionnaire, answers(g1="yes", s1=2, s3="yes", s4=4, s5=4), domains=library.domains.values()
    )
    # (2x2 + 4 + 4 + 4) / 5 = 3.2 >= 3.0, but the key item is at 2: adequate, not a strength
    assert card.domain("safeguarding").score == 3.2
    assert card.domain("safeguarding").standing == "adequate"


def test_multi_choice_scores_its_highest_selection(shipped_library):
    from ddq.core.scoring import answer_score

    question = shipped_library.questionnaire("partner-feedback").question("funds_on_time")
    assert answer_score(question, ["disagree", "agree"]) == 3


@pytest.mark.parametrize(
    ("scores", "keys", "band"),
    [
        ([4, 4, 4], 0, "low"),  # points 3 / 3 = 1 -> first band of 1..4
        ([1, 1, 1], 0, "high"),  # risk 4 each: 12 / 3 = 4 -> top
        ([2, 2], 0, "significant"),  # 6 / 2 = 3 on 1..4: (3 - 1) / 0.75 = 2.67 -> third band
        ([3, 3], 0, "moderate"),  # 4 / 2 = 2: (2 - 1) / 0.75 = 1.33 -> second band
        ([1, 4], 1, "significant"),  # key at risk 4: 8 + 1 = 9 / 2 = 4.5 on 1..6: 3.5 / 1.25 = 2.8
        # a key item at risk 1 earns 1 point, not 2 x 1: 1 + 3 = 4 / 2 = 2 on 1..6: 1 / 1.25 = 0.8 -> low
        # (2 points would give 2.5: 1.2 -> moderate)
        ([4, 2], 1, "low"),
    ],
)
def test_hact_banding(scores, keys, band):
    from ddq.core.scoring import ItemScore

    items = [
        ItemScore(f"q{i}", "d", "scored", 2.0 if i < keys else 1.0, i < keys, float(score))
        for i, score in enumerate(scores)
    ]
    assert hact_band(items) == band


def test_suggested_actions_name_the_next_level(probe):
    library, questionnaire = probe
    card = score_assessment(questionnaire, answers(**{**BASE, "g1": "no", "g2": 1}), domains=library.domains.values())
    actions = suggest_actions(questionnaire, card)
    assert [(a.question_id, a.priority) for a in actions[:2]] == [("g1", "high"), ("g2", "high")]
    g2 = next(a for a in actions if a.question_id == "g2")
    assert g2.current == 1 and g2.target.get() == "some"
    g3 = next(a for a in actions if a.question_id == "g3")
    assert g3.priority == "medium" and g3.target.get() == "written"
    assert all(a.question_id.startswith("g") for a in actions)  # safeguarding is a strength


# --- properties -----------------------------------------------------------------------------------

EVERYTHING = Scope(tier="enhanced", partner_roles=frozenset(PARTNER_ROLES))


def _value_strategy(question):
    if question.type == "maturity":
        return st.integers(1, 4)
    if question.choices:
        return st.sampled_from([choice.value for choice in question.choices])
    return st.just("text")


@st.composite
def answer_sets(draw, questionnaire):
    result = {}
    for _, question in questionnaire.applicable(EVERYTHING):
        kind = draw(st.sampled_from(["value", "value", "none", "na"] if question.allow_na else ["value", "none"]))
        if kind == "value":
            result[question.id] = AnswerInput(draw(_value_strategy(question)), evidence_level=draw(st.integers(0, 3)))
        elif kind == "na":
            result[question.id] = AnswerInput(None, not_applicable=True)
    return result


def _scores(card):
    return {domain.domain: domain.score for domain in card.domains}, card.overall


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(data=st.data())
def test_an_na_answer_leaves_numerator_and_denominator(shipped_library, data):
    """Turning a scored answer into N/A removes exactly its weight and points from its domain, whatever N/A would
    otherwise score; the domain's other figures keep their meaning."""
    questionnaire = shipped_library.questionnaire("partner-capacity")
    given_answers = data.draw(answer_sets(questionnaire))
    before = score_assessment(questionnaire, given_answers, scope=EVERYTHING)
    # a question that no show_if reads, so that N/A changes no other question's skip logic
    read_by_conditions = {name for q in questionnaire.questions if q.show_if for name in q.show_if.names()}
    scored = [item for item in before.items if item.status == "scored" and item.question_id not in read_by_conditions]
    assume(scored)
    target = data.draw(st.sampled_from(scored))
    after = score_assessment(
        questionnaire, {**given_answers, target.question_id: AnswerInput(None, not_applicable=True)}, scope=EVERYTHING
    )
    assert {item.question_id: item.status for item in after.items}[target.question_id] == "not_applicable"
    was, now = before.domain(target.domain), after.domain(target.domain)
    assert now.weight_sum == pytest.approx(was.weight_sum - target.weight)
    assert now.points == pytest.approx(was.points - target.points)
    assert now.scored_items == was.scored_items - 1
    if now.weight_sum:
        assert now.score == pytest.approx((was.points - target.points) / (was.weight_sum - target.weight))
    else:
        assert now.score is None and now.standing == "not_assessed"
    # every other domain is untouched
    assert [d for d in after.domains if d.domain != target.domain] == [
        d for d in before.domains if d.domain != target.domain
    ]


@PROPERTY
@given(data=st.data())
def test_raising_one_answer_never_lowers_its_domain(shipped_library, data):
    from ddq.core.scoring import BANDS

    questionnaire = shipped_library.questionnaire("partner-capacity")
    given_answers = data.draw(answer_sets(questionnaire))
    raisable = [
        qid
        for qid, answer in given_answers.items()
        if questionnaire.question(qid).type == "maturity" and isinstance(answer.value, int) and answer.value < 4
    ]
    if not raisable:
        return
    target = data.draw(st.sampled_from(raisable))
    domain = questionnaire.question(target).domain
    raised = {
        **given_answers,
        target: dataclasses.replace(given_answers[target], value=given_answers[target].value + 1),
    }
    before = score_assessment(questionnaire, given_answers, scope=EVERYTHING).domain(domain)
    after = score_assessment(questionnaire, raised, scope=EVERYTHING).domain(domain)
    if before.score is None:  # the raised question is hidden by skip logic: nothing to compare
        assert after.score is None
        return
    assert after.score >= before.score
    assert BANDS.index(after.band) <= BANDS.index(before.band)


@PROPERTY
@given(data=st.data())
def test_same_answers_same_scorecard_in_either_direction(shipped_library, data):
    capacity = shipped_library.questionnaire("partner-capacity")
    disclosure = shipped_library.questionnaire("host-disclosure")
    given_answers = data.draw(answer_sets(capacity))
    as_partner = score_assessment(capacity, given_answers, scope=EVERYTHING, domains=shipped_library.domains.values())
    as_host = score_assessment(disclosure, given_answers, domains=shipped_library.domains.values())
    flipped = score_assessment(
        dataclasses.replace(capacity, direction="host_disclosure"),
        given_answers,
        scope=EVERYTHING,
        domains=shipped_library.domains.values(),
    )
    assert flipped == as_partner
    for domain in as_host.domains:
        assert as_partner.domain(domain.domain) == domain


def test_hact_points_use_each_items_weight():
    from ddq.core.scoring import ItemScore

    # weights 3 and 1, scores 1 and 4 -> risks 4 and 1: points 3 x 4 + 1 = 13, / 2 items = 6.5;
    # the scale runs from 1 to 4 x (3 + 1) / 2 = 8 in bands 1.75 wide: (6.5 - 1) / 1.75 = 3.14 -> "high".
    # Weighing every item that is not key as 1 would give (4 + 1) / 2 = 2.5 on 1..4: 2.0 -> "significant".
    items = [ItemScore("a", "d", "scored", 3.0, False, 1.0), ItemScore("b", "d", "scored", 1.0, False, 4.0)]
    assert hact_band(items) == "high"


def _domain(domain, band, lowest_key=None):
    from ddq.core.scoring import DomainScore

    return DomainScore(domain, 3.0, 1, 3, 1, 0, band, False, 0, 0, "adequate", lowest_key)


@pytest.mark.parametrize(
    ("bands", "weights", "lowest_keys", "expected"),
    [
        # mean of band positions 0 and 3 = 1.5 -> rounds half up to 2 -> significant
        (["low", "high"], {"a": 1, "b": 1}, {}, "significant"),
        # the profile weighs "a" three times: (3 x 0 + 1 x 3) / 4 = 0.75 -> 1 -> moderate
        (["low", "high"], {"a": 3, "b": 1}, {}, "moderate"),
        # a profile weight of 0 leaves the domain out: only "low" counts
        (["low", "high"], {"a": 1, "b": 0}, {}, "low"),
        # both domains "low", but a key item at level 1 somewhere caps the overall at significant
        (["low", "low"], {"a": 1, "b": 1}, {"b": 1.0}, "significant"),
        # a key item at 2 does not cap
        (["low", "low"], {"a": 1, "b": 1}, {"b": 2.0}, "low"),
        # a domain the weights do not name weighs 1: (2 x 1 + 1 x 3) / 3 = 1.67 -> significant
        (["moderate", "high"], {"a": 2}, {}, "significant"),
        # every domain weighed 0: no overall band
        (["low", "high"], {"a": 0, "b": 0}, {}, None),
    ],
)
def test_overall_band_follows_the_profile_and_the_cap(bands, weights, lowest_keys, expected):
    from ddq.core.scoring import overall_band

    domains = [_domain(name, band, lowest_keys.get(name)) for name, band in zip("ab", bands, strict=True)]
    assert overall_band(domains, weights) == expected


def test_confidence_counts_gates_and_document_requests(probe):
    """Staff checked the gate's policy (E2): it counts, where it used to be ignored."""
    library, questionnaire = probe
    checked_gate = {**BASE, "g1": AnswerInput("yes", evidence_level=2)}
    card = score_assessment(questionnaire, answers(**checked_gate), domains=library.domains.values())
    # governance needs evidence on g1 (gate, 1), g2 (key, 2), g3 (1), g4 (1): g1 and g4 at E1+ -> 2 / 5
    assert card.domain("governance").confidence == pytest.approx(2 / 5)
    # overall: governance 5 + safeguarding s1 (2), s3 (1), s4 (1), s5 (1) = 10; s2 is N/A and leaves -> 2 / 10
    assert card.confidence == pytest.approx(2 / 10)
    # a gate hidden by skip logic or answered N/A does not count
    hidden = {**checked_gate, "g1": AnswerInput(None, not_applicable=True)}
    card = score_assessment(questionnaire, answers(**hidden), domains=library.domains.values())
    assert card.domain("governance").confidence == pytest.approx(1 / 4)


# --- what the figures carry beyond the score (each assertion kills a mutant `make mutation` found alive) ----------

DOCS = """\
id: docs
version: "1"
direction: partner_self
title: Documents and gates
purpose: Confidence and gate results.
visible_to: The test.
sections:
  - id: governance
    title: Governance
    questions:
      - {id: d1, type: short_text, domain: governance, text: Registration number?, evidence: The certificate.}
      - {id: d2, type: maturity, domain: governance, text: Board?, anchors: [none, some, written, reviewed]}
      - {id: d3, type: yes_no, domain: governance, text: Registered?, gate: true}
      - {id: d4, type: short_text, domain: governance, text: Anything else?}
      - {id: d5, type: maturity, domain: governance, text: Audit?, allow_na: true, anchors: [a, b, c, d]}
  - id: people
    title: People
    questions:
      - {id: p1, type: yes_no, domain: people, text: Contracts for all?, gate: true, allow_unknown: true}
      - {id: p2, type: short_text, domain: people, text: Head count?}
"""


@pytest.fixture
def docs(library_copy):
    (library_copy / "docs.yaml").write_text(DOCS, encoding="utf-8")
    library = load_library(library_copy)
    return library, library.questionnaire("docs")


def test_confidence_counts_an_unscored_document_request_not_an_unanswered_gate(docs):
    library, questionnaire = docs
    given = answers(d1=AnswerInput("RC-1", evidence_level=2), d2=3, d5=AnswerInput(None, True, evidence_level=2))
    card = score_assessment(questionnaire, given, domains=library.domains.values())
    assert card.questionnaire_id == "docs"
    # needing evidence: d1 (a document is asked, E2), d2 (scored, E0), d3 (a gate, not answered): 1 of 3;
    # d4 asks no document and d5 is N/A: neither counts
    assert card.domain("governance").confidence == pytest.approx(1 / 3)
    items = {item.question_id: item for item in card.items}
    assert (items["d1"].status, items["d1"].evidence_level) == ("not_scored", 2)
    assert (items["d3"].status, items["d3"].evidence_level) == ("gate", 0)
    assert (items["d5"].status, items["d5"].evidence_level) == ("not_applicable", 2)
    # a domain of gates and unscored questions only has no domain score at all; its gate is still reported
    assert [domain.domain for domain in card.domains] == ["governance"]
    assert card.domain("governance").key_items == 0 and card.domain("governance").scored_items == 1


def test_gate_results_carry_question_domain_and_answer(docs):
    library, questionnaire = docs
    given = answers(d3="no", p1="unknown", d5=AnswerInput(None, True, evidence_level=1))
    card = score_assessment(questionnaire, given, domains=library.domains.values())
    assert [(g.question_id, g.domain, g.passed, g.value) for g in card.gates] == [
        ("d3", "governance", False, "no"),
        ("p1", "people", None, "unknown"),  # "not yet known" neither passes nor flags
    ]
    blank = score_assessment(questionnaire, answers(d3="", p1="yes"), domains=library.domains.values())
    assert [(g.question_id, g.domain, g.passed, g.value) for g in blank.gates] == [
        ("d3", "governance", None, None),
        ("p1", "people", True, "yes"),
    ]
    assert {item.question_id: item.status for item in card.items}["p1"] == "gate"
    # the unknown evidence level of an item without an answer is E0
    assert {item.question_id: item.evidence_level for item in blank.items}["d2"] == 0


def test_a_key_item_at_1_caps_even_a_low_band():
    from ddq.core.scoring import ItemScore, domain_score

    # a key item at 1 beside eight items at 4: HACT (2 x 4 + 8) / 9 = 1.78 on 1..4.44 (width 0.86) -> low;
    # the score is (2 + 32) / 10 = 3.4, yet the band is capped at significant and the domain is a priority
    ones = [ItemScore(f"q{i}", "d", "scored", 1.0, False, 4.0) for i in range(8)]
    items = (ItemScore("k", "d", "scored", 2.0, True, 1.0), *ones)
    assert hact_band(items) == "low"
    domain = domain_score("d", items, early_stage=False)
    assert (domain.score, domain.band, domain.capped, domain.standing) == (3.4, "significant", True, "priority")
    assert (domain.key_items, domain.lowest_key_score) == (1, 1.0)


def test_adequate_from_3_exactly_with_a_key_item_at_2(probe):
    library, questionnaire = probe
    card = score_assessment(questionnaire, answers(g1="yes", s1=2, s3="yes", s4=4), domains=library.domains.values())
    # (2 x 2 + 4 + 4) / 4 = 3.0: not below the strength line, but the key item is at 2 -> adequate
    assert card.domain("safeguarding").score == 3.0
    assert card.domain("safeguarding").standing == "adequate"
