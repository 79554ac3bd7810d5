"""Tenant-scoped billing reads. What is owed or unallocated is derived here, never stored."""
from __future__ import annotations

from django.db.models import BigIntegerField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from holdfast.core.customers.models import Customer
from holdfast.core.bookings.models import Booking
from holdfast.core.tenancy.selectors import get_owned, require_owned

from .models import CreditNote, Invoice, InvoiceItem, InvoiceLine, LedgerAccount, LedgerEntry, Payment, PaymentAllocation, PaymentReminder, PriceQuote, PriceRule, Refund, TaxRule
from holdfast.kit import clock


def tenant_today(tenant):
    return clock.local_today(tenant.time_zone or "UTC")


def _sum_subquery(model, fk: str, **filters):
    qs = model.objects.filter(**{fk: OuterRef("pk")}, **filters).order_by().values(fk).annotate(s=Sum("amount_minor")).values("s")
    return Coalesce(Subquery(qs, output_field=BigIntegerField()), Value(0), output_field=BigIntegerField())


def with_amounts(qs):
    """Annotate invoices with allocated, credited and remaining minor units."""
    return qs.annotate(
        allocated_minor=_sum_subquery(PaymentAllocation, "invoice"),
        credited_minor=_sum_subquery(CreditNote, "invoice"),
    ).annotate(remaining_minor=F("total_minor") - F("allocated_minor") - F("credited_minor"))


def with_payment_amounts(qs):
    return qs.annotate(
        allocated_minor=_sum_subquery(PaymentAllocation, "payment"),
        refunded_minor=_sum_subquery(Refund, "payment"),
    ).annotate(unallocated_minor=F("amount_minor") - F("allocated_minor") - F("refunded_minor"))


# ---------------------------------------------------------------- single-row amounts (for services)


def invoice_allocated_minor(invoice) -> int:
    return PaymentAllocation.objects.filter(invoice=invoice).aggregate(s=Sum("amount_minor"))["s"] or 0


def invoice_credited_minor(invoice) -> int:
    return CreditNote.objects.filter(invoice=invoice).aggregate(s=Sum("amount_minor"))["s"] or 0


def invoice_remaining_minor(invoice) -> int:
    return invoice.total_minor - invoice_allocated_minor(invoice) - invoice_credited_minor(invoice)


def payment_allocated_minor(payment) -> int:
    return PaymentAllocation.objects.filter(payment=payment).aggregate(s=Sum("amount_minor"))["s"] or 0


def payment_refunded_minor(payment) -> int:
    return Refund.objects.filter(payment=payment).aggregate(s=Sum("amount_minor"))["s"] or 0


def payment_unallocated_minor(payment) -> int:
    return payment.amount_minor - payment_allocated_minor(payment) - payment_refunded_minor(payment)


def customer_credit_minor(tenant, customer_id: int, currency: str | None = None) -> int:
    """Money received from the customer and not yet allocated or refunded (overpayments). Expected and
    void payments are not money and never credit."""
    qs = with_payment_amounts(Payment.objects.for_tenant(tenant).filter(customer_id=customer_id, status=Payment.RECEIVED))
    if currency:
        qs = qs.filter(currency=currency)
    return sum(p.unallocated_minor for p in qs)


# ---------------------------------------------------------------- lists and details


def invoices(tenant, *, status: str | None = None, customer_id: int | None = None, overdue: bool | None = None, booking_id: int | None = None, search: str | None = None):
    require_owned(tenant, (Customer, customer_id), (Booking, booking_id))
    qs = with_amounts(Invoice.objects.for_tenant(tenant).select_related("customer"))
    if status:
        qs = qs.filter(status=status.upper())
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if booking_id:
        qs = qs.filter(booking_id=booking_id)
    if overdue is not None:
        cond = Q(status=Invoice.PENDING, due_date__lt=tenant_today(tenant))
        qs = qs.filter(cond) if overdue else qs.exclude(cond)
    if search:
        term = search.strip()
        cond = Q(customer__name__icontains=term)
        if term.upper().removeprefix("INV-").isdigit():
            cond |= Q(number=int(term.upper().removeprefix("INV-")))
        qs = qs.filter(cond)
    return qs


def get_invoice(tenant, pk) -> Invoice:
    return get_owned(with_amounts(Invoice.objects.select_related("customer")), tenant, pk, what="invoice")


