"""The demo builds a consistent hotel quickly; every screen renders for admin and staff."""
from __future__ import annotations

import time

import pytest
from django.urls import reverse

from holdfast.core.bookings import doctor as booking_doctor
from holdfast.core.inventory import doctor as inventory_doctor
from holdfast.verticals.hotel import demo, doctor
from holdfast.verticals.hotel.models import Property, Reservation

from .factories import book

pytestmark = pytest.mark.django_db


def test_demo_has_every_state_and_passes_the_doctor(tenant, owner):
    started = time.monotonic()
    demo.seed(tenant, {"admin": owner}, past_days=8, future_bookings=4)  # the real demo runs six weeks back
    elapsed = time.monotonic() - started
    assert Property.objects.for_tenant(tenant).count() == 2
    statuses = set(Reservation.objects.for_tenant(tenant).values_list("status", flat=True))
    assert statuses == {s for s, _ in Reservation.STATUSES}, statuses
    for check in (doctor.read_models, doctor.reservation_room_claims, doctor.room_in_house, inventory_doctor.no_overlapping_blocks, booking_doctor.history_consistent, booking_doctor.hold_matches_status):
        assert [f for f in check() if f.tenant_id == tenant.pk] == [], check.__name__
    demo.seed(tenant, {"admin": owner})  # a second run changes nothing
    assert Property.objects.for_tenant(tenant).count() == 2
    assert elapsed < 30, elapsed


@pytest.mark.parametrize("name", ["tape", "availability", "frontdesk", "housekeeping", "occupancy", "reservation_new", "reservations"])
def test_hotel_screens_render(web_as, owner, tenant, h, name):
    book(tenant, h, nights=(0, 2), room=h.rooms["101"])
    r = web_as(owner).get(reverse(f"hotel:{name}"), {"property": h.property.pk, "check_in": "", "check_out": ""} if name != "availability" else {})
    assert r.status_code == 200
    assert h.property.name.encode() in r.content


def test_reservation_detail_and_staff_view(web_as, owner, staff_member, tenant, h):
    res = book(tenant, h, nights=(0, 2), room=h.rooms["101"])
    page = web_as(owner).get(reverse("hotel:reservation", args=[res.pk]))
    assert page.status_code == 200 and b"Check in" in page.content
    staff = web_as(staff_member).get(reverse("hotel:reservation", args=[res.pk]))
    assert staff.status_code == 200 and b"Check in" not in staff.content
    assert web_as(staff_member).get(reverse("hotel:reservation_new")).status_code == 403


def test_folio_pdf_is_a_pdf_of_the_guests_bill(web_as, owner, tenant, h):
    from holdfast.verticals.hotel import pdf

    res = book(tenant, h, nights=(0, 2), room=h.rooms["101"], guest={"first_name": "Ada", "last_name": "Byron"})
    assert "Ada Byron" in pdf.folio_html(tenant, res)
    r = web_as(owner).get(reverse("hotel:folio_pdf", args=[res.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")


def test_reservations_are_searchable_on_screen(web_as, owner, tenant, h):
    book(tenant, h, nights=(0, 2), guest={"first_name": "Katherine", "last_name": "Johnson"})
    book(tenant, h, nights=(0, 2), guest={"first_name": "Dorothy", "last_name": "Vaughan"})
    page = web_as(owner).get(reverse("hotel:reservations"), {"property": h.property.pk, "q": "johns"})
    assert b"Katherine Johnson" in page.content and b"Dorothy" not in page.content


def test_demo_leaves_charges_of_voided_folio_invoices_waiting_to_be_invoiced(tenant, owner):
    from holdfast.core.billing.models import Invoice, InvoiceItem

    demo.seed(tenant, {"admin": owner}, past_days=8, future_bookings=4)
    waiting = InvoiceItem.objects.for_tenant(tenant).filter(source="billing.ledger", status=InvoiceItem.PENDING)
    assert waiting.exists() and waiting.values("customer").distinct().count() == 2
    assert Invoice.objects.for_tenant(tenant).filter(status=Invoice.VOID).count() == 2
    before = waiting.count()
    demo.seed(tenant, {"admin": owner})
    assert waiting.count() == before
