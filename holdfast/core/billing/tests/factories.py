"""Factories and small builders for billing tests.

The factory_boy classes write rows directly (the tenant-isolation matrix discovers them and creates
objects in a tenant with `tenant=` alone); the functions below go through the services, as the
behaviour tests want.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from holdfast.core.billing import services
from holdfast.core.billing.models import (
    CreditNote, Invoice, InvoiceItem, InvoiceLine, LedgerAccount, Payment, PaymentAllocation, PaymentReminder, PriceLine, PriceQuote, PriceRule, Refund, TaxRule,
)
from holdfast.core.bookings.tests.factories import BookingFactory
from tests.factories import CustomerFactory, TenantFactory

D = dt.date


class PriceRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceRule

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Rate {n}")
    amount_minor = 1000
    currency = factory.LazyAttribute(lambda o: o.tenant.currency)
    effective_from = D(2026, 1, 1)


class TaxRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TaxRule

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"VAT {n}")
    rate = Decimal("19.00")
    effective_from = D(2026, 1, 1)


class PriceQuoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceQuote

    tenant = factory.SubFactory(TenantFactory)
    booking_id = factory.Sequence(lambda n: 10_000 + n)
    source = "test.booking"
    currency = factory.LazyAttribute(lambda o: o.tenant.currency)
    start_date = D(2026, 3, 1)
    end_date = D(2026, 3, 4)


class PriceLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PriceLine

    quote = factory.SubFactory(PriceQuoteFactory)
    tenant = factory.LazyAttribute(lambda o: o.quote.tenant)
    kind = PriceLine.BASE
    product_code = "base"
    description = "Base"
    calculation = PriceRule.PER_UNIT_PER_DAY
    date_from = factory.LazyAttribute(lambda o: o.quote.start_date)
    date_to = factory.LazyAttribute(lambda o: o.quote.end_date)
    amount_minor = 3000


class InvoiceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvoiceItem

    tenant = factory.SubFactory(TenantFactory)
    customer = factory.SubFactory(CustomerFactory, tenant=factory.SelfAttribute("..tenant"))
    description = factory.Sequence(lambda n: f"Service {n}")
    unit_price_minor = 2500
    amount_minor = 2500
    currency = factory.LazyAttribute(lambda o: o.tenant.currency)


class InvoiceFactory(factory.django.DjangoModelFactory):
    """A DRAFT with no lines (issue through the services when a test needs numbers and totals)."""

    class Meta:
        model = Invoice

    tenant = factory.SubFactory(TenantFactory)
    customer = factory.SubFactory(CustomerFactory, tenant=factory.SelfAttribute("..tenant"))
    currency = factory.LazyAttribute(lambda o: o.tenant.currency)


class InvoiceLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvoiceLine

    invoice = factory.SubFactory(InvoiceFactory)
    tenant = factory.LazyAttribute(lambda o: o.invoice.tenant)
    description = "Service"
    unit_price_minor = 2500
    amount_minor = 2500


class PaymentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Payment

    tenant = factory.SubFactory(TenantFactory)
    customer = factory.SubFactory(CustomerFactory, tenant=factory.SelfAttribute("..tenant"))
    method = Payment.CASH
    paid_at = factory.LazyFunction(timezone.now)
    amount_minor = 2500
    currency = factory.LazyAttribute(lambda o: o.tenant.currency)


class PaymentAllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentAllocation

    payment = factory.SubFactory(PaymentFactory)
    tenant = factory.LazyAttribute(lambda o: o.payment.tenant)
    invoice = factory.SubFactory(InvoiceFactory, tenant=factory.SelfAttribute("..tenant"))
    amount_minor = 1000


class RefundFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Refund

    payment = factory.SubFactory(PaymentFactory)
    tenant = factory.LazyAttribute(lambda o: o.payment.tenant)
    amount_minor = 500
    reason = "Overpaid"


class CreditNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CreditNote

    invoice = factory.SubFactory(InvoiceFactory)
    tenant = factory.LazyAttribute(lambda o: o.invoice.tenant)
    amount_minor = 500
    reason = "Goodwill"


# No LedgerEntryFactory on purpose: the matrix maps a `ledger_id` to the one model whose name starts
# with "ledger", and entries must move the account's totals in step (post them through the services).
class LedgerAccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LedgerAccount

    tenant = factory.SubFactory(TenantFactory)
    booking = factory.SubFactory(BookingFactory, tenant=factory.SelfAttribute("..tenant"))
    source = "test.booking"
    customer = factory.SubFactory(CustomerFactory, tenant=factory.SelfAttribute("..tenant"))
    currency = factory.LazyAttribute(lambda o: o.tenant.currency)


class PaymentReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PaymentReminder

    invoice = factory.SubFactory(InvoiceFactory)
    tenant = factory.LazyAttribute(lambda o: o.invoice.tenant)
    scheduled_for = factory.LazyFunction(timezone.now)


def booking(tenant, customer=None, *, reference: str = "", flow: str = "generic"):
    """A real core booking (no inventory) for payments that must point at one."""
    from holdfast.core.bookings.services import create_booking

    return create_booking(tenant=tenant, actor=None, flow=flow, customer_id=customer.pk if customer else None, reference=reference)


def item(tenant, customer, *, price=10_000, quantity=1, actor="test", tax_rate=None, **kwargs):
    return services.create_invoice_item(tenant=tenant, actor=actor, customer_id=customer.pk, description=kwargs.pop("description", "Dog walk"), unit_price_minor=price, quantity=quantity, tax_rate=tax_rate, **kwargs)


def invoice(tenant, customer, *prices, tax_rate=0, booking_id=None, source="", issue=True, actor="test"):
    items = [item(tenant, customer, price=p, tax_rate=tax_rate, booking_id=booking_id, source=source) for p in (prices or (10_000,))]
    return services.create_invoice(tenant=tenant, actor=actor, customer_id=customer.pk, item_ids=[i.pk for i in items], issue=issue)


def base_rule(tenant, amount, start, end=None, **kwargs):
    return services.create_price_rule(tenant=tenant, actor="test", name=kwargs.pop("name", f"Base {amount}"), amount_minor=amount, effective_from=start, effective_to=end, **kwargs)
