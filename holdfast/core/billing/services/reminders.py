"""Payment reminders: send now or schedule; the worker sends due ones by email.

A reminder is about exactly one thing: a PENDING invoice, or one EXPECTED payment (a down payment,
an instalment…). Each reminder is delivered in its own transaction with its row locked (SKIP LOCKED
on PostgreSQL, so several workers never send the same one): the email goes out through Django's
mailer after that transaction commits (never inside it, never for a step that rolls back): the
reminder becomes SENT and its target's reminder_count/last_reminder_at move with it, and if the
mailer then fails a second transaction makes it FAILED with the error and recounts the target.
A target's reminder_count always equals its number of SENT reminders (the doctor checks it). A
target that no longer needs reminding (invoice not PENDING, payment not EXPECTED) cancels it.
"""
from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction

from holdfast.core.audit.services import log_action
from holdfast.core.events.services import emit
from holdfast.core.tenancy.selectors import get_owned
from holdfast.kit.clock import now
from holdfast.kit.errors import Conflict, ValidationFailed
from holdfast.kit.money import format_minor
from holdfast.kit import dates

from .. import selectors
from ..models import Invoice, Payment, PaymentReminder
from ._common import actor_label, notify_customer_users

logger = logging.getLogger("holdfast.billing.reminders")


def schedule_reminder(*, tenant, actor, invoice_id: int | None = None, payment_id: int | None = None, send_at: dt.datetime | None = None, message: str = "",
                      to_email: str = "") -> PaymentReminder:
    """Record a reminder for a PENDING invoice or an EXPECTED payment (give exactly one of the two);
    without `send_at` (or in the past) it is sent now by the same delivery the worker uses."""
    if (invoice_id is None) == (payment_id is None):
        raise ValidationFailed("A reminder is about one invoice or one payment.", fields={"invoice_id": ["Give invoice_id or payment_id, not both."]})
    with transaction.atomic():
        if invoice_id is not None:
            target = get_owned(Invoice.objects.select_related("customer"), tenant, invoice_id, what="invoice")
            if target.status != Invoice.PENDING:
                raise Conflict(f"Only a PENDING invoice needs reminders; this one is {target.status}.", code="invalid_invoice_status")
        else:
            target = get_owned(Payment.objects.select_related("customer"), tenant, payment_id, what="payment")
            if target.status != Payment.EXPECTED:
                raise Conflict(f"Only an EXPECTED payment needs reminders; this one is {target.status}.", code="payment_not_expected")
        email = (to_email or target.customer.email or "").strip()
        if not email:
            raise ValidationFailed("The customer has no email address to remind.", fields={"to_email": ["Give an address or add one to the customer."]})
        reminder = PaymentReminder.objects.create(tenant=tenant, invoice_id=invoice_id and target.pk, payment_id=payment_id and target.pk, scheduled_for=send_at or now(),
                                                  to_email=email, message=message or "", created_by=actor_label(actor))
        ref = {"invoice_id": reminder.invoice_id} if invoice_id is not None else {"payment_id": reminder.payment_id}
        log_action(tenant=tenant, actor=actor, entity=reminder, action="billing.reminder.scheduled", diff={**{k: [None, v] for k, v in ref.items()}, "scheduled_for": [None, reminder.scheduled_for]})
        emit(tenant, "reminder:scheduled", {"reminder_id": reminder.pk, **ref})
    if reminder.scheduled_for <= now():
        deliver_reminder(reminder.pk)
        reminder.refresh_from_db()
    return reminder


def cancel_reminder(*, tenant, actor, reminder_id: int) -> PaymentReminder:
    with transaction.atomic():
        reminder = get_owned(PaymentReminder.objects.select_for_update(), tenant, reminder_id, what="reminder")
        if reminder.status != PaymentReminder.SCHEDULED:
            raise Conflict(f"The reminder is already {reminder.status}.", code="reminder_not_scheduled")
        reminder.status = PaymentReminder.CANCELLED
        reminder.save(update_fields=["status"])
        log_action(tenant=tenant, actor=actor, entity=reminder, action="billing.reminder.cancelled", diff={"status": ["SCHEDULED", "CANCELLED"]})
    return reminder


