"""Reading one question (or bank item) from its parsed definition, with every problem reported."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from ..conditions import ConditionError, parse
from ..questions import ANCHORS, CHOICES, SCORE_MAX, TYPES, UNKNOWN, YES_NO_SCORES, YesNo
from ..vocabulary import PARTNER_ROLES, PARTNERSHIP_TYPES
from ..yamlfile import LinedDict
from .fields import (
    Context,
    ProblemSink,
    check_keys,
    is_question_id,
    read_boolean,
    read_entries,
    read_mapping,
    read_names,
    read_number,
    read_score,
    read_text,
    wrap_single,
)
from .model import PROFILE_FACTS, YES_NO_LABELS, Applicability, Choice, Derivation, Question

# --- questions ------------------------------------------------------------------------------------

#: Keys that describe what is asked; a questionnaire that `use`s a bank item cannot change them.
CONTENT_KEYS = frozenset(
    {
        "type",
        "text",
        "help",
        "domain",
        "choices",
        "anchors",
        "scores",
        "minimum",
        "maximum",
        "evidence",
        "validity_months",
    }
)
#: Key items weigh double, with no override (methodology §2: equal weights let deficiencies be averaged out).
KEY_WEIGHT = 2.0
#: How a gate on a multiple choice passes: one passing choice selected, or every passing choice selected.
GATE_RULES = ("any", "all")
#: Keys that say which answers besides the question's own it takes, and why: N/A and "not yet known". A bank item
#: decides them (a scored one must give both reasons); a questionnaire that `use`s it may decide otherwise.
ANSWER_KEYS = frozenset({"allow_na", "why_na", "allow_unknown", "why_unknown"})
#: Keys that say how a questionnaire asks it.
USAGE_KEYS = ANSWER_KEYS | frozenset(
    {
        "id",
        "use",
        "required",
        "weight",
        "key",
        "gate",
        "gate_rule",
        "show_if",
        "applies_to",
        "minutes",
        "mirror",
        "mandated_by",
        "same_as",
        "derive_from",
        "metadata",
    }
)


def build_question(
    raw: LinedDict, sink: ProblemSink, context: Context, base: Question | None, in_bank: bool = False
) -> Question | None:
    question_id = raw.get("id", base.id if base else None)
    label = question_id if isinstance(question_id, str) else None
    allowed = CONTENT_KEYS | ANSWER_KEYS | {"id", "minutes"} if in_bank else CONTENT_KEYS | USAGE_KEYS
    check_keys(raw, allowed, sink, "bank item" if in_bank else "question", label)
    if not is_question_id(question_id):
        sink.add(
            raw.line, "each question needs an 'id' of letters, digits and underscores (or 'use' a bank item)", label
        )
        return None
    if base is not None and context.bank is not None:
        for key in sorted(CONTENT_KEYS & raw.keys()):
            sink.add(raw.line_of(key), f"{key!r} belongs to bank item {base.bank!r} and cannot be changed here", label)
        content = dataclasses.replace(base, id=question_id, line=raw.line)
    else:
        content = _question_content(raw, sink, context, question_id)
        if content is None:
            return None
    question = _question_usage(raw, sink, context, content)
    _check_answer_keys(raw, sink, question, in_bank)
    return question


def _check_answer_keys(raw: LinedDict, sink: ProblemSink, question: Question, in_bank: bool) -> None:
    """Allow "not yet known" only where the type takes it; make a scored bank item say why it offers N/A and "not
    yet known", or why not."""
    if question.allow_unknown and not TYPES[question.type].can_be_unknown:
        takes = ", ".join(name for name, kind in TYPES.items() if kind.can_be_unknown)
        sink.add(
            raw.line_of("allow_unknown"),
            f"a {question.type} question cannot be answered 'not yet known' (types that can: {takes})",
            question.id,
        )
    if question.allow_unknown and question.choice(UNKNOWN) is not None:
        sink.add(
            raw.line_of("allow_unknown"),
            f"choice value {UNKNOWN!r} is kept for 'not yet known': rename the choice or remove 'allow_unknown'",
            question.id,
        )
    if in_bank and question.scored:
        for flag, reason, what in (("allow_na", "why_na", "N/A"), ("allow_unknown", "why_unknown", "'not yet known'")):
            if getattr(question, reason) is None:
                offered = "is offered" if getattr(question, flag) else "is not offered"
                sink.add(
                    raw.line,
                    f"a scored bank item needs {reason!r}: why {what} {offered} here ('{flag}: true' offers it)",
                    question.id,
                )


