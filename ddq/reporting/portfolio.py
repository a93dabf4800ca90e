"""Portfolio scoring: every assessment at once, vectorised with numpy, giving exactly the numbers of
`ddq.core.scoring.score_assessment` (the test suite checks them side by side).

Input is columnar, as a database query returns it:
- `assessments`: assessment_id, questionnaire (id), scope (a key into `scopes`), early (bool), profile (a key
  into `profiles`);
- `answers`: assessment_id, question_id, value, not_applicable, evidence_level.
Item statuses follow the core: gate, not_scored, hidden, not_applicable, unanswered, unknown, scored.

How it stays exact and fast:
- every item of every assessment is a position in flat arrays (assessment by assessment, each in its questionnaire's
  order for its scope), and answers find their item by integer codes, without merges;
- the core reads an answer through its question type (`answer_score`) and skip logic through the condition's own
  evaluator: both are called once per distinct (question, value) and (condition, values read), never per item.
  Values are told apart by type as well as equality (3, 3.0, True and "3" are read differently by the core);
- sums per domain are `np.bincount` over items in the core's order, which adds one item after another exactly as
  the core's `sum` does; the overall figure and band use one `math.fsum` per assessment, as the core does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

import numpy as np
import pandas as pd

from ..core.definitions import Question, Questionnaire, Scope
from ..core.questions import SCORE_MAX, SCORE_MIN
from ..core.scoring import BANDS, PRIORITY_BELOW, STRENGTH_FROM, SUFFICIENT_FOR_STAGE_FROM, answer_score

STATUSES = ("gate", "not_scored", "hidden", "not_applicable", "unanswered", "unknown", "scored")
GATE, NOT_SCORED, HIDDEN, NOT_APPLICABLE, UNANSWERED, UNKNOWN, SCORED = range(len(STATUSES))
STANDINGS = ("not_assessed", "priority", "strength", "adequate", "sufficient_for_stage", "developing")
_NO_BAND = len(BANDS)
_BAND_NAMES = np.array([*BANDS, None], dtype=object)


def _first_positions(codes: np.ndarray) -> np.ndarray:
    """Where each code first occurs, for codes numbered in order of first appearance (as `pd.factorize` gives)."""
    if not len(codes):
        return np.zeros(0, dtype=np.int64)
    seen = np.maximum.accumulate(codes)
    return np.flatnonzero(np.r_[True, seen[1:] > seen[:-1]])


def _frozen(value: Any) -> Any:
    """A hashable key for a list or tuple answer that keeps its items' types apart; the value itself when it holds
    something unhashable (that answer then gets a code of its own)."""
    try:
        return type(value), tuple((type(item), item) for item in value)
    except TypeError:
        return value


def _value_codes(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """A code for each value, and one value of each code: equal codes are values the core reads alike, because they
    are equal and of one type (floats by their bits), so that each code is scored and compared once."""
    codes = np.empty(len(values), dtype=np.int64)
    representatives: list[Any] = []
    kinds, types = pd.factorize(np.fromiter(map(type, values), dtype=object, count=len(values)))
    for kind, of_type in enumerate(types):
        rows = np.flatnonzero(kinds == kind)
        subset = values[rows]
        if of_type is float:
            local, _ = pd.factorize(subset.astype(float).view(np.int64))
        elif of_type.__hash__ is None or of_type in (list, tuple):
            keys: dict[Any, int] = {}
            local = np.empty(len(subset), dtype=np.int64)
            for position, value in enumerate(subset):
                try:
                    local[position] = keys.setdefault(_frozen(value), len(keys))
                except TypeError:  # unhashable items: a code of its own
                    local[position] = len(keys)
                    keys[object()] = len(keys)
        else:
            local, _ = pd.factorize(subset, use_na_sentinel=False)
        codes[rows] = local + len(representatives)
        representatives.extend(subset[_first_positions(local)].tolist())
    return codes, representatives


@dataclass(frozen=True)
class _Catalogue:
    """The applicable questions of each (questionnaire, scope) pair in use, one after another."""

    questions: list[Question]  # position -> question
    starts: np.ndarray  # pair -> first position
    lengths: np.ndarray  # pair -> number of questions
    domains: list[str]  # domain code -> domain id
    domain: np.ndarray  # position -> domain code, -1 without a domain
    weight: np.ndarray
    key: np.ndarray
    gate: np.ndarray
    scored: np.ndarray
    asks_document: np.ndarray
    where: np.ndarray  # (pair, question id code) -> position, -1 when the question does not apply


def _catalogue(
    pairs: list[tuple[str, str]],
    questionnaires: Mapping[str, Questionnaire],
    scopes: Mapping[str, Scope],
    ids: dict[str, int],
) -> _Catalogue:
    questions: list[Question] = []
    starts, lengths = [], []
    where = np.full((len(pairs), len(ids)), -1, dtype=np.int64)
    for pair, (questionnaire_id, scope_key) in enumerate(pairs):
        starts.append(len(questions))
        applicable = [question for _, question in questionnaires[questionnaire_id].applicable(scopes[scope_key])]
        lengths.append(len(applicable))
        for order, question in enumerate(applicable):
            where[pair, ids[question.id]] = starts[-1] + order
        questions.extend(applicable)
    domains = list(dict.fromkeys(question.domain for question in questions if question.domain is not None))
    domain_code = {domain: code for code, domain in enumerate(domains)}

    def column(read: Any, dtype: Any) -> np.ndarray:
        return np.fromiter(map(read, questions), dtype=dtype, count=len(questions))

    return _Catalogue(
        questions=questions,
        starts=np.array(starts, dtype=np.int64),
        lengths=np.array(lengths, dtype=np.int64),
        domains=domains,
        domain=column(lambda question: domain_code.get(question.domain, -1), np.int64),
        weight=column(attrgetter("weight"), float),
        key=column(attrgetter("key"), bool),
        gate=column(attrgetter("gate"), bool),
        scored=column(attrgetter("scored"), bool),
        asks_document=column(attrgetter("asks_document"), bool),
        where=where,
    )


@dataclass(frozen=True)
class _Items:
    """Every applicable item of every assessment, as parallel arrays (see `score_items` for their meaning)."""

    assessment: np.ndarray  # item -> assessment position
    position: np.ndarray  # item -> catalogue position
    status: np.ndarray  # item -> index into STATUSES
    score: np.ndarray  # NaN unless scored
    evidence_level: np.ndarray
    needs_evidence: np.ndarray
    catalogue: _Catalogue


def _items(
    assessments: pd.DataFrame,
    answers: pd.DataFrame,
    questionnaires: Mapping[str, Questionnaire],
    scopes: Mapping[str, Scope],
) -> _Items:
    # the (questionnaire, scope) pair of each assessment
    questionnaire_of, questionnaire_ids = pd.factorize(assessments["questionnaire"])
    scope_of, scope_keys = pd.factorize(assessments["scope"])
    pair_of, pair_keys = pd.factorize(questionnaire_of.astype(np.int64) * len(scope_keys) + scope_of)
    pairs = [(questionnaire_ids[key // len(scope_keys)], scope_keys[key % len(scope_keys)]) for key in pair_keys]
    used = {questionnaire_id for questionnaire_id, _ in pairs}
    conditions = {
        (questionnaire_id, question.id): question.show_if
        for questionnaire_id in used
        for question in questionnaires[questionnaire_id].questions
        if question.show_if is not None
    }
    read_by_conditions = sorted({name for condition in conditions.values() for name in condition.names()})
    known_ids = [question.id for questionnaire_id in used for question in questionnaires[questionnaire_id].questions]
    ids = {question_id: code for code, question_id in enumerate(dict.fromkeys([*known_ids, *read_by_conditions]))}
    catalogue = _catalogue(pairs, questionnaires, scopes, ids)

    # items: each assessment's block of its pair's questions, in order
    lengths = catalogue.lengths[pair_of]
    item_start = np.r_[0, np.cumsum(lengths)[:-1]].astype(np.int64)
    total = int(lengths.sum())
    assessment = np.repeat(np.arange(len(assessments), dtype=np.int64), lengths)
    position = np.repeat(catalogue.starts[pair_of] - item_start, lengths) + np.arange(total, dtype=np.int64)

    # answers: their assessment, question, value code; then the item each one answers
    answer_assessment = pd.Index(assessments["assessment_id"]).get_indexer(answers["assessment_id"])
    answer_question = pd.Index(list(ids)).get_indexer(answers["question_id"])
    codes, representatives = _value_codes(answers["value"].to_numpy(dtype=object))
    not_applicable = answers["not_applicable"].fillna(False).to_numpy(dtype=bool)
    levels = answers["evidence_level"].fillna(0).to_numpy(dtype=np.int64)
    known = (answer_assessment >= 0) & (answer_question >= 0)
    rows = np.flatnonzero(known)
    where = catalogue.where[pair_of[answer_assessment[rows]], answer_question[rows]]
    applies_to_scope = where >= 0
    rows = rows[applies_to_scope]
    owner = answer_assessment[rows]
    answer_of = np.full(total, -1, dtype=np.int64)
    answer_of[item_start[owner] + where[applies_to_scope] - catalogue.starts[pair_of[owner]]] = rows
    answered = answer_of >= 0
    answer = np.where(answered, answer_of, len(answers))  # one past the answers: nothing given
    item_na = np.r_[not_applicable, False][answer]
    item_level = np.r_[levels, 0][answer]
    item_code = np.r_[codes, -1][answer]

    shown = _shown(
        conditions,
        catalogue,
        item_start,
        total,
        pairs,
        pair_of,
        (answer_assessment, answer_question, codes, not_applicable, representatives),
        {name: ids[name] for name in read_by_conditions},
    )

    gate, scored_question = catalogue.gate[position], catalogue.scored[position]
    empty_code = np.fromiter(
        (value in (None, "", []) for value in [*representatives, None]), dtype=bool, count=len(representatives) + 1
    )
    empty = empty_code[item_code]  # code -1: no answer, read as None
    candidate = np.flatnonzero(~gate & scored_question & shown & ~item_na & ~empty)
    score = np.full(total, np.nan)
    if len(candidate):
        pair_keys = position[candidate] * len(representatives) + item_code[candidate]
        inverse, distinct = pd.factorize(pair_keys)
        scores = [
            answer_score(catalogue.questions[key // len(representatives)], representatives[key % len(representatives)])
            for key in distinct.tolist()
        ]
        score[candidate] = np.array([np.nan if value is None else value for value in scores], dtype=float)[inverse]
    status = np.select(
        [gate, ~scored_question, ~shown, item_na, empty, np.isnan(score)],
        [GATE, NOT_SCORED, HIDDEN, NOT_APPLICABLE, UNANSWERED, UNKNOWN],
        default=SCORED,
    ).astype(np.int8)
    applies = shown & ~item_na
    needs_evidence = np.select(
        [status >= UNANSWERED, status == GATE, status == NOT_SCORED],
        [True, applies, applies & catalogue.asks_document[position]],
        default=False,
    ).astype(bool)  # as ItemScore.needs_evidence: scored items, gates and document requests count for confidence
    item_level = np.where((status == HIDDEN) | (status == UNANSWERED), 0, item_level)  # as the core keeps them
    return _Items(assessment, position, status, score, item_level, needs_evidence, catalogue)


def _shown(
    conditions: Mapping[tuple[str, str], Any],
    catalogue: _Catalogue,
    item_start: np.ndarray,
    total: int,
    pairs: list[tuple[str, str]],
    pair_of: np.ndarray,
    coded_answers: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[Any]],
    name_ids: Mapping[str, int],
) -> np.ndarray:
    """Skip logic for every item: each condition is evaluated by the core once per combination of the values it
    reads (answers marked N/A are not given, as in `given_values`)."""
    shown = np.ones(total, dtype=bool)
    conditional = []  # (pair, the question's place in the pair's block, its condition)
    for pair, (questionnaire_id, _) in enumerate(pairs):
        start, length = catalogue.starts[pair], catalogue.lengths[pair]
        for offset, question in enumerate(catalogue.questions[start : start + length]):
            condition = conditions.get((questionnaire_id, question.id))
            if condition is not None:
                conditional.append((pair, offset, condition))
    if not conditional:
        return shown
    answer_assessment, answer_question, codes, not_applicable, representatives = coded_answers
    names = list(name_ids)
    column_of = np.full(max(name_ids.values()) + 1, -1, dtype=np.int64)
    column_of[list(name_ids.values())] = np.arange(len(names))
    given = np.full((len(pair_of), len(names)), -1, dtype=np.int64)  # value code read by each name, -1 none
    read = (answer_assessment >= 0) & (answer_question >= 0) & ~not_applicable
    read[read] = answer_question[read] < len(column_of)
    read[read] = column_of[answer_question[read]] >= 0
    given[answer_assessment[read], column_of[answer_question[read]]] = codes[read]
    members = {pair: np.flatnonzero(pair_of == pair) for pair in {pair for pair, _, _ in conditional}}
    for pair, offset, condition in conditional:
        owners = members[pair]
        items = item_start[owners] + offset
        read_names = sorted(condition.names())
        combinations = given[owners][:, [names.index(name) for name in read_names]]
        if combinations.shape[1] == 1:  # one question read, as most conditions: a plain unique is much faster
            distinct, inverse = np.unique(combinations[:, 0], return_inverse=True)
            distinct = distinct.reshape(-1, 1)
        else:
            distinct, inverse = np.unique(combinations, axis=0, return_inverse=True)
        results = np.array(
            [
                bool(
                    condition.evaluate(
                        {name: representatives[code] for name, code in zip(read_names, row, strict=True) if code >= 0}
                    )
                )
                for row in distinct.tolist()
            ],
            dtype=bool,
        )
        shown[items] = results[inverse.reshape(-1)]
    return shown


def score_items(
    assessments: pd.DataFrame,
    answers: pd.DataFrame,
    questionnaires: Mapping[str, Questionnaire],
    scopes: Mapping[str, Scope],
) -> pd.DataFrame:
    """Every applicable item of every assessment, in the core's order: status, score, evidence level and whether it
    counts for confidence, as `ddq.core.scoring.item_score` gives them."""
    items = _items(assessments, answers, questionnaires, scopes)
    catalogue = items.catalogue
    domains = np.array([*catalogue.domains, None], dtype=object)
    return pd.DataFrame(
        {
            "assessment_id": assessments["assessment_id"].to_numpy()[items.assessment],
            "question_id": [catalogue.questions[position].id for position in items.position.tolist()],
            "domain": domains[catalogue.domain[items.position]],
            "weight": catalogue.weight[items.position],
            "key": catalogue.key[items.position],
            "status": np.array(STATUSES, dtype=object)[items.status],
            "score": items.score,
            "evidence_level": items.evidence_level,
            "needs_evidence": items.needs_evidence,
        }
    )


def _sum_by(groups: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """The sum of each group's values, added one after another in the items' order, as the core's `sum` adds them."""
    return np.bincount(groups, weights=values, minlength=size)


