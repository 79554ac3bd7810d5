"""Booking writes: create (placing the hold), and `transition` — the one way a status changes."""
from __future__ import annotations

import datetime as dt

from django.db import transaction

from holdfast.core.accounts.selectors import require_perm
from holdfast.core.audit.services import log_action
from holdfast.core.customers.models import Customer
from holdfast.core.events.services import emit
from holdfast.core.inventory import services as inventory
from holdfast.core.inventory.models import Hold, Site
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit import clock
from holdfast.kit.errors import Conflict, StaleVersion, ValidationFailed
from holdfast.kit.locking import set_lock_timeout, translate_db_errors

from .flows import Context, get_flow
from .models import Booking, BookingStatusHistory
from .selectors import transition_permission_refusal

CONSTRAINT_MESSAGES = {
    **inventory.CONSTRAINT_MESSAGES,
    "booking_one_active_per_key": "This resource already has an active booking.",
}


def _actor_label(actor) -> str:
    return str(getattr(actor, "email", None) or "system")


def _record(booking, *, tenant, actor, from_status: str, transition: str, reason: str, now) -> None:
    BookingStatusHistory.objects.create(
        tenant=tenant, booking=booking, from_status=from_status, to_status=booking.status, transition=transition,
        actor=actor if getattr(actor, "pk", None) else None, actor_label=_actor_label(actor), reason=(reason or "")[:500], at=now,
    )


def create_booking(
    *,
    tenant,
    actor,
    flow: str = "generic",
    customer_id: int | None = None,
    resource_id: int | None = None,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    pool_id: int | None = None,
    quantity: int = 0,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    ttl_minutes: int | None = None,
    notes: str = "",
    data: dict | None = None,
    reference: str = "",
    status: str | None = None,
    site_id: int | None = None,
) -> Booking:
    """A booking in one of its flow's initial states (default: the first), holding its resource (or
    quantity) in the same transaction. A flow with `exclusive` states refuses a second active booking
    of the same resource (409 `resource_has_active_booking`; the partial unique index backs it up).

    Created in a `booked` state, its hold is converted at once (sold, no expiry). Without a resource or
    pool it holds nothing, unless its flow asks for `hold_without_inventory` in a holding state (a hold
    whose only claim is its expiry); it may still name its site and period (a stay booked into a type).
    """
    _require_ids(customer_id=customer_id, resource_id=resource_id, pool_id=pool_id, site_id=site_id)
    spec = get_flow(flow)
    if spec is None:
        raise ValidationFailed("Unknown booking flow.", fields={"flow": [f"No flow named {flow!r}."]})
    status = status or spec.initial
    if status not in spec.initial_states:
        raise ValidationFailed(f"A new {spec.name} booking starts in {' or '.join(spec.initial_states)}.", fields={"status": [f"One of {', '.join(spec.initial_states)}."]})
    if actor is not None:
        require_perm(actor, tenant, spec.create_permission)
    with transaction.atomic(), translate_db_errors(CONSTRAINT_MESSAGES):
        set_lock_timeout()
        now = clock.now()
        customer = get_owned(Customer, tenant, customer_id, what="customer") if customer_id else None
        if customer is not None and not customer.is_active:
            raise Conflict("The customer is deactivated.", code="customer_inactive")
        hold = site = None
        if resource_id or pool_id:
            hold = inventory.place_hold(
                tenant=tenant, actor=actor, resource_ids=[resource_id] if resource_id else None, starts_at=starts_at, ends_at=ends_at,
                pool_id=pool_id, quantity=quantity, start_date=start_date, end_date=end_date, ttl_minutes=ttl_minutes, record=False,
            )
            site = hold.site_id
            if status in spec.booked:
                hold = inventory.convert_hold(tenant=tenant, actor=actor, hold_id=hold.pk, record=False, capacity=bool(pool_id))
        elif spec.hold_without_inventory and status in spec.holding:
            hold = inventory.place_expiring_hold(tenant=tenant, actor=actor, ttl_minutes=ttl_minutes, reason=reference, record=False)
        if site is None and site_id:
            site = get_owned(Site, tenant, site_id, what="site").pk
        # A period without a resource is kept (validated) when there is no pool: a stay booked into a type.
        keep_period = bool(resource_id) or (not pool_id and starts_at is not None)
        if keep_period and not resource_id:
            inventory.validate_period(starts_at, ends_at)
        booking = Booking(
            tenant=tenant, flow=spec.name, status=status, reference=reference[:40], customer=customer, site_id=site,
            resource_id=resource_id, starts_at=starts_at if keep_period else None, ends_at=ends_at if keep_period else None,
            pool_id=pool_id, quantity=quantity if pool_id else 0, start_date=start_date if pool_id else None, end_date=end_date if pool_id else None,
            hold=hold, notes=notes, data=data or {}, created_by=actor if getattr(actor, "pk", None) else None, created_at=now,
        )
        booking.exclusive_key = spec.exclusive_key(booking)
        _refuse_second_exclusive(tenant, booking)
        booking.save(force_insert=True)
        _record(booking, tenant=tenant, actor=actor, from_status="", transition="create", reason="", now=now)
        log_action(tenant=tenant, actor=actor, entity=booking, action="bookings.booking.created", diff={"status": [None, booking.status], "hold_id": [None, hold.pk if hold else None]})
        emit(tenant, "booking:created", {"booking_id": booking.pk, "flow": spec.name, "status": booking.status, "hold_id": hold.pk if hold else None, "expires_at": hold.expires_at if hold else None})
    return booking