def _question_content(raw: LinedDict, sink: ProblemSink, context: Context, question_id: str) -> Question | None:
    kind = raw.get("type")
    if kind not in TYPES:
        sink.add(raw.line_of("type"), f"unknown question type {kind!r} (allowed: {', '.join(TYPES)})", question_id)
        return None
    text = read_text(raw, "text", sink, question_id)
    help_text = read_text(raw, "help", sink, question_id, required=False)
    evidence = read_text(raw, "evidence", sink, question_id, required=False)
    domain = raw.get("domain")
    if domain is not None and context.domains is not None and domain not in context.domains:
        known = ", ".join(context.domains)
        sink.add(raw.line_of("domain"), f"unknown domain {domain!r} (known: {known})", question_id)
    choices = _choices(raw, kind, sink, question_id)
    if choices is None or text is None:
        return None
    validity = raw.get("validity_months")
    if validity is not None and (isinstance(validity, bool) or not isinstance(validity, int) or validity <= 0):
        sink.add(raw.line_of("validity_months"), "'validity_months' must be a whole number of months", question_id)
        validity = None
    minimum = read_number(raw, "minimum", sink, question_id, positive=False)
    maximum = read_number(raw, "maximum", sink, question_id, positive=False)
    if TYPES[kind].needs_scale and (minimum is None or maximum is None):
        sink.add(raw.line, f"a {kind} question needs 'minimum' and 'maximum' (its scale, e.g. 1 and 7)", question_id)
    elif not (TYPES[kind].takes_bounds or TYPES[kind].needs_scale):
        for key in ("minimum", "maximum"):
            if key in raw:
                sink.add(raw.line_of(key), f"a {kind} question takes no {key!r}", question_id)
    if minimum is not None and maximum is not None and minimum > maximum:
        sink.add(raw.line_of("maximum"), "'maximum' is below 'minimum'", question_id)
    return Question(
        id=question_id,
        type=kind,
        text=text,
        help=help_text,
        domain=domain,
        choices=choices,
        evidence=evidence,
        validity_months=validity,
        minimum=minimum,
        maximum=maximum,
        line=raw.line,
    )


def _choices(raw: LinedDict, kind: str, sink: ProblemSink, question_id: str) -> tuple[Choice, ...] | None:
    """Read choices, anchors or yes/no scores as the type needs; None when they are unusable."""
    source = TYPES[kind].choices_from
    if source is None:
        for key in ("choices", "anchors", "scores"):
            if key in raw:
                sink.add(raw.line_of(key), f"a {kind} question takes no {key!r}", question_id)
        return ()
    if source == ANCHORS:
        anchors = raw.get("anchors")
        if not isinstance(anchors, list) or len(anchors) != SCORE_MAX:
            sink.add(
                raw.line_of("anchors"),
                f"a {kind} question needs 'anchors': four texts, for levels 1 to 4",
                question_id,
            )
            return None
        line = raw.line_of("anchors")
        texts = [read_text(wrap_single(anchor, line), "anchor", sink, question_id) for anchor in anchors]
        if any(text is None for text in texts):
            return None
        return tuple(Choice(str(level), text, float(level)) for level, text in enumerate(texts, start=1))  # type: ignore[arg-type]
    if source == YES_NO_SCORES:
        scores = raw.get("scores", {})
        if not isinstance(scores, Mapping) or not set(scores) <= set(YesNo.values):
            sink.add(
                raw.line_of("scores"), f"'scores' of a {kind} question maps 'yes' and/or 'no' to a score", question_id
            )
            return None
        return tuple(
            Choice(
                value,
                YES_NO_LABELS[value],
                read_score(scores, value, raw.line_of("scores"), sink, question_id),
                value == "yes",
            )
            for value in YesNo.values
        )
    assert source == CHOICES
    entries = read_entries(raw, "choices", sink, question_id)
    choices: list[Choice] = []
    for entry in entries:
        check_keys(entry, {"value", "label", "score", "pass", "next_step"}, sink, "choice", question_id)
        value = entry.get("value")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, (str, int)) or isinstance(value, bool) or str(value).strip() == "":
            sink.add(entry.line, "each choice needs a 'value'", question_id)
            continue
        value = str(value)
        if any(choice.value == value for choice in choices):
            sink.add(entry.line, f"choice value {value!r} is used twice", question_id)
            continue
        label = read_text(entry, "label", sink, question_id)
        passes = read_boolean(entry, "pass", sink, question_id)
        step = read_text(entry, "next_step", sink, question_id, required=False)
        if label is not None:
            score = read_score(entry, "score", entry.line_of("score"), sink, question_id)
            choices.append(Choice(value, label, score, passes, step))
    return tuple(choices) if choices else None


