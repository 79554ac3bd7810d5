"""Tenant-scoped hotel reads: lists, availability with prices, calendar, front desk, folios."""
from __future__ import annotations

import datetime as dt

from django.db.models import F, Q

from holdfast.core.billing.models import LedgerAccount
from holdfast.core.inventory.models import Block
from holdfast.core.inventory.services import live_q, overlapping
from holdfast.core.tenancy.selectors import get_owned, require_owned
from holdfast.kit.errors import Conflict, ValidationFailed

from .models import CalendarSegment, DailyOccupancy, Guest, Property, RatePlan, RatePlanPrice, Reservation, Restriction, Room, RoomStatusLog, RoomType
from .services._common import business_date, check_stay, days, period
from .services.availability import free_per_type, stay_price
from .services.folio import SOURCE, checkout_preview

MAX_RANGE_DAYS = 92


def properties(tenant, *, active: bool | None = None):
    qs = Property.objects.for_tenant(tenant).select_related("site")
    return qs if active is None else qs.filter(is_active=active)


def get_property(tenant, pk) -> Property:
    return get_owned(Property.objects.select_related("site"), tenant, pk, what="property")


def room_types(tenant, *, property_id: int | None = None):
    qs = RoomType.objects.for_tenant(tenant)
    return qs.filter(property_id=property_id) if property_id else qs


def get_room_type(tenant, pk) -> RoomType:
    return get_owned(RoomType, tenant, pk, what="room type")


def rooms(tenant, *, property_id: int | None = None, status: str | None = None, room_type_id: int | None = None):
    require_owned(tenant, (Property, property_id), (RoomType, room_type_id))
    qs = Room.objects.for_tenant(tenant).select_related("room_type")
    if property_id:
        qs = qs.filter(property_id=property_id)
    if status:
        qs = qs.filter(status=status)
    if room_type_id:
        qs = qs.filter(room_type_id=room_type_id)
    return qs


def get_room(tenant, pk) -> Room:
    return get_owned(Room.objects.select_related("room_type"), tenant, pk, what="room")


def rate_plans(tenant, *, property_id: int | None = None):
    qs = RatePlan.objects.for_tenant(tenant)
    return qs.filter(property_id=property_id) if property_id else qs


def get_rate_plan(tenant, pk) -> RatePlan:
    return get_owned(RatePlan, tenant, pk, what="rate plan")


def rate_prices(tenant, rate_plan_id: int):
    plan = get_rate_plan(tenant, rate_plan_id)
    return RatePlanPrice.objects.for_tenant(tenant).filter(rate_plan=plan)


def restrictions(tenant, room_type_id: int, start: dt.date | None = None, end: dt.date | None = None):
    rt = get_room_type(tenant, room_type_id)
    qs = Restriction.objects.for_tenant(tenant).filter(room_type=rt)
    if start:
        qs = qs.filter(date__gte=start)
    if end:
        qs = qs.filter(date__lt=end)
    return qs


def guests(tenant, *, property_id: int | None = None, search: str | None = None):
    qs = Guest.objects.for_tenant(tenant)
    if property_id:
        qs = qs.filter(property_id=property_id)
    if search:
        for word in search.split()[:4]:
            qs = qs.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word) | Q(email__icontains=word) | Q(phone__icontains=word))
    return qs


def get_guest(tenant, pk) -> Guest:
    return get_owned(Guest, tenant, pk, what="guest")


def reservations(tenant, *, property_id: int | None = None, status: str | None = None, arriving: dt.date | None = None, departing: dt.date | None = None,
                 search: str | None = None, start: dt.date | None = None, end: dt.date | None = None):
    require_owned(tenant, (Property, property_id))
    qs = Reservation.objects.for_tenant(tenant).select_related("room", "room_type", "rate_plan", "booking")
    if property_id:
        qs = qs.filter(property_id=property_id)
    if status:
        qs = qs.filter(status=status)
    if arriving:
        qs = qs.filter(check_in_date=arriving)
    if departing:
        qs = qs.filter(check_out_date=departing)
    if start and end:
        qs = qs.filter(check_in_date__lt=end, check_out_date__gt=start)
    if search:
        for word in search.split()[:4]:
            qs = qs.filter(Q(primary_guest__first_name__icontains=word) | Q(primary_guest__last_name__icontains=word) | Q(guest__email__icontains=word) | Q(source_ref__icontains=word))
    return qs