def _require_ids(**ids) -> None:
    """Ids are positive integers: a 0 would slip past truthiness checks into a foreign key that only fails
    at commit (a 500 instead of an answer)."""
    bad = {name: ["A positive id."] for name, value in ids.items() if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1)}
    if bad:
        raise ValidationFailed("Some ids are not valid.", fields=bad)


def refuse_vertical_flow(tenant, *, flow: str | None = None, booking_id: int | None = None) -> None:
    """For the generic bookings API: a flow a vertical drives (Flow.driven_by) is changed only through
    that vertical's own steps, which keep its records in step (409 `flow_driven_by_vertical`)."""
    if booking_id is not None:
        flow = get_owned(Booking, tenant, booking_id, what="booking").flow
    spec = get_flow(flow or "")
    if spec is not None and spec.driven_by:
        raise Conflict(f"{spec.name} bookings are changed through the {spec.driven_by} screens and API, not the generic bookings API.",
                       code="flow_driven_by_vertical", extra={"flow": spec.name, "vertical": spec.driven_by})


def transition(*, tenant, actor, booking_id: int, name: str, reason: str = "", version: int | None = None, **params) -> Booking:
    """Move a booking along its flow: one transaction with guards, effects, history, audit and event.

    An illegal transition is refused with 409 `illegal_transition` and changes nothing.
    `actor=None` is the system (the sweeper, a scheduled job).
    """
    with transaction.atomic(), translate_db_errors(CONSTRAINT_MESSAGES):
        set_lock_timeout()
        now = clock.now()
        booking = get_owned(Booking.objects.select_for_update(of=("self",)).select_related("hold", "customer"), tenant, booking_id, what="booking")
        spec = get_flow(booking.flow)
        step = spec.by_name.get(name) if spec else None
        # Who may act is settled before the status is told: a customer probing someone else's booking
        # learns nothing from a 409 that names its state.
        if actor is not None and step is not None:
            _require_transition_perm(actor, tenant, booking, step, name)
        # Stale before illegal: a screen loaded before the booking moved on should hear "reload",
        # not "illegal transition" about a state it never saw.
        if version is not None and version != booking.version:
            raise StaleVersion(f"The booking was changed by someone else (now version {booking.version}). Reload and retry.", extra={"current_version": booking.version})
        if step is None or booking.status not in step.sources:
            allowed = spec.available(booking.status) if spec else []
            raise Conflict(
                f"A {booking.status} booking cannot be '{name}'. Allowed now: {', '.join(allowed) or 'nothing'}.",
                code="illegal_transition", extra={"status": booking.status, "allowed": allowed},
            )
        ctx = Context(booking=booking, tenant=tenant, actor=actor, transition=step, reason=reason, now=now, params=params)
        for guard in step.guards:
            refusal = guard(ctx)
            if refusal:
                raise Conflict(refusal.message, code=refusal.code, extra={"status": booking.status})
        for effect in step.effects:
            effect(ctx)
        _apply(booking, tenant=tenant, actor=actor, to=step.target, transition=name, reason=reason, now=now)
    return booking


