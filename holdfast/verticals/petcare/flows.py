"""The petcare job flow (seed 003 §4), registered with the engine.

PENDING, BOOKED and COMPLETED are the flow's `booked` states: a job assigned to a walker holds the
walker's resource with a booking block over its period from the moment it has one (a PENDING request
given a walker is already that walker's time), so the exclusion constraint refuses any overlapping
job of the same walker. Cancelling gives the block back.

Who may do what (§2, §8): admins hold the full permissions; the engine's `own_permission` lets staff
act on jobs assigned to them and clients on their own requests (Flow.owns: the customer's user or the
assigned walker's user) — anyone else's job answers 404. The guards add the business's switches
(`staff_may_approve`, `staff_may_complete_jobs`) and the client's limit (only PENDING jobs).

Completing creates the job's one invoice item in the same transaction (§4.4, §5.1); cancelling a
COMPLETED job voids its item (§4.6, §10.2) — refused while the item is on an invoice.
"""
from __future__ import annotations

from holdfast.core.accounts.selectors import has_perm
from holdfast.core.billing import selectors as billing_selectors
from holdfast.core.billing import services as billing
from holdfast.core.billing.models import InvoiceItem
from holdfast.core.bookings.flows import Flow, Refusal, Transition, register_flow, release_inventory

from .models import BOOKED, CANCELLED, COMPLETED, ITEM_SOURCE, JOB_STATES, PENDING, Job, Walker


def job_owner(booking, actor) -> bool:
    if booking.customer is not None and booking.customer.user_id == actor.pk:
        return True
    return bool(booking.resource_id) and Walker.objects.filter(resource_id=booking.resource_id, user_id=actor.pk).exists()


def _is_assigned_walker(ctx) -> bool:
    return bool(ctx.booking.resource_id) and Walker.objects.filter(resource_id=ctx.booking.resource_id, user_id=ctx.actor.pk).exists()


def staff_may_approve(ctx) -> Refusal | None:
    if ctx.actor is None or has_perm(ctx.actor, ctx.tenant, "petcare.job.approve"):
        return None
    if not _is_assigned_walker(ctx):
        return Refusal("not_assigned_walker", "Only the walker assigned to this job can confirm it.")
    if not ctx.tenant.setting("staff_may_approve"):
        return Refusal("staff_approval_disabled", "This business has not allowed staff to confirm requests; an admin approves them.")
    return None


def staff_may_complete(ctx) -> Refusal | None:
    if ctx.actor is None or has_perm(ctx.actor, ctx.tenant, "petcare.job.complete"):
        return None
    if not _is_assigned_walker(ctx):
        return Refusal("not_assigned_walker", "Staff complete only the jobs assigned to them.")
    if not ctx.tenant.setting("staff_may_complete_jobs"):
        return Refusal("staff_completion_disabled", "This business has not allowed staff to complete jobs; an admin completes them.")
    return None


def cancel_scope(ctx) -> Refusal | None:
    """Admins cancel anything; the assigned walker a PENDING or BOOKED job; a client only PENDING."""
    if ctx.actor is None or has_perm(ctx.actor, ctx.tenant, "petcare.job.cancel"):
        return None
    if ctx.booking.status == COMPLETED:
        return Refusal("completed_job_admin_only", "A completed job is cancelled by an admin (its invoice item is voided).")
    if ctx.booking.status != PENDING and not _is_assigned_walker(ctx):
        return Refusal("client_cancels_pending_only", "A confirmed job can no longer be cancelled here; contact the business.")
    return None


def item_not_billed(ctx) -> Refusal | None:
    if ctx.booking.status != COMPLETED:
        return None
    if InvoiceItem.objects.filter(tenant=ctx.tenant, source=ITEM_SOURCE, source_ref=f"job:{ctx.booking.pk}", status=InvoiceItem.BILLED).exists():
        return Refusal("item_billed", "The job is on an invoice; void that invoice before cancelling the job.")
    return None


def bill_completed_job(ctx) -> None:
    """§5.1: the job's billable unit, idempotent on source_ref (billing's partial unique index)."""
    job = Job.objects.select_related("service").get(pk=ctx.booking.pk)
    create_item_for_job(ctx.tenant, ctx.actor, job, ctx.booking)


def create_item_for_job(tenant, actor, job, booking):
    from holdfast.kit import clock, dates

    local = booking.starts_at.astimezone(clock.zone(tenant.time_zone))
    walker = Walker.objects.filter(resource_id=booking.resource_id).first() if booking.resource_id else None
    return billing.create_invoice_item(
        tenant=tenant, actor=actor, customer_id=booking.customer_id, description=f"{job.service.name} {dates.moment(booking.starts_at, tenant)}",
        unit_price_minor=job.effective_price_minor, quantity=1, currency=job.currency, booking_id=booking.pk, source=ITEM_SOURCE,
        source_ref=f"job:{booking.pk}", category=job.service.name, staff_id=walker.pk if walker else None, service_date=local.date(),
    )


def void_job_items(ctx) -> None:
    if ctx.booking.status == COMPLETED:
        billing.void_items_for_booking(tenant=ctx.tenant, actor=ctx.actor, booking_id=ctx.booking.pk, source=ITEM_SOURCE, reason=ctx.reason or "job cancelled")


def live_item_of(tenant, job_id: int):
    return billing_selectors.invoice_items(tenant).filter(source=ITEM_SOURCE, source_ref=f"job:{job_id}").exclude(status=InvoiceItem.VOID).first()


PETCARE = register_flow(
    Flow(
        name="petcare",
        initial=[BOOKED, PENDING],
        states=JOB_STATES,
        booked=[PENDING, BOOKED, COMPLETED],
        create_permission="petcare.job.request",
        manage_permission="petcare.job.manage",
        driven_by="petcare",
        owns=job_owner,
        transitions=[
            Transition("approve", [PENDING], BOOKED, permission="petcare.job.approve", own_permission="petcare.job.confirm_own", guards=[staff_may_approve], label="Approve"),
            Transition("decline", [PENDING], CANCELLED, permission="petcare.job.approve", effects=[release_inventory], label="Decline"),
            Transition("complete", [BOOKED], COMPLETED, permission="petcare.job.complete", own_permission="petcare.job.complete_own",
                       guards=[staff_may_complete], effects=[bill_completed_job], label="Mark completed"),
            Transition("cancel", [PENDING, BOOKED, COMPLETED], CANCELLED, permission="petcare.job.cancel", own_permission="petcare.job.cancel_own",
                       guards=[cancel_scope, item_not_billed], effects=[void_job_items, release_inventory], label="Cancel"),
        ],
    )
)
