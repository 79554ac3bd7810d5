"""Jobs (seed 003 §4): create / request, approve, decline, assign, respond, reschedule, complete,
cancel and price changes. Each step is one transaction: the engine's booking step (its guards, the
walker's block, history, audit, event), the job's own fields, notifications and stats:changed.

Lock order is the engine's (booking row -> walker resource -> hold); a step that changes a job's
price locks its booking row first too, so a price edit and a completion never interleave.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction

from holdfast.core.audit.services import log_action
from holdfast.core.billing import services as billing
from holdfast.core.billing.models import InvoiceItem
from holdfast.core.bookings import services as engine
from holdfast.core.bookings.models import Booking
from holdfast.core.customers.models import Customer
from holdfast.core.events.services import emit, emit_stats_changed, notify, notify_members_with
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit import clock
from holdfast.kit.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from holdfast.kit import dates

from ..flows import create_item_for_job, live_item_of
from ..models import ACTIVE_STATES, BOOKED, CANCELLED, COMPLETED, PENDING, Dog, Job, Service
from ._common import aware, busy_as_conflict, check, clean_price, may, refuse_schedule_problem, require_override_right, walker_for_resource, walker_of

MAX_JOB_DAYS_AHEAD = 2 * 366


def _job(tenant, job_id: int, *, lock: bool = False) -> Job:
    qs = Job.objects.select_related("booking", "booking__customer", "service")
    if lock:
        # The booking row is the job's lock (the engine locks the same row in every step).
        get_owned(Booking.objects.select_for_update(of=("self",)), tenant, job_id, what="job")
    return get_owned(qs, tenant, job_id, what="job")


def _expect_version(tenant, job_id: int, version: int | None) -> None:
    """A step taken from a page (or API call) that read the job at `version` is refused with 409
    stale_version when the job has changed since — two admins on one out-of-date page are told, and
    nothing changes. Locks the booking row (the engine's lock) for the rest of the step."""
    if version is None:
        return
    booking = get_owned(Booking.objects.select_for_update(of=("self",)), tenant, job_id, what="job")
    if booking.version != version:
        raise StaleVersion("This job was changed by someone else since the page was loaded; nothing was changed. Reload it to see the current job and try again.",
                           extra={"current_version": booking.version})


def _when(tenant, starts_at, service: Service, ends_at=None) -> tuple[dt.datetime, dt.datetime]:
    aware(starts_at, "starts_at")
    ends_at = ends_at or starts_at + dt.timedelta(minutes=service.duration_minutes)
    aware(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise ValidationFailed("The job ends before it starts.", fields={"ends_at": ["After the start."]})
    if ends_at - starts_at > dt.timedelta(hours=24):
        raise ValidationFailed("A job lasts at most a day.", fields={"ends_at": ["Within 24 hours of the start."]})
    if starts_at > clock.now() + dt.timedelta(days=MAX_JOB_DAYS_AHEAD):
        raise ValidationFailed("That is too far ahead.", fields={"starts_at": ["Within two years."]})
    return starts_at, ends_at


def _dogs(tenant, customer: Customer, dog_ids) -> list[Dog]:
    ids = sorted(set(dog_ids or []))
    dogs = list(Dog.objects.for_tenant(tenant).filter(pk__in=ids, customer=customer))
    if len(dogs) != len(ids):
        raise ValidationFailed("Some dogs are not this client's.", fields={"dog_ids": ["Dogs of the job's client only."]})
    return dogs


def _announce(tenant, job: Job, *, scope: str = "bookings") -> None:
    emit_stats_changed(tenant, scope)


def _tell_walker(tenant, walker, title: str, job: Job, body: str = "") -> None:
    if walker is not None:
        notify(tenant, walker.user, event_type="booking:updated", title=title, body=body or _job_line(tenant, job), data={"job_id": job.pk}, email=True)


def _tell_client(tenant, job: Job, title: str, body: str = "") -> None:
    user = job.booking.customer.user if job.booking.customer_id else None
    if user is not None:
        notify(tenant, user, event_type="booking:updated", title=title, body=body or _job_line(tenant, job), data={"job_id": job.pk}, email=True)


def _job_line(tenant, job: Job) -> str:
    return f"{job.service.name} for {job.booking.customer.name} on {dates.weekday_day(job.booking.starts_at, tenant)} at {dates.clock_time(job.booking.starts_at, tenant)}."


def create_job(*, tenant, actor, customer_id: int, service_id: int, starts_at: dt.datetime, ends_at: dt.datetime | None = None, walker_id: int | None = None,
               dog_ids: list[int] | None = None, price_minor: int | None = None, notes: str = "", status: str = BOOKED, override: bool = False,
               series=None, walk_route: list | None = None) -> Job:
    """An admin's job: BOOKED by default (or PENDING), optionally with a walker (refused when the walker
    is busy — 409 walker_busy, the exclusion constraint backing it — or outside their availability /
    on time off unless an admin overrides, audited)."""
    check(actor, tenant, "petcare.job.manage")
    if status not in (BOOKED, PENDING):
        raise ValidationFailed("A new job is BOOKED or PENDING.", fields={"status": ["BOOKED or PENDING."]})
    if price_minor is not None:
        check(actor, tenant, "petcare.job.price")
    require_override_right(actor, tenant, override)
    return _create(tenant, actor, customer_id=customer_id, service_id=service_id, starts_at=starts_at, ends_at=ends_at, walker_id=walker_id, dog_ids=dog_ids,
                   price_minor=clean_price(price_minor), notes=notes, status=status, override=override, series=series, walk_route=walk_route)


def request_job(*, tenant, actor, service_id: int, starts_at: dt.datetime, dog_ids: list[int] | None = None, notes: str = "", customer_id: int | None = None) -> Job:
    """A client's request (§4.1): PENDING, no walker, the service's price. Admins are told."""
    check(actor, tenant, "petcare.job.request")
    if customer_id is None or not may(actor, tenant, "petcare.job.manage"):
        own = Customer.objects.for_tenant(tenant).filter(user=actor).first() if actor is not None else None
        if own is None:
            raise NotFound("You have no client profile in this business.", code="no_client_profile")
        customer_id = own.pk
    job = _create(tenant, actor, customer_id=customer_id, service_id=service_id, starts_at=starts_at, dog_ids=dog_ids, notes=notes, status=PENDING)
    return job


def _create(tenant, actor, *, customer_id, service_id, starts_at, ends_at=None, walker_id=None, dog_ids=None, price_minor=None, notes="", status=BOOKED,
            override=False, series=None, walk_route=None) -> Job:
    with transaction.atomic():
        service = get_owned(Service, tenant, service_id, what="service")
        if not service.is_active:
            raise Conflict(f"{service.name} is not offered any more.", code="service_inactive")
        customer = get_owned(Customer, tenant, customer_id, what="client")
        starts_at, ends_at = _when(tenant, starts_at, service, ends_at)
        dogs = _dogs(tenant, customer, dog_ids)
        walker = walker_of(tenant, walker_id) if walker_id else None
        overridden = refuse_schedule_problem(tenant, actor, walker, starts_at, ends_at, service, override=override) if walker else None
        try:
            booking = engine.create_booking(tenant=tenant, actor=actor, flow="petcare", status=status, customer_id=customer.pk, resource_id=walker.resource_id if walker else None,
                                            starts_at=starts_at, ends_at=ends_at, notes=notes or "", reference=f"{service.name[:20]} {starts_at:%Y%m%d%H%M}")
        except Conflict as exc:
            raise busy_as_conflict(exc, walker) from exc
        job = Job.objects.create(tenant=tenant, booking=booking, service=service, series=series, price_minor=price_minor, currency=service.currency, walk_route=walk_route or [])
        if dogs:
            job.dogs.set(dogs)
        log_action(tenant=tenant, actor=actor, entity=job, action="petcare.job.created",
                   diff={"status": [None, status], "service_id": [None, service.pk], "walker_id": [None, walker.pk if walker else None], "price_minor": [None, price_minor],
                         "starts_at": [None, starts_at], "override": [None, overridden]})
        job = _job(tenant, job.pk)
        if walker is not None:
            _tell_walker(tenant, walker, "New job assigned to you", job)
        if status == PENDING and actor is not None and not may(actor, tenant, "petcare.job.manage"):
            notify_members_with(tenant, "petcare.job.approve", event_type="booking:created", title=f"New request from {customer.name}", body=_job_line(tenant, job), data={"job_id": job.pk})
        _announce(tenant, job)
    return job


def update_job(*, tenant, actor, job_id: int, notes: str | None = None, dog_ids: list[int] | None = None, walk_route: list | None = None) -> Job:
    check(actor, tenant, "petcare.job.manage")
    with transaction.atomic():
        job = _job(tenant, job_id, lock=True)
        diff = {}
        if notes is not None and notes != job.booking.notes:
            engine.update_booking_notes(tenant=tenant, actor=actor, booking_id=job.pk, version=job.booking.version, notes=notes)
        if dog_ids is not None:
            before = sorted(job.dogs.values_list("pk", flat=True))
            job.dogs.set(_dogs(tenant, job.booking.customer, dog_ids))
            diff["dog_ids"] = [before, sorted(set(dog_ids))]
        if walk_route is not None:
            diff["walk_route"] = [job.walk_route, walk_route]
            job.walk_route = walk_route
            job.save(update_fields=["walk_route", "updated_at"])
        if diff:
            log_action(tenant=tenant, actor=actor, entity=job, action="petcare.job.updated", diff=diff)
            emit(tenant, "booking:updated", {"booking_id": job.pk, "action": "edited"})
    return _job(tenant, job_id)


def approve_job(*, tenant, actor, job_id: int, walker_id: int | None = None, override: bool = False, version: int | None = None) -> Job:
    """PENDING -> BOOKED (§4.2), by an admin, or by the assigned walker when the business allows staff
    approval. A walker may be set in the same step (admins only)."""
    with transaction.atomic():
        _expect_version(tenant, job_id, version)
        if walker_id is not None:
            assign_walker(tenant=tenant, actor=actor, job_id=job_id, walker_id=walker_id, override=override)
        engine.transition(tenant=tenant, actor=actor, booking_id=job_id, name="approve")
        job = _job(tenant, job_id)
        _tell_client(tenant, job, "Your walk is confirmed")
        _announce(tenant, job)
    return job


def decline_job(*, tenant, actor, job_id: int, reason: str = "", version: int | None = None) -> Job:
    """An admin declines a client's PENDING request (§4.3)."""
    with transaction.atomic():
        _expect_version(tenant, job_id, version)
        engine.transition(tenant=tenant, actor=actor, booking_id=job_id, name="decline", reason=reason)
        job = _stamp_cancelled(tenant, job_id, reason)
        _tell_client(tenant, job, "Your request was declined", f"{_job_line(tenant, job)} {reason}".strip())
        _announce(tenant, job)
    return job


def _stamp_cancelled(tenant, job_id: int, reason: str) -> Job:
    job = _job(tenant, job_id)
    job.cancelled_at, job.cancellation_reason = clock.now(), (reason or "")[:500]
    job.save(update_fields=["cancelled_at", "cancellation_reason", "updated_at"])
    return job


def assign_walker(*, tenant, actor, job_id: int, walker_id: int, override: bool = False, version: int | None = None) -> Job:
    """Assign or reassign (§4.2 "staffId may be set or updated"): the job's block moves to the new walker
    in one transaction, or nothing changes (409 walker_busy when they already have a job then)."""
    check(actor, tenant, "petcare.job.manage")
    require_override_right(actor, tenant, override)
    with transaction.atomic():
        _expect_version(tenant, job_id, version)
        job = _job(tenant, job_id, lock=True)
        if job.booking.status not in ACTIVE_STATES:
            raise Conflict(f"A {job.booking.status} job is not assigned any more.", code="job_not_active", extra={"status": job.booking.status})
        walker = walker_of(tenant, walker_id)
        before = walker_for_resource(job.booking.resource_id)
        if before is not None and before.pk == walker.pk:
            return job
        overridden = refuse_schedule_problem(tenant, actor, walker, job.booking.starts_at, job.booking.ends_at, job.service, override=override)
        try:
            engine.move_booking(tenant=tenant, actor=actor, booking_id=job.pk, resource_id=walker.resource_id, permission="petcare.job.manage")
        except Conflict as exc:
            raise busy_as_conflict(exc, walker) from exc
        job.staff_response = ""
        job.save(update_fields=["staff_response", "updated_at"])
        log_action(tenant=tenant, actor=actor, entity=job, action="petcare.job.reassigned" if before else "petcare.job.assigned",
                   diff={"walker_id": [before.pk if before else None, walker.pk], "override": [None, overridden]})
        job = _job(tenant, job_id)
        _tell_walker(tenant, walker, "New job assigned to you", job)
        if before is not None:
            _tell_walker(tenant, before, "A job was reassigned to someone else", job)
        _announce(tenant, job)
    return job


def respond_to_assignment(*, tenant, actor, job_id: int, accept: bool, reason: str = "", version: int | None = None) -> Job:
    """The assigned walker accepts, or declines: the job leaves their schedule (its block is given back)
    and the admins are told (§7), to assign someone else."""
    check(actor, tenant, "petcare.job.respond")
    with transaction.atomic():
        _expect_version(tenant, job_id, version)
        job = _job(tenant, job_id, lock=True)
        walker = walker_for_resource(job.booking.resource_id)
        if walker is None or actor is None or walker.user_id != actor.pk:
            raise NotFound(f"No job with id {job_id} is assigned to you.", code="not_found")
        if job.booking.status not in ACTIVE_STATES:
            raise Conflict(f"The job is {job.booking.status}.", code="job_not_active", extra={"status": job.booking.status})
        if accept:
            job.staff_response = Job.ACCEPTED
            job.save(update_fields=["staff_response", "updated_at"])
            log_action(tenant=tenant, actor=actor, entity=job, action="petcare.job.accepted_by_staff", diff={"staff_response": ["", Job.ACCEPTED]})
            emit(tenant, "booking:updated", {"booking_id": job.pk, "action": "accepted"})
        else:
            engine.detach_resource(tenant=tenant, actor=actor, booking_id=job.pk, reason=reason or "declined by the walker", permission="petcare.job.respond")
            job.staff_response = Job.DECLINED
            job.save(update_fields=["staff_response", "updated_at"])
            log_action(tenant=tenant, actor=actor, entity=job, action="petcare.job.declined_by_staff", diff={"walker_id": [walker.pk, None], "reason": [None, reason or None]})
            notify_members_with(tenant, "petcare.job.manage", event_type="booking:updated", title=f"{walker} declined a job",
                                body=f"{_job_line(tenant, job)} {reason}".strip(), data={"job_id": job.pk}, email=True)
        _announce(tenant, job)
    return _job(tenant, job_id)


def reschedule_job(*, tenant, actor, job_id: int, starts_at: dt.datetime, ends_at: dt.datetime | None = None, override: bool = False, version: int | None = None) -> Job:
    check(actor, tenant, "petcare.job.manage")
    require_override_right(actor, tenant, override)
    with transaction.atomic():
        _expect_version(tenant, job_id, version)
        job = _job(tenant, job_id, lock=True)
        if job.booking.status not in ACTIVE_STATES:
            raise Conflict(f"A {job.booking.status} job is not rescheduled.", code="job_not_active", extra={"status": job.booking.status})
        starts_at, ends_at = _when(tenant, starts_at, job.service, ends_at)
        walker = walker_for_resource(job.booking.resource_id)
        overridden = refuse_schedule_problem(tenant, actor, walker, starts_at, ends_at, job.service, override=override) if walker else None
        before = (job.booking.starts_at, job.booking.ends_at)
        try:
            engine.move_booking(tenant=tenant, actor=actor, booking_id=job.pk, starts_at=starts_at, ends_at=ends_at, permission="petcare.job.manage")
        except Conflict as exc:
            raise busy_as_conflict(exc, walker) from exc
        log_action(tenant=tenant, actor=actor, entity=job, action="petcare.job.rescheduled", diff={"starts_at": [before[0], starts_at], "ends_at": [before[1], ends_at], "override": [None, overridden]})
        job = _job(tenant, job_id)
        _tell_walker(tenant, walker, "A job of yours moved", job)
        _tell_client(tenant, job, "Your walk was moved")
        _announce(tenant, job)
    return job


def complete_job(*, tenant, actor, job_id: int, version: int | None = None) -> Job:
    """BOOKED -> COMPLETED (§4.4): the job's one invoice item is created in the same transaction (the
    flow's effect). Never revenue: that is a PAID invoice."""
    with transaction.atomic():
        _expect_version(tenant, job_id, version)
        engine.transition(tenant=tenant, actor=actor, booking_id=job_id, name="complete")
        job = _job(tenant, job_id)
        job.completed_at = clock.now()
        job.save(update_fields=["completed_at", "updated_at"])
        _announce(tenant, job)
    return job


def cancel_job(*, tenant, actor, job_id: int, reason: str = "", version: int | None = None) -> Job:
    """§4.3/§4.5/§4.6: a client cancels their PENDING request; the walker or an admin a PENDING or BOOKED
    job; an admin a COMPLETED one, whose PENDING invoice item is voided (refused while it is billed)."""
    with transaction.atomic():
        _expect_version(tenant, job_id, version)
        before = _job(tenant, job_id)
        walker = walker_for_resource(before.booking.resource_id)
        engine.transition(tenant=tenant, actor=actor, booking_id=job_id, name="cancel", reason=reason)
        job = _stamp_cancelled(tenant, job_id, reason)
        if walker is not None and (actor is None or walker.user_id != actor.pk):
            _tell_walker(tenant, walker, "A job of yours was cancelled", job)
        if actor is not None and job.booking.customer.user_id == actor.pk:
            notify_members_with(tenant, "petcare.job.approve", event_type="booking:updated", title=f"{job.booking.customer.name} cancelled a request", body=_job_line(tenant, job), data={"job_id": job.pk})
        else:
            _tell_client(tenant, job, "Your walk was cancelled", f"{_job_line(tenant, job)} {reason}".strip())
        _announce(tenant, job)
    return job


def change_job_price(*, tenant, actor, job_id: int, price_minor: int | None, adjust_billing: bool = False, reason: str = "", version: int | None = None) -> Job:
    """§4.6/§10.1: before completion the price is free to change. After it, only with `adjust_billing`,
    which reprices the job's PENDING invoice item in the same transaction (409 item_billed when the item
    is on an invoice — void that first). `price_minor=None` goes back to the service's price."""
    check(actor, tenant, "petcare.job.price")
    price_minor = clean_price(price_minor)
    with transaction.atomic():
        _expect_version(tenant, job_id, version)
        job = _job(tenant, job_id, lock=True)
        status = job.booking.status
        if status == CANCELLED:
            raise Conflict("A cancelled job has no price to change.", code="job_not_active", extra={"status": status})
        if status == COMPLETED and not adjust_billing:
            raise Conflict("The job is completed: its price is locked. Choose \"adjust billing\" to change the job and its invoice item together.",
                           code="price_locked_after_completion")
        before = job.price_minor
        job.price_minor = price_minor
        job.save(update_fields=["price_minor", "updated_at"])
        item_id = None
        if status == COMPLETED:
            item = live_item_of(tenant, job.pk)
            if item is None:
                item = create_item_for_job(tenant, actor, job, job.booking)
            elif item.status == InvoiceItem.BILLED:
                raise Conflict("The job's invoice item is on an invoice; void that invoice before adjusting its billing.", code="item_billed", extra={"invoice_id": item.invoice_id})
            else:
                billing.reprice_invoice_item(tenant=tenant, actor=actor, item_id=item.pk, unit_price_minor=job.effective_price_minor, reason=reason or f"job {job.pk} repriced")
            item_id = item.pk
        log_action(tenant=tenant, actor=actor, entity=job, action="petcare.job.price_changed",
                   diff={"price_minor": [before, price_minor], "adjust_billing": [None, adjust_billing], "invoice_item_id": [None, item_id], "reason": [None, reason or None]})
        emit(tenant, "booking:updated", {"booking_id": job.pk, "action": "repriced", "price_minor": job.effective_price_minor})
        _announce(tenant, job, scope="billing" if item_id else "bookings")
    return _job(tenant, job_id)
