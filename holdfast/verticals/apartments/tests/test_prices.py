"""The one total function, cascading price updates (§3.3, §4) and their money, and random sales days
(hypothesis): every unapproved total equals its recomputation from the catalogue, every approved one
keeps its snapshot, invoices ask for the total and the remaining amount is exact."""
from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from holdfast.core.audit.models import AuditEntry
from holdfast.core.billing.models import Invoice
from holdfast.core.bookings import doctor as engine_doctor
from holdfast.kit.errors import Conflict, DomainError, ValidationFailed
from holdfast.verticals.apartments import doctor, selectors
from holdfast.verticals.apartments.models import APPROVED, UNLOCKED_STATES, Addon, ApartmentBooking, Package
from holdfast.verticals.apartments.services import bookings, prices
from holdfast.verticals.apartments.services.pricing import calculate_total, line_amounts

from .conftest import build_catalogue, make_buyer

CHECKS = [
    engine_doctor.history_consistent, engine_doctor.hold_matches_status, engine_doctor.exclusive_key_matches_flow,
    doctor.one_live_booking_per_listing, doctor.booking_agrees_with_engine, doctor.instance_is_the_bookings_clone, doctor.listing_status_matches_bookings,
    doctor.total_is_the_one_function, doctor.unapproved_prices_follow_the_catalogue, doctor.addon_limits_hold, doctor.invoices_ask_for_the_total,
    doctor.payment_belongs_to_its_booking,
]


# ---------------------------------------------------------------- the one function (pure)

lines = st.lists(st.tuples(st.integers(0, 10**9), st.integers(1, 50)), max_size=8)
rates = st.decimals(min_value=0, max_value=30, places=2)


@given(package=st.integers(0, 10**10), addons=lines, rate=rates)
def test_the_total_is_package_plus_addons_times_units_plus_per_line_tax(package, addons, rate):
    totals = calculate_total(package, addons, rate, "EUR")
    assert totals.subtotal_minor == package + sum(price * units for price, units in addons)
    assert totals.total_minor == totals.subtotal_minor + totals.tax_minor
    assert totals.tax_minor == sum(t for _, t in line_amounts(package, addons, rate, "EUR"))
    # each line's tax is its amount × rate, rounded half up once, never more than half a cent off
    for amount, tax in line_amounts(package, addons, rate, "EUR"):
        assert abs(Decimal(tax) - Decimal(amount) * rate / 100) <= Decimal("0.5")
    if rate == 0:
        assert totals.tax_minor == 0


@given(addons=lines, rate=rates)
def test_the_total_does_not_depend_on_the_order_of_the_addons(addons, rate):
    assert calculate_total(1000, addons, rate, "EUR") == calculate_total(1000, list(reversed(addons)), rate, "EUR")


# ---------------------------------------------------------------- the cascade

@pytest.mark.django_db
def test_a_package_price_change_reprices_unapproved_bookings_and_their_invoices_only(tenant, owner, sales, buyer, buyer2, cat, approved):
    open_booking = bookings.create_booking(tenant=tenant, actor=buyer2[0], listing_id=cat.listings[1].pk)
    bookings.configure_booking(tenant=tenant, actor=buyer2[0], booking_id=open_booking.pk, package_id=cat.gold.pk, addons={cat.fan.pk: 1})
    bookings.confirm_booking(tenant=tenant, actor=buyer2[0], booking_id=open_booking.pk)
    impact = prices.price_change_impact(tenant, package_id=cat.gold.pk, new_price_minor=11_000_00)
    assert impact == [{"booking_id": open_booking.pk, "apartment": "A-2", "customer": "Bo Second", "status": "IN_PROGRESS",
                       "before_minor": 10_120_50, "after_minor": 11_120_50, "change_minor": 1_000_00}]
    package = prices.update_package(tenant=tenant, actor=owner, package_id=cat.gold.pk, price_minor=11_000_00)
    assert package.cascade == [{"booking_id": open_booking.pk, "before_minor": 10_120_50, "after_minor": 11_120_50}] and package.version == 2
    assert ApartmentBooking.objects.get(pk=open_booking.pk).total_minor == 11_120_50
    assert ApartmentBooking.objects.get(pk=approved.pk).total_minor == 13_400_00  # the approved snapshot stays
    assert Invoice.objects.get(booking_id=open_booking.pk, status=Invoice.PENDING).total_minor == 11_120_50
    assert Invoice.objects.get(booking_id=approved.pk).total_minor == 13_400_00
    assert AuditEntry.objects.filter(tenant=tenant, action="apartments.booking.repriced").count() == 1
    assert AuditEntry.objects.get(tenant=tenant, action="apartments.package.updated").diff["bookings_repriced"] == [None, 1]