def _question_usage(raw: LinedDict, sink: ProblemSink, context: Context, content: Question) -> Question:
    question_id = content.id
    key = read_boolean(raw, "key", sink, question_id)
    weight = read_number(raw, "weight", sink, question_id)
    gate = read_boolean(raw, "gate", sink, question_id)
    if key and weight is not None and weight != KEY_WEIGHT:
        sink.add(
            raw.line_of("weight"),
            f"a key item weighs {KEY_WEIGHT:g} (methodology §2): remove 'weight', or make it not a key item",
            question_id,
        )
        weight = None
    if gate and not content.pass_values:
        sink.add(
            raw.line_of("gate"),
            "a gate must be a yes_no question, or have choices marked 'pass: true'",
            question_id,
        )
    gate_rule = raw.get("gate_rule")
    several = TYPES[content.type].is_multiple
    if gate and several and gate_rule not in GATE_RULES:
        sink.add(
            raw.line_of("gate_rule") if "gate_rule" in raw else raw.line_of("gate"),
            "a gate on a multiple choice needs 'gate_rule': any (one passing choice is enough) or all (every"
            " choice marked 'pass' must be selected)",
            question_id,
        )
        gate_rule = None
    elif gate_rule is not None and not (gate and several):
        sink.add(raw.line_of("gate_rule"), "'gate_rule' belongs to a gate on a multiple choice question", question_id)
        gate_rule = None
    show_if = None
    if "show_if" in raw:
        try:
            show_if = parse(raw["show_if"])
        except ConditionError as error:
            sink.add(raw.line_of("show_if"), f"show_if does not parse: {error}", question_id)
    mirror = raw.get("mirror")
    if mirror is not None and not is_question_id(mirror):
        sink.add(raw.line_of("mirror"), "'mirror' must be the id of a question", question_id)
        mirror = None
    mandated_by = raw.get("mandated_by")
    if mandated_by is not None and not isinstance(mandated_by, str):
        sink.add(raw.line_of("mandated_by"), "'mandated_by' must be the funder's name", question_id)
        mandated_by = None
    bank = content.bank
    if "same_as" in raw:
        bank = _same_as(raw, sink, context, content)
    derive_from = _derive_from(raw, sink, context, content) if "derive_from" in raw else content.derive_from
    return dataclasses.replace(
        content,
        required=read_boolean(raw, "required", sink, question_id),
        key=key,
        weight=float(weight) if weight is not None else (KEY_WEIGHT if key else 1.0),
        gate=gate,
        gate_rule=gate_rule,
        allow_na=read_boolean(raw, "allow_na", sink, question_id, default=content.allow_na),
        allow_unknown=read_boolean(raw, "allow_unknown", sink, question_id, default=content.allow_unknown),
        why_na=read_text(raw, "why_na", sink, question_id, required=False, translated=False) or content.why_na,
        why_unknown=read_text(raw, "why_unknown", sink, question_id, required=False, translated=False)
        or content.why_unknown,
        show_if=show_if,
        applies_to=read_applicability(raw, sink, context, question_id),
        minutes=read_number(raw, "minutes", sink, question_id) if "minutes" in raw else content.minutes,
        mirror=mirror,
        mandated_by=mandated_by,
        bank=bank,
        derive_from=derive_from,
        metadata=_metadata(raw, sink, question_id) if "metadata" in raw else content.metadata,
        line=raw.line,
    )


def _same_as(raw: LinedDict, sink: ProblemSink, context: Context, content: Question) -> str | None:
    """`same_as: <bank id>`: the question keeps its own wording but asks the bank item's fact, so answers carry over."""
    bank_id = raw["same_as"]
    if context.bank is None:  # a snapshot
        return bank_id if isinstance(bank_id, str) else None
    item = context.bank.get(bank_id) if isinstance(bank_id, str) else None
    if item is None:
        sink.add(raw.line_of("same_as"), f"no bank item {bank_id!r} in the question bank", content.id)
        return None
    if item.type != content.type:
        sink.add(
            raw.line_of("same_as"),
            f"same_as {bank_id!r} is a {item.type} question, this one is a {content.type}:"
            " answers could not carry over",
            content.id,
        )
        return None
    return bank_id


