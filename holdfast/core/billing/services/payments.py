"""Payments (receipts), allocations to invoices, refunds, credit notes and customer credit.

- A payment is money received; allocations spread it over PENDING invoices of the same customer and
  currency, never more than the payment has unallocated nor more than an invoice still asks.
- An invoice is PAID as soon as allocations plus credit notes cover its total (paid_at = the paid_at
  of the payment that completed it) and goes back to PENDING if a refund takes money off it.
- What a payment has left after allocations and refunds is the customer's credit.
- Refunds take unallocated money first, then de-allocate from the most recent allocations.
- Expected payments (EXPECTED, with a due date and a kind such as DOWN_PAYMENT) are a schedule, not
  money: they take no allocation, credit or refund and count in no finance figure until
  `receive_payment` turns them RECEIVED; `void_payment` drops one that will not come. Receiving or
  voiding cancels the payment's SCHEDULED reminders.
- Desk money on a folio: a RECEIVED payment bound to a booking and not allocated at receipt posts a
  PAYMENT entry on that booking's ledger (source = the payment's source), and its refunds post
  REFUND there. Its money lives on that ledger only: allocating it later to an invoice posts nothing
  more, and de-allocating it by a refund posts the refund once, on the booking's ledger.
Lock order: payment rows, then invoice rows, each ascending by id; ledgers after them.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction

from holdfast.core.audit.services import log_action
from holdfast.core.bookings.models import Booking
from holdfast.core.customers.models import Customer
from holdfast.core.events.services import emit, emit_stats_changed
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.clock import now
from holdfast.kit.errors import Conflict, ValidationFailed

from .. import hooks, selectors
from ..models import BOOKING_BOUND_SOURCES, CreditNote, Invoice, LedgerAccount, LedgerEntry, Payment, PaymentAllocation, PaymentReminder, Refund
from . import ledger
from ._common import actor_label, currency_of, known_booking_id, lock_rows, require_positive, tenant_booking_id
from .invoicing import ledger_of_invoice


def _require_booking_if_bound(source: str, booking_id) -> None:
    if source in BOOKING_BOUND_SOURCES and booking_id is None:
        raise ValidationFailed(f"A {source} payment belongs to exactly one booking.", fields={"booking_id": ["Required for this source."]})


def invoice_payment_binding(tenant, invoice) -> tuple[int | None, str]:
    """(booking id, source) for money paying `invoice`: its booking when that names a core booking; a
    booking-bound source without one is dropped (the payment pays the invoice, not a booking)."""
    booking_id = known_booking_id(tenant, invoice.booking_id)
    source = invoice.source if booking_id is not None or invoice.source not in BOOKING_BOUND_SOURCES else ""
    return booking_id, source


def _require_received(payment: Payment, what: str) -> None:
    if payment.status != Payment.RECEIVED:
        raise Conflict(f"The payment is {payment.status}; only received money can be {what}.", code="payment_not_received", extra={"payment_id": payment.pk, "status": payment.status})


def _direct_account_id(payment: Payment) -> int | None:
    """The booking ledger this payment posted itself to at receipt (None: it went through invoices)."""
    return LedgerEntry.objects.filter(payment=payment, invoice__isnull=True, entry_type=LedgerEntry.PAYMENT).values_list("account_id", flat=True).first()


def _post_to_booking_ledger(tenant, actor, payment: Payment) -> None:
    """Desk money: a received, booking-bound payment with no allocation goes onto its booking's ledger."""
    if payment.booking_id is None or payment.status != Payment.RECEIVED or PaymentAllocation.objects.filter(payment=payment).exists():
        return
    account = ledger.ledger_for(tenant, booking_id=payment.booking_id, source=payment.source, currency=payment.currency, customer=payment.customer)
    if account.status == LedgerAccount.CLOSED:
        raise Conflict("The booking's ledger is closed; reopen it before taking money onto it.", code="ledger_closed", extra={"ledger_id": account.pk})
    label = " ".join(x for x in ("Payment", payment.kind.replace("_", " ").lower(), payment.method, payment.reference) if x)
    ledger.post(account, entry_type=LedgerEntry.PAYMENT, amount_minor=-payment.amount_minor, description=label, actor=actor, payment=payment, source_ref=f"payment:{payment.pk}")
    emit(tenant, "ledger:posted", {"ledger_id": account.pk, "booking_id": payment.booking_id, "payment_id": payment.pk})


