"""Which bank item an imported question asks, and how its answer can be carried over.

A funder's question is compared with every bank item's text in every language it has (fuzzy token matching, with
word stems, so that "reconciliations" meets "reconciled" and a French question meets the French text); the domain
its words point to (the domains' keywords) must agree with the bank item's. A match of the same type carries the
answer over as it is (`same_as`); a match of another type proposes a rule (`derive_from`) that staff confirm at
import and the partner confirms when answering, e.g. a maturity of 3 or 4 answers a yes/no question "yes".
The bank's words are indexed, so that only the items that could still be proposed are compared in full (`FLOOR`).
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from ..core.definitions import PROFILE_FACTS, Library, Question
from ..core.questions import ANCHORS, CHOICES, TYPES, YES_NO_SCORES
from .wording import normalise, similarity, words

#: A match scores at least MATCH_AT (0-100, after the domain's say), or at least CLEAR_AT and CLEAR_LEAD ahead of
#: the next item. Measured on tests/importers/data/matching_pairs.yaml.
MATCH_AT = 60.0
CLEAR_AT = 50.0
CLEAR_LEAD = 12.0
#: Two items scoring within LEAD of each other at the top leave the question unmatched: it is not clear which.
LEAD = 2.0
#: Items scoring below FLOOR cannot change a proposal, so `propose` scores in full only the items that may reach it.
#: A proposal needs a best score of at least CLEAR_AT (MATCH_AT is higher); a runner-up below FLOOR is then more
#: than CLEAR_LEAD (so more than LEAD) behind it, which passes both lead tests, as no runner-up at all does.
FLOOR = CLEAR_AT - CLEAR_LEAD
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
#: The weight of a word no bank item has, as a share of the weight of a word one item has.
UNSEEN_WEIGHT = 0.5

#: Yes / partly / no, as choice values or labels say them (normalised), for rules between answer types.
_YES = frozenset({"yes", "oui", "si", "sim", "y", "true"})
_NO = frozenset({"no", "non", "nao", "n", "false"})
_PARTLY = frozenset({"partially", "partly", "partial", "partiellement", "parcialmente", "in part", "somewhat"})
#: Words by which a question asks one particular fact, by kind of fact (en, fr, es, pt; normalised): no level
#: description or choice label answers it, and a text question asking one kind does not ask another kind.
_FACT_WORDS = {
    "name": "name, names, nom, noms, nombre, nome",
    "time": "which year, what year, year founded, year of, when, date, annee, quand, ano, cuando, fecha, quando",
    "count": "how many, how much, number of, amount, percentage, combien, nombre de, montant, cuantos, cuantas, "
    "numero de, monto, quantos, quantas, montante, numero",
    "place": "country, countries, address, pays, adresse, pais, paises, direccion, endereco",
    "contact": "email, e mail, phone, telephone, website, web site, courriel, site web, correo, telefono, sitio web, "
    "telefone",
}
_FACTS = {kind: tuple(f" {phrase} " for phrase in phrases.split(", ")) for kind, phrases in _FACT_WORDS.items()}
#: Words that word a question in the negative, so that "yes" means the practice is missing (normalised; en, fr,
#: es, pt): "Is there a lack of segregation of duties?", "Des rapports ont-ils été remis en retard ?".
_NEGATIVE_WORDS = (
    "lack lacks lacking absence absent without insufficient inadequate late delayed overdue fail fails failed "
    "failure not never manque absence sans insuffisant insuffisante retard jamais falta ausencia sin insuficiente "
    "retraso nunca sem atraso nao"
)
NEGATIVE = frozenset(_NEGATIVE_WORDS.split())
#: Maturity level -> yes / partly / no (levels 3 and 4 are the documented, applied practice).
MATURITY_TO = {"4": "yes", "3": "yes", "2": "partly", "1": "no"}


@dataclass(frozen=True)
class Proposal:
    """A bank item found for an imported question: `derive` is None for the same fact asked the same way, or the
    rule (this question's value for each of the bank item's values; empty for a text answer taken as is). Or, with
    `profile`, the fact of the organisation's own record the question asks (`bank` is then None)."""

    bank: str | None
    score: float
    derive: tuple[tuple[str, str], ...] | None = None
    profile: str | None = None

    @property
    def source(self) -> str:
        """What answers the question: a bank item's id, or `profile:<fact>`."""
        return f"profile:{self.profile}" if self.profile else str(self.bank)

    def to_data(self) -> dict[str, Any]:
        """The definition keys that record it: `same_as`, or `derive_from`."""
        if self.profile is not None:
            return {"derive_from": {"profile": self.profile}}
        if self.derive is None:
            return {"same_as": self.bank}
        rule: dict[str, Any] = {"bank": self.bank}
        if self.derive:
            rule["map"] = dict(self.derive)
        return {"derive_from": rule}


