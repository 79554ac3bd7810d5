"""Seed 003 §7: a client is told of sent invoices and payment reminders as stored notifications they
see in their portal (billing's generic steps; petcare adds no copy of its own)."""
from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from holdfast.core.billing import services as billing
from holdfast.core.billing.models import InvoiceItem
from holdfast.core.events.models import Notification
from holdfast.verticals.petcare import services

pytestmark = pytest.mark.django_db


def test_the_client_sees_the_invoice_and_its_reminder_in_their_portal_notifications(web_as, tenant, owner, walk, walker, client_user, tuesday_10):
    user, customer, _dog = client_user
    job = services.create_job(tenant=tenant, actor=owner, customer_id=customer.pk, service_id=walk.pk, starts_at=tuesday_10, walker_id=walker.pk)
    services.complete_job(tenant=tenant, actor=owner, job_id=job.pk)
    item = InvoiceItem.objects.get(tenant=tenant, customer=customer)
    invoice = services.send_invoice(tenant=tenant, actor=owner, invoice_id=services.generate_invoice(tenant=tenant, actor=owner, customer_id=customer.pk, item_ids=[item.pk]).pk)
    mail.outbox.clear()
    billing.schedule_reminder(tenant=tenant, actor=owner, invoice_id=invoice.pk, message="Thank you for walking with us.")
    assert [m.to for m in mail.outbox] == [[customer.email]]
    rows = Notification.objects.filter(recipient=user, data__invoice_id=invoice.pk).order_by("pk")
    assert [r.event_type for r in rows] == ["invoice:sent", "reminder:sent"]  # one row for the sent invoice, no petcare duplicate
    page = web_as(user).get(reverse("events:notifications"))
    assert page.status_code == 200
    body = page.content.decode()
    assert f"Invoice {invoice.display_number}" in body and f"Payment reminder: invoice {invoice.display_number}" in body and "Thank you for walking with us." in body
