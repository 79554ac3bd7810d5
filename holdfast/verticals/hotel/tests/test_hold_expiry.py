"""Tentative (HOLD) reservations expire (DESIGN rule 4): TTL, ignored before the sweep, cancelled by it."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from holdfast.core.bookings.models import Booking
from holdfast.core.inventory.models import Block, Hold
from holdfast.kit.errors import Conflict
from holdfast.kit.periodic import PERIODIC
from holdfast.verticals.hotel import doctor, selectors, services
from holdfast.verticals.hotel.models import CalendarSegment, DailyOccupancy, Reservation
from holdfast.verticals.hotel.services.readmodels import drift

from .factories import book, today

pytestmark = pytest.mark.django_db


def run_out(res: Reservation) -> None:
    """Move the reservation's hold past its expiry (as time would), without sweeping it."""
    past = timezone.now() - dt.timedelta(minutes=1)
    Hold.objects.filter(pk=res.hold_id).update(expires_at=past)
    Block.objects.filter(hold_id=res.hold_id, active=True).update(expires_at=past)


def dbl_free(tenant, h, start, end):
    rows = selectors.availability(tenant, h.property, today() + dt.timedelta(days=start), today() + dt.timedelta(days=end))
    return [n["free"] for n in next(r for r in rows if r["room_type"].pk == h.dbl.pk)["nights"]]


def doctor_clean() -> list:
    return [f.message for f in doctor.read_models() + doctor.reservation_room_claims()]


def test_hold_reservation_gets_the_tenant_ttl_and_confirming_books_the_room(tenant, h):
    tenant.settings = {**(tenant.settings or {}), "hold_ttl_minutes": 45}
    tenant.save()
    res = book(tenant, h, nights=(1, 3), room=h.rooms["101"], status=Reservation.HOLD)
    hold = Hold.objects.get(pk=res.hold_id)
    assert hold.status == Hold.ACTIVE
    assert dt.timedelta(minutes=44) < hold.expires_at - timezone.now() <= dt.timedelta(minutes=45)
    assert doctor_clean() == []
    res = services.confirm_reservation(tenant=tenant, actor=None, reservation_id=res.pk)
    hold.refresh_from_db()
    assert res.status == Reservation.CONFIRMED and hold.status == Hold.CONVERTED and hold.expires_at is None
    assert Block.objects.get(hold=hold, active=True).kind == Block.BOOKING
    assert doctor_clean() == []


def test_an_expired_hold_does_not_block_a_new_booking_before_the_sweep(tenant, h):
    held = book(tenant, h, nights=(1, 3), room=h.rooms["101"], status=Reservation.HOLD)
    roomless = book(tenant, h, nights=(1, 3), status=Reservation.HOLD)
    assert dbl_free(tenant, h, 1, 3) == [0, 0]
    with pytest.raises(Conflict):
        book(tenant, h, nights=(1, 2))
    run_out(held)
    run_out(roomless)
    assert dbl_free(tenant, h, 1, 3) == [2, 2]  # availability ignores them at once
    new = book(tenant, h, nights=(1, 3), room=h.rooms["101"])
    other = book(tenant, h, nights=(2, 3))
    assert new.room_id == h.rooms["101"].pk and other.status == Reservation.CONFIRMED
    # the booking step released them first, cancelling both in the same transaction
    for res in (held, roomless):
        res.refresh_from_db()
        assert res.status == Reservation.CANCELLED and Hold.objects.get(pk=res.hold_id).status == Hold.EXPIRED
        assert Booking.objects.get(pk=res.booking_id).status == "CANCELLED"
    assert drift(h.property) == [] and doctor_clean() == []


def test_the_sweep_cancels_an_expired_hold_and_frees_the_read_models(tenant, h):
    res = book(tenant, h, nights=(1, 3), room=h.rooms["101"], status=Reservation.HOLD)
    day = today() + dt.timedelta(days=1)
    assert CalendarSegment.objects.filter(reservation=res).count() == 2
    assert DailyOccupancy.objects.get(property=h.property, business_date=day).rooms_occupied == 1
    run_out(res)
    assert doctor_clean() == []  # before the sweep the stored models still agree with the statuses
    assert PERIODIC["inventory.expire_holds"].run() == 1
    res.refresh_from_db()
    assert res.status == Reservation.CANCELLED
    history = Booking.objects.get(pk=res.booking_id).history.order_by("pk").last()
    assert (history.to_status, history.reason) == ("CANCELLED", "hold expired")
    assert CalendarSegment.objects.filter(reservation=res).count() == 0
    row = DailyOccupancy.objects.get(property=h.property, business_date=day)
    assert (row.rooms_occupied, row.rooms_available) == (0, 4)
    assert not Block.objects.filter(resource_id=h.rooms["101"].resource_id, active=True).exists()
    assert PERIODIC["inventory.expire_holds"].run() == 0  # idempotent
    assert drift(h.property) == [] and doctor_clean() == []


def test_confirming_an_expired_hold_is_refused(tenant, h, owner_api):
    res = book(tenant, h, nights=(1, 3), status=Reservation.HOLD)
    run_out(res)
    with pytest.raises(Conflict) as e:
        services.confirm_reservation(tenant=tenant, actor=None, reservation_id=res.pk)
    assert e.value.code == "reservation_hold_expired"
    answer = owner_api.post(f"/api/v1/hotel/reservations/{res.pk}/confirm", {})
    assert answer.status_code == 409 and answer.json()["code"] == "reservation_hold_expired"
    res.refresh_from_db()
    assert res.status == Reservation.HOLD  # the sweep, not the refusal, cancels it


def test_moving_a_hold_reservation_keeps_its_expiry(tenant, h):
    res = book(tenant, h, nights=(1, 3), room=h.rooms["101"], status=Reservation.HOLD)
    expires = Hold.objects.get(pk=res.hold_id).expires_at
    res = services.assign_room(tenant=tenant, actor=None, reservation_id=res.pk, room_id=h.rooms["102"].pk)
    hold = Hold.objects.get(pk=res.hold_id)
    assert hold.status == Hold.ACTIVE and hold.expires_at == expires
    assert Block.objects.get(hold=hold, active=True).expires_at == expires
    assert doctor_clean() == []
