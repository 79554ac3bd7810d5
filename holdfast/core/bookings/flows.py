"""Declarative booking flows: a vertical states its states and transitions; `services.transition` runs them.

    MY_FLOW = register_flow(Flow(
        name="estate",
        initial="HOLD_REQUESTED",
        states=["HOLD_REQUESTED", "HOLD_APPROVED", "BOOKED", "CANCELLED", "EXPIRED"],
        holding=["HOLD_REQUESTED", "HOLD_APPROVED"],        # states whose hold may expire
        booked=["BOOKED"],                                  # states whose hold is converted
        transitions=[
            Transition("approve", ["HOLD_REQUESTED"], "HOLD_APPROVED", permission="estate.booking.approve", guards=[hold_is_live]),
            Transition("complete", ["HOLD_APPROVED"], "BOOKED", permission="estate.booking.complete",
                       guards=[hold_is_live, my_payment_guard], effects=[convert_hold]),
            Transition("cancel", [...], "CANCELLED", permission=..., effects=[release_inventory]),
            Transition("expire", [...], "EXPIRED", permission=None, guards=[hold_has_expired], effects=[expire_inventory]),
        ],
    ))

A guard is `fn(ctx) -> Refusal | None`: a refusal becomes a 409 with its code and nothing changes.
An effect is `fn(ctx) -> None` and runs in the transition's transaction (inventory, billing hooks,
extra events). A transition named "expire" is what the hold sweeper applies when a booking's hold
runs out (its inventory is already given back then, so its effects are skipped).
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from holdfast.core.inventory import services as inventory


class Refusal(NamedTuple):
    code: str
    message: str


@dataclass
class Context:
    booking: Any
    tenant: Any
    actor: Any
    transition: "Transition"
    reason: str
    now: dt.datetime
    params: dict = field(default_factory=dict)
    # True when `selectors.allowed_transitions` asks "may this step be taken now?" without taking it:
    # the input (reason, params) is not given yet, so a guard about input alone lets it through.
    probing: bool = False


Guard = Callable[[Context], Refusal | None]
Effect = Callable[[Context], None]


@dataclass
class Transition:
    name: str
    sources: list[str]
    target: str
    permission: str | None = None  # None: only the system (actor None) may perform it
    guards: list[Guard] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    label: str = ""
    # Lets an actor without `permission` do it on bookings of their *own* customer record (a customer
    # cancelling their own hold); on anyone else's booking the answer is 404, as if it did not exist.
    own_permission: str | None = None


@dataclass
class Flow:
    name: str
    initial: str | list[str]  # one state, or several a booking may be created in (the first is the default)
    states: list[str]
    transitions: list[Transition]
    holding: list[str] = field(default_factory=list)  # the hold is live (may expire)
    booked: list[str] = field(default_factory=list)  # the hold is converted: inventory is sold
    create_permission: str = "bookings.create"
    # States in which a booking holds its resource exclusively: the database allows one such booking per
    # resource (Booking.exclusive_key, partial unique index) — "one active booking per unit".
    exclusive: list[str] = field(default_factory=list)
    # Needed to move a booking to another resource or period (services.move_booking); default create_permission.
    manage_permission: str | None = None
    # A booking created in a holding state with no resource and no pool still gets a hold: one whose only
    # claim is its expiry (inventory.place_expiring_hold), so it expires like the others and `move_booking`
    # gives it its resource later, keeping that expiry (a hotel reservation booked into a room type).
    hold_without_inventory: bool = False
    # The vertical whose own services drive this flow (they keep its records — a reservation, a unit's
    # status — in step with the booking). The generic bookings API then only reads its bookings.
    driven_by: str = ""
    # Who counts as the booking's "own" person for a Transition.own_permission: by default the user of
    # its customer record; a vertical may widen it (petcare: also the walker assigned to the job).
    owns: Callable[[Any, Any], bool] | None = None

    def is_own(self, booking, actor) -> bool:
        if self.owns is not None:
            return bool(self.owns(booking, actor))
        return booking.customer is not None and booking.customer.user_id == actor.pk

    def __post_init__(self):
        self.manage_permission = self.manage_permission or self.create_permission
        self.initial_states = [self.initial] if isinstance(self.initial, str) else list(self.initial)
        if not self.initial_states:
            raise ValueError(f"flow {self.name}: no initial state")
        self.initial = self.initial_states[0]
        self.by_name = {t.name: t for t in self.transitions}
        known = set(self.states)
        for t in self.transitions:
            bad = (set(t.sources) | {t.target}) - known
            if bad:
                raise ValueError(f"flow {self.name}: transition {t.name} uses unknown states {sorted(bad)}")
        bad = (set(self.initial_states) | set(self.exclusive)) - known
        if bad:
            raise ValueError(f"flow {self.name}: unknown initial or exclusive states {sorted(bad)}")

    def exclusive_key(self, booking, status: str | None = None) -> str | None:
        """The key the one-per-resource index sees while the booking is in an exclusive state, else None."""
        status = booking.status if status is None else status
        if status in self.exclusive and booking.resource_id:
            return f"resource:{booking.resource_id}"
        return None

    def available(self, status: str) -> list[str]:
        return [t.name for t in self.transitions if status in t.sources]

    def reachable(self) -> set[tuple[str, str]]:
        """Every legal (from, to) edge, for the history-consistency check."""
        return {("", s) for s in self.initial_states} | {(s, t.target) for t in self.transitions for s in t.sources}

    def describe(self) -> dict:
        return {
            "name": self.name,
            "initial": self.initial,
            "initial_states": self.initial_states,
            "states": self.states,
            "exclusive": self.exclusive,
            "transitions": [{"name": t.name, "from": t.sources, "to": t.target, "permission": t.permission, "own_permission": t.own_permission, "label": t.label or t.name}
                            for t in self.transitions],
        }


FLOWS: dict[str, Flow] = {}


def register_flow(flow: Flow) -> Flow:
    FLOWS[flow.name] = flow
    return flow


def get_flow(name: str) -> Flow | None:
    return FLOWS.get(name)


# ---------------------------------------------------------------- reusable guards and effects

def hold_is_live(ctx: Context) -> Refusal | None:
    hold = ctx.booking.hold
    if hold is not None and hold.is_expired(ctx.now):
        return Refusal("hold_expired", "The hold on this booking has expired; nothing was changed.")
    return None


def hold_has_expired(ctx: Context) -> Refusal | None:
    hold = ctx.booking.hold
    if hold is not None and hold.status == hold.ACTIVE and not hold.is_expired(ctx.now):
        return Refusal("hold_not_expired", "The hold has not expired yet.")
    return None


def reason_required(ctx: Context) -> Refusal | None:
    if not ctx.probing and not (ctx.reason or "").strip():
        return Refusal("reason_required", "Say why.")
    return None


def convert_hold(ctx: Context) -> None:
    if ctx.booking.hold_id:
        ctx.booking.hold = inventory.convert_hold(tenant=ctx.tenant, actor=ctx.actor, hold_id=ctx.booking.hold_id, record=False, capacity=ctx.booking.pool_id is not None)


def place_quantity_hold(ctx: Context) -> None:
    """A step that places the booking's hold (NEW -> HELD): `quantity` of pool `pool_id` over
    [start_date, end_date), expiring after `ttl_minutes` (the tenant's default when absent), all
    passed as the transition's params. The hold is taken in the step's transaction (day rows locked in
    date order, expired holds released first, 409 capacity_exceeded when a day is short) and the
    booking's pool, quantity, dates, site and hold are saved with it."""
    p, booking = ctx.params, ctx.booking
    if booking.hold_id:
        raise ValueError("place_quantity_hold: the booking already holds inventory")
    hold = inventory.place_hold(tenant=ctx.tenant, actor=ctx.actor, pool_id=p["pool_id"], quantity=p["quantity"], start_date=p["start_date"], end_date=p["end_date"],
                                ttl_minutes=p.get("ttl_minutes"), reason=(booking.reference or "")[:300], record=False)
    booking.hold, booking.pool_id, booking.quantity, booking.start_date, booking.end_date = hold, hold.pool_id, hold.quantity, hold.start_date, hold.end_date
    booking.site_id = booking.site_id or hold.site_id
    type(booking).objects.filter(pk=booking.pk).update(hold=hold, pool_id=hold.pool_id, quantity=hold.quantity, start_date=hold.start_date, end_date=hold.end_date, site_id=booking.site_id)


def release_inventory(ctx: Context) -> None:
    if ctx.booking.hold_id:
        ctx.booking.hold = inventory.release_hold(tenant=ctx.tenant, actor=ctx.actor, hold_id=ctx.booking.hold_id, reason=ctx.reason, include_converted=True, record=False, capacity=ctx.booking.pool_id is not None)


def expire_inventory(ctx: Context) -> None:
    if ctx.booking.hold_id:
        inventory.expire_hold(tenant=ctx.tenant, hold_id=ctx.booking.hold_id, notify=False)


# ---------------------------------------------------------------- the generic demo flow

GENERIC = register_flow(
    Flow(
        name="generic",
        initial="HELD",
        states=["HELD", "APPROVED", "CONFIRMED", "CANCELLED", "EXPIRED"],
        holding=["HELD", "APPROVED"],
        booked=["CONFIRMED"],
        transitions=[
            Transition("approve", ["HELD"], "APPROVED", permission="bookings.approve", guards=[hold_is_live], label="Approve"),
            Transition("confirm", ["HELD", "APPROVED"], "CONFIRMED", permission="bookings.manage", guards=[hold_is_live], effects=[convert_hold], label="Confirm"),
            Transition("cancel", ["HELD", "APPROVED", "CONFIRMED"], "CANCELLED", permission="bookings.manage", effects=[release_inventory], label="Cancel"),
            Transition("expire", ["HELD", "APPROVED"], "EXPIRED", permission=None, guards=[hold_has_expired], effects=[expire_inventory], label="Expire"),
        ],
    )
)
