"""Portfolio scoring: every assessment at once, vectorised with pandas, giving exactly the numbers of
`ddq.core.scoring.score_assessment` (the test suite checks them side by side).

Input is columnar, as a database query returns it:
- `assessments`: assessment_id, questionnaire (id), scope (a key into `scopes`), early (bool), profile (a key
  into `profiles`);
- `answers`: assessment_id, question_id, value, not_applicable, evidence_level.
Item statuses follow the core: gate, not_scored, hidden, not_applicable, unanswered, unknown, scored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..core.conditions import Compare, Literal, Name
from ..core.definitions import Questionnaire, Scope
from ..core.questions import SCORE_MAX, SCORE_MIN, type_of
from ..core.scoring import BANDS, PRIORITY_BELOW, STRENGTH_FROM, SUFFICIENT_FOR_STAGE_FROM

STATUSES = ("gate", "not_scored", "hidden", "not_applicable", "unanswered", "unknown", "scored")


def _catalogue(questionnaires: Mapping[str, Questionnaire], scopes: Mapping[str, Scope]) -> pd.DataFrame:
    """One row per question that applies, for every (questionnaire, scope) pair."""
    rows = []
    for questionnaire_id, questionnaire in questionnaires.items():
        for scope_key, scope in scopes.items():
            for order, (_, question) in enumerate(questionnaire.applicable(scope)):
                rows.append(
                    (
                        questionnaire_id,
                        scope_key,
                        order,
                        question.id,
                        question.domain,
                        question.weight,
                        question.key,
                        question.gate,
                        question.scored,
                        question.show_if is not None,
                        type_of(question).is_multiple,
                        question.asks_document,
                    )
                )
    return pd.DataFrame(
        rows,
        columns=[
            "questionnaire",
            "scope",
            "order",
            "question_id",
            "domain",
            "weight",
            "key",
            "gate",
            "scored",
            "conditional",
            "multi",
            "asks_document",
        ],
    )


def _choice_scores(questionnaires: Mapping[str, Questionnaire]) -> pd.DataFrame:
    """Score per (questionnaire, question, answer value); numeric values are listed as numbers too (3 and '3')."""
    rows = []
    for questionnaire_id, questionnaire in questionnaires.items():
        for question in questionnaire.questions:
            for choice in question.choices:
                if choice.score is None:
                    continue
                rows.append((questionnaire_id, question.id, choice.value, choice.score))
                if choice.value.isdigit():
                    rows.append((questionnaire_id, question.id, int(choice.value), choice.score))  # 3 == 3.0 too
    frame = pd.DataFrame(rows, columns=["questionnaire", "question_id", "value", "choice_score"])
    frame["value"] = frame["value"].astype(object)
    return frame


def _visibility(items: pd.DataFrame, answers: pd.DataFrame, questionnaires: Mapping[str, Questionnaire]) -> pd.Series:
    """Evaluate show_if for the conditional items only: `name = 'value'` and `!=` vectorised, anything else
    through the core's evaluator with the values the condition reads."""
    shown = pd.Series(True, index=items.index)
    conditional = items[items["conditional"]]
    if conditional.empty:
        return shown
    given = answers[~answers["not_applicable"].astype(bool)]
    conditions = {
        (questionnaire_id, question.id): question.show_if
        for questionnaire_id, questionnaire in questionnaires.items()
        for question in questionnaire.questions
        if question.show_if is not None
    }
    slow: list[int] = []
    for (questionnaire_id, question_id), rows in conditional.groupby(["questionnaire", "question_id"]).groups.items():
        condition = conditions[(questionnaire_id, question_id)]
        tree = condition.tree
        if (
            isinstance(tree, Compare)
            and tree.op in {"=", "==", "!="}
            and isinstance(tree.left, Name)
            and isinstance(tree.right, Literal)
            and isinstance(tree.right.value, str)
        ):
            values = given.loc[given["question_id"] == tree.left.name].set_index("assessment_id")["value"]
            found = conditional.loc[rows, "assessment_id"].map(values)
            text = found.map(lambda value: isinstance(value, str))
            plain = text | found.isna()  # text or nothing: compare here; numbers go to the core's evaluator
            equal = text & (found == tree.right.value)
            fast = plain[plain].index
            shown.loc[fast] = equal[fast] if tree.op != "!=" else ~equal[fast]
            slow.extend(plain[~plain].index)
        else:
            slow.extend(rows)
    if slow:
        names = {name for condition in conditions.values() for name in condition.names()}
        values: dict[int, dict[str, Any]] = {}
        subset = given[given["question_id"].isin(names)]
        for assessment_id, question_id, value in zip(
            subset["assessment_id"], subset["question_id"], subset["value"], strict=True
        ):
            values.setdefault(assessment_id, {})[question_id] = value
        rows = conditional.loc[slow]
        shown.loc[slow] = [
            conditions[(questionnaire_id, question_id)].evaluate(values.get(assessment_id, {}))
            for assessment_id, questionnaire_id, question_id in zip(
                rows["assessment_id"], rows["questionnaire"], rows["question_id"], strict=True
            )
        ]
    return shown


