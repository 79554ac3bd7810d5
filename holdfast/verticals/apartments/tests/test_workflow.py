"""The booking workflow of seed 001 §3.4, one transition at a time, with its side effects: the clone,
the listing's status, the engine booking, invoices, notifications, audit entries and events."""
from __future__ import annotations

import pytest

from holdfast.core.audit.models import AuditEntry
from holdfast.core.billing.models import Invoice
from holdfast.core.bookings.models import Booking
from holdfast.core.events.models import Notification, OutboxEvent
from holdfast.kit.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from holdfast.verticals.apartments import selectors
from holdfast.verticals.apartments.models import APPROVED, IN_PROGRESS, PENDING, REJECTED, UNDER_REVIEW, Apartment, ApartmentBooking
from holdfast.verticals.apartments.services import bookings, catalogue

from .conftest import make_buyer

pytestmark = pytest.mark.django_db


def _listing(pk):
    return Apartment.objects.get(pk=pk)


# ---------------------------------------------------------------- steps 2-3: create and clone

def test_creating_a_booking_clones_the_listing_and_takes_it_off_the_market(tenant, buyer, cat):
    user, customer = buyer
    ab = bookings.create_booking(tenant=tenant, actor=user, listing_id=cat.listing.pk, payment_method="CARD")
    clone = ab.apartment
    assert clone.kind == Apartment.INSTANCE and clone.status == Apartment.BOOKED and clone.customer == customer and clone.source_id == cat.listing.pk
    assert clone.pk != cat.listing.pk and clone.space_sqm == cat.listing.space_sqm and clone.description == cat.listing.description
    assert set(clone.packages.all()) == set(cat.packages) and set(clone.addons.all()) == set(cat.addons)
    assert ab.status == PENDING and ab.customer == customer and ab.payment_method == "CARD" and ab.total_minor == 0
    engine = Booking.objects.get(pk=ab.pk)
    assert engine.flow == "apartments" and engine.resource_id == cat.listing.resource_id and engine.exclusive_key == f"resource:{cat.listing.resource_id}"
    listing = _listing(cat.listing.pk)
    assert listing.status == Apartment.IN_PROGRESS and listing.kind == Apartment.PROJECT and listing.customer is None  # the listing itself stays intact
    assert AuditEntry.objects.filter(tenant=tenant, action="apartments.booking.created").count() == 1
    assert OutboxEvent.objects.filter(tenant=tenant, event_type="apartments.booking:created").count() == 1
    assert cat.project.total_units == 2  # derived: the clone is not a listed unit


def test_a_listing_with_a_live_booking_cannot_be_booked_twice(tenant, buyer, buyer2, pending, cat):
    with pytest.raises(Conflict) as refused:
        bookings.create_booking(tenant=tenant, actor=buyer2[0], listing_id=cat.listing.pk)
    assert refused.value.code in ("resource_unavailable", "resource_has_active_booking")  # the inventory block refuses first
    assert ApartmentBooking.objects.filter(listing=cat.listing).count() == 1
    assert Apartment.objects.filter(kind=Apartment.INSTANCE).count() == 1  # nothing was cloned for the refused one
    # the other listing is still for sale
    assert bookings.create_booking(tenant=tenant, actor=buyer2[0], listing_id=cat.listings[1].pk).status == PENDING


def test_templates_and_removed_apartments_are_not_for_sale(tenant, owner, buyer, cat):
    template = catalogue.add_apartment(tenant=tenant, actor=owner, name="Type B", kind="TEMPLATE", space_sqm="65", package_ids=[cat.gold.pk])
    with pytest.raises(Conflict) as refused:
        bookings.create_booking(tenant=tenant, actor=buyer[0], listing_id=template.pk)
    assert refused.value.code == "apartment_not_for_sale"
    catalogue.remove_apartment(tenant=tenant, actor=owner, apartment_id=cat.listings[1].pk)
    with pytest.raises(Conflict):
        bookings.create_booking(tenant=tenant, actor=buyer[0], listing_id=cat.listings[1].pk)


def test_a_customer_books_only_for_themselves_and_staff_name_the_customer(tenant, buyer, buyer2, sales, cat):
    with pytest.raises(PermissionDenied) as refused:
        bookings.create_booking(tenant=tenant, actor=buyer[0], listing_id=cat.listing.pk, customer_id=buyer2[1].pk)
    assert refused.value.code == "not_own_customer"
    with pytest.raises(ValidationFailed):
        bookings.create_booking(tenant=tenant, actor=sales, listing_id=cat.listing.pk)  # staff must say for whom
    ab = bookings.create_booking(tenant=tenant, actor=sales, listing_id=cat.listing.pk, customer_id=buyer2[1].pk)
    assert ab.customer == buyer2[1]
    with pytest.raises(ValidationFailed):
        bookings.create_booking(tenant=tenant, actor=sales, listing_id=cat.listings[1].pk, customer_id=buyer[1].pk, payment_method="BITCOIN")


