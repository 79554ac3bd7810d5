"""Exact money: integer minor units plus an ISO 4217 currency code.

Rounding rule (the only one in holdfast): a line amount computed from a Decimal rate or percentage
is rounded once, per line, to the currency's minor unit with ROUND_HALF_UP. Totals are sums of
already-rounded lines, so a document always equals the sum of what it shows.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

# Currencies whose minor unit is not cents.
MINOR_UNIT_EXPONENT = {"JPY": 0, "KRW": 0, "VND": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3}


def exponent(currency: str) -> int:
    return MINOR_UNIT_EXPONENT.get(currency.upper(), 2)


def round_minor(value: Decimal) -> int:
    """Round a Decimal amount already expressed in minor units to an int, half up."""
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True, slots=True)
class Money:
    minor: int
    currency: str

    def __post_init__(self):
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise TypeError("Money.minor must be an int of minor units")
        if len(self.currency) != 3 or not self.currency.isalpha() or not self.currency.isupper():
            raise ValueError(f"not an ISO currency code: {self.currency!r}")

    @classmethod
    def zero(cls, currency: str) -> "Money":
        return cls(0, currency)

    @classmethod
    def from_decimal(cls, amount: Decimal | str, currency: str) -> "Money":
        """From a major-unit amount such as Decimal('12.34')."""
        scaled = Decimal(amount) * (Decimal(10) ** exponent(currency))
        return cls(round_minor(scaled), currency)

    def to_decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-exponent(self.currency))

    def _same(self, other: "Money") -> None:
        if not isinstance(other, Money):
            raise TypeError("can only combine Money with Money")
        if other.currency != self.currency:
            raise ValueError(f"currency mismatch: {self.currency} vs {other.currency}")

    def __add__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.minor, self.currency)

    def times(self, factor: int | Decimal) -> "Money":
        """Multiply by a quantity or a Decimal rate, rounding once (half up)."""
        if isinstance(factor, float):
            raise TypeError("no floats where money flows")
        return Money(round_minor(Decimal(self.minor) * Decimal(factor)), self.currency)

    def percent(self, rate: Decimal) -> "Money":
        """`rate` percent of this amount (Decimal('6.00') is 6 %), rounded once, half up."""
        if isinstance(rate, float):
            raise TypeError("no floats where money flows")
        return Money(round_minor(Decimal(self.minor) * Decimal(rate) / Decimal(100)), self.currency)

    def __str__(self) -> str:
        exp = exponent(self.currency)
        return f"{self.currency} {self.to_decimal():,.{exp}f}"


def money_sum(items, currency: str) -> Money:
    total = Money.zero(currency)
    for item in items:
        total = total + item
    return total


def format_minor(minor: int, currency: str) -> str:
    return str(Money(int(minor), currency))
