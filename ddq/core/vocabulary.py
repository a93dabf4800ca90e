"""Fixed words of the domain: directions, partnership types, partner roles, languages, statuses."""

#: The three directions an assessment runs in (the same engine serves all three).
DIRECTIONS = ("partner_self", "host_disclosure", "partner_rates_host")

#: The institute's five types of partnership (partnership statement).
PARTNERSHIP_TYPES = ("project", "thematic", "capacity_development", "institutional", "funding")

#: What partners do; domains 7-9 switch on by role.
PARTNER_ROLES = ("research", "communication", "policy_influence")

#: Languages ddq's partners work in; English is required in every text.
LANGUAGES = ("en", "fr", "es", "pt")
DEFAULT_LANGUAGE = "en"

#: Evidence levels, kept apart from the score: self-declared, document, checked, independent.
EVIDENCE_LEVELS = ("E0", "E1", "E2", "E3")

#: The roles people have in ddq.
USER_ROLES = ("admin", "staff", "partner_respondent", "partner_viewer")