def _require_transition_perm(actor, tenant, booking, step, name: str) -> None:
    """The step's permission, or its `own_permission` on a booking of the actor's own (one rule, in selectors)."""
    refusal = transition_permission_refusal(tenant, actor, booking, step)
    if refusal is not None:
        raise refusal


def _refuse_second_exclusive(tenant, booking, exclude_id: int | None = None) -> None:
    """The clear answer before the partial unique index would refuse (the caller holds the resource lock)."""
    if booking.exclusive_key and Booking.objects.filter(tenant=tenant, exclusive_key=booking.exclusive_key).exclude(pk=exclude_id).exists():
        raise Conflict("This resource already has an active booking.", code="resource_has_active_booking", extra={"resource_id": booking.resource_id})


def _apply(booking, *, tenant, actor, to: str, transition: str, reason: str, now) -> None:
    before = booking.status
    spec = get_flow(booking.flow)
    key = spec.exclusive_key(booking, to) if spec else None
    if key and key != booking.exclusive_key:
        _refuse_second_exclusive(tenant, Booking(resource_id=booking.resource_id, exclusive_key=key), exclude_id=booking.pk)
    booking.status = to
    booking.exclusive_key = key
    booking.version += 1
    booking.save(update_fields=["status", "exclusive_key", "version", "updated_at"])
    _record(booking, tenant=tenant, actor=actor, from_status=before, transition=transition, reason=reason, now=now)
    log_action(tenant=tenant, actor=actor, entity=booking, action=f"bookings.booking.{transition}", diff={"status": [before, to], "reason": [None, reason or None]})
    emit(tenant, "booking:updated", {"booking_id": booking.pk, "from": before, "to": to, "transition": transition, "version": booking.version})


def on_hold_expired(hold, now) -> None:
    """Inventory expired `hold` (sweeper or another booking's transaction): its bookings follow their flow's 'expire'."""
    for booking in Booking.objects.filter(hold=hold):
        spec = get_flow(booking.flow)
        step = spec.by_name.get("expire") if spec else None
        if step is None or booking.status not in step.sources:
            continue
        # Conditional: a concurrent transition that already moved the booking wins.
        key = spec.exclusive_key(booking, step.target)
        if Booking.objects.filter(pk=booking.pk, status=booking.status, version=booking.version).update(status=step.target, exclusive_key=key, version=booking.version + 1, updated_at=now):
            before = booking.status
            booking.status, booking.version = step.target, booking.version + 1
            tenant = hold.tenant
            _record(booking, tenant=tenant, actor=None, from_status=before, transition="expire", reason="hold expired", now=now)
            log_action(tenant=tenant, actor=None, entity=booking, action="bookings.booking.expire", diff={"status": [before, step.target]})
            emit(tenant, "booking:updated", {"booking_id": booking.pk, "from": before, "to": step.target, "transition": "expire", "version": booking.version})


