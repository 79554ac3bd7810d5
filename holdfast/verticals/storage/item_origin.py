"""Storage's account of its invoice items for billing's "Items to invoice" screen: a booking's pallet-days,
features and taxes (its locked quote) are invoiced the moment it is confirmed, and a cancellation fee when
it is cancelled inside the window; items wait here only when such an invoice was voided to correct it."""
from __future__ import annotations

from django.urls import reverse

from holdfast.core.billing.hooks import ItemOrigin, register_item_origin

from .models import SOURCE, StorageBooking


def booking_links(tenant, items) -> dict:
    refs = dict(StorageBooking.objects.for_tenant(tenant).filter(pk__in={i.booking_id for i in items if i.booking_id}).values_list("pk", "booking_ref"))
    return {item.pk: (reverse("storage:booking", args=[item.booking_id]), f"Booking {refs[item.booking_id]}") for item in items if item.booking_id in refs}


def register() -> ItemOrigin:
    return register_item_origin(ItemOrigin(
        vertical="storage", source=SOURCE, label="Storage booking charge", links=booking_links,
        creates="Confirming a booking turns its pallet-days, features and tax into items and invoices them at once; a cancellation inside "
                "the window invoices its fee the same way. When an invoice is voided to correct it, its charges come back here to be invoiced again.",
        when_empty="Storage charges are invoiced when a booking is confirmed, so this list is usually empty; a voided booking invoice brings its charges back here.",
    ))
