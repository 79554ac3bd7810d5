"""Invoices (seed 003 §5) on billing: batch a client's petcare invoice items, send, mark paid.

Billing owns the invoice life (DRAFT / PENDING / PAID / VOID / UNCOLLECTIBLE, gapless numbers, payments
with allocations — partial payments included — reminders with reminder_count / last_reminder_at, the
Stripe-compatible webhook); these steps add petcare's permission and its rules: only petcare items of
that client, and the client is emailed the invoice (a real PDF) when it is sent.
"""
from __future__ import annotations

from django.conf import settings
from django.db import transaction

from holdfast.core.billing import services as billing
from holdfast.core.billing.models import Invoice, InvoiceItem
from holdfast.core.customers.models import Customer
from holdfast.core.events.services import emit
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.errors import Conflict, ValidationFailed
from holdfast.kit import dates

from ..models import ITEM_SOURCE
from ._common import check


def generate_invoice(*, tenant, actor, customer_id: int, item_ids: list[int], issue: bool = False, notes: str = "") -> Invoice:
    """POST /invoices/generate: one invoice of the given items (they become BILLED with its id). DRAFT by
    default; `issue` makes it PENDING with its number and due date at once. Items of another client,
    already billed or void, or not petcare's, are refused and nothing changes."""
    check(actor, tenant, "petcare.invoice.manage")
    ids = sorted({int(i) for i in item_ids or []})
    if not ids:
        raise ValidationFailed("Choose at least one invoice item.", fields={"item_ids": ["At least one item."]})
    with transaction.atomic():
        get_owned(Customer, tenant, customer_id, what="client")  # another business's client is a 404 before any item is looked at
        foreign = list(InvoiceItem.objects.for_tenant(tenant).filter(pk__in=ids).exclude(source=ITEM_SOURCE).values_list("pk", flat=True))
        if foreign:
            raise Conflict(f"Items {foreign} are not pet-care jobs' items.", code="items_not_billable", extra={"problems": [f"Item {i} is not a job's item." for i in foreign]})
        invoice = billing.create_invoice(tenant=tenant, actor=actor, customer_id=customer_id, item_ids=ids, issue=issue, notes=notes)
        emit(tenant, "invoice:updated", {"invoice_id": invoice.pk, "status": invoice.status})  # §9: the seed's name beside billing's own
        return invoice


def send_invoice(*, tenant, actor, invoice_id: int) -> Invoice:
    """DRAFT -> PENDING (number, due date) if needed, then sent: the client is emailed the PDF after commit
    and (billing's step) notified in the portal."""
    check(actor, tenant, "petcare.invoice.manage")
    with transaction.atomic():
        invoice = get_owned(Invoice.objects.select_related("customer"), tenant, invoice_id, what="invoice")
        if invoice.status == Invoice.DRAFT:
            invoice = billing.issue_invoice(tenant=tenant, actor=actor, invoice_id=invoice.pk)
        elif invoice.status != Invoice.PENDING:
            raise Conflict(f"A {invoice.status} invoice is not sent.", code="invalid_invoice_status", extra={"status": invoice.status})
        invoice = billing.mark_invoice_sent(tenant=tenant, actor=actor, invoice_id=invoice.pk)  # also notifies the client's portal user
        customer = invoice.customer
        if customer.email:
            transaction.on_commit(lambda: _email_invoice(tenant, invoice.pk))
        emit(tenant, "invoice:updated", {"invoice_id": invoice.pk, "status": invoice.status, "sent": True})
    return invoice


def _email_invoice(tenant, invoice_id: int) -> None:
    import logging

    from django.core.mail import EmailMessage

    from holdfast.core.billing.pdf import invoice_pdf
    from holdfast.kit.money import format_minor

    invoice = Invoice.objects.select_related("customer").get(pk=invoice_id)
    brand = tenant.setting("brand_name") or tenant.name
    message = EmailMessage(
        subject=f"Invoice {invoice.display_number} from {brand}",
        body=f"Hello {invoice.customer.name},\n\nPlease find invoice {invoice.display_number} attached: {format_minor(invoice.total_minor, invoice.currency)}, "
             f"due {dates.day(invoice.due_date, tenant)}.\n\n{brand}",
        from_email=settings.DEFAULT_FROM_EMAIL, to=[invoice.customer.email],
    )
    try:
        message.attach(f"{invoice.display_number}.pdf", invoice_pdf(tenant, invoice), "application/pdf")
        message.send()
    except Exception:  # the invoice is sent (recorded); email is best effort and logged
        logging.getLogger("holdfast.petcare").exception("invoice email failed")


def mark_paid(*, tenant, actor, invoice_id: int, method: str, reference: str = "") -> Invoice:
    """§5.6 manual payment (cash, card, cheque, transfer): billing records the payment of what is left."""
    check(actor, tenant, "petcare.invoice.manage")
    if method not in ("CASH", "CARD", "CHECK", "BANK_TRANSFER", "OTHER"):
        raise ValidationFailed("Unknown payment method.", fields={"method": ["CASH, CARD, CHECK, BANK_TRANSFER or OTHER (Stripe payments arrive by webhook)."]})
    with transaction.atomic():
        invoice = billing.mark_invoice_paid(tenant=tenant, actor=actor, invoice_id=invoice_id, method=method, reference=reference)
        emit(tenant, "invoice:updated", {"invoice_id": invoice.pk, "status": invoice.status})
    return invoice