def update_booking_notes(*, tenant, actor, booking_id: int, version: int, notes: str) -> Booking:
    """Editing never extends a hold (rule 4): only the notes change."""
    with transaction.atomic():
        booking = get_owned(Booking.objects.select_for_update(), tenant, booking_id, what="booking")
        if booking.version != version:
            raise StaleVersion(f"The booking was changed by someone else (now version {booking.version}).", extra={"current_version": booking.version})
        before = booking.notes
        booking.notes = notes
        booking.version += 1
        booking.save(update_fields=["notes", "version", "updated_at"])
        log_action(tenant=tenant, actor=actor, entity=booking, action="bookings.booking.updated", diff={"notes": [before, notes]})
        emit(tenant, "booking:updated", {"booking_id": booking.pk, "version": booking.version})
    return booking


def move_booking(
    *,
    tenant,
    actor,
    booking_id: int,
    resource_id: int | None = None,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    version: int | None = None,
    reason: str = "",
    permission: str | None = None,
    data: dict | None = None,
) -> Booking:
    """Move a booking to another resource and/or period: its hold moves with it (inventory.move_hold) in the
    same transaction, keeping its status and expiry (rule 4), or nothing changes.

    None keeps the resource, the start, the end. A booking that holds no resource yet gets one here: its
    hold (e.g. one whose only claim was its expiry) is given the resource, or, without a hold, a new one is
    placed, converted at once in a `booked` state. A booking without a resource may change only its period.
    Refusals are inventory's (409 resource_unavailable, resource_out_of_service, hold_expired, ...), a quantity
    booking is 409 booking_not_movable, and an `exclusive` flow's second active booking of the resource is
    409 resource_has_active_booking. Needs the flow's `manage_permission`, or `permission` when a vertical's
    step moves the booking as part of another action it has authorised (a front-desk early departure).
    `data`, when given, replaces the vertical's data in the same step (a resized stay's re-priced nights).
    """
    _require_ids(resource_id=resource_id)
    with transaction.atomic(), translate_db_errors(CONSTRAINT_MESSAGES):
        set_lock_timeout()
        booking = get_owned(Booking.objects.select_for_update(of=("self",)).select_related("hold"), tenant, booking_id, what="booking")
        spec = get_flow(booking.flow)
        if spec is None:
            raise Conflict(f"The booking's flow {booking.flow!r} is unknown.", code="unknown_flow")
        if actor is not None:
            require_perm(actor, tenant, permission or spec.manage_permission)
        if version is not None and version != booking.version:
            raise StaleVersion(f"The booking was changed by someone else (now version {booking.version}). Reload and retry.", extra={"current_version": booking.version})
        if booking.pool_id:
            raise Conflict("A booking of a quantity is not moved; cancel it and book again.", code="booking_not_movable")
        before = {"resource_id": booking.resource_id, "starts_at": booking.starts_at, "ends_at": booking.ends_at, "hold_id": booking.hold_id}
        new_resource = resource_id or booking.resource_id
        new_start = starts_at or booking.starts_at
        new_end = ends_at if ends_at is not None else booking.ends_at
        new_data = booking.data if data is None else data
        if (new_resource, new_start, new_end, new_data) == (booking.resource_id, booking.starts_at, booking.ends_at, booking.data):
            return booking
        inventory.validate_period(new_start, new_end)
        key = spec.exclusive_key(Booking(resource_id=new_resource, status=booking.status))
        if new_resource:
            booking.hold = _move_claim(tenant, actor, booking, spec, new_resource, new_start, new_end)  # locks the resource first
            booking.site_id = booking.hold.site_id
        if key and key != booking.exclusive_key:
            _refuse_second_exclusive(tenant, Booking(resource_id=new_resource, exclusive_key=key), exclude_id=booking.pk)
        data_changed = new_data != booking.data
        booking.resource_id, booking.starts_at, booking.ends_at, booking.exclusive_key, booking.data = new_resource, new_start, new_end, key, new_data
        booking.version += 1
        booking.save(update_fields=["resource", "starts_at", "ends_at", "site", "hold", "exclusive_key", "data", "version", "updated_at"])
        after = {"resource_id": booking.resource_id, "starts_at": booking.starts_at, "ends_at": booking.ends_at, "hold_id": booking.hold_id}
        diff = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        if reason:
            diff["reason"] = [None, reason]
        if data_changed:
            diff["data"] = [None, "changed"]
        log_action(tenant=tenant, actor=actor, entity=booking, action="bookings.booking.moved", diff=diff)
        emit(tenant, "booking:updated", {"booking_id": booking.pk, "action": "moved", "status": booking.status, "version": booking.version,
                                         "resource_id": booking.resource_id, "starts_at": booking.starts_at, "ends_at": booking.ends_at})
    return booking


