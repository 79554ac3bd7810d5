"""Rebuilding the calendar read models from the canonical rows (the management command and the doctor's repair)."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Max, Min

from ..models import CalendarSegment, DailyOccupancy, Property, Reservation
from ._common import expected_occupancy, expected_segments, lock_property, refresh_read_models


def span_of(prop: Property) -> tuple[dt.date, dt.date] | None:
    """Every date the read models of `prop` should cover: its reservations' and its stored rows'."""
    bounds = [
        Reservation.objects.filter(property=prop).aggregate(lo=Min("check_in_date"), hi=Max("check_out_date")),
        DailyOccupancy.objects.filter(property=prop).aggregate(lo=Min("business_date"), hi=Max("business_date")),
        CalendarSegment.objects.filter(property=prop).aggregate(lo=Min("business_date"), hi=Max("business_date")),
    ]
    los = [b["lo"] for b in bounds if b["lo"]]
    his = [b["hi"] for b in bounds if b["hi"]]
    return (min(los), max(his)) if los else None


def rebuild_read_models(*, tenant, property_id: int) -> int:
    """Recompute every segment and occupancy row of a property; returns the number of days covered."""
    with transaction.atomic():
        prop = lock_property(tenant, property_id)
        span = span_of(prop)
        if span is None:
            return 0
        refresh_read_models(prop, span[0], span[1], capped=False)
        return (span[1] - span[0]).days + 1


def drift(prop: Property) -> list[str]:
    """What the stored read models get wrong compared with a recomputation (empty when in step)."""
    span = span_of(prop)
    if span is None:
        return []
    start, end = span[0], span[1] + dt.timedelta(days=1)
    problems = []
    want = expected_segments(prop, start, end)
    fields = ("reservation_id", "status", "guest_name", "check_in_date", "check_out_date", "source_type", "color_key")
    have = {(s["room_id"], s["business_date"]): {k: s[k] for k in fields} for s in CalendarSegment.objects.filter(property=prop).values("room_id", "business_date", *fields)}
    for key in sorted(set(want) | set(have), key=lambda k: (k[0], k[1])):
        if want.get(key) != have.get(key):
            problems.append(f"segment room {key[0]} {key[1]}: stored {have.get(key) and have[key]['reservation_id']}, expected {want.get(key) and want[key]['reservation_id']}")
    occ = expected_occupancy(prop, start, end)
    rows = {r["business_date"]: (r["rooms_occupied"], r["rooms_available"], r["arrivals"], r["departures"])
            for r in DailyOccupancy.objects.filter(property=prop).values("business_date", "rooms_occupied", "rooms_available", "arrivals", "departures")}
    for d in sorted(set(rows) | {d for d, v in occ.items() if v[0] or v[2] or v[3]}):
        if rows.get(d) != occ.get(d):
            problems.append(f"occupancy {d}: stored {rows.get(d)}, expected {occ.get(d)}")
    return problems
