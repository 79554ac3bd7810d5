"""Reservations: book into a room type, assign/move/resize (blocks in the same transaction), cancel,
check in and out, no-show, walk-in. Every step is one transaction holding the property lock."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from holdfast.core.accounts.selectors import require_perm
from holdfast.core.audit.services import log_action
from holdfast.core.bookings import services as bookings
from holdfast.core.bookings.models import Booking
from holdfast.core.events.services import emit, emit_stats_changed
from holdfast.core.inventory import services as inventory
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.errors import Conflict, StaleVersion, ValidationFailed
from holdfast.kit.locking import set_lock_timeout, translate_db_errors
from holdfast.kit.money import format_minor

from ..models import Guest, RatePlan, Reservation, Room, RoomType
from . import folio as folios
from ._common import business_date, check_stay, days, lock_property, period, refresh_read_models, user_or_none
from .availability import check_occupancy, check_restrictions, free_per_type, stay_price
from .expiry import expire_due_for_property, refuse_if_expired
from .housekeeping import change_room_status
from .setup import create_guest, guest_customer

FLOW = "hotel"
# The reservation's core booking owns its engine claim (flows.py); `res.hold` mirrors `booking.hold`.
# A HOLD reservation's claim is an ACTIVE engine hold with the tenant's hold_ttl_minutes (services/expiry.py).


def _perm(actor, tenant, code):
    if actor is not None:
        require_perm(actor, tenant, code)


def _snapshot(res: Reservation) -> dict:
    return {k: getattr(res, k) for k in ("status", "room_id", "room_type_id", "check_in_date", "check_out_date", "adults", "children", "subtotal_cents", "tax_cents", "total_cents", "internal_notes", "guest_notes")}


def _diff(before: dict, res: Reservation) -> dict:
    after = _snapshot(res)
    return {k: [before[k], after[k]] for k in before if before[k] != after[k]}


def _lock_reservation(tenant, reservation_id, *, version: int | None = None):
    res = get_owned(Reservation, tenant, reservation_id, what="reservation")
    prop = lock_property(tenant, res.property_id)
    res = Reservation.objects.select_for_update(of=("self",)).select_related("room_type", "room", "rate_plan").get(pk=res.pk)
    if version is not None and version != res.version:
        raise StaleVersion(f"The reservation was changed by someone else (now version {res.version}). Reload and retry.", extra={"current_version": res.version})
    return prop, res


def _save(res: Reservation, actor, *fields) -> None:
    res.version += 1
    res.updated_by = user_or_none(actor)
    res.save(update_fields=[*fields, "version", "updated_by", "updated_at"])


def _record(tenant, actor, res: Reservation, action: str, diff: dict, event: str = "reservation:updated") -> None:
    log_action(tenant=tenant, actor=actor, entity=res, action=f"hotel.reservation.{action}", diff=diff)
    emit(tenant, event, {"reservation_id": res.pk, "property_id": res.property_id, "status": res.status, "version": res.version, "action": action})
    emit_stats_changed(tenant, "hotel")


def _move_claim(tenant, actor, prop, res: Reservation, room: Room | None, check_in: dt.date, check_out: dt.date, *, permission: str | None = None, data: dict | None = None) -> None:
    """Move the reservation's booking (and with it its engine claim) to `room` over [check_in, check_out), in
    the caller's transaction: the engine moves the blocks keeping the hold's status and expiry, and refuses
    an overlap (the exclusion constraint backs it up), which refuses the whole step. Without a room only the
    booking's period moves."""
    starts_at, ends_at = period(prop, check_in, check_out)
    booking = bookings.move_booking(tenant=tenant, actor=actor, booking_id=res.booking_id, resource_id=room.resource_id if room else None,
                                    starts_at=starts_at, ends_at=ends_at, permission=permission, data=data)
    res.hold, res.room = booking.hold, room


def _room_in(prop, tenant, room_id) -> Room:
    room = get_owned(Room.objects.filter(property=prop).select_related("room_type"), tenant, room_id, what="room")
    if not room.is_active:
        raise Conflict(f"Room {room.room_number} is not in use.", code="room_inactive")
    if room.is_out_of_order:
        raise Conflict(f"Room {room.room_number} is out of order.", code="room_out_of_order")
    return room


