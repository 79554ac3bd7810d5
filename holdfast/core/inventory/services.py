"""Inventory writes: sites and resources, capacity, blocks and holds.

Lock order everywhere (so two transactions never wait on each other in a cycle):
booking row -> resource rows / daily-capacity rows (ascending id / date) -> hold row -> blocks.
Holds that expired but were not swept yet are released *inside* the transaction that needs their
rows, with a conditional UPDATE (status still ACTIVE and past expiry), so the sweeper and a booking
can both try without double-releasing.
"""
from __future__ import annotations

import datetime as dt
import time

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from holdfast.core.audit.services import log_action
from holdfast.core.events.services import emit
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit import clock
from holdfast.kit.clock import is_valid_zone, local_midnight
from holdfast.kit.errors import Busy, Conflict, NotFound, ValidationFailed
from holdfast.kit.locking import set_lock_timeout, translate_db_errors

from .models import Block, CapacityPool, DailyCapacity, Hold, Resource, ResourceType, Site

# Test-only switches for the race demonstration in tests/concurrency: never change them elsewhere.
LOCK_ENABLED = True
_PAUSE_AFTER_CHECK = 0.0

MAX_TTL_MINUTES = 7 * 24 * 60
MAX_CAPACITY_DAYS = 366
CONSTRAINT_MESSAGES = {
    "block_no_overlap": "That period overlaps something already booked or blocked on this resource.",
    "daily_capacity_not_oversold": "Not enough capacity left on one of those days.",
}

# Called as fn(hold, now) inside the transaction that expires a hold (bookings moves its booking).
HOLD_EXPIRED_HANDLERS: list = []


def on_hold_expired(fn):
    if fn not in HOLD_EXPIRED_HANDLERS:
        HOLD_EXPIRED_HANDLERS.append(fn)
    return fn


# ---------------------------------------------------------------- sites, resources, pools

SITE_FIELDS = ("kind", "name", "code", "address", "latitude", "longitude", "time_zone", "status", "opening_hours", "cutoff_time", "media")


def _clean_site(data: dict) -> dict:
    errors = {}
    if "name" in data and not (data["name"] or "").strip():
        errors["name"] = ["A name is required."]
    if "time_zone" in data and not is_valid_zone(data["time_zone"] or ""):
        errors["time_zone"] = ["Use an IANA time zone such as Europe/Berlin."]
    if "kind" in data and data["kind"] not in dict(Site.KINDS):
        errors["kind"] = [f"One of {', '.join(dict(Site.KINDS))}."]
    if "status" in data and data["status"] not in dict(Site.STATUSES):
        errors["status"] = [f"One of {', '.join(dict(Site.STATUSES))}."]
    for key, bound in (("latitude", 90), ("longitude", 180)):
        if data.get(key) is not None and not -bound <= data[key] <= bound:
            errors[key] = [f"Between -{bound} and {bound}."]
    if "media" in data and not isinstance(data["media"] or [], list):
        errors["media"] = ["A list of media items."]
    if getattr(data.get("cutoff_time"), "tzinfo", None) is not None:
        errors["cutoff_time"] = ["A local time of the site, without an offset (e.g. 17:00)."]  # the site's zone says which
    if errors:
        raise ValidationFailed("The site was not saved.", fields=errors)
    return {k: v for k, v in data.items() if k in SITE_FIELDS}


def create_site(*, tenant, actor, name: str, time_zone: str | None = None, **fields) -> Site:
    data = _clean_site({"name": name, "time_zone": time_zone or tenant.time_zone, **fields})
    with transaction.atomic():
        site = Site.objects.create(tenant=tenant, **data)
        log_action(tenant=tenant, actor=actor, entity=site, action="inventory.site.created", diff={"name": [None, site.name]})
        emit(tenant, "site:created", {"site_id": site.pk})
    return site


def update_site(*, tenant, actor, site_id: int, **changes) -> Site:
    data = _clean_site(changes)
    with transaction.atomic():
        site = get_owned(Site.objects.select_for_update(), tenant, site_id, what="site")
        diff = {k: [getattr(site, k), v] for k, v in data.items() if getattr(site, k) != v}
        for key, value in data.items():
            setattr(site, key, value)
        site.save()
        log_action(tenant=tenant, actor=actor, entity=site, action="inventory.site.updated", diff=diff)
        emit(tenant, "site:updated", {"site_id": site.pk})
    return site


def create_resource_type(*, tenant, actor, name: str, site_id: int | None = None, code: str = "", max_occupancy: int | None = None, attributes: dict | None = None) -> ResourceType:
    if not name.strip():
        raise ValidationFailed("The resource type was not saved.", fields={"name": ["A name is required."]})
    with transaction.atomic():
        site = get_owned(Site, tenant, site_id, what="site") if site_id else None
        rtype = ResourceType.objects.create(tenant=tenant, site=site, name=name.strip(), code=code, max_occupancy=max_occupancy, attributes=attributes or {})
        log_action(tenant=tenant, actor=actor, entity=rtype, action="inventory.resource_type.created", diff={"name": [None, rtype.name]})
    return rtype


