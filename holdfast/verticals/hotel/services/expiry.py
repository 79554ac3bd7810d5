"""Tentative (HOLD) reservations expire (DESIGN rule 4).

A HOLD reservation claims through its booking's engine hold, still ACTIVE and carrying the tenant's
`hold_ttl_minutes`: with a room, the engine's HOLD blocks on it; without one, a hold whose only claim is
its expiry (the flow's `hold_without_inventory`; the room-type count reads it). Moving or resizing it
moves that hold (`bookings.move_booking`), keeping its expiry. Availability ignores an expired one at once,
a hotel booking step expires the property's due ones first, and the engine sweeper
(`inventory.expire_holds`) expires the rest; `on_hold_expired` below then cancels the reservation.
Seed 004 has no EXPIRED reservation status, so an expired HOLD becomes CANCELLED, reason "hold expired".
"""
from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from holdfast.core.audit.services import log_action
from holdfast.core.bookings import services as bookings
from holdfast.core.events.services import emit, emit_stats_changed
from holdfast.core.inventory import services as inventory
from holdfast.core.inventory.models import Hold
from holdfast.kit.errors import Conflict
from holdfast.kit.locking import is_postgres

from ..models import Property, Reservation
from ._common import refresh_read_models

EXPIRED_REASON = "hold expired"


def expired_q(now: dt.datetime) -> Q:
    """HOLD reservations whose engine hold ran out (swept or not): they claim nothing."""
    return Q(status=Reservation.HOLD) & (Q(hold__status=Hold.EXPIRED) | Q(hold__status=Hold.ACTIVE, hold__expires_at__lte=now))


def hold_has_run_out(res: Reservation, now: dt.datetime | None = None) -> bool:
    return res.status == Reservation.HOLD and res.hold is not None and (res.hold.status == Hold.EXPIRED or res.hold.is_expired(now))


def refuse_if_expired(res: Reservation) -> None:
    if hold_has_run_out(res):
        raise Conflict("The tentative reservation's hold has expired; book again.", code="reservation_hold_expired", extra={"expired_at": res.hold.expires_at})


def expire_due_for_property(tenant, prop: Property) -> int:
    """Inside a hotel step holding the property lock: expire the property's run-out HOLD reservations first."""
    now = timezone.now()
    ids = list(Reservation.objects.filter(property=prop, status=Reservation.HOLD, hold__status=Hold.ACTIVE, hold__expires_at__lte=now).order_by("hold_id").values_list("hold_id", flat=True))
    return sum(inventory.expire_hold(tenant=tenant, hold_id=hold_id) for hold_id in ids)


def _lock_property_nowait(property_id: int) -> None:
    """The sweeper arrives holding the hold row, the reverse of the hotel lock order: never wait for the
    property (a hotel step holding it would deadlock with us); the failure makes the sweeper retry later."""
    if is_postgres():
        list(Property.objects.filter(pk=property_id).select_for_update(nowait=True).values_list("pk", flat=True))


def on_hold_expired(hold: Hold, now: dt.datetime) -> None:
    """Engine hook, in the transaction that expired `hold`: cancel its HOLD reservation and rewrite the read models."""
    for res in Reservation.objects.filter(hold=hold, status=Reservation.HOLD).select_related("property__site"):
        _lock_property_nowait(res.property_id)
        bookings.on_hold_expired(hold, now)  # the flow's system 'expire' (HOLD -> CANCELLED); idempotent
        updated = Reservation.objects.filter(pk=res.pk, status=Reservation.HOLD).update(status=Reservation.CANCELLED, version=res.version + 1, updated_at=now)
        if not updated:
            continue
        res.status, res.version = Reservation.CANCELLED, res.version + 1
        refresh_read_models(res.property, res.check_in_date, res.check_out_date)
        tenant = hold.tenant
        log_action(tenant=tenant, actor=None, entity=res, action="hotel.reservation.cancelled", diff={"status": [Reservation.HOLD, Reservation.CANCELLED], "reason": [None, EXPIRED_REASON]})
        emit(tenant, "reservation:updated", {"reservation_id": res.pk, "property_id": res.property_id, "status": res.status, "version": res.version, "action": "expired"})
        emit_stats_changed(tenant, "hotel")