#: How a question asks a fact of the organisation's own record (normalised, en/fr/es/pt): it asks that kind of
#: fact (see _FACT_WORDS) or says these words, is about the organisation (or is a bare label such as "Year
#: founded"), and names no person or other body whose fact it would be.
_PROFILE_ASKS = {
    "name": ("name", ()),
    "country": ("place", ("country", "pays", "pais", "territory", "territoire", "territorio")),
    "founded_year": (
        "time",
        (
            "founded", "founding", "foundation", "established", "establishment", "created", "creation", "incorporated",
            "fondee", "fonde", "fondation", "creee", "cree", "fundada", "fundado", "fundacion", "fundacao", "creada",
            "criada", "constituida",
        ),
    ),
    "staff_size": (
        "count",
        (
            "staff", "employees", "employ", "personnel", "workforce", "fte", "effectif", "salaries", "employes",
            "empleados", "plantilla", "funcionarios", "colaboradores", "trabajadores", "trabalhadores",
        ),
    ),
}  # fmt: skip
_ORGANISATION = (
    "organisation organization organisations entity recipient partner applicant ngo institution company "
    "organisme entite structure organizacion entidad empresa organizacao entidade legal registered official "
    "legale officiel juridica oficial registada registrada"
)
_ORGANISATION_WORDS = frozenset(_ORGANISATION.split())
#: Whose fact it would be if not the organisation's, or a fact the record does not hold (several countries, the
#: place of work, a contact).
_OTHERS = (
    "person contact director directors lead focal responsible head manager officer member members chair donor "
    "funder bank auditor beneficiaries project programme program countries operate operates operations active "
    "implement implementing personne responsable directeur membre projet persona miembro proyecto paises pessoa "
    "diretor membro projeto"
)
_NOT_THE_RECORD = frozenset(_OTHERS.split())


def profile_fact(question: Mapping[str, Any]) -> str | None:
    """The fact of the organisation's own record (see PROFILE_FACTS) a question asks, or None."""
    texts = [text for text in (question.get("text") or {}).values() if isinstance(text, str) and text.strip()]
    if not texts:
        return None
    said = {word for text in texts for word in normalise(text).split()}
    kinds = facts_asked(texts)
    telling = max(len(words(text).split()) for text in texts)
    if said & _NOT_THE_RECORD or not (said & _ORGANISATION_WORDS or telling <= 3):
        return None
    found = [
        fact
        for fact, (kind, own_words) in _PROFILE_ASKS.items()
        if question.get("type") in PROFILE_FACTS[fact]
        and (kind in kinds or said & set(own_words))
        and (not own_words or said & set(own_words))
    ]
    return found[0] if len(found) == 1 else None


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


def facts_asked(texts: Iterable[str]) -> frozenset[str]:
    """The kinds of particular fact (name, time, count, place, contact) the wording of a question asks."""
    return _facts_asked(tuple(text for text in texts if isinstance(text, str)))


@functools.lru_cache(maxsize=16384)
def _facts_asked(texts: tuple[str, ...]) -> frozenset[str]:
    padded = " ".join(f" {normalise(text)} " for text in texts)
    return frozenset(kind for kind, phrases in _FACTS.items() if any(phrase in padded for phrase in phrases))


def negative(texts: Iterable[str]) -> bool:
    """Whether a question is worded in the negative (see NEGATIVE)."""
    return _negative(tuple(text for text in texts if isinstance(text, str)))


@functools.lru_cache(maxsize=16384)
def _negative(texts: tuple[str, ...]) -> bool:
    return any(word in NEGATIVE for text in texts for word in normalise(text).split())


def _opposite(question: Mapping[str, Any], item: Question) -> bool:
    """Whether one of the two is worded in the negative and the other not: a yes to one is a no to the other."""
    return negative((question.get("text") or {}).values()) != negative(item.text.to_data().values())


_FLIP = {"yes": "no", "no": "yes", "partly": "partly"}


