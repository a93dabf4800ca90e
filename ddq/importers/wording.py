"""The words of a question as bank matching reads them: normalised, without common words, each word's forms (and
synonyms) as one stem, and how far two texts so read say the same thing."""

from __future__ import annotations

import functools

from rapidfuzz import fuzz

from .spreadsheet import normalise as _normalise_text


@functools.lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """The spreadsheet reader's normal form, remembered: the bank's texts are compared with every question."""
    return _normalise_text(text)

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
SYNONYMS = {normalise(word): meaning for word, meaning in SYNONYMS.items()}


def _stem(word: str) -> str:
    """One spelling for a word's forms: its synonym, without a plural or -ing/-ed ending, at most 7 letters."""
    word = SYNONYMS.get(word, word)
    for ending in ("ing", "ed", "es", "s"):
        if len(word) > len(ending) + 3 and word.endswith(ending):
            word = word[: -len(ending)]
            break
    return word[:7]


@functools.lru_cache(maxsize=65536)
def words(text: str) -> str:
    """The text as its telling word stems, in order."""
    found = normalise(text).replace("-", " ").split()
    return " ".join(_stem(word) for word in found if len(word) > 2 and word not in STOPWORDS)


def similarity(left: str, right: str) -> float:
    """0-100: how far two texts (as `words`) say the same thing; shared words count more than word order. Never
    above 100, which `BankIndex.ranked` counts on to leave out items that cannot reach its floor."""
    if not left or not right:
        return 0.0
    return 0.6 * fuzz.token_set_ratio(left, right) + 0.4 * fuzz.token_sort_ratio(left, right)
