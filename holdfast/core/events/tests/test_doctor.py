"""Doctor checks: a stalled outbox and stuck webhook deliveries are reported."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from holdfast.core.events import doctor
from holdfast.core.events.models import OutboxEvent, WebhookDelivery
from tests.factories import OutboxEventFactory, WebhookDeliveryFactory


def test_outbox_backlog_is_reported_and_repaired_by_dispatching(tenant):
    OutboxEventFactory(tenant=tenant)  # fresh: not yet a finding
    old = OutboxEventFactory(tenant=tenant, occurred_at=timezone.now() - timedelta(minutes=11))
    findings = doctor.outbox_backlog()
    assert len(findings) == 1 and findings[0].tenant_id == tenant.pk and f"#{old.pk}" in findings[0].message
    assert doctor.dispatch_backlog(findings) == 2
    assert doctor.outbox_backlog() == []
    assert not OutboxEvent.objects.filter(processed_at__isnull=True).exists()


def test_deliveries_pending_long_past_their_attempt_are_reported(tenant):
    from tests.factories import WebhookEndpointFactory

    endpoint = WebhookEndpointFactory(tenant=tenant)
    WebhookDeliveryFactory(endpoint=endpoint, next_attempt_at=timezone.now() - timedelta(minutes=30))
    WebhookDeliveryFactory(endpoint=endpoint, state=WebhookDelivery.FAILED, next_attempt_at=timezone.now() - timedelta(hours=3))
    assert doctor.stuck_deliveries() == []
    WebhookDeliveryFactory(endpoint=endpoint, next_attempt_at=timezone.now() - timedelta(hours=2))
    findings = doctor.stuck_deliveries()
    assert len(findings) == 1 and findings[0].data == {"endpoint_id": endpoint.pk, "count": 1}
