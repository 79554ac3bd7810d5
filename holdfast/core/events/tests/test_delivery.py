"""Webhook delivery against a real local HTTP server that verifies the signature."""
from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from holdfast.core.events import dispatcher
from holdfast.core.events.models import WebhookDelivery
from tests.factories import OutboxEventFactory, WebhookEndpointFactory


def _due_now():
    WebhookDelivery.objects.filter(state=WebhookDelivery.PENDING).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_delivery_posts_signed_json_with_headers(tenant, hook_server):
    hook_server.secret = "whsec_abc"
    endpoint = WebhookEndpointFactory(tenant=tenant, url=hook_server.url, secret="whsec_abc")
    event = OutboxEventFactory(tenant=tenant, event_type="invoice:created", payload={"invoice_id": 3})
    dispatcher.dispatch_outbox()

    assert dispatcher.deliver_due() == 1

    [got] = hook_server.received
    assert got.signature_ok
    body = json.loads(got.body)
    assert body == {"id": event.pk, "type": "invoice:created", "occurred_at": event.occurred_at.isoformat(), "tenant": tenant.slug, "data": {"invoice_id": 3}}
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert got.headers["X-Holdfast-Event"] == "invoice:created"
    assert got.headers["X-Holdfast-Delivery"] == str(delivery.pk)
    assert got.headers["X-Holdfast-Signature"].startswith(f"t={got.headers['X-Holdfast-Timestamp']},v1=")
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (WebhookDelivery.DELIVERED, 1, 200)
    assert delivery.delivered_at is not None


def test_failed_attempt_backs_off_then_retry_succeeds(tenant, hook_server):
    hook_server.secret = "s3cret"
    hook_server.statuses = [503]
    WebhookEndpointFactory(tenant=tenant, url=hook_server.url, secret="s3cret")
    OutboxEventFactory(tenant=tenant)
    dispatcher.dispatch_outbox()

    before = timezone.now()
    dispatcher.deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (WebhookDelivery.PENDING, 1, 503)
    assert delivery.next_attempt_at >= before + timedelta(seconds=30)
    assert dispatcher.deliver_due() == 0  # not due yet: back-off respected

    _due_now()
    dispatcher.deliver_due()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == (WebhookDelivery.DELIVERED, 2, 200)
    assert len(hook_server.received) == 2 and all(r.signature_ok for r in hook_server.received)
    # The same delivery id on both attempts lets the receiver de-duplicate.
    assert {r.headers["X-Holdfast-Delivery"] for r in hook_server.received} == {str(delivery.pk)}


def test_delivery_gives_up_after_max_attempts(tenant, hook_server, settings):
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    hook_server.secret = "x"
    hook_server.statuses = [500, 500, 500, 200]
    WebhookEndpointFactory(tenant=tenant, url=hook_server.url, secret="x")
    OutboxEventFactory(tenant=tenant)
    dispatcher.dispatch_outbox()
    for _ in range(4):
        _due_now()
        dispatcher.deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == (WebhookDelivery.FAILED, 3)
    assert len(hook_server.received) == 3


def test_unreachable_endpoint_is_recorded_as_error_not_raised(tenant):
    WebhookEndpointFactory(tenant=tenant, url="http://127.0.0.1:9/nothing-listens")
    OutboxEventFactory(tenant=tenant)
    dispatcher.dispatch_outbox()
    dispatcher.deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == WebhookDelivery.PENDING and delivery.attempts == 1
    assert delivery.last_status_code is None and delivery.last_error


def test_claimed_delivery_is_leased_so_a_second_worker_skips_it(tenant):
    WebhookEndpointFactory(tenant=tenant)
    OutboxEventFactory(tenant=tenant)
    dispatcher.dispatch_outbox()
    assert len(dispatcher.claim_due_deliveries()) == 1
    assert dispatcher.claim_due_deliveries() == []


def test_backoff_grows_exponentially_and_is_capped():
    assert 30 <= dispatcher.backoff_seconds(1) <= 33
    assert 60 <= dispatcher.backoff_seconds(2) <= 66
    assert 240 <= dispatcher.backoff_seconds(4) <= 264
    assert dispatcher.backoff_seconds(40) <= dispatcher.BACKOFF_CAP_SECONDS * 1.1


def test_verify_signature_refuses_tampering_wrong_secret_and_old_timestamps():
    body = b'{"id":1}'
    now = int(time.time())
    header = dispatcher.sign("k", body, now)
    assert dispatcher.verify_signature("k", body, header)
    assert not dispatcher.verify_signature("k", b'{"id":2}', header)
    assert not dispatcher.verify_signature("other", body, header)
    assert not dispatcher.verify_signature("k", body, dispatcher.sign("k", body, now - 3600))
    assert not dispatcher.verify_signature("k", body, "garbage")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x"])
def test_non_http_urls_are_never_fetched(url):
    status, _, error = dispatcher.post(url, b"{}", {})
    assert status is None and "http" in error


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/hook", "http://169.254.169.254/latest/meta-data", "http://10.1.2.3/x", "http://[::1]/x", "http://localhost/x"])
def test_webhooks_to_non_public_addresses_are_refused_when_private_targets_are_off(tenant, settings, hook_server, url):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    WebhookEndpointFactory(tenant=tenant, url=url)
    OutboxEventFactory(tenant=tenant)
    dispatcher.dispatch_outbox()
    dispatcher.deliver_due()
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 1 and delivery.last_status_code is None
    assert "non-public address" in delivery.last_error
    assert hook_server.received == []


def test_the_private_address_guard_lets_public_addresses_through(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    assert dispatcher.refuse_private_target("https://93.184.215.14/hook") == ""


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/hook", "http://169.254.169.254/latest/meta-data", "http://10.1.2.3/x", "http://[::1]/x", "http://localhost/x"])
def test_registering_a_webhook_to_a_non_public_address_is_refused_when_private_targets_are_off(tenant, owner, settings, url):
    from holdfast.core.events import services
    from holdfast.core.events.models import WebhookEndpoint
    from holdfast.kit.errors import ValidationFailed

    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(ValidationFailed) as refused:
        services.create_webhook_endpoint(tenant=tenant, actor=owner, url=url)
    assert "public addresses only" in refused.value.fields["url"][0]
    endpoint = services.create_webhook_endpoint(tenant=tenant, actor=owner, url="https://93.184.215.14/hook")
    with pytest.raises(ValidationFailed):
        services.update_webhook_endpoint(tenant=tenant, actor=owner, endpoint_id=endpoint.pk, url=url)
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).url == "https://93.184.215.14/hook"


def test_a_webhook_name_that_does_not_resolve_yet_may_be_registered(tenant, owner, settings):
    from holdfast.core.events import services

    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    assert services.create_webhook_endpoint(tenant=tenant, actor=owner, url="https://hooks.invalid/x").pk
