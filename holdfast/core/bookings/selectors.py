"""Booking reads, tenant-scoped."""
from __future__ import annotations

from holdfast.core.accounts.selectors import has_perm
from holdfast.core.customers.models import Customer
from holdfast.core.inventory.models import Resource, Site
from holdfast.core.tenancy.selectors import get_owned, require_owned
from holdfast.kit import clock
from holdfast.kit.errors import DomainError, NotFound, PermissionDenied

from .flows import Context, Transition, get_flow
from .models import Booking, BookingStatusHistory


def bookings(tenant, *, status: str | None = None, flow: str | None = None, customer_id: int | None = None, resource_id: int | None = None, site_id: int | None = None):
    require_owned(tenant, (Customer, customer_id), (Resource, resource_id), (Site, site_id))
    qs = Booking.objects.for_tenant(tenant).select_related("hold")
    if status:
        qs = qs.filter(status=status)
    if flow:
        qs = qs.filter(flow=flow)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if resource_id:
        qs = qs.filter(resource_id=resource_id)
    if site_id:
        qs = qs.filter(site_id=site_id)
    return qs


def get_booking(tenant, pk) -> Booking:
    return get_owned(Booking.objects.select_related("hold"), tenant, pk, what="booking")


def history(tenant, booking_id: int):
    booking = get_booking(tenant, booking_id)
    return BookingStatusHistory.objects.filter(booking=booking).order_by("id")


def transition_permission_refusal(tenant, actor, booking, step: Transition) -> DomainError | None:
    """Why `actor` may not take `step` on `booking` as far as permissions go (None: they may). The step's
    permission, or its `own_permission` on a booking that is the actor's own (Flow.is_own); someone
    else's booking is a NotFound, so a customer probing it learns nothing. `services.transition`
    raises this; `allowed_transitions` only asks it."""
    if step.permission is None:
        return PermissionDenied(f"'{step.name}' is done by the system only.", code="system_only")
    if step.own_permission and not has_perm(actor, tenant, step.permission):
        if not has_perm(actor, tenant, step.own_permission):
            return PermissionDenied(f"You need the '{step.own_permission}' permission for this.", code="permission_denied", extra={"permission": step.own_permission})
        spec = get_flow(booking.flow)
        if spec is None or not spec.is_own(booking, actor):
            return NotFound(f"No booking with id {booking.pk}.", code="not_found")
        return None
    if not has_perm(actor, tenant, step.permission):
        return PermissionDenied(f"You need the '{step.permission}' permission for this.", code="permission_denied", extra={"permission": step.permission})
    return None


def allowed_transitions(tenant, actor, booking, *, reason: str = "", **params) -> list[Transition]:
    """The transitions `actor` may take on `booking` now — the question a screen asks to decide its
    buttons, answered by the same rules `services.transition` enforces: the booking's state, the
    permission (or own-permission), and every guard, evaluated read-only (`Context.probing`: a guard
    about input not given yet, such as `reason_required`, lets it through). Nothing is locked or
    written; the step itself still checks everything again when it is taken."""
    spec = get_flow(booking.flow)
    if spec is None or actor is None or not getattr(actor, "is_authenticated", False):
        return []
    now, allowed = clock.now(), []
    for step in spec.transitions:
        if booking.status not in step.sources or transition_permission_refusal(tenant, actor, booking, step) is not None:
            continue
        ctx = Context(booking=booking, tenant=tenant, actor=actor, transition=step, reason=reason, now=now, params=params, probing=True)
        if not any(guard(ctx) for guard in step.guards):
            allowed.append(step)
    return allowed
