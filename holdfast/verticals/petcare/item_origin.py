"""Petcare's account of its invoice items for billing's "Items to invoice" screen (seed 003 §5.1): a job
marked COMPLETED creates one item, which the office batches into the client's invoice."""
from __future__ import annotations

from holdfast.core.billing.hooks import ItemOrigin, links_to_booking_page, register_item_origin

from .models import ITEM_SOURCE


def register() -> ItemOrigin:
    return register_item_origin(ItemOrigin(
        vertical="petcare", source=ITEM_SOURCE, label="Completed job", links=links_to_booking_page("petcare:job", "Job"),
        creates="Marking a walk or visit Completed (on the job, the schedule or by its walker) creates one item at the job's price; "
                "cancelling a completed job voids its item. Batch a client's items into one invoice here or under Invoicing.",
        when_empty="Items appear when jobs are marked Completed on the Jobs or My schedule screens.",
    ))
