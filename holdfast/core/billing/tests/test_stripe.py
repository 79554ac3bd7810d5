import json
import time

import pytest
from django.test import Client

from holdfast.core.billing import hooks, selectors
from holdfast.core.billing.models import Invoice, Payment, ProviderEvent
from holdfast.core.billing.services.providers import sign

from .factories import booking, invoice

pytestmark = pytest.mark.django_db
URL = "/api/v1/billing/stripe/webhook"
SECRET = "whsec_test_secret"


@pytest.fixture
def stripe_tenant(tenant):
    tenant.settings = {**tenant.settings, "stripe_webhook_secret": SECRET}
    tenant.save()
    return tenant


def _event(tenant, inv, *, event_id="evt_1", amount=None, type_="payment_intent.succeeded", currency=None):
    return {"id": event_id, "type": type_, "data": {"object": {"id": "pi_123", "amount_received": amount if amount is not None else inv.total_minor,
            "currency": (currency or inv.currency).lower(), "metadata": {"tenant": tenant.slug, "invoice_id": str(inv.pk)}}}}


def _post(body: dict, *, secret=SECRET, timestamp=None, header=None):
    raw = json.dumps(body).encode()
    return Client(enforce_csrf_checks=True).post(URL, raw, content_type="application/json", HTTP_STRIPE_SIGNATURE=header if header is not None else sign(raw, secret, timestamp))


def test_signed_event_marks_invoice_paid_once(stripe_tenant, customer):
    inv = invoice(stripe_tenant, customer, 5000)
    first = _post(_event(stripe_tenant, inv))
    assert first.status_code == 200, first.content
    assert first.json()["outcome"] == "invoice_paid"
    inv.refresh_from_db()
    assert inv.status == Invoice.PAID and inv.payment_method == "STRIPE" and inv.paid_at
    again = _post(_event(stripe_tenant, inv))
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert Payment.objects.count() == 1 and ProviderEvent.objects.count() == 1


def test_bad_or_stale_signature_is_refused_and_changes_nothing(stripe_tenant, customer):
    inv = invoice(stripe_tenant, customer)
    wrong = _post(_event(stripe_tenant, inv), secret="whsec_other")
    assert wrong.status_code == 400 and wrong.json()["code"] == "signature_invalid"
    stale = _post(_event(stripe_tenant, inv), timestamp=int(time.time()) - 3600)
    assert stale.status_code == 400 and stale.json()["code"] == "signature_expired"
    missing = _post(_event(stripe_tenant, inv), header="")
    assert missing.status_code == 400
    garbage = Client().post(URL, b"not json", content_type="application/json", HTTP_STRIPE_SIGNATURE="t=1,v1=00")
    assert garbage.status_code == 400 and garbage.json()["code"] == "invalid_payload"
    assert not Payment.objects.exists() and not ProviderEvent.objects.exists()
    assert Invoice.objects.get(pk=inv.pk).status == Invoice.PENDING


def test_payment_for_cancelled_booking_is_kept_and_flagged(stripe_tenant, customer):
    cancelled = booking(stripe_tenant, customer)
    inv = invoice(stripe_tenant, customer, 3000, booking_id=cancelled.pk, source="demo.booking")
    check = hooks.register_cancellation_check(lambda tenant, source, booking_id: (source, booking_id) == ("demo.booking", cancelled.pk))
    try:
        response = _post(_event(stripe_tenant, inv, event_id="evt_cancelled"))
    finally:
        hooks.CANCELLATION_CHECKS.remove(check)
    assert response.json()["outcome"] == "flagged_for_refund"
    payment = Payment.objects.get()
    assert payment.needs_refund and payment.amount_minor == 3000
    assert selectors.payment_unallocated_minor(payment) == 3000
    assert Invoice.objects.get(pk=inv.pk).status == Invoice.PENDING


def test_payment_for_voided_invoice_is_flagged_and_partial_amount_keeps_invoice_pending(stripe_tenant, customer):
    from holdfast.core.billing import services

    voided = invoice(stripe_tenant, customer, 1000)
    services.void_invoice(tenant=stripe_tenant, actor="t", invoice_id=voided.pk, reason="x")
    assert _post(_event(stripe_tenant, voided, event_id="evt_v")).json()["outcome"] == "flagged_for_refund"
    partial = invoice(stripe_tenant, customer, 1000)
    assert _post(_event(stripe_tenant, partial, event_id="evt_p", amount=400)).json()["outcome"] == "partially_paid"
    assert selectors.get_invoice(stripe_tenant, partial.pk).remaining_minor == 600


def test_unhandled_event_types_are_stored_and_ignored(stripe_tenant, customer):
    inv = invoice(stripe_tenant, customer)
    assert _post(_event(stripe_tenant, inv, event_id="evt_x", type_="customer.created")).json()["outcome"] == "ignored"
    assert ProviderEvent.objects.filter(event_id="evt_x").exists() and not Payment.objects.exists()


def test_failed_card_payment_changes_no_money_and_tells_the_admins(stripe_tenant, customer, owner):
    from holdfast.core.audit.models import SystemLog
    from holdfast.core.events.models import Notification

    inv = invoice(stripe_tenant, customer, 5000)
    r = _post(_event(stripe_tenant, inv, event_id="evt_fail", type_="payment_intent.payment_failed"))
    assert r.status_code == 200 and r.json()["outcome"] == "payment_failed"
    inv.refresh_from_db()
    assert inv.status == Invoice.PENDING and not Payment.objects.exists()
    assert Notification.objects.filter(recipient=owner, event_type="payment:failed").exists()
    assert SystemLog.objects.filter(tenant=stripe_tenant, log_type="PAYMENT", severity="WARN").exists()


def test_overdue_sweep_tells_the_admins_once(stripe_tenant, customer, owner):
    import datetime as dt

    from holdfast.core.billing import services
    from holdfast.core.events.models import Notification

    inv = invoice(stripe_tenant, customer, 5000)
    Invoice.objects.filter(pk=inv.pk).update(due_date=dt.date(2020, 1, 1))
    assert services.flag_overdue_invoices() >= 1
    services.flag_overdue_invoices()
    assert Notification.objects.filter(recipient=owner, event_type="invoice:overdue").count() == 1