def _need_type_free(prop, room_type, check_in, check_out, *, exclude=None) -> None:
    free = free_per_type(prop, check_in, check_out, room_type_ids=[room_type.pk], exclude_reservation_id=exclude).get(room_type.pk, {})
    full = sorted(d.isoformat() for d, n in free.items() if n < 1)
    if full or not free:
        raise Conflict(f"No {room_type.code} room is free on {', '.join(full) or 'those dates'}.", code="no_availability", extra={"dates": full})


def _price(tenant, res: Reservation, *, keep_rate: bool) -> None:
    """Price the stay night by night (billing's quote over the rate plan's nightly prices). With `keep_rate`
    the nights already fixed keep their price, and only nights the stay gained are priced from the plan now."""
    fixed = folios.night_prices(res) if keep_rate else {}
    stay = [d.isoformat() for d in days(res.check_in_date, res.check_out_date)]
    new = [d for d in stay if d not in fixed]
    data = dict(res.booking_data or {}) if keep_rate else {}
    nights = {d: fixed[d] for d in stay if d in fixed}
    if new:
        quote = stay_price(tenant, res.rate_plan, res.room_type, dt.date.fromisoformat(new[0]), dt.date.fromisoformat(new[-1]) + dt.timedelta(days=1))
        nights.update({d: quote["night_prices"][d] for d in new})
        if not keep_rate or not data.get("tax_name"):
            data.update(tax_rate=quote["tax_rate"], tax_name=quote["tax_name"])
    nights = dict(sorted(nights.items()))
    first = nights[stay[0]]
    res.nightly_rate_cents = first["rate"]  # the arrival night's; each night's own is in `nights`
    data.update(nights=nights, night_tax_cents=first["tax"])
    res.booking_data = data
    res.subtotal_cents = sum(n["rate"] for n in nights.values())
    res.tax_cents = sum(n["tax"] for n in nights.values())
    res.total_cents = res.subtotal_cents + res.tax_cents + res.fee_cents


def create_reservation(
    *, tenant, actor, property_id: int, room_type_id: int, check_in_date: dt.date, check_out_date: dt.date, adults: int = 2, children: int = 0,
    guest_id: int | None = None, guest: dict | None = None, rate_plan_id: int | None = None, room_id: int | None = None, status: str = Reservation.CONFIRMED,
    source_type: str = Reservation.DIRECT, source_ref: str = "", internal_notes: str = "", guest_notes: str = "", fee_cents: int = 0,
    enforce_restrictions: bool = True,
) -> Reservation:
    """Book into a room type (a room now or later). Refused cleanly when the type is full, a price is
    missing, a restriction forbids it, or the room asked for is taken."""
    _perm(actor, tenant, "hotel.reservation.manage")
    check_stay(check_in_date, check_out_date)
    if status not in (Reservation.HOLD, Reservation.CONFIRMED):
        raise ValidationFailed("A new reservation is HOLD or CONFIRMED.", fields={"status": ["HOLD or CONFIRMED."]})
    if source_type not in dict(Reservation.SOURCES):
        raise ValidationFailed("Unknown source.", fields={"source_type": [f"One of {', '.join(dict(Reservation.SOURCES))}."]})
    if fee_cents is None or fee_cents < 0:
        raise ValidationFailed("Fees are zero or more.", fields={"fee_cents": ["Zero or more."]})
    with transaction.atomic(), translate_db_errors(inventory.CONSTRAINT_MESSAGES):
        set_lock_timeout()
        prop = lock_property(tenant, property_id)
        if not prop.is_active:
            raise Conflict("The property is not active.", code="property_inactive")
        expire_due_for_property(tenant, prop)  # rule 4: run-out holds are released before we count
        if check_in_date < business_date(prop):
            raise ValidationFailed("The arrival date has passed.", code="arrival_in_past", fields={"check_in_date": ["Today or later."]})
        room_type = get_owned(RoomType.objects.filter(property=prop), tenant, room_type_id, what="room type")
        check_occupancy(room_type, adults, children)
        if enforce_restrictions:
            check_restrictions(room_type, check_in_date, check_out_date)
        plan = (get_owned(RatePlan.objects.filter(property=prop), tenant, rate_plan_id, what="rate plan") if rate_plan_id
                else RatePlan.objects.filter(property=prop, is_default=True, is_active=True).first())
        if plan is None:
            raise Conflict("The property has no default rate plan; choose one.", code="no_rate_plan")
        guest_row = _guest(tenant, actor, prop, guest_id, guest)
        room = None
        if room_id:
            room = _room_in(prop, tenant, room_id)
            if room.room_type_id != room_type.pk:
                raise ValidationFailed("The room is of another room type.", fields={"room_id": [f"Room {room.room_number} is {room.room_type.code}."]})
        _need_type_free(prop, room_type, check_in_date, check_out_date)
        res = Reservation(
            tenant=tenant, property=prop, guest=guest_row, primary_guest=_guest_snapshot(guest_row), status=status, check_in_date=check_in_date,
            check_out_date=check_out_date, adults=adults, children=children, room_type=room_type, rate_plan=plan, currency=plan.currency, fee_cents=fee_cents,
            source_type=source_type, source_ref=source_ref[:120], internal_notes=internal_notes, guest_notes=guest_notes,
            created_by=user_or_none(actor), updated_by=user_or_none(actor),
        )
        res.booking_data = {}
        _price(tenant, res, keep_rate=False)
        # The booking starts in the reservation's status and claims in the same step: the room's blocks (converted
        # when CONFIRMED), or for a roomless HOLD a hold whose only claim is its expiry (the flow's hold_without_inventory).
        starts_at, ends_at = period(prop, check_in_date, check_out_date)
        booking = bookings.create_booking(
            tenant=tenant, actor=actor, flow=FLOW, status=status, resource_id=room.resource_id if room else None, starts_at=starts_at, ends_at=ends_at,
            site_id=prop.site_id, notes=internal_notes, data=res.booking_data, reference=f"{room_type.code}-{check_in_date:%y%m%d}",
            customer_id=guest_customer(tenant, actor, guest_row).pk,  # the engine's and billing's view of whose stay it is
        )
        res.booking, res.hold, res.room = booking, booking.hold, room
        res.save()
        folios.open_folio(tenant, res)
        refresh_read_models(prop, check_in_date, check_out_date)
        _record(tenant, actor, res, "created", {"status": [None, res.status], "room_type_id": [None, room_type.pk], "room_id": [None, res.room_id],
                                                "dates": [None, f"{check_in_date}..{check_out_date}"], "total_cents": [None, res.total_cents]}, event="reservation:created")
    return res


