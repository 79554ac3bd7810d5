"""Payments and payment reminders of estate bookings (seed 000 §D Record Payment, Create Payment
Reminder, Run Scheduled Reminders), on billing.

An estate payment is a billing Payment with source "estate.booking" bound to the engine booking
(booking_id == the estate booking's pk), in the booking's currency, for the booking's customer,
`kind` one of PAYMENT_KINDS: RECEIVED money (Record Payment), or EXPECTED with a due date until it is
received (or voided). It never points at a unit. Received money goes onto the booking's billing
ledger and into billing's finance figures; "Complete Booking" counts it (flows.payments_meet_rule).

Reminders are billing PaymentReminders on such a payment: sent now or scheduled, delivered (also by
the worker: billing's `billing.send_due_reminders` sweep, each reminder all or nothing) by billing,
which keeps the payment's reminder_count / last_reminder_at equal to its SENT reminders.

These functions keep estate's permissions (estate.payment.record, estate.reminder.manage) and its
rules (only a requested, approved or booked booking takes money) and call billing's services.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction

from holdfast.core.accounts.selectors import require_perm
from holdfast.core.billing import services as billing
from holdfast.core.billing.models import Payment, PaymentReminder
from holdfast.core.bookings.models import Booking
from holdfast.core.events.services import emit, emit_stats_changed
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.errors import Conflict, ValidationFailed

from ..models import BOOKED, DOWN_PAYMENT, HOLD_APPROVED, HOLD_REQUESTED, INSTALMENT, PAYMENT_KINDS, PAYMENT_SOURCE, EstateBooking

PAYABLE = (HOLD_REQUESTED, HOLD_APPROVED, BOOKED)
KINDS = {k for k, _ in PAYMENT_KINDS}
# Billing's methods; "CHEQUE" (estate's earlier word) is accepted for billing's CHECK.
METHOD_ALIASES = {"CHEQUE": Payment.CHECK}


def _method(value: str) -> str:
    method = METHOD_ALIASES.get((value or "").upper(), (value or "").upper())
    if method not in dict(Payment.METHODS):
        raise ValidationFailed("The payment was not recorded.", fields={"method": [f"Use one of {', '.join(dict(Payment.METHODS))}."]})
    return method


def _kind(value: str) -> str:
    if value not in KINDS:
        raise ValidationFailed("The payment was not recorded.", fields={"kind": [f"Use one of {', '.join(sorted(KINDS))}."]})
    return value


def _amount(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValidationFailed("The payment was not recorded.", fields={"amount_minor": ["A whole number of minor units above 0."]})
    return value


def _payable_booking(tenant, booking_id: int) -> EstateBooking:
    """The estate booking, its engine booking row locked (the stored status lives there): a payment
    never lands on a booking that a concurrent step is cancelling."""
    estate = get_owned(EstateBooking, tenant, booking_id, what="booking")
    estate.booking = Booking.objects.select_for_update().get(pk=estate.pk)
    if estate.status not in PAYABLE:
        raise Conflict(f"A {estate.status} booking takes no payments.", code="booking_not_payable", extra={"status": estate.status})
    return estate


def estate_payment(tenant, payment_id: int, *, lock: bool = False) -> Payment:
    """A billing payment of an estate booking (404 for any other payment id)."""
    qs = Payment.objects.filter(source=PAYMENT_SOURCE, booking__estate__isnull=False)
    return get_owned(qs.select_for_update() if lock else qs, tenant, payment_id, what="payment")


def _announce(tenant, payment: Payment, event: str) -> None:
    emit(tenant, f"estate.payment:{event}", {"payment_id": payment.pk, "booking_id": payment.booking_id, "amount_minor": payment.amount_minor, "currency": payment.currency,
                                            "status": payment.status, "kind": payment.kind})
    emit_stats_changed(tenant, "estate")


def record_payment(*, tenant, actor, booking_id: int, amount_minor: int, method: str = "BANK_TRANSFER", kind: str = DOWN_PAYMENT, reference: str = "",
                   received_at: dt.datetime | None = None) -> Payment:
    """§D Record Payment: money received for exactly one booking, added to its payment history
    (a RECEIVED billing payment bound to the booking, posted to the booking's ledger)."""
    if actor is not None:
        require_perm(actor, tenant, "estate.payment.record")
    amount, method, kind = _amount(amount_minor), _method(method), _kind(kind)
    with transaction.atomic():
        estate = _payable_booking(tenant, booking_id)
        payment = billing.record_payment(tenant=tenant, actor=actor, customer_id=estate.customer_id, amount_minor=amount, method=method, currency=estate.currency,
                                         reference=reference, paid_at=received_at, booking_id=estate.pk, source=PAYMENT_SOURCE, kind=kind)
        _announce(tenant, payment, "recorded")
    return payment


def expect_payment(*, tenant, actor, booking_id: int, amount_minor: int, due_date: dt.date, kind: str = INSTALMENT) -> Payment:
    """An expected payment with a due date: what reminders are about (not money until received)."""
    if actor is not None:
        require_perm(actor, tenant, "estate.payment.record")
    amount, kind = _amount(amount_minor), _kind(kind)
    if not isinstance(due_date, dt.date):
        raise ValidationFailed("The payment was not recorded.", fields={"due_date": ["A due date is required."]})
    with transaction.atomic():
        estate = _payable_booking(tenant, booking_id)
        payment = billing.expect_payment(tenant=tenant, actor=actor, booking_id=estate.pk, customer_id=estate.customer_id, amount_minor=amount, due_date=due_date, kind=kind,
                                         currency=estate.currency, source=PAYMENT_SOURCE)
        _announce(tenant, payment, "expected")
    return payment


def receive_payment(*, tenant, actor, payment_id: int, method: str = "BANK_TRANSFER", reference: str = "", received_at: dt.datetime | None = None) -> Payment:
    """An expected payment arrives: it becomes RECEIVED; its scheduled reminders are cancelled (billing)."""
    if actor is not None:
        require_perm(actor, tenant, "estate.payment.record")
    method = _method(method)
    with transaction.atomic():
        booking_id = estate_payment(tenant, payment_id).booking_id
        _payable_booking(tenant, booking_id)  # booking row first: the lock order of every booking step
        payment = billing.receive_payment(tenant=tenant, actor=actor, payment_id=payment_id, method=method, paid_at=received_at, reference=reference)
        _announce(tenant, payment, "recorded")
    return payment


def void_payment(*, tenant, actor, payment_id: int, reason: str) -> Payment:
    """An expected payment that will not come: VOID (its scheduled reminders are cancelled)."""
    if actor is not None:
        require_perm(actor, tenant, "estate.payment.record")
    with transaction.atomic():
        estate_payment(tenant, payment_id)
        payment = billing.void_payment(tenant=tenant, actor=actor, payment_id=payment_id, reason=reason)
        _announce(tenant, payment, "voided")
    return payment


def void_open_payments(*, tenant, actor, booking_id: int, reason: str) -> int:
    """A booking that ended (cancelled, rejected, expired) expects no more money: its EXPECTED payments
    become VOID, and money already RECEIVED is flagged for refund (billing). Inside the step's
    transaction, which holds the engine booking's lock. Answers how many payments were voided."""
    return billing.settle_money_of_ended_booking(tenant=tenant, actor=actor, booking_id=booking_id, reason=reason)["voided"]


def create_payment_reminder(*, tenant, actor, payment_id: int, send_at: dt.datetime | None = None, message: str = "", to_email: str = "") -> PaymentReminder:
    """§D Create Payment Reminder: linked to an expected payment; sent now (no or past `send_at`) or
    scheduled for billing's worker sweep. The customer's email unless `to_email` is given."""
    if actor is not None:
        require_perm(actor, tenant, "estate.reminder.manage")
    if send_at is not None and (not isinstance(send_at, dt.datetime) or send_at.tzinfo is None):
        raise ValidationFailed("The reminder was not saved.", fields={"send_at": ["An aware date-time (with offset) is required."]})
    estate_payment(tenant, payment_id)
    return billing.schedule_reminder(tenant=tenant, actor=actor, payment_id=payment_id, send_at=send_at, message=(message or "")[:2000], to_email=to_email)
