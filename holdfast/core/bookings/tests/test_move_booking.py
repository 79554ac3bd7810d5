"""Moving a booking to another resource or period (its hold moves with it), bookings created directly in a
booked state, and bookings whose only claim is their hold's expiry."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from holdfast.core.audit.models import AuditEntry
from holdfast.core.bookings import services
from holdfast.core.bookings.doctor import hold_matches_status
from holdfast.core.bookings.flows import FLOWS, Flow, Transition, convert_hold, register_flow, release_inventory
from holdfast.core.bookings.models import Booking, BookingStatusHistory
from holdfast.core.events.models import OutboxEvent
from holdfast.core.inventory import services as inventory
from holdfast.core.inventory.models import Block, Hold
from holdfast.core.inventory.tests.factories import CapacityPoolFactory, ResourceFactory, SiteFactory
from holdfast.kit.errors import Conflict, PermissionDenied, StaleVersion, ValidationFailed
from tests.factories import member

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2030, 6, 1, 15, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(days=3)
T2 = T1 + dt.timedelta(days=3)


@pytest.fixture
def stay_flow():
    """A stay-like flow: tentative or confirmed at creation; tentative ones expire even before a unit is picked."""
    flow = register_flow(
        Flow(
            name="test_stay",
            initial=["TENTATIVE", "CONFIRMED"],
            states=["TENTATIVE", "CONFIRMED", "CANCELLED"],
            holding=["TENTATIVE"],
            booked=["CONFIRMED"],
            hold_without_inventory=True,
            transitions=[
                Transition("confirm", ["TENTATIVE"], "CONFIRMED", permission="bookings.manage", effects=[convert_hold]),
                Transition("cancel", ["TENTATIVE", "CONFIRMED"], "CANCELLED", permission="bookings.manage", effects=[release_inventory]),
                Transition("expire", ["TENTATIVE"], "CANCELLED", permission=None),
            ],
        )
    )
    yield flow
    FLOWS.pop("test_stay")


@pytest.fixture
def site(tenant):
    return SiteFactory(tenant=tenant)


@pytest.fixture
def rooms(site):
    return [ResourceFactory(site=site) for _ in range(2)]


def book(tenant, actor, room=None, status=None, starts_at=T0, ends_at=T1, flow="test_stay", **kw):
    return services.create_booking(tenant=tenant, actor=actor, flow=flow, resource_id=room.pk if room else None, starts_at=starts_at, ends_at=ends_at, status=status, **kw)


def live(room):
    return list(Block.objects.filter(resource=room, active=True).values_list("hold_id", "kind", "starts_at", "ends_at"))


def test_manage_permission_defaults_to_the_create_permission(stay_flow):
    assert stay_flow.manage_permission == "bookings.create"
    assert Flow(name="x", initial="A", states=["A"], transitions=[], manage_permission="x.manage").manage_permission == "x.manage"


def test_moving_a_booking_moves_its_hold_in_the_same_step(tenant, owner, rooms, stay_flow):
    booking = book(tenant, owner, rooms[0], status="CONFIRMED")
    moved = services.move_booking(tenant=tenant, actor=owner, booking_id=booking.pk, resource_id=rooms[1].pk, starts_at=T1, ends_at=T2, reason="upgrade")
    assert (moved.resource_id, moved.starts_at, moved.ends_at, moved.hold_id) == (rooms[1].pk, T1, T2, booking.hold_id)
    assert moved.version == booking.version + 1 and moved.status == "CONFIRMED"
    assert live(rooms[0]) == [] and live(rooms[1]) == [(booking.hold_id, Block.BOOKING, T1, T2)]
    entry = AuditEntry.objects.get(action="bookings.booking.moved", entity_id=str(booking.pk))
    assert entry.diff["resource_id"] == [rooms[0].pk, rooms[1].pk] and entry.diff["reason"] == [None, "upgrade"]
    event = OutboxEvent.objects.filter(event_type="booking:updated").latest("id")
    assert event.payload["action"] == "moved" and event.payload["version"] == moved.version
    assert list(BookingStatusHistory.objects.filter(booking=booking).values_list("to_status", flat=True)) == ["CONFIRMED"]  # no status change


def test_a_refused_move_changes_nothing(tenant, owner, rooms, stay_flow):
    mine = book(tenant, owner, rooms[0])
    book(tenant, owner, rooms[1], starts_at=T0 + dt.timedelta(days=1), ends_at=T2)
    with pytest.raises(Conflict) as exc:
        services.move_booking(tenant=tenant, actor=owner, booking_id=mine.pk, resource_id=rooms[1].pk)
    assert exc.value.code == "resource_unavailable"
    again = Booking.objects.get(pk=mine.pk)
    assert (again.resource_id, again.version) == (rooms[0].pk, mine.version)
    assert live(rooms[0]) == [(mine.hold_id, Block.HOLD, T0, T1)]
    assert not AuditEntry.objects.filter(action="bookings.booking.moved").exists()


def test_moving_a_tentative_booking_keeps_its_expiry(tenant, owner, rooms, stay_flow):
    booking = book(tenant, owner, rooms[0], ttl_minutes=20)
    expires = booking.hold.expires_at
    services.move_booking(tenant=tenant, actor=owner, booking_id=booking.pk, ends_at=T2)
    hold = Hold.objects.get(pk=booking.hold_id)
    assert (hold.status, hold.expires_at, hold.extensions) == (Hold.ACTIVE, expires, 0)


def test_stale_version_and_missing_permission_are_refused(tenant, owner, rooms, stay_flow):
    booking = book(tenant, owner, rooms[0])
    with pytest.raises(StaleVersion):
        services.move_booking(tenant=tenant, actor=owner, booking_id=booking.pk, resource_id=rooms[1].pk, version=booking.version + 1)
    with pytest.raises(PermissionDenied):
        services.move_booking(tenant=tenant, actor=member(tenant, "customer"), booking_id=booking.pk, resource_id=rooms[1].pk)
    with pytest.raises(ValidationFailed):
        services.move_booking(tenant=tenant, actor=owner, booking_id=booking.pk, ends_at=T0)
    assert Booking.objects.get(pk=booking.pk).resource_id == rooms[0].pk


def test_a_booking_created_in_a_booked_state_holds_a_converted_claim(tenant, owner, rooms, stay_flow):
    booking = book(tenant, owner, rooms[0], status="CONFIRMED")
    assert booking.hold.status == Hold.CONVERTED and booking.hold.expires_at is None
    assert live(rooms[0]) == [(booking.hold_id, Block.BOOKING, T0, T1)]
    assert list(BookingStatusHistory.objects.filter(booking=booking).values_list("from_status", "to_status")) == [("", "CONFIRMED")]
    assert hold_matches_status() == []


def test_a_tentative_booking_without_a_resource_expires_and_gets_its_resource_later(tenant, owner, site, rooms, stay_flow):
    booking = book(tenant, owner, None, ttl_minutes=15, site_id=site.pk)
    assert (booking.site_id, booking.starts_at, booking.ends_at, booking.resource_id) == (site.pk, T0, T1, None)
    assert booking.hold.status == Hold.ACTIVE and not booking.hold.blocks.exists()
    moved = services.move_booking(tenant=tenant, actor=owner, booking_id=booking.pk, resource_id=rooms[0].pk)
    assert moved.hold_id == booking.hold_id and Hold.objects.get(pk=booking.hold_id).expires_at == booking.hold.expires_at
    assert live(rooms[0]) == [(booking.hold_id, Block.HOLD, T0, T1)]
    Hold.objects.filter(pk=booking.hold_id).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert inventory.expire_due_holds() == 1
    assert Booking.objects.get(pk=booking.pk).status == "CANCELLED" and live(rooms[0]) == []


def test_a_roomless_tentative_booking_is_confirmed_and_then_given_a_booked_resource(tenant, owner, rooms, stay_flow):
    booking = book(tenant, owner, None)
    services.transition(tenant=tenant, actor=owner, booking_id=booking.pk, name="confirm")
    moved = services.move_booking(tenant=tenant, actor=owner, booking_id=booking.pk, resource_id=rooms[0].pk)
    assert live(rooms[0]) == [(booking.hold_id, Block.BOOKING, T0, T1)] and moved.hold.status == Hold.CONVERTED
    assert hold_matches_status() == []


def test_a_booked_booking_without_any_hold_gets_a_converted_one_with_its_resource(tenant, owner, rooms, stay_flow):
    booking = book(tenant, owner, None, status="CONFIRMED")
    assert booking.hold_id is None  # nothing to expire: a confirmed booking into a type
    moved = services.move_booking(tenant=tenant, actor=owner, booking_id=booking.pk, resource_id=rooms[0].pk, starts_at=T1, ends_at=T2)
    assert moved.hold.status == Hold.CONVERTED and live(rooms[0]) == [(moved.hold_id, Block.BOOKING, T1, T2)]
    assert moved.site_id == rooms[0].site_id
    cancelled = services.transition(tenant=tenant, actor=owner, booking_id=booking.pk, name="cancel")
    assert cancelled.hold.status == Hold.RELEASED and live(rooms[0]) == []


def test_a_period_change_without_a_resource_moves_only_the_booking(tenant, owner, stay_flow):
    booking = book(tenant, owner, None, status="CONFIRMED")
    moved = services.move_booking(tenant=tenant, actor=owner, booking_id=booking.pk, ends_at=T2)
    assert (moved.starts_at, moved.ends_at, moved.hold_id) == (T0, T2, None)


def test_a_cancelled_booking_without_a_hold_cannot_be_given_a_resource(tenant, owner, rooms, stay_flow):
    booking = book(tenant, owner, None, status="CONFIRMED")
    services.transition(tenant=tenant, actor=owner, booking_id=booking.pk, name="cancel")
    with pytest.raises(Conflict) as exc:
        services.move_booking(tenant=tenant, actor=owner, booking_id=booking.pk, resource_id=rooms[0].pk)
    assert exc.value.code == "booking_not_movable"


def test_an_exclusive_flow_refuses_moving_onto_a_resource_with_an_active_booking(tenant, owner, rooms):
    register_flow(Flow(name="test_excl", initial="HELD", states=["HELD", "GONE"], holding=["HELD"], exclusive=["HELD"],
                       transitions=[Transition("drop", ["HELD"], "GONE", permission="bookings.manage", effects=[release_inventory])]))
    try:
        book(tenant, owner, rooms[1], flow="test_excl", starts_at=T1, ends_at=T2)
        mine = book(tenant, owner, rooms[0], flow="test_excl")
        with pytest.raises(Conflict) as exc:
            services.move_booking(tenant=tenant, actor=owner, booking_id=mine.pk, resource_id=rooms[1].pk)  # the periods do not overlap
        assert exc.value.code == "resource_has_active_booking"
        assert live(rooms[0]) == [(mine.hold_id, Block.HOLD, T0, T1)]
    finally:
        FLOWS.pop("test_excl")


def test_a_quantity_booking_is_not_moved(tenant, owner, site):
    pool = CapacityPoolFactory(site=site, default_capacity=3)
    booking = services.create_booking(tenant=tenant, actor=owner, pool_id=pool.pk, quantity=1, start_date=dt.date(2030, 6, 1), end_date=dt.date(2030, 6, 3))
    with pytest.raises(Conflict) as exc:
        services.move_booking(tenant=tenant, actor=owner, booking_id=booking.pk, starts_at=T0, ends_at=T1)
    assert exc.value.code == "booking_not_movable"