def create_resource(*, tenant, actor, site_id: int, name: str, resource_type_id: int | None = None, code: str = "", attributes: dict | None = None) -> Resource:
    if not name.strip():
        raise ValidationFailed("The resource was not saved.", fields={"name": ["A name is required."]})
    with transaction.atomic():
        site = get_owned(Site, tenant, site_id, what="site")
        rtype = get_owned(ResourceType, tenant, resource_type_id, what="resource type") if resource_type_id else None
        resource = Resource.objects.create(tenant=tenant, site=site, resource_type=rtype, name=name.strip(), code=code, attributes=attributes or {})
        log_action(tenant=tenant, actor=actor, entity=resource, action="inventory.resource.created", diff={"name": [None, resource.name]})
        emit(tenant, "resource:created", {"resource_id": resource.pk})
    return resource


def set_resource_status(*, tenant, actor, resource_id: int, status: str) -> Resource:
    if status not in dict(Resource.STATUSES):
        raise ValidationFailed("Unknown status.", fields={"status": [f"One of {', '.join(dict(Resource.STATUSES))}."]})
    with transaction.atomic():
        resource = get_owned(Resource.objects.select_for_update(), tenant, resource_id, what="resource")
        before = resource.status
        resource.status = status
        resource.save(update_fields=["status", "updated_at"])
        log_action(tenant=tenant, actor=actor, entity=resource, action="inventory.resource.status_changed", diff={"status": [before, status]})
        emit(tenant, "resource:updated", {"resource_id": resource.pk, "status": status})
    return resource


def create_pool(*, tenant, actor, site_id: int, name: str, default_capacity: int, unit: str = "units") -> CapacityPool:
    if default_capacity < 0:
        raise ValidationFailed("The pool was not saved.", fields={"default_capacity": ["Zero or more."]})
    with transaction.atomic():
        site = get_owned(Site, tenant, site_id, what="site")
        pool = CapacityPool.objects.create(tenant=tenant, site=site, name=name, default_capacity=default_capacity, unit=unit)
        log_action(tenant=tenant, actor=actor, entity=pool, action="inventory.pool.created", diff={"default_capacity": [None, default_capacity]})
    return pool


def _dates(start: dt.date, end: dt.date) -> list[dt.date]:
    if end <= start:
        raise ValidationFailed("The end date must be after the start date.", fields={"end_date": ["Must be after start_date."]})
    days = (end - start).days
    if days > MAX_CAPACITY_DAYS:
        raise ValidationFailed(f"At most {MAX_CAPACITY_DAYS} days at once.", fields={"end_date": ["Range too long."]})
    return [start + dt.timedelta(days=i) for i in range(days)]


def _lock_capacity(tenant, pool: CapacityPool, start: dt.date, end: dt.date) -> dict[dt.date, DailyCapacity]:
    """Lock the pool's day rows in date order, creating missing ones at the default capacity."""
    dates = _dates(start, end)
    qs = DailyCapacity.objects.filter(pool=pool, date__gte=start, date__lt=end).order_by("date")
    if LOCK_ENABLED:
        qs = qs.select_for_update()
    rows = {row.date: row for row in qs}
    if len(rows) < len(dates):
        DailyCapacity.objects.bulk_create(
            [DailyCapacity(tenant=tenant, pool=pool, date=d, capacity=pool.default_capacity) for d in dates if d not in rows],
            ignore_conflicts=True,
        )
        rows = {row.date: row for row in qs.all()}
    return rows


def clean_day_policy(policy: dict | None) -> dict:
    """Validate per-day policies (DailyCapacity.POLICY_FIELDS); unknown keys and bad values are field errors."""
    policy = dict(policy or {})
    errors: dict[str, list[str]] = {}
    for key in set(policy) - set(DailyCapacity.POLICY_FIELDS):
        errors[key] = ["Not a day policy field."]
    for key in ("deposit_required", "free_cancellation", "prepayment_required"):
        if key in policy and not isinstance(policy[key], bool):
            errors[key] = ["true or false."]
    for key in ("deposit_minor", "cancellation_minor", "cancellation_window"):
        value = policy.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            errors[key] = ["A whole number, 0 or more (amounts in minor units)."]
    if policy.get("cancellation_unit") not in (None, "", *dict(DailyCapacity.CANCELLATION_UNITS)):
        errors["cancellation_unit"] = ["HOURS or DAYS."]
    if policy.get("deposit_required") and policy.get("deposit_minor") is None:
        errors["deposit_minor"] = ["A deposit amount is needed when a deposit is required."]
    if policy.get("cancellation_window") and not policy.get("cancellation_unit"):
        errors["cancellation_unit"] = ["Say whether the window is in HOURS or DAYS."]
    if errors:
        raise ValidationFailed("The day policy is not valid.", fields=errors)
    if "cancellation_unit" in policy and policy["cancellation_unit"] is None:
        policy["cancellation_unit"] = ""
    return policy


