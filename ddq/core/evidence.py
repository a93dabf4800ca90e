"""Evidence levels follow the answer they back.

E0 self-declared; E1 a document supplied; E2 checked by the institute; E3 independent (methodology §2). A level
is a statement about one value and its documents, so:
- when the value changes, a check (E2, E3) no longer holds: the level falls back to what the documents alone
  support (E1 with a document, else E0), and the answer is marked for review;
- when every document behind an answer has expired, nothing backs the level any more: it falls to E0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

SELF_DECLARED, DOCUMENT, CHECKED, INDEPENDENT = 0, 1, 2, 3


def level_after_change(level: int, has_documents: bool) -> int:
    """The level an answer keeps when its value changes: what its documents alone support."""
    return min(level, DOCUMENT) if has_documents else SELF_DECLARED


def effective_level(level: int, expiries: Iterable[dt.date | None], today: dt.date) -> int:
    """The recorded level, unless the answer has documents and every one of them has expired (then E0).

    `expiries` holds one entry per document: its expiry date, or None for a document that does not expire.
    """
    dates = list(expiries)
    if dates and all(expires is not None and expires < today for expires in dates):
        return SELF_DECLARED
    return level


def level_after_removal(level: int, documents_left: int) -> int:
    """The level an answer keeps when one of its documents is removed.

    Without any document left nothing backs it (E0); with documents left, a check made on the set that changed no
    longer holds: the level falls back to what the remaining documents support (E1), as after a changed value.
    """
    return level_after_change(level, documents_left > 0)
