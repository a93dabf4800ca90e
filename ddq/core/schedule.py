"""Dates of a request: the due date proposed from the tier's time budget, and which reminder is due when.

Plain functions of dates, so that the rules are the same in the web forms, `ddq tick` and the tests.
"""

from __future__ import annotations

import datetime as dt
import math

#: Reminders go out this many days before the due date (the latest stage reached is the one sent).
REMINDER_DAYS = (7, 3, 1)
#: Documents are announced this many days before they expire.
EXPIRY_NOTICE_DAYS = 30
#: The shortest and the longest time a request is given.
MIN_DAYS = 14
MAX_DAYS = 56


def propose_due_on(today: dt.date, max_minutes: float) -> dt.date:
    """Two weeks, plus a week for every two hours (started) of the tier's time budget; eight weeks at most.

    With the shipped tiers: light (45 minutes) three weeks, standard (3 hours) four, enhanced (16 hours) eight.
    Partners answer between their other work, so the time is spread over weeks, never asked for at once.
    """
    days = MIN_DAYS + 7 * math.ceil(max(max_minutes, 0) / 120)
    return today + dt.timedelta(days=min(days, MAX_DAYS))


def reminder_stage(due_on: dt.date, today: dt.date) -> str | None:
    """The reminder a request is at: "7", "3" or "1" (days before), "overdue", or None when none is due yet.

    The latest stage reached is the one that counts, so a tick that missed a day sends the closer reminder, and
    a request created three days before its due date gets the three-day reminder, not the seven-day one as well.
    """
    days = (due_on - today).days
    if days < 0:
        return "overdue"
    for limit in sorted(REMINDER_DAYS):
        if days <= limit:
            return str(limit)
    return None