def set_capacity(*, tenant, actor, pool_id: int, start_date: dt.date, end_date: dt.date, capacity: int, policy: dict | None = None) -> list[DailyCapacity]:
    """Change the capacity of days; refused where it would fall below what is already sold or held.

    `policy`: per-day deposit, cancellation and prepayment rules set on the same days (clean_day_policy)."""
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 0:
        raise ValidationFailed("Capacity is zero or more.", fields={"capacity": ["Zero or more."]})
    policy = clean_day_policy(policy)
    with transaction.atomic(), translate_db_errors(CONSTRAINT_MESSAGES):
        set_lock_timeout()
        pool = get_owned(CapacityPool, tenant, pool_id, what="pool")
        rows = _lock_capacity(tenant, pool, start_date, end_date)
        _release_expired_capacity_holds(tenant, pool, start_date, end_date, rows)
        short = sorted(d.isoformat() for d, r in rows.items() if r.occupied + r.held > capacity)
        if short:
            raise Conflict("Capacity cannot drop below what is already booked or held.", code="capacity_below_usage", extra={"dates": short})
        DailyCapacity.objects.filter(pool=pool, date__gte=start_date, date__lt=end_date).update(capacity=capacity, **policy)
        diff = {"capacity": [None, capacity], "dates": [None, [start_date.isoformat(), end_date.isoformat()]]}
        diff.update({k: [None, v] for k, v in policy.items()})
        log_action(tenant=tenant, actor=actor, entity=pool, action="inventory.capacity.set", diff=diff)
        emit(tenant, "availability:changed", {"pool_id": pool.pk, "start_date": start_date, "end_date": end_date})
    return list(DailyCapacity.objects.filter(pool=pool, date__gte=start_date, date__lt=end_date).order_by("date"))


# ---------------------------------------------------------------- periods and overlaps

def validate_period(starts_at: dt.datetime, ends_at: dt.datetime | None) -> None:
    errors = {}
    if starts_at is None or timezone.is_naive(starts_at):
        errors["starts_at"] = ["An aware date-time (with offset) is required."]
    if ends_at is not None and timezone.is_naive(ends_at):
        errors["ends_at"] = ["An aware date-time (with offset) is required."]
    elif ends_at is not None and starts_at is not None and ends_at <= starts_at:
        errors["ends_at"] = ["Must be after starts_at (periods are half-open)."]
    if errors:
        raise ValidationFailed("The period is not valid.", fields=errors)


def period_for_dates(site: Site, start_date: dt.date, end_date: dt.date | None) -> tuple[dt.datetime, dt.datetime | None]:
    """Local dates [start, end) of a site as UTC instants: a stay keeps its nights across DST."""
    return local_midnight(start_date, site.time_zone), (local_midnight(end_date, site.time_zone) if end_date else None)


def overlap_q(starts_at: dt.datetime, ends_at: dt.datetime | None, prefix: str = "") -> Q:
    q = Q(**{f"{prefix}ends_at__isnull": True}) | Q(**{f"{prefix}ends_at__gt": starts_at})
    if ends_at is not None:
        q &= Q(**{f"{prefix}starts_at__lt": ends_at})
    return q


# On PostgreSQL, overlap is asked exactly as the exclusion constraint states it, so the planner can
# use that constraint's GiST index: the cost of a check stays flat as a resource's history grows.
PG_OVERLAP = "tstzrange(starts_at, coalesce(ends_at, 'infinity'::timestamptz), '[)') && tstzrange(%s, %s, '[)')"


def overlapping(qs, starts_at: dt.datetime, ends_at: dt.datetime | None):
    """Blocks of `qs` overlapping [starts_at, ends_at) (ends_at None: for good)."""
    if connection.vendor == "postgresql":
        return qs.extra(where=[PG_OVERLAP], params=[starts_at, ends_at])
    return qs.filter(overlap_q(starts_at, ends_at))


def live_q(now: dt.datetime, prefix: str = "") -> Q:
    """Blocks that count: active, and not a hold past its expiry (swept or not)."""
    return Q(**{f"{prefix}active": True}) & (Q(**{f"{prefix}expires_at__isnull": True}) | Q(**{f"{prefix}expires_at__gt": now}))


