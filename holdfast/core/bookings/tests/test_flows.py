from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from holdfast.core.audit.models import AuditEntry
from holdfast.core.bookings import services
from holdfast.core.bookings.flows import Flow, Refusal, Transition, register_flow, FLOWS
from holdfast.core.bookings.models import Booking, BookingStatusHistory
from holdfast.core.events.models import OutboxEvent
from holdfast.core.inventory import selectors as availability
from holdfast.core.inventory import services as inventory
from holdfast.core.inventory.models import Block, DailyCapacity, Hold
from holdfast.core.inventory.tests.factories import CapacityPoolFactory, ResourceFactory, SiteFactory
from holdfast.kit.errors import Conflict, PermissionDenied, StaleVersion

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2030, 6, 1, 15, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(days=3)


@pytest.fixture
def room(tenant):
    return ResourceFactory(site=SiteFactory(tenant=tenant))


def book(tenant, actor, room, customer=None, **kw):
    return services.create_booking(tenant=tenant, actor=actor, resource_id=room.pk, starts_at=T0, ends_at=T1, customer_id=customer.pk if customer else None, **kw)


def expire_now(booking):
    past = timezone.now() - dt.timedelta(seconds=1)
    Hold.objects.filter(pk=booking.hold_id).update(expires_at=past)
    Block.objects.filter(hold_id=booking.hold_id).update(expires_at=past)


def test_creating_a_booking_holds_the_room_and_records_the_creation(tenant, owner, room, customer):
    booking = book(tenant, owner, room, customer)
    assert booking.status == "HELD" and booking.hold.status == Hold.ACTIVE and booking.site_id == room.site_id
    assert not availability.is_resource_free(tenant, room.pk, T0, T1)
    history = list(BookingStatusHistory.objects.filter(booking=booking).values_list("from_status", "to_status", "actor_label"))
    assert history == [("", "HELD", owner.email)]
    assert OutboxEvent.objects.filter(event_type="booking:created").count() == 1


def test_confirm_converts_the_hold_and_writes_history_audit_and_event(tenant, owner, room):
    booking = book(tenant, owner, room)
    booking = services.transition(tenant=tenant, actor=owner, booking_id=booking.pk, name="confirm", reason="paid deposit")
    assert booking.status == "CONFIRMED" and booking.version == 2
    assert Block.objects.get(hold=booking.hold).kind == Block.BOOKING
    last = BookingStatusHistory.objects.filter(booking=booking).last()
    assert (last.from_status, last.to_status, last.transition, last.reason, last.actor_id) == ("HELD", "CONFIRMED", "confirm", "paid deposit", owner.pk)
    assert AuditEntry.objects.filter(action="bookings.booking.confirm", entity_id=str(booking.pk)).exists()
    assert OutboxEvent.objects.filter(event_type="booking:updated", payload__to="CONFIRMED").exists()


def test_illegal_transition_is_refused_and_changes_nothing(tenant, owner, room):
    booking = book(tenant, owner, room)
    services.transition(tenant=tenant, actor=owner, booking_id=booking.pk, name="cancel")
    events_before = OutboxEvent.objects.count()
    with pytest.raises(Conflict) as exc:
        services.transition(tenant=tenant, actor=owner, booking_id=booking.pk, name="confirm")
    assert exc.value.code == "illegal_transition" and exc.value.status == 409
    booking.refresh_from_db()
    assert booking.status == "CANCELLED" and booking.version == 2
    assert OutboxEvent.objects.count() == events_before
    assert BookingStatusHistory.objects.filter(booking=booking).count() == 2


def test_cancelling_a_confirmed_booking_frees_the_room(tenant, owner, room):
    booking = book(tenant, owner, room)
    services.transition(tenant=tenant, actor=owner, booking_id=booking.pk, name="confirm")
    services.transition(tenant=tenant, actor=owner, booking_id=booking.pk, name="cancel", reason="guest ill")
    assert availability.is_resource_free(tenant, room.pk, T0, T1)


def test_staff_without_permission_cannot_confirm(tenant, owner, staff_member, room):
    booking = book(tenant, owner, room)
    with pytest.raises(PermissionDenied):
        services.transition(tenant=tenant, actor=staff_member, booking_id=booking.pk, name="confirm")
    assert Booking.objects.get(pk=booking.pk).status == "HELD"


def test_expire_is_for_the_system_only_and_only_after_expiry(tenant, owner, room):
    booking = book(tenant, owner, room)
    with pytest.raises(PermissionDenied) as exc:
        services.transition(tenant=tenant, actor=owner, booking_id=booking.pk, name="expire")
    assert exc.value.code == "system_only"
    with pytest.raises(Conflict) as exc:
        services.transition(tenant=tenant, actor=None, booking_id=booking.pk, name="expire")
    assert exc.value.code == "hold_not_expired"
    expire_now(booking)
    booking = services.transition(tenant=tenant, actor=None, booking_id=booking.pk, name="expire")
    assert booking.status == "EXPIRED" and Hold.objects.get(pk=booking.hold_id).status == Hold.EXPIRED
    assert BookingStatusHistory.objects.filter(booking=booking, to_status="EXPIRED").count() == 1