@pytest.mark.django_db
def test_a_price_change_after_a_partial_payment_invoices_the_difference_and_a_fall_is_credited(tenant, owner, sales, cat, in_progress):
    bookings.record_payment(tenant=tenant, actor=sales, booking_id=in_progress.pk, amount_minor=1_000_00, method="CARD")
    prices.update_addon(tenant=tenant, actor=owner, addon_id=cat.ac.pk, unit_price_minor=600_00)  # +200.00
    ab = selectors.get_booking(tenant, in_progress.pk)
    assert ab.total_minor == 13_600_00 and ab.remaining_minor == 12_600_00
    live = Invoice.objects.filter(booking_id=ab.pk, status=Invoice.PENDING).order_by("pk")
    assert [i.total_minor for i in live] == [13_400_00, 200_00]  # the paid-on invoice is never edited: an adjustment invoice
    prices.update_package(tenant=tenant, actor=owner, package_id=cat.gold.pk, price_minor=9_000_00)  # -1 000.00
    ab = selectors.get_booking(tenant, in_progress.pk)
    assert ab.total_minor == 12_600_00 and ab.remaining_minor == 11_600_00
    assert doctor.invoices_ask_for_the_total() == [] and doctor.unapproved_prices_follow_the_catalogue() == []
    bookings.record_payment(tenant=tenant, actor=sales, booking_id=ab.pk, amount_minor=ab.remaining_minor, method="BANK_TRANSFER")
    assert selectors.get_booking(tenant, ab.pk).remaining_minor == 0


@pytest.mark.django_db
def test_addon_changes_are_validated_and_a_lower_limit_is_refused_while_a_booking_uses_more(tenant, owner, buyer, cat, configured):
    with pytest.raises(Conflict) as refused:
        prices.update_addon(tenant=tenant, actor=owner, addon_id=cat.ac.pk, max_units=1)
    assert refused.value.code == "addon_limit_in_use" and refused.value.extra["booking_id"] == configured.pk
    assert prices.update_addon(tenant=tenant, actor=owner, addon_id=cat.ac.pk, max_units=2).max_units == 2
    with pytest.raises(ValidationFailed):
        prices.update_addon(tenant=tenant, actor=owner, addon_id=cat.ac.pk, unit_price_minor=-1)
    with pytest.raises(ValidationFailed):
        prices.update_package(tenant=tenant, actor=owner, package_id=cat.gold.pk, kind="BRONZE")
    with pytest.raises(Conflict) as refused:
        prices.update_package(tenant=tenant, actor=owner, package_id=cat.gold.pk, price_minor=1, version=99)
    assert refused.value.code == "stale_version"


@pytest.mark.django_db
def test_sales_cannot_change_prices(tenant, sales, cat):
    from holdfast.kit.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        prices.update_package(tenant=tenant, actor=sales, package_id=cat.gold.pk, price_minor=1)