def _lock_resources(tenant, resource_ids) -> list[Resource]:
    ids = sorted(set(resource_ids))
    qs = Resource.objects.for_tenant(tenant).filter(pk__in=ids).order_by("pk")
    if LOCK_ENABLED:
        qs = qs.select_for_update(of=("self",))
    resources = list(qs)
    if len(resources) != len(ids):
        missing = sorted(set(ids) - {r.pk for r in resources})
        raise NotFound(f"No resource with id {missing[0]}.", code="not_found")
    unusable = [r.name for r in resources if r.status != Resource.AVAILABLE]
    if unusable:
        raise Conflict(f"Not available for booking: {', '.join(unusable)}.", code="resource_out_of_service")
    return resources


def _claim_periods(tenant, resources, starts_at, ends_at, now, *, exclude_hold=None) -> None:
    """Refuse when a live block overlaps; release overlapping holds that expired but were not swept.
    `exclude_hold`: a hold being moved does not collide with its own blocks."""
    blocks = Block.objects.filter(resource__in=[r.pk for r in resources], active=True)
    if exclude_hold is not None:
        blocks = blocks.exclude(hold_id=exclude_hold)
    found = list(overlapping(blocks, starts_at, ends_at).values("id", "resource_id", "kind", "expires_at", "hold_id"))
    expired_holds = {b["hold_id"] for b in found if b["expires_at"] is not None and b["expires_at"] <= now}
    live = [b for b in found if b["expires_at"] is None or b["expires_at"] > now]
    if live:
        names = {r.pk: r.name for r in resources}
        taken = sorted({names[b["resource_id"]] for b in live})
        raise Conflict(f"Already taken for that period: {', '.join(taken)}.", code="resource_unavailable", extra={"resource_ids": sorted({b["resource_id"] for b in live})})
    if expired_holds:
        _expire_holds(tenant, sorted(expired_holds), now)


# ---------------------------------------------------------------- holds

def _ttl(tenant, ttl_minutes: int | None) -> dt.timedelta:
    minutes = int(ttl_minutes if ttl_minutes is not None else tenant.setting("hold_ttl_minutes"))
    if not 1 <= minutes <= MAX_TTL_MINUTES:
        raise ValidationFailed("The hold time is out of range.", fields={"ttl_minutes": [f"Between 1 and {MAX_TTL_MINUTES} minutes."]})
    return dt.timedelta(minutes=minutes)


def place_hold(
    *,
    tenant,
    actor,
    resource_ids: list[int] | None = None,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    pool_id: int | None = None,
    quantity: int = 0,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    ttl_minutes: int | None = None,
    reason: str = "",
    record: bool = True,
) -> Hold:
    """Hold resources over [starts_at, ends_at) or `quantity` of a pool over [start_date, end_date).

    `record=False` skips the audit entry and event when a caller (a booking) records its own step.
    """
    if bool(resource_ids) == bool(pool_id):
        raise ValidationFailed("Hold either resources or a quantity of a pool.", fields={"resource_ids": ["Give resource_ids or pool_id, not both."]})
    ttl = _ttl(tenant, ttl_minutes)
    if resource_ids:
        validate_period(starts_at, ends_at)
    elif quantity < 1:
        raise ValidationFailed("The quantity must be at least 1.", fields={"quantity": ["At least 1."]})
    with transaction.atomic(savepoint=record), translate_db_errors(CONSTRAINT_MESSAGES):
        if record:
            set_lock_timeout()
        now = clock.now()
        if resource_ids:
            resources = _lock_resources(tenant, resource_ids)
            _claim_periods(tenant, resources, starts_at, ends_at, now)
            if _PAUSE_AFTER_CHECK:
                time.sleep(_PAUSE_AFTER_CHECK)
            hold = Hold.objects.create(tenant=tenant, expires_at=now + ttl, reason=reason[:300], created_at=now)
            Block.objects.bulk_create(
                [Block(tenant=tenant, resource=r, starts_at=starts_at, ends_at=ends_at, kind=Block.HOLD, hold=hold, expires_at=hold.expires_at, created_at=now) for r in resources]
            )
            hold.site_id = resources[0].site_id  # for callers recording where the hold is, without a query
            payload = {"hold_id": hold.pk, "resource_ids": [r.pk for r in resources], "starts_at": starts_at, "ends_at": ends_at}
        else:
            pool = get_owned(CapacityPool, tenant, pool_id, what="pool")
            rows = _lock_capacity(tenant, pool, start_date, end_date)
            _release_expired_capacity_holds(tenant, pool, start_date, end_date, rows, now)
            short = sorted(d.isoformat() for d, row in rows.items() if row.remaining < quantity)
            if short:
                raise Conflict(f"Not enough {pool.unit} left on {', '.join(short)}.", code="capacity_exceeded", extra={"dates": short})
            if _PAUSE_AFTER_CHECK:
                time.sleep(_PAUSE_AFTER_CHECK)
            DailyCapacity.objects.filter(pool=pool, date__gte=start_date, date__lt=end_date).update(held=F("held") + quantity)
            hold = Hold.objects.create(tenant=tenant, expires_at=now + ttl, pool=pool, quantity=quantity, start_date=start_date, end_date=end_date, reason=reason[:300], created_at=now)
            hold.site_id = pool.site_id
            payload = {"hold_id": hold.pk, "pool_id": pool.pk, "quantity": quantity, "start_date": start_date, "end_date": end_date}
        if record:
            log_action(tenant=tenant, actor=actor, entity=hold, action="inventory.hold.placed", diff={"status": [None, hold.status], "expires_at": [None, hold.expires_at]})
            emit(tenant, "hold:placed", payload)
    return hold


