"""Availability and inventory reads, tenant-scoped. Each read is a constant number of queries.

Periods are half-open [starts_at, ends_at); a block with no end occupies for good. A hold past its
expiry never counts, whether the sweeper has reached it or not.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Exists, OuterRef

from holdfast.core.tenancy.selectors import get_owned, require_owned
from holdfast.kit import clock
from holdfast.kit.clock import local_midnight
from holdfast.kit.errors import ValidationFailed

from .models import Block, CapacityPool, DailyCapacity, Hold, Resource, ResourceType, Site
from .services import MAX_CAPACITY_DAYS, live_q, overlapping, validate_period

MAX_CALENDAR_DAYS = 92


def sites(tenant, *, kind: str | None = None, status: str | None = None):
    qs = Site.objects.for_tenant(tenant)
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    return qs


def get_site(tenant, pk) -> Site:
    return get_owned(Site, tenant, pk, what="site")


def resource_types(tenant, *, site_id: int | None = None):
    require_owned(tenant, (Site, site_id))
    qs = ResourceType.objects.for_tenant(tenant)
    return qs.filter(site_id=site_id) if site_id else qs


def resources(tenant, *, site_id: int | None = None, resource_type_id: int | None = None, status: str | None = None):
    """Resources filtered by ids a client named: each must be the tenant's (404 otherwise)."""
    require_owned(tenant, (Site, site_id), (ResourceType, resource_type_id))
    return _resources(tenant, site_id=site_id, resource_type_id=resource_type_id, status=status)


def _resources(tenant, *, site_id: int | None = None, resource_type_id: int | None = None, status: str | None = None):
    qs = Resource.objects.for_tenant(tenant)
    if site_id:
        qs = qs.filter(site_id=site_id)
    if resource_type_id:
        qs = qs.filter(resource_type_id=resource_type_id)
    if status:
        qs = qs.filter(status=status)
    return qs


def get_resource(tenant, pk) -> Resource:
    return get_owned(Resource, tenant, pk, what="resource")


def pools(tenant, *, site_id: int | None = None):
    require_owned(tenant, (Site, site_id))
    qs = CapacityPool.objects.for_tenant(tenant)
    return qs.filter(site_id=site_id) if site_id else qs


def get_pool(tenant, pk) -> CapacityPool:
    return get_owned(CapacityPool, tenant, pk, what="pool")


def holds(tenant, *, status: str | None = None):
    qs = Hold.objects.for_tenant(tenant)
    return qs.filter(status=status) if status else qs


def get_hold(tenant, pk) -> Hold:
    return get_owned(Hold, tenant, pk, what="hold")


def blocks(tenant, *, resource_id: int | None = None, active: bool | None = True, starts_at=None, ends_at=None):
    require_owned(tenant, (Resource, resource_id))
    qs = Block.objects.for_tenant(tenant)
    if resource_id:
        qs = qs.filter(resource_id=resource_id)
    if active:
        qs = qs.filter(live_q(clock.now()))
    if starts_at is not None:
        qs = overlapping(qs, starts_at, ends_at)
    return qs


def _live_blocks(now, starts_at, ends_at):
    return overlapping(Block.objects.filter(live_q(now)), starts_at, ends_at)


def is_resource_free(tenant, resource_id: int, starts_at: dt.datetime, ends_at: dt.datetime | None, *, now=None) -> bool:
    """One query: the resource exists in this tenant, is in service and no live block overlaps."""
    validate_period(starts_at, ends_at)
    now = now or clock.now()
    row = (
        Resource.objects.for_tenant(tenant)
        .filter(pk=resource_id)
        .annotate(taken=Exists(_live_blocks(now, starts_at, ends_at).filter(resource_id=OuterRef("pk"))))
        .values("status", "taken")
        .first()
    )
    if row is None:
        get_resource(tenant, resource_id)  # raises NotFound
    return row["status"] == Resource.AVAILABLE and not row["taken"]


def free_resources(tenant, starts_at: dt.datetime, ends_at: dt.datetime | None, *, resource_type_id: int | None = None, site_id: int | None = None, now=None):
    """Resources in service with no live block overlapping the period (one query; plus one per id a client named)."""
    require_owned(tenant, (Site, site_id), (ResourceType, resource_type_id))
    return _free_resources(tenant, starts_at, ends_at, resource_type_id=resource_type_id, site_id=site_id, now=now)


def _free_resources(tenant, starts_at, ends_at, *, resource_type_id=None, site_id=None, now=None):
    validate_period(starts_at, ends_at)
    now = now or clock.now()
    return (
        _resources(tenant, site_id=site_id, resource_type_id=resource_type_id, status=Resource.AVAILABLE)
        .annotate(taken=Exists(_live_blocks(now, starts_at, ends_at).filter(resource_id=OuterRef("pk"))))
        .filter(taken=False)
    )


def free_by_type(tenant, site: Site, start_date: dt.date, end_date: dt.date, *, now=None) -> list[dict]:
    """'Which rooms of each type are free for these nights': one query, grouped in Python."""
    starts_at, ends_at = local_midnight(start_date, site.time_zone), local_midnight(end_date, site.time_zone)
    grouped: dict = defaultdict(list)
    for r in _free_resources(tenant, starts_at, ends_at, site_id=site.pk, now=now).values("id", "name", "resource_type_id"):
        grouped[r["resource_type_id"]].append(r)
    return [{"resource_type_id": k, "free": len(v), "resources": v} for k, v in sorted(grouped.items(), key=lambda kv: kv[0] or 0)]