def get_reservation(tenant, pk) -> Reservation:
    return get_owned(Reservation.objects.select_related("room", "room_type", "rate_plan", "property__site", "booking", "guest"), tenant, pk, what="reservation")


def _range(start: dt.date, end: dt.date, limit: int = MAX_RANGE_DAYS) -> None:
    if end <= start:
        raise ValidationFailed("The end date must be after the start date.", fields={"end": ["After start."]})
    if (end - start).days > limit:
        raise ValidationFailed(f"At most {limit} days at once.", fields={"end": ["Range too long."]})


def availability(tenant, prop: Property, check_in: dt.date, check_out: dt.date, *, adults: int = 1, children: int = 0, rate_plan_id: int | None = None) -> list[dict]:
    """Per active room type: free rooms each night, bookable (free every night and the party fits) and the price."""
    check_stay(check_in, check_out)
    plan = get_owned(RatePlan.objects.filter(property=prop), tenant, rate_plan_id, what="rate plan") if rate_plan_id else RatePlan.objects.filter(property=prop, is_default=True).first()
    free = free_per_type(prop, check_in, check_out)
    out = []
    for rt in RoomType.objects.filter(property=prop, is_active=True).order_by("code"):
        nights = [{"date": d, "free": n} for d, n in free.get(rt.pk, {}).items()]
        price = None
        if plan is not None:
            try:
                price = stay_price(tenant, plan, rt, check_in, check_out)
            except Conflict:
                price = None
        fits = adults <= rt.max_adults and children <= rt.max_children and adults + children <= rt.max_occupancy
        available = min((n["free"] for n in nights), default=0)
        out.append({"room_type": rt, "nights": nights, "available": max(0, available), "fits": fits, "bookable": available > 0 and fits and price is not None,
                    "rate_plan_id": plan.pk if plan else None, "price": price})
    return out


def free_rooms(tenant, prop: Property, check_in: dt.date, check_out: dt.date, *, room_type_id: int | None = None, exclude_reservation: Reservation | None = None):
    """Rooms in order with no live block over the stay (a reservation's own blocks do not count against it)."""
    lo, hi = period(prop, check_in, check_out)
    busy = overlapping(Block.objects.filter(live_q(dt.datetime.now(dt.UTC))), lo, hi)
    if exclude_reservation is not None and exclude_reservation.hold_id:
        busy = busy.exclude(hold_id=exclude_reservation.hold_id)
    qs = rooms(tenant, property_id=prop.pk, room_type_id=room_type_id).filter(is_active=True, is_out_of_order=False).exclude(resource_id__in=busy.values("resource_id"))
    return qs


def segments(tenant, prop: Property, start: dt.date, end: dt.date):
    _range(start, end, 366)
    return CalendarSegment.objects.for_tenant(tenant).filter(property=prop, business_date__gte=start, business_date__lt=end)


def occupancy(tenant, prop: Property, start: dt.date, end: dt.date):
    _range(start, end, 366)
    return DailyOccupancy.objects.for_tenant(tenant).filter(property=prop, business_date__gte=start, business_date__lt=end)