@pytest.mark.django_db
def test_the_tax_of_the_business_is_on_every_line(tenant, owner, buyer, cat):
    import datetime as dt

    from holdfast.core.billing.services.pricing import create_tax_rule

    create_tax_rule(tenant=tenant, actor=owner, name="VAT", rate=Decimal("19"), effective_from=dt.date(2020, 1, 1))
    ab = bookings.create_booking(tenant=tenant, actor=buyer[0], listing_id=cat.listing.pk)
    ab = bookings.configure_booking(tenant=tenant, actor=buyer[0], booking_id=ab.pk, package_id=cat.silver.pk, addons={cat.fan.pk: 3})
    assert ab.tax_name == "VAT" and ab.subtotal_minor == 8_000_00 + 361_50
    assert ab.tax_minor == 1_520_00 + 68_69  # 19 % of 361.50 = 68.685, half up once
    ab = bookings.confirm_booking(tenant=tenant, actor=buyer[0], booking_id=ab.pk)
    assert Invoice.objects.get(booking_id=ab.pk).total_minor == ab.total_minor


# ---------------------------------------------------------------- random sales days

class SalesDay(RuleBasedStateMachine):
    world: dict = {}

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        w = self.world
        self.tenant, self.owner, self.sales, self.buyers = w["tenant"], w["owner"], w["sales"], w["buyers"]
        self.cat = build_catalogue(self.tenant, self.owner, apartments=3, project_name=f"Random {id(self)}")
        self.snapshots: dict[int, int] = {}

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _try(self, step, actor, **kw):
        try:
            return step(tenant=self.tenant, actor=actor, **kw)
        except DomainError:
            return None

    def _booking(self, index) -> ApartmentBooking | None:
        rows = list(ApartmentBooking.objects.filter(tenant=self.tenant, listing__project=self.cat.project).order_by("pk"))
        return rows[index % len(rows)] if rows else None

    @rule(buyer=st.integers(0, 1), listing=st.integers(0, 2))
    def book(self, buyer, listing):
        self._try(bookings.create_booking, self.buyers[buyer], listing_id=self.cat.listings[listing].pk)

    @rule(index=st.integers(0, 9), package=st.integers(0, 2), units=st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 2)), as_sales=st.booleans())
    def configure(self, index, package, units, as_sales):
        if (ab := self._booking(index)) is None:
            return
        actor = self.sales if as_sales else ab.customer.user
        addons = {addon.pk: n for addon, n in zip(self.cat.addons, units)}
        self._try(bookings.configure_booking, actor, booking_id=ab.pk, package_id=self.cat.packages[package].pk, addons=addons)

    @rule(index=st.integers(0, 9), step=st.sampled_from(["confirm", "start_review", "send_back", "approve", "reject"]))
    def move(self, index, step):
        if (ab := self._booking(index)) is None:
            return
        actor = ab.customer.user if step == "confirm" else self.sales
        done = self._try(bookings.STEPS[step], actor, booking_id=ab.pk)
        if done is not None and step == "approve":
            self.snapshots[ab.pk] = done.total_minor

    @rule(which=st.sampled_from(["package", "addon"]), index=st.integers(0, 2), price=st.integers(0, 2_000_000))
    def change_price(self, which, index, price):
        if which == "package":
            self._try(prices.update_package, self.owner, package_id=self.cat.packages[index].pk, price_minor=price)
        else:
            self._try(prices.update_addon, self.owner, addon_id=self.cat.addons[index].pk, unit_price_minor=price)

    @rule(index=st.integers(0, 9), amount=st.integers(1, 2_000_000))
    def pay(self, index, amount):
        if (ab := self._booking(index)) is not None:
            self._try(bookings.record_payment, self.sales, booking_id=ab.pk, amount_minor=min(amount, max(1, selectors.remaining_minor(self.tenant, ab.pk))), method="CARD")

    @invariant()
    def unapproved_totals_are_their_recomputation_and_approved_ones_their_snapshot(self):
        for ab in ApartmentBooking.objects.filter(tenant=self.tenant).select_related("booking", "package").prefetch_related("addon_lines__addon"):
            if ab.booking.status in UNLOCKED_STATES:
                package = Package.objects.get(pk=ab.package_id).price_minor if ab.package_id else 0
                catalogue_lines = [(Addon.objects.get(pk=line.addon_id).unit_price_minor, line.units) for line in ab.addon_lines.all()]
                assert ab.total_minor == calculate_total(package, catalogue_lines, ab.tax_rate, ab.currency).total_minor, ab.pk
            elif ab.booking.status == APPROVED:
                assert ab.total_minor == self.snapshots[ab.pk], ab.pk
            assert selectors.remaining_minor(self.tenant, ab.pk) == ab.total_minor - doctor.received_minor(ab.pk)

    @invariant()
    def every_check_holds(self):
        for check in CHECKS:
            findings = check()
            assert not findings, f"{check.__name__}: {[f.message for f in findings]}"


