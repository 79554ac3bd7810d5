"""Payments and payment reminders of estate bookings (seed 000 §D Record Payment, Create Payment
Reminder, Run Scheduled Reminders).

Estate-owned rather than billing's: a payment here belongs to exactly one booking (FK NOT NULL)
and may be *expected* (due date) before it is received; reminders hang on a payment. Money is
integer minor units with the booking's currency (holdfast.kit.money).

A reminder is delivered in its own transaction with its row locked (SKIP LOCKED where supported,
so two workers never send one twice): the email goes through Django's mailer, then the reminder is
SENT and the payment's reminder_count / last_reminder_at move with it; a mailer failure leaves the
reminder FAILED with the error and the payment untouched.
"""
from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.utils import timezone

from holdfast.core.accounts.selectors import require_perm
from holdfast.core.audit.services import log_action
from holdfast.core.events.services import emit, emit_stats_changed
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.errors import Conflict, ValidationFailed
from holdfast.kit.money import format_minor

from ..models import BOOKED, HOLD_APPROVED, HOLD_REQUESTED, EstateBooking, Payment, PaymentReminder

logger = logging.getLogger("holdfast.estate.reminders")
PAYABLE = (HOLD_REQUESTED, HOLD_APPROVED, BOOKED)
METHODS = {m for m, _ in Payment.METHODS}
KINDS = {k for k, _ in Payment.KINDS}


def _amount(value) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValidationFailed("The payment was not recorded.", fields={"amount_minor": ["A whole number of minor units above 0."]})
    return value


def _payable_booking(tenant, booking_id: int) -> EstateBooking:
    # Lock the engine booking (the stored status lives there): a payment never lands on a booking that
    # a concurrent step is cancelling.
    estate = get_owned(EstateBooking.objects.select_related("booking").select_for_update(of=("booking",)), tenant, booking_id, what="booking")
    if estate.status not in PAYABLE:
        raise Conflict(f"A {estate.status} booking takes no payments.", code="booking_not_payable", extra={"status": estate.status})
    return estate


def record_payment(*, tenant, actor, booking_id: int, amount_minor: int, method: str = "BANK_TRANSFER", kind: str = Payment.DOWN_PAYMENT, reference: str = "",
                   received_at: dt.datetime | None = None) -> Payment:
    """§D Record Payment: money received for exactly one booking, added to its payment history."""
    if actor is not None:
        require_perm(actor, tenant, "estate.payment.record")
    amount = _amount(amount_minor)
    if method not in METHODS or kind not in KINDS:
        raise ValidationFailed("The payment was not recorded.", fields={"method" if method not in METHODS else "kind": ["Not a known value."]})
    with transaction.atomic():
        estate = _payable_booking(tenant, booking_id)
        payment = Payment.objects.create(tenant=tenant, booking=estate, kind=kind, status=Payment.RECEIVED, method=method, amount_minor=amount, currency=estate.currency,
                                         received_at=received_at or timezone.now(), reference=reference[:120], recorded_by=actor if getattr(actor, "pk", None) else None)
        log_action(tenant=tenant, actor=actor, entity=payment, action="estate.payment.recorded", diff={"booking_id": [None, estate.pk], "amount_minor": [None, amount]})
        emit(tenant, "estate.payment:recorded", {"payment_id": payment.pk, "booking_id": estate.pk, "amount_minor": amount, "currency": estate.currency})
        emit_stats_changed(tenant, "estate")
    return payment


def expect_payment(*, tenant, actor, booking_id: int, amount_minor: int, due_date: dt.date, kind: str = Payment.INSTALMENT) -> Payment:
    """An expected payment with a due date: what reminders are about."""
    if actor is not None:
        require_perm(actor, tenant, "estate.payment.record")
    amount = _amount(amount_minor)
    if due_date is None:
        raise ValidationFailed("The payment was not recorded.", fields={"due_date": ["A due date is required."]})
    if kind not in KINDS:
        raise ValidationFailed("The payment was not recorded.", fields={"kind": ["Not a known value."]})
    with transaction.atomic():
        estate = _payable_booking(tenant, booking_id)
        payment = Payment.objects.create(tenant=tenant, booking=estate, kind=kind, status=Payment.EXPECTED, amount_minor=amount, currency=estate.currency, due_date=due_date,
                                         recorded_by=actor if getattr(actor, "pk", None) else None)
        log_action(tenant=tenant, actor=actor, entity=payment, action="estate.payment.expected", diff={"booking_id": [None, estate.pk], "amount_minor": [None, amount], "due_date": [None, due_date]})
        emit(tenant, "estate.payment:expected", {"payment_id": payment.pk, "booking_id": estate.pk})
    return payment


def receive_payment(*, tenant, actor, payment_id: int, method: str = "BANK_TRANSFER", reference: str = "", received_at: dt.datetime | None = None) -> Payment:
    """An expected payment arrives: it becomes RECEIVED; its scheduled reminders are cancelled."""
    if actor is not None:
        require_perm(actor, tenant, "estate.payment.record")
    if method not in METHODS:
        raise ValidationFailed("The payment was not recorded.", fields={"method": ["Not a known value."]})
    with transaction.atomic():
        payment = get_owned(Payment.objects.select_for_update(), tenant, payment_id, what="payment")
        if payment.status != Payment.EXPECTED:
            raise Conflict(f"The payment is already {payment.status}.", code="payment_not_expected")
        _payable_booking(tenant, payment.booking_id)
        payment.status, payment.method, payment.reference = Payment.RECEIVED, method, reference[:120]
        payment.received_at = received_at or timezone.now()
        payment.save(update_fields=["status", "method", "reference", "received_at"])
        PaymentReminder.objects.filter(payment=payment, status=PaymentReminder.SCHEDULED).update(status=PaymentReminder.CANCELLED, last_error="payment received")
        log_action(tenant=tenant, actor=actor, entity=payment, action="estate.payment.received", diff={"status": [Payment.EXPECTED, Payment.RECEIVED]})
        emit(tenant, "estate.payment:recorded", {"payment_id": payment.pk, "booking_id": payment.booking_id, "amount_minor": payment.amount_minor, "currency": payment.currency})
        emit_stats_changed(tenant, "estate")
    return payment


