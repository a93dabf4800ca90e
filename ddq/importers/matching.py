"""Which bank item an imported question asks, and how its answer can be carried over.

A funder's question is compared with every bank item's text in every language it has (fuzzy token matching, with
word stems, so that "reconciliations" meets "reconciled" and a French question meets the French text); the domain
its words point to (the domains' keywords) must agree with the bank item's. A match of the same type carries the
answer over as it is (`same_as`); a match of another type proposes a rule (`derive_from`) that staff confirm at
import and the partner confirms when answering, e.g. a maturity of 3 or 4 answers a yes/no question "yes".
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from ..core.definitions import Library, Question
from ..core.questions import ANCHORS, CHOICES, TYPES, YES_NO_SCORES
from .spreadsheet import normalise

#: Words too common to say two questions ask the same thing (en, fr, es, pt).
_COMMON_WORDS = (
    "a an the of to in on for and or is are was were be been does do did your you our we its it this that "
    "with by at as from have has had any which what who how when where their there organisation organization "
    "entity partner recipient implementing le la les des de du un une et ou est sont vos votre vous nous "
    "notre dans pour par sur avec qui que quoi quel quelle elle il ils ce cette ces son sa ses leur leurs el "
    "los las del y o es son su sus para por con que una unos se en um uma os as do da dos das e ou seu sua "
    "seus com para yes no please give provide describe list state indicate if all each other own there last"
)
STOPWORDS = frozenset(_COMMON_WORDS.split())
#: Words of one meaning spelled differently across templates, read as one (after normalising).
SYNONYMS = {
    "blacklisted": "investigated",
    "litigation": "investigated",
    "convicted": "investigated",
    "investigations": "investigated",
    "constitution": "statutes",
    "laws": "statutes",
    "instrument": "statutes",
    "authorises": "segregation",
    "authorise": "segregation",
    "authorised": "segregation",
    "police": "vetting",
    "criminal": "vetting",
    "dbs": "vetting",
    "checked": "checks",
    "lead": "focal",
    "named": "focal",
    "designated": "focal",
    "allegation": "concern",
    "allegations": "concern",
    "concerns": "concern",
    "complaints": "feedback",
    "complaint": "feedback",
    "turnover": "keep",
    "continuity": "disruption",
    "statements": "accounts",
    "donor": "funder",
    "donors": "funder",
    "trained": "training",
    "quotations": "quotes",
    "forecast": "plan",
    "hr": "human",
    "delivering": "delivered",
    "implemented": "delivered",
    "implementing": "delivered",
    "track": "delivered",
    "board": "governing",
    "trustees": "governing",
    "council": "governing",
    "committee": "governing",
    "conseil": "governing",
    "gouvernance": "governing",
    "junta": "governing",
    "signatories": "segregation",
    "signatory": "segregation",
    "separated": "segregation",
    "separation": "segregation",
    "segregated": "segregation",
    "séparation": "segregation",
    "pseah": "safeguarding",
    "psea": "safeguarding",
    "children": "safeguarding",
    "child": "safeguarding",
    "vulnerable": "safeguarding",
    "downstream": "subpartner",
    "subgrantees": "subpartner",
    "sub": "subpartner",
    "partners": "subpartner",
    "personnel": "staff",
    "employees": "staff",
    "employ": "staff",
    "audited": "audit",
    "auditor": "audit",
    "audités": "audit",
    "auditoría": "audit",
    "rapprochements": "reconciliation",
    "reconciliations": "reconciliation",
    "reconciled": "reconciliation",
    "enregistrée": "registered",
    "registration": "registered",
    "enregistrement": "registered",
    "legally": "legal",
    "légalement": "legal",
    "bancaire": "bank",
    "compte": "account",
    "données": "data",
    "datos": "data",
    "dados": "data",
    "sanctions": "sanction",
    "proscribed": "sanction",
    "terrorist": "sanction",
    "whistleblower": "whistleblowing",
    "manual": "procedures",
    "policies": "policy",
    "politique": "policy",
    "politica": "policy",
    "budgets": "budget",
    "expenditures": "spending",
    "expenditure": "spending",
    "expenses": "spending",
    "dépenses": "spending",
}
#: A match scores at least MATCH_AT (0-100, after the domain's say), or at least CLEAR_AT and CLEAR_LEAD ahead of
#: the next item. Measured on tests/importers/data/matching_pairs.yaml.
MATCH_AT = 60.0
CLEAR_AT = 45.0
CLEAR_LEAD = 10.0
#: How the score mixes the share of the question's telling words found with the fuzzy comparison of whole texts.
COVERAGE_SHARE = 0.7
#: A word found only in an item's help or level descriptions, or spelled nearly alike (rapidfuzz ratio), counts less.
DETAIL_WEIGHT = 0.8
NEAR_SPELLING = 85
NEAR_WEIGHT = 0.8
DOMAIN_AGREES = 8.0
DOMAIN_DIFFERS = -12.0
#: Help and level descriptions say more than the question: a match through them counts for less.
DETAIL_PENALTY = 6.0

#: Yes / partly / no, as choice values or labels say them (normalised), for rules between answer types.
_YES = frozenset({"yes", "oui", "si", "sim", "y", "true"})
_NO = frozenset({"no", "non", "nao", "n", "false"})
_PARTLY = frozenset({"partially", "partly", "partial", "partiellement", "parcialmente", "in part", "somewhat"})
#: Maturity level -> yes / partly / no (levels 3 and 4 are the documented, applied practice).
MATURITY_TO = {"4": "yes", "3": "yes", "2": "partly", "1": "no"}


@dataclass(frozen=True)
class Proposal:
    """A bank item found for an imported question: `derive` is None for the same fact asked the same way, or the
    rule (this question's value for each of the bank item's values; empty for a text answer taken as is)."""

    bank: str
    score: float
    derive: tuple[tuple[str, str], ...] | None = None

    def to_data(self) -> dict[str, Any]:
        """The definition keys that record it: `same_as`, or `derive_from`."""
        if self.derive is None:
            return {"same_as": self.bank}
        rule: dict[str, Any] = {"bank": self.bank}
        if self.derive:
            rule["map"] = dict(self.derive)
        return {"derive_from": rule}


def _stem(word: str) -> str:
    """One spelling for a word's forms: its synonym, without a plural or -ing/-ed ending, at most 7 letters."""
    word = SYNONYMS.get(word, word)
    for ending in ("ing", "ed", "es", "s"):
        if len(word) > len(ending) + 3 and word.endswith(ending):
            word = word[: -len(ending)]
            break
    return word[:7]