# ---------------------------------------------------------------- steps 4-5: package and addons

def test_configuring_computes_the_total_from_package_and_addons(tenant, buyer, cat, configured):
    assert configured.package == cat.gold and configured.package_price_minor == 10_000_00
    lines = {line.addon_id: (line.units, line.unit_price_minor) for line in configured.addon_lines.all()}
    assert lines == {cat.ac.pk: (2, 500_00), cat.solar.pk: (1, 2_400_00)}
    assert configured.subtotal_minor == configured.total_minor == 13_400_00
    # 0 units removes a line; the whole selection is replaced
    ab = bookings.configure_booking(tenant=tenant, actor=buyer[0], booking_id=configured.pk, addons={cat.ac.pk: 0, cat.fan.pk: 3})
    assert {line.addon_id: line.units for line in ab.addon_lines.all()} == {cat.fan.pk: 3}
    assert ab.total_minor == 10_000_00 + 3 * 120_50
    assert AuditEntry.objects.filter(tenant=tenant, action="apartments.booking.configured").count() == 2


@pytest.mark.parametrize("selection, message", [
    ({"ac": 4}, "between 1 and 3"),                 # over the addon's max units
    ({"ac": 3, "fan": 2}, "at most 4 units"),        # over the category's limit (Climate: 4)
    ({"ac": -1}, "0 or more"),
    ({"nope": 1}, "not an addon id"),
])
def test_addon_limits_are_checked_on_every_change(tenant, buyer, cat, configured, selection, message):
    addons = {getattr(cat, key).pk if hasattr(cat, key) else key: units for key, units in selection.items()}
    with pytest.raises(ValidationFailed) as refused:
        bookings.configure_booking(tenant=tenant, actor=buyer[0], booking_id=configured.pk, addons=addons)
    assert message in str(refused.value.fields["addons"])
    assert ApartmentBooking.objects.get(pk=configured.pk).total_minor == 13_400_00  # nothing changed


def test_a_package_or_addon_not_offered_for_the_apartment_is_refused(tenant, owner, buyer, cat, pending):
    other = catalogue.create_package(tenant=tenant, actor=owner, name="Diamond", kind="PLATINUM", price_minor=1)
    other_addon = catalogue.create_addon(tenant=tenant, actor=owner, name="Sauna", addon_type="Sauna", category_id=cat.energy.pk, unit_price_minor=1, max_units=1)
    with pytest.raises(ValidationFailed) as refused:
        bookings.configure_booking(tenant=tenant, actor=buyer[0], booking_id=pending.pk, package_id=other.pk)
    assert "not offered" in str(refused.value.fields["package_id"])
    with pytest.raises(ValidationFailed) as refused:
        bookings.configure_booking(tenant=tenant, actor=buyer[0], booking_id=pending.pk, package_id=cat.gold.pk, addons={other_addon.pk: 1})
    assert "not offered" in str(refused.value.fields["addons"])


def test_someone_elses_booking_is_not_found_for_a_customer(tenant, buyer2, pending, cat):
    with pytest.raises(NotFound):
        bookings.configure_booking(tenant=tenant, actor=buyer2[0], booking_id=pending.pk, package_id=cat.gold.pk)
    with pytest.raises(NotFound):
        bookings.confirm_booking(tenant=tenant, actor=buyer2[0], booking_id=pending.pk)


def test_a_stale_version_is_refused(tenant, buyer, cat, configured):
    with pytest.raises(Conflict) as refused:
        bookings.configure_booking(tenant=tenant, actor=buyer[0], booking_id=configured.pk, package_id=cat.silver.pk, version=configured.booking.version + 5)
    assert refused.value.code == "stale_version"


# ---------------------------------------------------------------- steps 6-7: invoice and confirmation

def test_a_booking_without_a_package_cannot_leave_pending(tenant, buyer, pending):
    with pytest.raises(Conflict) as refused:
        bookings.confirm_booking(tenant=tenant, actor=buyer[0], booking_id=pending.pk)
    assert refused.value.code == "configuration_incomplete" and "package" in refused.value.detail
    assert Booking.objects.get(pk=pending.pk).status == PENDING