def _settle_if_covered(tenant, actor, invoice: Invoice, *, paid_at, method: str) -> None:
    if invoice.status == Invoice.PENDING and selectors.invoice_remaining_minor(invoice) == 0:
        invoice.status, invoice.paid_at, invoice.payment_method = Invoice.PAID, paid_at, method
        invoice.version += 1
        invoice.save()
        PaymentReminder.objects.filter(invoice=invoice, status=PaymentReminder.SCHEDULED).update(status=PaymentReminder.CANCELLED)
        log_action(tenant=tenant, actor=actor, entity=invoice, action="billing.invoice.paid", diff={"status": ["PENDING", "PAID"], "payment_method": [None, method]})
        emit(tenant, "invoice:paid", {"invoice_id": invoice.pk, "number": invoice.number, "total_minor": invoice.total_minor})


def _allocate(tenant, actor, payment: Payment, invoice: Invoice, amount: int | None) -> int:
    """Allocate up to `amount` (default: as much as possible). Caller holds both rows' locks."""
    _require_received(payment, "allocated")
    if invoice.status != Invoice.PENDING:
        raise Conflict(f"Invoice {invoice.display_number} is {invoice.status}; only PENDING invoices take payments.", code="invoice_not_payable", extra={"invoice_id": invoice.pk})
    if invoice.customer_id != payment.customer_id or invoice.currency != payment.currency:
        raise Conflict(f"Invoice {invoice.display_number} belongs to another customer or currency.", code="allocation_mismatch", extra={"invoice_id": invoice.pk})
    available, remaining = selectors.payment_unallocated_minor(payment), selectors.invoice_remaining_minor(invoice)
    amount = min(available, remaining) if amount is None else amount
    if amount <= 0:
        raise Conflict("Nothing left to allocate between this payment and invoice.", code="nothing_to_allocate", extra={"invoice_id": invoice.pk})
    if amount > available:
        raise Conflict(f"The payment has only {available} minor units unallocated.", code="allocation_exceeds_payment", extra={"available_minor": available})
    if amount > remaining:
        raise Conflict(f"Invoice {invoice.display_number} asks only {remaining} minor units more.", code="allocation_exceeds_invoice", extra={"remaining_minor": remaining, "invoice_id": invoice.pk})
    allocation, created = PaymentAllocation.objects.get_or_create(tenant=tenant, payment=payment, invoice=invoice, defaults={"amount_minor": amount})
    if not created:
        allocation.amount_minor += amount
        allocation.save(update_fields=["amount_minor"])
    account = ledger_of_invoice(tenant, invoice)
    if account is not None and _direct_account_id(payment) is None:
        ledger.post(account, entry_type=LedgerEntry.PAYMENT, amount_minor=-amount, description=f"Payment {payment.method} {payment.reference}".strip(), actor=actor, invoice=invoice, payment=payment)
    log_action(tenant=tenant, actor=actor, entity=allocation, action="billing.payment.allocated", diff={"payment_id": [None, payment.pk], "invoice_id": [None, invoice.pk], "amount_minor": [None, amount]})
    _settle_if_covered(tenant, actor, invoice, paid_at=payment.paid_at, method=payment.method)
    return amount


