"""Webhook and notification screens."""
from __future__ import annotations

from django.urls import reverse

from holdfast.core.events.models import Notification, OutboxEvent, WebhookEndpoint
from holdfast.core.events.services import notify
from tests.factories import WebhookDeliveryFactory, WebhookEndpointFactory


def test_admin_creates_webhook_and_sees_secret_once(web_as, owner, tenant):
    page = web_as(owner)
    response = page.post(reverse("events:webhooks"), {"url": "https://example.com/h", "event_types": "booking:*, invoice:updated", "description": "ERP"})
    assert response.status_code == 201
    endpoint = WebhookEndpoint.objects.get(tenant=tenant)
    assert endpoint.event_types == ["booking:*", "invoice:updated"]
    assert endpoint.secret in response.content.decode()
    listing = page.get(reverse("events:webhooks"))
    assert listing.status_code == 200 and "https://example.com/h" in listing.content.decode()
    assert endpoint.secret not in listing.content.decode()


def test_invalid_webhook_shows_readable_errors(web_as, owner):
    response = web_as(owner).post(reverse("events:webhooks"), {"url": "ftp://nope", "event_types": "Bad Pattern"})
    assert response.status_code == 422
    assert "Enter a full http:// or https:// URL." in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_delivery_log_test_and_delete(web_as, owner, tenant):
    endpoint = WebhookEndpointFactory(tenant=tenant, url="https://example.com/log")
    delivery = WebhookDeliveryFactory(endpoint=endpoint, last_error="HTTP 500")
    page = web_as(owner)
    detail = page.get(reverse("events:webhook_detail", args=[endpoint.pk]))
    assert detail.status_code == 200
    assert delivery.event.event_type in detail.content.decode() and "HTTP 500" in detail.content.decode()
    assert page.post(reverse("events:webhook_test", args=[endpoint.pk])).status_code == 302
    assert OutboxEvent.objects.filter(tenant=tenant, event_type="webhook:test").exists()
    assert page.post(reverse("events:webhook_delete", args=[endpoint.pk])).status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_webhook_screens_refuse_staff_and_hide_other_tenants(web_as, staff_member, outsider, tenant):
    endpoint = WebhookEndpointFactory(tenant=tenant)
    assert web_as(staff_member).get(reverse("events:webhooks")).status_code == 403
    assert web_as(outsider).get(reverse("events:webhook_detail", args=[endpoint.pk])).status_code == 404
    assert web_as(outsider).post(reverse("events:webhook_delete", args=[endpoint.pk])).status_code == 404
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_notifications_inbox_marks_read(web_as, staff_member, owner, tenant):
    mine = notify(tenant, staff_member, event_type="booking:assigned", title="You have a new job")
    notify(tenant, owner, event_type="x:y", title="Owner's own")
    page = web_as(staff_member)
    inbox = page.get(reverse("events:notifications"))
    assert inbox.status_code == 200
    assert "You have a new job" in inbox.content.decode() and "Owner&#x27;s own" not in inbox.content.decode()
    assert page.post(reverse("events:notification_read", args=[mine.pk]), {"next": "https://evil.example/"})["Location"] == reverse("events:notifications")
    mine.refresh_from_db()
    assert mine.read_at is not None
    notify(tenant, staff_member, event_type="x:y", title="Another")
    page.post(reverse("events:notifications_read_all"))
    assert not Notification.objects.filter(recipient=staff_member, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=owner, read_at__isnull=True).exists()


def test_screens_need_login(client):
    assert client.get(reverse("events:notifications")).status_code == 302