def get_owned_invoice_of_customer(tenant, customer_id: int, pk) -> Invoice:
    """For the customer portal: another customer's invoice (or a draft) answers 404 like a missing one."""
    qs = with_amounts(Invoice.objects.select_related("customer")).filter(customer_id=customer_id).exclude(status=Invoice.DRAFT)
    return get_owned(qs, tenant, pk, what="invoice")


def is_overdue(tenant, invoice) -> bool:
    """PENDING with a due date before today in the tenant's time zone (VOID/UNCOLLECTIBLE never)."""
    return invoice.status == Invoice.PENDING and invoice.due_date is not None and invoice.due_date < tenant_today(tenant)


def overdue_invoices(tenant):
    return invoices(tenant, overdue=True)


def invoice_items(tenant, *, status: str | None = None, customer_id: int | None = None, booking_id: int | None = None):
    require_owned(tenant, (Customer, customer_id), (Booking, booking_id))
    qs = InvoiceItem.objects.for_tenant(tenant).select_related("customer")
    if status:
        qs = qs.filter(status=status.upper())
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if booking_id:
        qs = qs.filter(booking_id=booking_id)
    return qs


def get_invoice_item(tenant, pk) -> InvoiceItem:
    return get_owned(InvoiceItem, tenant, pk, what="invoice item")


def payments(tenant, *, customer_id: int | None = None, needs_refund: bool | None = None, method: str | None = None, status: str | None = None, booking_id: int | None = None,
             overdue: bool | None = None):
    """Payments of every status (filter `status` for RECEIVED money); `overdue` = EXPECTED and due before today."""
    require_owned(tenant, (Customer, customer_id), (Booking, booking_id))
    qs = with_payment_amounts(Payment.objects.for_tenant(tenant).select_related("customer", "booking"))
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if status:
        qs = qs.filter(status=status.upper())
    if booking_id:
        qs = qs.filter(booking_id=booking_id)
    if overdue is not None:
        cond = Q(status=Payment.EXPECTED, due_date__lt=tenant_today(tenant))
        qs = qs.filter(cond) if overdue else qs.exclude(cond)
    if needs_refund is not None:
        qs = qs.filter(needs_refund=needs_refund)
    if method:
        qs = qs.filter(method=method.upper())
    return qs


def get_payment(tenant, pk) -> Payment:
    return get_owned(with_payment_amounts(Payment.objects.select_related("customer", "booking")), tenant, pk, what="payment")


def expected_payments(tenant, *, booking_id: int | None = None, customer_id: int | None = None):
    """EXPECTED payments, soonest due first (a schedule, not money)."""
    return payments(tenant, status=Payment.EXPECTED, booking_id=booking_id, customer_id=customer_id).order_by("due_date", "id")


def is_payment_overdue(tenant, payment) -> bool:
    return payment.status == Payment.EXPECTED and payment.due_date is not None and payment.due_date < tenant_today(tenant)


def received_minor(tenant, *, booking_id: int | None = None, customer_id: int | None = None, currency: str | None = None) -> int:
    """RECEIVED money net of refunds (the only payments that are money)."""
    qs = with_payment_amounts(Payment.objects.for_tenant(tenant).filter(status=Payment.RECEIVED))
    if booking_id:
        qs = qs.filter(booking_id=booking_id)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if currency:
        qs = qs.filter(currency=currency)
    return sum(p.amount_minor - p.refunded_minor for p in qs)


def allocations_of_invoice(invoice):
    return PaymentAllocation.objects.filter(invoice=invoice).select_related("payment").order_by("id")


def allocations_of_payment(payment):
    return PaymentAllocation.objects.filter(payment=payment).select_related("invoice").order_by("id")


def refunds(tenant, *, payment_id: int | None = None):
    qs = Refund.objects.for_tenant(tenant).select_related("payment")
    return qs.filter(payment_id=payment_id) if payment_id else qs


def credit_notes(tenant, *, invoice_id: int | None = None):
    qs = CreditNote.objects.for_tenant(tenant)
    return qs.filter(invoice_id=invoice_id) if invoice_id else qs


def ledgers(tenant, *, status: str | None = None, booking_id: int | None = None):
    require_owned(tenant, (Booking, booking_id))
    qs = LedgerAccount.objects.for_tenant(tenant).select_related("customer", "site")
    if status:
        qs = qs.filter(status=status.upper())
    if booking_id:
        qs = qs.filter(booking_id=booking_id)
    return qs


