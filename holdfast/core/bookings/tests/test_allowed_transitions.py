"""`selectors.allowed_transitions`: which steps this actor may take on this booking now — state,
permission or own-permission, and guards, the same rules `services.transition` enforces, so a screen
asks the engine instead of restating them."""
from __future__ import annotations

import datetime as dt

import pytest

from holdfast.core.bookings import selectors, services
from holdfast.core.bookings.flows import FLOWS, Flow, Refusal, Transition, reason_required, register_flow, release_inventory
from holdfast.core.inventory.tests.factories import ResourceFactory, SiteFactory
from holdfast.kit.errors import Conflict
from tests.factories import CustomerFactory, member

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2030, 6, 1, 15, 0, tzinfo=dt.UTC)
T1 = T0 + dt.timedelta(days=3)


def switch_on(ctx):
    return None if ctx.tenant.setting("test_switch") else Refusal("switch_off", "The business has this switched off.")


def requested_only(ctx):
    return None if ctx.booking.status == "REQUESTED" else Refusal("too_late", "Only a request can be withdrawn.")


@pytest.fixture
def probe_flow():
    flow = register_flow(Flow(
        name="test_probe",
        initial=["REQUESTED", "APPROVED"],
        states=["REQUESTED", "APPROVED", "DONE", "CANCELLED"],
        transitions=[
            Transition("approve", ["REQUESTED"], "APPROVED", permission="bookings.approve"),
            Transition("finish", ["APPROVED"], "DONE", permission="bookings.manage", guards=[switch_on]),
            Transition("reject", ["REQUESTED"], "CANCELLED", permission="bookings.approve", guards=[reason_required]),
            Transition("withdraw", ["REQUESTED", "APPROVED"], "CANCELLED", permission="bookings.manage", own_permission="portal.use", guards=[requested_only], effects=[release_inventory]),
            Transition("expire", ["REQUESTED", "APPROVED"], "CANCELLED", permission=None),
        ],
    ))
    yield flow
    FLOWS.pop("test_probe")


@pytest.fixture
def room(tenant):
    return ResourceFactory(site=SiteFactory(tenant=tenant))


def book(tenant, owner, room, **kw):
    return services.create_booking(tenant=tenant, actor=owner, flow="test_probe", resource_id=room.pk, starts_at=T0, ends_at=T1, **kw)


def names(tenant, actor, booking):
    return [t.name for t in selectors.allowed_transitions(tenant, actor, booking)]


def test_the_admin_gets_every_step_of_the_state_the_system_step_never(tenant, owner, room, probe_flow):
    booking = book(tenant, owner, room)
    assert names(tenant, owner, booking) == ["approve", "reject", "withdraw"]  # reject needs a reason, not yet given: offered
    assert "expire" not in names(tenant, owner, book(tenant, owner, ResourceFactory(site=room.site), status="APPROVED"))


def test_a_guard_on_a_business_switch_hides_the_step_until_it_is_on(tenant, owner, room, probe_flow):
    booking = book(tenant, owner, room, status="APPROVED")
    assert "finish" not in names(tenant, owner, booking)
    with pytest.raises(Conflict):  # the step refuses exactly what the query hides
        services.transition(tenant=tenant, actor=owner, booking_id=booking.pk, name="finish")
    tenant.settings = {**(tenant.settings or {}), "test_switch": True}
    tenant.save(update_fields=["settings"])
    assert "finish" in names(tenant, owner, booking)
    assert services.transition(tenant=tenant, actor=owner, booking_id=booking.pk, name="finish").status == "DONE"


def test_a_customer_gets_only_own_permission_steps_on_their_own_booking_and_only_when_guards_pass(tenant, owner, room, probe_flow):
    user = member(tenant, "customer", email="buyer@example.com")
    mine = book(tenant, owner, room, customer_id=CustomerFactory(tenant=tenant, user=user).pk)
    theirs = book(tenant, owner, ResourceFactory(site=SiteFactory(tenant=tenant)), customer_id=CustomerFactory(tenant=tenant).pk)
    assert names(tenant, user, mine) == ["withdraw"]
    assert names(tenant, user, theirs) == []
    mine = services.transition(tenant=tenant, actor=owner, booking_id=mine.pk, name="approve")
    assert names(tenant, user, mine) == []  # requested_only: an approved booking is no longer theirs to withdraw


def test_the_probe_changes_nothing_and_the_reason_guard_still_applies_to_the_step(tenant, owner, room, probe_flow):
    booking = book(tenant, owner, room)
    before = (booking.status, booking.version)
    selectors.allowed_transitions(tenant, owner, booking)
    booking.refresh_from_db()
    assert (booking.status, booking.version) == before
    with pytest.raises(Conflict) as exc:
        services.transition(tenant=tenant, actor=owner, booking_id=booking.pk, name="reject")
    assert exc.value.code == "reason_required"


def test_anonymous_or_outsider_gets_nothing(tenant, owner, room, probe_flow, outsider):
    from django.contrib.auth.models import AnonymousUser

    booking = book(tenant, owner, room)
    assert names(tenant, AnonymousUser(), booking) == [] and names(tenant, None, booking) == []
    assert names(tenant, outsider, booking) == []
