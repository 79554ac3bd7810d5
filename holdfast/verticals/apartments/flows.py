"""The apartments booking flow (seed 001 §3.4 step 8), registered with the engine.

PENDING (the customer configures) -> confirm -> IN_PROGRESS (invoice issued) -> start_review ->
UNDER_REVIEW (a sales person assigned) -> approve -> APPROVED, or reject -> REJECTED from any open
stage; send_back returns a booking under review to IN_PROGRESS.

Every live state is *exclusive*: while a booking is PENDING … APPROVED the engine keys it on the
listing's resource, and its partial unique index allows one such booking per listing — a listed
apartment is sold once. The live states are also `booked`: the engine converts the listing's hold at
creation (no expiry: a configuration takes the time it takes); rejection releases it.
"""
from __future__ import annotations

from holdfast.core.bookings.flows import Flow, Refusal, Transition, register_flow, release_inventory

from .models import APPROVED, BOOKING_STATES, IN_PROGRESS, LIVE_STATES, PENDING, REJECTED, UNDER_REVIEW, ApartmentBooking
from .services.pricing import configuration_problems


def configuration_is_complete(ctx) -> Refusal | None:
    """§4: a booking leaves a stage only with its package and addons valid and its total computed."""
    booking = ApartmentBooking.objects.select_related("package", "apartment").get(pk=ctx.booking.pk)
    problems = configuration_problems(booking)
    if problems:
        return Refusal("configuration_incomplete", " ".join(problems))
    return None


APARTMENTS = register_flow(
    Flow(
        name="apartments",
        driven_by="apartments",  # the clone, the invoices and the listing follow every step: only apartments steps change it
        initial=PENDING,
        states=BOOKING_STATES,
        holding=[],
        booked=list(LIVE_STATES),
        exclusive=list(LIVE_STATES),
        create_permission="apartments.booking.create",
        transitions=[
            Transition("confirm", [PENDING], IN_PROGRESS, permission="apartments.booking.manage", own_permission="apartments.booking.configure",
                       guards=[configuration_is_complete], label="Confirm booking"),
            Transition("start_review", [IN_PROGRESS], UNDER_REVIEW, permission="apartments.booking.review", guards=[configuration_is_complete], label="Start review"),
            Transition("send_back", [UNDER_REVIEW], IN_PROGRESS, permission="apartments.booking.review", label="Send back"),
            Transition("approve", [UNDER_REVIEW], APPROVED, permission="apartments.booking.review", guards=[configuration_is_complete], label="Approve"),
            Transition("reject", [PENDING, IN_PROGRESS, UNDER_REVIEW], REJECTED, permission="apartments.booking.review", effects=[release_inventory], label="Reject"),
        ],
    )
)