def get_ledger(tenant, pk) -> LedgerAccount:
    return get_owned(LedgerAccount, tenant, pk, what="ledger")


def ledger_for_booking(tenant, *, booking_id: int, source: str = "") -> LedgerAccount | None:
    return LedgerAccount.objects.for_tenant(tenant).filter(booking_id=booking_id, source=source).first()


def invoices_of_ledger(tenant, ledger_id: int):
    """Invoices made from a ledger's charges (services/ledger_invoices.py), newest first."""
    refs = InvoiceItem.objects.for_tenant(tenant).filter(source="billing.ledger", source_ref__startswith=f"{int(ledger_id)}:", invoice__isnull=False).values("invoice_id")
    lines = InvoiceLine.objects.for_tenant(tenant).filter(item__source="billing.ledger", item__source_ref__startswith=f"{int(ledger_id)}:").values("invoice_id")
    return with_amounts(Invoice.objects.for_tenant(tenant).filter(Q(pk__in=refs) | Q(pk__in=lines)).select_related("customer")).order_by("-id")


def ledger_statement(account) -> list[dict]:
    """Entries in posting order with the running balance after each (derived, never stored)."""
    running, rows = 0, []
    for entry in LedgerEntry.objects.filter(account=account).order_by("posted_at", "id"):
        running += entry.amount_minor
        rows.append({"entry": entry, "balance_minor": running})
    return rows


def reminders(tenant, *, invoice_id: int | None = None, payment_id: int | None = None, status: str | None = None):
    qs = PaymentReminder.objects.for_tenant(tenant).select_related("invoice", "payment")
    if invoice_id:
        qs = qs.filter(invoice_id=invoice_id)
    if payment_id:
        qs = qs.filter(payment_id=payment_id)
    if status:
        qs = qs.filter(status=status.upper())
    return qs


def _in_force(qs, day):
    return qs.filter(effective_from__lte=day).filter(Q(effective_to__isnull=True) | Q(effective_to__gt=day))


PRICE_SCOPES = {"tenant": {"site_id__isnull": True, "resource_type_id__isnull": True}, "site": {"site_id__isnull": False},
                "resource_type": {"resource_type_id__isnull": False}}


def price_rules(tenant, *, product_code: str | None = None, active: bool | None = None, on=None, scope: str | None = None, promotional: bool | None = None):
    """Price rules, optionally only those in force on a day (`on`), of a scope (tenant / site /
    resource_type) or promotional or not."""
    qs = PriceRule.objects.for_tenant(tenant)
    if product_code:
        qs = qs.filter(product_code=product_code)
    if active is not None:
        qs = qs.filter(is_active=active)
    if on is not None:
        qs = _in_force(qs, on)
    if scope in PRICE_SCOPES:
        qs = qs.filter(**PRICE_SCOPES[scope])
    if promotional is not None:
        qs = qs.filter(is_promotional=promotional)
    return qs


def get_price_rule(tenant, pk) -> PriceRule:
    return get_owned(PriceRule, tenant, pk, what="price rule")


def tax_rules(tenant, *, active: bool | None = None, on=None, country: str | None = None):
    qs = TaxRule.objects.for_tenant(tenant)
    if active is not None:
        qs = qs.filter(is_active=active)
    if on is not None:
        qs = _in_force(qs, on)
    if country:
        qs = qs.filter(country=country.upper())
    return qs


def get_tax_rule(tenant, pk) -> TaxRule:
    return get_owned(TaxRule, tenant, pk, what="tax rule")


def quotes(tenant, *, booking_id: int | None = None, source: str | None = None):
    qs = PriceQuote.objects.for_tenant(tenant)
    if booking_id:
        qs = qs.filter(booking_id=booking_id)
    if source:
        qs = qs.filter(source=source)
    return qs


def get_quote(tenant, pk) -> PriceQuote:
    return get_owned(PriceQuote, tenant, pk, what="price quote")


def quote_for_booking(tenant, *, booking_id: int, source: str) -> PriceQuote | None:
    return PriceQuote.objects.for_tenant(tenant).filter(booking_id=booking_id, source=source).first()


def unpaid_invoice_count(tenant, customer_id: int) -> int:
    return Invoice.objects.for_tenant(tenant).filter(customer_id=customer_id, status__in=[Invoice.DRAFT, Invoice.PENDING]).count()
