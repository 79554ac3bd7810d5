"""Housekeeping (seed §7): room status changes with a log row per business date; maintenance blocks."""
from __future__ import annotations

import datetime as dt

from django.db import transaction

from holdfast.core.accounts.selectors import require_perm
from holdfast.core.audit.services import log_action
from holdfast.core.events.services import emit, emit_stats_changed
from holdfast.core.inventory import services as inventory
from holdfast.core.inventory.models import Block, Resource
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.clock import local_today
from holdfast.kit.errors import Conflict, ValidationFailed
from holdfast.kit.locking import set_lock_timeout, translate_db_errors

from ..models import Reservation, Room, RoomStatusLog
from ._common import business_date, check_stay, lock_property, period, refresh_from_today, refresh_read_models, user_or_none


def change_room_status(tenant, actor, prop, room: Room, to: str, *, note: str = "", reason: str = "") -> bool:
    """Inside a caller's transaction (property locked): set the status, keep is_out_of_order and the engine
    resource in line, log the change for the business date. False when nothing changed."""
    if to not in dict(Room.STATUSES):
        raise ValidationFailed("Unknown room status.", fields={"status": [f"One of {', '.join(dict(Room.STATUSES))}."]})
    before = room.status
    if before == to and (to != Room.OUT_OF_ORDER or room.out_of_order_reason == reason):
        return False
    was_ooo = room.is_out_of_order
    room.status, room.is_out_of_order = to, to == Room.OUT_OF_ORDER
    room.out_of_order_reason = reason[:300] if to == Room.OUT_OF_ORDER else ""
    room.updated_by = user_or_none(actor)
    room.save(update_fields=["status", "is_out_of_order", "out_of_order_reason", "updated_by", "updated_at"])
    if was_ooo != room.is_out_of_order:  # out of order rooms are not for sale: the engine refuses new claims on them
        inventory.set_resource_status(tenant=tenant, actor=actor, resource_id=room.resource_id,
                                      status=Resource.OUT_OF_SERVICE if room.is_out_of_order or not room.is_active else Resource.AVAILABLE)
    RoomStatusLog.objects.create(tenant=tenant, property=prop, room=room, business_date=business_date(prop), from_status=before, to_status=to,
                                 note=(note or reason)[:500], created_by=user_or_none(actor))
    if was_ooo != room.is_out_of_order:  # daily occupancy counts out-of-order rooms as unavailable
        refresh_from_today(prop)
    log_action(tenant=tenant, actor=actor, entity=room, action="hotel.room.status_changed", diff={"status": [before, to], "reason": [None, reason or None]})
    emit(tenant, "room:status_changed", {"room_id": room.pk, "property_id": prop.pk, "from": before, "to": to})
    emit_stats_changed(tenant, "hotel")
    return True


def set_room_status(*, tenant, actor, room_id: int, status: str, note: str = "", reason: str = "") -> Room:
    """Housekeeping's change (clean, dirty, out of order and back). OCCUPIED comes with check-in, not by hand
    onto a room without a guest; a room with a guest in house cannot be made vacant or out of order."""
    if actor is not None:
        require_perm(actor, tenant, "hotel.housekeeping")
    if status == Room.OUT_OF_ORDER and not (reason or note).strip():
        raise ValidationFailed("Say why the room is out of order.", fields={"reason": ["Required for OUT_OF_ORDER."]})
    with transaction.atomic():
        room = get_owned(Room, tenant, room_id, what="room")
        prop = lock_property(tenant, room.property_id)
        room = Room.objects.select_for_update().get(pk=room.pk)
        in_house = Reservation.objects.filter(room=room, status=Reservation.CHECKED_IN).exists()
        if status == Room.OCCUPIED and not in_house:
            raise Conflict("A room becomes occupied by checking a guest in.", code="no_guest_in_house")
        if status != Room.OCCUPIED and in_house:
            raise Conflict(f"Room {room.room_number} has a guest in house; check out or move them first.", code="room_occupied")
        change_room_status(tenant, actor, prop, room, status, note=note, reason=reason or note)
    return room


def add_room_block(*, tenant, actor, room_id: int, start_date: dt.date, end_date: dt.date, kind: str = Block.MAINTENANCE, reason: str = "") -> Block:
    """Maintenance or house use over local dates [start_date, end_date): refused where the room is taken."""
    if actor is not None:
        require_perm(actor, tenant, "hotel.housekeeping")
    check_stay(start_date, end_date)
    with transaction.atomic(), translate_db_errors(inventory.CONSTRAINT_MESSAGES):
        set_lock_timeout()
        room = get_owned(Room, tenant, room_id, what="room")
        prop = lock_property(tenant, room.property_id)
        starts_at, ends_at = period(prop, start_date, end_date)
        block = inventory.add_block(tenant=tenant, actor=actor, resource_id=room.resource_id, starts_at=starts_at, ends_at=ends_at, kind=kind, reason=reason)
        refresh_read_models(prop, start_date, end_date)
        emit_stats_changed(tenant, "hotel")
    return block


def remove_room_block(*, tenant, actor, room_id: int, block_id: int) -> Block:
    if actor is not None:
        require_perm(actor, tenant, "hotel.housekeeping")
    with transaction.atomic():
        room = get_owned(Room, tenant, room_id, what="room")
        prop = lock_property(tenant, room.property_id)
        block = get_owned(Block.objects.filter(resource_id=room.resource_id), tenant, block_id, what="block")
        block = inventory.remove_block(tenant=tenant, actor=actor, block_id=block.pk)
        tz = prop.site.time_zone
        start = local_today(tz, block.starts_at)
        end = local_today(tz, block.ends_at) if block.ends_at else start + dt.timedelta(days=366)
        refresh_read_models(prop, start, end)
        emit_stats_changed(tenant, "hotel")
    return block