def _move_claim(tenant, actor, booking, spec, resource_id: int, starts_at, ends_at) -> Hold:
    """The booking's hold on `resource_id` over the new period: its own hold moved, or a new one."""
    if booking.hold_id:
        return inventory.move_hold(tenant=tenant, actor=actor, hold_id=booking.hold_id, resource_ids=[resource_id], starts_at=starts_at, ends_at=ends_at, record=False)
    if booking.status not in spec.booked and booking.status not in spec.holding:
        raise Conflict(f"A {booking.status} booking holds nothing; it cannot be given a resource.", code="booking_not_movable", extra={"status": booking.status})
    hold = inventory.place_hold(tenant=tenant, actor=actor, resource_ids=[resource_id], starts_at=starts_at, ends_at=ends_at, reason=booking.reference, record=False)
    site_id = hold.site_id
    if booking.status in spec.booked:
        hold = inventory.convert_hold(tenant=tenant, actor=actor, hold_id=hold.pk, record=False, capacity=False)
        hold.site_id = site_id
    return hold


def detach_resource(*, tenant, actor, booking_id: int, reason: str = "", version: int | None = None, permission: str | None = None) -> Booking:
    """Take a booking off its resource (a walker declining a job): its claim is released in the same
    transaction and it keeps its status and period, holding nothing until `move_booking` gives it a
    resource again. Needs the flow's `manage_permission`, or `permission` when a vertical's step has
    authorised the actor itself. A booking without a resource is returned unchanged.
    """
    with transaction.atomic(), translate_db_errors(CONSTRAINT_MESSAGES):
        set_lock_timeout()
        booking = get_owned(Booking.objects.select_for_update(of=("self",)).select_related("hold"), tenant, booking_id, what="booking")
        spec = get_flow(booking.flow)
        if spec is None:
            raise Conflict(f"The booking's flow {booking.flow!r} is unknown.", code="unknown_flow")
        if actor is not None:
            require_perm(actor, tenant, permission or spec.manage_permission)
        if version is not None and version != booking.version:
            raise StaleVersion(f"The booking was changed by someone else (now version {booking.version}). Reload and retry.", extra={"current_version": booking.version})
        if booking.pool_id:
            raise Conflict("A booking of a quantity has no resource to leave.", code="booking_not_movable")
        if not booking.resource_id:
            return booking
        before = {"resource_id": booking.resource_id, "hold_id": booking.hold_id}
        if booking.hold_id:
            inventory.release_hold(tenant=tenant, actor=actor, hold_id=booking.hold_id, reason=reason, include_converted=True, record=False, capacity=False)
        booking.resource_id, booking.hold, booking.exclusive_key = None, None, None
        booking.version += 1
        booking.save(update_fields=["resource", "hold", "exclusive_key", "version", "updated_at"])
        log_action(tenant=tenant, actor=actor, entity=booking, action="bookings.booking.detached",
                   diff={"resource_id": [before["resource_id"], None], "hold_id": [before["hold_id"], None], "reason": [None, reason or None]})
        emit(tenant, "booking:updated", {"booking_id": booking.pk, "action": "detached", "status": booking.status, "version": booking.version, "resource_id": None})
    return booking
