"""Hotel's account of invoice items for billing's "Items to invoice" screen: nights, taxes and extras are
posted on the reservation's folio; "Invoice folio" turns its charges into items and invoices them at
once. They wait here only when a folio invoice was voided; each links back to its reservation."""
from __future__ import annotations

from django.urls import reverse

from holdfast.core.billing.hooks import ItemOrigin, register_item_origin
from holdfast.core.billing.models import LedgerAccount

from .models import Reservation

LEDGER_SOURCE = "billing.ledger"


def folio_links(tenant, items) -> dict:
    ledger_of = {item.pk: int(item.source_ref.split(":")[0]) for item in items if (item.source_ref or "").split(":")[0].isdigit()}
    booking_of = dict(LedgerAccount.objects.for_tenant(tenant).filter(pk__in=set(ledger_of.values())).values_list("pk", "booking_id"))
    reservation_of = dict(Reservation.objects.filter(tenant=tenant, booking_id__in={b for b in booking_of.values() if b}).values_list("booking_id", "pk"))
    links = {}
    for item_id, ledger_id in ledger_of.items():
        res_id = reservation_of.get(booking_of.get(ledger_id))
        if res_id:
            links[item_id] = (reverse("hotel:reservation", args=[res_id]), f"Reservation R{res_id}")
    return links


def register() -> ItemOrigin:
    return register_item_origin(ItemOrigin(
        vertical="hotel", source=LEDGER_SOURCE, label="Folio charge", links=folio_links,
        creates="Room nights (night audit and check-out), taxes and extras are posted on the reservation's folio; Invoice folio on the reservation "
                "turns them into items and invoices them at once. When a folio invoice is voided to correct it, its charges come back here.",
        when_empty="Invoice a stay from its reservation's folio; a voided folio invoice brings its charges back here.",
    ))