def score_items(
    assessments: pd.DataFrame,
    answers: pd.DataFrame,
    questionnaires: Mapping[str, Questionnaire],
    scopes: Mapping[str, Scope],
) -> pd.DataFrame:
    """Every applicable item of every assessment with its status, score and evidence level."""
    catalogue = _catalogue(questionnaires, scopes)
    # one categorical for question ids on both sides: merging on codes is several times faster than on text
    ids = pd.CategoricalDtype(sorted(set(catalogue["question_id"]) | set(answers["question_id"].unique())))
    catalogue["question_id"] = catalogue["question_id"].astype(ids)
    answers = answers.assign(question_id=answers["question_id"].astype(ids))
    items = assessments[["assessment_id", "questionnaire", "scope"]].merge(catalogue, on=["questionnaire", "scope"])
    items = items.merge(answers, on=["assessment_id", "question_id"], how="left")
    items["question_id"] = items["question_id"].astype(str)
    items["not_applicable"] = items["not_applicable"].fillna(False).astype(bool)
    items["evidence_level"] = items["evidence_level"].fillna(0).astype(int)
    scores = _choice_scores(questionnaires)
    single = items.loc[~items["multi"], ["questionnaire", "question_id", "value"]].reset_index()
    single["value"] = single["value"].astype(object)
    single = single.merge(scores, on=["questionnaire", "question_id", "value"], how="left").set_index("index")
    multi = items.loc[items["multi"], ["questionnaire", "question_id", "value"]].explode("value").reset_index()
    multi["value"] = multi["value"].astype(object)
    multi = multi.merge(scores, on=["questionnaire", "question_id", "value"], how="left")
    items["score"] = pd.concat([single["choice_score"], multi.groupby("index")["choice_score"].max()]).reindex(
        items.index
    )  # a multiple choice scores its highest selection
    empty = items["value"].isna() | (items["value"] == "")
    multi_rows = items["multi"]
    if multi_rows.any():
        empty.loc[multi_rows] |= items.loc[multi_rows, "value"].map(lambda value: isinstance(value, list) and not value)
    items["shown"] = _visibility(items, answers, questionnaires)
    items["status"] = np.select(
        [items["gate"], ~items["scored"], ~items["shown"], items["not_applicable"], empty, items["score"].isna()],
        ["gate", "not_scored", "hidden", "not_applicable", "unanswered", "unknown"],
        default="scored",
    )
    items.loc[items["status"] != "scored", "score"] = np.nan
    applies = items["shown"] & ~items["not_applicable"]
    items["needs_evidence"] = np.select(
        [items["status"].isin(["scored", "unanswered", "unknown"]), items["status"] == "gate", ~items["scored"]],
        [True, applies, applies & items["asks_document"]],
        default=False,
    ).astype(bool)  # as ItemScore.needs_evidence: scored items, gates and document requests count for confidence
    return items


def _hact_band(points: pd.Series, n: pd.Series, weights: pd.Series) -> pd.Series:
    """HACT's band, as ddq.core.scoring.hact_band: from 1 to 4 × (sum of weights) / n in four equal bands."""
    safe_n = n.where(n > 0)
    score = points / safe_n
    width = (4 * weights / safe_n - 1) / len(BANDS)
    index = np.floor((score - 1) / width + 1e-9).clip(0, len(BANDS) - 1).fillna(len(BANDS)).astype(int)
    names = np.array([*BANDS, None], dtype=object)
    return pd.Series(names[index.to_numpy()], index=points.index)


