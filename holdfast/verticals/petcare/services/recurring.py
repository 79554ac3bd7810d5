"""Recurring jobs: a weekly pattern books its whole series in one step.

Occurrences are computed with dateutil's rrule on *naive local* datetimes and only then placed in the
business time zone, so a 09:00 walk stays at 09:00 on the wall clock across DST changes (its UTC
instant moves by the hour instead). Each occurrence is created in its own savepoint: it is booked
whole, or refused with its reason (walker busy, time off, outside availability) and leaves nothing
behind — never silently dropped, never half-created.
"""
from __future__ import annotations

import datetime as dt
import itertools

from dateutil import rrule
from django.db import transaction

from holdfast.core.audit.services import log_action
from holdfast.core.customers.models import Customer
from holdfast.core.events.services import emit
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit import clock
from holdfast.kit.errors import DomainError, ValidationFailed

from ..models import BOOKED, RecurringSeries, Service
from ._common import check, clean_price, require_override_right, walker_of
from .jobs import _create

MAX_OCCURRENCES = 200


def occurrences(*, weekdays: list[int], local_time: dt.time, starts_on: dt.date, until: dt.date | None, count: int | None, time_zone: str) -> list[dt.datetime]:
    """The aware UTC start of every occurrence, in order."""
    days = sorted(set(weekdays))
    start = dt.datetime.combine(starts_on, local_time)
    rule = rrule.rrule(rrule.WEEKLY, byweekday=days, dtstart=start, until=dt.datetime.combine(until, local_time) if until else None, count=count)
    zone = clock.zone(time_zone)
    return [local.replace(tzinfo=zone).astimezone(dt.UTC) for local in itertools.islice(rule, MAX_OCCURRENCES + 1)]


def _validate(weekdays, local_time, starts_on, until, count) -> None:
    errors = {}
    if not weekdays or any(isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6 for d in weekdays):
        errors["weekdays"] = ["One or more of 0 (Monday) … 6 (Sunday)."]
    if not isinstance(local_time, dt.time):
        errors["local_time"] = ["A time, HH:MM."]
    if not isinstance(starts_on, dt.date):
        errors["starts_on"] = ["A date."]
    if (until is None) == (count is None):
        errors["until"] = ["Give an end date or a number of occurrences (one of them)."]
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_OCCURRENCES):
        errors["count"] = [f"1–{MAX_OCCURRENCES}."]
    if until is not None and isinstance(starts_on, dt.date) and (not isinstance(until, dt.date) or until < starts_on):
        errors["until"] = ["On or after the first day."]
    if errors:
        raise ValidationFailed("The recurring pattern is not valid.", fields=errors)


def book_recurring_series(*, tenant, actor, customer_id: int, service_id: int, weekdays: list[int], local_time: dt.time, starts_on: dt.date,
                          until: dt.date | None = None, count: int | None = None, walker_id: int | None = None, price_minor: int | None = None,
                          dog_ids: list[int] | None = None, notes: str = "", override: bool = False) -> tuple[RecurringSeries, list[dict]]:
    """Book every occurrence; answer per occurrence: {"starts_at", "local", "status": "booked"|"refused", "job_id"|"code"+"message"}."""
    check(actor, tenant, "petcare.job.manage")
    if price_minor is not None:
        check(actor, tenant, "petcare.job.price")
    require_override_right(actor, tenant, override)
    _validate(weekdays, local_time, starts_on, until, count)
    price_minor = clean_price(price_minor)
    starts = occurrences(weekdays=weekdays, local_time=local_time, starts_on=starts_on, until=until, count=count, time_zone=tenant.time_zone)
    if len(starts) > MAX_OCCURRENCES:
        raise ValidationFailed(f"That is more than {MAX_OCCURRENCES} occurrences.", fields={"until": [f"At most {MAX_OCCURRENCES} occurrences; end sooner."]})
    if not starts:
        raise ValidationFailed("The pattern has no occurrence.", fields={"weekdays": ["No day of the pattern falls in the period."]})
    zone = clock.zone(tenant.time_zone)
    with transaction.atomic():
        customer = get_owned(Customer, tenant, customer_id, what="client")
        service = get_owned(Service, tenant, service_id, what="service")
        walker = walker_of(tenant, walker_id) if walker_id else None
        series = RecurringSeries.objects.create(
            tenant=tenant, customer=customer, service=service, walker=walker, weekdays=sorted(set(weekdays)), local_time=local_time, duration_minutes=service.duration_minutes,
            starts_on=starts_on, until=until, count=count, time_zone=tenant.time_zone, price_minor=price_minor, notes=notes or "",
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        results = []
        for start in starts:
            row = {"starts_at": start, "local": start.astimezone(zone).isoformat()}
            try:
                with transaction.atomic():
                    job = _create(tenant, actor, customer_id=customer.pk, service_id=service.pk, starts_at=start, walker_id=walker.pk if walker else None, dog_ids=dog_ids,
                                  price_minor=price_minor, notes=notes, status=BOOKED, override=override, series=series)
                row.update(status="booked", job_id=job.pk)
            except DomainError as exc:
                row.update(status="refused", code=exc.code, message=exc.detail)
            results.append(row)
        booked = [r["job_id"] for r in results if r["status"] == "booked"]
        refused = [{"starts_at": r["starts_at"], "code": r["code"]} for r in results if r["status"] == "refused"]
        log_action(tenant=tenant, actor=actor, entity=series, action="petcare.series.booked", diff={"booked": [None, booked], "refused": [None, refused]})
        emit(tenant, "recurring:booked", {"series_id": series.pk, "booked": len(booked), "refused": len(refused)})
    return series, results