def _guest(tenant, actor, prop, guest_id, guest: dict | None) -> Guest:
    if guest_id:
        return get_owned(Guest.objects.filter(property=prop), tenant, guest_id, what="guest")
    data = dict(guest or {})
    if not (data.get("first_name") or "").strip() or not (data.get("last_name") or "").strip():
        raise ValidationFailed("Name the guest.", fields={"guest": ["first_name and last_name are required (or give guest_id)."]})
    return create_guest(tenant=tenant, actor=actor, property_id=prop.pk, **{k: v for k, v in data.items() if k in ("first_name", "last_name", "email", "phone", "notes", "preferences")})


def _guest_snapshot(g: Guest) -> dict:
    return {"guest_id": g.pk, "first_name": g.first_name, "last_name": g.last_name, "email": g.email, "phone": g.phone}


def _booking_data(res: Reservation) -> dict:
    res.booking_data = Booking.objects.filter(pk=res.booking_id).values_list("data", flat=True).first() or {}
    return res.booking_data


def assign_room(*, tenant, actor, reservation_id: int, room_id: int, version: int | None = None) -> Reservation:
    """Assign a room, or move the reservation to another room (another type = an upgrade at the same rate)."""
    _perm(actor, tenant, "hotel.reservation.manage")
    with transaction.atomic(), translate_db_errors(inventory.CONSTRAINT_MESSAGES):
        set_lock_timeout()
        prop, res = _lock_reservation(tenant, reservation_id, version=version)
        if res.status not in Reservation.ACTIVE:
            raise Conflict(f"A {res.status} reservation cannot be given a room.", code="reservation_not_active")
        refuse_if_expired(res)
        expire_due_for_property(tenant, prop)
        room = _room_in(prop, tenant, room_id)
        if room.pk == res.room_id:
            return res
        before, old_room = _snapshot(res), res.room
        if room.room_type_id != res.room_type_id:
            check_occupancy(room.room_type, res.adults, res.children)
            res.room_type = room.room_type
        _move_claim(tenant, actor, prop, res, room, res.check_in_date, res.check_out_date)
        _save(res, actor, "hold", "room", "room_type")
        if res.status == Reservation.CHECKED_IN:  # an in-house move: the guest leaves one room for another
            change_room_status(tenant, actor, prop, old_room, room.VACANT_DIRTY, note=f"guest moved to {room.room_number}")
            change_room_status(tenant, actor, prop, room, room.OCCUPIED, note=f"guest moved from {old_room.room_number}")
        refresh_read_models(prop, res.check_in_date, res.check_out_date)
        _record(tenant, actor, res, "moved" if old_room else "assigned", _diff(before, res))
    return res