def rule_between(question: Mapping[str, Any], item: Question) -> tuple[tuple[str, str], ...] | None:
    """The default rule by which `item`'s answer answers `question` (a definition dict), or None when its answer
    cannot say this question's answer. An empty rule: the bank answer's label is the answer (text questions)."""
    mine, theirs = TYPES[question["type"]], TYPES[item.type]
    if mine.choices_from is None:  # a text question takes a described level or choice as it is
        takes_text = mine.xlsform_type == "text" and not mine.is_document and not mine.compares_as_number
        asked = facts_asked((question.get("text") or {}).values())
        plain = takes_text and not asked and not _opposite(question, item)  # a description cannot be turned round
        return () if plain and theirs.choices_from in (ANCHORS, CHOICES) else None
    if mine.choices_from == YES_NO_SCORES:
        own = {"yes": "yes", "no": "no"}
    elif mine.choices_from == CHOICES and not mine.is_multiple:
        choices = question.get("choices", [])
        own = _value_words((str(c.get("value")), str((c.get("label") or {}).get("en", ""))) for c in choices)
    else:
        return None
    if "yes" not in own or "no" not in own:
        return None
    flip = _FLIP if _opposite(question, item) else {meaning: meaning for meaning in _FLIP}
    if theirs.choices_from == ANCHORS:
        return tuple((level, own[flip[meaning]]) for level, meaning in MATURITY_TO.items() if flip[meaning] in own)
    if theirs.choices_from == YES_NO_SCORES and (mine.choices_from != YES_NO_SCORES or flip["yes"] == "no"):
        return (("yes", own[flip["yes"]]), ("no", own[flip["no"]]))
    return None


def _item_texts(item: Question, with_detail: bool) -> dict[str, str]:
    """An item's text in each language (as `words`); with its help and level descriptions (`with_detail`), joined."""
    if not with_detail:
        return {language: words(item.text.get(language)) for language in item.text.languages}
    texts = [item.help, *(choice.label for choice in item.choices if len(item.choices) == 4)]
    return {
        language: words(
            " ".join([item.text.get(language), *(text.get(language) for text in texts if text is not None)])
        )
        for language in item.text.languages
    }