def place_expiring_hold(*, tenant, actor, ttl_minutes: int | None = None, reason: str = "", record: bool = True) -> Hold:
    """A hold with no resources and no pool: a claim whose only job is its expiry.

    For a tentative sale of something not picked yet (a hotel HOLD reservation booked into a room
    type): it expires like any hold (rule 4: the sweeper, `on_hold_expired` handlers), is converted
    or released like any hold, and `move_hold` gives it its first resources later, keeping its expiry.
    """
    ttl = _ttl(tenant, ttl_minutes)
    with transaction.atomic(savepoint=record):
        now = clock.now()
        hold = Hold.objects.create(tenant=tenant, expires_at=now + ttl, reason=reason[:300], created_at=now)
        if record:
            log_action(tenant=tenant, actor=actor, entity=hold, action="inventory.hold.placed", diff={"status": [None, hold.status], "expires_at": [None, hold.expires_at]})
            emit(tenant, "hold:placed", {"hold_id": hold.pk, "resource_ids": []})
    return hold


def _lock_hold(tenant, hold_id: int, now, capacity: bool | None = None) -> Hold:
    """Lock a hold after the capacity rows it counts in (the global lock order).

    `capacity=False` (the caller knows the hold has no pool) locks it in one statement.
    """
    if capacity is False:
        qs = Hold.objects.for_tenant(tenant).filter(pk=hold_id)
        hold = (qs.select_for_update() if LOCK_ENABLED else qs).first()
        if hold is None or hold.pool_id is not None:
            return _lock_hold(tenant, hold_id, now, None) if hold is not None else get_owned(Hold, tenant, hold_id, what="hold")
        return hold
    hold = get_owned(Hold, tenant, hold_id, what="hold")
    if hold.pool_id and hold.status in (Hold.ACTIVE, Hold.CONVERTED):
        _lock_capacity(tenant, hold.pool, hold.start_date, hold.end_date)
    qs = Hold.objects.filter(pk=hold.pk)
    if LOCK_ENABLED:
        qs = qs.select_for_update()
    return qs.get()


def _give_back(hold: Hold, *, from_status: str, now) -> None:
    """Free what `hold` occupies: deactivate its blocks, decrement the counters it is counted in."""
    Block.objects.filter(hold=hold, active=True).update(active=False, released_at=now)
    if hold.pool_id:
        counter = "held" if from_status == Hold.ACTIVE else "occupied"
        DailyCapacity.objects.filter(pool_id=hold.pool_id, date__gte=hold.start_date, date__lt=hold.end_date).update(**{counter: F(counter) - hold.quantity})


def _expire_holds(tenant, hold_ids, now, *, notify: bool = True) -> int:
    """Mark expired holds EXPIRED and give back what they held. Safe to race: the UPDATE is conditional."""
    done = 0
    for hold_id in hold_ids:
        if not Hold.objects.filter(pk=hold_id, status=Hold.ACTIVE, expires_at__lte=now).update(status=Hold.EXPIRED, ended_at=now):
            continue
        hold = Hold.objects.get(pk=hold_id)
        _give_back(hold, from_status=Hold.ACTIVE, now=now)
        log_action(tenant=tenant, actor=None, entity=hold, action="inventory.hold.expired", diff={"status": [Hold.ACTIVE, Hold.EXPIRED]})
        emit(tenant, "hold:expired", {"hold_id": hold.pk})
        for handler in HOLD_EXPIRED_HANDLERS if notify else ():
            handler(hold, now)
        done += 1
    return done


def expire_hold(*, tenant, hold_id: int, notify: bool = True) -> int:
    """Expire one hold that is past its expiry now (1) or do nothing (0). `notify=False` when the
    caller is the booking's own expire transition."""
    with transaction.atomic(), translate_db_errors(CONSTRAINT_MESSAGES):
        set_lock_timeout()
        now = clock.now()
        hold = get_owned(Hold, tenant, hold_id, what="hold")
        if hold.pool_id and hold.status == Hold.ACTIVE:
            _lock_capacity(tenant, hold.pool, hold.start_date, hold.end_date)
        return _expire_holds(tenant, [hold.pk], now, notify=notify)


