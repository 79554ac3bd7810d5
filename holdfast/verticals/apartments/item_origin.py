"""Apartments' account of invoice items for billing's "Items to invoice" screen: the configuration invoice
(package and add-ons) is issued at once and re-issued while prices may change, so nothing waits here."""
from __future__ import annotations

from holdfast.core.billing.hooks import ItemOrigin, links_to_booking_page, register_item_origin

from .models import BOOKING_SOURCE


def register() -> ItemOrigin:
    return register_item_origin(ItemOrigin(
        vertical="apartments", source=BOOKING_SOURCE, label="Apartment configuration", links=links_to_booking_page("apartments:booking", "Booking"),
        creates="Submitting a configuration invoices its package and add-ons at once (and re-issues that invoice when the configuration "
                "changes before approval); change orders after approval are invoiced the same way.",
        when_empty="Apartment bookings are invoiced as they are configured, so nothing normally waits here.",
    ))
