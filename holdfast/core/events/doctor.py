"""Invariant checks for events: the outbox keeps moving and webhook deliveries do not get stuck."""
from __future__ import annotations

from datetime import timedelta

from django.db.models import Count, Min
from django.utils import timezone

from holdfast.kit.doctor import Finding, check, repair

from .models import OutboxEvent, WebhookDelivery

OUTBOX_LAG = timedelta(minutes=10)
DELIVERY_LAG = timedelta(hours=1)


@check("events.outbox_backlog", "Outbox events are dispatched within 10 minutes (is a worker running?)")
def outbox_backlog():
    rows = (
        OutboxEvent.objects.filter(processed_at__isnull=True, occurred_at__lt=timezone.now() - OUTBOX_LAG)
        .values("tenant_id")
        .annotate(n=Count("id"), oldest=Min("occurred_at"), first_id=Min("id"))
        .order_by("tenant_id")
    )
    return [
        Finding(f"{row['n']} outbox event(s) unprocessed for over 10 minutes (oldest #{row['first_id']} from {row['oldest']:%Y-%m-%d %H:%M} UTC)", tenant_id=row["tenant_id"], data={"count": row["n"]})
        for row in rows
    ]


@repair("events.outbox_backlog")
def dispatch_backlog(findings) -> int:
    from .dispatcher import dispatch_all

    return dispatch_all()


@check("events.stuck_deliveries", "Webhook deliveries do not stay PENDING more than an hour past their next attempt")
def stuck_deliveries():
    rows = (
        WebhookDelivery.objects.filter(state=WebhookDelivery.PENDING, next_attempt_at__lt=timezone.now() - DELIVERY_LAG)
        .values("tenant_id", "endpoint_id")
        .annotate(n=Count("id"), oldest=Min("next_attempt_at"))
        .order_by("tenant_id", "endpoint_id")
    )
    return [
        Finding(f"{row['n']} delivery(ies) to endpoint {row['endpoint_id']} overdue since {row['oldest']:%Y-%m-%d %H:%M} UTC", tenant_id=row["tenant_id"], data={"endpoint_id": row["endpoint_id"], "count": row["n"]})
        for row in rows
    ]
