"""Evidence follows the answer: a changed value loses its check; expired documents back nothing."""

import datetime as dt

import pytest

from ddq.core.evidence import effective_level, level_after_change

TODAY = dt.date(2026, 11, 29)
YESTERDAY, TOMORROW = TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("level", "documents", "expected"),
    [(3, True, 1), (2, True, 1), (2, False, 0), (1, True, 1), (1, False, 0), (0, True, 0), (0, False, 0)],
)
def test_a_changed_value_keeps_only_what_its_documents_support(level, documents, expected):
    assert level_after_change(level, documents) == expected


@pytest.mark.parametrize(
    ("level", "expiries", "expected"),
    [
        (2, [YESTERDAY], 0),  # the only document expired: the check backed nothing that still holds
        (3, [YESTERDAY, YESTERDAY - dt.timedelta(days=400)], 0),
        (2, [YESTERDAY, TOMORROW], 2),  # one document still valid
        (2, [YESTERDAY, None], 2),  # a document that never expires
        (2, [TODAY], 2),  # valid through its expiry day
        (2, [], 2),  # checked without documents (e.g. a visit): nothing to expire
        (1, [YESTERDAY], 0),
    ],
)
def test_expired_documents_lower_the_level(level, expiries, expected):
    assert effective_level(level, expiries, TODAY) == expected
