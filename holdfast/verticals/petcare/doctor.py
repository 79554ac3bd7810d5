"""Seed 003 §10 invariants, checked on a live database (`holdfast doctor`, `--repair`)."""
from __future__ import annotations

from django.db.models import Count, F

from holdfast.core.billing.models import InvoiceItem
from holdfast.core.inventory.models import Block
from holdfast.kit.doctor import Finding, check, repair

from .models import ACTIVE_STATES, CANCELLED, COMPLETED, ITEM_SOURCE, Job


@check("petcare.completed_job_has_item", "Every COMPLETED job has exactly one live (non-void) invoice item (§10.3)")
def completed_job_has_item():
    from .services.repair import completed_jobs_without_item

    findings = [Finding(f"completed job {j.pk} has no invoice item", tenant_id=j.tenant_id) for j in completed_jobs_without_item()]
    doubles = (InvoiceItem.objects.filter(source=ITEM_SOURCE).exclude(status=InvoiceItem.VOID).values("booking_id", "tenant_id").annotate(n=Count("pk")).filter(n__gt=1))
    findings += [Finding(f"job {r['booking_id']} has {r['n']} live invoice items", tenant_id=r["tenant_id"]) for r in doubles]
    return findings


@repair("petcare.completed_job_has_item")
def fix_missing_items(findings):
    from .services.repair import create_missing_items

    return create_missing_items()


@check("petcare.items_only_for_completed_jobs", "A live invoice item belongs to a COMPLETED job (a cancelled job's item is void, §10.2)")
def items_only_for_completed_jobs():
    bad = InvoiceItem.objects.filter(source=ITEM_SOURCE).exclude(status=InvoiceItem.VOID).exclude(booking__status=COMPLETED)
    return [Finding(f"invoice item {i.pk} is {i.status} but its job {i.booking_id} is not COMPLETED", tenant_id=i.tenant_id) for i in bad]


@check("petcare.items_batched_in_time", "No invoice item of a completed job waits more than the business's batching period (default 45 days) for an invoice (§10.3)")
def items_batched_in_time():
    import datetime as dt

    from holdfast.core.tenancy.models import Tenant
    from holdfast.kit import clock

    findings = []
    stale = InvoiceItem.objects.filter(source=ITEM_SOURCE, status=InvoiceItem.PENDING, invoice__isnull=True)
    for tenant_id in stale.values_list("tenant_id", flat=True).distinct():
        tenant = Tenant.objects.get(pk=tenant_id)
        days = int(tenant.setting("petcare_batch_within_days") or 45)
        rows = stale.filter(tenant_id=tenant_id, created_at__lt=clock.now() - dt.timedelta(days=days)).values("customer_id").annotate(n=Count("pk"))
        findings += [Finding(f"client {r['customer_id']} has {r['n']} invoice item(s) waiting over {days} days to be invoiced", tenant_id=tenant_id) for r in rows]
    return findings


@check("petcare.job_agrees_with_engine", "Each job is a petcare-flow engine booking of its tenant")
def job_agrees_with_engine():
    bad = Job.objects.exclude(booking__flow="petcare") | Job.objects.exclude(booking__tenant_id=F("tenant_id"))
    return [Finding(f"job {j.pk} disagrees with its engine booking on flow or tenant", tenant_id=j.tenant_id) for j in bad.distinct()]


@check("petcare.cancelled_jobs_hold_no_walker", "A cancelled job holds no live block of a walker's time")
def cancelled_jobs_hold_no_walker():
    live = Block.objects.filter(active=True, hold__bookings__flow="petcare", hold__bookings__status=CANCELLED).values("hold__bookings__id", "tenant_id").distinct()
    return [Finding(f"cancelled job {r['hold__bookings__id']} still blocks its walker", tenant_id=r["tenant_id"]) for r in live]


@check("petcare.assigned_jobs_block_walker", "An active job with a walker holds a live block of that walker over its period")
def assigned_jobs_block_walker():
    jobs = Job.objects.filter(booking__status__in=ACTIVE_STATES, booking__resource__isnull=False).select_related("booking")
    findings = []
    for job in jobs.iterator():
        b = job.booking
        if not Block.objects.filter(hold_id=b.hold_id, resource_id=b.resource_id, starts_at=b.starts_at, ends_at=b.ends_at, active=True).exists():
            findings.append(Finding(f"job {job.pk} is assigned but does not block its walker's time", tenant_id=job.tenant_id))
    return findings