def test_confirming_after_the_hold_expired_is_refused(tenant, owner, room):
    booking = book(tenant, owner, room)
    expire_now(booking)
    with pytest.raises(Conflict) as exc:
        services.transition(tenant=tenant, actor=owner, booking_id=booking.pk, name="confirm")
    assert exc.value.code == "hold_expired"


def test_sweeper_expires_the_booking_with_its_hold(tenant, owner, room):
    booking = book(tenant, owner, room)
    expire_now(booking)
    assert inventory.expire_due_holds() == 1
    booking.refresh_from_db()
    assert booking.status == "EXPIRED"
    assert list(BookingStatusHistory.objects.filter(booking=booking).values_list("to_status", "actor_label")) == [("HELD", owner.email), ("EXPIRED", "system")]


def test_a_new_booking_expires_the_stale_one_it_replaces(tenant, owner, room):
    stale = book(tenant, owner, room)
    expire_now(stale)
    fresh = book(tenant, owner, room)
    stale.refresh_from_db()
    assert stale.status == "EXPIRED" and fresh.status == "HELD"


def test_stale_version_is_refused(tenant, owner, room):
    booking = book(tenant, owner, room)
    with pytest.raises(StaleVersion):
        services.transition(tenant=tenant, actor=owner, booking_id=booking.pk, name="approve", version=99)


def test_a_stale_screen_acting_on_a_booking_that_moved_on_hears_stale_not_illegal(tenant, owner, room):
    booking = book(tenant, owner, room)
    loaded_version = booking.version
    services.transition(tenant=tenant, actor=owner, booking_id=booking.pk, name="cancel")
    events_before = OutboxEvent.objects.count()
    with pytest.raises(StaleVersion) as exc:
        services.transition(tenant=tenant, actor=owner, booking_id=booking.pk, name="confirm", version=loaded_version)
    assert exc.value.code == "stale_version" and exc.value.status == 409
    booking.refresh_from_db()
    assert booking.status == "CANCELLED" and booking.version == loaded_version + 1
    assert OutboxEvent.objects.count() == events_before


def test_editing_notes_never_extends_the_hold(tenant, owner, room):
    booking = book(tenant, owner, room)
    expires = booking.hold.expires_at
    services.update_booking_notes(tenant=tenant, actor=owner, booking_id=booking.pk, version=1, notes="late arrival")
    assert Hold.objects.get(pk=booking.hold_id).expires_at == expires


def test_quantity_booking_moves_capacity_counters(tenant, owner):
    pool = CapacityPoolFactory(site=SiteFactory(tenant=tenant), default_capacity=5)
    d1, d3 = dt.date(2030, 6, 1), dt.date(2030, 6, 3)
    booking = services.create_booking(tenant=tenant, actor=owner, pool_id=pool.pk, quantity=5, start_date=d1, end_date=d3)
    with pytest.raises(Conflict):
        services.create_booking(tenant=tenant, actor=owner, pool_id=pool.pk, quantity=1, start_date=d1, end_date=d3)
    services.transition(tenant=tenant, actor=owner, booking_id=booking.pk, name="confirm")
    assert set(DailyCapacity.objects.filter(pool=pool).values_list("occupied", "held")) == {(5, 0)}
    services.transition(tenant=tenant, actor=owner, booking_id=booking.pk, name="cancel")
    assert set(DailyCapacity.objects.filter(pool=pool).values_list("occupied", "held")) == {(0, 0)}


def test_a_vertical_flow_guard_refuses_with_its_code(tenant, owner, room):
    register_flow(
        Flow(
            name="test_guarded",
            initial="NEW",
            states=["NEW", "DONE"],
            transitions=[Transition("finish", ["NEW"], "DONE", permission="bookings.manage", guards=[lambda ctx: Refusal("needs_payment", "Record a payment first.")])],
        )
    )
    try:
        booking = book(tenant, owner, room, flow="test_guarded")
        with pytest.raises(Conflict) as exc:
            services.transition(tenant=tenant, actor=owner, booking_id=booking.pk, name="finish")
        assert exc.value.code == "needs_payment"
        assert Booking.objects.get(pk=booking.pk).status == "NEW"
    finally:
        FLOWS.pop("test_guarded")


def test_flow_with_unknown_state_is_rejected_at_declaration():
    with pytest.raises(ValueError):
        Flow(name="bad", initial="A", states=["A"], transitions=[Transition("go", ["A"], "B")])
