"""The storage booking flow (seed 002 ADR-S008/S009), registered with the engine.

NEW -> HELD -> CONFIRMED -> CANCELLED, HELD -> EXPIRED on timeout (and NEW/HELD -> CANCELLED).
The `hold` step places the quantity hold (the engine's place_quantity_hold effect): N pallets on every
day of [check-in, check-out), the day rows locked in date order, all in one transaction. `confirm`
needs a live hold and the money the first day's slot asks before confirmation (deposit, or the whole
total when prepayment is needed); it moves held -> occupied. `cancel` gives back what is held or
occupied. `expire` is the sweeper's (the engine's on_hold_expired handler applies it).

Customers confirm and cancel only their own bookings (own_permission: someone else's answers 404).
"""
from __future__ import annotations

from holdfast.core.bookings.flows import Flow, Refusal, Transition, convert_hold, expire_inventory, hold_has_expired, hold_is_live, place_quantity_hold, register_flow, release_inventory

from .models import CANCELLED, CONFIRMED, EXPIRED, HELD, NEW, StorageBooking


def money_before_confirmation(ctx) -> Refusal | None:
    """The slot's deposit (or, with prepayment, the whole current total) is received before confirmation."""
    from .selectors import paid_minor, required_before_confirmation

    storage = StorageBooking.objects.get(pk=ctx.booking.pk)
    required = required_before_confirmation(ctx.tenant, storage)
    paid = paid_minor(ctx.tenant, storage)
    if paid < required:
        what = "the full prepayment" if storage.prepayment_required else "the deposit"
        return Refusal("payment_required", f"{what.capitalize()} of {required} (minor units) is needed before confirmation; {paid} received.")
    return None


STORAGE = register_flow(
    Flow(
        name="storage",
        driven_by="storage",
        initial=NEW,
        states=[NEW, HELD, CONFIRMED, CANCELLED, EXPIRED],
        holding=[HELD],
        booked=[CONFIRMED],
        create_permission="storage.booking.create",
        manage_permission="storage.booking.manage",
        transitions=[
            Transition("hold", [NEW], HELD, permission="storage.booking.create", effects=[place_quantity_hold], label="Hold pallets"),
            Transition("confirm", [HELD], CONFIRMED, permission="storage.booking.manage", own_permission="storage.booking.confirm",
                       guards=[hold_is_live, money_before_confirmation], effects=[convert_hold], label="Confirm"),
            Transition("cancel", [NEW, HELD, CONFIRMED], CANCELLED, permission="storage.booking.manage", own_permission="storage.booking.cancel",
                       effects=[release_inventory], label="Cancel"),
            Transition("expire", [HELD], EXPIRED, permission=None, guards=[hold_has_expired], effects=[expire_inventory], label="Expire hold"),
        ],
    )
)