def _fsum_by(keys: pd.Series, values: pd.Series) -> pd.Series:
    """`math.fsum` of the values of each key, by key (sorted): exact whatever the order, as the core sums them, in
    one call per key rather than pandas' Python aggregation, which builds a Series per group."""
    keys_array, values_array = keys.to_numpy(), values.to_numpy(dtype=float)
    if not len(keys_array):
        return pd.Series(dtype=float, index=pd.Index([], name=keys.name))
    order = np.argsort(keys_array, kind="stable")
    keys_array, values_array = keys_array[order], values_array[order]
    starts = np.flatnonzero(np.r_[True, keys_array[1:] != keys_array[:-1]])
    sums = [math.fsum(chunk.tolist()) for chunk in np.split(values_array, starts[1:])]
    return pd.Series(sums, index=pd.Index(keys_array[starts], name=keys.name), dtype=float)


def _overall_band(domains: pd.DataFrame) -> pd.Series:
    """As ddq.core.scoring.overall_band: the profile-weighted mean of domain bands, capped by any key item at 1."""
    banded = domains[domains["band"].notna() & (domains["profile_weight"] > 0)].copy()
    banded["index"] = banded["band"].map({band: position for position, band in enumerate(BANDS)}).astype(float)
    banded["weighted"] = banded["profile_weight"] * banded["index"]
    banded["key_at_one"] = banded["lowest_key_score"] == SCORE_MIN
    grouped = pd.DataFrame(
        {
            "weighted": _fsum_by(banded["assessment_id"], banded["weighted"]),
            "total": _fsum_by(banded["assessment_id"], banded["profile_weight"]),
            "capped": banded.groupby("assessment_id")["key_at_one"].any(),
        }
    )
    index = np.floor(grouped["weighted"] / grouped["total"] + 0.5 + 1e-9).clip(upper=len(BANDS) - 1)
    index = np.where(grouped["capped"], np.maximum(index, BANDS.index("significant")), index).astype(int)
    return pd.Series(np.array(BANDS, dtype=object)[index], index=grouped.index)


