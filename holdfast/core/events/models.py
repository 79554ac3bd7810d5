"""Outbox, webhook endpoints and deliveries, stored notifications and idempotency keys."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from holdfast.core.tenancy.models import Tenant, TenantOwned, TenantOwnedQuerySet


class OutboxEvent(TenantOwned):
    """An event written in the same transaction as the change it describes; delivered at least once."""

    event_type = models.CharField(max_length=80)  # entity:verb, e.g. booking:created
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["processed_at", "occurred_at"], name="outbox_pending_idx"),
            models.Index(fields=["tenant", "id"], name="outbox_tenant_feed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type}#{self.pk}"


class WebhookEndpoint(TenantOwned):
    url = models.URLField(max_length=500)
    secret = models.CharField(max_length=100)
    event_types = models.JSONField(default=list, blank=True)  # empty = every event; patterns like booking:*
    is_active = models.BooleanField(default=True)
    description = models.CharField(max_length=200, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(TenantOwned):
    PENDING, DELIVERED, FAILED = "PENDING", "DELIVERED", "FAILED"
    STATES = [(s, s) for s in (PENDING, DELIVERED, FAILED)]

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(OutboxEvent, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=10, choices=STATES, default=PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    response_excerpt = models.TextField(blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [models.UniqueConstraint(fields=["endpoint", "event"], name="delivery_once_per_endpoint_event")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due_idx")]


class Notification(TenantOwned):
    """A stored message for one person (not only a socket push), with read/unread."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    event_type = models.CharField(max_length=80)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True, default="")
    data = models.JSONField(default=dict, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["tenant", "recipient", "read_at"], name="notification_inbox_idx")]


class IdempotencyKey(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveIntegerField(null=True, blank=True)
    response_json = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    objects = TenantOwnedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "key"], name="idempotency_key_unique_per_tenant")]
        indexes = [models.Index(fields=["expires_at"], name="idempotency_expiry_idx")]
