"""Turning a ledger (a folio) into an invoice.

The ledger stays the record of what was charged and paid; the invoice is the document the customer
gets. Each charge entry (CHARGE, FEE, positive ADJUSTMENT) not invoiced yet becomes one invoice item
(source "billing.ledger", source_ref "<ledger>:<entry>", so it is invoiced once); a TAX entry with the
same source_ref as a charge (a night and its tax) becomes that item's tax exactly as posted, other
TAX entries a tax-only item; negative adjustments become one credit note. The items carry no
booking, so issuing the invoice posts nothing back onto the ledger (its charges are there already).
Money already received onto the ledger (its booking's payments) is then allocated to the invoice;
such payments' money stays on the ledger, so allocating posts nothing either.
"""
from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from holdfast.core.audit.services import log_action
from holdfast.core.customers.models import Customer
from holdfast.core.events.services import emit
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.errors import Conflict, ValidationFailed

from .. import selectors
from ..models import Invoice, InvoiceItem, LedgerAccount, LedgerEntry, Payment
from .invoicing import create_invoice, create_invoice_item
from .payments import _allocate, create_credit_note

ITEM_SOURCE = "billing.ledger"
CHARGE_TYPES = (LedgerEntry.CHARGE, LedgerEntry.FEE, LedgerEntry.ADJUSTMENT, LedgerEntry.TAX)


def _tax_rate(charge_minor: int, tax_minor: int) -> Decimal:
    """The rate shown on the line (the amount is the posted one; the rate only describes it)."""
    return min((Decimal(tax_minor) * 100 / Decimal(charge_minor)).quantize(Decimal("0.01")), Decimal("999.99")) if charge_minor else Decimal("0")


def _pay_from_ledger_money(tenant, actor, account: LedgerAccount, invoice: Invoice) -> int:
    """Allocate the ledger's received, unallocated money (its booking's payments of the invoice's customer)
    to the (locked) invoice, oldest payment first; returns the minor units applied."""
    paid = selectors.with_payment_amounts(Payment.objects.for_tenant(tenant).filter(status=Payment.RECEIVED, needs_refund=False, booking_id=account.booking_id, source=account.source,
                                                                                     customer_id=invoice.customer_id, currency=invoice.currency)).filter(unallocated_minor__gt=0)
    applied = 0
    for payment in Payment.objects.select_for_update().filter(pk__in=[p.pk for p in paid]).order_by("pk"):
        remaining = selectors.invoice_remaining_minor(invoice)
        if remaining <= 0 or invoice.status != Invoice.PENDING:
            break
        applied += _allocate(tenant, actor, payment, invoice, min(remaining, selectors.payment_unallocated_minor(payment)))
        invoice.refresh_from_db()
    return applied


def apply_ledger_money(*, tenant, actor, ledger_id: int) -> int:
    """Money taken onto a ledger after it was invoiced (a desk payment on an invoiced folio) pays the
    ledger's open invoices, oldest first, so an invoice the money covers is PAID and never goes overdue.
    The money stays on the ledger (allocating posts nothing more). Returns the minor units applied."""
    with transaction.atomic():
        account = get_owned(LedgerAccount, tenant, ledger_id, what="ledger")
        open_ids = list(selectors.invoices_of_ledger(tenant, account.pk).filter(status=Invoice.PENDING).values_list("pk", flat=True))
        applied = 0
        for invoice in Invoice.objects.select_for_update().filter(pk__in=open_ids).order_by("due_date", "pk"):
            applied += _pay_from_ledger_money(tenant, actor, account, invoice)
        if applied:
            log_action(tenant=tenant, actor=actor, entity=account, action="billing.ledger.money_applied", diff={"applied_minor": [None, applied], "invoice_ids": [None, open_ids]})
            emit(tenant, "ledger:money_applied", {"ledger_id": account.pk, "applied_minor": applied, "invoice_ids": open_ids})
    return applied


