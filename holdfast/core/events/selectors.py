"""Tenant-scoped reads for events: webhook endpoints and their delivery log, own notifications, the live feed."""
from __future__ import annotations

from holdfast.core.tenancy.selectors import get_owned

from .models import Notification, OutboxEvent, WebhookDelivery, WebhookEndpoint


def webhook_endpoints(tenant):
    return WebhookEndpoint.objects.for_tenant(tenant).order_by("id")


def get_webhook_endpoint(tenant, pk) -> WebhookEndpoint:
    return get_owned(WebhookEndpoint, tenant, pk, what="webhook endpoint")


def deliveries(tenant, endpoint: WebhookEndpoint, *, state: str | None = None):
    qs = WebhookDelivery.objects.for_tenant(tenant).filter(endpoint=endpoint).select_related("event").order_by("-id")
    if state:
        qs = qs.filter(state=state.upper())
    return qs


def notifications_for(tenant, user, *, unread: bool | None = None):
    qs = Notification.objects.for_tenant(tenant).filter(recipient=user).order_by("-created_at", "-id")
    if unread is True:
        qs = qs.filter(read_at__isnull=True)
    elif unread is False:
        qs = qs.filter(read_at__isnull=False)
    return qs


def unread_count(tenant, user) -> int:
    if tenant is None or not getattr(user, "is_authenticated", False):
        return 0
    return notifications_for(tenant, user, unread=True).count()


def events_after(tenant, after_id: int, *, exclude=(), limit: int = 100):
    """The tenant's events with id > after_id (minus `exclude`), oldest first (the live feed's cursor)."""
    qs = OutboxEvent.objects.for_tenant(tenant).filter(id__gt=after_id)
    if exclude:
        qs = qs.exclude(id__in=list(exclude))
    return list(qs.order_by("id")[:limit])


def latest_event_id(tenant) -> int:
    return OutboxEvent.objects.for_tenant(tenant).order_by("-id").values_list("id", flat=True).first() or 0
