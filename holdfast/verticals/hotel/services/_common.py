"""Shared helpers of the hotel services: the property lock, business dates, read-model upkeep.

Lock order in every hotel write: property row -> reservation row -> core booking row -> engine
resource rows (ascending id) -> engine hold rows -> blocks. The property lock serialises the
writes of one property, which is what keeps the read models (recomputed for the dates a change
touches, inside its transaction) exactly in step; the engine's exclusion constraint stays the
last line against overlapping room blocks.
"""
from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict

from django.utils import timezone

from holdfast.core.inventory.models import Block
from holdfast.core.inventory.services import live_q, overlapping, period_for_dates
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit import clock
from holdfast.kit.errors import ValidationFailed
from holdfast.kit.locking import is_postgres

from ..models import CalendarSegment, DailyOccupancy, Property, Reservation, Room, RoomStatusLog

MAX_STAY_NIGHTS = 90
READ_MODEL_SPAN = 366  # a single change never rewrites more than this many days


def user_or_none(actor):
    return actor if getattr(actor, "pk", None) else None


def lock_property(tenant, property_id) -> Property:
    qs = Property.objects.select_related("site")
    if is_postgres():
        qs = qs.select_for_update(of=("self",))
    return get_owned(qs, tenant, property_id, what="property")


def business_date(prop: Property, at: dt.datetime | None = None) -> dt.date:
    """The property's 'today' in its own time zone."""
    return clock.local_today(prop.site.time_zone, at)  # via the module: tests and the demo move the clock


def days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days)]


def check_stay(check_in: dt.date, check_out: dt.date) -> None:
    if check_in is None or check_out is None or check_out <= check_in:
        raise ValidationFailed("The check-out date must be after the check-in date.", fields={"check_out_date": ["Must be after check_in_date."]})
    if (check_out - check_in).days > MAX_STAY_NIGHTS:
        raise ValidationFailed(f"At most {MAX_STAY_NIGHTS} nights per reservation.", fields={"check_out_date": ["Stay too long."]})


def period(prop: Property, start: dt.date, end: dt.date):
    return period_for_dates(prop.site, start, end)


# ---------------------------------------------------------------- read models (seed §10)

def color_key(status: str) -> str:
    return {"HOLD": "hold", "CONFIRMED": "confirmed", "CHECKED_IN": "inhouse", "CHECKED_OUT": "departed"}.get(status, "other")


def expected_segments(prop: Property, start: dt.date, end: dt.date) -> dict:
    """(room_id, date) -> segment fields, recomputed from the reservations."""
    out = {}
    qs = Reservation.objects.filter(property=prop, status__in=Reservation.ON_BOOKS, room__isnull=False, check_in_date__lt=end, check_out_date__gt=start)
    for r in qs.values("id", "room_id", "status", "primary_guest", "check_in_date", "check_out_date", "source_type"):
        g = r["primary_guest"] or {}
        name = (f"{g.get('first_name', '')} {g.get('last_name', '')}".strip() or "Guest")[:210]
        for d in days(max(start, r["check_in_date"]), min(end, r["check_out_date"])):
            out[(r["room_id"], d)] = {
                "reservation_id": r["id"], "status": r["status"], "guest_name": name, "check_in_date": r["check_in_date"],
                "check_out_date": r["check_out_date"], "source_type": r["source_type"], "color_key": color_key(r["status"]),
            }
    return out


def expected_occupancy(prop: Property, start: dt.date, end: dt.date) -> dict:
    """date -> (occupied, available, arrivals, departures), recomputed from reservations, blocks and
    out-of-order rooms (see `out_of_order_rooms`)."""
    dates = days(start, end)
    occupied, arrivals, departures, blocked = defaultdict(int), defaultdict(int), defaultdict(int), defaultdict(set)
    assigned = defaultdict(set)  # date -> rooms with a reservation that night (already counted as occupied)
    qs = Reservation.objects.filter(property=prop, status__in=Reservation.ON_BOOKS, check_in_date__lte=end, check_out_date__gte=start)
    for r in qs.values("check_in_date", "check_out_date", "room_id"):
        for d in days(max(start, r["check_in_date"]), min(end, r["check_out_date"])):
            occupied[d] += 1
            if r["room_id"]:
                assigned[d].add(r["room_id"])
        arrivals[r["check_in_date"]] += 1
        departures[r["check_out_date"]] += 1
    rooms = dict(Room.objects.filter(property=prop, is_active=True).values_list("resource_id", "id"))
    resource_of = {room_id: resource_id for resource_id, room_id in rooms.items()}
    lo, hi = period(prop, start, end)
    tz_bounds = [(d, *period(prop, d, d + dt.timedelta(days=1))) for d in dates]
    blocks = overlapping(Block.objects.filter(live_q(timezone.now()), resource_id__in=list(rooms), kind__in=[Block.MAINTENANCE, Block.HOUSE_USE, Block.HOLD]), lo, hi)
    # A HOLD reservation's own hold blocks are already counted as occupied above.
    blocks = blocks.exclude(hold_id__in=Reservation.objects.filter(property=prop, hold__isnull=False).values("hold_id"))
    for b in blocks.values("resource_id", "starts_at", "ends_at"):
        for d, d_lo, d_hi in tz_bounds:
            if b["starts_at"] < d_hi and (b["ends_at"] is None or b["ends_at"] > d_lo):
                blocked[d].add(b["resource_id"])
    for d, room_ids in out_of_order_rooms(prop, dates, set(rooms.values())).items():
        blocked[d] |= {resource_of[room_id] for room_id in room_ids - assigned[d]}
    total = len(rooms)
    return {d: (occupied[d], max(0, total - occupied[d] - len(blocked[d])), arrivals[d], departures[d]) for d in dates}