class BankIndex:
    """The bank's texts in every language, as word stems, with each item's domain, compared once per question.

    A question's score against an item (0-100, plus or minus the domain's say) mixes how much of the question's
    telling words the item has (rare words count more; words of its help and level descriptions count less; a
    near spelling counts nearly fully) with a fuzzy comparison of the whole texts. A question in a language the
    item is written in is compared with that text only; in another language, with all of them."""

    def __init__(self, library: Library):
        self.items = dict(library.bank)
        self.keywords = _keywords(library)
        self.texts = {item.id: _item_texts(item, with_detail=False) for item in self.items.values()}
        self.details = {item.id: _item_texts(item, with_detail=True) for item in self.items.values()}
        self.main = {
            item_id: {language: set(text.split()) for language, text in texts.items()}
            for item_id, texts in self.texts.items()
        }
        self.extra = {
            item_id: {language: set(text.split()) - self.main[item_id][language] for language, text in texts.items()}
            for item_id, texts in self.details.items()
        }
        counts = Counter(
            word
            for item_id in self.items
            for word in set().union(*self.main[item_id].values(), *self.extra[item_id].values())
        )
        size = len(self.items)
        self.rarity = {word: math.log((size + 1) / (count + 0.5)) for word, count in counts.items()}
        #: A word no item has cannot tell items apart; it still says the question asks something more.
        self.unseen = UNSEEN_WEIGHT * math.log((size + 1) / 1.5)
        self._carries: dict[tuple, dict[str, Any]] = {}
        #: Word -> the (item, language) pairs whose text, or only whose help and level descriptions, say it.
        self._said: dict[str, set[tuple[str, str]]] = {}
        self._detail: dict[str, set[tuple[str, str]]] = {}
        for item_id, texts in self.main.items():
            for language, said in texts.items():
                for word in said:
                    self._said.setdefault(word, set()).add((item_id, language))
                for word in self.extra[item_id][language]:
                    self._detail.setdefault(word, set()).add((item_id, language))
        self._by_length: dict[int, list[str]] = {}
        for word in sorted(self._said):
            self._by_length.setdefault(len(word), []).append(word)
        self._near_words: dict[str, tuple[str, ...]] = {}
        self._in_language: dict[str | None, dict[tuple[str, ...], frozenset[str]]] = {}
        self._context_domains: dict[str, str | None] = {}
        self._found: dict[tuple[str, tuple[str, ...]], tuple[frozenset[str], frozenset[str], frozenset[str]]] = {}

    def _languages(self, item_id: str, language: str | None) -> list[str]:
        """The item's languages to compare a question in `language` with: that one when the item has it."""
        own = list(self.texts[item_id])
        return [language] if language in own else own

    def _near_spellings(self, word: str) -> tuple[str, ...]:
        """The words of the bank's texts spelled nearly as `word` (rapidfuzz ratio; remembered). Only words of a
        length that can reach NEAR_SPELLING are compared: the ratio is at most 100 * (1 - d / (m + n)) for lengths m
        and n that differ by d, so a word whose length differs by more than 16% of the two lengths' sum is < 85."""
        if word not in self._near_words:
            size, most = len(word), 1.01 - NEAR_SPELLING / 100
            choices = [
                choice
                for length, spelled in self._by_length.items()
                if abs(length - size) <= most * (length + size)
                for choice in spelled
            ]
            near = process.extract(word, choices, scorer=fuzz.ratio, score_cutoff=NEAR_SPELLING, limit=None)
            self._near_words[word] = tuple(choice for choice, _, _ in near)
        return self._near_words[word]

    def _groups(self, language: str | None) -> dict[tuple[str, ...], frozenset[str]]:
        """The items by the languages a question in `language` is compared with (see `_languages`), remembered."""
        if language not in self._in_language:
            groups: dict[tuple[str, ...], set[str]] = {}
            for item_id in self.items:
                groups.setdefault(tuple(self._languages(item_id, language)), set()).add(item_id)
            self._in_language[language] = {own: frozenset(item_ids) for own, item_ids in groups.items()}
        return self._in_language[language]

    def _items_saying(self, word: str, languages: tuple[str, ...]) -> tuple[frozenset, frozenset, frozenset]:
        """The items whose texts in `languages` say `word`; the others whose help or level descriptions say it;
        the others whose texts say a near spelling of it (remembered)."""
        key = (word, languages)
        if key not in self._found:
            main = frozenset(item for item, language in self._said.get(word, ()) if language in languages)
            extra = frozenset(item for item, language in self._detail.get(word, ()) if language in languages) - main
            near = frozenset(
                item
                for spelling in self._near_spellings(word)
                for item, language in self._said[spelling]
                if language in languages
            )
            self._found[key] = (main, extra, near - main - extra)
        return self._found[key]

    def _coverages(self, asked: set[str], groups: Mapping[tuple[str, ...], frozenset[str]]) -> dict[str, float]:
        """0-100 for each item of `groups` (the languages its text is compared in -> items): the share of the
        question's telling words (by rarity) its text says, fully, or through its help and level descriptions or a
        near spelling, in part. Each item's share is added up word by word in the order of `asked`."""
        found = {item_id: 0.0 for item_ids in groups.values() for item_id in item_ids}
        total = 0.0
        for word in asked:
            weight = self.rarity.get(word, self.unseen)
            total += weight
            for own, item_ids in groups.items():
                main, extra, near = self._items_saying(word, own)
                for item_id in main & item_ids:
                    found[item_id] += weight
                for item_id in extra & item_ids:
                    found[item_id] += DETAIL_WEIGHT * weight
                for item_id in near & item_ids:
                    found[item_id] += NEAR_WEIGHT * weight
        return {item_id: 100 * share / total if total else 0.0 for item_id, share in found.items()}

    def _coverage(self, asked: set[str], item_id: str, languages: list[str]) -> float:
        """`_coverages` of one item."""
        return self._coverages(asked, {tuple(languages): frozenset([item_id])})[item_id]

    def score(self, text: str, item_id: str, domain: str | None, language: str | None = None) -> float:
        """0-100 (plus or minus the domain's say): how far `text`, in `language` if known, asks the item."""
        asked = words(text)
        languages = self._languages(item_id, language)
        coverage = self._coverage(set(asked.split()), item_id, languages)
        return self._score(asked, coverage, item_id, languages, domain)

    def _score(self, asked: str, coverage: float, item_id: str, languages: list[str], domain: str | None) -> float:
        fuzzy = max((similarity(asked, self.texts[item_id][other]) for other in languages), default=0.0)
        detail = max((similarity(asked, self.details[item_id][other]) for other in languages), default=0.0)
        best = COVERAGE_SHARE * coverage + (1 - COVERAGE_SHARE) * max(fuzzy, detail - DETAIL_PENALTY)
        return best + self._domain_say(item_id, domain)

    def _context_domain(self, context: str) -> str | None:
        """`domain_of` a context (a section's title, shared by its questions), remembered."""
        if context not in self._context_domains:
            self._context_domains[context] = domain_of(context, self.keywords)
        return self._context_domains[context]

    def _domain_say(self, item_id: str, domain: str | None) -> float:
        item_domain = self.items[item_id].domain
        if domain is None or item_domain is None:
            return 0.0
        return DOMAIN_AGREES if domain == item_domain else DOMAIN_DIFFERS

    def ranked(
        self, question: Mapping[str, Any], context: str = "", floor: float | None = None
    ) -> list[tuple[float, str]]:
        """Every bank item whose answer can answer `question` (the same type, or a rule between the two types),
        with its score, best first; with `floor`, only those scoring at least `floor`.

        An item's score is at most its coverage's share plus the fuzzy comparison's whole share (100) and the
        domain's say, and its coverage is cheap (the words of the bank are indexed): an item whose bound stays
        below `floor` for every text of the question cannot reach it, and its texts are not compared in full."""
        texts = [text for text in (question.get("text") or {}).values() if isinstance(text, str) and text.strip()]
        if not texts or question.get("type") not in TYPES:
            return []
        domain = domain_of(" ".join(texts), self.keywords) or (self._context_domain(context) if context else None)
        texts = {
            language: text
            for language, text in (question.get("text") or {}).items()
            if isinstance(text, str) and text.strip()
        }
        carries = self._carries_of(question)
        candidates = [item_id for item_id, carry in carries.items() if carry is not _CANNOT]
        best: dict[str, float] = {}
        for language, text in texts.items():
            asked = words(text)
            coverages = self._coverages(set(asked.split()), self._groups(language))
            for item_id in candidates:
                coverage, say = coverages[item_id], self._domain_say(item_id, domain)
                if floor is not None and COVERAGE_SHARE * coverage + (1 - COVERAGE_SHARE) * 100.0 + say < floor:
                    continue  # below the floor in this language, whatever the fuzzy comparison says
                score = self._score(asked, coverage, item_id, self._languages(item_id, language), domain)
                if item_id not in best or score > best[item_id]:
                    best[item_id] = score
        ranked = [(score, item_id) for item_id, score in best.items() if floor is None or score >= floor]
        return sorted(ranked, reverse=True)

    def propose(self, question: Mapping[str, Any], context: str = "") -> Proposal | None:
        """The bank item `question` (a definition dict: type, text, choices) asks, with how its answer carries
        over; `context` (e.g. its section's title) helps place it in a domain. Only items whose answer can answer
        it are compared; the best is taken when it scores high, or fairly high and well ahead of the next. When no
        item asks it, the fact of the organisation's own record it asks (`profile`), if any; else None.

        Only the items that can score FLOOR are ranked: the proposal is the one ranking every item would make."""
        ranked = self.ranked(question, context, floor=FLOOR)
        fact = profile_fact(question) if question.get("type") in TYPES else None
        if not ranked:
            return Proposal(None, 100.0, profile=fact) if fact else None
        score, item_id = ranked[0]
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        if score - runner_up < LEAD or (score < MATCH_AT and (score < CLEAR_AT or score - runner_up < CLEAR_LEAD)):
            return Proposal(None, 100.0, profile=fact) if fact else None
        rule = self._carries_of(question)[item_id]
        return Proposal(item_id, round(score, 1), None if rule is _SAME else rule)

    def _carries_of(self, question: Mapping[str, Any]) -> dict[str, Any]:
        """Item id -> `_carry` of each item for `question`, remembered by what it reads of the question: its type,
        wording and choices."""
        texts = tuple(text for text in (question.get("text") or {}).values() if isinstance(text, str))
        choices = tuple(
            (str(choice.get("value")), str((choice.get("label") or {}).get("en", "")))
            for choice in question.get("choices") or ()
        )
        key = (question.get("type"), negative(texts), facts_asked(texts), choices)
        if key not in self._carries:
            self._carries[key] = {item_id: _carry(question, item) for item_id, item in self.items.items()}
        return self._carries[key]


_SAME: Any = object()
_CANNOT: Any = object()


def _carry(question: Mapping[str, Any], item: Question) -> Any:
    """How `item`'s answer answers `question`: _SAME (the same type), a rule, or _CANNOT."""
    yes_no = TYPES[item.type].choices_from == YES_NO_SCORES
    if item.type == question.get("type") and yes_no and _opposite(question, item):
        return rule_between(question, item)  # a yes to one is a no to the other
    if item.type == question.get("type"):
        if not TYPES[item.type].choices_from:  # two free answers: both ask the same kind of fact, if any
            mine, theirs = facts_asked((question.get("text") or {}).values()), facts_asked(item.text.to_data().values())
            if mine and theirs and not mine & theirs:
                return _CANNOT
        return _SAME
    rule = rule_between(question, item)
    return _CANNOT if rule is None else rule