def record_payment(*, tenant, actor, customer_id: int, amount_minor: int, method: str, currency: str | None = None, reference: str = "", paid_at: dt.datetime | None = None,
                   booking_id: int | None = None, source: str = "", allocations: list[dict] | None = None, invoice_ids: list[int] | None = None,
                   provider_ref: str = "", needs_refund: bool = False, flag_reason: str = "", notes: str = "", kind: str = "") -> Payment:
    """Record money received and allocate it, all or nothing.

    `booking_id` binds it to a core booking of the tenant (404 otherwise); with no allocation it is
    posted to that booking's ledger under `source` (desk money on a folio).

    `allocations` = [{"invoice_id": 1, "amount_minor": 500}, …] allocates exact amounts;
    `invoice_ids` allocates as much as possible to those invoices, oldest due first. What is left
    stays on the payment as customer credit.
    """
    require_positive("amount_minor", amount_minor)
    if method not in dict(Payment.METHODS):
        raise ValidationFailed("Unknown payment method.", fields={"method": [f"Use one of {', '.join(dict(Payment.METHODS))}."]})
    if paid_at is not None and paid_at > now() + dt.timedelta(minutes=5):
        raise ValidationFailed("A payment cannot be received in the future.", fields={"paid_at": ["Must not be in the future."]})
    for a in allocations or []:
        require_positive("amount_minor", a.get("amount_minor"))
    currency = currency_of(tenant, currency)
    booking_id = tenant_booking_id(tenant, booking_id)
    _require_booking_if_bound(source, booking_id)
    with transaction.atomic():
        if booking_id is not None:
            # The booking's row lock orders this payment against the step that ends the booking (which
            # holds it while it flags the booking's money): one of the two always sees the other.
            lock_rows(Booking.objects.filter(pk=booking_id))
        if not needs_refund and hooks.booking_is_cancelled(tenant, source, booking_id):
            # Money for a cancelled booking is kept (never lost) but not applied: it waits for a refund.
            needs_refund, flag_reason, allocations, invoice_ids = True, flag_reason or "Payment received for a cancelled booking.", None, None
        customer = get_owned(Customer, tenant, customer_id, what="customer")
        payment = Payment.objects.create(
            tenant=tenant, customer=customer, booking_id=booking_id, source=source, status=Payment.RECEIVED, kind=(kind or "").strip().upper()[:40], method=method,
            reference=(reference or "")[:200], paid_at=paid_at or now(), amount_minor=amount_minor, currency=currency, provider_ref=provider_ref, needs_refund=needs_refund,
            flag_reason=flag_reason[:300], notes=notes, recorded_by=actor_label(actor),
        )
        log_action(tenant=tenant, actor=actor, entity=payment, action="billing.payment.recorded",
                   diff={"amount_minor": [None, amount_minor], "method": [None, method], "customer_id": [None, customer.pk], "booking_id": [None, booking_id]})
        wanted = {int(a["invoice_id"]): a["amount_minor"] for a in allocations or []}
        ids = sorted(set(wanted) | {int(i) for i in invoice_ids or []})
        if ids:
            invoices = {i.pk: i for i in lock_rows(Invoice.objects.for_tenant(tenant).filter(pk__in=ids))}
            missing = [i for i in ids if i not in invoices]
            if missing:
                raise ValidationFailed("Some invoices do not exist.", fields={"allocations": [f"No invoice with id {m}." for m in missing]})
            for invoice_id in ids if allocations else sorted(ids, key=lambda i: (invoices[i].due_date or dt.date.max, i)):
                if not allocations and selectors.payment_unallocated_minor(payment) == 0:
                    break
                _allocate(tenant, actor, payment, invoices[invoice_id], wanted.get(invoice_id))
        _post_to_booking_ledger(tenant, actor, payment)
        emit(tenant, "payment:recorded", {"payment_id": payment.pk, "customer_id": customer.pk, "amount_minor": amount_minor, "needs_refund": needs_refund, "booking_id": booking_id})
        emit_stats_changed(tenant, "billing")
    return payment


