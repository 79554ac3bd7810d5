"""Test helpers: slot counters as the tests read them, a hold run out as time would, a recount."""
from __future__ import annotations

import datetime as dt

from django.db.models import Sum
from django.utils import timezone

from holdfast.core.inventory.models import DailyCapacity, Hold


def counters(facility, start: dt.date, days: int) -> list[tuple[int, int]]:
    """(held, occupied) of each day, as stored."""
    rows = {r.date: r for r in DailyCapacity.objects.filter(pool_id=facility.pool_id, date__gte=start, date__lt=start + dt.timedelta(days=days))}
    return [(rows[d].held, rows[d].occupied) if d in rows else (None, None) for d in (start + dt.timedelta(days=i) for i in range(days))]


def run_out(storage) -> None:
    """Move the booking's hold past its expiry without sweeping it."""
    Hold.objects.filter(pk=storage.booking.hold_id).update(expires_at=timezone.now() - dt.timedelta(minutes=1))


def recount(facility) -> dict:
    """What every slot's held / occupied should be, recomputed from the holds (the doctor's view)."""
    out = {}
    for row in DailyCapacity.objects.filter(pool_id=facility.pool_id):
        live = Hold.objects.filter(pool_id=facility.pool_id, start_date__lte=row.date, end_date__gt=row.date)
        held = live.filter(status=Hold.ACTIVE).aggregate(s=Sum("quantity"))["s"] or 0
        occupied = live.filter(status=Hold.CONVERTED).aggregate(s=Sum("quantity"))["s"] or 0
        out[row.date] = (row.held, row.occupied, held, occupied)
    return out


def mismatches(facility) -> dict:
    return {d: v for d, v in recount(facility).items() if v[:2] != v[2:]}
