"""Every transition of seed 002's booking lifecycle (S008/S009) with its side effects: slot counters on
every day, the hold, the status history, audit entries, outbox events, price snapshot, invoices."""
from __future__ import annotations

import datetime as dt

import pytest

from holdfast.core.audit.models import AuditEntry
from holdfast.core.billing.models import Invoice, PriceQuote
from holdfast.core.bookings.models import BookingStatusHistory
from holdfast.core.events.models import Notification, OutboxEvent
from holdfast.core.inventory.models import Hold
from holdfast.core.inventory.services import expire_due_holds
from holdfast.kit.errors import Conflict, DomainError, NotFound, ValidationFailed
from holdfast.verticals.storage import selectors, services
from holdfast.verticals.storage.models import StorageBooking

from .factories import FacilityFactory, today
from .helpers import counters, mismatches, run_out

pytestmark = pytest.mark.django_db


def history(storage) -> list[tuple[str, str]]:
    return list(BookingStatusHistory.objects.filter(booking_id=storage.pk).order_by("id").values_list("from_status", "to_status"))


def events(tenant, prefix="storage.booking") -> list[str]:
    return list(OutboxEvent.objects.filter(tenant=tenant, event_type__startswith=prefix).order_by("id").values_list("event_type", flat=True))


def hold(tenant, actor, facility, start, days=3, pallets=4, **kw):
    return services.hold_booking(tenant=tenant, actor=actor, facility_pk=facility.pk, start_date=start, end_date=start + dt.timedelta(days=days), pallets=pallets, **kw)


# ---------------------------------------------------------------- NEW -> HELD

def test_hold_takes_the_pallets_on_every_day_in_one_step(tenant, shipper, facility, tomorrow, held):
    assert held.status == "HELD" and held.pallets == 4 and (held.check_in, held.check_out) == (tomorrow, tomorrow + dt.timedelta(days=3))
    assert counters(facility, tomorrow, 4) == [(4, 0), (4, 0), (4, 0), (0, 0)]
    assert held.booking.hold.status == Hold.ACTIVE and held.booking.hold.expires_at is not None and held.booking.hold.reason == held.booking_ref
    assert history(held) == [("", "NEW"), ("NEW", "HELD")]
    assert held.customer == shipper[1] and held.booking_ref.startswith("SB-")
    assert AuditEntry.objects.filter(tenant=tenant, action="storage.booking.held").count() == 1
    assert events(tenant) == ["storage.booking:hold"]
    quote = selectors.quote_of(tenant, held)
    assert not quote.locked and quote.subtotal_minor == 150 * 4 * 3
    assert selectors.free_pallets(facility, tomorrow, tomorrow + dt.timedelta(days=3)) == 6


def test_a_day_short_refuses_the_whole_booking_and_changes_nothing(tenant, shipper, shipper2, facility, tomorrow, held):
    hold(tenant, shipper2[0], facility, tomorrow + dt.timedelta(days=2), days=1, pallets=6)  # the third day is now full
    before = counters(facility, tomorrow, 4)
    with pytest.raises(Conflict) as caught:
        hold(tenant, shipper[0], facility, tomorrow, days=3, pallets=1)
    assert caught.value.code == "capacity_exceeded"
    assert counters(facility, tomorrow, 4) == before
    assert StorageBooking.objects.count() == 2


def test_a_day_without_a_slot_has_no_capacity(tenant, shipper, facility):
    start = today() + dt.timedelta(days=29)
    with pytest.raises(Conflict) as caught:
        hold(tenant, shipper[0], facility, start, days=3, pallets=1)
    assert caught.value.code == "capacity_exceeded"


@pytest.mark.parametrize("kwargs, field", [
    ({"pallets": 0}, "pallets"),
    ({"pallets": True}, "pallets"),
    ({"days": 0}, "end_date"),
    ({"pallet_height_cm": "181"}, "pallet_height_cm"),
    ({"pallet_width_cm": "-3"}, "pallet_width_cm"),
    ({"features": ["NOPE"]}, "features"),
])
def test_bad_requests_are_field_errors(tenant, shipper, tomorrow, kwargs, field):
    facility = FacilityFactory(tenant=tenant, max_pallet_height_cm="180", max_pallet_width_cm="120")
    with pytest.raises(ValidationFailed) as caught:
        hold(tenant, shipper[0], facility, tomorrow, **kwargs)
    assert field in caught.value.fields
    assert not StorageBooking.objects.exists()


