"""Factories and small builders for billing tests."""
from __future__ import annotations

import datetime as dt

from holdfast.core.billing import services


def item(tenant, customer, *, price=10_000, quantity=1, actor="test", tax_rate=None, **kwargs):
    return services.create_invoice_item(tenant=tenant, actor=actor, customer_id=customer.pk, description=kwargs.pop("description", "Dog walk"), unit_price_minor=price, quantity=quantity, tax_rate=tax_rate, **kwargs)


def invoice(tenant, customer, *prices, tax_rate=0, booking_id=None, source="", issue=True, actor="test"):
    items = [item(tenant, customer, price=p, tax_rate=tax_rate, booking_id=booking_id, source=source) for p in (prices or (10_000,))]
    return services.create_invoice(tenant=tenant, actor=actor, customer_id=customer.pk, item_ids=[i.pk for i in items], issue=issue)


def base_rule(tenant, amount, start, end=None, **kwargs):
    return services.create_price_rule(tenant=tenant, actor="test", name=kwargs.pop("name", f"Base {amount}"), amount_minor=amount, effective_from=start, effective_to=end, **kwargs)


D = dt.date
