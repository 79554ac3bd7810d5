"""Reminders go out through Django's SMTP mailer to a real local SMTP server (aiosmtpd)."""
import datetime as dt
import socket

import pytest
from aiosmtpd.controller import Controller

from holdfast.core.billing import services
from holdfast.core.billing.doctor import reminder_counts
from holdfast.core.billing.models import Invoice, PaymentReminder
from holdfast.kit.errors import Conflict, ValidationFailed
from holdfast.kit.periodic import PERIODIC
from tests.factories import CustomerFactory

from .factories import invoice

pytestmark = pytest.mark.django_db


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append({"to": envelope.rcpt_tos, "body": envelope.content.decode("utf8", "replace")})
        return "250 OK"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5}}}
    yield inbox
    controller.stop()


def test_send_now_delivers_email_and_counts(tenant, customer, smtp):
    inv = invoice(tenant, customer, 12345)
    reminder = services.schedule_reminder(tenant=tenant, actor="t", invoice_id=inv.pk, message="Please pay soon.")
    assert reminder.status == PaymentReminder.SENT and reminder.sent_at
    assert len(smtp.messages) == 1
    assert smtp.messages[0]["to"] == ["ada@example.com"]
    assert "INV-000001" in smtp.messages[0]["body"] and "USD 123.45" in smtp.messages[0]["body"]
    inv.refresh_from_db()
    assert inv.reminder_count == 1 and inv.last_reminder_at == reminder.sent_at


def test_worker_sweep_sends_only_due_reminders_once(tenant, customer, smtp):
    inv = invoice(tenant, customer)
    past = services.schedule_reminder(tenant=tenant, actor="t", invoice_id=inv.pk, send_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    later = services.schedule_reminder(tenant=tenant, actor="t", invoice_id=inv.pk, send_at=dt.datetime(2099, 6, 1, tzinfo=dt.UTC))
    assert smtp.messages == []
    sweep = PERIODIC["billing.send_due_reminders"]
    assert sweep.run() == 0
    assert services.send_due_reminders(at=dt.datetime(2099, 2, 1, tzinfo=dt.UTC)) == 1
    assert services.send_due_reminders(at=dt.datetime(2099, 2, 1, tzinfo=dt.UTC)) == 0
    past.refresh_from_db()
    later.refresh_from_db()
    assert (past.status, later.status) == (PaymentReminder.SENT, PaymentReminder.SCHEDULED)
    assert len(smtp.messages) == 1
    assert Invoice.objects.get(pk=inv.pk).reminder_count == 1
    assert reminder_counts() == []


def test_mail_failure_is_recorded_and_leaves_counts_alone(tenant, customer, settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {"host": "127.0.0.1", "port": _free_port(), "timeout": 2}}}
    inv = invoice(tenant, customer)
    reminder = services.schedule_reminder(tenant=tenant, actor="t", invoice_id=inv.pk)
    assert reminder.status == PaymentReminder.FAILED and "Error" in reminder.last_error
    assert Invoice.objects.get(pk=inv.pk).reminder_count == 0


def test_retry_after_failure_sends(tenant, customer, settings, smtp):
    good = settings.MAILERS
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {"host": "127.0.0.1", "port": _free_port(), "timeout": 2}}}
    inv = invoice(tenant, customer)
    reminder = services.schedule_reminder(tenant=tenant, actor="t", invoice_id=inv.pk)
    settings.MAILERS = good
    assert services.retry_reminder(tenant=tenant, actor="t", reminder_id=reminder.pk).status == PaymentReminder.SENT
    assert len(smtp.messages) == 1 and Invoice.objects.get(pk=inv.pk).reminder_count == 1


def test_reminders_only_for_pending_invoices_with_an_address(tenant, customer):
    inv = invoice(tenant, customer)
    services.mark_invoice_paid(tenant=tenant, actor="t", invoice_id=inv.pk, method="CASH")
    with pytest.raises(Conflict):
        services.schedule_reminder(tenant=tenant, actor="t", invoice_id=inv.pk)
    silent = CustomerFactory(tenant=tenant, email="")
    with pytest.raises(ValidationFailed):
        services.schedule_reminder(tenant=tenant, actor="t", invoice_id=invoice(tenant, silent).pk)


def test_paid_before_due_reminder_is_cancelled_not_sent(tenant, customer, smtp):
    inv = invoice(tenant, customer)
    reminder = services.schedule_reminder(tenant=tenant, actor="t", invoice_id=inv.pk, send_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    services.mark_invoice_paid(tenant=tenant, actor="t", invoice_id=inv.pk, method="CARD")
    assert services.send_due_reminders(at=dt.datetime(2099, 2, 1, tzinfo=dt.UTC)) == 0
    reminder.refresh_from_db()
    assert reminder.status == PaymentReminder.CANCELLED and smtp.messages == []
