"""Calculate Total Price (seed 001 §3.2): the one function every total comes from.

total = package price + Σ addon price per unit × units, plus tax. The rounding rule is the platform's
(holdfast.kit.money): tax is computed per line (the package, each addon line), rounded once half up,
and the document's tax is the sum of its lines' tax.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from holdfast.kit.money import Money


@dataclass(frozen=True)
class Totals:
    subtotal_minor: int
    tax_minor: int

    @property
    def total_minor(self) -> int:
        return self.subtotal_minor + self.tax_minor


def line_amounts(package_price_minor: int, addon_lines, tax_rate: Decimal, currency: str) -> list[tuple[int, int]]:
    """(amount, tax) per line: the package first, then each (unit_price_minor, units) addon line."""
    rate = Decimal(tax_rate or 0)
    lines = [Money(package_price_minor, currency)] + [Money(price, currency).times(units) for price, units in addon_lines]
    return [(m.minor, m.percent(rate).minor if rate else 0) for m in lines]


def calculate_total(package_price_minor: int, addon_lines, tax_rate: Decimal, currency: str) -> Totals:
    amounts = line_amounts(package_price_minor, addon_lines, tax_rate, currency)
    return Totals(subtotal_minor=sum(a for a, _ in amounts), tax_minor=sum(t for _, t in amounts))


def limit_problems(listing, selection: dict) -> list[str]:
    """Addon limits (§1.4, §4): each addon offered by the listing, within its max units, each category
    within its own limit. `selection` maps Addon -> units."""
    problems = []
    offered = set(listing.addons.values_list("pk", flat=True))
    per_category: dict = {}
    for addon, units in selection.items():
        if addon.pk not in offered:
            problems.append(f"{addon.name} is not offered for {listing.name}.")
        if not addon.is_active:
            problems.append(f"{addon.name} is no longer offered.")
        if units < 1 or units > addon.max_units:
            problems.append(f"{addon.name}: between 1 and {addon.max_units} units.")
        per_category.setdefault(addon.category, 0)
        per_category[addon.category] += units
    for category, units in per_category.items():
        if units > category.max_units:
            problems.append(f"{category.name}: at most {category.max_units} units in all, {units} chosen.")
    return problems


def configuration_problems(booking) -> list[str]:
    """What keeps a booking from its next stage: a package (mandatory), valid addons, a right total."""
    problems = []
    if booking.package_id is None:
        problems.append("Choose a package first: a booking without a package cannot leave Pending.")
    elif not booking.apartment.packages.filter(pk=booking.package_id).exists():
        problems.append(f"{booking.package.name} is not offered for {booking.apartment.name}.")
    lines = list(booking.addon_lines.select_related("addon__category"))
    problems += limit_problems(booking.apartment, {line.addon: line.units for line in lines})
    expected = calculate_total(booking.package_price_minor, [(line.unit_price_minor, line.units) for line in lines], booking.tax_rate, booking.currency)
    if (expected.subtotal_minor, expected.tax_minor) != (booking.subtotal_minor, booking.tax_minor):
        problems.append("The total is not the sum of the package and addons; reload and retry.")
    return problems
