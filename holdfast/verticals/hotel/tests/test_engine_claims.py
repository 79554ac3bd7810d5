"""The hotel on the engine's own features: reservations created directly in their status, their booking owning
the claim, rooms assigned/moved/resized by moving that one claim (never released and placed again)."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from holdfast.core.audit.models import AuditEntry
from holdfast.core.bookings.doctor import history_consistent, hold_matches_status
from holdfast.core.bookings.models import Booking, BookingStatusHistory
from holdfast.core.events.models import OutboxEvent
from holdfast.core.inventory.doctor import no_overlapping_blocks
from holdfast.core.inventory.models import Block, Hold
from holdfast.kit.errors import Conflict, PermissionDenied
from holdfast.verticals.hotel import doctor, services
from holdfast.verticals.hotel.models import Reservation
from holdfast.verticals.hotel.services.readmodels import drift

from .factories import book, today

pytestmark = pytest.mark.django_db


def claims_clean(h) -> list:
    return [f.message for f in doctor.reservation_room_claims() + hold_matches_status() + history_consistent() + no_overlapping_blocks()] + drift(h.property)


def blocks_of(res) -> list:
    return list(Block.objects.filter(hold_id=res.hold_id, active=True).values_list("resource_id", "kind"))


def test_a_confirmed_reservation_with_a_room_is_created_booked_in_one_step(tenant, h):
    res = book(tenant, h, nights=(1, 3), room=h.rooms["101"])
    booking = Booking.objects.get(pk=res.booking_id)
    assert (booking.status, booking.hold_id, booking.resource_id, booking.site_id) == ("CONFIRMED", res.hold_id, h.rooms["101"].resource_id, h.property.site_id)
    assert Hold.objects.get(pk=res.hold_id).status == Hold.CONVERTED and blocks_of(res) == [(h.rooms["101"].resource_id, Block.BOOKING)]
    assert list(BookingStatusHistory.objects.filter(booking=booking).values_list("from_status", "to_status")) == [("", "CONFIRMED")]
    assert claims_clean(h) == []


def test_a_roomless_hold_reservation_gets_its_expiring_claim_from_the_engine(tenant, h):
    res = book(tenant, h, nights=(1, 3), status=Reservation.HOLD)
    booking = Booking.objects.get(pk=res.booking_id)
    hold = Hold.objects.get(pk=res.hold_id)
    assert booking.hold_id == hold.pk and hold.status == Hold.ACTIVE and not hold.blocks.exists() and hold.pool_id is None
    assert (booking.site_id, booking.resource_id) == (h.property.site_id, None) and booking.starts_at < booking.ends_at
    assert AuditEntry.objects.filter(action="bookings.booking.created", entity_id=str(booking.pk)).exists()


def test_assigning_a_room_to_a_tentative_reservation_gives_its_hold_the_room_keeping_the_expiry(tenant, h):
    res = book(tenant, h, nights=(1, 3), status=Reservation.HOLD)
    hold_id, expires = res.hold_id, res.hold.expires_at
    res = services.assign_room(tenant=tenant, actor=None, reservation_id=res.pk, room_id=h.rooms["102"].pk)
    assert res.hold_id == hold_id and Hold.objects.get(pk=hold_id).expires_at == expires
    assert blocks_of(res) == [(h.rooms["102"].resource_id, Block.HOLD)]
    assert Booking.objects.get(pk=res.booking_id).resource_id == h.rooms["102"].resource_id
    services.confirm_reservation(tenant=tenant, actor=None, reservation_id=res.pk)
    assert blocks_of(res) == [(h.rooms["102"].resource_id, Block.BOOKING)]
    assert claims_clean(h) == []


def test_confirming_a_roomless_hold_and_assigning_later_keeps_one_claim(tenant, h):
    res = book(tenant, h, nights=(1, 3), status=Reservation.HOLD)
    res = services.confirm_reservation(tenant=tenant, actor=None, reservation_id=res.pk)
    assert Hold.objects.get(pk=res.hold_id).status == Hold.CONVERTED and blocks_of(res) == []  # no room yet: the type count covers it
    assert claims_clean(h) == []
    res = services.assign_room(tenant=tenant, actor=None, reservation_id=res.pk, room_id=h.rooms["101"].pk)
    assert blocks_of(res) == [(h.rooms["101"].resource_id, Block.BOOKING)]
    assert claims_clean(h) == []


def test_a_room_move_and_a_resize_move_the_same_claim_with_a_booking_event(tenant, h):
    res = book(tenant, h, nights=(1, 3), room=h.rooms["101"])
    hold_id, version = res.hold_id, Booking.objects.get(pk=res.booking_id).version
    res = services.assign_room(tenant=tenant, actor=None, reservation_id=res.pk, room_id=h.rooms["102"].pk)
    res = services.resize_reservation(tenant=tenant, actor=None, reservation_id=res.pk, check_out_date=today() + dt.timedelta(days=5))
    assert res.hold_id == hold_id and Hold.objects.get(pk=hold_id).status == Hold.CONVERTED
    assert Block.objects.filter(hold_id=hold_id).count() == 3 and blocks_of(res) == [(h.rooms["102"].resource_id, Block.BOOKING)]
    booking = Booking.objects.get(pk=res.booking_id)
    assert booking.version == version + 2 and booking.ends_at == services.reservations.period(h.property, res.check_in_date, res.check_out_date)[1]
    assert AuditEntry.objects.filter(action="bookings.booking.moved", entity_id=str(booking.pk)).count() == 2
    assert [e.payload["action"] for e in OutboxEvent.objects.filter(event_type="booking:updated").order_by("id")][-2:] == ["moved", "moved"]
    assert claims_clean(h) == []


def test_a_refused_move_leaves_reservation_booking_and_blocks_as_they_were(tenant, h):
    book(tenant, h, nights=(2, 4), room=h.rooms["102"])
    res = book(tenant, h, nights=(1, 3), room=h.rooms["101"])
    booking_before = Booking.objects.values("resource_id", "starts_at", "ends_at", "version").get(pk=res.booking_id)
    with pytest.raises(Conflict) as e:
        services.assign_room(tenant=tenant, actor=None, reservation_id=res.pk, room_id=h.rooms["102"].pk)
    assert e.value.code == "resource_unavailable"
    assert Booking.objects.values("resource_id", "starts_at", "ends_at", "version").get(pk=res.booking_id) == booking_before
    assert blocks_of(Reservation.objects.get(pk=res.pk)) == [(h.rooms["101"].resource_id, Block.BOOKING)]


def test_cancel_and_no_show_give_the_claim_back_through_the_flow(tenant, h, travel):
    cancelled = book(tenant, h, nights=(1, 3), room=h.rooms["101"])
    services.cancel_reservation(tenant=tenant, actor=None, reservation_id=cancelled.pk, reason="changed plans")
    no_show = book(tenant, h, nights=(1, 3), room=h.rooms["102"], status=Reservation.HOLD)
    travel(3)
    services.mark_no_show(tenant=tenant, actor=None, reservation_id=no_show.pk)
    for res in (cancelled, no_show):
        assert Hold.objects.get(pk=res.hold_id).status == Hold.RELEASED and blocks_of(res) == []


def test_an_expired_roomless_hold_cannot_be_given_a_room(tenant, h):
    res = book(tenant, h, nights=(1, 3), status=Reservation.HOLD)
    Hold.objects.filter(pk=res.hold_id).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(Conflict) as e:
        services.assign_room(tenant=tenant, actor=None, reservation_id=res.pk, room_id=h.rooms["101"].pk)
    assert e.value.code == "reservation_hold_expired"
    assert not Block.objects.filter(resource_id=h.rooms["101"].resource_id, active=True).exists()


def test_front_desk_without_the_manage_permission_still_checks_out_early(tenant, h, travel):
    from holdfast.core.accounts.models import Role
    from tests.factories import member

    desk_role = Role.objects.create(tenant=tenant, key="desk", name="Desk only", permissions=["hotel.view", "hotel.frontdesk", "hotel.folio.manage"])
    desk = member(tenant, desk_role.key)
    res = book(tenant, h, nights=(0, 3), room=h.rooms["101"])
    services.check_in(tenant=tenant, actor=desk, reservation_id=res.pk)
    with pytest.raises(PermissionDenied):
        services.resize_reservation(tenant=tenant, actor=desk, reservation_id=res.pk, check_out_date=today() + dt.timedelta(days=4))
    arrival = today()
    travel(1)
    res = services.check_out(tenant=tenant, actor=desk, reservation_id=res.pk, allow_balance=True)
    assert res.status == Reservation.CHECKED_OUT and res.check_out_date == arrival + dt.timedelta(days=1)  # an early departure
    assert Booking.objects.get(pk=res.booking_id).ends_at == services.reservations.period(h.property, res.check_in_date, res.check_out_date)[1]
