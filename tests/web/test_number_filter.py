"""The `number` filter writes exactly what Babel's `format_decimal` writes, in every language, for every kind of
number a page shows (it parses each format once instead of on every call)."""

from decimal import Decimal

import pytest
from flask_babel import force_locale, format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from ddq.web.i18n import number

VALUES = st.one_of(
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(min_value=-1e12, max_value=1e12, allow_nan=False, allow_infinity=False),
    st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False, places=4),
)


@pytest.mark.parametrize("language", ["en", "fr", "es", "pt"])
def test_number_is_babels_format_decimal(app, language):
    @settings(max_examples=300, deadline=None)
    @given(value=VALUES, digits=st.sampled_from([0, 1, 2, 3]))
    def same(value, digits):
        expected = format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0")
        assert number(value, digits) == expected

    with app.test_request_context(), force_locale(language):
        same()
        assert number(None) == "—"
        assert number(Decimal("1234.5")) == format_decimal(Decimal("1234.5"), format="#,##0.00")
