"""The hotel reservation flow on the core booking engine (statuses as seed 004 names them).

A reservation is created HOLD (tentative) or CONFIRMED directly. Its booking owns the engine claim:
with a room, blocks on the room's resource; a HOLD without a room, a hold whose only claim is its
expiry (`hold_without_inventory`), so a tentative reservation expires like any hold (system transition
`expire` -> CANCELLED; seed 004 has no EXPIRED status). Confirming converts the claim, cancelling and
no-show give it back; assigning, moving and resizing go through `bookings.move_booking`.
"""
from holdfast.core.bookings.flows import Flow, Transition, convert_hold, register_flow, release_inventory

HOTEL = register_flow(
    Flow(
        name="hotel",
        driven_by="hotel",  # reservations, folios and read models follow every step: only hotel steps change it
        initial=["HOLD", "CONFIRMED"],
        states=["HOLD", "CONFIRMED", "CHECKED_IN", "CHECKED_OUT", "CANCELLED", "NO_SHOW"],
        holding=["HOLD"],  # a tentative reservation's engine hold is live and expires (services/expiry.py)
        booked=["CONFIRMED", "CHECKED_IN", "CHECKED_OUT"],
        create_permission="hotel.reservation.manage",
        manage_permission="hotel.reservation.manage",
        hold_without_inventory=True,
        transitions=[
            Transition("confirm", ["HOLD"], "CONFIRMED", permission="hotel.reservation.manage", effects=[convert_hold], label="Confirm"),
            Transition("check_in", ["CONFIRMED"], "CHECKED_IN", permission="hotel.frontdesk", label="Check in"),
            Transition("check_out", ["CHECKED_IN"], "CHECKED_OUT", permission="hotel.frontdesk", label="Check out"),
            Transition("cancel", ["HOLD", "CONFIRMED"], "CANCELLED", permission="hotel.reservation.manage", effects=[release_inventory], label="Cancel"),
            Transition("no_show", ["HOLD", "CONFIRMED"], "NO_SHOW", permission="hotel.frontdesk", effects=[release_inventory], label="No show"),
            # System only (the engine's hold-expiry hook): seed 004 has no EXPIRED status, an expired HOLD is CANCELLED.
            Transition("expire", ["HOLD"], "CANCELLED", permission=None, label="Hold expired"),
        ],
    )
)