@pytest.mark.django_db
def test_random_sales_days_keep_totals_snapshots_and_money_straight(tenant, owner, sales):
    SalesDay.world = {"tenant": tenant, "owner": owner, "sales": sales, "buyers": [make_buyer(tenant, f"random{n}@harbour.test", f"Random {n}")[0] for n in range(2)]}
    run_state_machine_as_test(SalesDay, settings=settings(max_examples=12, stateful_step_count=30, deadline=None, suppress_health_check=list(HealthCheck)))


# ---------------------------------------------------------------- change orders after approval

@pytest.mark.django_db
def test_a_change_order_after_approval_has_its_own_invoice_and_keeps_contract_prices(tenant, owner, sales, buyer, cat, approved):
    bookings.record_payment(tenant=tenant, actor=sales, booking_id=approved.pk, amount_minor=13_400_00, method="CARD")  # paid in full
    prices.update_addon(tenant=tenant, actor=owner, addon_id=cat.ac.pk, unit_price_minor=700_00)
    prices.update_addon(tenant=tenant, actor=owner, addon_id=cat.fan.pk, unit_price_minor=200_00)
    from holdfast.kit.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        bookings.change_order(tenant=tenant, actor=buyer[0], booking_id=approved.pk, addons={cat.ac.pk: 3})
    with pytest.raises(ValidationFailed):
        bookings.change_order(tenant=tenant, actor=sales, booking_id=approved.pk, addons={cat.ac.pk: 3, cat.fan.pk: 2, cat.solar.pk: 1})  # Climate: 5 > 4
    ab = bookings.change_order(tenant=tenant, actor=sales, booking_id=approved.pk, addons={cat.ac.pk: 3, cat.fan.pk: 1, cat.solar.pk: 1}, reason="One more AC, a fan")
    lines = {line.addon_id: (line.units, line.unit_price_minor) for line in ab.addon_lines.all()}
    assert lines == {cat.ac.pk: (3, 500_00), cat.fan.pk: (1, 200_00), cat.solar.pk: (1, 2_400_00)}  # AC keeps its contract price; the fan is new, at today's
    assert ab.total_minor == 13_400_00 + 500_00 + 200_00
    invoices = list(Invoice.objects.filter(booking_id=ab.pk).order_by("pk"))
    assert [(i.status, i.total_minor) for i in invoices] == [(Invoice.PAID, 13_400_00), (Invoice.PENDING, 700_00)]  # the paid one untouched
    assert selectors.get_booking(tenant, ab.pk).remaining_minor == 700_00
    ab = bookings.change_order(tenant=tenant, actor=sales, booking_id=ab.pk, addons={cat.ac.pk: 3, cat.solar.pk: 1})  # the fan goes again: credited
    assert ab.total_minor == 13_900_00 and selectors.get_booking(tenant, ab.pk).remaining_minor == 500_00
    assert doctor.invoices_ask_for_the_total() == [] and doctor.total_is_the_one_function() == []
    assert AuditEntry.objects.filter(tenant=tenant, action="apartments.booking.change_order").count() == 2


@pytest.mark.django_db
def test_a_change_order_is_only_for_approved_bookings(tenant, sales, in_progress, cat):
    with pytest.raises(Conflict) as refused:
        bookings.change_order(tenant=tenant, actor=sales, booking_id=in_progress.pk, addons={cat.ac.pk: 1})
    assert refused.value.code == "booking_not_approved"
