"""The words for ddq's codes (statuses, risk bands, standings, directions, partnership types, roles, priorities,
tiers), in the reader's language: pages and reports show `label("band", "moderate")`, never the code itself.

The English texts are marked with `N_` so that `pybabel extract` puts them in the catalogues; `label` translates
them with whatever gettext the caller passes (Flask-Babel's on pages, the report's own catalogue in reports).
"""

from __future__ import annotations

from collections.abc import Callable


def N_(text: str) -> str:  # the gettext convention: a text marked for the catalogues, translated later
    return text


LABELS: dict[str, dict[str, str]] = {
    "status": {
        "draft": N_("draft"),
        "sent": N_("sent"),
        "in_progress": N_("in progress"),
        "submitted": N_("submitted"),
        "changes_requested": N_("changes requested"),
        "accepted": N_("accepted"),
    },
    "band": {
        "low": N_("low"),
        "moderate": N_("moderate"),
        "significant": N_("significant"),
        "high": N_("high"),
    },
    "standing": {
        "strength": N_("strength"),
        "adequate": N_("adequate"),
        "developing": N_("developing"),
        "sufficient_for_stage": N_("sufficient at this stage"),
        "priority": N_("capacity priority"),
        "not_assessed": N_("not assessed"),
    },
    "direction": {
        "partner_self": N_("the partner's assessment"),
        "host_disclosure": N_("the institute's disclosure"),
        "partner_rates_host": N_("partners rate the institute"),
    },
    "partnership_type": {
        "project": N_("project"),
        "thematic": N_("thematic"),
        "capacity_development": N_("capacity development"),
        "institutional": N_("institutional"),
        "funding": N_("funding"),
    },
    "partner_role": {
        "research": N_("research"),
        "communication": N_("communication"),
        "policy_influence": N_("policy influence"),
    },
    "user_role": {
        "admin": N_("Administrator"),
        "staff": N_("Institute staff"),
        "partner_respondent": N_("Answers questions"),
        "partner_viewer": N_("Reads only"),
    },
    "priority": {
        "high": N_("high priority"),
        "medium": N_("medium priority"),
        "low": N_("low priority"),
    },
    "tier": {
        "light": N_("light"),
        "standard": N_("standard"),
        "enhanced": N_("enhanced"),
    },
    "answer_status": {
        "unanswered": N_("not answered"),
        "not_applicable": N_("Does not apply"),
        "unknown": N_("Not yet known"),
        "hidden": N_("not asked"),
        "gate": N_("gate"),
        "not_scored": N_("not scored"),
        "scored": N_("scored"),
    },
}


def label(kind: str, code: str | None, gettext: Callable[[str], str]) -> str:
    """The words for a code of the given kind, translated by `gettext`; an unknown code reads with spaces for
    underscores, and no code at all as a dash."""
    if code is None or code == "":
        return "—"
    text = LABELS.get(kind, {}).get(code)
    return str(gettext(text)) if text else str(code).replace("_", " ")


def labels(kind: str, codes, gettext: Callable[[str], str]) -> str:
    """Several codes of one kind, as a comma-separated list."""
    return ", ".join(label(kind, code, gettext) for code in codes or ())
