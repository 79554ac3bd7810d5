"""Seed 003 §7, kept generic in billing: a customer's portal user is told of reminders and sent
invoices as stored notification rows, written in the step's own transaction; the email still goes
to the customer's address after commit. A customer with no (active) portal user gets no row."""
import datetime as dt

import pytest
from django.core import mail
from django.db import transaction

from holdfast.core.billing import services
from holdfast.core.billing.models import PaymentReminder
from holdfast.core.billing.services.reminders import deliver_reminder
from holdfast.core.events.models import Notification
from tests.factories import CustomerFactory, member

from .factories import invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal_customer(tenant):
    user = member(tenant, "customer", email="grace@example.com")
    return CustomerFactory(tenant=tenant, name="Grace Hopper", email="grace.billing@example.com", user=user)


def _rows(user, event_type):
    return list(Notification.objects.filter(recipient=user, event_type=event_type))


def test_a_sent_invoice_reminder_is_stored_for_the_customers_portal_user(tenant, portal_customer):
    inv = invoice(tenant, portal_customer, 12345)
    reminder = services.schedule_reminder(tenant=tenant, actor="t", invoice_id=inv.pk, message="Please pay soon.")
    assert reminder.status == PaymentReminder.SENT
    [row] = _rows(portal_customer.user, "reminder:sent")
    assert row.tenant_id == tenant.pk and inv.display_number in row.title
    assert "USD 123.45" in row.body and "Please pay soon." in row.body
    assert row.data == {"reminder_id": reminder.pk, "invoice_id": inv.pk}
    assert [m.to for m in mail.outbox] == [["grace.billing@example.com"]]  # the email still goes to the customer's address


def test_the_notification_is_written_before_commit_and_the_email_only_after(tenant, portal_customer):
    inv = invoice(tenant, portal_customer)
    reminder = services.schedule_reminder(tenant=tenant, actor="t", invoice_id=inv.pk, send_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    mail.outbox.clear()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            assert deliver_reminder(reminder.pk, at=dt.datetime(2099, 1, 2, tzinfo=dt.UTC)) == PaymentReminder.SENT
            assert len(_rows(portal_customer.user, "reminder:sent")) == 1 and mail.outbox == []
            raise RuntimeError("the step rolls back")
    assert _rows(portal_customer.user, "reminder:sent") == [] and mail.outbox == []  # rolled back together: no row, no mail
    reminder.refresh_from_db()
    assert reminder.status == PaymentReminder.SCHEDULED


def test_a_payment_reminder_is_stored_too(tenant, portal_customer):
    payment = services.expect_payment(tenant=tenant, actor="t", booking_id=None, customer_id=portal_customer.pk, amount_minor=25_000, due_date=dt.date(2031, 2, 1), kind="INSTALMENT", source="demo.booking")
    reminder = services.schedule_reminder(tenant=tenant, actor="t", payment_id=payment.pk)
    [row] = _rows(portal_customer.user, "reminder:sent")
    assert "USD 250.00" in row.title and "1 Feb 2031" in row.body
    assert row.data == {"reminder_id": reminder.pk, "payment_id": payment.pk}


def test_no_portal_user_no_row_and_a_cancelled_reminder_none_either(tenant, customer, portal_customer):
    services.schedule_reminder(tenant=tenant, actor="t", invoice_id=invoice(tenant, customer).pk)
    assert Notification.objects.filter(event_type="reminder:sent").count() == 0
    inv = invoice(tenant, portal_customer)
    later = services.schedule_reminder(tenant=tenant, actor="t", invoice_id=inv.pk, send_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    services.void_invoice(tenant=tenant, actor="t", invoice_id=inv.pk, reason="error")
    deliver_reminder(later.pk, at=dt.datetime(2099, 1, 2, tzinfo=dt.UTC))
    assert _rows(portal_customer.user, "reminder:sent") == []


def test_an_inactive_portal_user_is_not_notified(tenant, portal_customer):
    portal_customer.user.is_active = False
    portal_customer.user.save(update_fields=["is_active"])
    services.schedule_reminder(tenant=tenant, actor="t", invoice_id=invoice(tenant, portal_customer).pk)
    assert _rows(portal_customer.user, "reminder:sent") == []


def test_sending_an_invoice_notifies_the_portal_user_once(tenant, portal_customer, customer):
    inv = invoice(tenant, portal_customer, 5000)
    services.mark_invoice_sent(tenant=tenant, actor="t", invoice_id=inv.pk)
    [row] = _rows(portal_customer.user, "invoice:sent")
    assert row.title == f"Invoice {inv.display_number}" and "USD 50.00" in row.body and row.data == {"invoice_id": inv.pk}
    services.mark_invoice_sent(tenant=tenant, actor="t", invoice_id=invoice(tenant, customer).pk)  # no portal user: nothing stored
    assert Notification.objects.filter(event_type="invoice:sent").count() == 1
