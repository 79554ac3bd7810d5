"""Petcare's account of its invoice items for billing's "Items to invoice" screen (seed 003 §5.1): a job
marked COMPLETED creates one item, which the office batches into the client's invoice."""
from __future__ import annotations

from django.urls import reverse

from holdfast.core.billing.hooks import ItemOrigin, register_item_origin

from .models import ITEM_SOURCE


def job_links(tenant, items) -> dict:
    return {item.pk: (reverse("petcare:job", args=[item.booking_id]), "Job") for item in items if item.booking_id}


def register() -> ItemOrigin:
    return register_item_origin(ItemOrigin(
        vertical="petcare", source=ITEM_SOURCE, label="Completed job", links=job_links,
        creates="Marking a walk or visit Completed (on the job, the schedule or by its walker) creates one item at the job's price; "
                "cancelling a completed job voids its item. Batch a client's items into one invoice here or under Invoicing.",
        when_empty="Items appear when jobs are marked Completed on the Jobs or My schedule screens.",
    ))
