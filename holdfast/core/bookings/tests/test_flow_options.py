"""Flow options a vertical declares: several initial states, exclusive states (one active booking per
resource, enforced by a partial unique index), and transitions a customer may do on their own bookings."""
from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from holdfast.core.bookings import services
from holdfast.core.bookings.flows import FLOWS, Flow, Transition, register_flow, release_inventory
from holdfast.core.bookings.models import Booking, BookingStatusHistory
from holdfast.core.inventory.models import Block, Hold
from holdfast.core.inventory.tests.factories import ResourceFactory, SiteFactory
from holdfast.kit.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.factories import CustomerFactory, member

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2030, 6, 1, 15, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(days=3)
T2 = T1 + dt.timedelta(days=3)


@pytest.fixture
def sale_flow():
    """A sale-like flow: REQUESTED or (for staff walk-ins) APPROVED at creation; one active booking per resource."""
    flow = register_flow(
        Flow(
            name="test_sale",
            initial=["REQUESTED", "APPROVED"],
            states=["REQUESTED", "APPROVED", "CANCELLED"],
            exclusive=["REQUESTED", "APPROVED"],
            create_permission="bookings.create",
            transitions=[
                Transition("approve", ["REQUESTED"], "APPROVED", permission="bookings.approve"),
                Transition("cancel", ["REQUESTED", "APPROVED"], "CANCELLED", permission="bookings.manage", own_permission="portal.use", effects=[release_inventory]),
                Transition("expire", ["REQUESTED", "APPROVED"], "CANCELLED", permission=None),
            ],
        )
    )
    yield flow
    FLOWS.pop("test_sale")


@pytest.fixture
def room(tenant):
    return ResourceFactory(site=SiteFactory(tenant=tenant))


def book(tenant, actor, room, starts_at=T0, ends_at=T1, **kw):
    return services.create_booking(tenant=tenant, actor=actor, flow="test_sale", resource_id=room.pk, starts_at=starts_at, ends_at=ends_at, **kw)


def test_a_booking_can_start_in_any_declared_initial_state(tenant, owner, room, sale_flow):
    booking = book(tenant, owner, room, status="APPROVED")
    assert booking.status == "APPROVED"
    assert list(BookingStatusHistory.objects.filter(booking=booking).values_list("from_status", "to_status")) == [("", "APPROVED")]
    assert ("", "APPROVED") in sale_flow.reachable() and ("", "REQUESTED") in sale_flow.reachable()


def test_a_state_that_is_not_initial_is_refused_at_creation_and_nothing_is_held(tenant, owner, room, sale_flow):
    with pytest.raises(ValidationFailed) as exc:
        book(tenant, owner, room, status="CANCELLED")
    assert "status" in exc.value.fields
    assert not Booking.objects.exists() and not Hold.objects.exists()


def test_second_active_booking_of_a_resource_is_refused_even_for_another_period(tenant, owner, room, sale_flow):
    first = book(tenant, owner, room)
    assert first.exclusive_key == f"resource:{room.pk}"
    with pytest.raises(Conflict) as exc:
        book(tenant, owner, room, starts_at=T1, ends_at=T2)  # the blocks would not overlap: the flow's rule refuses
    assert exc.value.code == "resource_has_active_booking"
    assert Booking.objects.count() == 1 and Block.objects.filter(active=True).count() == 1


def test_leaving_the_exclusive_states_frees_the_resource_for_a_new_booking(tenant, owner, room, sale_flow):
    first = book(tenant, owner, room)
    first = services.transition(tenant=tenant, actor=owner, booking_id=first.pk, name="cancel")
    assert first.exclusive_key is None
    second = book(tenant, owner, room)
    assert second.exclusive_key == f"resource:{room.pk}"


def test_the_database_refuses_a_second_booking_with_the_same_exclusive_key(tenant, owner, room, sale_flow):
    book(tenant, owner, room)
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(tenant=tenant, flow="test_sale", status="REQUESTED", resource=room, exclusive_key=f"resource:{room.pk}")


def test_an_expired_hold_clears_the_exclusive_key_so_it_never_blocks(tenant, owner, room, sale_flow):
    first = book(tenant, owner, room, ttl_minutes=5)
    Hold.objects.filter(pk=first.hold_id).update(expires_at=T0 - dt.timedelta(days=3650))
    Block.objects.filter(hold_id=first.hold_id).update(expires_at=T0 - dt.timedelta(days=3650))
    second = book(tenant, owner, room)  # the engine expires the stale hold first; its booking follows 'expire'
    first.refresh_from_db()
    assert (first.status, first.exclusive_key) == ("CANCELLED", None)
    assert second.exclusive_key == f"resource:{room.pk}"


def test_a_customer_may_cancel_their_own_booking_with_the_own_permission(tenant, owner, room, sale_flow):
    user = member(tenant, "customer", email="buyer@example.com")
    mine = CustomerFactory(tenant=tenant, user=user)
    booking = book(tenant, owner, room, customer_id=mine.pk)
    booking = services.transition(tenant=tenant, actor=user, booking_id=booking.pk, name="cancel")
    assert booking.status == "CANCELLED"


def test_a_customer_cannot_see_or_cancel_someone_elses_booking(tenant, owner, room, sale_flow, customer):
    user = member(tenant, "customer", email="buyer@example.com")
    CustomerFactory(tenant=tenant, user=user)
    theirs = book(tenant, owner, room, customer_id=customer.pk)
    with pytest.raises(NotFound):
        services.transition(tenant=tenant, actor=user, booking_id=theirs.pk, name="cancel")
    assert Booking.objects.get(pk=theirs.pk).status == "REQUESTED"


def test_own_permission_does_not_open_transitions_without_it(tenant, owner, room, sale_flow):
    user = member(tenant, "customer", email="buyer@example.com")
    mine = CustomerFactory(tenant=tenant, user=user)
    booking = book(tenant, owner, room, customer_id=mine.pk)
    with pytest.raises(PermissionDenied):
        services.transition(tenant=tenant, actor=user, booking_id=booking.pk, name="approve")


def test_staff_with_the_permission_cancel_any_booking(tenant, owner, room, sale_flow, customer):
    booking = book(tenant, owner, room, customer_id=customer.pk)
    assert services.transition(tenant=tenant, actor=owner, booking_id=booking.pk, name="cancel").status == "CANCELLED"


def test_doctor_reports_an_exclusive_key_that_drifted_from_the_flow(tenant, owner, room, sale_flow):
    from holdfast.core.bookings.doctor import exclusive_key_matches_flow

    booking = book(tenant, owner, room)
    assert exclusive_key_matches_flow() == []
    Booking.objects.filter(pk=booking.pk).update(exclusive_key=None)
    assert [f.message for f in exclusive_key_matches_flow()] == [f"booking {booking.pk} (REQUESTED) has exclusive key None, its flow says 'resource:{room.pk}'"]


def test_a_customer_learns_nothing_of_someone_elses_booking_from_an_illegal_step(tenant, owner, room, sale_flow, customer):
    user = member(tenant, "customer", email="buyer@example.com")
    CustomerFactory(tenant=tenant, user=user)
    theirs = book(tenant, owner, room, customer_id=customer.pk)
    services.transition(tenant=tenant, actor=owner, booking_id=theirs.pk, name="cancel")
    with pytest.raises(NotFound):  # not 409 "A CANCELLED booking cannot be 'cancel'"
        services.transition(tenant=tenant, actor=user, booking_id=theirs.pk, name="cancel")
