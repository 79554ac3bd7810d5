"""The hotel reservation flow on the core booking engine (statuses as seed 004 names them).

A reservation is created in HOLD and confirmed in the same step unless it stays tentative; a
tentative one expires with its engine hold (system transition `expire` -> CANCELLED).
Inventory is moved by the hotel services around the transition (a reservation's room can be
assigned, moved and resized after booking), so the flow itself has no inventory effects.
"""
from holdfast.core.bookings.flows import Flow, Transition, register_flow

HOTEL = register_flow(
    Flow(
        name="hotel",
        initial="HOLD",
        states=["HOLD", "CONFIRMED", "CHECKED_IN", "CHECKED_OUT", "CANCELLED", "NO_SHOW"],
        holding=["HOLD"],  # a tentative reservation's engine hold is live and expires (services/expiry.py)
        booked=["CONFIRMED", "CHECKED_IN", "CHECKED_OUT"],
        create_permission="hotel.reservation.manage",
        transitions=[
            Transition("confirm", ["HOLD"], "CONFIRMED", permission="hotel.reservation.manage", label="Confirm"),
            Transition("check_in", ["CONFIRMED"], "CHECKED_IN", permission="hotel.frontdesk", label="Check in"),
            Transition("check_out", ["CHECKED_IN"], "CHECKED_OUT", permission="hotel.frontdesk", label="Check out"),
            Transition("cancel", ["HOLD", "CONFIRMED"], "CANCELLED", permission="hotel.reservation.manage", label="Cancel"),
            Transition("no_show", ["HOLD", "CONFIRMED"], "NO_SHOW", permission="hotel.frontdesk", label="No show"),
            # System only (the engine's hold-expiry hook): seed 004 has no EXPIRED status, an expired HOLD is CANCELLED.
            Transition("expire", ["HOLD"], "CANCELLED", permission=None, label="Hold expired"),
        ],
    )
)