def words(text: str) -> str:
    """The text as its telling word stems, in order."""
    found = normalise(text).replace("-", " ").split()
    return " ".join(_stem(word) for word in found if len(word) > 2 and word not in STOPWORDS)


def similarity(left: str, right: str) -> float:
    """0-100: how far two texts (as `words`) say the same thing; shared words count more than word order."""
    if not left or not right:
        return 0.0
    return 0.6 * fuzz.token_set_ratio(left, right) + 0.4 * fuzz.token_sort_ratio(left, right)


def _keywords(library: Library) -> dict[str, tuple[str, ...]]:
    return {domain.id: tuple(f" {normalise(word)} " for word in domain.keywords) for domain in library.domains.values()}


def domain_of(text: str, keywords: Mapping[str, tuple[str, ...]]) -> str | None:
    """The domain whose keywords the text mentions most (None on a tie or no mention)."""
    padded = " " + normalise(text) + " "
    counts = sorted(
        ((sum(1 for word in domain_words if word in padded), domain) for domain, domain_words in keywords.items()),
        reverse=True,
    )
    if not counts or counts[0][0] == 0 or (len(counts) > 1 and counts[1][0] == counts[0][0]):
        return None
    return counts[0][1]


def _value_words(values: Iterable[tuple[str, str]]) -> dict[str, str]:
    """yes / partly / no -> the question's choice value saying it (by value or by any label)."""
    found: dict[str, str] = {}
    for value, label in values:
        for said in (normalise(value), normalise(label)):
            for meaning, spellings in (("yes", _YES), ("no", _NO), ("partly", _PARTLY)):
                if said in spellings or said.split(" ")[0] in spellings:
                    found.setdefault(meaning, value)
    return found


def rule_between(question: Mapping[str, Any], item: Question) -> tuple[tuple[str, str], ...] | None:
    """The default rule by which `item`'s answer answers `question` (a definition dict), or None when its answer
    cannot say this question's answer. An empty rule: the bank answer's label is the answer (text questions)."""
    mine, theirs = TYPES[question["type"]], TYPES[item.type]
    if mine.choices_from is None:  # a text question takes a described level or choice as it is
        takes_text = mine.xlsform_type == "text" and not mine.is_document and not mine.compares_as_number
        return () if takes_text and theirs.choices_from in (ANCHORS, CHOICES) else None
    if mine.choices_from == YES_NO_SCORES:
        own = {"yes": "yes", "no": "no"}
    elif mine.choices_from == CHOICES and not mine.is_multiple:
        choices = question.get("choices", [])
        own = _value_words((str(c.get("value")), str((c.get("label") or {}).get("en", ""))) for c in choices)
    else:
        return None
    if "yes" not in own or "no" not in own:
        return None
    if theirs.choices_from == ANCHORS:
        return tuple((level, own[meaning]) for level, meaning in MATURITY_TO.items() if meaning in own)
    if theirs.choices_from == YES_NO_SCORES and mine.choices_from != YES_NO_SCORES:
        return (("yes", own["yes"]), ("no", own["no"]))
    return None