def test_past_dates_cutoff_status_and_closed_days_are_refused(tenant, shipper, monkeypatch):
    from holdfast.kit import clock

    facility = FacilityFactory(tenant=tenant, cutoff_time="12:00", open_hours={d: [["08:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")})
    day = today()
    with pytest.raises(ValidationFailed):
        hold(tenant, shipper[0], facility, day - dt.timedelta(days=1))
    noon = clock.local_midnight(day, facility.site.time_zone) + dt.timedelta(hours=13)
    monkeypatch.setattr(clock, "now", lambda: noon)
    if day.weekday() < 5:
        with pytest.raises(Conflict) as caught:
            hold(tenant, shipper[0], facility, day)
        assert caught.value.code == "cutoff_passed"
    saturday = day + dt.timedelta(days=(5 - day.weekday()) % 7 or 7)
    with pytest.raises(Conflict) as caught:
        hold(tenant, shipper[0], facility, saturday, days=1)
    assert caught.value.code == "facility_closed"
    services.update_facility(tenant=tenant, actor=None, facility_pk=facility.pk, status="MAINTENANCE")
    with pytest.raises(Conflict) as caught:
        hold(tenant, shipper[0], facility, saturday + dt.timedelta(days=2), days=1)
    assert caught.value.code == "facility_not_active"


def test_customers_book_only_for_themselves_and_staff_name_the_customer(tenant, shipper, shipper2, staff, facility, tomorrow):
    with pytest.raises(DomainError) as caught:
        hold(tenant, shipper[0], facility, tomorrow, customer_id=shipper2[1].pk)
    assert caught.value.code == "not_own_customer"
    with pytest.raises(ValidationFailed):
        hold(tenant, staff, facility, tomorrow)
    booked = hold(tenant, staff, facility, tomorrow, customer_id=shipper2[1].pk)
    assert booked.customer == shipper2[1]


# ---------------------------------------------------------------- HELD -> CONFIRMED

def test_confirm_moves_held_to_occupied_freezes_the_price_and_invoices(tenant, manager, shipper, facility, tomorrow, held):
    confirmed = services.confirm_booking(tenant=tenant, actor=manager, booking_id=held.pk)
    assert confirmed.status == "CONFIRMED"
    assert counters(facility, tomorrow, 4) == [(0, 4), (0, 4), (0, 4), (0, 0)]
    assert Hold.objects.get(pk=held.booking.hold_id).status == Hold.CONVERTED
    assert history(held)[-1] == ("HELD", "CONFIRMED")
    assert PriceQuote.objects.get(source="storage.booking", booking_id=held.pk).locked
    invoice = Invoice.objects.get(booking_id=held.pk)
    assert invoice.status == Invoice.PENDING and invoice.due_date is not None and invoice.issue_date is not None
    assert selectors.booking_money(tenant, confirmed)["outstanding_minor"] == 1800
    assert events(tenant) == ["storage.booking:hold", "storage.booking:confirm"]
    assert Notification.objects.filter(recipient=shipper[0], event_type="storage.booking:confirm").exists()
    assert mismatches(facility) == {}


def test_a_customer_confirms_only_their_own_booking(tenant, shipper, shipper2, held):
    with pytest.raises(NotFound):
        services.confirm_booking(tenant=tenant, actor=shipper2[0], booking_id=held.pk)
    assert services.confirm_booking(tenant=tenant, actor=shipper[0], booking_id=held.pk).status == "CONFIRMED"


def test_an_expired_hold_cannot_be_confirmed(tenant, manager, held):
    run_out(held)
    with pytest.raises(Conflict) as caught:
        services.confirm_booking(tenant=tenant, actor=manager, booking_id=held.pk)
    assert caught.value.code == "hold_expired"
    assert StorageBooking.objects.get(pk=held.pk).status == "HELD"


def test_the_slot_deposit_is_needed_before_confirmation_and_applied_to_the_invoice(tenant, manager, shipper, tomorrow):
    facility = FacilityFactory(tenant=tenant, rate_minor=1000, policy={"deposit_required": True, "deposit_minor": 500})
    booked = hold(tenant, shipper[0], facility, tomorrow, days=2, pallets=1)
    assert booked.deposit_minor == 500 and selectors.booking_money(tenant, booked)["required_before_confirmation_minor"] == 500
    with pytest.raises(Conflict) as caught:
        services.confirm_booking(tenant=tenant, actor=manager, booking_id=booked.pk)
    assert caught.value.code == "payment_required"
    services.pay_booking(tenant=tenant, actor=shipper[0], booking_id=booked.pk, amount_minor=500, method="CARD")
    services.confirm_booking(tenant=tenant, actor=manager, booking_id=booked.pk)
    money = selectors.booking_money(tenant, StorageBooking.objects.get(pk=booked.pk))
    assert (money["total_minor"], money["paid_minor"], money["outstanding_minor"]) == (2000, 500, 1500)
    from holdfast.core.billing import selectors as billing_selectors

    invoice = Invoice.objects.get(booking_id=booked.pk)
    assert billing_selectors.invoice_remaining_minor(invoice) == 1500


def test_prepayment_asks_the_whole_total_before_confirmation(tenant, manager, shipper, tomorrow):
    facility = FacilityFactory(tenant=tenant, rate_minor=1000, policy={"prepayment_required": True})
    booked = hold(tenant, shipper[0], facility, tomorrow, days=2, pallets=1)
    services.pay_booking(tenant=tenant, actor=manager, booking_id=booked.pk, amount_minor=1999)
    with pytest.raises(Conflict):
        services.confirm_booking(tenant=tenant, actor=manager, booking_id=booked.pk)
    with pytest.raises(Conflict) as caught:
        services.pay_booking(tenant=tenant, actor=manager, booking_id=booked.pk, amount_minor=2)
    assert caught.value.code == "amount_exceeds_due"
    services.pay_booking(tenant=tenant, actor=manager, booking_id=booked.pk, amount_minor=1)
    confirmed = services.confirm_booking(tenant=tenant, actor=manager, booking_id=booked.pk)
    assert selectors.booking_money(tenant, confirmed)["outstanding_minor"] == 0
    assert Invoice.objects.get(booking_id=booked.pk).status == Invoice.PAID


# ---------------------------------------------------------------- -> CANCELLED

def test_cancelling_a_held_booking_gives_the_pallets_back_without_a_fee(tenant, shipper, facility, tomorrow, held):
    cancelled = services.cancel_booking(tenant=tenant, actor=shipper[0], booking_id=held.pk, reason="plans changed")
    assert cancelled.status == "CANCELLED" and cancelled.cancellation_fee_minor == 0
    assert counters(facility, tomorrow, 3) == [(0, 0)] * 3
    assert Hold.objects.get(pk=held.booking.hold_id).status == Hold.RELEASED
    assert history(held)[-1] == ("HELD", "CANCELLED")
    assert events(tenant)[-1] == "storage.booking:cancel"
    assert not Invoice.objects.filter(booking_id=held.pk).exists()


def test_cancelling_a_confirmed_booking_inside_the_window_charges_the_slot_fee(tenant, manager, shipper, tomorrow):
    facility = FacilityFactory(tenant=tenant, policy={"free_cancellation": True, "cancellation_minor": 700, "cancellation_unit": "DAYS", "cancellation_window": 3})
    booked = hold(tenant, shipper[0], facility, tomorrow, days=2, pallets=2)
    services.confirm_booking(tenant=tenant, actor=manager, booking_id=booked.pk)
    cancelled = services.cancel_booking(tenant=tenant, actor=manager, booking_id=booked.pk, reason="customer")
    assert cancelled.cancellation_fee_minor == 700
    assert counters(facility, tomorrow, 2) == [(0, 0)] * 2
    invoices = {i.status: i for i in Invoice.objects.filter(booking_id=booked.pk)}
    assert set(invoices) == {Invoice.VOID, Invoice.PENDING}
    assert invoices[Invoice.PENDING].total_minor == 700
    assert selectors.booking_money(tenant, cancelled)["outstanding_minor"] == 700


def test_cancelling_before_the_window_is_free(tenant, manager, shipper):
    facility = FacilityFactory(tenant=tenant, policy={"free_cancellation": True, "cancellation_minor": 700, "cancellation_unit": "HOURS", "cancellation_window": 24})
    booked = hold(tenant, shipper[0], facility, today() + dt.timedelta(days=5), days=2, pallets=2)
    services.confirm_booking(tenant=tenant, actor=manager, booking_id=booked.pk)
    assert services.cancel_booking(tenant=tenant, actor=manager, booking_id=booked.pk).cancellation_fee_minor == 0
    assert not Invoice.objects.filter(booking_id=booked.pk, status=Invoice.PENDING).exists()


def test_no_free_cancellation_always_charges(tenant, manager, shipper):
    facility = FacilityFactory(tenant=tenant, policy={"cancellation_minor": 300})
    booked = hold(tenant, shipper[0], facility, today() + dt.timedelta(days=20), days=1, pallets=1)
    services.confirm_booking(tenant=tenant, actor=manager, booking_id=booked.pk)
    assert services.cancel_booking(tenant=tenant, actor=manager, booking_id=booked.pk).cancellation_fee_minor == 300


def test_a_cancelled_booking_cannot_be_cancelled_or_confirmed_again(tenant, manager, held):
    services.cancel_booking(tenant=tenant, actor=manager, booking_id=held.pk)
    for step in (services.cancel_booking, services.confirm_booking):
        with pytest.raises(Conflict) as caught:
            step(tenant=tenant, actor=manager, booking_id=held.pk)
        assert caught.value.code == "illegal_transition"


# ---------------------------------------------------------------- HELD -> EXPIRED

def test_the_sweeper_expires_a_hold_and_returns_the_held_pallets(tenant, shipper, facility, tomorrow, held):
    run_out(held)
    assert expire_due_holds() == 1
    expired = StorageBooking.objects.get(pk=held.pk)
    assert expired.status == "EXPIRED"
    assert counters(facility, tomorrow, 3) == [(0, 0)] * 3
    assert history(held)[-1] == ("HELD", "EXPIRED")
    assert "storage.booking:expire" in events(tenant)
    assert AuditEntry.objects.filter(tenant=tenant, action="storage.booking.expired").count() == 1
    assert Notification.objects.filter(recipient=shipper[0], event_type="storage.booking:expire").exists()
    assert expire_due_holds() == 0  # idempotent


def test_an_expired_hold_never_blocks_a_booking_even_before_the_sweep(tenant, shipper, shipper2, facility, tomorrow):
    first = hold(tenant, shipper[0], facility, tomorrow, days=3, pallets=10)
    assert selectors.free_pallets(facility, tomorrow, tomorrow + dt.timedelta(days=3)) == 0
    run_out(first)
    assert selectors.free_pallets(facility, tomorrow, tomorrow + dt.timedelta(days=3)) == 10
    assert [d["available"] for d in selectors.slots(facility, tomorrow, tomorrow + dt.timedelta(days=3))] == [10, 10, 10]
    second = hold(tenant, shipper2[0], facility, tomorrow + dt.timedelta(days=1), days=1, pallets=10)
    assert second.status == "HELD"
    assert StorageBooking.objects.get(pk=first.pk).status == "EXPIRED"  # released in the second booking's transaction
    assert counters(facility, tomorrow, 3) == [(0, 0), (10, 0), (0, 0)]
    assert mismatches(facility) == {}


def test_expire_booking_refuses_a_live_hold(tenant, held):
    with pytest.raises(Conflict) as caught:
        services.expire_booking(tenant=tenant, booking_id=held.pk)
    assert caught.value.code == "hold_not_expired"


def test_staff_extend_a_hold_explicitly(tenant, manager, shipper, held):
    before = held.booking.hold.expires_at
    extended = services.extend_hold(tenant=tenant, actor=manager, booking_id=held.pk, minutes=60)
    assert extended.booking.hold.expires_at > before
    with pytest.raises(DomainError):
        services.extend_hold(tenant=tenant, actor=shipper[0], booking_id=held.pk)


# ---------------------------------------------------------------- history

def test_the_status_history_is_append_only(tenant, manager, held):
    from django.db import DatabaseError, connection, transaction

    services.confirm_booking(tenant=tenant, actor=manager, booking_id=held.pk)
    row = BookingStatusHistory.objects.filter(booking_id=held.pk).last()
    if connection.vendor != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's")
    with pytest.raises(DatabaseError), transaction.atomic():
        BookingStatusHistory.objects.filter(pk=row.pk).update(to_status="CANCELLED")


def test_a_deposit_above_the_price_asks_only_the_price(tenant, manager, shipper, tomorrow):
    """A slot's deposit larger than a small booking's total used to block it for good (pay_booking refuses
    more than is owed, confirmation wanted the whole deposit)."""
    facility = FacilityFactory(tenant=tenant, rate_minor=100, policy={"deposit_required": True, "deposit_minor": 10_000})
    booked = hold(tenant, shipper[0], facility, tomorrow, days=1, pallets=1)
    assert selectors.booking_money(tenant, booked)["required_before_confirmation_minor"] == 100
    services.pay_booking(tenant=tenant, actor=manager, booking_id=booked.pk, amount_minor=100)
    assert services.confirm_booking(tenant=tenant, actor=manager, booking_id=booked.pk).status == "CONFIRMED"
