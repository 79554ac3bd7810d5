"""The estate booking flow (seed 000 §D), registered with the engine.

Stored states only (§E). The guards are the flow's own rules: approval re-checks that no other
active booking holds the unit; completion needs the payments the project's rule asks for.
"""
from __future__ import annotations

from django.db.models import Sum

from holdfast.core.bookings.flows import Flow, Refusal, Transition, convert_hold, expire_inventory, hold_has_expired, hold_is_live, register_flow, release_inventory

from .models import ACTIVE_STATES, BOOKED, CANCELLED, EXPIRED, HOLD_APPROVED, HOLD_REQUESTED, EstateBooking, Payment


def no_other_active_booking(ctx) -> Refusal | None:
    estate = EstateBooking.objects.get(pk=ctx.booking.pk)
    others = EstateBooking.objects.filter(unit_id=estate.unit_id, status__in=ACTIVE_STATES).exclude(pk=estate.pk)
    if others.exists():
        return Refusal("unit_has_other_booking", "Another active booking already holds this unit.")
    return None


def received_minor(booking_id) -> int:
    return Payment.objects.filter(booking_id=booking_id, status=Payment.RECEIVED).aggregate(s=Sum("amount_minor"))["s"] or 0


def payments_meet_rule(ctx) -> Refusal | None:
    estate = EstateBooking.objects.get(pk=ctx.booking.pk)
    paid = received_minor(estate.pk)
    if paid < estate.required_minor:
        return Refusal("payment_rule_not_met", f"Payments received ({paid}) are below what the project requires ({estate.required_minor}) in minor units.")
    return None


def unit_is_the_reserved_one(ctx) -> Refusal | None:
    """§F: a booking is BOOKED only for the unit it reserved (the engine's resource is the unit's)."""
    estate = EstateBooking.objects.select_related("unit").get(pk=ctx.booking.pk)
    if ctx.booking.resource_id != estate.unit.resource_id:
        return Refusal("unit_mismatch", "The booking's inventory is not the unit it reserved.")
    return None


ESTATE = register_flow(
    Flow(
        name="estate",
        initial=HOLD_REQUESTED,
        states=[HOLD_REQUESTED, HOLD_APPROVED, BOOKED, CANCELLED, EXPIRED],
        holding=[HOLD_REQUESTED, HOLD_APPROVED],
        booked=[BOOKED],
        create_permission="estate.booking.request",
        transitions=[
            Transition("approve", [HOLD_REQUESTED], HOLD_APPROVED, permission="estate.booking.approve", guards=[hold_is_live, no_other_active_booking], label="Approve hold"),
            Transition("reject", [HOLD_REQUESTED, HOLD_APPROVED], CANCELLED, permission="estate.booking.approve", effects=[release_inventory], label="Reject hold"),
            Transition("cancel", [HOLD_REQUESTED, HOLD_APPROVED], CANCELLED, permission="estate.booking.cancel", effects=[release_inventory], label="Cancel hold"),
            Transition("complete", [HOLD_APPROVED], BOOKED, permission="estate.booking.complete", guards=[hold_is_live, unit_is_the_reserved_one, payments_meet_rule],
                       effects=[convert_hold], label="Complete booking"),
            Transition("expire", [HOLD_REQUESTED, HOLD_APPROVED], EXPIRED, permission=None, guards=[hold_has_expired], effects=[expire_inventory], label="Expire hold"),
        ],
    )
)