def mark_invoice_paid(*, tenant, actor, invoice_id: int, method: str, reference: str = "", paid_at: dt.datetime | None = None) -> Invoice:
    """Manual marking (cash, card, cheque, transfer): a payment of exactly what the invoice still asks."""
    with transaction.atomic():
        invoice = get_owned(Invoice.objects.select_for_update(), tenant, invoice_id, what="invoice")
        if invoice.status != Invoice.PENDING:
            raise Conflict(f"Only a PENDING invoice can be marked paid; this one is {invoice.status}.", code="invoice_not_payable")
        remaining = selectors.invoice_remaining_minor(invoice)
        booking_id, source = invoice_payment_binding(tenant, invoice)
        record_payment(tenant=tenant, actor=actor, customer_id=invoice.customer_id, amount_minor=remaining, method=method, currency=invoice.currency, reference=reference,
                       paid_at=paid_at, booking_id=booking_id, source=source, allocations=[{"invoice_id": invoice.pk, "amount_minor": remaining}])
        invoice.refresh_from_db()
    return invoice


def allocate_payment(*, tenant, actor, payment_id: int, invoice_id: int, amount_minor: int | None = None) -> PaymentAllocation:
    if amount_minor is not None:
        require_positive("amount_minor", amount_minor)
    with transaction.atomic():
        payment = get_owned(Payment.objects.select_for_update(), tenant, payment_id, what="payment")
        invoice = get_owned(Invoice.objects.select_for_update(), tenant, invoice_id, what="invoice")
        _allocate(tenant, actor, payment, invoice, amount_minor)
        emit(tenant, "payment:allocated", {"payment_id": payment.pk, "invoice_id": invoice.pk})
        emit_stats_changed(tenant, "billing")
        return PaymentAllocation.objects.get(payment=payment, invoice=invoice)


def apply_customer_credit(*, tenant, actor, invoice_id: int) -> int:
    """Pay an invoice from the customer's unallocated payments, oldest first; returns minor units applied."""
    with transaction.atomic():
        invoice = get_owned(Invoice, tenant, invoice_id, what="invoice")
        applied = 0
        candidates = selectors.with_payment_amounts(Payment.objects.for_tenant(tenant).filter(customer_id=invoice.customer_id, currency=invoice.currency, status=Payment.RECEIVED)).filter(unallocated_minor__gt=0)
        payments = lock_rows(Payment.objects.filter(pk__in=[p.pk for p in candidates]))  # payments before invoices: the lock order
        invoice = lock_rows(Invoice.objects.filter(pk=invoice.pk))[0]
        for payment in payments:
            remaining = selectors.invoice_remaining_minor(invoice)
            if remaining == 0 or invoice.status != Invoice.PENDING:
                break
            available = selectors.payment_unallocated_minor(payment)
            if available > 0:
                applied += _allocate(tenant, actor, payment, invoice, min(available, remaining))
        if applied:
            emit_stats_changed(tenant, "billing")
    return applied


def refund_payment(*, tenant, actor, payment_id: int, amount_minor: int, reason: str, method: str | None = None, reference: str = "") -> Refund:
    require_positive("amount_minor", amount_minor)
    if not (reason or "").strip():
        raise ValidationFailed("Say why the money is refunded.", fields={"reason": ["Required."]})
    with transaction.atomic():
        payment = get_owned(Payment.objects.select_for_update(), tenant, payment_id, what="payment")
        _require_received(payment, "refunded")
        refundable = payment.amount_minor - selectors.payment_refunded_minor(payment)
        if amount_minor > refundable:
            raise Conflict(f"Only {refundable} minor units of this payment can still be refunded.", code="refund_exceeds_payment", extra={"refundable_minor": refundable})
        to_release = amount_minor - max(0, selectors.payment_unallocated_minor(payment))
        direct_id = _direct_account_id(payment)
        if to_release > 0:
            allocations = list(PaymentAllocation.objects.filter(payment=payment).order_by("-id"))
            invoices = {i.pk: i for i in lock_rows(Invoice.objects.filter(pk__in=[a.invoice_id for a in allocations]))}
            for allocation in allocations:
                if to_release <= 0:
                    break
                take = min(allocation.amount_minor, to_release)
                _release(tenant, actor, payment, allocation, invoices[allocation.invoice_id], take, on_ledger=direct_id is None)
                to_release -= take
        refund = Refund.objects.create(tenant=tenant, payment=payment, amount_minor=amount_minor, reason=reason.strip()[:300], method=method or payment.method, reference=reference[:200], recorded_by=actor_label(actor))
        if direct_id is not None:
            account = lock_rows(LedgerAccount.objects.filter(pk=direct_id))[0]
            ledger.post(account, entry_type=LedgerEntry.REFUND, amount_minor=amount_minor, description=f"Refund of payment {payment.pk}: {refund.reason}",
                        actor=actor, payment=payment, source_ref=f"refund:{refund.pk}")
        if payment.needs_refund and selectors.payment_unallocated_minor(payment) == 0:
            payment.needs_refund = False
            payment.save(update_fields=["needs_refund"])
        log_action(tenant=tenant, actor=actor, entity=refund, action="billing.payment.refunded", diff={"payment_id": [None, payment.pk], "amount_minor": [None, amount_minor], "reason": [None, refund.reason]})
        emit(tenant, "payment:refunded", {"payment_id": payment.pk, "refund_id": refund.pk, "amount_minor": amount_minor})
        emit_stats_changed(tenant, "billing")
    return refund