def invoice_ledger(*, tenant, actor, ledger_id: int, customer_id: int | None = None, notes: str = "") -> Invoice:
    """Issue an invoice for the ledger's charges not invoiced yet, credited for its negative
    adjustments and paid from the money already received onto it. Conflict `nothing_to_invoice`
    when every charge is on an invoice already."""
    with transaction.atomic():
        # Not locked: payments lock before ledgers (services/payments.py); two requests racing to invoice
        # the same entries meet at the items' unique (source, source_ref) instead.
        account = get_owned(LedgerAccount, tenant, ledger_id, what="ledger")
        customer_id = customer_id or account.customer_id
        if not customer_id:
            raise ValidationFailed("Whom is the invoice for?", fields={"customer_id": ["The ledger has no customer: give one."]})
        customer_id = get_owned(Customer, tenant, customer_id, what="customer").pk  # before any refusal that would describe the ledger
        # Billed items are done; a PENDING item (its invoice was voided) is invoiced again.
        items = InvoiceItem.objects.for_tenant(tenant).filter(source=ITEM_SOURCE, source_ref__startswith=f"{account.pk}:").exclude(status=InvoiceItem.VOID)
        done = set(items.filter(status=InvoiceItem.BILLED).values_list("source_ref", flat=True))
        # Entries an invoice posted itself (its charges, credit notes, voids) are that invoice's, not new charges.
        every = list(LedgerEntry.objects.filter(account=account, entry_type__in=CHARGE_TYPES, invoice__isnull=True).order_by("posted_at", "id"))
        ref = lambda e: f"{account.pk}:{e.pk}"  # noqa: E731
        charge_by_source = {e.source_ref: e for e in every if e.entry_type != LedgerEntry.TAX and e.amount_minor > 0 and e.source_ref}
        charges, credits, loose_taxes, taxes_of = [], [], [], {}
        for e in every:
            if e.entry_type == LedgerEntry.TAX and e.source_ref in charge_by_source:
                taxes_of.setdefault(charge_by_source[e.source_ref].pk, []).append(e)  # invoiced with its charge (a night and its tax)
            elif ref(e) in done:
                continue
            elif e.entry_type == LedgerEntry.TAX:
                loose_taxes.append(e)
            elif e.amount_minor > 0:
                charges.append(e)
            elif e.amount_minor < 0:
                credits.append(e)
        if not charges and not loose_taxes:
            raise Conflict("Every charge on this ledger is on an invoice already.", code="nothing_to_invoice")
        common = {"tenant": tenant, "actor": actor, "customer_id": customer_id, "currency": account.currency, "source": ITEM_SOURCE}
        item_ids = []
        for e in charges:
            taxes = taxes_of.get(e.pk, [])
            tax = sum(t.amount_minor for t in taxes)
            item = create_invoice_item(**common, description=e.description, unit_price_minor=e.amount_minor, source_ref=ref(e), category=e.code or e.entry_type,
                                       service_date=e.posted_at.date(), tax_rate=_tax_rate(e.amount_minor, tax), tax_name=taxes[0].description[:100] if taxes else "", tax_minor=tax)
            item_ids.append(item.pk)
        for t in loose_taxes:
            item = create_invoice_item(**common, description=t.description, unit_price_minor=0, source_ref=ref(t), category=t.code or "TAX", tax_rate=Decimal("0"),
                                       tax_name=t.description[:100], tax_minor=t.amount_minor)
            item_ids.append(item.pk)
        for c in credits:  # a zero line names the adjustment (and marks it invoiced); the credit note below carries its amount
            item = create_invoice_item(**common, description=f"{c.description} (credited: {-c.amount_minor} minor units)", unit_price_minor=0, source_ref=ref(c),
                                       category=c.code or c.entry_type, tax_rate=Decimal("0"), tax_minor=0)
            item_ids.append(item.pk)
        invoice = create_invoice(tenant=tenant, actor=actor, customer_id=customer_id, item_ids=item_ids, issue=True,
                                 notes=notes or f"Ledger {account.pk} ({account.source or 'booking'} {account.booking_id})")
        credit = min(-sum(e.amount_minor for e in credits), selectors.invoice_remaining_minor(invoice))
        if credit > 0:
            create_credit_note(tenant=tenant, actor=actor, invoice_id=invoice.pk, amount_minor=credit, reason="Adjustments on the ledger: " + "; ".join(e.description for e in credits)[:250])
        _pay_from_ledger_money(tenant, actor, account, Invoice.objects.select_for_update().get(pk=invoice.pk))
        log_action(tenant=tenant, actor=actor, entity=account, action="billing.ledger.invoiced", diff={"invoice_id": [None, invoice.pk], "items": [None, len(item_ids)]})
        invoice.refresh_from_db()
    return invoice