def resize_reservation(*, tenant, actor, reservation_id: int, check_in_date: dt.date | None = None, check_out_date: dt.date | None = None, version: int | None = None) -> Reservation:
    """Extend or shorten a stay at the rate fixed at booking; the room's blocks follow in the same transaction."""
    _perm(actor, tenant, "hotel.reservation.manage")
    with transaction.atomic(), translate_db_errors(inventory.CONSTRAINT_MESSAGES):
        set_lock_timeout()
        prop, res = _lock_reservation(tenant, reservation_id, version=version)
        if res.status not in Reservation.ACTIVE:
            raise Conflict(f"A {res.status} reservation cannot be resized.", code="reservation_not_active")
        refuse_if_expired(res)
        expire_due_for_property(tenant, prop)
        new_in, new_out = check_in_date or res.check_in_date, check_out_date or res.check_out_date
        check_stay(new_in, new_out)
        if res.status == Reservation.CHECKED_IN and new_in != res.check_in_date:
            raise Conflict("The guest is in house: only the departure can change.", code="arrival_fixed")
        if res.status == Reservation.CHECKED_IN and new_out <= business_date(prop):
            raise Conflict("Shorten an in-house stay by checking the guest out.", code="use_check_out")
        if (new_in, new_out) == (res.check_in_date, res.check_out_date):
            return res
        if new_in != res.check_in_date and new_in < business_date(prop):
            raise ValidationFailed("The arrival date has passed.", code="arrival_in_past", fields={"check_in_date": ["Today or later."]})
        before = _snapshot(res)
        old_in, old_out = res.check_in_date, res.check_out_date
        if not res.room_id:
            _need_type_free(prop, res.room_type, new_in, new_out, exclude=res.pk)
        res.check_in_date, res.check_out_date = new_in, new_out
        _booking_data(res)
        _price(tenant, res, keep_rate=True)
        _move_claim(tenant, actor, prop, res, res.room, new_in, new_out, data=res.booking_data)
        _save(res, actor, "hold", "check_in_date", "check_out_date", "nightly_rate_cents", "subtotal_cents", "tax_cents", "total_cents")
        refresh_read_models(prop, min(old_in, new_in), max(old_out, new_out))
        _record(tenant, actor, res, "resized", _diff(before, res))
    return res


def _transition(tenant, actor, res: Reservation, name: str, reason: str = "") -> None:
    """The flow's transition; its effects convert or give back the booking's claim, which `res.hold` mirrors."""
    booking = bookings.transition(tenant=tenant, actor=actor, booking_id=res.booking_id, name=name, reason=reason)
    res.status, res.hold = booking.status, booking.hold


def confirm_reservation(*, tenant, actor, reservation_id: int, version: int | None = None) -> Reservation:
    """HOLD -> CONFIRMED while its hold is live (an expired one is refused, 409 reservation_hold_expired):
    the flow converts its hold into a booked claim (a roomless one's claims no room: the type count covers it)."""
    with transaction.atomic(), translate_db_errors(inventory.CONSTRAINT_MESSAGES):
        set_lock_timeout()
        prop, res = _lock_reservation(tenant, reservation_id, version=version)
        refuse_if_expired(res)
        before = _snapshot(res)
        _transition(tenant, actor, res, "confirm")
        _save(res, actor, "status", "hold")
        refresh_read_models(prop, res.check_in_date, res.check_out_date)
        _record(tenant, actor, res, "confirmed", _diff(before, res))
    return res


def cancel_reservation(*, tenant, actor, reservation_id: int, reason: str = "", version: int | None = None) -> Reservation:
    """Cancel a HOLD or CONFIRMED reservation; its room blocks are released in the same transaction."""
    with transaction.atomic(), translate_db_errors(inventory.CONSTRAINT_MESSAGES):
        set_lock_timeout()
        prop, res = _lock_reservation(tenant, reservation_id, version=version)
        before = _snapshot(res)
        _transition(tenant, actor, res, "cancel", reason)  # the flow gives the room back
        _save(res, actor, "status")
        refresh_read_models(prop, res.check_in_date, res.check_out_date)
        _record(tenant, actor, res, "cancelled", {**_diff(before, res), "reason": [None, reason or None]})
    return res