def _release_expired_capacity_holds(tenant, pool, start_date, end_date, rows, now=None) -> None:
    """Inside a transaction holding the pool's day rows: expired holds stop counting before we check."""
    now = now or clock.now()
    stale = list(Hold.objects.filter(pool=pool, status=Hold.ACTIVE, expires_at__lte=now, start_date__lt=end_date, end_date__gt=start_date).values_list("pk", flat=True))
    if stale and _expire_holds(tenant, sorted(stale), now):
        for row in rows.values():
            row.refresh_from_db(fields=["held", "occupied", "capacity"])


def release_hold(*, tenant, actor, hold_id: int, reason: str = "", include_converted: bool = False, record: bool = True, capacity: bool | None = None) -> Hold:
    """Give a hold back. With include_converted a booked claim is given back too (a cancelled booking).

    `record=False`: called inside a caller's step (a booking transition) that has set the lock
    timeout and records its own audit entry and event.
    """
    with transaction.atomic(savepoint=record), translate_db_errors(CONSTRAINT_MESSAGES):
        if record:
            set_lock_timeout()
        now = clock.now()
        hold = _lock_hold(tenant, hold_id, now, capacity)
        allowed = (Hold.ACTIVE, Hold.CONVERTED) if include_converted else (Hold.ACTIVE,)
        if hold.status not in allowed:
            if hold.status in (Hold.RELEASED, Hold.EXPIRED):
                return hold  # already given back: releasing twice changes nothing
            raise Conflict(f"The hold is {hold.get_status_display().lower()}; it cannot be released here.", code="hold_not_active")
        before = hold.status
        _give_back(hold, from_status=before, now=now)
        hold.status, hold.ended_at = Hold.RELEASED, now
        if reason:
            hold.reason = reason[:300]
        hold.save(update_fields=["status", "ended_at", "reason"])
        if record:
            log_action(tenant=tenant, actor=actor, entity=hold, action="inventory.hold.released", diff={"status": [before, Hold.RELEASED], "reason": [None, reason]})
            emit(tenant, "hold:released", {"hold_id": hold.pk})
    return hold


def convert_hold(*, tenant, actor, hold_id: int, record: bool = True, capacity: bool | None = None) -> Hold:
    """Turn a live hold into a booked claim (blocks become BOOKING, quantity moves held -> occupied)."""
    with transaction.atomic(savepoint=record), translate_db_errors(CONSTRAINT_MESSAGES):
        if record:
            set_lock_timeout()
        now = clock.now()
        hold = _lock_hold(tenant, hold_id, now, capacity)
        if hold.is_expired(now):
            raise Conflict("The hold has expired; place a new one.", code="hold_expired")
        if hold.status != Hold.ACTIVE:
            raise Conflict(f"The hold is {hold.get_status_display().lower()}; only a live hold can be converted.", code="hold_not_active")
        Block.objects.filter(hold=hold, active=True).update(kind=Block.BOOKING, expires_at=None)
        if hold.pool_id:
            DailyCapacity.objects.filter(pool_id=hold.pool_id, date__gte=hold.start_date, date__lt=hold.end_date).update(held=F("held") - hold.quantity, occupied=F("occupied") + hold.quantity)
        hold.status, hold.expires_at = Hold.CONVERTED, None
        hold.save(update_fields=["status", "expires_at"])
        if record:
            log_action(tenant=tenant, actor=actor, entity=hold, action="inventory.hold.converted", diff={"status": [Hold.ACTIVE, Hold.CONVERTED]})
            emit(tenant, "hold:converted", {"hold_id": hold.pk})
    return hold


def extend_hold(*, tenant, actor, hold_id: int, minutes: int | None = None) -> Hold:
    """Push a live hold's expiry out, at most `hold_max_extensions` times. Never implicit."""
    delta = _ttl(tenant, minutes)
    with transaction.atomic(), translate_db_errors(CONSTRAINT_MESSAGES):
        set_lock_timeout()
        now = clock.now()
        hold = _lock_hold(tenant, hold_id, now)
        if hold.is_expired(now):
            raise Conflict("The hold has expired; it can no longer be extended.", code="hold_expired")
        if hold.status != Hold.ACTIVE:
            raise Conflict("Only a live hold can be extended.", code="hold_not_active")
        limit = int(tenant.setting("hold_max_extensions"))
        if hold.extensions >= limit:
            raise Conflict(f"The hold was already extended {limit} times.", code="hold_extension_limit", extra={"max_extensions": limit})
        before = hold.expires_at
        hold.expires_at = max(hold.expires_at, now) + delta
        hold.extensions += 1
        hold.save(update_fields=["expires_at", "extensions"])
        Block.objects.filter(hold=hold, active=True).update(expires_at=hold.expires_at)
        log_action(tenant=tenant, actor=actor, entity=hold, action="inventory.hold.extended", diff={"expires_at": [before, hold.expires_at], "extensions": [hold.extensions - 1, hold.extensions]})
        emit(tenant, "hold:extended", {"hold_id": hold.pk, "expires_at": hold.expires_at})
    return hold