def _fsum_rows(values: np.ndarray) -> np.ndarray:
    """`math.fsum` of each row: correctly rounded, as the core sums the overall figure and band. When every value is
    a multiple of 2**-10 (whole weights, halves, quarters...) and the sums stay below 2**43, every partial sum is exact
    and numpy's own sum is the very same number."""
    scaled = values * 1024.0  # exact: a power of two
    if np.all(np.floor(scaled) == scaled) and np.abs(scaled).sum() < 2.0**53:
        return values.sum(axis=1)
    return np.fromiter(map(math.fsum, values.tolist()), dtype=float, count=len(values))


def _profile_weights(
    assessments: pd.DataFrame, profiles: Mapping[str, Mapping[str, float]] | None, domains: list[str]
) -> np.ndarray:
    """The profile's weight of each domain for each assessment (1.0 when the profile does not weigh it)."""
    if "profile" not in assessments or not profiles:
        return np.ones((len(assessments), len(domains)))
    keys, distinct = pd.factorize(assessments["profile"], use_na_sentinel=False)
    table = np.array(
        [[float((profiles.get(key) or {}).get(domain, 1.0)) for domain in domains] for key in distinct.tolist()],
        dtype=float,
    ).reshape(len(distinct), len(domains))
    return table[keys]


def score_portfolio(
    assessments: pd.DataFrame,
    answers: pd.DataFrame,
    questionnaires: Mapping[str, Questionnaire],
    scopes: Mapping[str, Scope],
    profiles: Mapping[str, Mapping[str, float]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Domain scores (one row per assessment and domain) and overall figures (one row per assessment)."""
    items = _items(assessments, answers, questionnaires, scopes)
    catalogue = items.catalogue
    count, width = len(assessments), len(catalogue.domains)
    size = count * width
    weight, domain, status = catalogue.weight[items.position], catalogue.domain[items.position], items.status

    # confidence counts every item, gates and unscored items included, overall and by domain
    needing = np.where(items.needs_evidence, weight, 0.0)
    answer_given = (status != UNKNOWN) & (status != UNANSWERED)  # a "not yet known" answer has nothing to evidence
    evidenced = np.where(items.needs_evidence & (items.evidence_level >= 1) & answer_given, weight, 0.0)
    overall_confidence = _ratio(_sum_by(items.assessment, evidenced, count), _sum_by(items.assessment, needing, count))
    in_domain = domain >= 0
    groups = items.assessment[in_domain] * width + domain[in_domain]
    domain_confidence = _ratio(_sum_by(groups, evidenced[in_domain], size), _sum_by(groups, needing[in_domain], size))

    # the domain figures: items other than gates and unscored questions
    counted = in_domain & (status != GATE) & (status != NOT_SCORED)
    present = np.bincount(items.assessment[counted] * width + domain[counted], minlength=size) > 0
    scored = np.flatnonzero(in_domain & (status == SCORED))
    group, scored_weight, score = items.assessment[scored] * width + domain[scored], weight[scored], items.score[scored]
    risk = (SCORE_MAX + SCORE_MIN) - np.where(score == 0, SCORE_MIN, score)
    points = _sum_by(group, scored_weight * score, size)
    weight_sum = _sum_by(group, scored_weight, size)
    hact_points = _sum_by(group, np.where(risk == 1, 1.0, scored_weight * risk), size)
    scored_items = np.bincount(group, minlength=size)
    is_key = catalogue.key[items.position[scored]]
    key_items = np.bincount(group[is_key], minlength=size)
    lowest_key = np.full(size, np.inf)
    np.minimum.at(lowest_key, group[is_key], score[is_key])
    lowest_key[key_items == 0] = np.nan
    considered_items = in_domain & (status >= UNANSWERED)
    considered = _sum_by(
        items.assessment[considered_items] * width + domain[considered_items], weight[considered_items], size
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        domain_score = np.where(weight_sum != 0, points / weight_sum, np.nan)
        completeness = np.where(considered != 0, weight_sum / considered, 0.0)
        band = _hact_band(hact_points, scored_items, weight_sum)
    capped = (lowest_key == SCORE_MIN) & (band <= BANDS.index("moderate"))
    band = np.where(capped, BANDS.index("significant"), band)
    early = np.repeat(assessments["early"].fillna(False).to_numpy(dtype=bool), width)
    standing = np.select(
        [
            np.isnan(domain_score),
            (domain_score < PRIORITY_BELOW) | (lowest_key == SCORE_MIN),
            (domain_score >= STRENGTH_FROM) & (np.isnan(lowest_key) | (lowest_key > 2)),
            domain_score >= STRENGTH_FROM,
            early & (domain_score >= SUFFICIENT_FOR_STAGE_FROM),
        ],
        list(range(5)),
        default=5,
    )

    # the overall figure and band, weighted by each assessment's profile
    profile_weight = _profile_weights(assessments, profiles, catalogue.domains).reshape(size)
    assessed = present & ~np.isnan(domain_score)
    total = _fsum_rows(np.where(assessed, profile_weight, 0.0).reshape(count, width))
    weighted = _fsum_rows(np.where(assessed, profile_weight * np.nan_to_num(domain_score), 0.0).reshape(count, width))
    with np.errstate(divide="ignore", invalid="ignore"):
        overall = np.where(total != 0, weighted / total, np.nan)
    banded = (present & (band < _NO_BAND) & (profile_weight > 0)).reshape(count, width)
    band_total = _fsum_rows(np.where(banded, profile_weight.reshape(count, width), 0.0))
    band_weighted = _fsum_rows(np.where(banded, (profile_weight * band).reshape(count, width), 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        band_index = np.minimum(len(BANDS) - 1, np.floor(band_weighted / band_total + 0.5 + 1e-9))
    key_at_one = (banded & (lowest_key == SCORE_MIN).reshape(count, width)).any(axis=1)
    band_index = np.where(key_at_one, np.maximum(band_index, BANDS.index("significant")), band_index)
    band_index = np.where(banded.any(axis=1), band_index, _NO_BAND).astype(np.int64)

    rows = np.flatnonzero(present)
    ids = assessments["assessment_id"].to_numpy()
    domains = pd.DataFrame(
        {
            "assessment_id": ids[rows // width],
            "domain": np.array(catalogue.domains, dtype=object)[rows % width],
            "score": domain_score[rows],
            "weight_sum": weight_sum[rows],
            "points": points[rows],
            "scored_items": scored_items[rows],
            "key_items": key_items[rows],
            "band": pd.Series(_BAND_NAMES[band[rows]], dtype=object),  # None stays None
            "capped": capped[rows],
            "confidence": domain_confidence[rows],
            "completeness": completeness[rows],
            "standing": np.array(STANDINGS, dtype=object)[standing[rows]],
            "lowest_key_score": lowest_key[rows],
            "profile_weight": profile_weight[rows],
        }
    )
    summary = pd.DataFrame(
        {
            "assessment_id": ids,
            "overall": overall,
            "overall_band": pd.Series(_BAND_NAMES[band_index], dtype=object),
            "confidence": overall_confidence,
        }
    )
    return domains, summary


def _ratio(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """part / whole, or 0.0 where whole is 0 (as the core's confidence)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(whole != 0, part / whole, 0.0)


def _hact_band(points: np.ndarray, n: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """HACT's band index, as ddq.core.scoring.hact_band computes it (len(BANDS) where nothing is scored): from 1 to
    4 × (sum of weights) / n in four equal bands."""
    score = points / n
    top = 4 * weights / n
    width = (top - 1) / len(BANDS)
    index = np.clip(np.floor((score - 1) / width + 1e-9), 0, len(BANDS) - 1)
    return np.where(n > 0, np.nan_to_num(index), _NO_BAND).astype(np.int64)


def frames_from_inputs(entries: list[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Columnar frames from per-assessment inputs: dicts with assessment_id, questionnaire, scope, early,
    profile and answers (question id -> AnswerInput). Values are kept as given (an object column: None stays
    None, "3" stays text)."""
    columns = ["assessment_id", "questionnaire", "scope", "early", "profile"]
    assessments = pd.DataFrame({key: [entry[key] for entry in entries] for key in columns}, columns=columns)
    counts = [len(entry["answers"]) for entry in entries]
    question_ids: list[str] = []
    given: list[Any] = []
    for entry in entries:
        question_ids.extend(entry["answers"])
        given.extend(entry["answers"].values())
    values = np.fromiter(map(attrgetter("value"), given), dtype=object, count=len(given))
    answers = pd.DataFrame(
        {
            "assessment_id": np.repeat(assessments["assessment_id"].to_numpy(), counts),
            "question_id": pd.Series(question_ids, dtype=object),
            "value": pd.Series(values, dtype=object),
            "not_applicable": np.fromiter(map(attrgetter("not_applicable"), given), dtype=bool, count=len(given)),
            "evidence_level": np.fromiter(map(attrgetter("evidence_level"), given), dtype=np.int64, count=len(given)),
        },
        columns=["assessment_id", "question_id", "value", "not_applicable", "evidence_level"],
    )
    return assessments, answers