def _item_texts(item: Question, with_detail: bool) -> list[str]:
    """An item's text in each language; with its help and level descriptions (`with_detail`), joined."""
    if not with_detail:
        return [words(item.text.get(language)) for language in item.text.languages]
    texts = [item.help, *(choice.label for choice in item.choices if len(item.choices) == 4)]
    return [
        words(" ".join([item.text.get(language), *(text.get(language) for text in texts if text is not None)]))
        for language in item.text.languages
    ]


class BankIndex:
    """The bank's texts in every language, as word stems, with each item's domain, compared once per question.

    A question's score against an item (0-100, plus or minus the domain's say) mixes how much of the question's
    telling words the item has (rare words count more; words of its help and level descriptions count less; a
    near spelling counts nearly fully) with a fuzzy comparison of the whole texts."""

    def __init__(self, library: Library):
        self.items = dict(library.bank)
        self.keywords = _keywords(library)
        self.texts = {item.id: _item_texts(item, with_detail=False) for item in self.items.values()}
        self.details = {item.id: _item_texts(item, with_detail=True) for item in self.items.values()}
        self.main = {item_id: set(" ".join(texts).split()) for item_id, texts in self.texts.items()}
        self.extra = {
            item_id: set(" ".join(texts).split()) - self.main[item_id] for item_id, texts in self.details.items()
        }
        counts = Counter(word for item_id in self.items for word in self.main[item_id] | self.extra[item_id])
        size = len(self.items)
        self.rarity = {word: math.log((size + 1) / (count + 0.5)) for word, count in counts.items()}
        self.unseen = math.log((size + 1) / 0.5)

    def _coverage(self, asked: set[str], item_id: str) -> float:
        total = found = 0.0
        for word in asked:
            weight = self.rarity.get(word, self.unseen)
            total += weight
            if word in self.main[item_id]:
                found += weight
            elif word in self.extra[item_id]:
                found += DETAIL_WEIGHT * weight
            elif self.main[item_id]:
                near = process.extractOne(word, self.main[item_id], scorer=fuzz.ratio, score_cutoff=NEAR_SPELLING)
                found += NEAR_WEIGHT * weight if near else 0.0
        return 100 * found / total if total else 0.0

    def score(self, text: str, item_id: str, domain: str | None) -> float:
        asked = words(text)
        fuzzy = max((similarity(asked, other) for other in self.texts[item_id]), default=0.0)
        detail = max((similarity(asked, other) for other in self.details[item_id]), default=0.0) - DETAIL_PENALTY
        best = COVERAGE_SHARE * self._coverage(set(asked.split()), item_id) + (1 - COVERAGE_SHARE) * max(fuzzy, detail)
        item_domain = self.items[item_id].domain
        if domain is not None and item_domain is not None:
            best += DOMAIN_AGREES if domain == item_domain else DOMAIN_DIFFERS
        return best

    def ranked(self, question: Mapping[str, Any], context: str = "") -> list[tuple[float, str]]:
        """Every bank item with its score for `question`, best first."""
        texts = [text for text in (question.get("text") or {}).values() if isinstance(text, str) and text.strip()]
        if not texts:
            return []
        domain = domain_of(" ".join(texts), self.keywords) or (domain_of(context, self.keywords) if context else None)
        return sorted(
            ((max(self.score(text, item_id, domain) for text in texts), item_id) for item_id in self.items),
            reverse=True,
        )

    def propose(self, question: Mapping[str, Any], context: str = "") -> Proposal | None:
        """The bank item `question` (a definition dict: type, text, choices) asks, with how its answer carries
        over; `context` (e.g. its section's title) helps place it in a domain. The best item is taken when it
        scores high, or fairly high and well ahead of the next; None when it cannot answer this question."""
        if question.get("type") not in TYPES:
            return None
        ranked = self.ranked(question, context)
        if not ranked:
            return None
        score, item_id = ranked[0]
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        if score < MATCH_AT and (score < CLEAR_AT or score - runner_up < CLEAR_LEAD):
            return None
        item = self.items[item_id]
        if item.type == question["type"]:
            return Proposal(item_id, round(score, 1))
        rule = rule_between(question, item)
        return Proposal(item_id, round(score, 1), rule) if rule is not None else None