def _hold_claim(hold_id: int) -> tuple[list[int], dt.datetime | None, dt.datetime | None]:
    """(resource ids, starts_at, ends_at) of a hold's active blocks; a hold's blocks share one period."""
    rows = list(Block.objects.filter(hold_id=hold_id, active=True).order_by("resource_id").values_list("resource_id", "starts_at", "ends_at"))
    if not rows:
        return [], None, None
    return sorted({r for r, _, _ in rows}), rows[0][1], rows[0][2]


def _refuse_unmovable(hold: Hold, now) -> None:
    if hold.is_expired(now):
        raise Conflict("The hold has expired; place a new one.", code="hold_expired")
    if hold.status not in (Hold.ACTIVE, Hold.CONVERTED):
        raise Conflict(f"The hold is {hold.get_status_display().lower()}; only a live or booked hold can be moved.", code="hold_not_active")


def move_hold(
    *,
    tenant,
    actor,
    hold_id: int,
    resource_ids: list[int] | None = None,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = ...,  # type: ignore[assignment]  # ... keeps the end; None is "for good"
    record: bool = True,
) -> Hold:
    """Move a live (ACTIVE) or booked (CONVERTED) hold's blocks to other resources and/or another period.

    One transaction: the old blocks are deactivated (kept as history) and new ones of the same kind
    take their place, or nothing changes. The hold keeps its id, status and expiry: moving never
    extends a hold (rule 4). `resource_ids=None` keeps the resources, `starts_at=None` and `ends_at=...`
    keep the period. A hold without blocks (`place_expiring_hold`) gets its first resources here, given
    with resource_ids, starts_at and ends_at.

    Same lock order and refusals as `place_hold`: the target resources are locked in ascending id
    order, then the hold; an overlap with anyone but the hold itself is 409 resource_unavailable,
    an out-of-service resource 409 resource_out_of_service, and the exclusion constraint backs the
    check up. An expired hold is 409 hold_expired, a released one 409 hold_not_active, a quantity
    hold 409 hold_not_movable. `record=False` when a caller (a booking) records its own step.
    """
    if resource_ids is not None and not resource_ids:
        raise ValidationFailed("Name the resources to move the hold to.", fields={"resource_ids": ["At least one resource."]})
    with transaction.atomic(savepoint=record), translate_db_errors(CONSTRAINT_MESSAGES):
        if record:
            set_lock_timeout()
        now = clock.now()
        peek = get_owned(Hold, tenant, hold_id, what="hold")
        if peek.pool_id:
            raise Conflict("A quantity hold is not moved; release it and place another.", code="hold_not_movable")
        _refuse_unmovable(peek, now)  # early, for a clear answer; again below under the hold's lock
        old_ids, old_start, old_end = _hold_claim(peek.pk)
        targets = sorted(set(resource_ids)) if resource_ids else old_ids
        if not targets:
            raise ValidationFailed("The hold has no resources yet: say which to give it.", fields={"resource_ids": ["Required for a hold without blocks."]})
        if not old_ids and (starts_at is None or ends_at is ...):
            raise ValidationFailed("The hold has no period yet: give starts_at and ends_at.", fields={"starts_at": ["Required for a hold without blocks."]})
        resources = _lock_resources(tenant, targets)
        qs = Hold.objects.filter(pk=peek.pk)
        hold = (qs.select_for_update() if LOCK_ENABLED else qs).get()
        _refuse_unmovable(hold, now)
        old_ids, old_start, old_end = _hold_claim(hold.pk)  # again, under the hold's lock
        if resource_ids is None and old_ids != targets:
            raise Conflict("The hold was moved by another request at the same moment; nothing was changed. Retry.", code="hold_changed")
        new_start = starts_at if starts_at is not None else old_start
        new_end = old_end if ends_at is ... else ends_at
        validate_period(new_start, new_end)
        hold.site_id = resources[0].site_id  # for callers recording where the hold is, without a query
        if (targets, new_start, new_end) == (old_ids, old_start, old_end):
            return hold
        _claim_periods(tenant, resources, new_start, new_end, now, exclude_hold=hold.pk)
        if _PAUSE_AFTER_CHECK:
            time.sleep(_PAUSE_AFTER_CHECK)
        Block.objects.filter(hold=hold, active=True).update(active=False, released_at=now)
        live = hold.status == Hold.ACTIVE
        Block.objects.bulk_create([
            Block(tenant=tenant, resource=r, starts_at=new_start, ends_at=new_end, kind=Block.HOLD if live else Block.BOOKING, hold=hold,
                  expires_at=hold.expires_at if live else None, created_at=now)
            for r in resources
        ])
        if record:
            diff = {k: [a, b] for k, a, b in (("resource_ids", old_ids, targets), ("starts_at", old_start, new_start), ("ends_at", old_end, new_end)) if a != b}
            log_action(tenant=tenant, actor=actor, entity=hold, action="inventory.hold.moved", diff=diff)
            emit(tenant, "hold:moved", {"hold_id": hold.pk, "from_resource_ids": old_ids, "resource_ids": targets, "starts_at": new_start, "ends_at": new_end})
    return hold


