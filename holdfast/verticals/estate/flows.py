"""The estate booking flow (seed 000 §D), registered with the engine.

Stored states only (§E), on the engine's Booking. The flow declares HOLD_REQUESTED, HOLD_APPROVED
and BOOKED *exclusive*: while a booking is in one of them the engine sets its exclusive key to the
unit's resource, and the engine's partial unique index allows one such booking per resource — seed
000 §F "a unit never has more than one active booking", enforced by the database. The guards are the
flow's own rules: approval re-checks that no other active booking holds the unit; completion needs
the received billing payments of the booking to meet the project's rule and the booking's resource
to be its unit's.

Cancel: staff who may approve cancel any hold; a customer (`estate.booking.cancel`) only their own —
the engine's `own_permission` answers 404 on someone else's booking.

Approve renews the hold (seed §D Approve Hold step 2, "ensure the unit remains held for that
booking"): an explicit extension through inventory.extend_hold, so the approved buyer has the
project's full hold time from the approval on (audited as inventory.hold.extended and counted against
the tenant's `hold_max_extensions`; when none are left the hold keeps its expiry and approval goes
ahead — the hold is live, checked by the guard, so the unit is still held).
"""
from __future__ import annotations

import datetime as dt
import math

from holdfast.core.billing import selectors as billing_selectors
from holdfast.core.billing.models import Payment
from holdfast.core.bookings.flows import Flow, Refusal, Transition, convert_hold, expire_inventory, hold_has_expired, hold_is_live, register_flow, release_inventory
from holdfast.core.inventory import services as inventory
from holdfast.kit.errors import Conflict

from .models import ACTIVE_STATES, BOOKED, CANCELLED, EXPIRED, HOLD_APPROVED, HOLD_REQUESTED, EstateBooking


def no_other_active_booking(ctx) -> Refusal | None:
    estate = EstateBooking.objects.get(pk=ctx.booking.pk)
    others = EstateBooking.objects.filter(unit_id=estate.unit_id, booking__status__in=ACTIVE_STATES).exclude(pk=estate.pk)
    if others.exists():
        return Refusal("unit_has_other_booking", "Another active booking already holds this unit.")
    return None


def payments_meet_rule(ctx) -> Refusal | None:
    """The RECEIVED billing payments of the booking (net of refunds; expected ones are not money)."""
    estate = EstateBooking.objects.get(pk=ctx.booking.pk)
    # Lock the booking's received payments first: a refund running now (it locks its payment) either
    # finishes before we count or waits until the booking is BOOKED — never counted and taken at once.
    list(Payment.objects.filter(booking_id=estate.pk, status=Payment.RECEIVED).order_by("pk").select_for_update().values_list("pk", flat=True))
    paid = billing_selectors.received_minor(ctx.tenant, booking_id=estate.pk, currency=estate.currency)
    if paid < estate.required_minor:
        return Refusal("payment_rule_not_met", f"Payments received ({paid}) are below what the project requires ({estate.required_minor}) in minor units.")
    return None


def unit_is_the_reserved_one(ctx) -> Refusal | None:
    """§F: a booking is BOOKED only for the unit it reserved (the engine's resource is the unit's)."""
    estate = EstateBooking.objects.select_related("unit").get(pk=ctx.booking.pk)
    if ctx.booking.resource_id != estate.unit.resource_id:
        return Refusal("unit_mismatch", "The booking's inventory is not the unit it reserved.")
    return None


def renew_hold(ctx) -> None:
    """Approval gives the buyer the project's hold time from now (never shortens a hold)."""
    hold = ctx.booking.hold
    if hold is None or hold.expires_at is None:
        return
    project = EstateBooking.objects.select_related("unit__project").get(pk=ctx.booking.pk).unit.project
    wanted = ctx.now + dt.timedelta(minutes=project.hold_ttl_minutes)
    minutes = math.ceil((wanted - hold.expires_at).total_seconds() / 60)
    if minutes < 1:
        return
    try:
        ctx.booking.hold = inventory.extend_hold(tenant=ctx.tenant, actor=ctx.actor, hold_id=hold.pk, minutes=min(minutes, inventory.MAX_TTL_MINUTES))
    except Conflict as exc:
        if exc.code != "hold_extension_limit":
            raise


ESTATE = register_flow(
    Flow(
        name="estate",
        driven_by="estate",  # the unit's status, money and notices follow every step: only estate steps change it
        initial=HOLD_REQUESTED,
        states=[HOLD_REQUESTED, HOLD_APPROVED, BOOKED, CANCELLED, EXPIRED],
        holding=[HOLD_REQUESTED, HOLD_APPROVED],
        booked=[BOOKED],
        exclusive=list(ACTIVE_STATES),
        create_permission="estate.booking.request",
        transitions=[
            Transition("approve", [HOLD_REQUESTED], HOLD_APPROVED, permission="estate.booking.approve", guards=[hold_is_live, unit_is_the_reserved_one, no_other_active_booking],
                       effects=[renew_hold], label="Approve hold"),
            Transition("reject", [HOLD_REQUESTED, HOLD_APPROVED], CANCELLED, permission="estate.booking.approve", effects=[release_inventory], label="Reject hold"),
            Transition("cancel", [HOLD_REQUESTED, HOLD_APPROVED], CANCELLED, permission="estate.booking.approve", own_permission="estate.booking.cancel",
                       effects=[release_inventory], label="Cancel hold"),
            Transition("complete", [HOLD_APPROVED], BOOKED, permission="estate.booking.complete", guards=[hold_is_live, unit_is_the_reserved_one, payments_meet_rule],
                       effects=[convert_hold], label="Complete booking"),
            Transition("expire", [HOLD_REQUESTED, HOLD_APPROVED], EXPIRED, permission=None, guards=[hold_has_expired], effects=[expire_inventory], label="Expire hold"),
        ],
    )
)
