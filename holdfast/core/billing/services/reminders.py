"""Payment reminders: send now or schedule; the worker sends due ones by email.

Each reminder is delivered in its own transaction with its row locked (SKIP LOCKED on PostgreSQL, so
several workers never send the same one): the email goes out through Django's mailer, then the
reminder becomes SENT and the invoice's reminder_count/last_reminder_at move with it — or, if the
mailer fails, the reminder becomes FAILED with the error and the invoice is untouched.
The invoice's reminder_count always equals its number of SENT reminders (the doctor checks it).
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

from .. import selectors
from ..models import Invoice, PaymentReminder
from ._common import actor_label

logger = logging.getLogger("holdfast.billing.reminders")


def schedule_reminder(*, tenant, actor, invoice_id: int, send_at: dt.datetime | None = None, message: str = "", to_email: str = "") -> PaymentReminder:
    """Record a reminder for a PENDING invoice; without `send_at` (or in the past) it is sent now."""
    with transaction.atomic():
        invoice = get_owned(Invoice.objects.select_related("customer"), tenant, invoice_id, what="invoice")
        if invoice.status != Invoice.PENDING:
            raise Conflict(f"Only a PENDING invoice needs reminders; this one is {invoice.status}.", code="invalid_invoice_status")
        email = (to_email or invoice.customer.email or "").strip()
        if not email:
            raise ValidationFailed("The customer has no email address to remind.", fields={"to_email": ["Give an address or add one to the customer."]})
        reminder = PaymentReminder.objects.create(tenant=tenant, invoice=invoice, scheduled_for=send_at or now(), to_email=email, message=message or "", created_by=actor_label(actor))
        log_action(tenant=tenant, actor=actor, entity=reminder, action="billing.reminder.scheduled", diff={"invoice_id": [None, invoice.pk], "scheduled_for": [None, reminder.scheduled_for]})
        emit(tenant, "reminder:scheduled", {"reminder_id": reminder.pk, "invoice_id": invoice.pk})
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


def _email_for(reminder: PaymentReminder, invoice: Invoice) -> EmailMessage:
    tenant = invoice.tenant
    brand = tenant.setting("brand_name") or tenant.name
    remaining = selectors.invoice_remaining_minor(invoice)
    body = (
        f"Dear {invoice.customer.name},\n\n"
        f"this is a reminder that invoice {invoice.display_number} issued {invoice.issue_date} is due on {invoice.due_date}.\n"
        f"Amount still due: {format_minor(remaining, invoice.currency)}.\n\n"
        + (f"{reminder.message}\n\n" if reminder.message else "")
        + f"Thank you,\n{brand}\n"
    )
    return EmailMessage(subject=f"Payment reminder: {invoice.display_number} from {brand}", body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[reminder.to_email])


def deliver_reminder(reminder_id: int, *, at: dt.datetime | None = None) -> str | None:
    """Send one due reminder, all or nothing. Returns its new status, or None if another worker has it."""
    moment = at or now()
    with transaction.atomic():
        qs = PaymentReminder.objects.filter(pk=reminder_id, status=PaymentReminder.SCHEDULED, scheduled_for__lte=moment)
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        reminder = qs.select_related("invoice", "invoice__customer", "invoice__tenant").first()
        if reminder is None:
            return None
        # The invoice is read without a lock while the mail goes out (SMTP can be slow); it is locked
        # only for the short count update afterwards, so payments are never kept waiting on a mailer.
        invoice = Invoice.objects.select_related("customer", "tenant").get(pk=reminder.invoice_id)
        tenant = invoice.tenant
        reminder.attempts += 1
        if invoice.status != Invoice.PENDING:
            reminder.status, reminder.last_error = PaymentReminder.CANCELLED, f"invoice is {invoice.status}"
            reminder.save(update_fields=["status", "attempts", "last_error"])
            return reminder.status
        try:
            _email_for(reminder, invoice).send()
        except Exception as exc:  # any mailer failure is recorded on the reminder, never lost
            logger.warning("reminder %s failed: %s", reminder.pk, exc)
            reminder.status, reminder.last_error = PaymentReminder.FAILED, f"{type(exc).__name__}: {exc}"[:2000]
            reminder.save(update_fields=["status", "attempts", "last_error"])
            log_action(tenant=tenant, actor=None, entity=reminder, action="billing.reminder.failed", diff={"status": ["SCHEDULED", "FAILED"], "error": [None, reminder.last_error]})
            emit(tenant, "reminder:failed", {"reminder_id": reminder.pk, "invoice_id": invoice.pk})
            return reminder.status
        reminder.status, reminder.sent_at, reminder.last_error = PaymentReminder.SENT, now(), ""
        reminder.save(update_fields=["status", "sent_at", "attempts", "last_error"])
        invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
        invoice.reminder_count = PaymentReminder.objects.filter(invoice=invoice, status=PaymentReminder.SENT).count()
        invoice.last_reminder_at = reminder.sent_at
        invoice.save(update_fields=["reminder_count", "last_reminder_at", "updated_at"])
        log_action(tenant=tenant, actor=None, entity=reminder, action="billing.reminder.sent", diff={"status": ["SCHEDULED", "SENT"], "reminder_count": [None, invoice.reminder_count]})
        emit(tenant, "reminder:sent", {"reminder_id": reminder.pk, "invoice_id": invoice.pk, "reminder_count": invoice.reminder_count})
        return reminder.status


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