def _release(tenant, actor, payment: Payment, allocation: PaymentAllocation, invoice: Invoice, amount: int, *, on_ledger: bool = True) -> None:
    """Take `amount` back off an allocation; a PAID invoice that is no longer covered is PENDING again.
    `on_ledger=False` for a payment whose money lives on its booking's ledger (the caller posts there)."""
    if amount == allocation.amount_minor:
        allocation.delete()
    else:
        allocation.amount_minor -= amount
        allocation.save(update_fields=["amount_minor"])
    account = ledger_of_invoice(tenant, invoice)
    if account is not None and on_ledger:
        ledger.post(account, entry_type=LedgerEntry.REFUND, amount_minor=amount, description=f"Refund of payment {payment.pk}", actor=actor, invoice=invoice, payment=payment)
    if invoice.status == Invoice.PAID and selectors.invoice_remaining_minor(invoice) > 0:
        invoice.status, invoice.paid_at, invoice.payment_method = Invoice.PENDING, None, ""
        invoice.version += 1
        invoice.save()
        log_action(tenant=tenant, actor=actor, entity=invoice, action="billing.invoice.reopened", diff={"status": ["PAID", "PENDING"], "released_minor": [None, amount]})
        emit(tenant, "invoice:updated", {"invoice_id": invoice.pk, "status": invoice.status})


def create_credit_note(*, tenant, actor, invoice_id: int, amount_minor: int, reason: str) -> CreditNote:
    """Reduce what a PENDING invoice asks for (no money moves); at zero it is settled (PAID)."""
    require_positive("amount_minor", amount_minor)
    if not (reason or "").strip():
        raise ValidationFailed("Say why the credit is given.", fields={"reason": ["Required."]})
    with transaction.atomic():
        invoice = get_owned(Invoice.objects.select_for_update(), tenant, invoice_id, what="invoice")
        if invoice.status != Invoice.PENDING:
            raise Conflict(f"Only a PENDING invoice can be credited; this one is {invoice.status}.", code="invalid_invoice_status")
        remaining = selectors.invoice_remaining_minor(invoice)
        if amount_minor > remaining:
            raise Conflict(f"The invoice asks only {remaining} minor units more.", code="credit_exceeds_invoice", extra={"remaining_minor": remaining})
        note = CreditNote.objects.create(tenant=tenant, invoice=invoice, amount_minor=amount_minor, reason=reason.strip()[:300], recorded_by=actor_label(actor))
        account = ledger_of_invoice(tenant, invoice)
        if account is not None:
            ledger.post(account, entry_type=LedgerEntry.ADJUSTMENT, amount_minor=-amount_minor, description=f"Credit note on {invoice.display_number}: {note.reason}", actor=actor, invoice=invoice)
        log_action(tenant=tenant, actor=actor, entity=note, action="billing.credit_note.created", diff={"invoice_id": [None, invoice.pk], "amount_minor": [None, amount_minor]})
        emit(tenant, "credit_note:created", {"invoice_id": invoice.pk, "credit_note_id": note.pk, "amount_minor": amount_minor})
        _settle_if_covered(tenant, actor, invoice, paid_at=now(), method="CREDIT_NOTE")
        emit_stats_changed(tenant, "billing")
    return note