def expire_due_holds(*, limit: int = 200) -> int:
    """The sweeper: expire holds past their expiry. Several workers at once are safe (SKIP LOCKED + conditional update)."""
    now = clock.now()
    done = 0
    candidates = list(Hold.objects.filter(status=Hold.ACTIVE, expires_at__lte=now).order_by("expires_at").values_list("pk", "tenant_id", "pool_id", "start_date", "end_date")[:limit])
    for pk, tenant_id, pool_id, start, end in candidates:
        try:
            with transaction.atomic(), translate_db_errors():
                set_lock_timeout(500)
                if pool_id:
                    _lock_capacity_for_sweep(tenant_id, pool_id, start, end)
                qs = Hold.objects.filter(pk=pk, status=Hold.ACTIVE, expires_at__lte=now)
                if LOCK_ENABLED:
                    qs = qs.select_for_update(skip_locked=True, of=("self",))  # never lock the tenant row
                hold = qs.select_related("tenant").first()
                if hold is None:
                    continue  # another worker or a booking transaction has it
                done += _expire_holds(hold.tenant, [pk], now)
        except (Conflict, Busy):  # one contested hold must not stop the sweep: the next round gets it
            continue
    return done


def _lock_capacity_for_sweep(tenant_id, pool_id, start, end) -> None:
    qs = DailyCapacity.objects.filter(pool_id=pool_id, date__gte=start, date__lt=end).order_by("date")
    if LOCK_ENABLED:
        qs = qs.select_for_update()
    list(qs.values_list("pk", flat=True))


# ---------------------------------------------------------------- blocks outside holds

def add_block(*, tenant, actor, resource_id: int, starts_at: dt.datetime, ends_at: dt.datetime | None, kind: str = Block.MAINTENANCE, reason: str = "") -> Block:
    """Maintenance or house use: takes the resource out for a period, refused where it is taken."""
    if kind not in (Block.MAINTENANCE, Block.HOUSE_USE):
        raise ValidationFailed("Only maintenance and house-use blocks are added directly.", fields={"kind": ["MAINTENANCE or HOUSE_USE."]})
    validate_period(starts_at, ends_at)
    with transaction.atomic(), translate_db_errors(CONSTRAINT_MESSAGES):
        set_lock_timeout()
        now = clock.now()
        resources = Resource.objects.for_tenant(tenant).filter(pk=resource_id)
        resource = (resources.select_for_update() if LOCK_ENABLED else resources).first()
        if resource is None:
            raise NotFound(f"No resource with id {resource_id}.", code="not_found")
        _claim_periods(tenant, [resource], starts_at, ends_at, now)
        block = Block.objects.create(tenant=tenant, resource=resource, starts_at=starts_at, ends_at=ends_at, kind=kind, reason=reason[:300], created_at=now)
        log_action(tenant=tenant, actor=actor, entity=block, action="inventory.block.added", diff={"kind": [None, kind], "resource_id": [None, resource.pk]})
        emit(tenant, "availability:changed", {"resource_id": resource.pk, "block_id": block.pk})
    return block


def remove_block(*, tenant, actor, block_id: int) -> Block:
    with transaction.atomic():
        block = get_owned(Block.objects.select_for_update(), tenant, block_id, what="block")
        if block.kind in (Block.HOLD, Block.BOOKING):
            raise Conflict("Hold and booking blocks are released through their hold or booking.", code="block_owned_by_hold")
        if block.active:
            block.active, block.released_at = False, clock.now()
            block.save(update_fields=["active", "released_at"])
            log_action(tenant=tenant, actor=actor, entity=block, action="inventory.block.removed", diff={"active": [True, False]})
            emit(tenant, "availability:changed", {"resource_id": block.resource_id, "block_id": block.pk})
    return block