def create_payment_reminder(*, tenant, actor, payment_id: int, send_at: dt.datetime | None = None, message: str = "", to_email: str = "") -> PaymentReminder:
    """§D Create Payment Reminder: linked to an expected payment; sent now (no/past `send_at`) or scheduled."""
    if actor is not None:
        require_perm(actor, tenant, "estate.reminder.manage")
    if send_at is not None and timezone.is_naive(send_at):
        raise ValidationFailed("The reminder was not saved.", fields={"send_at": ["An aware date-time (with offset) is required."]})
    with transaction.atomic():
        payment = get_owned(Payment.objects.select_related("booking__customer"), tenant, payment_id, what="payment")
        if payment.status != Payment.EXPECTED:
            raise Conflict("Only an expected payment needs reminders.", code="payment_not_expected")
        email = (to_email or payment.booking.customer.email or "").strip()
        if not email:
            raise ValidationFailed("The customer has no email address to remind.", fields={"to_email": ["Give an address or add one to the customer."]})
        reminder = PaymentReminder.objects.create(tenant=tenant, payment=payment, scheduled_for=send_at or timezone.now(), to_email=email, message=message[:2000],
                                                  created_by=actor if getattr(actor, "pk", None) else None)
        log_action(tenant=tenant, actor=actor, entity=reminder, action="estate.reminder.scheduled", diff={"payment_id": [None, payment.pk], "scheduled_for": [None, reminder.scheduled_for]})
        emit(tenant, "estate.reminder:scheduled", {"reminder_id": reminder.pk, "payment_id": payment.pk})
    if reminder.scheduled_for <= timezone.now():
        deliver_reminder(reminder.pk)
        reminder.refresh_from_db()
    return reminder


def _email_for(reminder: PaymentReminder, payment: Payment) -> EmailMessage:
    estate = payment.booking
    tenant = reminder.tenant
    brand = tenant.setting("brand_name") or tenant.name
    body = (
        f"Dear {estate.customer.name},\n\n"
        f"this is a reminder that a {payment.get_kind_display().lower()} of {format_minor(payment.amount_minor, payment.currency)} "
        f"for unit {estate.unit.code} ({estate.unit.project.site.name}) is due on {payment.due_date}.\n\n"
        + (f"{reminder.message}\n\n" if reminder.message else "")
        + f"Thank you,\n{brand}\n"
    )
    return EmailMessage(subject=f"Payment reminder: unit {estate.unit.code} — {brand}", body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[reminder.to_email])


def deliver_reminder(reminder_id: int, *, at: dt.datetime | None = None) -> str | None:
    """Send one due reminder, all or nothing. Returns its new status, or None when not due / taken by another worker."""
    moment = at or timezone.now()
    with transaction.atomic():
        qs = PaymentReminder.objects.filter(pk=reminder_id, status=PaymentReminder.SCHEDULED, scheduled_for__lte=moment)
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        reminder = qs.select_related("tenant").first()
        if reminder is None:
            return None
        payment = Payment.objects.select_related("booking__customer", "booking__unit__project__site").get(pk=reminder.payment_id)
        tenant = reminder.tenant
        reminder.attempts += 1
        if payment.status != Payment.EXPECTED:
            reminder.status, reminder.last_error = PaymentReminder.CANCELLED, f"payment is {payment.status}"
            reminder.save(update_fields=["status", "attempts", "last_error"])
            return reminder.status
        try:
            _email_for(reminder, payment).send()
        except Exception as exc:  # any mailer failure is recorded on the reminder, never lost
            logger.warning("estate reminder %s failed: %s", reminder.pk, exc)
            reminder.status, reminder.last_error = PaymentReminder.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
            reminder.save(update_fields=["status", "attempts", "last_error"])
            log_action(tenant=tenant, actor=None, entity=reminder, action="estate.reminder.failed", diff={"status": ["SCHEDULED", "FAILED"], "error": [None, reminder.last_error]})
            return reminder.status
        reminder.status, reminder.sent_at, reminder.last_error = PaymentReminder.SENT, timezone.now(), ""
        reminder.save(update_fields=["status", "sent_at", "attempts", "last_error"])
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        payment.reminder_count = PaymentReminder.objects.filter(payment=payment, status=PaymentReminder.SENT).count()
        payment.last_reminder_at = reminder.sent_at
        payment.save(update_fields=["reminder_count", "last_reminder_at"])
        log_action(tenant=tenant, actor=None, entity=reminder, action="estate.reminder.sent", diff={"status": ["SCHEDULED", "SENT"], "reminder_count": [None, payment.reminder_count]})
        emit(tenant, "estate.reminder:sent", {"reminder_id": reminder.pk, "payment_id": payment.pk, "reminder_count": payment.reminder_count})
        return reminder.status


def run_scheduled_reminders(*, at: dt.datetime | None = None, limit: int = 200) -> int:
    """§D Run Scheduled Reminders (the worker): every due reminder, each in its own transaction."""
    moment = at or timezone.now()
    due = list(PaymentReminder.objects.filter(status=PaymentReminder.SCHEDULED, scheduled_for__lte=moment).order_by("scheduled_for", "id").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in due if deliver_reminder(pk, at=moment) == PaymentReminder.SENT)
