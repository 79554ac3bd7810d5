"""Notifications and webhooks API: permissions, tenant isolation, secret shown once."""
from __future__ import annotations

from holdfast.core.events import dispatcher
from holdfast.core.events.models import Notification, OutboxEvent, WebhookDelivery, WebhookEndpoint
from holdfast.core.events.services import notify
from tests.factories import NotificationFactory, WebhookDeliveryFactory, WebhookEndpointFactory


def test_notifications_list_only_own_with_unread_filter_and_mark_read(owner_api, owner, staff_member, tenant, other_tenant, outsider):
    mine_old = notify(tenant, owner, event_type="booking:created", title="Old")
    mine_new = notify(tenant, owner, event_type="booking:updated", title="New")
    notify(tenant, staff_member, event_type="booking:created", title="Not yours")
    NotificationFactory(tenant=other_tenant, recipient=owner, title="Other business")

    listed = owner_api.get("/api/v1/notifications").json()
    assert [n["title"] for n in listed["results"]] == ["New", "Old"]
    assert listed["unread"] == 2

    read = owner_api.post(f"/api/v1/notifications/{mine_old.pk}/read")
    assert read.status_code == 200 and read.json()["read_at"]
    unread = owner_api.get("/api/v1/notifications", {"unread": "true"}).json()
    assert [n["id"] for n in unread["results"]] == [mine_new.pk] and unread["unread"] == 1

    assert owner_api.post("/api/v1/notifications/read-all").json() == {"updated": 1}
    assert not Notification.objects.filter(recipient=owner, tenant=tenant, read_at__isnull=True).exists()
    assert Notification.objects.filter(tenant=other_tenant, read_at__isnull=True).count() == 1


def test_someone_elses_notification_is_404(owner_api, staff_member, tenant, outsider_api):
    theirs = notify(tenant, staff_member, event_type="x:y", title="Staff only")
    assert owner_api.post(f"/api/v1/notifications/{theirs.pk}/read").status_code == 404
    assert outsider_api.post(f"/api/v1/notifications/{theirs.pk}/read").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_webhook_create_shows_secret_once_and_lists_without_it(owner_api, tenant):
    created = owner_api.post("/api/v1/webhooks", {"url": "https://example.com/hook", "event_types": ["booking:*"], "description": "CRM"})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["event_types"] == ["booking:*"]
    assert WebhookEndpoint.objects.get(pk=body["id"]).secret == body["secret"]
    listed = owner_api.get("/api/v1/webhooks").json()
    assert [w["id"] for w in listed] == [body["id"]] and "secret" not in listed[0]
    assert "secret" not in owner_api.get(f"/api/v1/webhooks/{body['id']}").json()


def test_webhook_input_is_validated(owner_api):
    bad = owner_api.post("/api/v1/webhooks", {"url": "file:///etc/passwd", "event_types": ["Not A Pattern"]})
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"url", "event_types"}


def test_webhook_update_delete_and_test(owner_api, tenant):
    hook = owner_api.post("/api/v1/webhooks", {"url": "https://example.com/a"}).json()
    patched = owner_api.patch(f"/api/v1/webhooks/{hook['id']}", {"is_active": False, "event_types": ["invoice:*"]})
    assert patched.status_code == 200 and patched.json()["is_active"] is False
    refused = owner_api.post(f"/api/v1/webhooks/{hook['id']}/test")
    assert refused.status_code == 409 and refused.json()["code"] == "webhook_disabled"
    owner_api.patch(f"/api/v1/webhooks/{hook['id']}", {"is_active": True})
    queued = owner_api.post(f"/api/v1/webhooks/{hook['id']}/test")
    assert queued.status_code == 202 and queued.json()["event_type"] == "webhook:test"
    assert OutboxEvent.objects.get(pk=queued.json()["event_id"]).tenant == tenant
    dispatcher.dispatch_outbox()
    deliveries = owner_api.get(f"/api/v1/webhooks/{hook['id']}/deliveries").json()
    assert deliveries["count"] == 1 and deliveries["results"][0]["event_type"] == "webhook:test"
    assert owner_api.delete(f"/api/v1/webhooks/{hook['id']}").status_code == 204
    assert not WebhookEndpoint.objects.filter(pk=hook["id"]).exists()


def test_failed_delivery_can_be_retried(owner_api, tenant):
    delivery = WebhookDeliveryFactory(endpoint=WebhookEndpointFactory(tenant=tenant), state=WebhookDelivery.FAILED, attempts=8)
    url = f"/api/v1/webhooks/{delivery.endpoint_id}/deliveries/{delivery.pk}/retry"
    response = owner_api.post(url)
    assert response.status_code == 200 and response.json()["state"] == "PENDING" and response.json()["attempts"] == 0
    assert owner_api.post(url).json()["code"] == "delivery_not_failed"


def test_webhooks_are_tenant_isolated(owner_api, outsider_api, tenant):
    hook = WebhookEndpointFactory(tenant=tenant)
    WebhookDeliveryFactory(endpoint=hook)
    assert outsider_api.get("/api/v1/webhooks").json() == []
    for method, path in [("get", ""), ("get", "/deliveries"), ("post", "/test"), ("patch", ""), ("delete", "")]:
        response = getattr(outsider_api, method)(f"/api/v1/webhooks/{hook.pk}{path}")
        assert response.status_code == 404, (method, path, response.status_code)
    assert WebhookEndpoint.objects.filter(pk=hook.pk).exists()


def test_webhooks_need_webhooks_manage(staff_api, tenant):
    hook = WebhookEndpointFactory(tenant=tenant)
    assert staff_api.get("/api/v1/webhooks").status_code == 403
    assert staff_api.get(f"/api/v1/webhooks/{hook.pk}/deliveries").status_code == 403
    created = staff_api.post("/api/v1/webhooks", {"url": "https://example.com/x"})
    assert created.status_code == 403 and created.json()["code"] == "permission_denied"
    assert WebhookEndpoint.objects.count() == 1


def test_notify_members_with_reaches_only_holders_of_the_permission(tenant, owner, staff_member, outsider):
    from holdfast.core.events.services import notify_members_with

    assert notify_members_with(tenant, "webhooks.manage", event_type="payment:failed", title="A payment failed") == 1
    assert list(Notification.objects.values_list("recipient_id", flat=True)) == [owner.pk]
    assert notify_members_with(tenant, "notifications.view", event_type="x:y", title="All", exclude=owner) == 1
