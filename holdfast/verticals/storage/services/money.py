"""Invoices and receipts of storage bookings on billing (seed 002 ADR-S012).

- An invoice is a billing Invoice of the booking (source "storage.booking"): the confirmed price (one
  line per snapshotted price line) when the booking is confirmed, a cancellation fee when a confirmed
  booking is cancelled. Due date and issue time are billing's; the preferred payment method is the
  invoice's `payment_method`.
- A receipt is a RECEIVED billing Payment (amount, paid time, method, reference). Money paid for a
  booking before its invoice exists (a deposit, a prepayment) is bound to the booking and applied to
  the invoice when it is issued. One receipt can pay several invoices (`record_receipt` with invoice
  ids: oldest due first) and several receipts one invoice; what an invoice still asks is derived from
  its allocations (billing), never stored.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction

from holdfast.core.accounts.selectors import has_perm, require_perm
from holdfast.core.billing import selectors as billing_selectors
from holdfast.core.billing import services as billing
from holdfast.core.billing.models import Invoice, Payment
from holdfast.core.bookings.models import Booking
from holdfast.core.events.services import emit, emit_stats_changed
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.errors import Conflict, NotFound, ValidationFailed

from ..models import CANCELLED, CONFIRMED, HELD, SOURCE, StorageBooking
from ..selectors import outstanding_minor


def invoice_items(tenant, actor, storage: StorageBooking, items) -> Invoice:
    invoice = billing.create_invoice(tenant=tenant, actor=actor, customer_id=storage.customer_id, item_ids=[i.pk for i in items], issue=True,
                                     notes=f"Pallet storage {storage.booking_ref} at {storage.facility.name}")
    return invoice


def apply_booking_money(tenant, actor, storage: StorageBooking, invoice: Invoice) -> int:
    """Apply the booking's received, unallocated money (deposit, prepayment) to `invoice`, oldest first."""
    applied = 0
    payments = billing_selectors.with_payment_amounts(Payment.objects.for_tenant(tenant).filter(booking_id=storage.pk, status=Payment.RECEIVED, needs_refund=False).order_by("paid_at", "pk"))
    for payment in payments:
        remaining = billing_selectors.invoice_remaining_minor(Invoice.objects.get(pk=invoice.pk))
        available = payment.amount_minor - payment.allocated_minor - payment.refunded_minor
        if remaining <= 0:
            break
        if available > 0:
            billing.allocate_payment(tenant=tenant, actor=actor, payment_id=payment.pk, invoice_id=invoice.pk, amount_minor=min(available, remaining))
            applied += min(available, remaining)
    return applied


def charge_cancellation(tenant, actor, storage: StorageBooking, fee: int, reason: str) -> Invoice | None:
    """Inside the cancel step: void the booking's issued invoices that no money touched, and invoice the
    cancellation fee (if any) with the booking's unapplied money applied to it."""
    for invoice in Invoice.objects.for_tenant(tenant).filter(booking_id=storage.pk, status=Invoice.PENDING).order_by("pk"):
        if not invoice.allocations.exists() and not invoice.credit_notes.exists():
            billing.void_invoice(tenant=tenant, actor=actor, invoice_id=invoice.pk, reason=f"booking cancelled {reason}".strip()[:300])
    billing.void_items_for_booking(tenant=tenant, actor=actor, booking_id=storage.pk, source=SOURCE, reason="booking cancelled")
    StorageBooking.objects.filter(pk=storage.pk).update(cancellation_fee_minor=fee)
    storage.cancellation_fee_minor = fee
    if not fee:
        return None
    item = billing.create_invoice_item(tenant=tenant, actor=actor, customer_id=storage.customer_id, description=f"Cancellation fee {storage.booking_ref}", unit_price_minor=fee,
                                       currency=storage.currency, booking_id=storage.pk, source=SOURCE, source_ref=f"storage:{storage.pk}:cancellation", category="CANCELLATION",
                                       service_date=storage.booking.start_date, tax_rate=0, tax_name="")
    invoice = invoice_items(tenant, actor, storage, [item])
    apply_booking_money(tenant, actor, storage, invoice)
    return invoice


def _may_pay(tenant, actor, storage: StorageBooking) -> None:
    """Staff record receipts for anyone; a customer pays (online) for their own booking only."""
    if actor is None or has_perm(actor, tenant, "storage.payment.record"):
        return
    require_perm(actor, tenant, "storage.booking.confirm")
    if storage.customer.user_id != actor.pk:
        raise NotFound(f"No booking with id {storage.pk}.", code="not_found")