def out_of_order_rooms(prop: Property, dates: list[dt.date], room_ids: set[int]) -> dict[dt.date, set[int]]:
    """date -> ids of rooms OUT_OF_ORDER that day. A room's status on a day is its status at the day's end: the
    from_status of its first log on a later business date, else its current status. So a past day's answer never
    moves, today's is the current status, and later days assume it lasts (as room-type availability does) until
    a change, which rewrites the rows from today on (`refresh_from_today`)."""
    if not dates or not room_ids:
        return {}
    current = dict(Room.objects.filter(pk__in=room_ids).values_list("id", "status"))
    later = defaultdict(list)  # room -> [(business_date, from_status)] in order, after the first date asked
    logs = RoomStatusLog.objects.filter(property=prop, room_id__in=room_ids, business_date__gt=min(dates)).order_by("business_date", "created_at", "id")
    for room_id, day, from_status in logs.values_list("room_id", "business_date", "from_status"):
        later[room_id].append((day, from_status))
    out = {}
    for d in dates:
        out[d] = {room_id for room_id in room_ids if next((f for day, f in later[room_id] if day > d), current[room_id]) == Room.OUT_OF_ORDER}
    return out


_DEFERRED: set | None = None  # property ids whose refresh waits for `deferred_read_models` to end (bulk loads)


@contextlib.contextmanager
def deferred_read_models():
    """For bulk loads (the demo): skip the per-step refresh and rebuild each touched property once at the end."""
    global _DEFERRED
    _DEFERRED = set()
    try:
        yield
    finally:
        touched, _DEFERRED = _DEFERRED, None
        from .readmodels import rebuild_read_models

        for prop in Property.objects.filter(pk__in=touched).select_related("tenant"):
            rebuild_read_models(tenant=prop.tenant, property_id=prop.pk)


def refresh_read_models(prop: Property, start: dt.date, end: dt.date, *, capped: bool = True) -> None:
    """Rewrite calendar segments and daily occupancy of [start, end] (departure day included) for `prop`.
    Callers hold the property lock."""
    if _DEFERRED is not None:
        _DEFERRED.add(prop.pk)
        return
    end = end + dt.timedelta(days=1)  # the departure day's 'departures' count
    if capped and (end - start).days > READ_MODEL_SPAN:
        end = start + dt.timedelta(days=READ_MODEL_SPAN)
    now = timezone.now()
    want = expected_segments(prop, start, end)
    CalendarSegment.objects.filter(property=prop, business_date__gte=start, business_date__lt=end).delete()
    CalendarSegment.objects.bulk_create([
        CalendarSegment(tenant_id=prop.tenant_id, property=prop, room_id=room_id, business_date=d, updated_at=now, **fields)
        for (room_id, d), fields in sorted(want.items(), key=lambda kv: (kv[0][0], kv[0][1]))
    ])
    occ = expected_occupancy(prop, start, end)
    DailyOccupancy.objects.filter(property=prop, business_date__gte=start, business_date__lt=end).delete()
    DailyOccupancy.objects.bulk_create([
        DailyOccupancy(tenant_id=prop.tenant_id, property=prop, business_date=d, rooms_occupied=o, rooms_available=a, arrivals=ar, departures=de, updated_at=now)
        for d, (o, a, ar, de) in occ.items()
    ])


def refresh_from_today(prop: Property) -> None:
    """A room went out of order or came back: today's and every later stored day's availability moves."""
    today = business_date(prop)
    last = DailyOccupancy.objects.filter(property=prop).order_by("-business_date").values_list("business_date", flat=True).first()
    refresh_read_models(prop, today, max(today, last or today), capped=False)


def refresh_all_rows(prop: Property) -> None:
    """A room was added, removed or (de)activated: every stored day's availability moves."""
    bounds = DailyOccupancy.objects.filter(property=prop).order_by("business_date").values_list("business_date", flat=True)
    first, last = bounds.first(), bounds.last()
    if first is not None:
        refresh_read_models(prop, first, last, capped=False)