def flag_payment_for_refund(*, tenant, actor, payment_id: int, reason: str) -> Payment:
    with transaction.atomic():
        payment = get_owned(Payment.objects.select_for_update(), tenant, payment_id, what="payment")
        _require_received(payment, "flagged for refund")
        payment.needs_refund, payment.flag_reason = True, (reason or "")[:300]
        payment.save(update_fields=["needs_refund", "flag_reason"])
        log_action(tenant=tenant, actor=actor, entity=payment, action="billing.payment.flagged", diff={"needs_refund": [False, True], "reason": [None, payment.flag_reason]})
        emit(tenant, "payment:flagged", {"payment_id": payment.pk, "reason": payment.flag_reason})
    return payment


def settle_money_of_ended_booking(*, tenant, actor, booking_id: int, reason: str) -> dict:
    """A booking ended (cancelled, rejected, expired) inside the caller's transaction, which holds the
    booking's row lock: its EXPECTED payments become VOID (no reminder, never overdue) and RECEIVED money
    not yet refunded is flagged for refund — money that must go back is never left looking settled.
    Payments are locked (ascending id) and re-read, so one received a moment ago is flagged, not voided."""
    voided = flagged = 0
    for payment in lock_rows(Payment.objects.for_tenant(tenant).filter(booking_id=booking_id, status__in=[Payment.EXPECTED, Payment.RECEIVED])):
        if payment.status == Payment.EXPECTED:
            void_payment(tenant=tenant, actor=actor, payment_id=payment.pk, reason=reason)
            voided += 1
        elif not payment.needs_refund and payment.amount_minor - selectors.payment_refunded_minor(payment) > 0:
            flag_payment_for_refund(tenant=tenant, actor=actor, payment_id=payment.pk, reason=f"Received before the booking ended ({reason}).")
            flagged += 1
    return {"voided": voided, "flagged": flagged}


# ---------------------------------------------------------------- expected payments


def _cancel_scheduled_reminders(tenant, actor, payment: Payment) -> int:
    cancelled = PaymentReminder.objects.filter(payment=payment, status=PaymentReminder.SCHEDULED).update(status=PaymentReminder.CANCELLED, last_error=f"payment is {payment.status}")
    if cancelled:
        log_action(tenant=tenant, actor=actor, entity=payment, action="billing.payment.reminders_cancelled", diff={"cancelled": [None, cancelled]})
    return cancelled


def expect_payment(*, tenant, actor, booking_id: int | None, customer_id: int, amount_minor: int, due_date: dt.date, kind: str = "", currency: str | None = None,
                   source: str = "", notes: str = "") -> Payment:
    """Record money a customer is due to pay by `due_date` (e.g. kind DOWN_PAYMENT for a booking).

    Not money yet: no allocation, credit, ledger entry or finance figure until `receive_payment`.
    `booking_id` (optional) must be a core booking of the tenant."""
    require_positive("amount_minor", amount_minor)
    if not isinstance(due_date, dt.date):
        raise ValidationFailed("An expected payment needs a due date.", fields={"due_date": ["Required."]})
    currency = currency_of(tenant, currency)
    with transaction.atomic():
        customer = get_owned(Customer, tenant, customer_id, what="customer")
        booking_id = tenant_booking_id(tenant, booking_id)
        _require_booking_if_bound(source or "", booking_id)
        payment = Payment.objects.create(
            tenant=tenant, customer=customer, booking_id=booking_id, source=source or "", status=Payment.EXPECTED, kind=(kind or "").strip().upper()[:40], due_date=due_date,
            amount_minor=amount_minor, currency=currency, notes=notes or "", recorded_by=actor_label(actor),
        )
        log_action(tenant=tenant, actor=actor, entity=payment, action="billing.payment.expected",
                   diff={"status": [None, Payment.EXPECTED], "amount_minor": [None, amount_minor], "due_date": [None, due_date], "kind": [None, payment.kind], "booking_id": [None, booking_id]})
        emit(tenant, "payment:expected", {"payment_id": payment.pk, "customer_id": customer.pk, "booking_id": booking_id, "amount_minor": amount_minor, "due_date": due_date, "kind": payment.kind})
        emit_stats_changed(tenant, "billing")
    return payment