def _brand(tenant) -> str:
    return tenant.setting("brand_name") or tenant.name


def _invoice_email(reminder: PaymentReminder, invoice: Invoice) -> EmailMessage:
    brand = _brand(invoice.tenant)
    remaining = selectors.invoice_remaining_minor(invoice)
    body = (
        f"Dear {invoice.customer.name},\n\n"
        f"this is a reminder that invoice {invoice.display_number} issued {invoice.issue_date} is due on {invoice.due_date}.\n"
        f"Amount still due: {format_minor(remaining, invoice.currency)}.\n\n"
        + (f"{reminder.message}\n\n" if reminder.message else "")
        + f"Thank you,\n{brand}\n"
    )
    return EmailMessage(subject=f"Payment reminder: {invoice.display_number} from {brand}", body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[reminder.to_email])


def _payment_email(reminder: PaymentReminder, payment: Payment) -> EmailMessage:
    brand = _brand(payment.tenant)
    booking = (payment.booking.reference or f"#{payment.booking_id}") if payment.booking_id else ""
    what = (payment.kind.replace("_", " ").lower() or "payment")
    body = (
        f"Dear {payment.customer.name},\n\n"
        f"this is a reminder that a {what} of {format_minor(payment.amount_minor, payment.currency)}"
        + (f" for booking {booking}" if booking else "")
        + f" is due on {payment.due_date}.\n\n"
        + (f"{reminder.message}\n\n" if reminder.message else "")
        + f"Thank you,\n{brand}\n"
    )
    subject = f"Payment reminder: {format_minor(payment.amount_minor, payment.currency)} due {payment.due_date}" + (f" (booking {booking})" if booking else "") + f" from {brand}"
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[reminder.to_email])


def _target(reminder: PaymentReminder):
    """(row, still needs reminding, email builder) — read without a lock while the mail goes out."""
    if reminder.invoice_id is not None:
        invoice = Invoice.objects.select_related("customer", "tenant").get(pk=reminder.invoice_id)
        return invoice, invoice.status == Invoice.PENDING, _invoice_email
    payment = Payment.objects.select_related("customer", "tenant", "booking").get(pk=reminder.payment_id)
    return payment, payment.status == Payment.EXPECTED, _payment_email


def _recount(target):
    """Lock the target and set its reminder_count/last_reminder_at from its SENT reminders."""
    model = type(target)
    target = model.objects.select_for_update().get(pk=target.pk)
    sent = PaymentReminder.objects.filter(**{model.__name__.lower(): target}, status=PaymentReminder.SENT)
    target.reminder_count = sent.count()
    target.last_reminder_at = sent.order_by("-sent_at").values_list("sent_at", flat=True).first()
    target.save(update_fields=["reminder_count", "last_reminder_at"] + (["updated_at"] if model is Invoice else []))
    return target


def deliver_reminder(reminder_id: int, *, at: dt.datetime | None = None) -> str | None:
    """Send one due reminder. Returns its new status, or None if another worker has it.

    The reminder is claimed and marked SENT (its target's count with it, audit and event) in one short
    transaction; the email goes out only after that transaction commits (`on_commit`), never while
    a row is locked and never for a step that rolls back. If the mailer then fails, a second
    transaction marks it FAILED and recounts its target (a crash between the commit and the mailer
    leaves it SENT without a mail: at most once, never twice)."""
    moment = at or now()
    with transaction.atomic():
        qs = PaymentReminder.objects.filter(pk=reminder_id, status=PaymentReminder.SCHEDULED, scheduled_for__lte=moment)
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        reminder = qs.first()
        if reminder is None:
            return None
        target, live, build = _target(reminder)
        tenant = target.tenant
        ref = {"invoice_id": reminder.invoice_id} if reminder.invoice_id is not None else {"payment_id": reminder.payment_id}
        reminder.attempts += 1
        if not live:
            reminder.status, reminder.last_error = PaymentReminder.CANCELLED, f"{type(target).__name__.lower()} is {target.status}"
            reminder.save(update_fields=["status", "attempts", "last_error"])
            return reminder.status
        message = build(reminder, target)
        reminder.status, reminder.sent_at, reminder.last_error = PaymentReminder.SENT, now(), ""
        reminder.save(update_fields=["status", "sent_at", "attempts", "last_error"])
        target = _recount(target)
        log_action(tenant=tenant, actor=None, entity=reminder, action="billing.reminder.sent", diff={"status": ["SCHEDULED", "SENT"], "reminder_count": [None, target.reminder_count]})
        emit(tenant, "reminder:sent", {"reminder_id": reminder.pk, **ref, "reminder_count": target.reminder_count})
        _notify_portal_user(tenant, reminder, target)
        transaction.on_commit(lambda: _send_after_commit(reminder.pk, message))
    return PaymentReminder.objects.filter(pk=reminder_id).values_list("status", flat=True).first()


