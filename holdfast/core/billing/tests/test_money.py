"""Properties of holdfast.kit.money: integer minor units, one rounding rule (per line, half up)."""
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from holdfast.kit.money import Money, money_sum, round_minor

minor = st.integers(min_value=-10**12, max_value=10**12)
rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2, allow_nan=False, allow_infinity=False)


@given(minor, minor)
def test_addition_is_exact_and_commutative(a, b):
    assert (Money(a, "EUR") + Money(b, "EUR")).minor == a + b
    assert Money(a, "EUR") + Money(b, "EUR") == Money(b, "EUR") + Money(a, "EUR")


@given(minor)
def test_decimal_round_trip(a):
    m = Money(a, "EUR")
    assert Money.from_decimal(m.to_decimal(), "EUR") == m


@given(st.integers(min_value=0, max_value=10**10), rates)
def test_percent_rounds_once_half_up_within_half_a_minor_unit(a, rate):
    exact = Decimal(a) * rate / 100
    got = Money(a, "EUR").percent(rate).minor
    assert abs(Decimal(got) - exact) <= Decimal("0.5")
    if exact - int(exact) == Decimal("0.5"):
        assert got == int(exact) + 1  # half goes up


@given(st.lists(st.integers(min_value=0, max_value=10**8), max_size=20), rates)
def test_document_total_is_sum_of_rounded_lines(lines, rate):
    taxes = [Money(x, "EUR").percent(rate) for x in lines]
    assert money_sum(taxes, "EUR").minor == sum(round_minor(Decimal(x) * rate / 100) for x in lines)


def test_floats_are_refused_where_money_flows():
    with pytest.raises(TypeError):
        Money(100, "EUR").times(1.5)
    with pytest.raises(TypeError):
        Money(100, "EUR").percent(7.5)
    with pytest.raises(TypeError):
        Money(1.0, "EUR")


def test_currencies_do_not_mix_and_zero_decimal_currencies_format_without_cents():
    with pytest.raises(ValueError):
        Money(1, "EUR") + Money(1, "USD")
    assert str(Money(1500, "JPY")) == "JPY 1,500"
    assert Money.from_decimal("0.125", "KWD").minor == 125