def test_confirming_issues_the_invoice_and_tells_sales(tenant, buyer, sales, cat, in_progress):
    assert in_progress.status == IN_PROGRESS and in_progress.confirmed_at is not None
    assert in_progress.apartment.status == Apartment.IN_PROGRESS
    invoice = Invoice.objects.get(booking_id=in_progress.pk)
    assert invoice.status == Invoice.PENDING and invoice.total_minor == 13_400_00 and invoice.customer_id == buyer[1].pk
    assert sorted((line.unit_price_minor, line.quantity) for line in invoice.lines.all()) == [(500_00, 2), (2_400_00, 1), (10_000_00, 1)]
    assert Notification.objects.filter(tenant=tenant, recipient=sales, event_type="apartments.booking:confirm").exists()
    # The customer may not change a confirmed booking; sales may, and the untouched invoice is issued anew.
    with pytest.raises(Conflict) as refused:
        bookings.configure_booking(tenant=tenant, actor=buyer[0], booking_id=in_progress.pk, package_id=cat.silver.pk)
    assert refused.value.code == "booking_not_configurable"
    bookings.configure_booking(tenant=tenant, actor=sales, booking_id=in_progress.pk, package_id=cat.silver.pk)
    invoices = Invoice.objects.filter(booking_id=in_progress.pk).order_by("pk")
    assert [i.status for i in invoices] == [Invoice.VOID, Invoice.PENDING]
    assert invoices.last().total_minor == 8_000_00 + 3_400_00


# ---------------------------------------------------------------- step 8: review, approve, reject

def test_review_assigns_the_reviewer_and_send_back_returns_it(tenant, buyer, sales, in_progress):
    with pytest.raises(PermissionDenied):
        bookings.start_review(tenant=tenant, actor=buyer[0], booking_id=in_progress.pk)
    ab = bookings.start_review(tenant=tenant, actor=sales, booking_id=in_progress.pk)
    assert ab.status == UNDER_REVIEW and ab.assigned_to == sales
    assert Notification.objects.filter(tenant=tenant, recipient=buyer[0], event_type="apartments.booking:start_review").exists()
    ab = bookings.send_back(tenant=tenant, actor=sales, booking_id=ab.pk, reason="Check the AC count")
    assert ab.status == IN_PROGRESS
    history = [(h.from_status, h.to_status, h.actor_id) for h in selectors.history(ab)]
    assert history == [("", PENDING, buyer[0].pk), (PENDING, IN_PROGRESS, buyer[0].pk), (IN_PROGRESS, UNDER_REVIEW, sales.pk), (UNDER_REVIEW, IN_PROGRESS, sales.pk)]


def test_approval_books_the_listing_and_freezes_the_configuration(tenant, buyer, sales, cat, approved):
    assert approved.status == APPROVED and approved.approved_at is not None and approved.assigned_to == sales
    assert _listing(cat.listing.pk).status == Apartment.BOOKED and approved.apartment.status == Apartment.BOOKED
    assert Notification.objects.filter(tenant=tenant, recipient=buyer[0], event_type="apartments.booking:approve").exists()
    for actor in (buyer[0], sales):
        with pytest.raises(Conflict) as refused:
            bookings.configure_booking(tenant=tenant, actor=actor, booking_id=approved.pk, addons={})
        assert refused.value.code == "booking_approved"
    with pytest.raises(Conflict) as refused:
        bookings.reject_booking(tenant=tenant, actor=sales, booking_id=approved.pk)
    assert refused.value.code == "illegal_transition"


def test_rejection_rejects_the_invoices_and_puts_the_listing_back_on_sale(tenant, buyer, buyer2, sales, cat, under_review):
    ab = bookings.reject_booking(tenant=tenant, actor=sales, booking_id=under_review.pk, reason="Financing not confirmed")
    assert ab.status == REJECTED
    assert list(Invoice.objects.filter(booking_id=ab.pk).values_list("status", flat=True)) == [Invoice.REJECTED]
    assert _listing(cat.listing.pk).status == Apartment.FOR_SALE
    assert Booking.objects.get(pk=ab.pk).exclusive_key is None
    assert Notification.objects.filter(tenant=tenant, recipient=buyer[0], event_type="apartments.booking:reject", body="Financing not confirmed").exists()
    again = bookings.create_booking(tenant=tenant, actor=buyer2[0], listing_id=cat.listing.pk)
    assert again.status == PENDING and _listing(cat.listing.pk).status == Apartment.IN_PROGRESS


def test_a_booking_with_money_received_is_not_rejected(tenant, sales, in_progress):
    bookings.record_payment(tenant=tenant, actor=sales, booking_id=in_progress.pk, amount_minor=100_00, method="CASH")
    with pytest.raises(Conflict) as refused:
        bookings.reject_booking(tenant=tenant, actor=sales, booking_id=in_progress.pk)
    assert refused.value.code == "booking_has_payments"
    assert ApartmentBooking.objects.get(pk=in_progress.pk).status == IN_PROGRESS


