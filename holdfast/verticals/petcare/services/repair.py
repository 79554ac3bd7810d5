"""§10.3 repair: completed jobs without a live invoice item get one (idempotent)."""
from __future__ import annotations

from django.db import transaction

from holdfast.core.audit.services import log_action
from holdfast.core.billing.models import InvoiceItem

from ..flows import create_item_for_job
from ..models import COMPLETED, ITEM_SOURCE, Job


def completed_jobs_without_item(tenant=None):
    live = InvoiceItem.objects.filter(source=ITEM_SOURCE).exclude(status=InvoiceItem.VOID).values_list("booking_id", flat=True)
    qs = Job.objects.filter(booking__status=COMPLETED).exclude(pk__in=live).select_related("booking", "service", "tenant")
    return qs.filter(tenant=tenant) if tenant is not None else qs


def create_missing_items(*, tenant=None, actor=None) -> int:
    made = 0
    for job in completed_jobs_without_item(tenant):
        with transaction.atomic():
            item = create_item_for_job(job.tenant, actor, job, job.booking)
            log_action(tenant=job.tenant, actor=actor, entity=job, action="petcare.job.item_repaired", diff={"invoice_item_id": [None, item.pk]})
            made += 1
    return made