def _derive_from(raw: LinedDict, sink: ProblemSink, context: Context, content: Question) -> Derivation | None:
    """`derive_from: {bank: <bank id>, map: {<its value>: <this question's value>}}`: the answer to a bank item of
    another type proposes this question's answer, for the respondent to confirm. A text question may leave out
    `map`: it takes the label of the bank answer. `derive_from: {profile: <fact>}`: a fact of the organisation's
    own record (PROFILE_FACTS) proposes it."""
    line, question_id = raw.line_of("derive_from"), content.id
    entry = read_mapping(raw["derive_from"], sink, line, "'derive_from'", question_id)
    if entry is None:
        return None
    check_keys(entry, {"bank", "map", "profile"}, sink, "derive_from", question_id)
    if "profile" in entry:
        return _from_profile(entry, sink, line, content)
    bank_id, rule = entry.get("bank"), entry.get("map", {})
    if not isinstance(bank_id, str) or not bank_id:
        sink.add(line, "'derive_from' needs 'bank': the id of the bank item whose answer is used", question_id)
        return None
    if not isinstance(rule, Mapping) or any(isinstance(v, (Mapping, list)) or v is None for v in rule.values()):
        sink.add(entry.line_of("map"), "'map' must map the bank item's answers to this question's", question_id)
        return None
    pairs = tuple((_value_text(key), _value_text(value)) for key, value in rule.items())
    if context.bank is None:  # a snapshot
        return Derivation(bank_id, pairs)
    item = context.bank.get(bank_id)
    if item is None:
        sink.add(line, f"no bank item {bank_id!r} in the question bank", question_id)
        return None
    if not item.choices:
        sink.add(line, f"derive_from {bank_id!r}: a {item.type} answer gives no value a rule can map", question_id)
        return None
    if not pairs and content.choices:
        wanted = "which of its answers give which of this question's"
        sink.add(line, f"derive_from {bank_id!r} needs 'map': {wanted}", question_id)
        return None
    known, own = {choice.value for choice in item.choices}, {choice.value for choice in content.choices}
    for key, value in pairs:
        if key not in known:
            listed = ", ".join(sorted(known))
            sink.add(entry.line_of("map"), f"{bank_id!r} has no answer {key!r} (its answers: {listed})", question_id)
        if content.choices and value not in own:
            listed = ", ".join(sorted(own))
            sink.add(entry.line_of("map"), f"this question has no answer {value!r} (it has: {listed})", question_id)
    if not content.choices and not _takes_text(content):
        sink.add(line, f"a {content.type} question cannot take its answer from another question's", question_id)
        return None
    return Derivation(bank_id, pairs)


def _from_profile(entry: LinedDict, sink: ProblemSink, line: int, content: Question) -> Derivation | None:
    fact, question_id = entry["profile"], content.id
    if "bank" in entry or "map" in entry:
        sink.add(line, "'derive_from' takes either 'profile' or 'bank' (with 'map'), not both", question_id)
        return None
    if fact not in PROFILE_FACTS:
        listed = ", ".join(PROFILE_FACTS)
        sink.add(line, f"derive_from: no profile fact {fact!r} (the facts: {listed})", question_id)
        return None
    if content.type not in PROFILE_FACTS[fact]:
        types = " or ".join(sorted(PROFILE_FACTS[fact]))
        sink.add(line, f"derive_from profile {fact!r} answers a {types} question, not a {content.type}", question_id)
        return None
    return Derivation(profile=fact)


def _takes_text(question: Question) -> bool:
    kind = TYPES[question.type]
    return kind.choices_from is None and kind.xlsform_type == "text"


def _value_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _metadata(raw: LinedDict, sink: ProblemSink, question_id: str) -> tuple[tuple[str, str], ...]:
    value = raw.get("metadata")
    if not isinstance(value, Mapping):
        sink.add(raw.line_of("metadata"), "'metadata' must be a mapping of names to text", question_id)
        return ()
    return tuple((str(key), str(item)) for key, item in value.items())


def read_applicability(raw: LinedDict, sink: ProblemSink, context: Context, question_id: str | None) -> Applicability:
    if "applies_to" not in raw:
        return Applicability()
    entry = read_mapping(raw["applies_to"], sink, raw.line_of("applies_to"), "'applies_to'", question_id)
    if entry is None:
        return Applicability()
    check_keys(entry, {"tiers", "partnership_types", "partner_roles"}, sink, "applies_to", question_id)
    tiers = list(context.tiers) if context.tiers is not None else None
    return Applicability(
        tiers=read_names(entry, "tiers", sink, tiers, question_id),
        partnership_types=read_names(entry, "partnership_types", sink, PARTNERSHIP_TYPES, question_id),
        partner_roles=read_names(entry, "partner_roles", sink, PARTNER_ROLES, question_id),
    )