def _notify_portal_user(tenant, reminder: PaymentReminder, target) -> None:
    """The customer's portal user sees the reminder as a stored notification (same transaction as SENT)."""
    if reminder.invoice_id is not None:
        remaining = selectors.invoice_remaining_minor(target)
        title = f"Payment reminder: invoice {target.display_number}"
        body = f"{format_minor(remaining, target.currency)} still due" + (f" by {dates.day(target.due_date, tenant)}" if target.due_date else "") + "."
    else:
        title = f"Payment reminder: {format_minor(target.amount_minor, target.currency)}"
        body = f"Due {dates.day(target.due_date, tenant)}." if target.due_date else ""
    if reminder.message:
        body = f"{body}\n\n{reminder.message}".strip()
    notify_customer_users(tenant, target.customer, event_type="reminder:sent", title=title, body=body,
                          data={"reminder_id": reminder.pk, **({"invoice_id": reminder.invoice_id} if reminder.invoice_id is not None else {"payment_id": reminder.payment_id})})


def _send_after_commit(reminder_id: int, message: EmailMessage) -> None:
    try:
        message.send()
    except Exception as exc:  # any mailer failure is recorded on the reminder, never lost
        logger.warning("reminder %s failed: %s", reminder_id, exc)
        with transaction.atomic():
            reminder = PaymentReminder.objects.select_for_update().get(pk=reminder_id)
            if reminder.status != PaymentReminder.SENT:
                return
            target, _, _ = _target(reminder)
            reminder.status, reminder.sent_at, reminder.last_error = PaymentReminder.FAILED, None, f"{type(exc).__name__}: {exc}"[:2000]
            reminder.save(update_fields=["status", "sent_at", "last_error"])
            _recount(target)
            ref = {"invoice_id": reminder.invoice_id} if reminder.invoice_id is not None else {"payment_id": reminder.payment_id}
            log_action(tenant=target.tenant, actor=None, entity=reminder, action="billing.reminder.failed", diff={"status": ["SENT", "FAILED"], "error": [None, reminder.last_error]})
            emit(target.tenant, "reminder:failed", {"reminder_id": reminder.pk, **ref})


def send_due_reminders(*, at: dt.datetime | None = None, limit: int = 200) -> int:
    """The worker's sweep: deliver every SCHEDULED reminder whose time has come. Returns how many were sent."""
    moment = at or now()
    due = list(PaymentReminder.objects.filter(status=PaymentReminder.SCHEDULED, scheduled_for__lte=moment).order_by("scheduled_for", "id").values_list("pk", flat=True)[:limit])
    return sum(1 for pk in due if deliver_reminder(pk, at=moment) == PaymentReminder.SENT)


def retry_reminder(*, tenant, actor, reminder_id: int) -> PaymentReminder:
    """Put a FAILED reminder back on the schedule for now."""
    with transaction.atomic():
        reminder = get_owned(PaymentReminder.objects.select_for_update(), tenant, reminder_id, what="reminder")
        if reminder.status != PaymentReminder.FAILED:
            raise Conflict("Only a failed reminder can be retried.", code="reminder_not_failed")
        reminder.status, reminder.scheduled_for = PaymentReminder.SCHEDULED, now()
        reminder.save(update_fields=["status", "scheduled_for"])
        log_action(tenant=tenant, actor=actor, entity=reminder, action="billing.reminder.retried", diff={"status": ["FAILED", "SCHEDULED"]})
    deliver_reminder(reminder.pk)
    reminder.refresh_from_db()
    return reminder