def mark_no_show(*, tenant, actor, reservation_id: int, version: int | None = None) -> Reservation:
    """Only once the arrival date has passed (in the property's time zone); releases the room."""
    with transaction.atomic(), translate_db_errors(inventory.CONSTRAINT_MESSAGES):
        set_lock_timeout()
        prop, res = _lock_reservation(tenant, reservation_id, version=version)
        _perm(actor, tenant, "hotel.frontdesk")  # the flow's permission before the date rule: a refused caller is not told the arrival date
        if res.check_in_date >= business_date(prop):
            raise Conflict(f"The arrival date ({res.check_in_date}) has not passed yet.", code="arrival_not_passed")
        before = _snapshot(res)
        _transition(tenant, actor, res, "no_show")  # the flow gives the room back
        _save(res, actor, "status")
        refresh_read_models(prop, res.check_in_date, res.check_out_date)
        _record(tenant, actor, res, "no_show", _diff(before, res))
    return res


def check_in(*, tenant, actor, reservation_id: int, room_id: int | None = None, version: int | None = None) -> Reservation:
    """The guest arrives: a room must be assigned (given here or before) and not out of order; it becomes OCCUPIED."""
    _perm(actor, tenant, "hotel.frontdesk")
    with transaction.atomic(), translate_db_errors(inventory.CONSTRAINT_MESSAGES):
        set_lock_timeout()
        if room_id:
            res = get_owned(Reservation, tenant, reservation_id, what="reservation")
            if res.room_id != room_id:
                assign_room(tenant=tenant, actor=actor, reservation_id=reservation_id, room_id=room_id, version=version)
                version = None
        prop, res = _lock_reservation(tenant, reservation_id, version=version)
        today = business_date(prop)
        if res.status == Reservation.CONFIRMED and res.check_in_date > today:
            raise Conflict(f"The arrival is on {res.check_in_date}; check-in opens that day.", code="arrival_in_future")
        if res.status == Reservation.CONFIRMED and res.check_out_date <= today:
            raise Conflict("The stay is already over.", code="stay_over")
        if res.room_id is None:
            raise Conflict("Assign a room before checking in.", code="room_not_assigned")
        room = Room.objects.select_for_update().get(pk=res.room_id)
        if room.is_out_of_order:
            raise Conflict(f"Room {room.room_number} is out of order; move the reservation first.", code="room_out_of_order")
        if Reservation.objects.filter(room=room, status=Reservation.CHECKED_IN).exclude(pk=res.pk).exists():
            raise Conflict(f"Room {room.room_number} still has a guest checked in.", code="room_occupied")
        before = _snapshot(res)
        _transition(tenant, actor, res, "check_in")
        res.checked_in_at = timezone.now()
        _save(res, actor, "status", "checked_in_at")
        change_room_status(tenant, actor, prop, room, Room.OCCUPIED, note=f"check-in reservation {res.pk}")
        refresh_read_models(prop, res.check_in_date, res.check_out_date)
        _record(tenant, actor, res, "checked_in", _diff(before, res))
    return res


def check_out(*, tenant, actor, reservation_id: int, allow_balance: bool = False, version: int | None = None) -> Reservation:
    """The guest leaves: unposted nights are charged, the folio must be settled (or explicitly left with a
    balance) and is closed, an early departure shortens the stay, the room becomes VACANT_DIRTY."""
    _perm(actor, tenant, "hotel.frontdesk")
    with transaction.atomic(), translate_db_errors(inventory.CONSTRAINT_MESSAGES):
        set_lock_timeout()
        prop, res = _lock_reservation(tenant, reservation_id, version=version)
        if res.status != Reservation.CHECKED_IN:
            raise Conflict(f"A {res.status} reservation cannot be checked out.", code="illegal_transition", extra={"status": res.status})
        before = _snapshot(res)
        today = business_date(prop)
        new_out = folios.departure_date(res, today)
        old_out = res.check_out_date
        if new_out < res.check_out_date:  # early departure: give the nights back (part of the front desk's check-out)
            res.check_out_date = new_out
            _booking_data(res)
            _price(tenant, res, keep_rate=True)
            _move_claim(tenant, actor, prop, res, res.room, res.check_in_date, new_out, permission="hotel.frontdesk", data=res.booking_data)
        folios.post_stay_nights(tenant, actor, res, until=res.check_out_date)
        account = folios.folio_account(tenant, res)
        if account.balance_minor != 0 and not allow_balance:
            left = account.balance_minor
            text = (f"The folio has a balance of {format_minor(left, account.currency)} at check-out; take the payment or check out leaving the balance." if left > 0 else
                    f"The folio has a credit of {format_minor(-left, account.currency)} at check-out; refund it or check out leaving the credit.")
            raise Conflict(text, code="folio_unsettled", extra={"balance_minor": left, "balance": format_minor(left, account.currency)})
        folios.close_folio(tenant, actor, account, force=allow_balance)
        _transition(tenant, actor, res, "check_out")
        res.checked_out_at = timezone.now()
        _save(res, actor, "status", "checked_out_at", "hold", "check_out_date", "subtotal_cents", "tax_cents", "total_cents")
        change_room_status(tenant, actor, prop, res.room, Room.VACANT_DIRTY, note=f"check-out reservation {res.pk}")
        refresh_read_models(prop, res.check_in_date, old_out)
        _record(tenant, actor, res, "checked_out", {**_diff(before, res), "balance_left_minor": [None, account.balance_minor]})
    return res


