"""The anonymity rule: a figure needs answers from at least three distinct partners."""

from ddq.core.anonymity import MIN_RESPONDENTS, may_show


def test_three_partners_are_needed():
    assert MIN_RESPONDENTS == 3
    assert [may_show(n) for n in range(5)] == [False, False, False, True, True]


def test_partners_count_once_however_many_answers_they_gave():
    assert not may_show(["partner-1", "partner-1", "partner-2"])
    assert may_show({"partner-1", "partner-2", "partner-3"})
    assert not may_show([])