def receive_payment(*, tenant, actor, payment_id: int, method: str, paid_at: dt.datetime | None = None, reference: str = "") -> Payment:
    """EXPECTED -> RECEIVED: the money came (posted to its booking's ledger; its scheduled reminders cancelled)."""
    if method not in dict(Payment.METHODS):
        raise ValidationFailed("Unknown payment method.", fields={"method": [f"Use one of {', '.join(dict(Payment.METHODS))}."]})
    if paid_at is not None and paid_at > now() + dt.timedelta(minutes=5):
        raise ValidationFailed("A payment cannot be received in the future.", fields={"paid_at": ["Must not be in the future."]})
    with transaction.atomic():
        payment = get_owned(Payment.objects.select_for_update().select_related("customer"), tenant, payment_id, what="payment")
        if payment.status != Payment.EXPECTED:
            raise Conflict(f"Only an EXPECTED payment can be received; this one is {payment.status}.", code="payment_not_expected", extra={"status": payment.status})
        if hooks.booking_is_cancelled(tenant, payment.source, payment.booking_id):
            payment.needs_refund, payment.flag_reason = True, "Payment received for a cancelled booking."
        payment.status, payment.method, payment.paid_at = Payment.RECEIVED, method, paid_at or now()
        payment.reference = (reference or payment.reference or "")[:200]
        payment.save(update_fields=["status", "method", "paid_at", "reference", "needs_refund", "flag_reason"])
        _cancel_scheduled_reminders(tenant, actor, payment)
        _post_to_booking_ledger(tenant, actor, payment)
        log_action(tenant=tenant, actor=actor, entity=payment, action="billing.payment.received",
                   diff={"status": [Payment.EXPECTED, Payment.RECEIVED], "method": [None, method], "paid_at": [None, payment.paid_at]})
        emit(tenant, "payment:received", {"payment_id": payment.pk, "customer_id": payment.customer_id, "booking_id": payment.booking_id, "amount_minor": payment.amount_minor,
                                          "needs_refund": payment.needs_refund})
        emit_stats_changed(tenant, "billing")
    return payment


def void_payment(*, tenant, actor, payment_id: int, reason: str) -> Payment:
    """EXPECTED -> VOID: the money will not come (received money is refunded instead, never voided)."""
    if not (reason or "").strip():
        raise ValidationFailed("Say why the expected payment is dropped.", fields={"reason": ["Required."]})
    with transaction.atomic():
        payment = get_owned(Payment.objects.select_for_update(), tenant, payment_id, what="payment")
        if payment.status != Payment.EXPECTED:
            raise Conflict(f"Only an EXPECTED payment can be voided; this one is {payment.status}.", code="payment_not_expected", extra={"status": payment.status})
        payment.status, payment.voided_at, payment.void_reason = Payment.VOID, now(), reason.strip()[:300]
        payment.save(update_fields=["status", "voided_at", "void_reason"])
        _cancel_scheduled_reminders(tenant, actor, payment)
        log_action(tenant=tenant, actor=actor, entity=payment, action="billing.payment.voided", diff={"status": [Payment.EXPECTED, Payment.VOID], "reason": [None, payment.void_reason]})
        emit(tenant, "payment:voided", {"payment_id": payment.pk, "booking_id": payment.booking_id, "reason": payment.void_reason})
        emit_stats_changed(tenant, "billing")
    return payment