def _check_days(start_date: dt.date, end_date: dt.date, limit: int) -> list[dt.date]:
    if end_date <= start_date:
        raise ValidationFailed("The end date must be after the start date.", fields={"end_date": ["Must be after start_date."]})
    if (end_date - start_date).days > limit:
        raise ValidationFailed(f"At most {limit} days at once.", fields={"end_date": ["Range too long."]})
    return [start_date + dt.timedelta(days=i) for i in range((end_date - start_date).days)]


def free_counts_per_day(tenant, site: Site, start_date: dt.date, end_date: dt.date, *, resource_type_id: int | None = None, now=None) -> list[dict]:
    """How many resources (of a type) are free on each local day of [start_date, end_date): two queries."""
    days = _check_days(start_date, end_date, MAX_CAPACITY_DAYS)
    now = now or clock.now()
    tz = site.time_zone
    bounds = [(d, local_midnight(d, tz), local_midnight(d + dt.timedelta(days=1), tz)) for d in days]
    require_owned(tenant, (ResourceType, resource_type_id))  # the site is the caller's, resolved already
    ids = list(_resources(tenant, site_id=site.pk, resource_type_id=resource_type_id, status=Resource.AVAILABLE).values_list("pk", flat=True))
    busy: dict[dt.date, set] = defaultdict(set)
    for b in _live_blocks(now, bounds[0][1], bounds[-1][2]).filter(resource_id__in=ids).values("resource_id", "starts_at", "ends_at"):
        for d, lo, hi in bounds:
            if b["starts_at"] < hi and (b["ends_at"] is None or b["ends_at"] > lo):
                busy[d].add(b["resource_id"])
    return [{"date": d, "total": len(ids), "free": len(ids) - len(busy[d])} for d, _, _ in bounds]


def remaining_capacity(tenant, pool_id: int, start_date: dt.date, end_date: dt.date, *, quantity: int | None = None, now=None) -> list[dict]:
    """Per day: capacity, occupied, held (live holds only) and remaining; `fits` when `quantity` fits."""
    days = _check_days(start_date, end_date, MAX_CAPACITY_DAYS)
    now = now or clock.now()
    pool = get_pool(tenant, pool_id)
    rows = {r["date"]: r for r in DailyCapacity.objects.filter(pool=pool, date__gte=start_date, date__lt=end_date).values("date", "capacity", "occupied", "held")}
    stale: dict[dt.date, int] = defaultdict(int)
    # Expired holds still counted in `held` until swept: they no longer hold anything.
    for h in Hold.objects.filter(pool=pool, status=Hold.ACTIVE, expires_at__lte=now, start_date__lt=end_date, end_date__gt=start_date).values("quantity", "start_date", "end_date"):
        d = max(h["start_date"], start_date)
        while d < min(h["end_date"], end_date):
            stale[d] += h["quantity"]
            d += dt.timedelta(days=1)
    out = []
    for d in days:
        r = rows.get(d) or {"capacity": pool.default_capacity, "occupied": 0, "held": 0}
        held = r["held"] - stale[d]
        remaining = r["capacity"] - r["occupied"] - held
        item = {"date": d, "capacity": r["capacity"], "occupied": r["occupied"], "held": held, "remaining": remaining}
        if quantity is not None:
            item["fits"] = remaining >= quantity
        out.append(item)
    return out


def calendar_matrix(tenant, site: Site, start_date: dt.date, days: int, *, resource_type_id: int | None = None, now=None) -> dict:
    """Resources × local days, each cell the block covering most of that day (or None): two queries."""
    if not 1 <= days <= MAX_CALENDAR_DAYS:
        raise ValidationFailed(f"Between 1 and {MAX_CALENDAR_DAYS} days.", fields={"days": ["Out of range."]})
    now = now or clock.now()
    tz = site.time_zone
    dates = [start_date + dt.timedelta(days=i) for i in range(days)]
    bounds = [(local_midnight(d, tz), local_midnight(d + dt.timedelta(days=1), tz)) for d in dates]
    require_owned(tenant, (ResourceType, resource_type_id))
    rows = list(_resources(tenant, site_id=site.pk, resource_type_id=resource_type_id).values("id", "name", "status", "resource_type_id"))
    by_resource: dict[int, list] = defaultdict(list)
    fields = ("id", "resource_id", "kind", "starts_at", "ends_at", "expires_at", "hold_id")
    for b in _live_blocks(now, bounds[0][0], bounds[-1][1]).filter(resource_id__in=[r["id"] for r in rows]).order_by("starts_at").values(*fields):
        by_resource[b["resource_id"]].append(b)
    for r in rows:
        cells = []
        for lo, hi in bounds:
            cell = None
            for b in by_resource.get(r["id"], ()):
                if b["starts_at"] < hi and (b["ends_at"] is None or b["ends_at"] > lo):
                    cell = {"block_id": b["id"], "kind": b["kind"], "hold_id": b["hold_id"]}
                    break
            cells.append(cell)
        r["cells"] = cells
    return {"dates": dates, "resources": rows}


def capacity_sums(pool_id: int) -> dict:
    """Doctor helper: what the holds say each day's counters should be."""
    held: dict = defaultdict(int)
    occupied: dict = defaultdict(int)
    for h in Hold.objects.filter(pool_id=pool_id, status__in=[Hold.ACTIVE, Hold.CONVERTED]).values("status", "quantity", "start_date", "end_date"):
        d = h["start_date"]
        while d < h["end_date"]:
            (held if h["status"] == Hold.ACTIVE else occupied)[d] += h["quantity"]
            d += dt.timedelta(days=1)
    return {"held": held, "occupied": occupied}