def pay_and_check_out(*, tenant, actor, reservation_id: int, expected_cents: int, method: str = "CARD", reference: str = "", version: int | None = None) -> Reservation:
    """The desk's one step at departure: take the balance due at check-out (the folio's preview, which the desk
    saw as `expected_cents`) and check the guest out, all or nothing. A folio that changed since is refused
    (409 balance_changed) rather than charged a different amount."""
    _perm(actor, tenant, "hotel.frontdesk")
    with transaction.atomic():
        prop, res = _lock_reservation(tenant, reservation_id, version=version)
        if res.status != Reservation.CHECKED_IN:
            raise Conflict(f"A {res.status} reservation cannot be checked out.", code="illegal_transition", extra={"status": res.status})
        account = folios.folio_account(tenant, res)
        due = folios.checkout_preview(res, account, today=business_date(prop))["due_at_checkout_cents"]
        if due != expected_cents:
            raise Conflict(f"The balance due at check-out is now {format_minor(due, account.currency)}; review the folio and retry.",
                           code="balance_changed", extra={"due_at_checkout_cents": due})
        if due > 0:
            folios.record_folio_payment(tenant=tenant, actor=actor, reservation_id=res.pk, amount_cents=due, method=method, reference=reference)
        return check_out(tenant=tenant, actor=actor, reservation_id=res.pk)


def walk_in(*, tenant, actor, property_id: int, room_id: int, check_out_date: dt.date, guest: dict | None = None, guest_id: int | None = None, adults: int = 1,
            children: int = 0, rate_plan_id: int | None = None, internal_notes: str = "") -> Reservation:
    """A guest without a reservation: booked from today into the given room and checked in at once."""
    _perm(actor, tenant, "hotel.frontdesk")
    with transaction.atomic():
        room = get_owned(Room.objects.filter(property_id=property_id).select_related("property__site"), tenant, room_id, what="room")
        prop = room.property
        res = create_reservation(
            tenant=tenant, actor=actor, property_id=prop.pk, room_type_id=room.room_type_id, check_in_date=business_date(prop), check_out_date=check_out_date,
            adults=adults, children=children, guest=guest, guest_id=guest_id, rate_plan_id=rate_plan_id, room_id=room.pk, source_type=Reservation.WALKIN,
            internal_notes=internal_notes, enforce_restrictions=False,
        )
        return check_in(tenant=tenant, actor=actor, reservation_id=res.pk)


def update_reservation(*, tenant, actor, reservation_id: int, version: int, **changes) -> Reservation:
    """Notes and party size (within the room type's limits); dates and rooms change through resize and assign."""
    _perm(actor, tenant, "hotel.reservation.manage")
    allowed = {k: v for k, v in changes.items() if k in ("internal_notes", "guest_notes", "adults", "children")}
    with transaction.atomic():
        prop, res = _lock_reservation(tenant, reservation_id, version=version)
        if res.status in (Reservation.CANCELLED, Reservation.NO_SHOW, Reservation.CHECKED_OUT) and ({"adults", "children"} & set(allowed)):
            raise Conflict("The stay is over; only notes can change.", code="reservation_closed")
        check_occupancy(res.room_type, allowed.get("adults", res.adults), allowed.get("children", res.children))
        before = _snapshot(res)
        for k, v in allowed.items():
            setattr(res, k, v)
        if _diff(before, res):
            _save(res, actor, *allowed)
            _record(tenant, actor, res, "updated", _diff(before, res))
    return res
