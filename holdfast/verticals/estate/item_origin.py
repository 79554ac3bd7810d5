"""Estate's account for billing's "Items to invoice" screen: a sale is paid by payments recorded against
its booking (token, down payment, instalments, balance), not by invoiced items."""
from __future__ import annotations

from holdfast.core.billing.hooks import ItemOrigin, register_item_origin


def register() -> ItemOrigin:
    return register_item_origin(ItemOrigin(
        vertical="estate", label="Unit sales",
        creates="A unit sale is paid through payments recorded on its booking (token, down payment, instalments, balance); sales create no invoice items.",
        when_empty="Record and expect payments on a booking's page instead; items only appear here when added through the API.",
    ))