def score_portfolio(
    assessments: pd.DataFrame,
    answers: pd.DataFrame,
    questionnaires: Mapping[str, Questionnaire],
    scopes: Mapping[str, Scope],
    profiles: Mapping[str, Mapping[str, float]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Domain scores (one row per assessment and domain) and overall figures (one row per assessment)."""
    every_item = score_items(assessments, answers, questionnaires, scopes)
    every_item["needing_weight"] = np.where(every_item["needs_evidence"], every_item["weight"], 0.0)
    every_item["evidenced_weight"] = np.where(
        every_item["needs_evidence"]
        & (every_item["evidence_level"] >= 1)
        & ~every_item["status"].isin(["unknown", "unanswered"]),
        every_item["weight"],
        0.0,
    )
    evidence_by_domain = every_item.groupby(["assessment_id", "domain"], sort=False)[
        ["needing_weight", "evidenced_weight"]
    ].sum()
    evidence_overall = every_item.groupby("assessment_id")[["needing_weight", "evidenced_weight"]].sum()
    items = every_item[~every_item["status"].isin(["gate", "not_scored"])].copy()  # items without a domain count
    scored = items["status"] == "scored"
    considered = items["status"].isin(["scored", "unanswered", "unknown"])
    risk = (SCORE_MAX + SCORE_MIN) - items["score"]
    items["points"] = np.where(scored, items["weight"] * items["score"], 0.0)
    items["scored_weight"] = np.where(scored, items["weight"], 0.0)
    items["considered_weight"] = np.where(considered, items["weight"], 0.0)
    items["hact_points"] = np.where(scored, np.where(risk == 1, 1.0, items["weight"] * risk), 0.0)
    items["scored_n"] = scored.astype(int)
    items["key_n"] = (scored & items["key"]).astype(int)
    items["key_score"] = np.where(scored & items["key"], items["score"], np.nan)
    grouped = items.groupby(["assessment_id", "domain"], sort=False)
    domains = grouped.agg(
        points=("points", "sum"),
        weight_sum=("scored_weight", "sum"),
        considered=("considered_weight", "sum"),
        hact_points=("hact_points", "sum"),
        scored_items=("scored_n", "sum"),
        key_items=("key_n", "sum"),
        lowest_key_score=("key_score", "min"),
    ).reset_index()
    domains["score"] = (domains["points"] / domains["weight_sum"]).where(domains["weight_sum"] > 0)
    domains["band"] = _hact_band(domains["hact_points"], domains["scored_items"], domains["weight_sum"])
    domains["capped"] = (domains["lowest_key_score"] == SCORE_MIN) & domains["band"].isin(["low", "moderate"])
    domains.loc[domains["capped"], "band"] = "significant"
    evidence = evidence_by_domain.reindex(pd.MultiIndex.from_frame(domains[["assessment_id", "domain"]]))
    needing, evidenced = evidence["needing_weight"].to_numpy(), evidence["evidenced_weight"].to_numpy()
    domains["confidence"] = np.where(needing > 0, evidenced / np.where(needing > 0, needing, 1), 0.0)
    domains["completeness"] = (domains["weight_sum"] / domains["considered"]).where(domains["considered"] > 0, 0.0)
    early = domains["assessment_id"].map(assessments.set_index("assessment_id")["early"]).astype(bool)
    score, lowest = domains["score"], domains["lowest_key_score"]
    domains["standing"] = np.select(
        [
            score.isna(),
            (score < PRIORITY_BELOW) | (lowest == SCORE_MIN),
            (score >= STRENGTH_FROM) & (lowest.isna() | (lowest > 2)),
            score >= STRENGTH_FROM,
            early & (score >= SUFFICIENT_FOR_STAGE_FROM),
        ],
        ["not_assessed", "priority", "strength", "adequate", "sufficient_for_stage"],
        default="developing",
    )
    weight_rows = [
        (key, domain, weight) for key, profile in (profiles or {}).items() for domain, weight in (profile or {}).items()
    ]
    weight_table = pd.DataFrame(weight_rows, columns=["profile", "domain", "profile_weight"])
    profile_of = (
        assessments[["assessment_id", "profile"]]
        if "profile" in assessments
        else assessments[["assessment_id"]].assign(profile=None)
    )
    domains = domains.merge(profile_of, on="assessment_id", how="left").merge(
        weight_table, on=["profile", "domain"], how="left"
    )
    domains["profile_weight"] = domains["profile_weight"].fillna(1.0)
    assessed = domains[domains["score"].notna()]
    overall = pd.DataFrame(
        {
            "weighted": _fsum_by(assessed["assessment_id"], assessed["profile_weight"] * assessed["score"]),
            "total": _fsum_by(assessed["assessment_id"], assessed["profile_weight"]),
        }
    )  # as the core sums them
    summary = items.groupby("assessment_id").agg(
        hact_points=("hact_points", "sum"),
        scored_items=("scored_n", "sum"),
        key_items=("key_n", "sum"),
    )
    summary["overall"] = overall["weighted"] / overall["total"]
    summary["overall_band"] = _overall_band(domains).reindex(summary.index)
    overall_evidence = evidence_overall.reindex(summary.index)
    needing = overall_evidence["needing_weight"]
    summary["confidence"] = (overall_evidence["evidenced_weight"] / needing).where(needing > 0, 0.0)
    columns = [
        "assessment_id",
        "domain",
        "score",
        "weight_sum",
        "points",
        "scored_items",
        "key_items",
        "band",
        "capped",
        "confidence",
        "completeness",
        "standing",
        "lowest_key_score",
        "profile_weight",
    ]
    return domains[columns], summary[["overall", "overall_band", "confidence"]].reset_index()


def frames_from_inputs(entries: list[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Columnar frames from per-assessment inputs: dicts with assessment_id, questionnaire, scope, early,
    profile and answers (question id -> AnswerInput)."""
    assessments = pd.DataFrame(
        [
            {key: entry[key] for key in ("assessment_id", "questionnaire", "scope", "early", "profile")}
            for entry in entries
        ]
    )
    rows = [
        (entry["assessment_id"], question_id, answer.value, answer.not_applicable, answer.evidence_level)
        for entry in entries
        for question_id, answer in entry["answers"].items()
    ]
    answers = pd.DataFrame(rows, columns=["assessment_id", "question_id", "value", "not_applicable", "evidence_level"])
    answers["value"] = answers["value"].astype(object)
    return assessments, answers