def tape_chart(tenant, prop: Property, start: dt.date, days_: int = 14) -> dict:
    """Rooms × dates from the read model (segments) plus non-reservation blocks: a constant number of queries."""
    if not 1 <= days_ <= 62:
        raise ValidationFailed("Between 1 and 62 days.", fields={"days": ["Out of range."]})
    end = start + dt.timedelta(days=days_)
    dates = days(start, end)
    room_rows = list(rooms(tenant, property_id=prop.pk).filter(is_active=True).order_by("room_type__code", "room_number"))
    # Each bar carries its reservation's version, so a drag from a stale chart is refused (stale_version).
    by_cell = {(s.room_id, s.business_date): s for s in segments(tenant, prop, start, end).annotate(reservation_version=F("reservation__version"))}
    lo, hi = period(prop, start, end)
    blocks = {}
    res_ids = {r: rm.resource_id for rm in room_rows for r in [rm.pk]}
    resource_to_room = {v: k for k, v in res_ids.items()}
    block_rows = overlapping(Block.objects.filter(live_q(dt.datetime.now(dt.UTC)), resource_id__in=list(resource_to_room), kind__in=[Block.MAINTENANCE, Block.HOUSE_USE, Block.HOLD]), lo, hi)
    for b in block_rows.values("id", "resource_id", "kind", "starts_at", "ends_at", "reason"):
        for d in dates:
            d_lo, d_hi = period(prop, d, d + dt.timedelta(days=1))
            if b["starts_at"] < d_hi and (b["ends_at"] is None or b["ends_at"] > d_lo):
                blocks[(resource_to_room[b["resource_id"]], d)] = b
    rows = []
    for room in room_rows:
        cells, d_index = [], 0
        while d_index < len(dates):
            d = dates[d_index]
            seg, blk = by_cell.get((room.pk, d)), blocks.get((room.pk, d))
            span = 1
            if seg is not None:
                while d_index + span < len(dates) and getattr(by_cell.get((room.pk, dates[d_index + span])), "reservation_id", None) == seg.reservation_id:
                    span += 1
                cells.append({"kind": "reservation", "span": span, "segment": seg, "date": d, "starts_before": seg.check_in_date < d})
            elif blk is not None:
                while d_index + span < len(dates) and (blocks.get((room.pk, dates[d_index + span])) or {}).get("id") == blk["id"]:
                    span += 1
                cells.append({"kind": "block", "span": span, "block": blk, "date": d})
            else:
                cells.append({"kind": "free", "span": 1, "date": d, "next": d + dt.timedelta(days=1)})
            d_index += span
        rows.append({"room": room, "cells": cells})
    return {"dates": dates, "rows": rows, "today": business_date(prop), "start": start, "end": end}


def arrivals(tenant, prop: Property, day: dt.date):
    return reservations(tenant, property_id=prop.pk, arriving=day).filter(status__in=[Reservation.HOLD, Reservation.CONFIRMED, Reservation.CHECKED_IN])


def departures(tenant, prop: Property, day: dt.date):
    return reservations(tenant, property_id=prop.pk).filter(Q(check_out_date=day, status__in=[Reservation.CHECKED_IN, Reservation.CHECKED_OUT]) | Q(check_out_date__lt=day, status=Reservation.CHECKED_IN))


def in_house(tenant, prop: Property):
    return reservations(tenant, property_id=prop.pk, status=Reservation.CHECKED_IN)


def overdue_arrivals(tenant, prop: Property, day: dt.date):
    """Candidates for no-show: arrival passed, never checked in."""
    return reservations(tenant, property_id=prop.pk).filter(check_in_date__lt=day, status__in=[Reservation.HOLD, Reservation.CONFIRMED])


def status_log(tenant, prop: Property, day: dt.date | None = None):
    qs = RoomStatusLog.objects.for_tenant(tenant).filter(property=prop).select_related("room", "created_by")
    return qs.filter(business_date=day) if day else qs


def folio(tenant, res: Reservation) -> LedgerAccount:
    account = LedgerAccount.objects.for_tenant(tenant).filter(source=SOURCE, booking_id=res.booking_id).first()
    if account is None:
        raise Conflict("The reservation has no folio.", code="no_folio")
    return account


def folio_entries(tenant, account: LedgerAccount):
    return account.entries.all().order_by("posted_at", "id")


def folio_preview(tenant, res: Reservation, account: LedgerAccount | None = None) -> dict:
    """The folio as check-out will bill it today (services.folio.checkout_preview, the computation check-out posts from)."""
    account = account or folio(tenant, res)
    return checkout_preview(res, account, today=business_date(res.property))
