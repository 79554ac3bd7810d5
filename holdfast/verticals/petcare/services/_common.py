"""Shared by the petcare services: permission checks, the walker's schedule rules, lookups."""
from __future__ import annotations

import datetime as dt

from holdfast.core.accounts.selectors import has_perm, require_perm
from holdfast.core.inventory.models import Site
from holdfast.kit import clock
from holdfast.kit.errors import Conflict, NotFound, ValidationFailed
from holdfast.kit import dates

from ..models import Availability, TimeOff, Walker

MAX_PRICE_MINOR = 10**12


def check(actor, tenant, code: str) -> None:
    """`actor=None` is the system (demo loader, repair, scheduled jobs)."""
    if actor is not None:
        require_perm(actor, tenant, code)


def may(actor, tenant, code: str) -> bool:
    return actor is None or has_perm(actor, tenant, code)


def require_override_right(actor, tenant, override: bool) -> None:
    if override:
        check(actor, tenant, "petcare.job.override")


def clean_price(value, field: str = "price_minor") -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PRICE_MINOR:
        raise ValidationFailed("The price is not valid.", fields={field: [f"A whole number of minor units between 0 and {MAX_PRICE_MINOR}."]})
    return value


def aware(value: dt.datetime, field: str) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise ValidationFailed("A date and time is required.", fields={field: ["A date and time."]})
    if value.tzinfo is None:
        raise ValidationFailed("Give the time with its offset (or in UTC).", fields={field: ["An ISO 8601 time with an offset, e.g. 2026-03-01T09:00:00Z."]})
    return value


def service_area(tenant, actor) -> Site:
    """The business's one service-area site, where its walkers' resources live."""
    from holdfast.core.inventory import services as inventory

    site = Site.objects.for_tenant(tenant).filter(kind=Site.SERVICE_AREA).order_by("id").first()
    if site is None:
        site = inventory.create_site(tenant=tenant, actor=actor, name=f"{tenant.name} service area", time_zone=tenant.time_zone, kind=Site.SERVICE_AREA)
    return site


def walker_of(tenant, walker_id: int) -> Walker:
    walker = Walker.objects.for_tenant(tenant).select_related("resource", "user").filter(pk=walker_id).first()
    if walker is None:
        raise NotFound(f"No walker with id {walker_id}.", code="not_found")
    return walker


def walker_for_resource(resource_id: int | None) -> Walker | None:
    if not resource_id:
        return None
    return Walker.objects.select_related("user", "resource").filter(resource_id=resource_id).first()


def schedule_problem(tenant, walker: Walker, starts_at: dt.datetime, ends_at: dt.datetime, service=None) -> tuple[str, str] | None:
    """Why `walker` should not work [starts_at, ends_at): inactive, not offering the service, outside
    their weekly availability (business time zone), or on approved time off. None when all is well.
    Being busy with another job is the engine's refusal (the block overlaps), not checked here."""
    if not walker.is_active:
        return "walker_inactive", f"{walker} is not active."
    if service is not None and walker.services.exists() and not walker.services.filter(pk=service.pk).exists():
        return "walker_lacks_service", f"{walker} does not deliver {service.name}."
    zone = clock.zone(tenant.time_zone)
    local_start, local_end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    windows = Availability.objects.filter(walker=walker, weekday=local_start.weekday())
    inside = local_start.date() == local_end.date() or local_end.time() == dt.time(0)
    end_time = local_end.time() if local_end.time() != dt.time(0) else dt.time(23, 59, 59)
    if not inside or not any(w.start_time <= local_start.time() and end_time <= w.end_time for w in windows):
        return "outside_availability", f"{walker} does not work {dates.weekday_day(starts_at, tenant)} {dates.clock_time(starts_at, tenant)}–{dates.clock_time(ends_at, tenant)} (their weekly availability)."
    if TimeOff.objects.filter(walker=walker, status=TimeOff.APPROVED, starts_at__lt=ends_at, ends_at__gt=starts_at).exists():
        return "walker_time_off", f"{walker} is on approved time off then."
    return None


def refuse_schedule_problem(tenant, actor, walker: Walker, starts_at, ends_at, service=None, *, override: bool) -> str | None:
    """Raise 409 with the problem's code unless an admin overrides (then the problem is returned for the audit)."""
    problem = schedule_problem(tenant, walker, starts_at, ends_at, service)
    if problem is None:
        return None
    if override:
        return problem[0]
    raise Conflict(problem[1] + " An admin may override.", code=problem[0], extra={"walker_id": walker.pk})


def busy_as_conflict(exc: Conflict, walker: Walker | None) -> Conflict:
    """The engine's overlap refusal, said in the seed's words."""
    if exc.code in ("resource_unavailable", "conflict_overlap") and walker is not None:
        return Conflict(f"{walker} already has a job at that time.", code="walker_busy", extra={"walker_id": walker.pk})
    return exc