def test_the_board_moves_a_booking_by_the_one_step_that_leads_there(tenant, sales, in_progress):
    ab = bookings.move_booking(tenant=tenant, actor=sales, booking_id=in_progress.pk, to_status=UNDER_REVIEW)
    assert ab.status == UNDER_REVIEW
    with pytest.raises(Conflict) as refused:
        bookings.move_booking(tenant=tenant, actor=sales, booking_id=ab.pk, to_status=PENDING)
    assert refused.value.code == "illegal_transition" and set(refused.value.extra["allowed"]) == {IN_PROGRESS, APPROVED, REJECTED}
    assert bookings.move_booking(tenant=tenant, actor=sales, booking_id=ab.pk, to_status=APPROVED).status == APPROVED


def test_assigning_the_follow_up_person(tenant, owner, sales, buyer, pending):
    ab = bookings.assign_booking(tenant=tenant, actor=owner, booking_id=pending.pk, assignee_id=sales.pk)
    assert ab.assigned_to == sales
    assert Notification.objects.filter(tenant=tenant, recipient=sales, event_type="apartments.booking:assigned").exists()
    with pytest.raises(ValidationFailed):
        bookings.assign_booking(tenant=tenant, actor=owner, booking_id=pending.pk, assignee_id=buyer[0].pk)  # a customer does not review
    with pytest.raises(PermissionDenied):
        bookings.assign_booking(tenant=tenant, actor=buyer[0], booking_id=pending.pk, assignee_id=sales.pk)
    assert bookings.assign_booking(tenant=tenant, actor=owner, booking_id=pending.pk, assignee_id=None).assigned_to is None


# ---------------------------------------------------------------- step 9: payments and the remaining amount

def test_partial_payments_keep_the_remaining_amount_exact_to_the_cent(tenant, sales, approved):
    assert selectors.remaining_minor(tenant, approved.pk) == 13_400_00
    bookings.record_payment(tenant=tenant, actor=sales, booking_id=approved.pk, amount_minor=3_333_33, method="CARD")
    bookings.record_payment(tenant=tenant, actor=sales, booking_id=approved.pk, amount_minor=1, method="CASH")
    ab = selectors.get_booking(tenant, approved.pk)
    assert ab.received_minor == 3_333_34 and ab.remaining_minor == 13_400_00 - 3_333_34
    money = selectors.money(tenant, ab)
    assert money["paid_invoices_minor"] == 0 and [i.status for i in money["invoices"]] == [Invoice.PENDING]
    with pytest.raises(Conflict) as refused:
        bookings.record_payment(tenant=tenant, actor=sales, booking_id=approved.pk, amount_minor=ab.remaining_minor + 1, method="CARD")
    assert refused.value.code == "payment_exceeds_invoices" and refused.value.extra["remaining_minor"] == ab.remaining_minor
    bookings.record_payment(tenant=tenant, actor=sales, booking_id=approved.pk, amount_minor=ab.remaining_minor, method="INVOICE")
    ab = selectors.get_booking(tenant, approved.pk)
    assert ab.remaining_minor == 0 and selectors.money(tenant, ab)["paid_invoices_minor"] == 13_400_00
    assert Invoice.objects.get(booking_id=ab.pk).status == Invoice.PAID
    assert ApartmentBooking.objects.get(pk=ab.pk).payment_method == "CARD"  # the first payment's method, when none was chosen


def test_payments_are_refused_before_confirmation_and_in_bad_shapes(tenant, sales, buyer, pending, cat):
    with pytest.raises(Conflict) as refused:
        bookings.record_payment(tenant=tenant, actor=sales, booking_id=pending.pk, amount_minor=100, method="CARD")
    assert refused.value.code == "booking_not_payable"
    with pytest.raises(PermissionDenied):
        bookings.record_payment(tenant=tenant, actor=buyer[0], booking_id=pending.pk, amount_minor=100, method="CARD")


@pytest.mark.parametrize("amount, method", [(0, "CARD"), (-5, "CARD"), (10, "BITCOIN"), (True, "CARD")])
def test_a_payment_must_be_positive_whole_minor_units_by_a_known_method(tenant, sales, in_progress, amount, method):
    with pytest.raises(ValidationFailed):
        bookings.record_payment(tenant=tenant, actor=sales, booking_id=in_progress.pk, amount_minor=amount, method=method)


def test_a_second_customer_can_book_the_next_listing_while_the_first_pays(tenant, sales, cat, approved):
    user, customer = make_buyer(tenant, "third@harbour.test", "Tia Third")
    ab = bookings.create_booking(tenant=tenant, actor=user, listing_id=cat.listings[1].pk)
    assert ab.listing_id == cat.listings[1].pk and selectors.bookings_for(tenant, user).count() == 1
    assert selectors.bookings_for(tenant, sales).count() == 2


def test_every_step_event_is_one_the_browser_listens_to():
    """The steps emit f"apartments.booking:{name}", which the static scan of emit() calls cannot see."""
    from holdfast.web.tests.test_live_events import _known_events

    assert {f"apartments.booking:{name}" for name in bookings.STEPS} <= _known_events()
