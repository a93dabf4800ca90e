"""The life of an assessment: which status may follow which."""

STATUSES = ("draft", "sent", "in_progress", "submitted", "changes_requested", "accepted")

#: Allowed moves; `accepted` is final, and changes requested send the assessment back to the respondent.
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"sent"}),
    "sent": frozenset({"in_progress", "submitted"}),
    "in_progress": frozenset({"submitted"}),
    "submitted": frozenset({"changes_requested", "accepted"}),
    "changes_requested": frozenset({"in_progress", "submitted"}),
    "accepted": frozenset(),
}

#: Statuses in which the respondent may still change answers.
EDITABLE = frozenset({"sent", "in_progress", "changes_requested"})


class TransitionError(ValueError):
    """A status change the workflow does not allow."""


def check_transition(current: str, target: str) -> None:
    """Raise TransitionError unless an assessment may move from `current` to `target`."""
    if target not in TRANSITIONS:
        raise TransitionError(f"unknown status {target!r}")
    if target not in TRANSITIONS.get(current, frozenset()):
        raise TransitionError(f"an assessment cannot go from {current!r} to {target!r}")
