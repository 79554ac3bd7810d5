"""The seed's main flow through the services: book a listing, configure, confirm (invoice), review,
approve, pay in parts; and a second booking of the same listing is refused."""
from __future__ import annotations

import pytest

from holdfast.core.billing.models import Invoice
from holdfast.kit.errors import Conflict, ValidationFailed
from holdfast.verticals.apartments.models import APPROVED, Apartment
from holdfast.verticals.apartments.services import bookings, catalogue, prices
from tests.factories import CustomerFactory, member


@pytest.mark.django_db
def test_a_customer_books_configures_and_sales_approve_with_invoice_and_partial_payments(tenant, owner):
    sales = member(tenant, "sales", email="sales@harbour.test")
    user = member(tenant, "customer", email="cust@harbour.test")
    CustomerFactory(tenant=tenant, name="Cy", email="cust@harbour.test", user=user, is_verified=True)
    project = catalogue.create_project(tenant=tenant, actor=owner, name="Skyline One", location="Berlin")
    gold = catalogue.create_package(tenant=tenant, actor=owner, name="Gold", kind="GOLDEN", price_minor=10_000_00)
    climate = catalogue.create_category(tenant=tenant, actor=owner, name="Climate", max_units=3)
    ac = catalogue.create_addon(tenant=tenant, actor=owner, name="AC", addon_type="Air Conditioning 1.5 HP", category_id=climate.pk, unit_price_minor=500_00, max_units=3)
    listing = catalogue.add_apartment(tenant=tenant, actor=owner, name="A-1", project_id=project.pk, space_sqm="80", package_ids=[gold.pk], addon_ids=[ac.pk])
    assert project.total_units == 1
    ab = bookings.create_booking(tenant=tenant, actor=user, listing_id=listing.pk)
    assert ab.apartment.kind == Apartment.INSTANCE and ab.apartment.status == Apartment.BOOKED
    with pytest.raises(Conflict):
        bookings.confirm_booking(tenant=tenant, actor=user, booking_id=ab.pk)  # no package yet
    with pytest.raises(ValidationFailed):
        bookings.configure_booking(tenant=tenant, actor=user, booking_id=ab.pk, package_id=gold.pk, addons={ac.pk: 4})
    bookings.configure_booking(tenant=tenant, actor=user, booking_id=ab.pk, package_id=gold.pk, addons={ac.pk: 2})
    ab = bookings.confirm_booking(tenant=tenant, actor=user, booking_id=ab.pk)
    assert ab.subtotal_minor == 11_000_00
    invoice = Invoice.objects.get(booking_id=ab.pk, status=Invoice.PENDING)
    assert invoice.total_minor == ab.total_minor
    prices.update_package(tenant=tenant, actor=owner, package_id=gold.pk, price_minor=12_000_00)
    ab.refresh_from_db()
    assert ab.subtotal_minor == 13_000_00
    assert Invoice.objects.get(booking_id=ab.pk, status=Invoice.PENDING).total_minor == ab.total_minor
    with pytest.raises(Conflict):
        bookings.create_booking(tenant=tenant, actor=user, listing_id=listing.pk)
    bookings.start_review(tenant=tenant, actor=sales, booking_id=ab.pk)
    ab = bookings.approve_booking(tenant=tenant, actor=sales, booking_id=ab.pk)
    assert ab.status == APPROVED and ab.assigned_to == sales
    bookings.record_payment(tenant=tenant, actor=sales, booking_id=ab.pk, amount_minor=1_000_01, method="CARD")
    bookings.record_payment(tenant=tenant, actor=sales, booking_id=ab.pk, amount_minor=ab.total_minor - 1_000_01, method="CASH")
    assert not Invoice.objects.filter(booking_id=ab.pk, status=Invoice.PENDING).exists()
    assert Invoice.objects.filter(booking_id=ab.pk, status=Invoice.PAID).count() == 1
    prices.update_package(tenant=tenant, actor=owner, package_id=gold.pk, price_minor=1_00)
    ab.refresh_from_db()
    assert ab.subtotal_minor == 13_000_00  # approved: the snapshot stays