METHODS = dict(Payment.METHODS)


def _clean_payment(amount_minor, method: str) -> str:
    errors = {}
    if isinstance(amount_minor, bool) or not isinstance(amount_minor, int) or amount_minor <= 0:
        errors["amount_minor"] = ["A whole number of minor units above 0."]
    method = (method or "").upper()
    if method not in METHODS:
        errors["method"] = [f"One of {', '.join(METHODS)}."]
    if errors:
        raise ValidationFailed("The receipt was not recorded.", fields=errors)
    return method


def pay_booking(*, tenant, actor, booking_id: int, amount_minor: int, method: str = "CARD", reference: str = "", paid_at: dt.datetime | None = None) -> Payment:
    """A receipt for one booking: before confirmation it is the deposit / prepayment (bound to the
    booking, applied to the invoice once issued); after, it pays the booking's open invoices, oldest
    due first. Never more than the booking still owes (409 amount_exceeds_due)."""
    method = _clean_payment(amount_minor, method)
    with transaction.atomic():
        storage = get_owned(StorageBooking.objects.select_related("customer", "facility__site"), tenant, booking_id, what="booking")
        _may_pay(tenant, actor, storage)
        storage.booking = Booking.objects.select_for_update().get(pk=storage.pk)  # the booking row first: every step's lock order
        status = storage.booking.status
        if status not in (HELD, CONFIRMED, CANCELLED):
            raise Conflict(f"A {status} booking takes no payments.", code="booking_not_payable", extra={"status": status})
        due = outstanding_minor(tenant, storage)
        if due <= 0:
            raise Conflict("Nothing is owed on this booking.", code="nothing_due")
        if amount_minor > due:
            raise Conflict(f"The booking owes {due} (minor units); {amount_minor} is more.", code="amount_exceeds_due", extra={"due_minor": due})
        open_ids = list(Invoice.objects.for_tenant(tenant).filter(booking_id=storage.pk, status=Invoice.PENDING).values_list("pk", flat=True))
        payment = billing.record_payment(tenant=tenant, actor=actor, customer_id=storage.customer_id, amount_minor=amount_minor, method=method, currency=storage.currency,
                                         reference=reference, paid_at=paid_at, booking_id=storage.pk, source=SOURCE, invoice_ids=open_ids or None,
                                         kind="DEPOSIT" if status == HELD else "PAYMENT")
        emit(tenant, "storage.receipt:recorded", {"payment_id": payment.pk, "booking_id": storage.pk, "amount_minor": amount_minor})
        emit_stats_changed(tenant, "storage")
    return payment


def record_receipt(*, tenant, actor, customer_id: int, amount_minor: int, invoice_ids: list[int], method: str = "BANK_TRANSFER", reference: str = "",
                   paid_at: dt.datetime | None = None) -> Payment:
    """One receipt paying several storage invoices of one customer (bulk payment), oldest due first;
    what is left over stays with the customer as credit."""
    require_perm(actor, tenant, "storage.payment.record") if actor is not None else None
    method = _clean_payment(amount_minor, method)
    ids = sorted({int(i) for i in invoice_ids or []})
    if not ids:
        raise ValidationFailed("The receipt was not recorded.", fields={"invoice_ids": ["At least one invoice."]})
    with transaction.atomic():
        invoices = list(Invoice.objects.for_tenant(tenant).filter(pk__in=ids, source=SOURCE))
        if len(invoices) != len(ids):
            raise NotFound("Some invoices are not storage invoices of this business.", code="not_found")
        wrong = [i.pk for i in invoices if i.customer_id != customer_id or i.status != Invoice.PENDING]
        if wrong:
            raise Conflict("Every invoice must be a PENDING invoice of that customer.", code="invoice_not_payable", extra={"invoice_ids": wrong})
        payment = billing.record_payment(tenant=tenant, actor=actor, customer_id=customer_id, amount_minor=amount_minor, method=method, currency=invoices[0].currency,
                                         reference=reference, paid_at=paid_at, source=SOURCE, invoice_ids=ids, kind="RECEIPT")
        emit(tenant, "storage.receipt:recorded", {"payment_id": payment.pk, "invoice_ids": ids, "amount_minor": amount_minor})
        emit_stats_changed(tenant, "storage")
    return payment


__all__ = ["apply_booking_money", "charge_cancellation", "invoice_items", "pay_booking", "record_receipt", "CANCELLED"]
