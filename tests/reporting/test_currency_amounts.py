"""Amounts in other currencies in the ledger's CSV are written exactly as Babel writes them ("KES 10,000.00",
"JPY 500"), for every currency and amount, without calling Babel once per partner."""

from babel.numbers import format_currency, list_currencies
from hypothesis import given, settings
from hypothesis import strategies as st

from ddq.reporting.overview import currency_amounts

AMOUNTS = st.one_of(
    st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False),
    st.integers(min_value=0, max_value=10**12),
    st.decimals(min_value=0, max_value=10**9, places=3).map(float),
    st.sampled_from([0.125, 2.675, 0.005, 1.005, 999.995, 1e-7]),
)


@settings(max_examples=2000, deadline=None)
@given(code=st.sampled_from(sorted(list_currencies())), amount=AMOUNTS)
def test_each_amount_reads_as_babel_writes_it(code, amount):
    assert currency_amounts([(code, amount)]) == format_currency(amount, code, format="¤¤ #,##0.00", locale="en")


def test_several_currencies_are_listed_in_order_never_added():
    assert currency_amounts([("KES", 10_000), ("JPY", 500.4), ("EUR", 2.675)]) == "KES 10,000.00; JPY 500; EUR 2.68"
    assert currency_amounts([]) == ""
