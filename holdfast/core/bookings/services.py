"""Booking writes: create (placing the hold), and `transition` — the one way a status changes."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from holdfast.core.accounts.selectors import has_perm, require_perm
from holdfast.core.audit.services import log_action
from holdfast.core.customers.models import Customer
from holdfast.core.events.services import emit
from holdfast.core.inventory import services as inventory
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.errors import Conflict, NotFound, PermissionDenied, StaleVersion, ValidationFailed
from holdfast.kit.locking import set_lock_timeout, translate_db_errors

from .flows import Context, get_flow
from .models import Booking, BookingStatusHistory

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
) -> Booking:
    """A booking in one of its flow's initial states (default: the first), holding its resource (or
    quantity) in the same transaction. A flow with `exclusive` states refuses a second active booking
    of the same resource (409 `resource_has_active_booking`; the partial unique index backs it up)."""
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
        now = timezone.now()
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
        booking = Booking(
            tenant=tenant, flow=spec.name, status=status, reference=reference[:40], customer=customer, site_id=site,
            resource_id=resource_id, starts_at=starts_at if resource_id else None, ends_at=ends_at if resource_id else None,
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


def transition(*, tenant, actor, booking_id: int, name: str, reason: str = "", version: int | None = None, **params) -> Booking:
    """Move a booking along its flow: one transaction with guards, effects, history, audit and event.

    An illegal transition is refused with 409 `illegal_transition` and changes nothing.
    `actor=None` is the system (the sweeper, a scheduled job).
    """
    with transaction.atomic(), translate_db_errors(CONSTRAINT_MESSAGES):
        set_lock_timeout()
        now = timezone.now()
        booking = get_owned(Booking.objects.select_for_update(of=("self",)).select_related("hold", "customer"), tenant, booking_id, what="booking")
        spec = get_flow(booking.flow)
        step = spec.by_name.get(name) if spec else None
        if step is None or booking.status not in step.sources:
            allowed = spec.available(booking.status) if spec else []
            raise Conflict(
                f"A {booking.status} booking cannot be '{name}'. Allowed now: {', '.join(allowed) or 'nothing'}.",
                code="illegal_transition", extra={"status": booking.status, "allowed": allowed},
            )
        if actor is not None:
            _require_transition_perm(actor, tenant, booking, step, name)
        if version is not None and version != booking.version:
            raise StaleVersion(f"The booking was changed by someone else (now version {booking.version}). Reload and retry.", extra={"current_version": booking.version})
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
    """The step's permission, or its `own_permission` on a booking of the actor's own customer record."""
    if step.permission is None:
        raise PermissionDenied(f"'{name}' is done by the system only.", code="system_only")
    if step.own_permission and not has_perm(actor, tenant, step.permission):
        require_perm(actor, tenant, step.own_permission)
        if booking.customer is None or booking.customer.user_id != actor.pk:
            # Someone else's booking is not revealed to a customer.
            raise NotFound(f"No booking with id {booking.pk}.", code="not_found")
        return
    require_perm(actor, tenant, step.permission)


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
